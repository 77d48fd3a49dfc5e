# One accuracy point with a gate long enough (200 s of bench time, about
# a second at the end-to-end tests' time scale) to lose edges inside it.
[profile]
name = lossy
description = End-to-end test profile: one gate to lose edges in
indeterminate = report
max_retests = 2

[point full-load]
kind = accuracy
current = 100 %
settle = 5 s
min_gate = 200 s
max_gate = 600 s
min_edges = 3
