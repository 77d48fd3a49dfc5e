#!/usr/bin/env bash
# Benchmark 5, the daemon's part: rigd on the simulated bench (rig-sim as its
# own process, 8 MMD-120-2001: 56 lines, the edge input takes 64), one
# full-load point held for 600 simulated seconds (a steady edge rate), at
# rising time scales up to the fixture's limit of 1000.
# For each: the edges rigd took (its own --record capture), the sequence
# gaps in that capture (loss), the run's outcome, rigd's CPU seconds per
# million edges, and its resident memory idle and at its peak.
# Prints GOAL lines like the C benchmarks. Needs build/rigd, build/rigctl,
# build/rig-sim and tests/e2e/lib.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RIG_TOP=$top
RIG_BIN=$top/build
if [ ! -x "$RIG_BIN/rigd" ] || [ ! -x "$RIG_BIN/rigctl" ] || [ ! -f "$top/tests/e2e/lib.sh" ]; then
	echo "rigd is not built in this tree: the daemon's figures are not measured"
	echo "GOAL rigd_edge_ingest not-built 0-lost MISS"
	exit 0
fi
. "$top/tests/e2e/lib.sh"
trap e2e_cleanup EXIT

work=$top/build/bench/rigd
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
proc_cpu() {
	# utime + stime, seconds
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
# Edges in a capture, and the global sequence gaps (a fresh request starts at 1).
capture_stats() {
	awk '$1 == "E" { n++; if (last && $5 != last + 1 && $5 != 1) gap += $5 - last - 1; last = $5 }
	     END { printf "%d %d\n", n, gap + 0 }' "$1"
}

best=0
lost_any=0
idle_rss=
peak_rss=0
positions=8
ref_sim_s=
for scale in 100 200 300 500 1000; do
	rm -rf "$work"
	mkdir -p "$work"
	e2e_start_sim "$work" "$scale" --seed 3 --model MMD-120-2001 --set defaults.jitter_us=100 \
		--positions "$positions" || break
	mkdir -p "$work/profiles"
	cat >"$work/profiles/ingest.profile" <<'PROFILE'
# Full load held for max_gate: a target no gate reaches keeps it gating.
[profile]
name = ingest
indeterminate = report
max_retests = 0
[defaults]
voltage = 120 V
frequency = 60 Hz
output = 10
band = 0.5 %
target_uncertainty = 0.001 %
settle = 10 s
min_gate = 0 s
max_gate = 600 s
min_edges = 3
elements = all
pf = 1.0
[point full-load]
kind = accuracy
current = 100 %
PROFILE
	E2E_PROFILES=$work/profiles E2E_STATION=bench-rigd E2E_RECORD=$work/edges.cap E2E_LOG_LEVEL=warning \
		e2e_write_config "$work" "$scale"
	# sim.conf wires 4 positions; the same layout (8 lines each) for all 8
	for p in $(seq 5 "$positions"); do
		printf '[position %d]\n' "$p"
		i=0
		for sig in kh10 kh100 kh1000 counter reverse_led power_led load_led; do
			printf '%s = %d\n' "$sig" $(( 8 * (p - 1) + i ))
			i=$((i + 1))
		done
	done >>"$work/fixture.conf"
	e2e_start_rigd "$work" || break
	sleep 0.5
	rss_idle=$(proc_kb "$RIGD_PID" VmRSS)
	[ -z "$idle_rss" ] && idle_rss=$rss_idle
	cpu0=$(proc_cpu "$RIGD_PID")
	t0=$(date +%s.%N)
	args=""
	for p in $(seq 1 "$positions"); do args="$args --position $p:MMD-120-2001:B-$p"; done
	# shellcheck disable=SC2086
	"$RIG_BIN/rigctl" --socket "$work/rigd.sock" run --profile ingest --operator bench $args \
		>"$work/run.txt" 2>&1
	code=$?
	t1=$(date +%s.%N)
	cpu1=$(proc_cpu "$RIGD_PID")
	hwm=$(proc_kb "$RIGD_PID" VmHWM)
	e2e_cleanup
	read -r edges gaps < <(capture_stats "$work/edges.cap")
	wall=$(echo "$t1 - $t0" | bc -l)
	rate=$(echo "$edges / $wall" | bc -l)
	cpu_m=$(echo "($cpu1 - $cpu0) / ($edges + 0.000001) * 1000000" | bc -l)
	# Simulated seconds the run lasted: the point's gate is the same 585 s
	# at every scale, so a longer run means the daemon's deadlines came late
	# against the simulator's clock (shown, not judged: loss is the goal).
	sim_s=$(echo "$wall * $scale" | bc -l)
	[ -z "$ref_sim_s" ] && ref_sim_s=$sim_s
	longer=$(echo "100 * ($sim_s / $ref_sim_s - 1)" | bc -l)
	printf 'time scale %5d: run exit %d in %5.2f s (%5.0f simulated s, %+4.0f %% against x100), %6d edges, %6.0f edges/s, %d lost,' \
		"$scale" "$code" "$wall" "$sim_s" "$longer" "$edges" "$rate" "$gaps"
	printf ' rigd %.1f CPU s per million edges, resident %d kB idle, %d kB peak\n' \
		"$cpu_m" "$rss_idle" "$hwm"
	[ "$hwm" -gt "$peak_rss" ] && peak_rss=$hwm
	if [ "$gaps" -ne 0 ]; then lost_any=1; fi
	if [ "$code" -ne 0 ]; then
		echo "  (run output: $(tail -n 2 "$work/run.txt" | tr '\n' ' '))"
		break
	fi
	# passed with no gap: rigd took this rate
	if [ "$gaps" -eq 0 ] && [ "$(echo "$rate > $best" | bc -l)" -eq 1 ]; then
		best=$(printf '%.0f' "$rate")
	fi
done
echo "rigd: highest edge rate taken with the run passing and zero loss: $best edges/s;" \
	"resident memory idle $idle_rss kB, peak $peak_rss kB"
if [ "$best" -gt 0 ] && [ "$lost_any" -eq 0 ]; then r=PASS; else r=MISS; fi
echo "GOAL rigd_edge_ingest ${best}/s,${lost_any}-lost-runs 0-lost $r"
