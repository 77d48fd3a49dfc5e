# A short profile for the end-to-end tests: two accuracy points and a creep
# check, enough to see a pass, a failure and the database, in seconds.
[profile]
name = short
description = End-to-end test profile: full load, light load, creep
indeterminate = report
max_retests = 1

[defaults]
voltage = 120 V
frequency = 60 Hz
output = 10
band = 0.5 %
target_uncertainty = 0.1 %
settle = 5 s
min_gate = 20 s
max_gate = 300 s
min_edges = 3
elements = all

[point full-load]
kind = accuracy
current = 100 %

[point light-load]
kind = accuracy
current = 25 %

[point creep]
kind = creep
voltage = 138 V
current = 0 A
max_edges = 1
max_gate = 60 s
settle = 5 s
