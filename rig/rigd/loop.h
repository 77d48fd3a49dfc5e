/* The daemon's one event loop: epoll over file descriptors, plus one
 * timerfd for the earliest deadline (CLOCK_MONOTONIC). Handlers may add and
 * remove descriptors, including their own, while the loop dispatches. */
#ifndef RIG_RIGD_LOOP_H
#define RIG_RIGD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct rig_loop;

typedef void (*rig_loop_fn)(struct rig_loop *loop, int fd, uint32_t events, void *data);
typedef void (*rig_loop_timer_fn)(struct rig_loop *loop, int64_t now_ns, void *data);

struct rig_loop *rig_loop_new(void);
void rig_loop_free(struct rig_loop *loop);	/* closes the epoll and timer fds, not the handlers' */

int rig_loop_add(struct rig_loop *loop, int fd, uint32_t events, rig_loop_fn fn, void *data);
int rig_loop_modify(struct rig_loop *loop, int fd, uint32_t events);
int rig_loop_remove(struct rig_loop *loop, int fd);

/* Order within one turn: every ready handler runs once per turn, lower
 * priority numbers first, so the interlock, the source and the edges
 * (and the timer) are served before the control clients. New handlers
 * get RIG_LOOP_PRIO_DEVICE. */
enum {
	RIG_LOOP_PRIO_DEVICE = 0,
	RIG_LOOP_PRIO_LISTENER = 1,
	RIG_LOOP_PRIO_CLIENT = 2,
};
int rig_loop_set_priority(struct rig_loop *loop, int fd, int priority);
/* A handler that stopped at its budget with work left asks to run again
 * next turn (with EPOLLIN) even if its descriptor has nothing new. */
int rig_loop_more(struct rig_loop *loop, int fd);
/* Turns run so far (each rig_loop_run_once that dispatched). */
uint64_t rig_loop_turns(const struct rig_loop *loop);

/* The timer: fn runs once the monotonic clock reaches deadline_ns.
 * INT64_MAX disarms it. Setting it again replaces the old deadline. */
void rig_loop_set_timer_fn(struct rig_loop *loop, rig_loop_timer_fn fn, void *data);
int rig_loop_set_deadline(struct rig_loop *loop, int64_t deadline_ns);
int64_t rig_loop_deadline(const struct rig_loop *loop);

/* Waits (at most timeout_ms, -1 for ever) and dispatches one batch.
 * Returns the number of handlers run, -1 on an epoll error. */
int rig_loop_run_once(struct rig_loop *loop, int timeout_ms);

void rig_loop_quit(struct rig_loop *loop);
bool rig_loop_quitting(const struct rig_loop *loop);

#endif
