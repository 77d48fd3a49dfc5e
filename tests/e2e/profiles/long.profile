# One long accuracy point: a run that is surely still going when a test
# interrupts it (about 10 s at the end-to-end tests' time scale).
[profile]
name = long
description = End-to-end test profile: one long full-load gate

[point full-load-long]
kind = accuracy
current = 100 %
settle = 5 s
min_gate = 2000 s
max_gate = 3000 s
min_edges = 3
