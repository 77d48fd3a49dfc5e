/* A phantom-load source driver: a small table of functions over a transport.
 * The sequencer's abstract commands (rig_cmd) go in; the driver turns them
 * into the instrument's own language, checks the instrument's error queue
 * after every setting, and reports the instrument's own error text.
 *
 * Two ways to drive it:
 *  - blocking helpers (source_run_cmd) with a timeout on every read, for
 *    tools and tests;
 *  - the daemon's poll loop: source_begin(cmd) queues the command's lines,
 *    ops->advance() on a readable transport fd or at ops->deadline() moves
 *    it on and returns 1 with the result when it is done.
 * Both are one code path: source_run_cmd is begin + source_drive.
 *
 * The source does not own its transport: close the transport after
 * source_free (which still talks to the instrument to switch it off). */
#ifndef RIG_DRIVERS_SOURCE_H
#define RIG_DRIVERS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/transport/transport.h"
#include "rig/core/error.h"
#include "rig/core/sequencer.h"

struct source;

struct source_result {
	bool ok;
	double power_w;			/* RIG_CMD_READ_POWER: total source watts */
	char error[256];		/* the instrument's own error text, or the transport's */
};

struct source_ops {
	const char *name;		/* "scpi6100" */
	int (*open)(struct source *s, struct rig_error *err);	/* identify, *RST, *CLS, output off */
	int (*begin)(struct source *s, const struct rig_cmd *cmd, int64_t now_ns);
	/* Progress on readable fd or time: 1 when the command finished (result set), 0 not yet. */
	int (*advance)(struct source *s, int64_t now_ns, struct source_result *ret);
	/* When advance must be called even if the fd stays quiet: the current
	 * reply's deadline, a time already past when the result is ready,
	 * INT64_MAX when idle. */
	int64_t (*deadline)(const struct source *s);
	/* Output off now, blocking with a short timeout; used on every path out. */
	int (*output_off)(struct source *s, struct rig_error *err);
	void (*close)(struct source *s);
	/* Optional: feeds the instrument's communication watchdog without a
	 * reply (any time, even with a query outstanding). */
	int (*keepalive)(struct source *s, struct rig_error *err);
};

struct source {
	const struct source_ops *ops;
	struct transport *tr;
	double timeout_s;
	double watchdog_s;		/* the instrument's comm watchdog, armed at open; 0 none */
	char idn[160];			/* *IDN? reply */
	void *priv;
};

/* Opens the source: output off sent blind first (after a device clear),
 * then identify, reset, off again and verified. A NULL return (silent,
 * slow, garbled instrument) may still have switched the output off. */
struct source *source_new(const char *driver, struct transport *tr, double timeout_s,
			  struct rig_error *err);
/* The same, arming the instrument's communication watchdog (watchdog_s > 0:
 * the instrument switches its output off when no command came for that
 * long; keep it fed with source_keepalive). */
struct source *source_open(const char *driver, struct transport *tr, double timeout_s,
			   double watchdog_s, struct rig_error *err);
/* Feeds the communication watchdog: 0 (also when the driver has none). */
int source_keepalive(struct source *s, struct rig_error *err);
/* Sends output off first (a failure is printed on stderr: call
 * ops->output_off yourself to handle it); NULL-safe. */
void source_free(struct source *s);

/* Blocking: begin, then poll the transport until the command completes or
 * times out. */
int source_run_cmd(struct source *s, const struct rig_cmd *cmd, struct source_result *ret);

/* Blocking: polls the transport and advances the command already begun
 * until it completes (timeouts are the driver's deadlines). 0 ok, -1 with
 * ret->error. Drivers use it for their own blocking steps (open, off). */
int source_drive(struct source *s, struct source_result *ret);

/* CLOCK_MONOTONIC in ns: the clock of the blocking helpers. */
int64_t source_now_ns(void);

extern const struct source_ops source_scpi6100_ops;

#endif
