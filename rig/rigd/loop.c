#include "rig/rigd/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "rig/common/timeutil.h"

/* Handlers are kept in a table indexed by fd, with a generation number in
 * the epoll data so a stale event for a closed and reused fd is ignored. */
struct handler {
	rig_loop_fn fn;
	void *data;
	uint32_t generation;
	int priority;		/* RIG_LOOP_PRIO_*: lower runs first in a turn */
	bool active;
	bool more;		/* asked to run next turn without a new event */
};

/* One handler to run in this turn. */
struct due {
	int fd;
	uint32_t generation;
	uint32_t events;
	int priority;
};

/* Ready descriptors taken per turn: more than the daemon ever has (its
 * devices plus CTL_MAX_CLIENTS), so every ready one is seen each turn and
 * the priority order covers them all. */
#define LOOP_MAX_EVENTS 256

struct rig_loop {
	int epfd;
	int timerfd;
	int64_t deadline_ns;
	rig_loop_timer_fn timer_fn;
	void *timer_data;
	struct handler *handlers;
	int n_handlers;
	uint32_t next_generation;
	int n_more;		/* handlers with `more` set */
	uint64_t turns;
	struct due *due;	/* scratch for one turn's dispatch order */
	int due_cap;
	bool quit;
};

struct rig_loop *rig_loop_new(void)
{
	struct rig_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	loop->deadline_ns = INT64_MAX;
	if (loop->epfd < 0 || loop->timerfd < 0) {
		rig_loop_free(loop);
		return NULL;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->timerfd, &ev) < 0) {
		rig_loop_free(loop);
		return NULL;
	}
	return loop;
}

void rig_loop_free(struct rig_loop *loop)
{
	if (!loop)
		return;
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->timerfd >= 0)
		close(loop->timerfd);
	free(loop->handlers);
	free(loop->due);
	free(loop);
}

static int grow(struct rig_loop *loop, int fd)
{
	if (fd < loop->n_handlers)
		return 0;
	int n = loop->n_handlers ? loop->n_handlers : 64;
	while (n <= fd)
		n *= 2;
	struct handler *h = realloc(loop->handlers, (size_t)n * sizeof(*h));
	if (!h)
		return -1;
	memset(h + loop->n_handlers, 0, (size_t)(n - loop->n_handlers) * sizeof(*h));
	loop->handlers = h;
	loop->n_handlers = n;
	return 0;
}

static uint64_t pack(int fd, uint32_t generation)
{
	return (uint64_t)generation << 32 | (uint32_t)fd;
}

int rig_loop_add(struct rig_loop *loop, int fd, uint32_t events, rig_loop_fn fn, void *data)
{
	if (fd < 0 || grow(loop, fd) < 0)
		return -1;
	struct handler *h = &loop->handlers[fd];
	if (h->active) {
		errno = EEXIST;
		return -1;
	}
	h->fn = fn;
	h->data = data;
	h->generation = ++loop->next_generation;
	h->priority = RIG_LOOP_PRIO_DEVICE;
	h->more = false;
	struct epoll_event ev = {.events = events, .data.u64 = pack(fd, h->generation)};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	h->active = true;
	return 0;
}

int rig_loop_modify(struct rig_loop *loop, int fd, uint32_t events)
{
	if (fd < 0 || fd >= loop->n_handlers || !loop->handlers[fd].active) {
		errno = ENOENT;
		return -1;
	}
	struct epoll_event ev = {.events = events,
				 .data.u64 = pack(fd, loop->handlers[fd].generation)};
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int rig_loop_remove(struct rig_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->n_handlers || !loop->handlers[fd].active) {
		errno = ENOENT;
		return -1;
	}
	if (loop->handlers[fd].more)
		loop->n_more--;
	loop->handlers[fd].more = false;
	loop->handlers[fd].active = false;
	loop->handlers[fd].fn = NULL;
	return epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void rig_loop_set_timer_fn(struct rig_loop *loop, rig_loop_timer_fn fn, void *data)
{
	loop->timer_fn = fn;
	loop->timer_data = data;
}

int rig_loop_set_deadline(struct rig_loop *loop, int64_t deadline_ns)
{
	if (deadline_ns == loop->deadline_ns)
		return 0;
	loop->deadline_ns = deadline_ns;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (deadline_ns != INT64_MAX) {
		/* A zero it_value would disarm: a deadline already due fires at once. */
		its.it_value = rig_ns_to_timespec(deadline_ns > 0 ? deadline_ns : 1);
	}
	return timerfd_settime(loop->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int64_t rig_loop_deadline(const struct rig_loop *loop)
{
	return loop->deadline_ns;
}

static void run_timer(struct rig_loop *loop)
{
	uint64_t expirations;
	while (read(loop->timerfd, &expirations, sizeof(expirations)) > 0)
		;
	int64_t now = rig_monotonic_ns();
	if (loop->deadline_ns == INT64_MAX || now < loop->deadline_ns)
		return;	/* re-armed to a later time since it fired */
	loop->deadline_ns = INT64_MAX;
	if (loop->timer_fn)
		loop->timer_fn(loop, now, loop->timer_data);
}

int rig_loop_set_priority(struct rig_loop *loop, int fd, int priority)
{
	if (fd < 0 || fd >= loop->n_handlers || !loop->handlers[fd].active) {
		errno = ENOENT;
		return -1;
	}
	loop->handlers[fd].priority = priority;
	return 0;
}

int rig_loop_more(struct rig_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->n_handlers || !loop->handlers[fd].active) {
		errno = ENOENT;
		return -1;
	}
	if (!loop->handlers[fd].more)
		loop->n_more++;
	loop->handlers[fd].more = true;
	return 0;
}

uint64_t rig_loop_turns(const struct rig_loop *loop)
{
	return loop->turns;
}

static int due_reserve(struct rig_loop *loop, int n)
{
	if (n <= loop->due_cap)
		return 0;
	struct due *d = realloc(loop->due, (size_t)n * sizeof(*d));
	if (!d)
		return -1;
	loop->due = d;
	loop->due_cap = n;
	return 0;
}

/* This turn's handlers: the ready ones, plus those that asked for more
 * (with EPOLLIN, as if their descriptor were readable). The `more` marks
 * are cleared: a handler sets its own again if it still has work. */
static int collect_due(struct rig_loop *loop, const struct epoll_event *events, int n)
{
	if (due_reserve(loop, n + loop->n_more + 1) < 0)
		return -1;
	int count = 0;
	for (int i = 0; i < n; i++) {
		struct due *d = &loop->due[count];
		if (events[i].data.u64 == UINT64_MAX) {
			*d = (struct due){.fd = -1, .priority = RIG_LOOP_PRIO_DEVICE};
			count++;
			continue;
		}
		int fd = (int)(uint32_t)events[i].data.u64;
		if (fd >= loop->n_handlers)
			continue;
		struct handler *h = &loop->handlers[fd];
		*d = (struct due){.fd = fd, .generation = (uint32_t)(events[i].data.u64 >> 32),
				  .events = events[i].events, .priority = h->priority};
		if (h->more && h->generation == d->generation) {
			h->more = false;
			loop->n_more--;
		}
		count++;
	}
	for (int fd = 0; loop->n_more > 0 && fd < loop->n_handlers; fd++) {
		struct handler *h = &loop->handlers[fd];
		if (!h->more)
			continue;
		h->more = false;
		loop->n_more--;
		loop->due[count++] = (struct due){.fd = fd, .generation = h->generation,
						  .events = EPOLLIN, .priority = h->priority};
	}
	return count;
}

/* Stable: within a priority, the kernel's (round-robin) order is kept. */
static void sort_due(struct due *due, int n)
{
	for (int i = 1; i < n; i++) {
		struct due d = due[i];
		int j = i;
		while (j > 0 && due[j - 1].priority > d.priority) {
			due[j] = due[j - 1];
			j--;
		}
		due[j] = d;
	}
}

int rig_loop_run_once(struct rig_loop *loop, int timeout_ms)
{
	struct epoll_event events[LOOP_MAX_EVENTS];
	/* Work left over from the last turn: look, but do not wait. */
	int n = epoll_wait(loop->epfd, events, LOOP_MAX_EVENTS, loop->n_more > 0 ? 0 : timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	loop->turns++;
	int count = collect_due(loop, events, n);
	if (count < 0)
		return -1;
	sort_due(loop->due, count);
	int ran = 0;
	for (int i = 0; i < count; i++) {
		const struct due d = loop->due[i];
		if (d.fd < 0) {
			run_timer(loop);
			ran++;
			continue;
		}
		struct handler *h = &loop->handlers[d.fd];
		if (!h->active || h->generation != d.generation || !h->fn)
			continue;
		h->fn(loop, d.fd, d.events, h->data);
		ran++;
	}
	return ran;
}

void rig_loop_quit(struct rig_loop *loop)
{
	loop->quit = true;
}

bool rig_loop_quitting(const struct rig_loop *loop)
{
	return loop->quit;
}
