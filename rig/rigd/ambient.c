#include "rig/rigd/ambient.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/certrecord.h"

static int64_t now_ms(void)
{
	return rig_monotonic_ns() / 1000000;
}

static void sample(struct ambient *a)
{
	double c = 0, pct = 0;
	/* the slow reads happen outside the lock */
	bool has_c = a->temperature_path[0] &&
		     certrecord_read_sensor(a->temperature_path, true, &c) == 0 && c >= -40 && c <= 85;
	bool has_pct = a->humidity_path[0] &&
		       certrecord_read_sensor(a->humidity_path, true, &pct) == 0 && pct >= 0 &&
		       pct <= 100;
	pthread_mutex_lock(&a->lock);
	if (has_c) {
		a->now.c = c;
		a->now.has_c = true;
		a->c_ms = now_ms();
	}
	if (has_pct) {
		a->now.pct = pct;
		a->now.has_pct = true;
		a->pct_ms = now_ms();
	}
	pthread_mutex_unlock(&a->lock);
}

static void *sampler(void *arg)
{
	struct ambient *a = arg;
	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		pthread_mutex_unlock(&a->lock);
		sample(a);
		pthread_mutex_lock(&a->lock);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += AMBIENT_PERIOD_S;
		while (!a->stop && pthread_cond_timedwait(&a->wake, &a->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int ambient_start(struct ambient *a, const struct rig_fixture *f, struct rig_error *err)
{
	memset(a, 0, sizeof(*a));
	if (!f->ambient_temperature[0] && !f->ambient_humidity[0])
		return 0;
	snprintf(a->temperature_path, sizeof(a->temperature_path), "%s", f->ambient_temperature);
	snprintf(a->humidity_path, sizeof(a->humidity_path), "%s", f->ambient_humidity);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, &attr);
	pthread_condattr_destroy(&attr);
	int rc = pthread_create(&a->thread, NULL, sampler, a);
	if (rc != 0) {
		pthread_cond_destroy(&a->wake);
		pthread_mutex_destroy(&a->lock);
		return rig_error_set(err, NULL, 0, "ambient sensor thread: %s", strerror(rc));
	}
	a->started = true;
	log_info("ambient sensors: %s%s%s, read every %d s", a->temperature_path,
		 a->temperature_path[0] && a->humidity_path[0] ? ", " : "", a->humidity_path,
		 AMBIENT_PERIOD_S);
	return 0;
}

void ambient_stop(struct ambient *a)
{
	if (!a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	a->started = false;
}

struct ambient_reading ambient_latest(struct ambient *a)
{
	struct ambient_reading r = {0};
	if (!a->started)
		return r;
	pthread_mutex_lock(&a->lock);
	r = a->now;
	int64_t now = now_ms();
	r.has_c = r.has_c && now - a->c_ms <= AMBIENT_MAX_AGE_S * 1000;
	r.has_pct = r.has_pct && now - a->pct_ms <= AMBIENT_MAX_AGE_S * 1000;
	pthread_mutex_unlock(&a->lock);
	return r;
}
