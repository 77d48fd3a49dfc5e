/* The fixture's ambient sensors, sampled off the event loop: a 1-wire
 * temperature read takes some 750 ms, longer than the loop may stand still
 * (the dead-man relay, the instrument's watchdog). A thread reads the
 * files every AMBIENT_PERIOD_S; a run takes the latest readings. */
#ifndef RIG_RIGD_AMBIENT_H
#define RIG_RIGD_AMBIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "rig/core/error.h"
#include "rig/core/fixture.h"

#define AMBIENT_PERIOD_S 30
#define AMBIENT_MAX_AGE_S 120	/* an older reading is no reading */

struct ambient_reading {
	bool has_c, has_pct;
	double c, pct;
};

struct ambient {
	bool started;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	char temperature_path[256];
	char humidity_path[256];
	struct ambient_reading now;
	int64_t c_ms, pct_ms;		/* monotonic ms of each reading */
};

/* Starts the sampler when the fixture names a sensor (else nothing to do). */
int ambient_start(struct ambient *a, const struct rig_fixture *f, struct rig_error *err);
void ambient_stop(struct ambient *a);	/* safe when not started */

/* The readings no older than AMBIENT_MAX_AGE_S. */
struct ambient_reading ambient_latest(struct ambient *a);

#endif
