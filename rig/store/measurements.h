/* Every stored measurement of one run (final and abandoned attempts), for
 * comparing a run with its re-analysis; and a point result in the form the
 * store keeps it (store.c's insert_measurement), to compare like with like. */
#ifndef RIG_STORE_MEASUREMENTS_H
#define RIG_STORE_MEASUREMENTS_H

#include <stdbool.h>

#include "rig/core/sequencer.h"
#include "rig/store/store.h"

/* One output gated beside a point's own (measurement_outputs). */
struct store_output {
	char output[16];		/* rig_signal_name() */
	double kh;
	char verdict[16];
	bool has_estimate;		/* error_pct and u_pct not NULL */
	double error_pct, u_pct;
	bool bound, lost;
	int edges;
	bool has_duty;
	double duty;
};

struct store_measurement {
	int point;			/* index in the profile */
	int position;			/* 1-based, as stored and on the bench */
	int attempt;
	double current_a, reference_w;
	int edges_used;
	double gate_s;
	bool has_error;			/* error_pct and u_pct not NULL */
	double error_pct, u_pct;
	bool has_value;
	double value;
	char verdict[16];
	char detail[sizeof(((struct rig_point_result *)0)->detail)];
	/* the uncertainty budget, when one was stored (point_budget); a dof or
	 * nu_eff stored as NULL (infinite) reads as INFINITY */
	bool has_budget;
	double uc_rel, nu_eff, k, update_period_s, declared_period_s;
	char period_check[32];
	struct rig_u_component term[RIG_U_TERMS];
	/* the outputs gated with it (schema 8), in the order gated */
	int n_outputs;
	struct store_output outputs[RIG_SEQ_MAX_OUTPUTS];
	/* a register point's readings, kWh (NULL: not read) */
	bool has_reading_before, has_reading_after;
	double reading_before_kwh, reading_after_kwh;
};

typedef int (*store_measurement_fn)(const struct store_measurement *m, void *ctx);

/* Oldest first. 0 after the last, the callback's non-zero value, or -1
 * with err (no such run included). */
int store_run_measurements(struct store *s, const char *run_id, store_measurement_fn fn, void *ctx,
			   struct rig_error *err);

/* What store_add_point_result keeps of r. */
void store_measurement_of(const struct rig_point_result *r, struct store_measurement *ret);

/* Same values bit for bit (NULLs alike; a zero's sign is not kept by SQLite). */
bool store_measurement_equal(const struct store_measurement *a, const struct store_measurement *b);

#endif
