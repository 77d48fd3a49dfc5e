#!/usr/bin/env python3
"""freeze_thread.py TID SECONDS [SIM_SCPI_PORT]

Stops one thread (rigd's loop: its TID is the process ID) for SECONDS while
the process's other threads run on, the way a debugger stops one thread:
ptrace SEIZE then INTERRUPT, no signal, so no group stop. A loop held like
this is a loop that is busy or stuck, not a process that is stopped.

With a port, watches rig-sim's SIM:OUTP? meanwhile and prints
"<ms> <why>": the time from the stop to the output going off (both
CLOCK_MONOTONIC), or "never -". Exit 77 when this machine does not let
one process stop another's thread (no ptrace permission), 2 when stopping
fails otherwise, 3 when rig-sim does not answer."""
import ctypes
import errno
import os
import sys
import time

from sim_outp import outp as ask_outp

PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH = 0x4206, 0x4207, 17
WALL = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(request, tid):
    if libc.ptrace(request, tid, None, None) != 0:
        err = ctypes.get_errno()
        print(f"ptrace {request:#x} on thread {tid}: {os.strerror(err)}", file=sys.stderr)
        sys.exit(77 if err == errno.EPERM else 2)


def outp(port):
    try:
        return ask_outp(port)
    except (OSError, ValueError) as e:
        ptrace(PTRACE_DETACH, tid)
        print(f"rig-sim's SIM:OUTP? on port {port}: {e}", file=sys.stderr)
        sys.exit(3)


tid, seconds = int(sys.argv[1]), float(sys.argv[2])
port = int(sys.argv[3]) if len(sys.argv) > 3 else None
ptrace(PTRACE_SEIZE, tid)
ptrace(PTRACE_INTERRUPT, tid)
os.waitpid(tid, WALL)
t0 = time.monotonic_ns()
end = t0 + int(seconds * 1e9)
said = None
while time.monotonic_ns() < end:
    if port and said is None:
        on, off_ns, why = outp(port)
        if not on:
            said = "%.1f %s" % ((off_ns - t0) / 1e6, why)
    time.sleep(0.02)
ptrace(PTRACE_DETACH, tid)
if port:
    print(said or "never -")
