# Production screen: the few points that catch a bad Mini Meter fastest.
# A wrong CT burden or calibration shows at full load; a bad low-end
# (offset, starting) shows at light load; a phase error (CT or sampling)
# shows at 0.5 pf lagging, where it is largest; a swapped or misread CT shows
# on the reverse-phase LED; a meter that counts with no load fails the short
# creep check. Influence tests (voltage, frequency, elements) belong to the
# ansi-c12.1 type test, not to every unit.

[profile]
name = production
description = Fast end-of-line screen: connection check, full and light load, 0.5 pf lag, reverse LED, creep
indeterminate = retest
max_retests = 1               ; one retest keeps the line moving; then it is reported

[defaults]
voltage = 120 V
frequency = 60 Hz
output = 10
band = 0.5 %                  ; guide 2.2
target_uncertainty = 0.1 %    ; 5:1 against the band, as in ansi-c12.1
settle = 10 s                 ; vendors' practice
min_gate = 10 s               ; engineering choice: shorter than the type test; at full
                              ; load Kh 10 gives several edges a second
max_gate = 300 s
min_edges = 3
elements = all

# Wiring before meters: voltage only (power LED lit, no output toggling),
# then a short full-load step; a position silent on every line is a wiring
# error, not a failed meter; all silent stops the run.
[point connection-voltage]
kind = connection-check
current = 0 A
settle = 2 s
min_gate = 0 s
max_gate = 5 s

[point connection-check]
kind = connection-check
current = 100 %
settle = 2 s
min_gate = 0 s
max_gate = 10 s               ; engineering choice: at 100 A, 120 V a Kh 10 edge every 1.5 s

[point full-load-pf1]
kind = accuracy
current = 100 %

[point light-load-pf1]
kind = accuracy
current = 10 %                ; 10 A on a 100 A model: an edge every 15 s

[point full-load-pf05-lag]
kind = accuracy
current = 100 %
pf = 0.5 lag
band = 0.75 %                 ; guide 2.2

[point reverse-led-on]
kind = reverse-led
current = 5 A                 ; guide 3.7: the LED needs more than 1 A
reversed = 1
led = on

# Short creep at 138 V: a meter creeping at 300 W (about 2.2 A at 138 V)
# gives two Kh 10 edges (a FAIL) for certain in 2 x 60 s = 120 s. Only a
# gross creep fault shows here; the fine limit (30 W) is the ansi-c12.1
# creep point.
[point creep-short]
kind = creep
voltage = 138 V
current = 0 A
max_edges = 1
detect = 300 W
settle = 5 s
