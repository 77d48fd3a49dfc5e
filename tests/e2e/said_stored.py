#!/usr/bin/env python3
"""What rigd said against what it stored.

  said_stored.py watch SOCKET EVENTS [--kill-on-done PID]
      Subscribes to rigd's events and appends every event line to EVENTS
      (JSON lines) until a "done" arrives or rigd goes away. Prints
      "subscribed" once subscribed, so a caller can start the run after it.
      With --kill-on-done, SIGKILLs PID the moment a "done" is read.

  said_stored.py check DB EVENTS
      Every "point" event in EVENTS is stored in DB with the same verdict,
      error and uncertainty; every "done" names the state the run has in DB,
      except a done that says the database failed (state "error", reason
      "database: ...") whose run may be "interrupted" (its end could not be
      stored). Prints "said N points, M done: all stored" or the first
      difference, and exits 1 on a difference.
"""
import json
import math
import os
import signal
import socket
import sqlite3
import sys


def watch(sock_path, out_path, kill_pid):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(None)
    s.connect(sock_path)
    s.sendall(b'{"cmd":"subscribe"}\n')
    buf = b""
    subscribed = False
    with open(out_path, "a") as out:
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                return 0
            if not chunk:
                return 0
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if not subscribed and msg.get("ok") is True and "event" not in msg:
                    subscribed = True
                    print("subscribed", flush=True)
                    continue
                if "event" not in msg:
                    continue
                if msg["event"] == "done" and kill_pid:
                    os.kill(kill_pid, signal.SIGKILL)
                out.write(json.dumps(msg) + "\n")
                out.flush()
                if msg["event"] == "done":
                    return 0


def same_number(said, stored):
    if said is None:
        return stored is None or not math.isfinite(stored)
    if stored is None:
        return False
    return abs(said - stored) <= 1e-9 * max(1.0, abs(said))


def check(db_path, events_path):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    points = dones = 0
    try:
        events = [json.loads(l) for l in open(events_path) if l.strip()]
    except FileNotFoundError:
        events = []
    for ev in events:
        kind = ev.get("event")
        if kind in ("point", "point_retry"):
            row = db.execute(
                "SELECT m.verdict, m.error_pct, m.u_pct FROM measurements m"
                " JOIN points p ON p.id = m.point_id JOIN runs r ON r.id = p.run_id"
                " WHERE r.run_uuid = ? AND p.idx = ? AND m.position = ? AND m.attempt = ?",
                (ev["run"], ev["point"], ev["position"], ev["attempt"])).fetchone()
            where = "run %s point %d position %d attempt %d" % (
                ev["run"], ev["point"], ev["position"], ev["attempt"])
            if row is None:
                print("said but not stored: %s (%s)" % (where, ev["verdict"]))
                return 1
            if row[0] != ev["verdict"]:
                print("%s: said %s, stored %s" % (where, ev["verdict"], row[0]))
                return 1
            if "error_pct" in ev and not (same_number(ev["error_pct"], row[1]) and
                                          same_number(ev["u_pct"], row[2])):
                print("%s: said error %r U %r, stored %r %r" % (
                    where, ev["error_pct"], ev["u_pct"], row[1], row[2]))
                return 1
            points += 1
        elif kind == "done":
            row = db.execute("SELECT state FROM runs WHERE run_uuid = ?", (ev["run"],)).fetchone()
            if row is None:
                print("done for run %s, which is not stored" % ev["run"])
                return 1
            said, stored = ev["state"], row[0]
            db_fault = said == "error" and ev.get("reason", "").startswith("database:")
            if said != stored and not (db_fault and stored in ("interrupted", "running")):
                print("run %s: done said %s, the database holds %s" % (ev["run"], said, stored))
                return 1
            dones += 1
    print("said %d points, %d done: all stored" % (points, dones))
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "watch":
        pid = int(argv[5]) if len(argv) >= 6 and argv[4] == "--kill-on-done" else 0
        return watch(argv[2], argv[3], pid)
    if len(argv) == 4 and argv[1] == "check":
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
