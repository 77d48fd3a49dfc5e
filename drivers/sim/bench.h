/* The simulated bench: one emulated source, N emulated meters, an optional
 * reference standard and the line map, in virtual time. Pure code: tests
 * and benchmarks drive it in-process; rig-sim serves it over TCP.
 *
 *   b = sim_bench_new(&cfg);
 *   sim_bench_scpi(b, now, "SOUR:PHAS1:VOLT:MHAR:HARM1 120,0", reply, len);
 *   sim_bench_advance(b, until, on_edge, ctx);   // edges in timestamp order
 *
 * Edges with a timestamp <= until are delivered by advance; meters are run
 * slightly ahead (4 jitter sigmas) so that no later edge can be earlier. */
#ifndef RIG_SIM_BENCH_H
#define RIG_SIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/sim/edge_request.h"
#include "drivers/sim/meter_sim.h"
#include "drivers/sim/scpi_parser.h"
#include "drivers/sim/source_model.h"
#include "rig/core/fixture.h"

struct sim_position_cfg {
	struct sim_meter_cfg meter;
	int line[RIG_SIG_COUNT];	/* -1: not wired */
};

struct sim_bench_cfg {
	int n_positions;
	struct sim_position_cfg pos[RIG_MAX_POSITIONS];
	double settle_s;		/* source settling after a setpoint change */
	uint64_t seed;
	int64_t start_ns;		/* virtual time the bench starts at */
	double ref_wh_per_pulse;	/* 0: no reference standard */
	int ref_line;
	char idn[96];			/* "" : RIG-SIM,6105A-SIM,SN0001,1.0 */
};

/* Defaults: no positions, 2 s settling, seed 1, no reference. */
void sim_bench_cfg_init(struct sim_bench_cfg *cfg);
/* Line layout base + (position-1)*stride + signal (signal order of enum
 * rig_signal) for positions 1..n. */
void sim_bench_cfg_layout(struct sim_bench_cfg *cfg, int base, int stride);

struct sim_bench;

struct sim_bench *sim_bench_new(const struct sim_bench_cfg *cfg);
void sim_bench_free(struct sim_bench *b);	/* NULL-safe */

/* One SCPI line (bytes, no '\n'); returns 1 with a reply for queries, 0
 * otherwise. SIM:... commands go to the bench's extension (README), or to
 * the hook set with sim_bench_set_ext. */
int sim_bench_scpi_n(struct sim_bench *b, int64_t now_ns, const char *buf, size_t len,
		     char *reply, size_t reply_len);
int sim_bench_scpi(struct sim_bench *b, int64_t now_ns, const char *line,
		   char *reply, size_t reply_len);

/* Replaces the SIM:... handler (rig-sim adds its transport faults and
 * passes the rest on to sim_bench_ext). */
void sim_bench_set_ext(struct sim_bench *b, sim_scpi_ext_fn fn, void *ctx);
int sim_bench_ext(void *bench, int64_t now_ns, const char *cmd, char *reply, size_t len);

typedef void (*sim_edge_fn)(void *ctx, const struct rig_edge *e);

/* Delivers every edge up to until_ns in timestamp order, numbered over all
 * wired lines as one line request. Returns 0 or -1 (no memory). */
int sim_bench_advance(struct sim_bench *b, int64_t until_ns, sim_edge_fn fn, void *ctx);
/* The same edges unnumbered (seqnos 0), for callers that number them per
 * subscriber (rig-sim). */
int sim_bench_advance_raw(struct sim_bench *b, int64_t until_ns, sim_edge_fn fn, void *ctx);

int64_t sim_bench_now(const struct sim_bench *b);
/* Level of a wired line as of the last delivered edge: 1, 0, -1 unknown line. */
int sim_bench_level(const struct sim_bench *b, uint32_t line);

/* The truth, for tests: the meter's registration error (percent) at the
 * source output of now_ns, NAN with no power. */
double sim_bench_true_error(const struct sim_bench *b, int position, int64_t now_ns);
/* Energy registered by the meter and energy through its primaries, Wh. */
int sim_bench_energy(const struct sim_bench *b, int position, double *ret_registered_wh,
		     double *ret_true_wh);
const struct sim_source *sim_bench_source(const struct sim_bench *b);
const struct sim_meter *sim_bench_meter(const struct sim_bench *b, int position);

/* A protection switched the output off at now_ns (the enable loop opened,
 * the communication watchdog expired): off at once, and code queued on the
 * SCPI error queue so the controller learns why. */
void sim_bench_trip(struct sim_bench *b, int64_t now_ns, int code);

/* Faults. Positions are 1-based; return 0 or -1 for a bad argument. */
void sim_bench_lose_edges(struct sim_bench *b, uint64_t n);	/* next n numbered edges */
int sim_bench_set_dead(struct sim_bench *b, int position, enum rig_signal s, bool dead);
int sim_bench_set_reversed(struct sim_bench *b, int position, int element, bool reversed);
int sim_bench_set_error(struct sim_bench *b, int position, const struct sim_error_curve *c);
/* Runtime faults (SIM:STUCK, SIM:WRONGRATIO, SIM:CREEP): -1 for a bad
 * position or signal. */
int sim_bench_set_stuck(struct sim_bench *b, int position, enum rig_signal s, bool stuck);
int sim_bench_set_wrong_ratio(struct sim_bench *b, int position, enum rig_signal s, bool wrong);
int sim_bench_set_creep(struct sim_bench *b, int position, double watts);

#endif
