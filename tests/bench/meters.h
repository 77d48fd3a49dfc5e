/* The benchmark's simulated meters and profiles, shared by the programs. */
#ifndef RIG_BENCH_METERS_H
#define RIG_BENCH_METERS_H

#include "rig/core/profile.h"
#include "tests/bench/common.h"
#include "tests/bench/limits.h"
#include "tests/bench/vbench.h"

#define VB_JITTER_S 100e-6		/* edge jitter of the realistic model */
#define VB_QUANTUM_S (1.0 / 60)		/* pulse update: one 60 Hz line cycle */
#define VB_CMD_LINE_S 0.010		/* one SCPI line over a serial link, with the instrument's reply */

/* A typical meter: +0.12 % at full load, drooping 0.05 % per decade of
 * current, +0.1 % at pf 0.5, small voltage and frequency effects. */
struct vb_meter vb_typical_meter(const char *model);

/* Loads profiles/NAME.profile or exits with the error. */
void vb_load_profile(const char *name, struct rig_profile *ret);

/* The realistic bench: fixtures/sim.conf with n positions, timing prior
 * of the realistic model. Exits on error. */
void vb_bench_config(struct vb_config *cfg, const struct rig_profile *p, int n_positions);

/* Runs or exits with the harness error. */
void vb_run_or_die(const struct vb_config *cfg, struct vb_run *run);

/* The point limit for position i (0-based) of the config. */
void vb_point_limit(const struct vb_config *cfg, int point, int i, struct vb_limit *ret);

#endif
