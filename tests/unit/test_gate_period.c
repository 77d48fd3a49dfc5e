/* The update period the edges show: a declared period longer than the
 * meter's is replaced by the one the edges' wraps measure, and a lateness
 * that only drifts (no wrap) never passes for a short period. Virtual
 * time, fixed seeds. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rig/core/gate.h"
#include "tests/unit/synth_edges.h"

#define S(x) ((int64_t)((x) * 1e9))

/* 0.40 when the interval counted as rectangular, 0.53 now */
#define RMS_FLOOR 0.47

static struct rig_gate gate;	/* large: keep it off the stack */

static struct rig_gate_config cfg_for(double declared_q_s)
{
	struct rig_gate_config c = {
		.kh_wh = 10,
		.duty = -1,
		.max_until_ns = S(1200),
		.min_edges = 3,
		.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF,
		.target_u_pct = 0,	/* never done: U after a fixed number of edges */
		.timing_sigma_s = 50e-6,
		.quantum_s = declared_q_s,
		.reference = RIG_REF_SOURCE_POWER,
		.ref_u_rel = 50e-6,
		.primary_per_source = 1,
	};
	return c;
}

static void measure(const struct synth_meter_cfg *mc, double declared_q_s, uint64_t seed,
		    int edges, struct rig_gate_result *ret)
{
	struct rig_gate_config c = cfg_for(declared_q_s);
	rig_gate_init(&gate, &c);
	rig_gate_reference_power(&gate, 0, mc->power_w);
	struct synth_meter m;
	synth_meter_init(&m, mc, seed);
	for (int i = 0; i < edges; i++) {
		struct rig_edge e;
		synth_meter_next(&m, &e);
		if (rig_gate_meter_edge(&gate, &e) != RIG_GATE_GATING && i > 0)
			break;
	}
	rig_gate_result(&gate, ret);
}

/* Meters updating every 2-20 ms on a bench whose fixture leaves the
 * period at its conservative default (50 ms): at 12-48 kW a gate of 40
 * edges sees the sawtooth wrap, so it measures the period and, where it
 * does (all but the shortest periods under the largest jitter, whose two
 * groups of intervals overlap), states U about as a gate told the true
 * period would, not for 50 ms; the measured period falls below the true
 * one hardly ever (an upper 3-sigma end), and the true error stays
 * covered. */
START_TEST(a_period_declared_too_long_is_measured_from_the_wraps)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 7117);
	const int total = 200;
	int flagged = 0, inside = 0, below = 0;
	double ratio_sum = 0;
	for (int i = 0; i < total; i++) {
		double p = exp(log(12000) + (log(48000) - log(12000)) * synth_uniform(&rng));
		double q = 0.002 + 0.018 * synth_uniform(&rng);
		struct synth_meter_cfg mc = {
			.kh_wh = 10,
			.power_w = p,
			.error_pct = 3 * synth_uniform(&rng) - 1.5,
			.duty = 0.5,
			.jitter_s = 20e-6 + 280e-6 * synth_uniform(&rng),
			.phase_pulses = synth_uniform(&rng),
			.quantum_s = q,
			.line = 3,
		};
		struct rig_gate_result told, def;
		measure(&mc, q, 100 + i, 40, &told);
		measure(&mc, RIG_GATE_SLOWEST_UPDATE_S, 100 + i, 40, &def);
		ck_assert_int_eq(def.edges_used, 40);
		ck_assert(def.u_pct > 0 && told.u_pct > 0);
		inside += fabs(def.error_pct - mc.error_pct) <= def.u_pct;
		if (def.budget.period_check == RIG_PERIOD_NARROWED) {
			flagged++;
			ratio_sum += def.u_pct / told.u_pct;
			below += def.budget.update_period_s < q;
			ck_assert_msg(def.budget.update_period_s >= 0.98 * q &&
					      def.budget.update_period_s < RIG_GATE_SLOWEST_UPDATE_S,
				      "measured %.5f s for a true %.5f s", def.budget.update_period_s, q);
			ck_assert_double_eq(def.budget.declared_period_s, RIG_GATE_SLOWEST_UPDATE_S);
		}
	}
	double ratio = flagged ? ratio_sum / flagged : 0, cov = (double)inside / total;
	if (getenv("RIG_SHOW_COVERAGE"))
		fprintf(stderr, "declared 50 ms, true 2-20 ms: flagged %d (%d below), U / U(told) %.2f, "
				"coverage %.3f\n", flagged, below, ratio, cov);
	ck_assert_msg(flagged >= total * 3 / 4, "only %d of %d measured", flagged, total);
	/* an upper 3-sigma end: below the true period at most now and then */
	ck_assert_msg(below <= flagged / 100, "%d of %d below the true period", below, flagged);
	ck_assert_msg(ratio <= 1.3, "U %.2f times that of a gate told the true period", ratio);
	ck_assert_msg(cov >= 0.93, "coverage %.3f", cov);
}
END_TEST

/* Meters updating every 2-20 ms, the fixture's default period (50 ms),
 * gates of 24-40 edges at 12-48 kW: the wraps measure the period, which
 * then sets U. The feasible periods are not equally likely (for one pair,
 * the triangle of the two-end law), so U is the spread of their
 * likelihood, not of a rectangle over the interval, which padded it: the
 * rms of the error over u = U / 2 is at least RMS_FLOOR (see below), and
 * the error stays covered (at least 95 %). */
START_TEST(a_period_measured_from_the_wraps_is_not_padded)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 4242);
	const int total = 300;
	int inside = 0, narrowed = 0;
	double ss = 0;
	for (int i = 0; i < total; i++) {
		struct synth_meter_cfg mc = {
			.kh_wh = 10,
			.power_w = exp(log(12000) + (log(48000) - log(12000)) * synth_uniform(&rng)),
			.error_pct = 3 * synth_uniform(&rng) - 1.5,
			.duty = 0.5,
			.jitter_s = 20e-6 + 180e-6 * synth_uniform(&rng),
			.phase_pulses = synth_uniform(&rng),
			.quantum_s = 0.002 + 0.018 * synth_uniform(&rng),
			.line = 3,
		};
		struct rig_gate_result r;
		measure(&mc, RIG_GATE_SLOWEST_UPDATE_S, 700 + i, 24 + (int)(17 * synth_uniform(&rng)), &r);
		ck_assert(r.u_pct > 0);
		if (r.budget.period_check != RIG_PERIOD_NARROWED)
			continue;
		narrowed++;
		double z = (r.error_pct - mc.error_pct) / (r.u_pct / 2);
		ss += z * z;
		inside += fabs(z) <= 2;
	}
	double rms = sqrt(ss / narrowed), cov = (double)inside / narrowed;
	if (getenv("RIG_SHOW_COVERAGE"))
		fprintf(stderr, "period measured from the wraps: %d of %d, rms d/u %.2f, coverage %.3f\n",
			narrowed, total, rms, cov);
	ck_assert_msg(narrowed >= total / 2, "only %d of %d measured", narrowed, total);
	ck_assert_msg(rms >= RMS_FLOOR, "rms d/u %.2f: U padded", rms);
	ck_assert_msg(cov >= 0.95, "coverage %.3f", cov);
}
END_TEST

/* The other way round: meters updating every 20 ms on a fixture that
 * declares 8 ms, gates of 100 edges (the period check's edge pairs come
 * from the first and last 16). Where the sawtooth wraps, the intervals
 * measure 20 ms even when those pairs happen to admit 8 ms, so the
 * declaration is kept only where nothing wraps (3 of 150 here; 11 when
 * the pairs alone decided): the gate estimates a longer period, and the
 * true error stays covered. */
START_TEST(a_period_declared_too_short_is_contradicted_by_the_wraps)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 2020);
	const int total = 150;
	int kept = 0, inside = 0;
	for (int i = 0; i < total; i++) {
		struct synth_meter_cfg mc = {
			.kh_wh = 10,
			.power_w = exp(log(12000) + (log(48000) - log(12000)) * synth_uniform(&rng)),
			.error_pct = 3 * synth_uniform(&rng) - 1.5,
			.duty = 0.5,
			.jitter_s = 20e-6 + 180e-6 * synth_uniform(&rng),
			.phase_pulses = synth_uniform(&rng),
			.quantum_s = 0.020,
			.line = 3,
		};
		struct rig_gate_result r;
		measure(&mc, 0.008, 300 + i, 100, &r);
		inside += fabs(r.error_pct - mc.error_pct) <= r.u_pct;
		if (r.budget.period_check == RIG_PERIOD_CONSISTENT)
			kept++;
		else
			ck_assert_msg(r.budget.update_period_s > 0.008,
				      "%s %.5f s, not above the declared 0.008 s",
				      rig_period_check_name(r.budget.period_check),
				      r.budget.update_period_s);
	}
	double cov = (double)inside / total;
	if (getenv("RIG_SHOW_COVERAGE"))
		fprintf(stderr, "declared 8 ms, true 20 ms: kept %d of %d, coverage %.3f\n", kept, total,
			cov);
	ck_assert_msg(kept <= total / 20, "the wrong declaration kept %d of %d times", kept, total);
	ck_assert_msg(cov >= 0.95, "coverage %.3f", cov);
}
END_TEST

/* A pulse period that is a whole number of update periods: every edge is
 * equally late, the lateness never wraps and the intervals form one
 * group. Nothing shows the period, so the declared one stays. */
START_TEST(a_lateness_that_never_wraps_shows_no_period)
{
	for (int seed = 0; seed < 20; seed++) {
		/* pulse period 0.6 s = 30 x 20 ms */
		struct synth_meter_cfg mc = {
			.kh_wh = 10, .power_w = 60000, .error_pct = 0, .duty = 0.5,
			.jitter_s = 100e-6, .phase_pulses = 0.05 * seed, .quantum_s = 0.020, .line = 3,
		};
		struct rig_gate_result r;
		measure(&mc, RIG_GATE_SLOWEST_UPDATE_S, 500 + seed, 60, &r);
		ck_assert_int_eq(r.edges_used, 60);
		ck_assert_int_ne(r.budget.period_check, RIG_PERIOD_NARROWED);
		ck_assert_double_eq(r.budget.update_period_s, RIG_GATE_SLOWEST_UPDATE_S);
	}
}
END_TEST

/* The same with a jitter three times the prior: jitter alone never makes
 * two groups. */
START_TEST(jitter_alone_shows_no_period)
{
	struct synth_rng rng;
	synth_rng_seed(&rng, 99);
	for (int seed = 0; seed < 50; seed++) {
		struct synth_meter_cfg mc = {
			.kh_wh = 10, .power_w = 20000 + 20000 * synth_uniform(&rng), .error_pct = 0.3,
			.duty = 0.5, .jitter_s = 150e-6, .phase_pulses = synth_uniform(&rng), .line = 3,
		};
		struct rig_gate_result r;
		measure(&mc, RIG_GATE_SLOWEST_UPDATE_S, 900 + seed, 40, &r);
		ck_assert_int_ne(r.budget.period_check, RIG_PERIOD_NARROWED);
	}
}
END_TEST

/* With the standard-gated method the intervals are read in counted
 * pulses, so they too fall into groups one reference pulse apart. A
 * coarse standard (1.5 ms a pulse at 24 kW, 998.5 of them a meter pulse)
 * and a continuous meter: the pulse must never pass for the meter's
 * update period. */
START_TEST(counted_reference_pulses_are_not_an_update_period)
{
	const double watts = 24000;
	struct rig_gate_config c = cfg_for(RIG_GATE_SLOWEST_UPDATE_S);
	c.reference = RIG_REF_STANDARD_PULSES;
	c.ref_wh_per_pulse = 0.01;
	c.timing_sigma_s = 10e-6;
	rig_gate_init(&gate, &c);
	struct synth_meter_cfg mc = {
		.kh_wh = 10, .power_w = watts, .error_pct = 0.15, .duty = 0.5, .jitter_s = 5e-6,
		.phase_pulses = 0.4, .line = 3,
	};
	struct synth_meter m;
	synth_meter_init(&m, &mc, 77);
	struct synth_standard std;
	synth_standard_init(&std, c.ref_wh_per_pulse, watts, 0);
	struct rig_edge me;
	synth_meter_next(&m, &me);
	int edges = 0;
	while (edges < 60) {
		if (synth_standard_peek(&std) < me.timestamp_ns) {
			struct rig_edge re;
			synth_standard_next(&std, &re);
			rig_gate_reference_edge(&gate, &re);
		} else {
			rig_gate_meter_edge(&gate, &me);
			synth_meter_next(&m, &me);
			edges++;
		}
	}
	struct rig_gate_result r;
	rig_gate_result(&gate, &r);
	ck_assert_int_ge(r.edges_used, 50);
	ck_assert_int_ne(r.budget.period_check, RIG_PERIOD_NARROWED);
	ck_assert_double_eq(r.budget.update_period_s, RIG_GATE_SLOWEST_UPDATE_S);
}
END_TEST

/* Its name, as stored and shown. */
START_TEST(the_measured_period_has_a_name)
{
	ck_assert_str_eq(rig_period_check_name(RIG_PERIOD_NARROWED), "bounded by the edges' wraps");
}
END_TEST

Suite *suite_gate_period(void)
{
	Suite *s = suite_create("gate_period");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_period_declared_too_long_is_measured_from_the_wraps);
	tcase_add_test(tc, a_period_declared_too_short_is_contradicted_by_the_wraps);
	tcase_add_test(tc, a_period_measured_from_the_wraps_is_not_padded);
	tcase_add_test(tc, a_lateness_that_never_wraps_shows_no_period);
	tcase_add_test(tc, jitter_alone_shows_no_period);
	tcase_add_test(tc, counted_reference_pulses_are_not_an_update_period);
	tcase_add_test(tc, the_measured_period_has_a_name);
	suite_add_tcase(s, tc);
	return s;
}
