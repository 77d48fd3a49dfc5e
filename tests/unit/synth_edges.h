/* Synthetic meter and reference-standard edge streams for tests, in virtual
 * time: a meter with a true error, timestamp jitter, pulse-update
 * quantization, duty asymmetry and lost edges, from a deterministic PRNG. */
#ifndef TESTS_UNIT_SYNTH_EDGES_H
#define TESTS_UNIT_SYNTH_EDGES_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"

struct synth_rng {
	uint64_t s;
};

void synth_rng_seed(struct synth_rng *r, uint64_t seed);
double synth_uniform(struct synth_rng *r);	/* [0, 1) */
double synth_gauss(struct synth_rng *r);	/* mean 0, sd 1 */

struct synth_meter_cfg {
	double kh_wh;		/* Wh per pulse (full period) */
	double power_w;		/* true primary power */
	double error_pct;	/* the meter registers power * (1 + error/100) */
	double duty;		/* energy fraction of the high half (0.5 nominal) */
	double jitter_s;	/* sd of gaussian timestamp noise */
	double quantum_s;	/* pulse output updated only every quantum_s (0: continuous) */
	double phase_pulses;	/* registered energy at start_ns, in pulses, [0, 1) */
	int64_t start_ns;
	uint32_t line;
	uint64_t lose_from;	/* drop edges with ordinal >= lose_from ... (0: none) */
	uint64_t lose_count;	/* ... this many of them */
};

struct synth_meter {
	struct synth_meter_cfg cfg;
	struct synth_rng rng;
	uint64_t ordinal;	/* edges generated, lost ones included */
	uint64_t line_seqno;
	int64_t last_ns;
};

void synth_meter_init(struct synth_meter *m, const struct synth_meter_cfg *cfg, uint64_t seed);
/* Next delivered edge (lost ones are skipped but use up a line seqno). */
void synth_meter_next(struct synth_meter *m, struct rig_edge *ret);

/* A reference standard: rising and falling edges at 50 % duty, one period
 * per wh_per_pulse of source energy at power_w, no noise. */
struct synth_standard {
	double wh_per_pulse;
	double power_w;
	int64_t start_ns;
	uint64_t half_periods;
	uint64_t seqno;
};

void synth_standard_init(struct synth_standard *s, double wh_per_pulse, double power_w,
			 int64_t start_ns);
int64_t synth_standard_peek(const struct synth_standard *s);
void synth_standard_next(struct synth_standard *s, struct rig_edge *ret);

#endif
