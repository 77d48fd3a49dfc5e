# End-to-end test profile: the LCD register against a known energy, then
# one accuracy point (so a run goes on after the register point).
[profile]
name = register
description = End-to-end test profile: register test, full load
indeterminate = report
max_retests = 0

[defaults]
voltage = 120 V
settle = 5 s
min_gate = 20 s
max_gate = 300 s
min_edges = 3

[point register]
kind = register
current = 100 %
energy = 1 kWh
resolution = 0.1 kWh
reading_wait = 60 s

[point full-load]
kind = accuracy
current = 100 %
