/* Guest-side probe of the kernel's GPIO edge path, linked statically against
 * libgpiod: toggles a gpio-sim line's pull through sysfs and reads the edge
 * events the kernel reports for it. Runs inside the test bed's guest only.
 *
 *   gpioprobe path     CHIP PULLFILE LINE N       N edges, in order, none lost
 *   gpioprobe overflow CHIP PULLFILE LINE N BUF   burst of N into a BUF-deep FIFO
 *   gpioprobe vanish   CHIP PULLFILE LINE LIVEFILE the chip goes away mid-read
 *   gpioprobe rate     CHIP PULLFILE LINE         highest loss-free edge rate
 *   gpioprobe watch    CHIP PULLFILE LINE SECONDS prints "EDGE <ts> <seqno> R|F"
 *                                                 for every edge in SECONDS
 *   gpioprobe burst    PULLFILE N                 N edges as fast as possible,
 *                                                 without requesting the line
 *
 * Prints "RESULT <name> PASS|FAIL <detail>" lines (and "FIGURE" lines for
 * measurements); exits 0 when everything passed, 1 when something failed. */
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
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

#define KERNEL_FIFO_MAX 1024	/* the kernel caps a request's event buffer here */

struct probe {
	const char *chip_path;
	struct gpiod_chip *chip;
	struct gpiod_line_request *req;
	struct gpiod_edge_event_buffer *events;
	unsigned line;
	int pull_fd;
	bool pulled_up;
};

/* One edge: flips the simulated line's pull, which the kernel sees as the
 * line's input level changing. */
static int toggle(struct probe *p)
{
	return toggle_pull(p->pull_fd, &p->pulled_up);
}

static int probe_open(struct probe *p, const char *chip_path, const char *pull_path,
		      unsigned line, size_t fifo_depth, bool keep_level)
{
	struct gpiod_line_settings *settings = NULL;
	struct gpiod_line_config *line_cfg = NULL;
	struct gpiod_request_config *req_cfg = NULL;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->chip_path = chip_path;
	p->line = line;
	p->pull_fd = open(pull_path, O_WRONLY);
	if (p->pull_fd < 0) {
		fprintf(stderr, "gpioprobe: %s: %s\n", pull_path, strerror(errno));
		return -1;
	}
	/* Start from a known level: pulled down, so the first toggle rises
	 * (except when watching someone else's edges). */
	if (!keep_level && pwrite(p->pull_fd, "pull-down", 9, 0) < 0)
		return -1;
	p->chip = gpiod_chip_open(chip_path);
	settings = gpiod_line_settings_new();
	line_cfg = gpiod_line_config_new();
	req_cfg = gpiod_request_config_new();
	p->events = gpiod_edge_event_buffer_new(KERNEL_FIFO_MAX);
	if (!p->chip || !settings || !line_cfg || !req_cfg || !p->events)
		goto out;
	gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
	gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH);
	gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
	if (gpiod_line_config_add_line_settings(line_cfg, &line, 1, settings) < 0)
		goto out;
	gpiod_request_config_set_consumer(req_cfg, "gpioprobe");
	gpiod_request_config_set_event_buffer_size(req_cfg, fifo_depth);
	p->req = gpiod_chip_request_lines(p->chip, req_cfg, line_cfg);
	rc = p->req ? 0 : -1;
out:
	if (rc < 0)
		fprintf(stderr, "gpioprobe: requesting line %u of %s: %s\n", line, chip_path,
			strerror(errno));
	gpiod_request_config_free(req_cfg);
	gpiod_line_config_free(line_cfg);
	gpiod_line_settings_free(settings);
	return rc;
}

static void probe_close(struct probe *p)
{
	if (p->req)
		gpiod_line_request_release(p->req);
	gpiod_edge_event_buffer_free(p->events);
	if (p->chip)
		gpiod_chip_close(p->chip);
	if (p->pull_fd >= 0)
		close(p->pull_fd);
}

/* Waits up to timeout_ms for events and reads what is there: count, 0 on
 * timeout, -1 on error (errno set). */
static int read_events(struct probe *p, int timeout_ms)
{
	int ready = gpiod_line_request_wait_edge_events(p->req, (int64_t)timeout_ms * 1000000);

	if (ready <= 0)
		return ready;
	return gpiod_line_request_read_edge_events(p->req, p->events, KERNEL_FIFO_MAX);
}

/* Checks one event against what the n-th edge since the request must be:
 * the line's sequence number is n and edges alternate rising/falling. */
static bool edge_is(struct gpiod_edge_event *ev, unsigned long n, bool rising)
{
	enum gpiod_edge_event_type want = rising ? GPIOD_EDGE_EVENT_RISING_EDGE :
						   GPIOD_EDGE_EVENT_FALLING_EDGE;

	return gpiod_edge_event_get_line_seqno(ev) == n && gpiod_edge_event_get_event_type(ev) == want;
}

static int cmd_path(struct probe *p, unsigned long n)
{
	uint64_t last_ts = 0;
	unsigned long got = 0;

	for (unsigned long i = 1; i <= n; i++) {
		if (toggle(p) < 0)
			return result("gpio-edges", false, "writing the pull: %s", strerror(errno));
		int count = read_events(p, 2000);
		if (count != 1)
			return result("gpio-edges", false, "edge %lu: %d events after one toggle (%s)", i,
				      count, count < 0 ? strerror(errno) : "expected 1");
		struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(p->events, 0);
		uint64_t ts = gpiod_edge_event_get_timestamp_ns(ev);
		if (!edge_is(ev, i, i % 2 == 1) || gpiod_edge_event_get_global_seqno(ev) != i)
			return result("gpio-edges", false, "edge %lu: got seqno %lu/%lu type %d", i,
				      gpiod_edge_event_get_global_seqno(ev),
				      gpiod_edge_event_get_line_seqno(ev),
				      (int)gpiod_edge_event_get_event_type(ev));
		if (ts <= last_ts)
			return result("gpio-edges", false, "edge %lu: timestamp %lu not after %lu", i,
				      (unsigned long)ts, (unsigned long)last_ts);
		last_ts = ts;
		got++;
	}
	return result("gpio-edges", true, "%lu edges on %s line %u: alternating, seqno 1..%lu, "
		      "timestamps increasing", got, p->chip_path, p->line, got);
}

/* A burst larger than the FIFO while nobody reads: the kernel keeps the
 * newest events and drops the oldest, saying so only by a seqno gap. */
static int cmd_overflow(struct probe *p, unsigned long n, unsigned long depth)
{
	unsigned long got = 0, first = 0, last = 0;
	bool contiguous = true;
	int count;

	for (unsigned long i = 0; i < n; i++)
		if (toggle(p) < 0)
			return result("gpio-overflow", false, "writing the pull: %s", strerror(errno));
	while ((count = read_events(p, 200)) > 0) {
		for (int k = 0; k < count; k++) {
			struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(p->events, k);
			unsigned long seq = gpiod_edge_event_get_line_seqno(ev);
			if (got == 0)
				first = seq;
			else if (seq != last + 1 || !edge_is(ev, seq, seq % 2 == 1))
				contiguous = false;
			last = seq;
			got++;
		}
	}
	if (count < 0)
		return result("gpio-overflow", false, "read: %s", strerror(errno));
	bool pass = got > 0 && got <= depth && got < n && last == n && first == n - got + 1 && contiguous;
	return result("gpio-overflow", pass, "burst of %lu edges into a %lu-event FIFO: received %lu "
		      "(seqno %lu..%lu%s), lost %lu visible as the gap before seqno %lu", n, depth, got,
		      first, last, contiguous ? ", contiguous" : ", NOT contiguous", first - 1, first);
}

/* The chip is removed (gpio-sim's live set to 0) while a line is requested
 * and this process is already blocked in poll() on the request: does the
 * kernel wake it? Then a fresh poll() and a read must report the loss. */
static int cmd_vanish(struct probe *p, const char *live_path)
{
	for (int i = 0; i < 4; i++)
		if (toggle(p) < 0 || read_events(p, 2000) != 1)
			return result("gpio-vanish", false, "edges before removal did not arrive");
	pid_t child = fork();
	if (child == 0) {
		usleep(300000);
		int fd = open(live_path, O_WRONLY);
		_exit(fd >= 0 && write(fd, "0", 1) == 1 ? 0 : 1);
	}
	struct pollfd pfd = { .fd = gpiod_line_request_get_fd(p->req), .events = POLLIN };
	int64_t start = now_ns();
	int ready = poll(&pfd, 1, 1200);
	double waited_ms = (now_ns() - start) / 1e6;
	int status = 0;
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return result("gpio-vanish", false, "could not set %s to 0", live_path);
	/* Seen on Debian's 6.1: not woken; the poll sees POLLERR|POLLHUP only when
	 * its timeout makes it look again. An epoll waiter is never told. */
	bool woken = ready > 0 && waited_ms < 1000;
	printf("FIGURE gpio-vanish-wakeup a poll() already waiting on the line request when the chip "
	       "is removed (at 300 ms) %s: it returned after %.0f ms with revents 0x%x\n",
	       woken ? "is woken" : "is NOT woken by the kernel", waited_ms, (unsigned)pfd.revents);
	pfd.revents = 0;
	ready = poll(&pfd, 1, 0);
	if (ready > 0 && (pfd.revents & (POLLERR | POLLHUP)))
		return result("gpio-vanish", true, "chip removed: a new poll reports revents 0x%x",
			      (unsigned)pfd.revents);
	int value = gpiod_line_request_get_value(p->req, p->line);
	if (value < 0)
		return result("gpio-vanish", true, "chip removed: reading the line's value fails with %s",
			      strerror(errno));
	return result("gpio-vanish", false, "chip removed but the request still reads value %d", value);
}

/* Toggles at `rate` edges/s for `seconds` in a child process while this one
 * reads. Returns the edges lost (seqno gaps plus never-arrived), or -1, and
 * the rate achieved by the kernel's timestamps. */
static long run_at_rate(struct probe *p, long rate, double seconds, double *achieved)
{
	long edges = (long)(rate * seconds);
	int64_t start = now_ns();
	pid_t child = spawn_toggler(p->pull_fd, p->pulled_up, rate, edges, start);

	if (child < 0)
		return -1;
	unsigned long got = 0, last = 0, lost = 0;
	uint64_t first_ts = 0, last_ts = 0;
	int status = 0;
	bool child_done = false;
	for (;;) {
		int count = read_events(p, child_done ? 300 : 50);
		if (count < 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return -1;
		}
		for (int k = 0; k < count; k++) {
			struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(p->events, k);
			unsigned long seq = gpiod_edge_event_get_line_seqno(ev);
			last_ts = gpiod_edge_event_get_timestamp_ns(ev);
			if (got == 0)
				first_ts = last_ts;
			if (seq != last + 1)
				lost += seq - last - 1;
			last = seq;
			got++;
		}
		if (!child_done && waitpid(child, &status, WNOHANG) == child)
			child_done = true;
		else if (child_done && count == 0) {
			break;
		}
	}
	/* The rate the edges really came at, by the kernel's own timestamps. */
	*achieved = got > 1 && last_ts > first_ts ? (got - 1) / ((last_ts - first_ts) / 1e9) : 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return lost + (long)(edges - (long)got - (long)lost);
}

/* Paced steps up to the first loss or until the toggler (sharing the one CPU
 * with the reader) cannot keep the pace: the figure is the highest rate that
 * arrived complete, and the line says which of the two limited it. */
static int cmd_rate(const char *chip, const char *pull, unsigned line)
{
	static const long rates[] = { 1000, 2000, 5000, 10000, 20000, 40000, 80000, 160000 };
	double best = 0;
	const char *limit = "the highest step";
	char trail[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		/* A fresh request per step so sequence numbers restart at 1. */
		struct probe q;
		if (probe_open(&q, chip, pull, line, KERNEL_FIFO_MAX, false) < 0)
			return result("gpio-rate", false, "request failed at %ld edges/s", rates[i]);
		double achieved = 0;
		long lost = run_at_rate(&q, rates[i], 0.3, &achieved);
		probe_close(&q);
		if (used < sizeof(trail))
			used += (size_t)snprintf(trail + used, sizeof(trail) - used, "%s%ld:%.0f/s:%s",
						 used ? "," : "", rates[i], achieved,
						 lost < 0 ? "error" : lost == 0 ? "complete" : "lost");
		if (lost < 0)
			return result("gpio-rate", false, "toggling or reading failed at %ld edges/s: %s",
				      rates[i], trail);
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
	printf("FIGURE gpiod-edge-rate %.0f edges/s received without loss; limited by %s "
	       "(libgpiod, 1 CPU under TCG, toggler in the same guest; steps %s)\n", best, limit, trail);
	return result("gpio-rate", best > 0, "highest loss-free rate %.0f edges/s", best);
}

/* Edges made by someone else (edgefeed), printed for the host to compare
 * with the simulator's own timestamps; the pull is left alone. */
static int cmd_watch(struct probe *p, double seconds)
{
	unsigned long got = 0, last = 0, gaps = 0;
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);
	int count = 0;

	while (now_ns() < end && (count = read_events(p, 200)) >= 0) {
		for (int k = 0; k < count; k++) {
			struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(p->events, k);
			unsigned long seq = gpiod_edge_event_get_line_seqno(ev);
			printf("EDGE %lu %lu %c\n", (unsigned long)gpiod_edge_event_get_timestamp_ns(ev), seq,
			       gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE ? 'R' : 'F');
			gaps += seq - last - 1;
			last = seq;
			got++;
		}
	}
	if (count < 0)
		return result("gpio-watch", false, "read: %s", strerror(errno));
	return result("gpio-watch", got > 0 && gaps == 0, "%lu edges on line %u in %.0f s, %lu lost",
		      got, p->line, seconds, gaps);
}

/* Edges for someone else's request (rigd's): flips the pull n times. */
static int cmd_burst(const char *pull_path, unsigned long n)
{
	struct probe p = { .pull_fd = open(pull_path, O_RDWR) };
	char level[16] = "";

	if (p.pull_fd < 0 || pread(p.pull_fd, level, sizeof(level) - 1, 0) < 0)
		return result("gpio-burst", false, "%s: %s", pull_path, strerror(errno));
	p.pulled_up = strncmp(level, "pull-up", 7) == 0;
	for (unsigned long i = 0; i < n; i++)
		if (toggle(&p) < 0)
			return result("gpio-burst", false, "writing the pull: %s", strerror(errno));
	close(p.pull_fd);
	printf("GUEST burst of %lu edges on %s\n", n, pull_path);
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p;
	int rc;

	if (argc == 4 && strcmp(argv[1], "burst") == 0)
		return cmd_burst(argv[2], strtoul(argv[3], NULL, 10));
	if (argc < 5) {
		fprintf(stderr, "usage: gpioprobe path|overflow|vanish|rate CHIP PULLFILE LINE [ARGS]\n");
		return 2;
	}
	const char *cmd = argv[1];
	unsigned line = (unsigned)strtoul(argv[4], NULL, 10);
	unsigned long depth = KERNEL_FIFO_MAX;
	if (strcmp(cmd, "rate") == 0)
		return cmd_rate(argv[2], argv[3], line);
	if (strcmp(cmd, "overflow") == 0 && argc > 6)
		depth = strtoul(argv[6], NULL, 10);
	if (probe_open(&p, argv[2], argv[3], line, depth, strcmp(cmd, "watch") == 0) < 0) {
		result(cmd, false, "could not request line %u of %s", line, argv[2]);
		return 1;
	}
	if (strcmp(cmd, "path") == 0 && argc > 5)
		rc = cmd_path(&p, strtoul(argv[5], NULL, 10));
	else if (strcmp(cmd, "overflow") == 0 && argc > 6)
		rc = cmd_overflow(&p, strtoul(argv[5], NULL, 10), depth);
	else if (strcmp(cmd, "watch") == 0 && argc > 5)
		rc = cmd_watch(&p, strtod(argv[5], NULL));
	else if (strcmp(cmd, "vanish") == 0 && argc > 5)
		rc = cmd_vanish(&p, argv[5]);
	else {
		fprintf(stderr, "gpioprobe: bad command or arguments\n");
		rc = 2;
	}
	probe_close(&p);
	return rc;
}
