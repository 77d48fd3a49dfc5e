/* Source registry and the blocking helpers over a driver's state machine. */
#include "drivers/source/source.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct source_ops *const source_table[] = {
	&source_scpi6100_ops,
};

int64_t source_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RIG_NS_PER_S + ts.tv_nsec;
}

struct source *source_new(const char *driver, struct transport *tr, double timeout_s,
			  struct rig_error *err)
{
	return source_open(driver, tr, timeout_s, 0, err);
}

int source_keepalive(struct source *s, struct rig_error *err)
{
	if (!s->ops->keepalive || s->watchdog_s <= 0)
		return 0;
	return s->ops->keepalive(s, err);
}

struct source *source_open(const char *driver, struct transport *tr, double timeout_s,
			   double watchdog_s, struct rig_error *err)
{
	const struct source_ops *ops = NULL;
	for (size_t i = 0; i < sizeof(source_table) / sizeof(source_table[0]); i++)
		if (driver && strcmp(source_table[i]->name, driver) == 0)
			ops = source_table[i];
	if (!ops) {
		rig_error_set(err, NULL, 0, "unknown source driver '%s' (scpi6100)", driver ? driver : "");
		return NULL;
	}
	if (!tr) {
		rig_error_set(err, NULL, 0, "source %s: no transport", driver);
		return NULL;
	}
	if (!(timeout_s > 0 && timeout_s <= 600)) {
		rig_error_set(err, NULL, 0, "source %s: timeout %g s out of range (0-600]", driver, timeout_s);
		return NULL;
	}
	if (!(watchdog_s == 0 || (watchdog_s >= 0.1 && watchdog_s <= 3600))) {
		rig_error_set(err, NULL, 0, "source %s: watchdog %g s out of range 0.1-3600 (or 0)", driver,
			      watchdog_s);
		return NULL;
	}
	struct source *s = calloc(1, sizeof(*s));
	if (!s) {
		rig_error_set(err, NULL, 0, "source %s: out of memory", driver);
		return NULL;
	}
	s->ops = ops;
	s->tr = tr;
	s->timeout_s = timeout_s;
	s->watchdog_s = watchdog_s;
	if (ops->open(s, err) < 0) {
		/* Open switches the output off itself; if it failed half way
		 * there is nothing more this side can do but say so. */
		ops->close(s);
		free(s);
		return NULL;
	}
	return s;
}

void source_free(struct source *s)
{
	if (!s)
		return;
	struct rig_error err = { 0 };
	if (s->ops->output_off(s, &err) < 0)
		fprintf(stderr, "rig: %s\n", err.msg);
	s->ops->close(s);
	free(s);
}

static int poll_until(int fd, int64_t deadline_ns)
{
	int64_t now = source_now_ns();
	int wait_ms = 0;
	if (deadline_ns > now)
		wait_ms = (int)((deadline_ns - now + 999999) / 1000000);
	if (wait_ms > 1000)
		wait_ms = 1000;	/* bounded: re-check the driver's deadline */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, wait_ms);
	return (n < 0 && errno != EINTR) ? -1 : 0;
}

int source_drive(struct source *s, struct source_result *ret)
{
	for (;;) {
		if (s->ops->advance(s, source_now_ns(), ret))
			return ret->ok ? 0 : -1;
		int64_t dl = s->ops->deadline(s);
		if (dl == INT64_MAX) {
			memset(ret, 0, sizeof(*ret));
			snprintf(ret->error, sizeof(ret->error), "source %s: no command in progress", s->ops->name);
			return -1;
		}
		if (poll_until(s->tr->ops->fd(s->tr), dl) < 0) {
			memset(ret, 0, sizeof(*ret));
			snprintf(ret->error, sizeof(ret->error), "source %s: poll: %s", s->ops->name, strerror(errno));
			return -1;
		}
	}
}

int source_run_cmd(struct source *s, const struct rig_cmd *cmd, struct source_result *ret)
{
	if (s->ops->begin(s, cmd, source_now_ns()) < 0) {
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->error, sizeof(ret->error), "source %s: command refused", s->ops->name);
		return -1;
	}
	return source_drive(s, ret);
}
