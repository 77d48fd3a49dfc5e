# A short profile for the real-kernel test bed: two accuracy points in real
# time. A 400 A dual-element meter at full load gives a Kh 10 edge every
# 0.19 s; with the bench's 1.5 ms timing uncertainty a gate of about 10 s
# reaches the 0.15 % target.

[profile]
name = vm-short
description = Real-kernel test bed: full load at pf 1 and 0.5 lag
indeterminate = retest
max_retests = 2

[defaults]
voltage = 120 V
frequency = 60 Hz
output = 10
band = 0.5 %
target_uncertainty = 0.15 %
settle = 1 s
min_gate = 3 s
max_gate = 15 s
min_edges = 5
elements = all

[point full-load-pf1]
kind = accuracy
current = 100 %

[point full-load-pf05-lag]
kind = accuracy
current = 100 %
pf = 0.5 lag
band = 0.75 %
