# Six accuracy points of a minute each: a run with a source command every
# few hundred milliseconds at the end-to-end tests' time scale, for faults
# injected while it goes.
[profile]
name = steps
description = End-to-end test profile: six one-minute points
indeterminate = report
max_retests = 0

[defaults]
output = 10
settle = 5 s
min_gate = 60 s
max_gate = 300 s
min_edges = 3

[point step-1]
kind = accuracy
current = 100 %

[point step-2]
kind = accuracy
current = 50 %

[point step-3]
kind = accuracy
current = 100 %

[point step-4]
kind = accuracy
current = 50 %

[point step-5]
kind = accuracy
current = 100 %

[point step-6]
kind = accuracy
current = 50 %
