/* A whole bench in virtual time, in one process: the sequencer drives the
 * simulated source through the real scpi6100 driver (over an in-process
 * transport into the simulator's SCPI parser), the simulated meters' edges
 * go back to the sequencer through the fixture's line routing, exactly as
 * rigd wires them. Nothing waits: time is the simulator's.
 *
 * Each SCPI line costs cmd_line_s of virtual time (serial link and
 * instrument), so a point pays for its commands as it would on a bench. */
#ifndef RIG_BENCH_VBENCH_H
#define RIG_BENCH_VBENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/sim/bench.h"
#include "drivers/sim/meter_sim.h"
#include "rig/core/fixture.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"

#define VB_MAX_POS 8

struct vb_meter {
	const char *model;		/* model number */
	struct sim_error_curve error;	/* the meter's true error curve */
	double jitter_s;		/* edge jitter, standard deviation */
	double update_s;		/* pulse-update period (quantization) */
};

struct vb_config {
	const struct rig_profile *profile;
	struct rig_fixture fixture;	/* n_positions and lines are set from the meters */
	int n_positions;
	struct vb_meter meter[VB_MAX_POS];
	uint64_t seed;
	double cmd_line_s;		/* virtual time per SCPI line */
	double ref_error_rel;		/* the source's power read-back is off by this (reference error) */
	double ref_error_z[3];		/* and each phase's by this many standard uncertainties of
					 * the fixture's reference at that reading (its specification,
					 * per range), as the rig states them */
};

/* What happened at one point of the run. */
struct vb_point {
	bool started;
	double start_s, end_s;		/* from the run's start */
	int n_results;			/* attempts seen, all positions */
	bool have[VB_MAX_POS];		/* final result per position */
	struct rig_point_result res[VB_MAX_POS];
	double true_error_pct[VB_MAX_POS];	/* the simulator's truth when the result came */
	double power_w[VB_MAX_POS];	/* primary watts the meter saw */
};

struct vb_run {
	enum rig_run_state state;
	char reason[200];
	double total_s;
	int commands, scpi_lines;
	long edges;
	struct vb_point pt[RIG_PROFILE_MAX_POINTS];
};

/* A fixture like fixtures/sim.conf (loaded from there) with the lines laid
 * out 8 per position for n positions. */
int vb_fixture(struct rig_fixture *ret, int n_positions, char *err, size_t len);

/* Runs the profile; 0, or -1 with a message when the plan is refused or
 * the harness itself fails. A run that ends failed or indeterminate is not
 * an error: see run->state. */
int vb_run(const struct vb_config *cfg, struct vb_run *run, char *err, size_t len);

/* Primary watts a point puts through one meter of this model. */
double vb_point_power_w(const struct rig_point *p, const struct rig_meter_model *m);

/* The same bench without the sequencer, for other measuring methods:
 * commands cost their SCPI lines' time, advance delivers edges. Times are
 * seconds from the bench's start. */
struct vb_bench;
struct source_result;
struct vb_bench *vb_bench_open(const struct vb_config *cfg, char *err, size_t len);
void vb_bench_close(struct vb_bench *vb);
double vb_bench_now_s(const struct vb_bench *vb);
int vb_bench_cmd(struct vb_bench *vb, const struct rig_cmd *cmd, struct source_result *ret,
		 char *err, size_t len);
int vb_bench_advance(struct vb_bench *vb, double until_s, sim_edge_fn fn, void *ctx);
double vb_bench_true_error(const struct vb_bench *vb, int position);

#endif
