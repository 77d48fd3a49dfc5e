#!/usr/bin/env bash
# Benchmark 5, the daemon's part: rigd on the simulated bench (rig-sim as its
# own process, 4 MMD-120-2001), one full-load point held for 600 simulated
# seconds (a steady edge rate), at rising time scales.
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
for scale in 50 200 1000 4000; do
	rm -rf "$work"
	mkdir -p "$work"
	e2e_start_sim "$work" "$scale" --seed 3 --model MMD-120-2001 --set defaults.jitter_us=100 || exit 1
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
	e2e_start_rigd "$work" || exit 1
	sleep 0.5
	rss_idle=$(proc_kb "$RIGD_PID" VmRSS)
	[ -z "$idle_rss" ] && idle_rss=$rss_idle
	cpu0=$(proc_cpu "$RIGD_PID")
	t0=$(date +%s.%N)
	"$RIG_BIN/rigctl" --socket "$work/rigd.sock" run --profile ingest --operator bench \
		--position 1:MMD-120-2001:B-1 --position 2:MMD-120-2001:B-2 \
		--position 3:MMD-120-2001:B-3 --position 4:MMD-120-2001:B-4 >"$work/run.txt" 2>&1
	code=$?
	t1=$(date +%s.%N)
	cpu1=$(proc_cpu "$RIGD_PID")
	hwm=$(proc_kb "$RIGD_PID" VmHWM)
	e2e_cleanup
	read -r edges gaps < <(capture_stats "$work/edges.cap")
	wall=$(echo "$t1 - $t0" | bc -l)
	rate=$(echo "$edges / $wall" | bc -l)
	cpu_m=$(echo "($cpu1 - $cpu0) / ($edges + 0.000001) * 1000000" | bc -l)
	printf 'time scale %5d: run exit %d in %6.2f s, %7d edges recorded, %6.0f edges/s, %d lost (seqno gaps),' \
		"$scale" "$code" "$wall" "$edges" "$rate" "$gaps"
	printf ' rigd %.2f CPU s per million edges, resident %d kB idle, %d kB peak\n' \
		"$cpu_m" "$rss_idle" "$hwm"
	[ "$hwm" -gt "$peak_rss" ] && peak_rss=$hwm
	if [ "$gaps" -ne 0 ]; then lost_any=1; fi
	# a run that passes with no gap: rigd kept up at this rate
	if [ "$code" -eq 0 ] && [ "$gaps" -eq 0 ]; then
		best=$(printf '%.0f' "$rate")
	else
		echo "  (run output: $(tail -n 2 "$work/run.txt" | tr '\n' ' '))"
		break
	fi
done
echo "rigd: highest edge rate with the run passing and zero loss: $best edges/s;" \
	"resident memory idle $idle_rss kB, peak $peak_rss kB"
if [ "$best" -gt 0 ] && [ "$lost_any" -eq 0 ]; then r=PASS; else r=MISS; fi
echo "GOAL rigd_edge_ingest ${best}/s,${lost_any}-lost-runs 0-lost $r"
