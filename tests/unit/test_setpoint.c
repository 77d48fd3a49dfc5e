#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/setpoint.h"

static struct rig_meter_model model(int elements)
{
	struct rig_meter_model m;
	memset(&m, 0, sizeof(m));
	snprintf(m.model, sizeof(m.model), "%s", elements == 2 ? "MMD-120-2001-T-SCC" : "MMS-120-2001-T-SCC");
	m.elements = elements;
	m.element_voltage_v = 120;
	m.ct_primary_a = 200;
	m.ct_secondary_a = 0.1;
	m.rated_current_a = 200;
	m.max_current_a = 220;
	m.n_outputs = 2;
	m.outputs_kh[0] = 10;
	m.outputs_kh[1] = 100;
	return m;
}

static struct rig_fixture fixture(void)
{
	struct rig_fixture f;
	memset(&f, 0, sizeof(f));
	f.source_phase[0] = 1;
	f.source_phase[1] = 2;
	f.lag_angle_sign = 1;
	f.injection = RIG_INJECT_CT_SECONDARY;
	f.max_voltage_v = 300;
	f.max_current_a = 21;
	return f;
}

static struct rig_point point(double amps, double pf, bool leading, unsigned elements)
{
	struct rig_point p;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "pt");
	p.kind = RIG_POINT_ACCURACY;
	p.line = 12;
	p.voltage_v = 120;
	p.current_a = amps;
	p.current_pct = -1;
	p.pf = pf;
	p.leading = leading;
	p.frequency_hz = 60;
	p.elements = elements;
	return p;
}

START_TEST(ct_secondary_and_turns_give_source_amps)
{
	struct rig_meter_model m = model(1);
	struct rig_fixture f = fixture();
	struct rig_point p = point(2, 1, false, 1);
	struct rig_setpoint sp;
	struct rig_error err;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "p.conf", &sp, &err), 0);
	ck_assert_double_eq_tol(rig_setpoint_primary_per_source(&f, &m), 2000, 1e-9);
	ck_assert_double_eq_tol(sp.ph[0].current_a, 0.001, 1e-12);	/* 2 A * 0.1 / 200 */
	ck_assert_int_eq(sp.ph[0].phase, 1);
	ck_assert_int_eq(sp.ph[1].phase, 0);	/* one element: phase 2 unused */
	ck_assert_double_eq_tol(sp.frequency_hz, 60, 1e-12);

	f.injection = RIG_INJECT_PRIMARY_TURNS;
	f.turns = 10;
	p.current_a = 50;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "p.conf", &sp, &err), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_a, 5, 1e-12);
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&sp, 10), 6000, 1e-9);

	/* percent of rated current */
	p.current_pct = 50;
	ck_assert_double_eq_tol(rig_point_current_a(&p, &m), 100, 1e-12);
}
END_TEST

START_TEST(angles_follow_pf_sign_convention_and_reversal)
{
	struct rig_meter_model m = model(2);
	struct rig_fixture f = fixture();
	struct rig_point p = point(100, 0.5, false, 3);
	struct rig_setpoint sp;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_angle_deg, 60, 1e-9);
	ck_assert_double_eq_tol(sp.ph[1].voltage_angle_deg, 180, 1e-9);
	ck_assert_double_eq_tol(sp.ph[1].current_angle_deg, -120, 1e-9);	/* 240 wrapped */
	/* 120 V * 100 A * 0.5 on two elements */
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&sp, 2000), 12000, 1e-6);

	f.lag_angle_sign = -1;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_angle_deg, -60, 1e-9);
	p.leading = true;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_angle_deg, 60, 1e-9);

	/* element 2's CT reversed: 180 degrees more, and its power negative */
	f.lag_angle_sign = 1;
	p.leading = false;
	p.pf = 1;
	p.reversed = 2;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_angle_deg, 0, 1e-9);
	ck_assert_double_eq_tol(fabs(sp.ph[1].current_angle_deg), 0, 1e-9);	/* 180+180 */
	ck_assert_double_eq_tol(sp.ph[1].voltage_angle_deg, 180, 1e-9);
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&sp, 2000), 0, 1e-6);
}
END_TEST

START_TEST(elements_without_current_get_zero_amps)
{
	struct rig_meter_model m = model(2);
	struct rig_fixture f = fixture();
	struct rig_point p = point(100, 1, false, 1);
	struct rig_setpoint sp;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_a, 0.05, 1e-12);
	ck_assert_int_eq(sp.ph[1].phase, 2);
	ck_assert_double_eq_tol(sp.ph[1].voltage_v, 120, 1e-12);
	ck_assert_double_eq_tol(sp.ph[1].current_a, 0, 1e-12);
	/* creep: voltage, no current anywhere */
	p.elements = 0;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, NULL, &sp, NULL), 0);
	ck_assert_double_eq_tol(sp.ph[0].current_a + sp.ph[1].current_a, 0, 1e-12);
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&sp, 2000), 0, 1e-12);
}
END_TEST

START_TEST(limits_and_bad_points_are_refused_with_the_line)
{
	struct rig_meter_model m = model(2);
	struct rig_fixture f = fixture();
	struct rig_point p = point(100, 1, false, 1);
	struct rig_setpoint sp;
	struct rig_error err;
	char buf[600];
	f.max_current_a = 0.01;	/* 100 A primary is 0.05 source A */
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "a.conf", &sp, &err), -1);
	rig_error_format(&err, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "a.conf:12:") && strstr(buf, "limit"), "%s", buf);
	f = fixture();
	p.voltage_v = 400;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "a.conf", &sp, &err), -1);
	p.voltage_v = 120;
	p.pf = 0;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "a.conf", &sp, &err), -1);
	p.pf = 1;
	f.source_phase[1] = 0;
	ck_assert_int_eq(rig_setpoint_for_point(&p, &m, &f, "a.conf", &sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "element 2"));
}
END_TEST

Suite *suite_setpoint(void)
{
	Suite *s = suite_create("setpoint");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ct_secondary_and_turns_give_source_amps);
	tcase_add_test(tc, angles_follow_pf_sign_convention_and_reversal);
	tcase_add_test(tc, elements_without_current_get_zero_amps);
	tcase_add_test(tc, limits_and_bad_points_are_refused_with_the_line);
	suite_add_tcase(s, tc);
	return s;
}
