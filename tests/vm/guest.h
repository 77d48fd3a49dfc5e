/* What the guest-side test programs share: the machine-readable result
 * line the host reads, the monotonic clock, and one gpio-sim edge. */
#ifndef RIG_TESTS_VM_GUEST_H
#define RIG_TESTS_VM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* "RESULT <name> PASS|FAIL <detail>": returns 0 on pass, 1 on fail. */
static inline int result(const char *name, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int result(const char *name, bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s %s ", name, pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return pass ? 0 : 1;
}

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One edge: flips a gpio-sim line's pull, which the kernel sees as the
 * line's input level changing. */
static inline int toggle_pull(int pull_fd, bool *high)
{
	const char *want = *high ? "pull-down" : "pull-up";

	if (pwrite(pull_fd, want, strlen(want), 0) < 0)
		return -1;
	*high = !*high;
	return 0;
}

/* Forks a child that makes `edges` edges at `rate` edges/s from start_ns
 * and exits (status 2 when a toggle fails). It sleeps rather than spins
 * until an edge is due, so a reader on the same CPU gets its share; late
 * edges go out back to back. Returns the child's pid, or -1. */
static inline pid_t spawn_toggler(int pull_fd, bool high, long rate, long edges, int64_t start_ns)
{
	pid_t child = fork();

	if (child != 0)
		return child;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (long i = 0; i < edges; i++) {
		int64_t due = start_ns + (int64_t)(i * (1e9 / rate));
		if (now_ns() < due) {
			struct timespec ts = { .tv_sec = due / 1000000000LL,
					       .tv_nsec = due % 1000000000LL };
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		if (toggle_pull(pull_fd, &high) < 0)
			_exit(2);
	}
	_exit(0);
}

#endif
