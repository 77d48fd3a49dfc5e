#include <check.h>
#include <math.h>

#include "rig/core/checks.h"
#include "tests/unit/synth_edges.h"

#define S(x) ((int64_t)((x) * 1e9))

static struct rig_edge edge_at(double t_s, enum rig_edge_kind k)
{
	struct rig_edge e = { S(t_s), 0, 0, 1, k };
	return e;
}

START_TEST(creep_counts_edges_in_the_window)
{
	struct rig_edge_count c;
	rig_edge_count_init(&c, S(10), S(310));
	double times[] = { 5, 10, 150, 310, 400 };	/* 10 and 150 are inside */
	for (int i = 0; i < 5; i++) {
		struct rig_edge e = edge_at(times[i], i % 2 ? RIG_EDGE_FALLING : RIG_EDGE_RISING);
		rig_edge_count_add(&c, &e);
	}
	ck_assert_int_eq(c.edges, 2);
	ck_assert_int_eq(rig_check_creep(&c, 2), RIG_VERDICT_PASS);
	ck_assert_int_eq(rig_check_creep(&c, 1), RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_check_starting_load(&c, 2), RIG_VERDICT_PASS);
	ck_assert_int_eq(rig_check_starting_load(&c, 3), RIG_VERDICT_FAIL);
}
END_TEST

static void measure_duty(double duty, double jitter, struct rig_duty_result *r)
{
	struct synth_meter_cfg mc = {
		.kh_wh = 10, .power_w = 24000, .duty = duty, .jitter_s = jitter,
		.phase_pulses = 0.7,
	};
	struct synth_meter m;
	synth_meter_init(&m, &mc, 17);
	struct rig_duty d;
	rig_duty_init(&d, S(1), 100e-6);
	for (int i = 0; i < 80; i++) {
		struct rig_edge e;
		synth_meter_next(&m, &e);
		rig_duty_edge(&d, &e);
	}
	rig_duty_result(&d, r);
}

START_TEST(duty_cycle_from_edges)
{
	struct rig_duty_result r;
	measure_duty(0.48, 100e-6, &r);
	ck_assert_int_ge(r.periods, 38);
	ck_assert_msg(fabs(r.duty - 0.48) < 3 * r.u_duty + 1e-6, "duty %.5f u %.6f", r.duty,
		      r.u_duty);
	ck_assert(r.u_duty > 0 && r.u_duty < 1e-4);
	ck_assert_int_eq(rig_check_duty(&r, 0.5, 0.01), RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_check_duty(&r, 0.5, 0.03), RIG_VERDICT_PASS);
	ck_assert_int_eq(rig_check_duty(&r, 0.5, 0.02), RIG_VERDICT_INDETERMINATE);

	/* noisy timestamps: the scatter of the periods sets u */
	measure_duty(0.5, 5e-3, &r);
	ck_assert(r.u_duty > 5e-4);
	ck_assert(fabs(r.duty - 0.5) < 3 * r.u_duty);

	/* no whole period yet */
	struct rig_duty d;
	rig_duty_init(&d, 0, 1e-4);
	struct rig_edge a = edge_at(1, RIG_EDGE_RISING), b = edge_at(2, RIG_EDGE_FALLING);
	rig_duty_edge(&d, &a);
	rig_duty_edge(&d, &b);
	rig_duty_result(&d, &r);
	ck_assert(r.duty < 0);
	ck_assert_int_eq(rig_check_duty(&r, 0.5, 0.02), RIG_VERDICT_INDETERMINATE);
}
END_TEST

START_TEST(outputs_agree_pairwise)
{
	struct rig_output_reading r[3] = {
		{ 10, 0.20, 0.02, true },
		{ 100, 0.25, 0.05, true },
		{ 1000, 0.60, 0.05, true },
	};
	double diff;
	/* 10 vs 1000 differ by 0.40 +- 0.054 */
	ck_assert_int_eq(rig_check_outputs_agree(r, 3, 0.2, &diff), RIG_VERDICT_FAIL);
	ck_assert_double_eq_tol(diff, 0.40, 1e-9);
	ck_assert_int_eq(rig_check_outputs_agree(r, 2, 0.2, &diff), RIG_VERDICT_PASS);
	ck_assert_double_eq_tol(diff, 0.05, 1e-9);
	/* 0.35 +- 0.071 against 0.4 straddles */
	ck_assert_int_eq(rig_check_outputs_agree(r + 1, 2, 0.4, NULL), RIG_VERDICT_INDETERMINATE);
	r[2].valid = false;
	ck_assert_int_eq(rig_check_outputs_agree(r, 3, 0.2, NULL), RIG_VERDICT_PASS);
	r[1].valid = false;
	ck_assert_int_eq(rig_check_outputs_agree(r, 3, 0.2, NULL), RIG_VERDICT_NONE);
}
END_TEST

START_TEST(led_on_time_in_window)
{
	struct rig_led l;
	rig_led_init(&l, S(10), S(70), false);
	struct rig_edge early = edge_at(5, RIG_EDGE_RISING);
	rig_led_edge(&l, &early);	/* before the window: on from 10 */
	struct rig_edge off = edge_at(30, RIG_EDGE_FALLING);
	rig_led_edge(&l, &off);
	struct rig_edge on = edge_at(50, RIG_EDGE_RISING);
	rig_led_edge(&l, &on);
	ck_assert_double_eq_tol(rig_led_on_s(&l, S(60)), 30, 1e-9);
	ck_assert_double_eq_tol(rig_led_on_s(&l, S(100)), 40, 1e-9);	/* clipped at 70 */
	ck_assert(rig_led_is_on(&l));
	ck_assert_int_eq(l.changes, 2);
	ck_assert_int_eq(rig_check_led_on(&l, S(70), 40), RIG_VERDICT_PASS);
	ck_assert_int_eq(rig_check_led_on(&l, S(70), 41), RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_check_led_off(&l, S(70), 1), RIG_VERDICT_FAIL);

	rig_led_init(&l, S(0), S(60), true);
	ck_assert_double_eq_tol(rig_led_on_s(&l, S(60)), 60, 1e-9);
	rig_led_init(&l, S(0), S(60), false);
	ck_assert_int_eq(rig_check_led_off(&l, S(60), 0), RIG_VERDICT_PASS);
}
END_TEST

/* What the guide promises of the reverse-phase LED (bit 0: element 1). */
START_TEST(reverse_led_expectation_follows_the_guide)
{
	ck_assert_int_eq(rig_reverse_led_expected(1, 1, 5), RIG_LED_EXPECT_ON);	/* CT1 alone */
	ck_assert_int_eq(rig_reverse_led_expected(2, 2, 5), RIG_LED_EXPECT_ON);	/* CT2 alone */
	ck_assert_int_eq(rig_reverse_led_expected(3, 3, 5), RIG_LED_EXPECT_ON);	/* CTs swapped */
	ck_assert_int_eq(rig_reverse_led_expected(3, 0, 5), RIG_LED_EXPECT_OFF);
	ck_assert_int_eq(rig_reverse_led_expected(3, 1, 5), RIG_LED_EXPECT_EITHER);	/* guide 5.3 */
	ck_assert_int_eq(rig_reverse_led_expected(1, 1, 1.0), RIG_LED_EXPECT_EITHER);	/* not above 1 A */
	ck_assert_int_eq(rig_reverse_led_expected(1, 0, 0.5), RIG_LED_EXPECT_EITHER);
	ck_assert_int_eq(rig_reverse_led_expected(1, 2, 5), RIG_LED_EXPECT_OFF);	/* reversed but unloaded */
}
END_TEST

Suite *suite_checks(void)
{
	Suite *s = suite_create("checks");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, creep_counts_edges_in_the_window);
	tcase_add_test(tc, duty_cycle_from_edges);
	tcase_add_test(tc, outputs_agree_pairwise);
	tcase_add_test(tc, led_on_time_in_window);
	tcase_add_test(tc, reverse_led_expectation_follows_the_guide);
	suite_add_tcase(s, tc);
	return s;
}
