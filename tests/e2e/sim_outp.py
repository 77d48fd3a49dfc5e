"""rig-sim's SIM:OUTP?, for the dead-man tests: (on, CLOCK_MONOTONIC ns of
the last switch-off, why: command, heartbeat or watchdog)."""
import socket


def outp(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"SIM:OUTP?\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            buf += chunk
    on, off_ns, why = buf.decode().strip().split(",")
    return on == "1", int(off_ns), why
