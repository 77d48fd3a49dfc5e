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
