# Shared by the demo and the end-to-end scripts: start the bench simulator
# and rigd on a private directory, talk to them, clean up on any exit.
# Source it from bash; set RIG_BIN (programs) and RIG_TOP (repo top) first.

: "${RIG_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${RIG_BIN:=$RIG_TOP/build}"
E2E_PIDS=""

e2e_cleanup() {
	local pid
	for pid in $E2E_PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $E2E_PIDS; do
		# a bounded wait, then the hard way
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	E2E_PIDS=""
}

e2e_forget_pid() {
	local keep="" pid
	for pid in $E2E_PIDS; do [ "$pid" = "$1" ] || keep="$keep $pid"; done
	E2E_PIDS=$keep
}

# e2e_start_sim DIR SCALE [rig-sim options...]: the simulator wired as the
# simulated fixture (fixtures/sim.conf: lines, phases, injection) on free
# ports, which come back in SIM_SCPI and SIM_EDGE.
e2e_start_sim() {
	local dir=$1 scale=$2
	shift 2
	rm -f "$dir/sim.ports"
	"$RIG_BIN/rig-sim" --fixture "$RIG_TOP/fixtures/sim.conf" --scpi-port 0 --edge-port 0 \
		--time-scale "$scale" --port-file "$dir/sim.ports" "$@" \
		>"$dir/sim.out" 2>"$dir/sim.log" &
	SIM_PID=$!
	E2E_PIDS="$E2E_PIDS $SIM_PID"
	for _ in $(seq 100); do
		[ -s "$dir/sim.ports" ] && break
		kill -0 "$SIM_PID" 2>/dev/null || { cat "$dir/sim.log" >&2; return 1; }
		sleep 0.05
	done
	[ -s "$dir/sim.ports" ] || { echo "rig-sim did not start" >&2; return 1; }
	SIM_SCPI=$(sed -n 's/.*scpi=\([0-9]*\).*/\1/p' "$dir/sim.ports")
	SIM_EDGE=$(sed -n 's/.*edge=\([0-9]*\).*/\1/p' "$dir/sim.ports")
}

# e2e_write_config DIR SCALE: the simulated fixture on the simulator's
# ports and time scale, and rigd.conf using it.
e2e_write_config() {
	local dir=$1 scale=$2
	sed -e "s/^transport = tcp:127.0.0.1:[0-9]*/transport = tcp:127.0.0.1:$SIM_SCPI/" \
	    -e "s/^input = sim:127.0.0.1:[0-9]*/input = sim:127.0.0.1:$SIM_EDGE/" \
	    -e "s/^time_scale = [0-9.]*/time_scale = $scale/" \
	    "$RIG_TOP/fixtures/sim.conf" >"$dir/fixture.conf"
	grep -q "tcp:127.0.0.1:$SIM_SCPI" "$dir/fixture.conf" && grep -q "sim:127.0.0.1:$SIM_EDGE" "$dir/fixture.conf" ||
		{ echo "fixtures/sim.conf: could not set the ports" >&2; return 1; }
	# the reference's specification, which the fixture names next to itself
	cp "$RIG_TOP/fixtures/sim-6105a.spec" "$dir/" || return 1
	# A Unix socket path has at most 107 bytes: a deep checkout gets a short one.
	E2E_SOCK=$dir/rigd.sock
	if [ ${#E2E_SOCK} -gt 100 ]; then
		E2E_SOCK=$(mktemp -u /tmp/rigd-XXXXXX.sock)
	fi
	cat >"$dir/rigd.conf" <<CONF
[rigd]
station = ${E2E_STATION:-e2e-bench}
fixture = $dir/fixture.conf
profiles = ${E2E_PROFILES:-$RIG_TOP/profiles}
database = $dir/rig.db
socket = $E2E_SOCK
log_level = ${E2E_LOG_LEVEL:-info}
record_edges = ${E2E_RECORD:-off}
${E2E_CONF_EXTRA:-}
CONF
	# the station signing key, made once as at install (rigd needs it)
	[ -e "$dir/station.key" ] || "$RIG_BIN/rigctl" --db "$dir/rig.db" key init >/dev/null
}

# e2e_start_rigd DIR: waits until it answers on its socket ($E2E_SOCK, set
# by e2e_write_config).
e2e_start_rigd() {
	local dir=$1
	${E2E_RIGD_WRAP:-} "$RIG_BIN/rigd" -c "$dir/rigd.conf" >>"$dir/rigd.log" 2>&1 &
	RIGD_PID=$!
	E2E_PIDS="$E2E_PIDS $RIGD_PID"
	for _ in $(seq 200); do
		if [ -S "$E2E_SOCK" ] && "$RIG_BIN/rigctl" --socket "$E2E_SOCK" status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$RIGD_PID" 2>/dev/null || { echo "rigd exited at start-up:" >&2; tail -5 "$dir/rigd.log" >&2; return 1; }
		sleep 0.05
	done
	echo "rigd did not become ready" >&2
	return 1
}

# e2e_scpi PORT COMMAND: one SCPI line to the simulator; prints the reply
# of a query.
e2e_scpi() {
	local port=$1 cmd=$2
	timeout 5 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/'"$port"' || exit 1
		printf "%s\n" "$1" >&3
		case "$1" in *\?*) IFS= read -r line <&3 && printf "%s\n" "${line%$'"'"'\r'"'"'}";; esac
		exec 3>&-' _ "$cmd"
}

# e2e_ctl DIR JSON: one request line to rigd's socket, prints the reply line.
e2e_ctl() {
	python3 - "$E2E_SOCK" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while b"\n" not in buf:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.split(b"\n")[0].decode())
PY
}

# e2e_signal_until_off PID SIGNAL: with the simulated source's output on,
# sends SIGNAL (KILL, STOP, ...) to PID and waits up to 3 s for the output
# to go off by itself; prints "<ms> <why>" (ms from the signal to output off,
# both on CLOCK_MONOTONIC, from rig-sim's SIM:OUTP?; why: command,
# heartbeat, watchdog), or "never -". Needs SIM_SCPI.
E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_signal_until_off() {
	python3 - "$1" "$2" "$SIM_SCPI" "$E2E_LIB_DIR" <<'PY'
import os, signal, sys, time
pid, sig, port = int(sys.argv[1]), getattr(signal, "SIG" + sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from sim_outp import outp as ask
def outp():
    return ask(port)
assert outp()[0], "output not on before the signal"
t0 = time.monotonic_ns()
os.kill(pid, sig)
end = t0 + 3 * 10**9
while time.monotonic_ns() < end:
    on, off_ns, why = outp()
    if not on:
        print("%.1f %s" % ((off_ns - t0) / 1e6, why))
        sys.exit(0)
    time.sleep(0.02)
print("never -")
PY
}

# e2e_sql DB QUERY
e2e_sql() {
	sqlite3 -batch -noheader "$1" "$2"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
