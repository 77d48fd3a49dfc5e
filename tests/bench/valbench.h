/* Validation of the measuring core against an independent meter model
 * (tests/bench/indep_meter.c): randomized accuracy points, each run through
 * the rig's sequencer (rig_seq_*) in virtual time with a profile and a
 * fixture built by the rig's own parsers, the shell's part played here as
 * rigd plays it (edges routed by the fixture, source commands carried out
 * with a reply time). The true error of every meter is known, so coverage,
 * false accepts, losses and bench time can be judged.
 *
 * Sets of points:
 *   uniform    true error uniform in +/-1.5 %
 *   near-band  true error within +/-0.2 % of a band edge
 *   slow       uniform, with a power read-back slower than usual (0.5-1.5 s)
 * Each run is one point on 1 to 4 positions (one meter each, same model). */
#ifndef RIG_BENCH_VALBENCH_H
#define RIG_BENCH_VALBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rig/core/sequencer.h"
#include "tests/bench/indep_meter.h"

enum val_set { VAL_UNIFORM, VAL_NEAR_BAND, VAL_SLOW, VAL_N_SETS };

enum val_loss {
	VAL_LOSS_NONE,
	VAL_LOSS_ANYWHERE,	/* one Kh 10 event dropped at a random time */
	VAL_LOSS_AFTER_FIRST,	/* the 1st, 2nd or 3rd Kh 10 event after settling dropped */
};

struct val_meter {
	double error_pct;		/* true registration error */
	double update_s, jitter_s, rise_s, fall_s;
	enum val_loss loss;
	double loss_at_s;		/* ANYWHERE: first Kh 10 event after this (bench time) */
	int loss_k;			/* AFTER_FIRST: which event after the estimated settle end */
	bool loss_other;		/* also one Kh 100 event dropped */
	double loss_other_at_s;
};

struct val_run_cfg {
	enum val_set set;
	int profile;			/* 0 production, 1 ansi-c12.1 */
	int model;			/* 0 MMS-120-2001, 1 MMD-120-2001 */
	double power_w;			/* per meter, primary */
	double pf;
	bool lead;
	int elements;			/* 1, 2: that element alone; 3: both */
	int n_pos;
	struct val_meter m[IM_MAX_POS];
	double ref_z[3];		/* per source phase: the read-back's true error in units
					 * of its data-sheet standard uncertainty */
	double declared_s;		/* the fixture's update_period; < 0: key left out (default) */
	double reply_s;			/* power read-back reply time */
	double cmd_s;			/* other commands */
	double ramp_s;
	uint64_t seed;
};

/* One meter's outcome at its point. */
struct val_rec {
	struct val_run_cfg run;		/* the run it was in */
	int pos;			/* 0-based */
	bool have;			/* a final result came */
	struct rig_point_result res;
	double band_pct, target_pct;
	double true_power_w;
	int retries;			/* attempts abandoned */
	int drops_kh10;			/* Kh 10 events dropped while the point ran */
	bool span_known;		/* the final gate's edges were found among those delivered */
	bool measured_through;		/* the final gate spans a drop */
	double bench_s;			/* the point's bench time (the whole run's) */
	double limit_s;			/* its physical limit (slowest position) */
	double phase_wait_s;		/* mean wait for the first edge: half an edge interval */
	double declared_s;		/* update period the fixture declared (its default when left out) */
};

#define VAL_PROFILES 2
#define VAL_MODELS 2
extern const char *const val_profile_names[VAL_PROFILES];
extern const char *const val_model_names[VAL_MODELS];

/* Draws run number i of a set (deterministic in seed and i). */
void val_draw_run(enum val_set set, uint64_t seed, int i, struct val_run_cfg *ret);

/* Runs it; fills up to n_pos records. 0, or -1 with a message when the
 * harness itself fails (a refused plan, a run that never ends). */
int val_run(const struct val_run_cfg *cfg, struct val_rec *ret, char *err, size_t len);

struct val_figures {
	int n;				/* records with a stated U (uniform + near-band) */
	double coverage_pct;
	int n_no_loss;			/* of them, meters that lost no Kh 10 event */
	double coverage_no_loss_pct;
	double worst_stratum_pct;
	char worst_stratum[48];
	double p99_d_over_u;
	int false_pass_beyond_u;
	int near_outside;		/* near-band meters truly outside the band */
	int near_outside_pass;
	int loss_points, loss_span_known, loss_noticed, loss_measured_through, loss_dead_meter_fail;
	int dead_meter_fail_all;	/* any set: FAIL below -20 % on a meter within +/-1.7 % */
	int dead_meter_fail_plain;	/* of them, with no lost event and a usual read-back time */
	int rig_errors;			/* final verdict ERROR or no result */
	double time_ratio[VAL_PROFILES][VAL_MODELS];
	int slow_n, slow_meter_fail, slow_inside;
};

/* Runs n_uniform + n_near + n_slow runs, prints the report (and the GOAL
 * lines when goals) to out (may be NULL), fills fig. -1 on a harness
 * failure (message in err). */
int val_bench(uint64_t seed, int n_uniform, int n_near, int n_slow, FILE *out, bool goals,
	      struct val_figures *fig, char *err, size_t len);

#endif
