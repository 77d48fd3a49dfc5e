#include "rig/rigd/pulser.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"

void pulser_init(struct pulser *p, int64_t period_ns, pulser_drive_fn drive, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->drive = drive;
	p->ctx = ctx;
	p->period_ns = period_ns;
	p->drive_ok = true;
	pthread_mutex_init(&p->lock, NULL);
}

void pulser_set_also(struct pulser *p, pulser_also_fn also)
{
	p->also = also;
}

void pulser_destroy(struct pulser *p)
{
	pthread_mutex_destroy(&p->lock);
}

void pulser_lock(struct pulser *p)
{
	pthread_mutex_lock(&p->lock);
}

void pulser_unlock(struct pulser *p)
{
	pthread_mutex_unlock(&p->lock);
}

/* Only this thread and pulser_reset write the worst gap. */
static void note_gap(struct pulser *p, int64_t gap_ns)
{
	int64_t seen = atomic_load(&p->worst_gap_ns);
	while (gap_ns > seen && !atomic_compare_exchange_weak(&p->worst_gap_ns, &seen, gap_ns))
		;
}

static int drive_locked(struct pulser *p, bool level, bool toggle, struct rig_error *err)
{
	if (p->drive(p->ctx, level, err) < 0) {
		if (p->drive_ok)
			log_err("dead-man heartbeat line: %s", err->msg);
		p->drive_ok = false;
		atomic_store(&p->failed, true);
		return -1;
	}
	p->drive_ok = true;
	p->level = level;
	if (toggle) {
		int64_t now = rig_monotonic_ns();
		int64_t last = atomic_exchange(&p->last_toggle_ns, now);
		if (last)
			note_gap(p, now - last);
	}
	return 0;
}

int pulser_toggle(struct pulser *p, struct rig_error *err)
{
	pthread_mutex_lock(&p->lock);
	int rc = drive_locked(p, !p->level, true, err);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int pulser_set(struct pulser *p, bool level, struct rig_error *err)
{
	pthread_mutex_lock(&p->lock);
	int rc = drive_locked(p, level, false, err);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* One period's work while held: the toggle, then anything else due,
 * outside the line's lock (a keep-alive may wait on a slow instrument; the
 * toggles must not) and only while the hold still stands. */
static void pulse_once(struct pulser *p)
{
	struct rig_error err = {0};
	pthread_mutex_lock(&p->lock);
	drive_locked(p, !p->level, true, &err);
	pthread_mutex_unlock(&p->lock);
	if (p->also && rig_monotonic_ns() < atomic_load(&p->hold_until_ns))
		p->also(p->ctx);
}

static void *pulse_while_held(void *arg)
{
	struct pulser *p = arg;
	int64_t next = rig_monotonic_ns();
	while (!atomic_load(&p->stop)) {
		next += p->period_ns;
		struct timespec ts = rig_ns_to_timespec(next);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		int64_t now = rig_monotonic_ns();
		if (now - next > p->period_ns)
			next = now;	/* fell behind (stopped): no burst to catch up */
		if (now < atomic_load(&p->hold_until_ns))
			pulse_once(p);
	}
	return NULL;
}

int pulser_start(struct pulser *p, struct rig_error *err)
{
	atomic_store(&p->stop, false);
	int rc = pthread_create(&p->thread, NULL, pulse_while_held, p);
	if (rc != 0)
		return rig_error_set(err, NULL, 0, "dead-man heartbeat thread: %s", strerror(rc));
	p->started = true;
	return 0;
}

void pulser_stop(struct pulser *p)
{
	if (!p->started)
		return;
	atomic_store(&p->hold_until_ns, 0);
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	p->started = false;
}

void pulser_hold_until(struct pulser *p, int64_t until_ns)
{
	atomic_store(&p->hold_until_ns, until_ns);
}

int64_t pulser_last_toggle_ns(const struct pulser *p)
{
	return atomic_load(&p->last_toggle_ns);
}

int64_t pulser_worst_gap_ns(const struct pulser *p)
{
	return atomic_load(&p->worst_gap_ns);
}

bool pulser_failed(const struct pulser *p)
{
	return atomic_load(&p->failed);
}

void pulser_reset(struct pulser *p)
{
	atomic_store(&p->worst_gap_ns, 0);
	atomic_store(&p->failed, false);
}
