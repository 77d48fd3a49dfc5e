/* An independent model of a bench for the validation benchmark: a phantom
 * load source, the meters on it and the kernel's edge events, written from
 * the physics (notes/metrology.md, the Mini Meter guide) and sharing no
 * code with the simulator in drivers/sim.
 *
 * - Source: per phase a voltage, a current and their angles; the output
 *   ramps linearly to a new setpoint; its power read-back has its own true
 *   relative error.
 * - Meter: an energy register updated every q seconds at a random phase;
 *   the register is (1 + e) times the true energy; each isolated output
 *   toggles when the register crosses a multiple of Kh/2 Wh, but only at an
 *   update instant; the opto-coupler delays a rising and a falling edge by
 *   different amounts; the timestamp has Gaussian jitter.
 * - Kernel: every event of the line request gets the next global sequence
 *   number and the next number of its line, whether or not it is later
 *   dropped (a dropped event shows only as a gap).
 *
 * Times are seconds from the bench's start (double); energies joules. */
#ifndef RIG_BENCH_INDEP_METER_H
#define RIG_BENCH_INDEP_METER_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"

#define IM_MAX_POS 4
#define IM_MAX_OUT 3
#define IM_MAX_BREAKS 64

/* Deterministic generator (splitmix64 seeding, xorshift64*). */
struct im_rng {
	uint64_t s;
};
void im_rng_seed(struct im_rng *r, uint64_t seed);
double im_uniform(struct im_rng *r);		/* [0, 1) */
double im_normal(struct im_rng *r);		/* N(0, 1) */
double im_between(struct im_rng *r, double lo, double hi);
double im_log_between(struct im_rng *r, double lo, double hi);

struct im_meter_cfg {
	double error;			/* true registration error, fraction: register = (1 + e) x energy */
	double update_s;		/* q: the register and outputs update every q */
	double jitter_s;		/* timestamp standard deviation */
	double rise_delay_s, fall_delay_s;
	int n_outputs;
	double kh_wh[IM_MAX_OUT];	/* Wh per full output period */
	uint32_t line[IM_MAX_OUT];	/* kernel line of each output */
	int elements;			/* 1 or 2: source phases it measures (see im_bench_cfg) */
	double primary_per_source;	/* CT ratio: meter watts per source watt */
};

struct im_bench_cfg {
	int n_meters;
	struct im_meter_cfg meter[IM_MAX_POS];
	int element_phase[2];		/* source phase feeding meter element 1, 2 */
	double ramp_s;			/* output slews to a new setpoint over this */
	uint64_t global_base;		/* the request's events before this run (it stays open) */
	uint64_t line_base[IM_MAX_POS][IM_MAX_OUT];	/* and each line's */
	uint64_t seed;
};

/* One event as the kernel hands it over (plus what only the model knows). */
struct im_event {
	struct rig_edge edge;
	int meter;			/* 0-based position */
	int output;			/* index into kh_wh */
	double true_s;			/* update instant (before delays and jitter) */
};

struct im_bench;

struct im_bench *im_bench_new(const struct im_bench_cfg *cfg);
void im_bench_free(struct im_bench *b);

/* Source: phase is 1..3. im_source_set stages a phase's setpoint;
 * im_source_apply makes the staged setpoint take effect at t (slewing over
 * ramp_s when the output is on). */
void im_source_set(struct im_bench *b, int phase, double volts, double v_angle_deg, double amps,
		   double i_angle_deg);
void im_source_apply(struct im_bench *b, double t);
/* The true relative error of the source's reading of one phase's power. */
void im_source_ref_error(struct im_bench *b, int phase, double rel);
void im_source_output(struct im_bench *b, double t, bool on);
/* Total active source power at t as the source reports it: each phase's
 * true power times (1 + its reading error). */
double im_source_read_power(const struct im_bench *b, double t);
/* True primary watts one meter sees at t. */
double im_meter_power(const struct im_bench *b, int meter, double t);

/* The next kernel event (earliest timestamp), without taking it; 0 when
 * none will ever come with the present setpoint. */
int im_peek(struct im_bench *b, struct im_event *ret);
/* Takes the event im_peek gave, numbering it. */
void im_take(struct im_bench *b, struct im_event *ret);

#endif
