/* Guest-side checks of the rig's own gpiod edge input (drivers/edge/gpiod.c,
 * through edge_input_open) on a gpio-sim line: linked against librig.a.
 *
 *   rigedge overflow CHIP PULLFILE LINE N    burst of N edges while not reading
 *   rigedge vanish   CHIP PULLFILE LINE LIVE the chip goes away mid-read
 *   rigedge rate     CHIP PULLFILE LINE      highest loss-free edge rate
 *
 * Prints "RESULT <name> PASS|FAIL <detail>" and "FIGURE" lines; exits 0
 * when everything passed, 1 when something failed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/vm/guest.h"

#include "drivers/edge/edge_input.h"

#define BATCH 256

struct bed {
	char spec[160];
	struct edge_input *in;
	unsigned line;
	int pull_fd;
	bool high;
	struct rig_edge edges[BATCH];
};

/* One edge: flips the gpio-sim line's pull. */
static int toggle(struct bed *b)
{
	return toggle_pull(b->pull_fd, &b->high);
}

static int bed_open(struct bed *b, const char *chip, const char *pull, unsigned line,
		    struct rig_error *err)
{
	struct edge_input_line l = { .offset = line, .active_low = false };

	memset(b, 0, sizeof(*b));
	snprintf(b->spec, sizeof(b->spec), "gpiod:%s", chip);
	b->line = line;
	b->pull_fd = open(pull, O_WRONLY);
	if (b->pull_fd < 0)
		return rig_error_set(err, NULL, 0, "%s: %s", pull, strerror(errno));
	if (pwrite(b->pull_fd, "pull-down", 9, 0) < 0)
		return rig_error_set(err, NULL, 0, "%s: %s", pull, strerror(errno));
	b->in = edge_input_open(b->spec, &l, 1, err);
	return b->in ? 0 : -1;
}

static void bed_close(struct bed *b)
{
	edge_input_close(b->in);
	b->in = NULL;
	if (b->pull_fd >= 0)
		close(b->pull_fd);
}

/* Waits up to timeout_ms for the input's fd, then reads: count, 0, -1. */
static int bed_read(struct bed *b, int timeout_ms, struct rig_error *err)
{
	struct pollfd p = { .fd = b->in->ops->fd(b->in), .events = POLLIN };

	if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
		return rig_error_set(err, NULL, 0, "poll: %s", strerror(errno));
	return b->in->ops->read(b->in, b->edges, BATCH, err);
}

/* The rig's driver must pass the kernel's sequence numbers through so that
 * a FIFO overflow is a visible gap: the newest edges, numbered N-k+1..N. */
static int cmd_overflow(struct bed *b, unsigned long n)
{
	struct rig_error err = { 0 };
	unsigned long got = 0, first = 0, last = 0;
	bool in_order = true;
	int count;

	for (unsigned long i = 0; i < n; i++)
		if (toggle(b) < 0)
			return result("rig-gpiod-overflow", false, "writing the pull: %s", strerror(errno));
	while ((count = bed_read(b, 300, &err)) > 0) {
		for (int k = 0; k < count; k++) {
			const struct rig_edge *e = &b->edges[k];
			if (got == 0)
				first = e->line_seqno;
			else if (e->line_seqno != last + 1 || e->global_seqno != e->line_seqno)
				in_order = false;
			if (e->kind != (e->line_seqno % 2 ? RIG_EDGE_RISING : RIG_EDGE_FALLING))
				in_order = false;
			last = e->line_seqno;
			got++;
		}
	}
	if (count < 0)
		return result("rig-gpiod-overflow", false, "read: %s", err.msg);
	bool pass = got > 0 && got < n && last == n && first == n - got + 1 && in_order;
	return result("rig-gpiod-overflow", pass, "burst of %lu edges through %s: %lu delivered "
		      "(seqno %lu..%lu%s), the %lu lost are the gap before seqno %lu", n, b->spec, got,
		      first, last, in_order ? ", contiguous, alternating" : ", OUT OF ORDER", first - 1,
		      first);
}

/* The chip goes away (gpio-sim live = 0) while the rig reads it: the
 * driver must fail the read with a clear message, not hang or spin. */
static int cmd_vanish(struct bed *b, const char *live_path)
{
	struct rig_error err = { 0 };
	int fd;

	for (int i = 0; i < 4; i++)
		if (toggle(b) < 0 || bed_read(b, 2000, &err) != 1)
			return result("rig-gpiod-vanish", false, "edges before removal did not arrive");
	fd = open(live_path, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return result("rig-gpiod-vanish", false, "could not set %s to 0", live_path);
	close(fd);
	int64_t start = now_ns();
	while (now_ns() - start < 3000000000LL) {
		int n = bed_read(b, 500, &err);
		if (n < 0)
			return result("rig-gpiod-vanish", strstr(err.msg, "disappeared") != NULL,
				      "read fails after %.0f ms: \"%s\"", (now_ns() - start) / 1e6, err.msg);
		if (n > 0)
			return result("rig-gpiod-vanish", false, "%d edges read after the chip was removed", n);
	}
	return result("rig-gpiod-vanish", false, "no error within 3 s of the chip's removal");
}

/* Toggles at `rate` edges/s for `seconds` in a child while this process
 * reads through the driver. Returns edges lost (gaps and missing), -1 on
 * error; *achieved is the rate by the kernel's timestamps. */
static long run_at_rate(struct bed *b, long rate, double seconds, double *achieved)
{
	struct rig_error err = { 0 };
	long edges = (long)(rate * seconds);
	int64_t start = now_ns();
	pid_t child = spawn_toggler(b->pull_fd, b->high, rate, edges, start);

	if (child < 0)
		return -1;
	unsigned long got = 0, last = 0, gaps = 0;
	int64_t first_ts = 0, last_ts = 0;
	int status = 0;
	bool child_done = false;
	for (;;) {
		int count = bed_read(b, child_done ? 300 : 50, &err);
		if (count < 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return -1;
		}
		for (int k = 0; k < count; k++) {
			const struct rig_edge *e = &b->edges[k];
			if (e->line_seqno != last + 1)
				gaps += e->line_seqno - last - 1;
			last = e->line_seqno;
			last_ts = e->timestamp_ns;
			if (got++ == 0)
				first_ts = last_ts;
		}
		if (!child_done && waitpid(child, &status, WNOHANG) == child)
			child_done = true;
		else if (child_done && count == 0)
			break;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	*achieved = got > 1 && last_ts > first_ts ? (got - 1) / ((last_ts - first_ts) / 1e9) : 0;
	return (long)gaps + (edges - (long)got - (long)gaps);
}

static int cmd_rate(const char *chip, const char *pull, unsigned line)
{
	static const long rates[] = { 1000, 2000, 5000, 10000, 20000, 40000, 80000, 160000 };
	double best = 0;
	const char *limit = "the highest step";
	char trail[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct bed b;
		struct rig_error err = { 0 };
		if (bed_open(&b, chip, pull, line, &err) < 0)
			return result("rig-gpiod-rate", false, "%s", err.msg);
		double achieved = 0;
		long lost = run_at_rate(&b, rates[i], 0.3, &achieved);
		bed_close(&b);
		if (used < sizeof(trail))
			used += (size_t)snprintf(trail + used, sizeof(trail) - used, "%s%ld:%.0f/s:%s",
						 used ? "," : "", rates[i], achieved,
						 lost < 0 ? "error" : lost == 0 ? "complete" : "lost");
		if (lost < 0)
			return result("rig-gpiod-rate", false, "toggling or reading failed at %ld edges/s",
				      rates[i]);
		if (lost > 0) {
			limit = "edges lost above it";
			break;
		}
		if (achieved > best)
			best = achieved;
		if (achieved < 0.9 * rates[i]) {
			limit = "the toggler could not go faster (no loss seen)";
			break;
		}
	}
	printf("FIGURE rig-gpiod-edge-rate %.0f edges/s received without loss through "
	       "drivers/edge/gpiod.c; limited by %s (1 CPU under TCG, toggler in the same guest; "
	       "steps %s)\n", best, limit, trail);
	return result("rig-gpiod-rate", best > 0, "highest loss-free rate %.0f edges/s", best);
}

int main(int argc, char **argv)
{
	struct rig_error err = { 0 };
	struct bed b;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: rigedge overflow|vanish|rate CHIP PULLFILE LINE [ARG]\n");
		return 2;
	}
	unsigned line = (unsigned)strtoul(argv[4], NULL, 10);
	if (strcmp(argv[1], "rate") == 0)
		return cmd_rate(argv[2], argv[3], line);
	if (bed_open(&b, argv[2], argv[3], line, &err) < 0)
		return result(argv[1], false, "opening gpiod:%s: %s", argv[2], err.msg);
	if (strcmp(argv[1], "overflow") == 0 && argc > 5)
		rc = cmd_overflow(&b, strtoul(argv[5], NULL, 10));
	else if (strcmp(argv[1], "vanish") == 0 && argc > 5)
		rc = cmd_vanish(&b, argv[5]);
	else {
		fprintf(stderr, "rigedge: bad command or arguments\n");
		rc = 2;
	}
	bed_close(&b);
	return rc;
}
