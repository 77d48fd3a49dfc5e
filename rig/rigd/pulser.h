/* The dead-man's pulses, from a thread of their own.
 *
 * A retriggerable relay drops 300-600 ms after the last edge. The loop's
 * own work (a point's results committed to an SD card, a report query, a
 * slow reply read) can hold it longer than that without anything being
 * wrong, and a relay that drops then fails a good run. So the edges come
 * from this thread, every period, for as long as the loop keeps renewing
 * its hold: a loop that stops renewing (hung, or no longer in control of
 * the source) lets the hold lapse and the pulses stop; a killed or stopped
 * process stops them at once. */
#ifndef RIG_RIGD_PULSER_H
#define RIG_RIGD_PULSER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "rig/core/error.h"

/* Drives the line to level: 0, or -1 with err. Called with the lock held. */
typedef int (*pulser_drive_fn)(void *ctx, bool level, struct rig_error *err);
/* Anything else due every period while held (an instrument's keep-alive),
 * after the toggle, without the lock: it guards its own data. */
typedef void (*pulser_also_fn)(void *ctx);

struct pulser {
	pulser_drive_fn drive;
	pulser_also_fn also;	/* NULL: nothing else */
	void *ctx;
	int64_t period_ns;
	pthread_mutex_t lock;	/* the drive function's state, and level */
	bool level;		/* the line's last level (under lock) */
	bool drive_ok;		/* the last drive worked: a failure is logged once */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	_Atomic int64_t hold_until_ns;	/* pulses while now is before this */
	_Atomic int64_t last_toggle_ns;	/* 0: none yet */
	_Atomic int64_t worst_gap_ns;	/* longest time between toggles since the reset */
	atomic_bool failed;		/* a drive failed since the reset */
};

void pulser_init(struct pulser *p, int64_t period_ns, pulser_drive_fn drive, void *ctx);
void pulser_set_also(struct pulser *p, pulser_also_fn also);	/* before pulser_start */
/* Starts the thread (no pulses until a hold): 0, or -1 with err. */
int pulser_start(struct pulser *p, struct rig_error *err);
/* Stops and joins the thread; the line stays where it was. Safe when not
 * started. */
void pulser_stop(struct pulser *p);
void pulser_destroy(struct pulser *p);	/* after pulser_stop */

/* Pulses until until_ns (monotonic); 0 stops them at the next period. */
void pulser_hold_until(struct pulser *p, int64_t until_ns);
/* A toggle now, from the caller's thread: 0, or -1 with err. */
int pulser_toggle(struct pulser *p, struct rig_error *err);
/* Drives the line to a level now (claiming it, or leaving it low). */
int pulser_set(struct pulser *p, bool level, struct rig_error *err);

/* Held around changes to what the drive function uses (its device). */
void pulser_lock(struct pulser *p);
void pulser_unlock(struct pulser *p);

int64_t pulser_last_toggle_ns(const struct pulser *p);
/* The longest gap between two toggles, and whether a drive failed, since
 * the last reset (the start of a run). */
int64_t pulser_worst_gap_ns(const struct pulser *p);
bool pulser_failed(const struct pulser *p);
void pulser_reset(struct pulser *p);

#endif
