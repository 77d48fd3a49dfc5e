/* systemd readiness without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef RIG_RIGD_NOTIFY_H
#define RIG_RIGD_NOTIFY_H

#include <stdint.h>

/* Sends state (e.g. "READY=1", "STOPPING=1", "STATUS=...") when
 * NOTIFY_SOCKET is set. 1 sent, 0 not under systemd, -1 error. */
int rig_notify(const char *state);

/* STATUS=<formatted text>, what `systemctl status rigd` shows: said when
 * a run starts, at every point and when it ends. Same returns. */
int rig_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* systemd's watchdog interval (WATCHDOG_USEC, for this process when
 * WATCHDOG_PID is set), in ns; 0 when there is none. */
int64_t rig_notify_watchdog_ns(void);

#endif
