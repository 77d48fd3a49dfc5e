# A short profile for the end-to-end tests: three accuracy points, enough
# to see passes, a failure and the database, in seconds of simulated time.
[profile]
name = short
description = End-to-end test profile: full load, light load, 0.5 pf lag
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

[point full-load-pf05-lag]
kind = accuracy
current = 100 %
pf = 0.5 lag
band = 0.75 %
