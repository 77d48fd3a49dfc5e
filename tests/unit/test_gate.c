/* The gate on synthetic meters at the Mini Meter's real Kh and times, in
 * virtual time. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/gate.h"
#include "rig/core/stats.h"
#include "rig/core/verdict.h"
#include "tests/unit/synth_edges.h"

#define S(x) ((int64_t)((x) * 1e9))

/* 120 V, pf 1: 2 A is 240 W, 200 A is 24 kW. */
#define W_2A 240.0
#define W_200A 24000.0

static struct rig_gate gate;	/* large: keep it off the stack */

static struct rig_gate_config base_cfg(void)
{
	struct rig_gate_config c = {
		.kh_wh = 10,
		.duty = -1,
		.settle_until_ns = 0,
		.max_until_ns = S(3600),
		.min_gate_s = 0,
		.min_edges = 2,
		.target_u_pct = 0.05,
		.timing_sigma_s = 100e-6,
		.reference = RIG_REF_SOURCE_POWER,
		.ref_u_rel = 0,
		.primary_per_source = 1,
	};
	return c;
}

static struct synth_meter_cfg meter_cfg(double power_w, double error_pct)
{
	struct synth_meter_cfg m = {
		.kh_wh = 10,
		.power_w = power_w,
		.error_pct = error_pct,
		.duty = 0.5,
		.jitter_s = 100e-6,
		.phase_pulses = 0.3,
		.line = 3,
	};
	return m;
}

/* Feeds meter edges until the gate leaves SETTLING/GATING or max_edges. */
static enum rig_gate_state run_gate(struct rig_gate *g, struct synth_meter *m, int max_edges)
{
	enum rig_gate_state st = g->state;
	for (int i = 0; i < max_edges; i++) {
		struct rig_edge e;
		synth_meter_next(m, &e);
		st = rig_gate_meter_edge(g, &e);
		if (st != RIG_GATE_SETTLING && st != RIG_GATE_GATING)
			break;
	}
	return st;
}

START_TEST(handbook_percent_registration)
{
	/* 12 pulses of 10 Wh in 300 s at 1440 W is exactly 120 Wh: 100 %. */
	ck_assert_double_eq_tol(rig_percent_registration(10, 12, 1440, 300), 100.0, 1e-12);
	/* Kh 1, 25 pulses, 240 W, 374.1 s: 100 * 25 * 3600 / (240 * 374.1)
	 * = 9 000 000 / 89 784 = 100.240577... % (the meter is 0.24 % fast). */
	ck_assert_double_eq_tol(rig_percent_registration(1, 25, 240, 374.1), 100.240577, 1e-6);
	ck_assert(isnan(rig_percent_registration(10, 1, 0, 300)));
}
END_TEST

START_TEST(student_k2_and_least_squares)
{
	ck_assert_double_eq_tol(rig_student_k2(1), 13.97, 0.01);
	ck_assert_double_eq_tol(rig_student_k2(2), 4.53, 0.01);
	ck_assert_double_eq_tol(rig_student_k2(3), 3.31, 0.01);
	ck_assert_double_eq_tol(rig_student_k2(10), 2.28, 0.01);
	/* GUM table G.2, p = 95.45 %, to the table's last digit */
	ck_assert_double_eq_tol(rig_student_k2(5), 2.65, 0.005);
	ck_assert_double_eq_tol(rig_student_k2(8), 2.37, 0.005);
	ck_assert_double_eq_tol(rig_student_k2(20), 2.13, 0.005);
	ck_assert_double_eq_tol(rig_student_k2(50), 2.05, 0.005);
	ck_assert_double_eq_tol(rig_student_k2(INFINITY), 2.0, 1e-12);
	ck_assert_double_eq_tol(rig_welch_satterthwaite(2, 1, 3), 48, 1e-9);
}
END_TEST

/* The meter of the brief: +0.237 % at 2 A, Kh 10 (75 s per pulse), with
 * jitter and one line cycle of pulse quantization. */
START_TEST(known_error_at_2A_within_stated_u)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0.02;
	c.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF;
	c.max_until_ns = S(7200);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_2A, 0.237);
	mc.quantum_s = 1.0 / 60;
	c.quantum_s = mc.quantum_s;
	synth_meter_init(&m, &mc, 7);
	ck_assert_int_eq(run_gate(&gate, &m, 200), RIG_GATE_DONE);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_eq(r.state, RIG_GATE_DONE);
	ck_assert(r.u_pct > 0 && r.u_pct <= 0.02);
	ck_assert_msg(fabs(r.error_pct - 0.237) <= r.u_pct, "error %.5f U %.5f", r.error_pct,
		      r.u_pct);
	/* registered energy is whole and half pulses of 5 Wh */
	ck_assert_double_eq_tol(remainder(r.registered_wh, 5.0), 0, 1e-3);
	ck_assert_double_eq_tol(r.registered_wh / r.reference_wh, 1.00237, 0.0005);
}
END_TEST

/* One 75 s edge interval at 2 A is half a pulse: with jitter alone (the
 * duty exactly known) the stated U is under 0.005 %. */
START_TEST(jitter_alone_one_interval_under_5ppm_pct)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 1e-9;	/* never done: look at the stated U */
	c.duty = 0.5;
	c.u_duty = 0;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_2A, 0.237);
	synth_meter_init(&m, &mc, 11);
	ck_assert_int_eq(run_gate(&gate, &m, 2), RIG_GATE_GATING);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_eq(r.edges_used, 2);
	ck_assert_double_eq_tol(r.gate_s, 75 / 1.00237, 0.01);
	ck_assert_msg(r.u_pct > 0 && r.u_pct < 0.005, "U %.6f", r.u_pct);
	ck_assert(fabs(r.error_pct - 0.237) < 0.005);

	/* with the duty unknown, two opposite edges say nothing; three (one
	 * rising-to-rising pulse, 150 s) do, still under 0.005 % */
	c.duty = -1;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	synth_meter_init(&m, &mc, 11);
	run_gate(&gate, &m, 2);
	rig_gate_result(&gate, &r);
	ck_assert(r.u_pct < 0);
	run_gate(&gate, &m, 1);
	rig_gate_result(&gate, &r);
	ck_assert_double_eq_tol(r.gate_s, 150 / 1.00237, 0.01);
	ck_assert(r.u_pct > 0 && r.u_pct < 0.005);
	ck_assert(fabs(r.error_pct - 0.237) < 0.005);
}
END_TEST

/* At 200 A the Kh 10 output toggles every 0.75 s; a one-line-cycle pulse
 * quantization (16.67 ms) dwarfs the 100 us jitter. Its error is a sawtooth
 * (here 45.14 line cycles per edge: seven edges exactly 45 cycles apart,
 * then one of 46), so the gate must run long enough for the quantum to be
 * small against the whole gate, and stop as soon as it is. */
START_TEST(quantization_gates_long_enough_and_no_longer)
{
	const double target = 0.05;
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = target;
	c.min_edges = 3;
	c.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF;
	c.quantum_s = 1.0 / 60;
	struct synth_meter_cfg mc = meter_cfg(W_200A, -0.31);
	mc.quantum_s = 1.0 / 60;

	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct synth_meter m;
	synth_meter_init(&m, &mc, 3);
	ck_assert_int_eq(run_gate(&gate, &m, 4000), RIG_GATE_DONE);
	struct rig_gate_result done;
	rig_gate_result(&gate, &done);
	ck_assert(done.u_pct <= target);
	ck_assert_msg(fabs(done.error_pct + 0.31) <= done.u_pct, "error %.4f U %.4f",
		      done.error_pct, done.u_pct);

	/* Replay the same stream into a gate that never stops: the first
	 * prefix whose stated U reaches the target is where it should stop. */
	c.target_u_pct = 0;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	synth_meter_init(&m, &mc, 3);
	int least = -1;
	for (int i = 1; i <= done.edges_used + 5 && least < 0; i++) {
		struct rig_edge e;
		synth_meter_next(&m, &e);
		rig_gate_meter_edge(&gate, &e);
		struct rig_gate_result r;
		rig_gate_result(&gate, &r);
		if (r.u_pct >= 0 && r.u_pct <= target && r.scatter_dof >= RIG_GATE_MIN_SCATTER_DOF &&
		    r.edges_used >= 3)
			least = r.edges_used;
	}
	ck_assert_int_ge(least, 0);
	ck_assert_msg(abs(done.edges_used - least) <= 1, "stopped at %d, least %d",
		      done.edges_used, least);

	/* Without quantization the same point is done far sooner. */
	mc.quantum_s = 0;
	c.quantum_s = 0;
	c.target_u_pct = target;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	synth_meter_init(&m, &mc, 3);
	ck_assert_int_eq(run_gate(&gate, &m, 4000), RIG_GATE_DONE);
	struct rig_gate_result fast;
	rig_gate_result(&gate, &fast);
	ck_assert_msg(fast.edges_used * 3 < done.edges_used, "jitter-only %d vs quantized %d",
		      fast.edges_used, done.edges_used);
}
END_TEST

/* Timestamp noise far above the prior (2 ms against 100 us) shows in the
 * scatter: the gate uses it, with Student's t, and gates longer. */
START_TEST(scatter_above_prior_is_used)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0.05;
	c.min_edges = 3;
	c.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0.45);
	struct rig_gate_result quiet, noisy;
	struct synth_meter m;

	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	synth_meter_init(&m, &mc, 21);
	ck_assert_int_eq(run_gate(&gate, &m, 4000), RIG_GATE_DONE);
	rig_gate_result(&gate, &quiet);

	mc.jitter_s = 2e-3;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	synth_meter_init(&m, &mc, 21);
	ck_assert_int_eq(run_gate(&gate, &m, 4000), RIG_GATE_DONE);
	rig_gate_result(&gate, &noisy);

	ck_assert_msg(noisy.edges_used > 2 * quiet.edges_used, "noisy %d quiet %d",
		      noisy.edges_used, quiet.edges_used);
	ck_assert_msg(noisy.k > 2.0, "k %.3f", noisy.k);	/* finite dof */
	ck_assert(fabs(noisy.error_pct - 0.45) <= noisy.u_pct);
}
END_TEST

static double measure_with_duty(double duty, struct rig_gate_result *r)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0.1);
	mc.duty = duty;
	mc.phase_pulses = 0.9;	/* starts low: first edge rising */
	synth_meter_init(&m, &mc, 5);
	run_gate(&gate, &m, 41);
	rig_gate_result(&gate, r);
	return r->error_pct;
}

START_TEST(duty_asymmetry_does_not_bias_same_direction_gating)
{
	struct rig_gate_result r50, r48;
	double e50 = measure_with_duty(0.50, &r50);
	double e48 = measure_with_duty(0.48, &r48);
	ck_assert_int_eq(r48.edges_used, 41);
	ck_assert_msg(fabs(e48 - e50) < 0.002, "48 %% duty %.5f vs 50 %% %.5f", e48, e50);
	ck_assert(fabs(e48 - 0.1) <= r48.u_pct);
	/* and the gate measured the duty itself */
	ck_assert_msg(fabs(r48.duty - 0.48) <= 3 * r48.u_duty + 1e-4, "duty %.5f +- %.5f",
		      r48.duty, r48.u_duty);
	ck_assert(r48.u_duty > 0 && r48.u_duty < 0.001);
}
END_TEST

/* Residual dof let the edges contradict the prior, at two more edge
 * intervals each. At light load the reference sets U and even the slowest
 * update period cannot reach the target, so the gate stops on the first
 * full period (3 edges, 0 dof) and states U for that slowest period. At
 * 1.2 kW the slowest period, both ends late by 0..50 ms independently,
 * keeps U within the target after 45 s, so the gate stops there too (it
 * used to wait for 2 dof, counting one end as rectangular over +-50 ms);
 * at a load where a 50 ms lateness would matter it still waits for 2 dof. */
START_TEST(light_load_stops_without_residual_dof_when_timing_cannot_matter)
{
	struct rig_gate_config c = base_cfg();
	c.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF;
	c.min_edges = 3;
	c.target_u_pct = 0.1;
	c.ref_u_rel = 0.0002;
	c.quantum_s = 1.0 / 60;
	struct rig_gate_result light, heavier;

	struct synth_meter_cfg mc = meter_cfg(120, 0.2);	/* 150 s an edge */
	mc.quantum_s = 1.0 / 60;
	struct synth_meter m;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 120);
	synth_meter_init(&m, &mc, 5);
	ck_assert_int_eq(run_gate(&gate, &m, 10), RIG_GATE_DONE);
	rig_gate_result(&gate, &light);
	ck_assert_int_eq(light.edges_used, 3);
	ck_assert_int_eq(light.scatter_dof, 0);
	ck_assert_double_eq_tol(light.budget.update_period_s, RIG_GATE_SLOWEST_UPDATE_S, 1e-12);
	ck_assert(fabs(light.error_pct - 0.2) <= light.u_pct);

	struct rig_gate_result middle;
	mc = meter_cfg(1200, 0.2);	/* 15 s an edge */
	mc.quantum_s = 1.0 / 60;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 1200);
	synth_meter_init(&m, &mc, 5);
	ck_assert_int_eq(run_gate(&gate, &m, 40), RIG_GATE_DONE);
	rig_gate_result(&gate, &middle);
	ck_assert_int_lt(middle.scatter_dof, RIG_GATE_MIN_SCATTER_DOF);
	ck_assert_double_eq_tol(middle.budget.update_period_s, RIG_GATE_SLOWEST_UPDATE_S, 1e-12);
	ck_assert(middle.u_pct <= c.target_u_pct);
	ck_assert(fabs(middle.error_pct - 0.2) <= middle.u_pct);

	mc = meter_cfg(2400, 0.2);	/* 7.5 s an edge: 50 ms at each end of 30 s is 0.14 % (k = 2) */
	mc.quantum_s = 1.0 / 60;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 2400);
	synth_meter_init(&m, &mc, 5);
	ck_assert_int_eq(run_gate(&gate, &m, 40), RIG_GATE_DONE);
	rig_gate_result(&gate, &heavier);
	ck_assert_int_ge(heavier.scatter_dof, RIG_GATE_MIN_SCATTER_DOF);
	ck_assert_double_eq_tol(heavier.budget.update_period_s, 1.0 / 60, 1e-12);
}
END_TEST

/* With the duty known from an earlier point, a gate can end on the
 * opposite edge: half a period instead of a full one. */
START_TEST(known_duty_opposite_edges_halve_the_wait)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0.02;
	struct synth_meter_cfg mc = meter_cfg(W_2A, 0.2);
	struct synth_meter m;
	struct rig_gate_result unknown, known;

	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	synth_meter_init(&m, &mc, 9);
	ck_assert_int_eq(run_gate(&gate, &m, 10), RIG_GATE_DONE);
	rig_gate_result(&gate, &unknown);

	c.target_u_pct = 0.02;
	c.duty = 0.5;
	c.u_duty = 0.00003;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	synth_meter_init(&m, &mc, 9);
	ck_assert_int_eq(run_gate(&gate, &m, 10), RIG_GATE_DONE);
	rig_gate_result(&gate, &known);

	ck_assert_int_eq(unknown.edges_used, 3);
	ck_assert_int_eq(known.edges_used, 2);
	ck_assert_double_eq_tol(known.gate_s / unknown.gate_s, 0.5, 0.001);
	ck_assert(fabs(known.error_pct - 0.2) <= known.u_pct);
	/* the duty's uncertainty is carried: 0.00003 of a pulse is 0.006 % of
	 * the half pulse gated, 0.012 % at k = 2 */
	ck_assert_msg(known.u_pct > 0.0115 && known.u_pct < 0.0126, "U %.5f", known.u_pct);
}
END_TEST

START_TEST(lost_edges_make_the_gate_invalid)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0);
	mc.lose_from = 6;
	mc.lose_count = 2;
	synth_meter_init(&m, &mc, 1);
	ck_assert_int_eq(run_gate(&gate, &m, 50), RIG_GATE_INVALID);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_eq(r.state, RIG_GATE_INVALID);
	ck_assert_int_eq(r.lost_edges, 2);
	ck_assert_ptr_nonnull(strstr(r.why, "lost"));
	ck_assert_int_eq(r.edges_used, 6);

	/* loss reported by the edge input */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	mc.lose_count = 0;
	synth_meter_init(&m, &mc, 1);
	run_gate(&gate, &m, 4);
	rig_gate_lost(&gate, 5);
	ck_assert_int_eq(gate.state, RIG_GATE_INVALID);
	rig_gate_result(&gate, &r);
	ck_assert_ptr_nonnull(strstr(r.why, "lost"));
}
END_TEST

START_TEST(inconsistent_edges_make_the_gate_invalid)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0;
	struct rig_edge e1 = { S(1), 1, 1, 3, RIG_EDGE_RISING };
	struct rig_edge e2 = { S(2), 2, 2, 3, RIG_EDGE_RISING };
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 100);
	rig_gate_meter_edge(&gate, &e1);
	ck_assert_int_eq(rig_gate_meter_edge(&gate, &e2), RIG_GATE_INVALID);
	ck_assert_ptr_nonnull(strstr(gate.why, "two rising"));

	struct rig_edge back = { S(0.5), 2, 2, 3, RIG_EDGE_FALLING };
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 100);
	rig_gate_meter_edge(&gate, &e1);
	ck_assert_int_eq(rig_gate_meter_edge(&gate, &back), RIG_GATE_INVALID);
	ck_assert_ptr_nonnull(strstr(gate.why, "backwards"));

	struct rig_edge again = { S(3), 1, 1, 3, RIG_EDGE_FALLING };
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 100);
	rig_gate_meter_edge(&gate, &e1);
	ck_assert_int_eq(rig_gate_meter_edge(&gate, &again), RIG_GATE_INVALID);
	ck_assert_ptr_nonnull(strstr(gate.why, "repeated"));
}
END_TEST

START_TEST(settle_is_respected)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0;
	c.settle_until_ns = S(100);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0);
	synth_meter_init(&m, &mc, 2);
	int64_t first_after = -1;
	for (int i = 0; i < 400; i++) {
		struct rig_edge e;
		synth_meter_next(&m, &e);
		if (first_after < 0 && e.timestamp_ns >= c.settle_until_ns)
			first_after = e.timestamp_ns;
		enum rig_gate_state st = rig_gate_meter_edge(&gate, &e);
		ck_assert_int_eq(st, e.timestamp_ns < c.settle_until_ns ? RIG_GATE_SETTLING
									 : RIG_GATE_GATING);
	}
	ck_assert_int_eq(gate.t_ns[0], first_after);

	/* an edge exactly at settle_until starts the gate */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct rig_edge at = { c.settle_until_ns, 1, 1, 3, RIG_EDGE_RISING };
	ck_assert_int_eq(rig_gate_meter_edge(&gate, &at), RIG_GATE_GATING);

	/* no reference power yet: no gate start */
	rig_gate_init(&gate, &c);
	ck_assert_int_eq(rig_gate_meter_edge(&gate, &at), RIG_GATE_SETTLING);
}
END_TEST

START_TEST(timeout_reports_what_there_was)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 1e-6;
	c.max_until_ns = S(400);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_2A, 0.4);
	synth_meter_init(&m, &mc, 4);
	enum rig_gate_state st = run_gate(&gate, &m, 100);
	ck_assert_int_eq(st, RIG_GATE_TIMED_OUT);	/* by the edge past max_until */
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_ptr_nonnull(strstr(r.why, "timed out"));
	ck_assert(r.u_pct > 0 && fabs(r.error_pct - 0.4) <= r.u_pct);
	ck_assert(r.gate_s < 400);

	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_2A);
	synth_meter_init(&m, &mc, 4);
	run_gate(&gate, &m, 4);
	ck_assert_int_eq(rig_gate_tick(&gate, S(399)), RIG_GATE_GATING);
	ck_assert_int_eq(rig_gate_tick(&gate, S(400)), RIG_GATE_TIMED_OUT);
	ck_assert_ptr_nonnull(strstr(gate.why, "4 edges"));
}
END_TEST

/* A target out of reach at 200 A: the gate stops when its buffer is full
 * rather than overrun it, with the result of what it has. */
START_TEST(full_edge_buffer_stops_the_gate)
{
	struct rig_gate_config c = base_cfg();
	c.target_u_pct = 0;
	c.max_until_ns = S(86400);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, W_200A);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0.05);
	synth_meter_init(&m, &mc, 12);
	ck_assert_int_eq(run_gate(&gate, &m, RIG_GATE_MAX_EDGES + 10), RIG_GATE_TIMED_OUT);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_eq(r.edges_used, RIG_GATE_MAX_EDGES);
	ck_assert_ptr_nonnull(strstr(r.why, "buffer full"));
	ck_assert(fabs(r.error_pct - 0.05) <= r.u_pct);
}
END_TEST

/* A CT of ratio 20: the source's 12 W is the meter's 240 W primary. */
START_TEST(source_power_scaled_by_primary_ratio)
{
	struct rig_gate_config c = base_cfg();
	c.primary_per_source = 20;
	c.target_u_pct = 0.02;
	c.ref_u_rel = 50e-6;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, 12.0);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_2A, -0.6);
	synth_meter_init(&m, &mc, 8);
	ck_assert_int_eq(run_gate(&gate, &m, 20), RIG_GATE_DONE);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert(fabs(r.error_pct + 0.6) <= r.u_pct);
	/* the reference's 50 ppm shows in U: at least 2 * 0.005 % */
	ck_assert(r.u_pct >= 0.0099);
}
END_TEST

/* The standard-gated method: a 0.00001 Wh/pulse standard at 1200 W runs at
 * 33 kHz; its edges and the meter's are fed merged in time order. */
START_TEST(standard_gated_method)
{
	const double watts = 1200;
	struct rig_gate_config c = base_cfg();
	c.reference = RIG_REF_STANDARD_PULSES;
	c.ref_wh_per_pulse = 0.00001;
	c.target_u_pct = 0.005;
	c.min_edges = 5;
	rig_gate_init(&gate, &c);
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(watts, 0.137);
	synth_meter_init(&m, &mc, 6);
	struct synth_standard std;
	synth_standard_init(&std, c.ref_wh_per_pulse, watts, 0);
	struct rig_edge me;
	synth_meter_next(&m, &me);
	enum rig_gate_state st = RIG_GATE_SETTLING;
	uint64_t ref_edges = 0;
	while (st == RIG_GATE_SETTLING || st == RIG_GATE_GATING) {
		if (synth_standard_peek(&std) < me.timestamp_ns) {
			struct rig_edge re;
			synth_standard_next(&std, &re);
			rig_gate_reference_edge(&gate, &re);
			ref_edges++;
		} else {
			st = rig_gate_meter_edge(&gate, &me);
			synth_meter_next(&m, &me);
		}
	}
	ck_assert_int_eq(st, RIG_GATE_DONE);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_msg(fabs(r.error_pct - 0.137) <= r.u_pct, "error %.5f U %.5f", r.error_pct,
		      r.u_pct);
	ck_assert(r.u_pct <= 0.005);
	ck_assert(ref_edges > 1000000);
	/* reference energy is counted pulses: a whole number of 0.00001 Wh */
	double pulses = r.reference_wh / c.ref_wh_per_pulse;
	ck_assert_double_eq_tol(pulses, round(pulses), 1e-6);
}
END_TEST

/* Over 400 random meters (error, load, duty, phase, quantization) the true
 * error lies inside the stated +-U in about 95 % of cases. */
START_TEST(coverage_of_the_stated_uncertainty)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 20261124);
	int inside = 0, total = 400;
	for (int i = 0; i < total; i++) {
		struct rig_gate_config c = base_cfg();
		c.target_u_pct = 0.02 + 0.08 * synth_uniform(&rng);
		c.min_edges = 3;
		c.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF;
		c.max_until_ns = S(1200);
		double amps = 10 + 190 * synth_uniform(&rng);
		struct synth_meter_cfg mc = meter_cfg(120 * amps, 2 * synth_uniform(&rng) - 1);
		mc.duty = 0.46 + 0.08 * synth_uniform(&rng);
		mc.phase_pulses = synth_uniform(&rng);
		mc.quantum_s = synth_uniform(&rng) < 0.5 ? 1.0 / 60 : 0;
		c.quantum_s = mc.quantum_s;
		mc.jitter_s = 100e-6 * (1 + 4 * synth_uniform(&rng));
		rig_gate_init(&gate, &c);
		rig_gate_reference_power(&gate, 0, mc.power_w);
		struct synth_meter m;
		synth_meter_init(&m, &mc, 1000 + i);
		run_gate(&gate, &m, 4000);
		struct rig_gate_result r;
		rig_gate_result(&gate, &r);
		ck_assert(r.u_pct > 0);
		if (fabs(r.error_pct - mc.error_pct) <= r.u_pct)
			inside++;
	}
	double frac = (double)inside / total;
	ck_assert_msg(frac >= 0.93 && frac <= 0.99, "coverage %.3f", frac);
	if (getenv("RIG_SHOW_COVERAGE"))
		fprintf(stderr, "coverage %.3f\n", frac);
}
END_TEST


/* A meter that does not run (or a dead output): no edges in the whole
 * window still bounds the registration, so the verdict can be FAIL. */
START_TEST(too_few_edges_bound_the_registration)
{
	struct rig_gate_config c = base_cfg();
	c.settle_until_ns = S(10);
	c.max_until_ns = S(610);	/* 600 s window */
	/* 24 kW for 600 s is 4000 Wh; no edge means under one period,
	 * Kh = 10 Wh: registration at most 0.25 %. */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	ck_assert_int_eq(rig_gate_tick(&gate, S(300)), RIG_GATE_SETTLING);	/* no edge yet */
	rig_gate_edges_complete(&gate, S(611));	/* another line's event proves none lost */
	ck_assert_int_eq(rig_gate_tick(&gate, S(611)), RIG_GATE_TIMED_OUT);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_double_eq_tol(r.error_pct + r.u_pct + 100.0, 0.25, 1e-9);
	ck_assert_double_eq_tol(r.error_pct - r.u_pct + 100.0, 0.0, 1e-9);
	ck_assert_double_eq_tol(r.gate_s, 600, 1e-9);
	ck_assert_int_eq(rig_verdict_accuracy(r.error_pct, r.u_pct, 0.5), RIG_VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(r.why, "registration at most"));

	/* 2 A (240 W) for 100 s is 6.67 Wh: one edge allows up to a period,
	 * 10 Wh, 150 %: the window cannot decide. */
	c.max_until_ns = S(110);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_2A);
	struct rig_edge e = { .timestamp_ns = S(50), .global_seqno = 1, .line_seqno = 1,
			      .line = 3, .kind = RIG_EDGE_RISING };
	rig_gate_meter_edge(&gate, &e);
	rig_gate_edges_complete(&gate, S(110));
	ck_assert_int_eq(rig_gate_tick(&gate, S(110)), RIG_GATE_TIMED_OUT);
	rig_gate_result(&gate, &r);
	ck_assert_double_eq_tol(r.error_pct + r.u_pct + 100.0, 150.0, 1e-9);
	ck_assert_int_eq(rig_verdict_accuracy(r.error_pct, r.u_pct, 0.5), RIG_VERDICT_INDETERMINATE);

	/* counted standard pulses are not known at the window's exact end:
	 * no bound is claimed with them */
	c.reference = RIG_REF_STANDARD_PULSES;
	c.ref_wh_per_pulse = 0.01;
	c.fail_band_pct = 0.5;
	c.edge_latency_s = 1;
	rig_gate_init(&gate, &c);
	for (int i = 1; i <= 3000; i++) {
		struct rig_edge ref = { .timestamp_ns = S(10 + i * 0.03), .global_seqno = (uint64_t)i,
					.line_seqno = (uint64_t)i, .line = 9, .kind = RIG_EDGE_RISING };
		rig_gate_reference_edge(&gate, &ref);
		rig_gate_tick(&gate, ref.timestamp_ns);
	}
	ck_assert_int_eq(gate.state, RIG_GATE_SETTLING);	/* no early stop */
	ck_assert_int_eq(rig_gate_tick(&gate, S(111)), RIG_GATE_TIMED_OUT);
	rig_gate_result(&gate, &r);
	ck_assert_double_lt(r.u_pct, 0);
}
END_TEST

/* With the band known, a meter that does not run is stopped as soon as
 * the missing edges prove it below the band, not at the window's end. */
START_TEST(no_edges_stop_early_once_below_the_band)
{
	struct rig_gate_config c = base_cfg();
	c.settle_until_ns = S(10);
	c.max_until_ns = S(610);
	c.fail_band_pct = 0.5;
	c.edge_latency_s = 1;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	/* 24 kW: Kh = 10 Wh is 1.5 s of reference energy; below 99.5 %
	 * needs 10 / 0.995 Wh, about 1.508 s after the settle time, and the
	 * edges of that time are sure to be in one second later. */
	ck_assert_int_eq(rig_gate_tick(&gate, S(12.5)), RIG_GATE_SETTLING);
	/* nothing has proven the line complete yet: no stop */
	ck_assert_int_eq(rig_gate_tick(&gate, S(13)), RIG_GATE_SETTLING);
	rig_gate_edges_complete(&gate, S(12.9));	/* an event on another line */
	ck_assert_int_eq(rig_gate_tick(&gate, S(13)), RIG_GATE_TIMED_OUT);
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_double_eq_tol(r.gate_s, 2.0, 1e-9);
	ck_assert_int_eq(rig_verdict_accuracy(r.error_pct, r.u_pct, 0.5), RIG_VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(r.why, "stopped early"));

	/* a running meter, 0.4 % slow with a 40 % duty, ticked every 0.1 s
	 * between its edges, is never stopped by it */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	struct synth_meter_cfg mc = meter_cfg(W_200A, -0.4);
	mc.duty = 0.4;
	struct synth_meter m;
	synth_meter_init(&m, &mc, 7);
	struct rig_edge e;
	synth_meter_next(&m, &e);
	enum rig_gate_state st = RIG_GATE_SETTLING;
	int64_t t = S(10);
	for (int i = 0; i < 400 && (st == RIG_GATE_SETTLING || st == RIG_GATE_GATING);) {
		if (t < e.timestamp_ns) {
			st = rig_gate_tick(&gate, t);
			t += S(0.1);
		} else {
			st = rig_gate_meter_edge(&gate, &e);
			synth_meter_next(&m, &e);
			i++;
		}
	}
	ck_assert_int_eq(st, RIG_GATE_DONE);
}
END_TEST

/* Edges that come while the power read-back is outstanding wait and are
 * gated once it comes: the result is the one a prompt read-back gives. */
START_TEST(edges_wait_for_a_slow_reference)
{
	struct rig_gate_config c = base_cfg();
	c.settle_until_ns = S(10);
	c.target_u_pct = 0.05;
	struct synth_meter m;
	struct synth_meter_cfg mc = meter_cfg(W_200A, 0.2);
	struct rig_gate_result prompt, slow;
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(10), W_200A);
	synth_meter_init(&m, &mc, 5);
	ck_assert_int_eq(run_gate(&gate, &m, 400), RIG_GATE_DONE);
	rig_gate_result(&gate, &prompt);

	rig_gate_init(&gate, &c);
	synth_meter_init(&m, &mc, 5);
	struct rig_edge e;
	int waited = 0;
	for (;;) {	/* the power comes 4 s after the settle time */
		synth_meter_next(&m, &e);
		if (e.timestamp_ns >= S(14))
			break;
		ck_assert_int_eq(rig_gate_meter_edge(&gate, &e), RIG_GATE_SETTLING);
		waited += e.timestamp_ns >= S(10);
	}
	ck_assert_int_ge(waited, 4);
	rig_gate_reference_power(&gate, S(10), W_200A);
	enum rig_gate_state st = rig_gate_meter_edge(&gate, &e);
	if (st == RIG_GATE_GATING)
		st = run_gate(&gate, &m, 400);
	ck_assert_int_eq(st, RIG_GATE_DONE);
	rig_gate_result(&gate, &slow);
	ck_assert_int_eq(slow.edges_used, prompt.edges_used);
	ck_assert_double_eq(slow.error_pct, prompt.error_pct);
	ck_assert_double_eq(slow.u_pct, prompt.u_pct);
}
END_TEST

/* The dead-meter bound counts every edge of its window: a loss there (or
 * one on a line not known yet) voids it, and the point is measured again
 * instead of failed. */
START_TEST(a_loss_voids_the_few_edges_bound)
{
	struct rig_gate_config c = base_cfg();
	c.settle_until_ns = S(10);
	c.max_until_ns = S(610);
	c.fail_band_pct = 0.5;
	c.edge_latency_s = 1;
	/* the input reports a loss on this line before any edge of the gate */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	rig_gate_lost(&gate, 1);
	rig_gate_edges_complete(&gate, S(20));
	ck_assert_int_eq(rig_gate_tick(&gate, S(20)), RIG_GATE_INVALID);
	ck_assert_msg(strstr(gate.why, "were lost"), "%s", gate.why);

	/* a gap in the line's numbers shown by its edge after the settle time */
	struct rig_edge before = { S(9), 1, 1, 3, RIG_EDGE_RISING };
	struct rig_edge after = { S(10.2), 3, 3, 3, RIG_EDGE_RISING };
	rig_gate_init(&gate, &c);
	rig_gate_meter_edge(&gate, &before);
	rig_gate_meter_edge(&gate, &after);	/* no power yet: it waits */
	rig_gate_reference_power(&gate, S(10), W_200A);
	ck_assert_int_eq(gate.n, 1);
	rig_gate_edges_complete(&gate, S(20));
	ck_assert_int_eq(rig_gate_tick(&gate, S(20)), RIG_GATE_INVALID);

	/* a loss on a line not known yet: no early stop until this line's
	 * own next edge says, and at the time-out a retry, not a FAIL */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	rig_gate_maybe_lost(&gate);
	rig_gate_edges_complete(&gate, S(100));
	ck_assert_int_eq(rig_gate_tick(&gate, S(100)), RIG_GATE_SETTLING);
	ck_assert_int_eq(rig_gate_tick(&gate, S(611)), RIG_GATE_INVALID);
	ck_assert_msg(strstr(gate.why, "may have been lost"), "%s", gate.why);

	/* the same, but the line's own next edge follows on without a gap:
	 * nothing of this line was lost, the bound holds again */
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, S(0), W_200A);
	rig_gate_meter_edge(&gate, &before);
	rig_gate_maybe_lost(&gate);
	struct rig_edge next = { S(10.5), 2, 2, 3, RIG_EDGE_FALLING };
	rig_gate_meter_edge(&gate, &next);	/* the gate's first edge */
	rig_gate_edges_complete(&gate, S(20));
	ck_assert_int_eq(rig_gate_tick(&gate, S(20)), RIG_GATE_TIMED_OUT);
	ck_assert_msg(strstr(gate.why, "stopped early with 1 edges"), "%s", gate.why);
}
END_TEST

Suite *suite_gate(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, handbook_percent_registration);
	tcase_add_test(tc, student_k2_and_least_squares);
	tcase_add_test(tc, known_error_at_2A_within_stated_u);
	tcase_add_test(tc, jitter_alone_one_interval_under_5ppm_pct);
	tcase_add_test(tc, quantization_gates_long_enough_and_no_longer);
	tcase_add_test(tc, scatter_above_prior_is_used);
	tcase_add_test(tc, duty_asymmetry_does_not_bias_same_direction_gating);
	tcase_add_test(tc, known_duty_opposite_edges_halve_the_wait);
	tcase_add_test(tc, light_load_stops_without_residual_dof_when_timing_cannot_matter);
	tcase_add_test(tc, lost_edges_make_the_gate_invalid);
	tcase_add_test(tc, inconsistent_edges_make_the_gate_invalid);
	tcase_add_test(tc, settle_is_respected);
	tcase_add_test(tc, timeout_reports_what_there_was);
	tcase_add_test(tc, too_few_edges_bound_the_registration);
	tcase_add_test(tc, no_edges_stop_early_once_below_the_band);
	tcase_add_test(tc, full_edge_buffer_stops_the_gate);
	tcase_add_test(tc, source_power_scaled_by_primary_ratio);
	tcase_add_test(tc, standard_gated_method);
	tcase_add_test(tc, coverage_of_the_stated_uncertainty);
	tcase_add_test(tc, edges_wait_for_a_slow_reference);
	tcase_add_test(tc, a_loss_voids_the_few_edges_bound);
	suite_add_tcase(s, tc);
	return s;
}
