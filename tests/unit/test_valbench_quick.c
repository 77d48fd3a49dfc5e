/* Keeps the validation benchmark (tests/bench/bench_valbench) alive: its
 * independent meter model registers what physics says, and a small run of
 * the harness through the sequencer stays within loose sanity bounds. The
 * benchmark's goals themselves are judged by `make bench`, not here. */
#include <check.h>
#include <math.h>

#include "tests/bench/indep_meter.h"
#include "tests/bench/valbench.h"

START_TEST(meter_model_registers_its_true_error_on_its_update_grid)
{
	const double watts = 12000, e = 0.01, q = 0.020;
	struct im_bench_cfg c = {0};
	c.n_meters = 1;
	c.element_phase[0] = 1;
	c.meter[0] = (struct im_meter_cfg){.error = e, .update_s = q, .n_outputs = 1,
					   .kh_wh = {10}, .line = {3}, .elements = 1,
					   .primary_per_source = 1};
	c.seed = 11;
	struct im_bench *b = im_bench_new(&c);
	ck_assert_ptr_nonnull(b);
	im_source_set(b, 1, 120, 0, watts / 120, 0);
	im_source_output(b, 0, true);	/* ramp_s 0: full power at once */
	struct im_event ev;
	double first = 0, last = 0, phase = -1;
	enum rig_edge_kind kind = 0;
	for (int i = 0; i <= 200; i++) {
		ck_assert_int_eq(im_peek(b, &ev), 1);
		im_take(b, &ev);
		ck_assert_uint_eq(ev.edge.line, 3);
		ck_assert_uint_eq(ev.edge.line_seqno, (uint64_t)i + 1);
		ck_assert_uint_eq(ev.edge.global_seqno, (uint64_t)i + 1);
		ck_assert_int_ne(ev.edge.kind, kind);	/* rising and falling alternate */
		kind = ev.edge.kind;
		double grid = fmod(ev.true_s, q);
		if (phase < 0)
			phase = grid;
		ck_assert(fabs(grid - phase) < 1e-9 || fabs(fabs(grid - phase) - q) < 1e-9);
		if (i == 0)
			first = ev.true_s;
		last = ev.true_s;
	}
	/* 200 edges of 5 Wh registered at (1 + e) times the power */
	double expect = 200 * 5 * 3600 / (watts * (1 + e));
	ck_assert_double_le(fabs(last - first - expect), q);
	im_source_output(b, 10, false);
	ck_assert_double_eq(im_source_read_power(b, 11), 0);
	im_bench_free(b);
}
END_TEST

START_TEST(small_validation_run_is_sane_and_deterministic)
{
	struct val_figures f, g;
	char err[256] = "";
	ck_assert_msg(val_bench(7, 40, 20, 0, NULL, false, &f, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_ge(f.n, 80);
	/* the U the rig states holds the truth most of the time without loss */
	ck_assert_double_ge(f.coverage_no_loss_pct, 85);
	ck_assert_double_ge(f.coverage_pct, 60);
	ck_assert_int_eq(f.false_pass_beyond_u, 0);
	/* losses happen in the model, and are never measured through */
	ck_assert_int_gt(f.loss_points, 0);
	ck_assert_int_eq(f.loss_measured_through, 0);
	/* nor turned into a dead-meter FAIL (a loss on the gate's own line
	 * just before its first edge is reported before that edge) */
	ck_assert_int_eq(f.loss_dead_meter_fail, 0);
	/* a dead-meter FAIL only ever follows a lost event */
	ck_assert_int_eq(f.dead_meter_fail_plain, 0);
	ck_assert_int_le(f.rig_errors, f.n / 10);
	/* no run beats the physical limit; none is wildly slower */
	for (int p = 0; p < VAL_PROFILES; p++)
		for (int m = 0; m < VAL_MODELS; m++) {
			ck_assert_double_ge(f.time_ratio[p][m], 1);
			ck_assert_double_le(f.time_ratio[p][m], 4);
		}
	ck_assert_int_eq(val_bench(7, 40, 20, 0, NULL, false, &g, err, sizeof(err)), 0);
	ck_assert_int_eq(f.n, g.n);
	ck_assert_double_eq(f.coverage_pct, g.coverage_pct);
	ck_assert_double_eq(f.time_ratio[1][1], g.time_ratio[1][1]);
}
END_TEST

Suite *suite_valbench_quick(void)
{
	Suite *s = suite_create("valbench_quick");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, meter_model_registers_its_true_error_on_its_update_grid);
	tcase_add_test(tc, small_validation_run_is_sane_and_deterministic);
	suite_add_tcase(s, tc);
	return s;
}
