/* A byte transport to an instrument: a small table of functions
 * (libsigrok style). Non-blocking: the daemon polls transport_fd() in its
 * own loop and calls read when it is readable. Specs:
 *   serial:/dev/ttyUSB0:115200:8N1[:rtscts|:xonxoff|:none]
 *   tcp:HOST:PORT */
#ifndef RIG_DRIVERS_TRANSPORT_H
#define RIG_DRIVERS_TRANSPORT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "rig/core/error.h"

struct transport;

struct transport_ops {
	const char *scheme;	/* "serial", "tcp" */
	int (*open)(struct transport *t, const char *args, struct rig_error *err);
	/* Writes all of buf or fails (short writes are retried with a bound). */
	int (*write)(struct transport *t, const void *buf, size_t len, struct rig_error *err);
	/* Reads what is there without blocking: bytes, 0 when nothing, -1 on error/EOF. */
	ssize_t (*read)(struct transport *t, void *buf, size_t len, struct rig_error *err);
	int (*fd)(const struct transport *t);	/* pollable fd for readability */
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	void *priv;
	char spec[160];
	pthread_mutex_t write_lock;	/* transport_write: one writer at a time */
};

/* Opens by spec: picks ops by scheme. NULL with err on failure. */
/* Writes all of buf through ops->write, one writer at a time: rigd's
 * dead-man thread sends keep-alives between the loop's commands, and a
 * line is never split by another. 0, or -1 with err. */
int transport_write(struct transport *t, const void *buf, size_t len, struct rig_error *err);

struct transport *transport_open(const char *spec, struct rig_error *err);
void transport_close(struct transport *t);	/* NULL-safe */

extern const struct transport_ops transport_serial_ops;
extern const struct transport_ops transport_tcp_ops;

#endif
