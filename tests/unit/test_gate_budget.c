/* The gate's uncertainty budget and stopping rule: an update period the
 * fixture got wrong, residuals that happen to be small, and the budget's
 * arithmetic. Virtual time, fixed seeds. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rig/core/gate.h"
#include "tests/unit/synth_edges.h"

#define S(x) ((int64_t)((x) * 1e9))

static struct rig_gate gate;	/* large: keep it off the stack */

static struct rig_gate_config cfg_for(double declared_q_s, double target_pct)
{
	struct rig_gate_config c = {
		.kh_wh = 10,
		.duty = -1,
		.max_until_ns = S(1200),
		.min_edges = 3,
		.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF,
		.target_u_pct = target_pct,
		.timing_sigma_s = 50e-6,
		.quantum_s = declared_q_s,
		.reference = RIG_REF_SOURCE_POWER,
		.primary_per_source = 1,
	};
	return c;
}

static void run(struct synth_meter *m, int max_edges)
{
	for (int i = 0; i < max_edges; i++) {
		struct rig_edge e;
		synth_meter_next(m, &e);
		enum rig_gate_state st = rig_gate_meter_edge(&gate, &e);
		if (st != RIG_GATE_SETTLING && st != RIG_GATE_GATING)
			break;
	}
}

/* A meter on 50 Hz that updates its output every 40 ms while the fixture
 * declares 20 ms: random phases, loads 1.2-48 kW, errors within +-1.5 %,
 * jitter 20-300 us. Where a wrap of the sawtooth shows the declaration
 * wrong, the gate must say so and its U must cover the true error; over
 * all points coverage must stay near the nominal 95 %. (The gate that
 * kept the declared period covered 93.0 % of this same draw and never
 * said anything; this one 93.3 %, and 100 % of the 185 it flags. What it
 * still misses are gates whose lateness only drifts, without a wrap: no
 * estimator can tell those from a slightly different pulse period, which
 * is why the fixture's default period is long.) */
START_TEST(update_period_contradicted_by_the_edges_is_estimated_and_covered)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 40020);
	int total = 300, inside = 0, flagged = 0, flagged_inside = 0;
	for (int i = 0; i < total; i++) {
		struct rig_gate_config c = cfg_for(0.020, 0.1);
		double p = exp(log(1200) + (log(48000) - log(1200)) * synth_uniform(&rng));
		struct synth_meter_cfg mc = {
			.kh_wh = 10,
			.power_w = p,
			.error_pct = 3 * synth_uniform(&rng) - 1.5,
			.duty = 0.5,
			.jitter_s = 20e-6 + 280e-6 * synth_uniform(&rng),
			.phase_pulses = synth_uniform(&rng),
			.quantum_s = 0.040,
			.line = 3,
		};
		rig_gate_init(&gate, &c);
		rig_gate_reference_power(&gate, 0, p);
		struct synth_meter m;
		synth_meter_init(&m, &mc, 9000 + i);
		run(&m, 4000);
		struct rig_gate_result r;
		rig_gate_result(&gate, &r);
		ck_assert(r.u_pct > 0);
		bool in = fabs(r.error_pct - mc.error_pct) <= r.u_pct;
		inside += in;
		if (r.budget.period_check == RIG_PERIOD_ESTIMATED) {
			flagged++;
			flagged_inside += in;
			ck_assert_msg(r.budget.update_period_s > 0.020,
				      "estimated %.4f s, not above the declared 0.020 s",
				      r.budget.update_period_s);
		}
	}
	double cov = (double)inside / total, fcov = (double)flagged_inside / flagged;
	if (getenv("RIG_SHOW_COVERAGE"))
		fprintf(stderr, "40 ms declared 20 ms: coverage %.4f, flagged %d, their coverage %.4f\n",
			cov, flagged, fcov);
	ck_assert_msg(flagged >= total / 2, "only %d of %d flagged", flagged, total);
	ck_assert_msg(fcov >= 0.97, "coverage where flagged %.4f", fcov);
	ck_assert_msg(cov >= 0.93, "coverage %.4f", cov);
}
END_TEST

/* Edges with no scatter at all (a perfect meter) must not make the gate
 * more confident than its prior timing uncertainty allows: the scatter
 * term stays at the prior, and the prior, itself an estimate, carries
 * finite dof, so k exceeds 2. */
START_TEST(small_residuals_never_shrink_u_below_the_prior)
{
	struct rig_gate_config c = cfg_for(0, 0);	/* never done: look at U */
	c.timing_sigma_s = 100e-6;
	c.duty = 0.5;
	c.u_duty = 0;
	rig_gate_init(&gate, &c);
	const double p = 24000;
	rig_gate_reference_power(&gate, 0, p);
	struct synth_meter_cfg mc = {
		.kh_wh = 10, .power_w = p, .error_pct = 0.2, .duty = 0.5, .phase_pulses = 0.3, .line = 3,
	};
	struct synth_meter m;
	synth_meter_init(&m, &mc, 5);
	const int n = 20;
	run(&m, n);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_eq(r.edges_used, n);
	/* the prior-based U by hand: sigma in Wh over the slope's leverage */
	double b = 10 / (1 + r.error_pct / 100);	/* reference Wh per pulse */
	double sxx = 0, xbar = (n - 1) / 4.0;
	for (int i = 0; i < n; i++)
		sxx += (i / 2.0 - xbar) * (i / 2.0 - xbar);
	double sigma_wh = p / 3600 * c.timing_sigma_s;
	double u_prior = sigma_wh / sqrt(sxx) / b;
	ck_assert_double_eq_tol(r.budget.term[RIG_U_SCATTER].contribution, u_prior, u_prior * 1e-3);
	ck_assert(r.budget.term[RIG_U_SCATTER].dof == RIG_GATE_PRIOR_DOF);
	ck_assert_msg(r.k > 2.3, "k %.3f", r.k);
	ck_assert(r.u_pct >= 2 * u_prior * (100 + r.error_pct));
}
END_TEST

/* Every term of the budget is stored and they add up in quadrature. */
START_TEST(budget_terms_add_up_to_uc)
{
	struct rig_gate_config c = cfg_for(1.0 / 60, 0);
	c.duty = 0.5;
	c.u_duty = 0.001;
	c.ref_u_rel = 1e-4;
	c.timebase_u_rel = 2.9e-5;
	c.source_u_rel = 3e-5;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 12000);
	struct synth_meter_cfg mc = {
		.kh_wh = 10, .power_w = 12000, .error_pct = -0.3, .duty = 0.5, .jitter_s = 200e-6,
		.phase_pulses = 0.7, .quantum_s = 1.0 / 60, .line = 3,
	};
	struct synth_meter m;
	synth_meter_init(&m, &mc, 17);
	run(&m, 30);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	const struct rig_gate_budget *bu = &r.budget;
	double sum = 0;
	for (int t = 0; t < RIG_U_TERMS; t++) {
		const struct rig_u_component *tc = &bu->term[t];
		ck_assert_msg(tc->contribution > 0, "%s has no contribution", rig_u_term_name(t));
		ck_assert_double_eq_tol(tc->contribution, fabs(tc->sensitivity) * tc->u,
					tc->contribution * 1e-12);
		sum += tc->contribution * tc->contribution;
	}
	ck_assert_double_eq_tol(bu->uc_rel, sqrt(sum), bu->uc_rel * 1e-12);
	ck_assert_double_eq_tol(bu->term[RIG_U_REFERENCE].contribution, 1e-4, 1e-15);
	ck_assert_double_eq_tol(r.u_pct, bu->k * bu->uc_rel * (100 + r.error_pct), 1e-9);
	ck_assert(bu->k >= 2 && bu->nu_eff > 1);
	ck_assert_int_eq(bu->period_check, RIG_PERIOD_CONSISTENT);
	ck_assert_double_eq_tol(bu->update_period_s, 1.0 / 60, 1e-12);

	/* with a counted standard the edge clock and the source's stability
	 * drop out: the standard integrates the true power itself */
	c.reference = RIG_REF_STANDARD_PULSES;
	c.ref_wh_per_pulse = 0.001;
	rig_gate_init(&gate, &c);
	struct synth_standard std;
	synth_standard_init(&std, 0.001, 12000, 0);
	synth_meter_init(&m, &mc, 17);
	for (int i = 0; i < 30; i++) {
		struct rig_edge e;
		synth_meter_next(&m, &e);
		while (synth_standard_peek(&std) <= e.timestamp_ns) {
			struct rig_edge se;
			synth_standard_next(&std, &se);
			rig_gate_reference_edge(&gate, &se);
		}
		rig_gate_meter_edge(&gate, &e);
	}
	rig_gate_result(&gate, &r);
	ck_assert(r.u_pct > 0);
	ck_assert(r.budget.term[RIG_U_TIMEBASE].contribution == 0);
	ck_assert(r.budget.term[RIG_U_SOURCE].contribution == 0);
}
END_TEST

Suite *suite_gate_budget(void)
{
	Suite *s = suite_create("gate_budget");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, update_period_contradicted_by_the_edges_is_estimated_and_covered);
	tcase_add_test(tc, small_residuals_never_shrink_u_below_the_prior);
	tcase_add_test(tc, budget_terms_add_up_to_uc);
	suite_add_tcase(s, tc);
	return s;
}
