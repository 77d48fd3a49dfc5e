#include <check.h>

#include "rig/core/error.h"
#include "rig/core/verdict.h"

START_TEST(pass_when_error_plus_u_inside_band)
{
	ck_assert_int_eq(rig_verdict_accuracy(0.30, 0.10, 0.5), RIG_VERDICT_PASS);
	ck_assert_int_eq(rig_verdict_accuracy(-0.40, 0.10, 0.5), RIG_VERDICT_PASS);
}
END_TEST

START_TEST(fail_when_error_minus_u_outside_band)
{
	ck_assert_int_eq(rig_verdict_accuracy(0.70, 0.10, 0.5), RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_verdict_accuracy(-1.10, 0.30, 0.75), RIG_VERDICT_FAIL);
}
END_TEST

START_TEST(indeterminate_when_u_straddles_band)
{
	ck_assert_int_eq(rig_verdict_accuracy(0.45, 0.10, 0.5), RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(rig_verdict_accuracy(-0.55, 0.10, 0.5), RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(rig_verdict_accuracy(0.1, -1.0, 0.5), RIG_VERDICT_INDETERMINATE);
}
END_TEST

START_TEST(worst_wins_and_names_round_trip)
{
	ck_assert_int_eq(rig_verdict_worst(RIG_VERDICT_PASS, RIG_VERDICT_FAIL), RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_verdict_worst(RIG_VERDICT_INDETERMINATE, RIG_VERDICT_PASS),
			 RIG_VERDICT_INDETERMINATE);
	for (int v = RIG_VERDICT_NONE; v <= RIG_VERDICT_ERROR; v++) {
		enum rig_verdict back;
		ck_assert_int_eq(rig_verdict_parse(rig_verdict_name(v), &back), 0);
		ck_assert_int_eq(back, v);
	}
	enum rig_verdict dummy;
	ck_assert_int_eq(rig_verdict_parse("passed", &dummy), -1);
}
END_TEST

START_TEST(error_formats_file_and_line)
{
	struct rig_error e;
	char buf[600];
	ck_assert_int_eq(rig_error_set(&e, "p.conf", 12, "bad %s", "band"), -1);
	ck_assert_str_eq(rig_error_format(&e, buf, sizeof(buf)), "p.conf:12: bad band");
	rig_error_set(&e, NULL, 0, "plain");
	ck_assert_str_eq(rig_error_format(&e, buf, sizeof(buf)), "plain");
}
END_TEST

Suite *suite_verdict(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pass_when_error_plus_u_inside_band);
	tcase_add_test(tc, fail_when_error_minus_u_outside_band);
	tcase_add_test(tc, indeterminate_when_u_straddles_band);
	tcase_add_test(tc, worst_wins_and_names_round_trip);
	tcase_add_test(tc, error_formats_file_and_line);
	suite_add_tcase(s, tc);
	return s;
}
