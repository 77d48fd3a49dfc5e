/* Guest-side edge feeder: makes the simulated bench's meter pulses happen on
 * the guest's gpio-sim lines, so that rigd timestamps them through the real
 * kernel. qemu connects a guest UART to rig-sim's edge socket; this program
 * subscribes there (drivers/edge/CAPTURE.md: "SUB <line>..." then V and E
 * lines) and flips each line's pull at the time the edge is due.
 *
 *   edgefeed DEV SIMLINES LATENCY_MS COUNTFILE LINE [LINE...]
 *
 * DEV is the UART (/dev/ttyS2), SIMLINES the chip's sysfs directory holding
 * sim_gpioN/pull; COUNTFILE gets the number of edges played so far (the
 * guest's init waits on it to act while a point is being measured). Edge times keep rig-sim's spacing: the first edge is played
 * LATENCY_MS after it arrives and every later one at the same offset from
 * rig-sim's clock, so link jitter below LATENCY_MS does not move edges. On
 * SIGTERM or end of stream it prints "EDGEFEED edges=N late=N max_late_us=N"
 * (late: edges played after their due time). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libserialport.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/vm/guest.h"

#define MAX_LINES 64

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop)
		;
}

struct feed {
	int pull_fd[MAX_LINES];		/* by line offset; -1 when not subscribed */
	bool anchored;
	int64_t offset_ns;		/* guest time = sim time + offset */
	int64_t latency_ns;
	unsigned long edges, late;
	int64_t max_late_ns;
	int count_fd;
};

static int set_level(struct feed *f, unsigned line, bool high)
{
	const char *pull = high ? "pull-up" : "pull-down";

	if (line >= MAX_LINES || f->pull_fd[line] < 0)
		return -1;
	return pwrite(f->pull_fd[line], pull, strlen(pull), 0) < 0 ? -1 : 0;
}

/* One line of the stream; returns -1 on a line that cannot be played. */
static int play(struct feed *f, const char *line)
{
	long long ts;
	unsigned offset, level;
	char kind;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (sscanf(line, "V %lld %u %u", &ts, &offset, &level) == 3)
		return set_level(f, offset, level != 0);
	if (sscanf(line, "E %lld %u %c", &ts, &offset, &kind) != 3 || (kind != 'R' && kind != 'F'))
		return -1;
	int64_t now = now_ns();
	if (!f->anchored) {
		f->offset_ns = now + f->latency_ns - ts;
		f->anchored = true;
	}
	int64_t due = ts + f->offset_ns;
	if (due > now)
		sleep_until(due);
	else if (now - due > 0) {
		if (now - due > 20000000)
			fprintf(stderr, "edgefeed: line %u edge %lu played %lld us late\n", offset,
				f->edges + 1, (long long)(now - due) / 1000);
		f->late++;
		if (now - due > f->max_late_ns)
			f->max_late_ns = now - due;
	}
	f->edges++;
	int rc = set_level(f, offset, kind == 'R');
	char count[32];
	int n = snprintf(count, sizeof(count), "%lu\n", f->edges);
	if (ftruncate(f->count_fd, 0) < 0 || pwrite(f->count_fd, count, (size_t)n, 0) < 0)
		return -1;
	return rc;
}

int main(int argc, char **argv)
{
	struct feed f = { .latency_ns = 0 };
	struct sp_port *port;
	char sub[512] = "SUB", line[256];
	size_t len = 0, used = 3;

	if (argc < 6) {
		fprintf(stderr, "usage: edgefeed DEV SIMLINES LATENCY_MS COUNTFILE LINE [LINE...]\n");
		return 2;
	}
	f.latency_ns = strtoll(argv[3], NULL, 10) * 1000000LL;
	for (int i = 0; i < MAX_LINES; i++)
		f.pull_fd[i] = -1;
	f.count_fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f.count_fd < 0) {
		fprintf(stderr, "edgefeed: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	for (int i = 5; i < argc; i++) {
		unsigned offset = (unsigned)strtoul(argv[i], NULL, 10);
		char path[512];
		snprintf(path, sizeof(path), "%s/sim_gpio%u/pull", argv[2], offset);
		if (offset >= MAX_LINES || (f.pull_fd[offset] = open(path, O_WRONLY)) < 0) {
			fprintf(stderr, "edgefeed: %s: %s\n", path, strerror(errno));
			return 1;
		}
		used += (size_t)snprintf(sub + used, sizeof(sub) - used, " %u", offset);
	}
	snprintf(sub + used, sizeof(sub) - used, "\n");

	if (sp_get_port_by_name(argv[1], &port) != SP_OK || sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
		fprintf(stderr, "edgefeed: cannot open %s\n", argv[1]);
		return 1;
	}
	sp_set_baudrate(port, 115200);
	sp_set_bits(port, 8);
	sp_set_parity(port, SP_PARITY_NONE);
	sp_set_stopbits(port, 1);
	sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
	/* Edges on time matter more than anything else in the guest. */
	struct sched_param prio = { .sched_priority = 50 };
	if (sched_setscheduler(0, SCHED_FIFO, &prio) < 0)
		fprintf(stderr, "edgefeed: no real-time priority: %s\n", strerror(errno));
	signal(SIGTERM, on_term);
	if (sp_blocking_write(port, sub, strlen(sub), 2000) != (int)strlen(sub)) {
		fprintf(stderr, "edgefeed: writing SUB failed\n");
		return 1;
	}
	int rc = 0;
	while (!stop) {
		char c;
		int got = sp_blocking_read(port, &c, 1, 500);
		if (got < 0) {
			rc = 1;
			break;
		}
		if (got == 0)
			continue;
		if (c != '\n') {
			if (len + 1 < sizeof(line))
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (play(&f, line) < 0)
			fprintf(stderr, "edgefeed: cannot play \"%s\"\n", line);
	}
	printf("EDGEFEED edges=%lu late=%lu max_late_us=%" PRId64 "\n", f.edges, f.late,
	       f.max_late_ns / 1000);
	sp_close(port);
	sp_free_port(port);
	return rc;
}
