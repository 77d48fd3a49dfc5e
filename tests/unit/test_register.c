/* The register (LCD) test: its verdict, its profile keys, the models it
 * applies to, and its readings in a run's recording. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/recording.h"
#include "rig/core/register_test.h"

START_TEST(register_advance_is_judged_within_a_digit_and_the_band)
{
	struct rig_register_judgement j;
	char d[300];
	/* 1 kWh applied, read 1234.5 -> 1235.5: passes */
	ck_assert_int_eq(rig_register_judge(1234.5, 1235.5, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_PASS);
	ck_assert_double_eq_tol(j.advance_kwh, 1.0, 1e-9);
	ck_assert_double_eq_tol(j.tolerance_kwh, 0.105, 1e-12);
	/* a ratio check, and the detail says how wide it is */
	ck_assert_msg(strstr(d, "a ratio check, the allowance is 10.50 %"), "%s", d);
	/* one digit off is the readings' truncation: still a pass */
	ck_assert_int_eq(rig_register_judge(1234.5, 1235.4, 1000, 0, 0.1, 0.5, &j, d,
					    sizeof(d)), RIG_VERDICT_PASS);
	/* two digits off is not */
	ck_assert_int_eq(rig_register_judge(1234.5, 1235.3, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_FAIL);
	/* a register counting ten times too fast, standing still, going back */
	ck_assert_int_eq(rig_register_judge(10, 20, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_FAIL);
	ck_assert_msg(strstr(d, "wrong register ratio") && strstr(d, "x10"), "%s", d);
	ck_assert_int_eq(rig_register_judge(10, 10, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_FAIL);
	ck_assert_msg(strstr(d, "did not count"), "%s", d);
	ck_assert_int_eq(rig_register_judge(10, 9, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_FAIL);
	ck_assert_msg(strstr(d, "went back"), "%s", d);
	/* the reference's own spread widens what is allowed */
	ck_assert_int_eq(rig_register_judge(1234.5, 1235.3, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_FAIL);
	ck_assert_int_eq(rig_register_judge(1234.5, 1235.3, 1000, 100, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_PASS);
	ck_assert_double_eq_tol(j.tolerance_kwh, 0.205, 1e-12);
	/* a reading missing, or no energy measured: no verdict either way */
	ck_assert_int_eq(rig_register_judge(-1, 10, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_INDETERMINATE);
	ck_assert_msg(strstr(d, "not read before"), "%s", d);
	ck_assert_int_eq(rig_register_judge(9, -1, 1000, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(rig_register_judge(9, 10, 0, 0, 0.1, 0.5, &j, d, sizeof(d)),
			 RIG_VERDICT_INDETERMINATE);
}
END_TEST

static int parse(const char *points, struct rig_profile *p, struct rig_error *err)
{
	char text[2048];
	snprintf(text, sizeof(text), "[profile]\nname = t\n[defaults]\nvoltage = 120 V\n%s", points);
	return rig_profile_parse(text, strlen(text), "t.profile", p, err);
}

START_TEST(register_points_parse_and_apply_to_lcd_models_only)
{
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(parse("[point r]\nkind = register\ncurrent = 100 %\nenergy = 2 kWh\n"
			    "resolution = 100 Wh\nreading_wait = 2 min\n", p, &err) == -1, "minutes");
	ck_assert_msg(parse("[point r]\nkind = register\ncurrent = 100 %\nenergy = 2 kWh\n"
			    "resolution = 100 Wh\nreading_wait = 120 s\n", p, &err) == 0, "%s",
		      err.msg);
	ck_assert_int_eq(p->points[0].kind, RIG_POINT_REGISTER);
	ck_assert_double_eq_tol(p->points[0].energy_wh, 2000, 1e-9);
	ck_assert_double_eq_tol(p->points[0].resolution_kwh, 0.1, 1e-12);
	ck_assert_double_eq(p->points[0].reading_wait_s, 120);
	ck_assert_str_eq(rig_point_kind_name(RIG_POINT_REGISTER), "register");

	struct rig_meter_model lcd, none;
	ck_assert_int_eq(rig_model_decode("MMS-120-2001-SCC", &lcd, &err), 0);
	ck_assert_int_eq(rig_model_decode("MMS-120-2001", &none, &err), 0);
	ck_assert(rig_point_applies(&p->points[0], &lcd));
	ck_assert(!rig_point_applies(&p->points[0], &none));	/* no LCD to read */

	ck_assert_int_eq(parse("[point r]\nkind = register\ncurrent = 100 %\n", p, &err), -1);
	ck_assert_msg(strstr(err.msg, "needs energy"), "%s", err.msg);
	ck_assert_int_eq(parse("[point r]\nkind = register\ncurrent = 100 %\nenergy = 2\n", p, &err),
			 -1);
	ck_assert_msg(strstr(err.msg, "needs a unit"), "%s", err.msg);
	ck_assert_int_eq(parse("[point r]\nkind = accuracy\ncurrent = 100 %\nenergy = 2 kWh\n", p,
			       &err), -1);
	ck_assert_msg(strstr(err.msg, "energy is for register points"), "%s", err.msg);
	ck_assert_int_eq(parse("[point r]\nkind = register\ncurrent = 100 %\nenergy = 0.1 kWh\n",
			       p, &err), -1);
	ck_assert_msg(strstr(err.msg, "two register digits"), "%s", err.msg);
	ck_assert_int_eq(parse("[point r]\nkind = register\nenergy = 1 kWh\n", p, &err), -1);
	ck_assert_msg(strstr(err.msg, "needs a current"), "%s", err.msg);
	free(p);
}
END_TEST

/* A reading given to the sequencer is in the recording and comes back the same. */
START_TEST(register_readings_are_recorded_inputs)
{
	struct rig_rec_input in = { .kind = RIG_REC_READING, .now_ns = 123456789, .position = 3,
				    .power_w = 18234.6 }, back;
	char line[256], why[128];
	ck_assert_int_gt(rig_rec_format_input(line, sizeof(line), &in), 0);
	ck_assert_msg(strncmp(line, "seq reading 123456789 3 ", 24) == 0, "%s", line);
	ck_assert_int_eq(rig_rec_parse_input(line, &back, why, sizeof(why)), 0);
	ck_assert_int_eq(back.kind, RIG_REC_READING);
	ck_assert_int_eq(back.position, 3);
	ck_assert(back.now_ns == in.now_ns);
	ck_assert(back.power_w == in.power_w);	/* bit for bit */
	ck_assert_int_eq(rig_rec_parse_input("seq reading 1 0 0x1p+0", &back, why, sizeof(why)), -1);
}
END_TEST

Suite *suite_register(void)
{
	Suite *s = suite_create("register");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, register_advance_is_judged_within_a_digit_and_the_band);
	tcase_add_test(tc, register_points_parse_and_apply_to_lcd_models_only);
	tcase_add_test(tc, register_readings_are_recorded_inputs);
	suite_add_tcase(s, tc);
	return s;
}
