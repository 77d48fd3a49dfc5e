/* Bench time: what the core and the edge input count in. On hardware it is
 * CLOCK_MONOTONIC. The simulator runs `scale` times faster than real time
 * from its own start, so its clock is learnt once (SIM:TIME? on the source
 * connection) and followed with the scale: bench = ref_bench + (real -
 * ref_real) * scale. */
#ifndef RIG_RIGD_BENCH_CLOCK_H
#define RIG_RIGD_BENCH_CLOCK_H

#include <stdint.h>

#include "drivers/transport/transport.h"
#include "rig/core/error.h"

struct bench_clock {
	double scale;		/* bench seconds per real second */
	int64_t ref_real_ns;
	int64_t ref_bench_ns;
};

/* Scale 1: bench time is the monotonic clock. */
void bench_clock_init(struct bench_clock *c, double scale);
/* Reads the simulator's clock over an idle source transport. */
int bench_clock_sync_sim(struct bench_clock *c, struct transport *tr, double timeout_s,
			 struct rig_error *err);
int64_t bench_clock_at(const struct bench_clock *c, int64_t real_ns);
/* Real monotonic time of a bench time (rounded up, so a timer set to it
 * never fires early); INT64_MAX stays INT64_MAX. */
int64_t bench_clock_to_real(const struct bench_clock *c, int64_t bench_ns);

#endif
