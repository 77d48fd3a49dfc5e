/* Meters rated other than the profile's 120 V, and dual-element meters on
 * a 120/208 V network: what the bench applies follows the meter. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim/bench.h"
#include "rig/core/batch_check.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"
#include "rig/core/setpoint.h"

#define S ((int64_t)1000000000)

static struct rig_fixture *sim_fixture(void)
{
	const char *top = getenv("RIG_TOP");
	char path[1024];
	snprintf(path, sizeof(path), "%s/fixtures/sim.conf", top ? top : ".");
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_fixture_load(path, f, &err) == 0, "%s", err.msg);
	return f;
}

static struct rig_meter_model model(const char *text)
{
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_msg(rig_model_decode(text, &m, &err) == 0, "%s: %s", text, err.msg);
	return m;
}

static struct rig_profile *profile(const char *text)
{
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_profile_parse(text, strlen(text), "t.profile", p, &err) == 0, "%s",
		      err.msg);
	return p;
}

static const char nominal_only[] =
	"[profile]\nname = t\n[defaults]\nvoltage = 120 V\n"
	"[point fl]\nkind = accuracy\ncurrent = 10 %\n"
	"[point v110]\nkind = accuracy\ncurrent = 10 %\nvoltage = 110 V\n";

/* The first APPLY the sequencer asks for. */
static int first_apply(struct rig_run_plan *plan, struct rig_setpoint *ret, struct rig_error *err)
{
	struct rig_seq *s = rig_seq_new();
	int rc = rig_seq_start(s, plan, 0, err);
	struct rig_seq_event ev;
	bool found = false;
	while (rc == 0 && !found && rig_seq_next_event(s, &ev))
		if (ev.kind == RIG_EV_COMMAND && ev.cmd.kind == RIG_CMD_APPLY) {
			*ret = ev.cmd.sp;
			found = true;
		}
	rig_seq_free(s);
	if (rc == 0)
		ck_assert(found);
	return rc;
}

/* A 130 V meter is tested at 130 V (the points scaled from the profile's
 * 120 V: 110 V becomes 119.2 V), never at 120 V; two ratings in one batch,
 * on one source's voltage, are refused. */
START_TEST(a_meter_is_tested_at_its_rating)
{
	struct rig_fixture *f = sim_fixture();
	struct rig_profile *p = profile(nominal_only);
	struct rig_run_plan plan = { .profile = p, .fixture = f };
	plan.pos[0].present = true;
	plan.pos[0].model = model("MMS-130-2001");
	snprintf(plan.pos[0].serial, sizeof(plan.pos[0].serial), "R130");
	struct rig_setpoint sp;
	struct rig_error err = { 0 };
	ck_assert_msg(first_apply(&plan, &sp, &err) == 0, "%s", err.msg);
	ck_assert_double_eq_tol(sp.ph[0].voltage_v, 130, 1e-9);
	struct rig_profile *r = malloc(sizeof(*r));
	rig_profile_for_rating(p, 130, r);
	ck_assert_double_eq_tol(r->points[1].voltage_v, 110 * 130.0 / 120, 1e-9);
	ck_assert_int_eq(rig_profile_check_model(p, &plan.pos[0].model, &err), 0);

	plan.pos[1] = plan.pos[0];
	plan.pos[1].model = model("MMS-120-2001");
	ck_assert_int_eq(first_apply(&plan, &sp, &err), -1);
	ck_assert_msg(strstr(err.msg, "rated for different voltages"), "%s", err.msg);

	/* a rating whose scaled points the source cannot give: refused, named */
	f->max_voltage_v = 125;
	plan.pos[1].present = false;
	ck_assert_int_eq(first_apply(&plan, &sp, &err), -1);
	ck_assert_msg(strstr(err.msg, "over the fixture's limit"), "%s", err.msg);
	free(r);
	free(p);
	free(f);
}
END_TEST

/* On two phases of a 120/208 V wye element 2's voltage is 120 degrees
 * behind element 1's (in the source's sign for lagging), each current at
 * its own voltage's angle plus the pf angle: the power per element, and
 * the reference, are those of the split-phase service. */
START_TEST(element_2_follows_the_network)
{
	struct rig_fixture *f = sim_fixture();
	struct rig_profile *p = profile("[profile]\nname = t\n[defaults]\nvoltage = 120 V\n"
					"[point lag]\nkind = accuracy\ncurrent = 100 %\npf = 0.5 lag\n");
	struct rig_meter_model m = model("MMD-120-2001");
	struct rig_setpoint split, wye;
	struct rig_error err = { 0 };
	ck_assert_int_eq(f->network, RIG_NET_SPLIT_PHASE);
	ck_assert_int_eq(rig_setpoint_for_point(&p->points[0], &m, f, "t", &split, &err), 0);
	ck_assert_double_eq(split.ph[1].voltage_angle_deg, 180);
	f->network = RIG_NET_WYE_208;
	ck_assert_int_eq(rig_setpoint_for_point(&p->points[0], &m, f, "t", &wye, &err), 0);
	/* sim.conf: a lagging angle is negative on this source */
	ck_assert_double_eq(wye.ph[1].voltage_angle_deg, -120);
	ck_assert_double_eq_tol(wye.ph[1].current_angle_deg, 180, 1e-9);	/* -180, wrapped */
	ck_assert_double_eq_tol(wye.ph[0].current_angle_deg, -60, 1e-9);
	double pps = rig_setpoint_primary_per_source(f, &m);
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&wye, pps),
				rig_setpoint_meter_power_w(&split, pps), 1e-6);
	ck_assert_double_eq_tol(rig_setpoint_meter_power_w(&wye, pps), 2 * 120 * 200 * 0.5, 1e-6);
	f->lag_angle_sign = 1;
	ck_assert_double_eq(rig_setpoint_element2_angle_deg(f), 120);

	/* the fixture key */
	const char *top = getenv("RIG_TOP");
	char path[1024];
	snprintf(path, sizeof(path), "%s/fixtures/sim.conf", top ? top : ".");
	FILE *in = fopen(path, "r");
	ck_assert_ptr_nonnull(in);
	static char text[16384];
	size_t n = fread(text, 1, sizeof(text) - 200, in);
	fclose(in);
	text[n] = '\0';
	char *src = strstr(text, "[source]\n");
	ck_assert_ptr_nonnull(src);
	static char edited[16384];
	snprintf(edited, sizeof(edited), "%.*s[source]\nnetwork = 120/208\n%s", (int)(src - text), text,
		 src + 9);
	struct rig_fixture *g = malloc(sizeof(*g));
	ck_assert_msg(rig_fixture_parse(edited, strlen(edited), "f.conf", g, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(g->network, RIG_NET_WYE_208);
	snprintf(edited, sizeof(edited), "%.*s[source]\nnetwork = 3-phase\n%s", (int)(src - text), text,
		 src + 9);
	ck_assert_int_eq(rig_fixture_parse(edited, strlen(edited), "f.conf", g, &err), -1);
	ck_assert_msg(strstr(err.msg, "120/208"), "%s", err.msg);
	free(g);
	free(p);
	free(f);
}
END_TEST

/* rig-sim's meter on a 208 V wye: element 2 at -120 degrees registers what
 * it would on a split-phase service, and the source's power agrees. */
START_TEST(sim_meter_registers_on_a_208_network)
{
	struct sim_bench_cfg cfg;
	sim_bench_cfg_init(&cfg);
	cfg.n_positions = 1;
	cfg.settle_s = 0;
	cfg.pos[0].meter.model = model("MMD-120-2001");
	sim_bench_cfg_layout(&cfg, 0, 8);
	struct sim_bench *b = sim_bench_new(&cfg);
	char reply[256];
	static const char *const lines[] = {
		"SOUR:PHAS1:VOLT:RANG 0,180;SOUR:PHAS1:CURR:RANG 0,0.25",
		"SOUR:PHAS2:VOLT:RANG 0,180;SOUR:PHAS2:CURR:RANG 0,0.25",
		"SOUR:PHAS1:VOLT:MHAR:HARM1 120,0;SOUR:PHAS1:CURR:MHAR:HARM1 0.1,-60",
		"SOUR:PHAS2:VOLT:MHAR:HARM1 120,-120;SOUR:PHAS2:CURR:MHAR:HARM1 0.1,-180",
		"SOUR:PHAS1:VOLT:STAT 1;SOUR:PHAS1:CURR:STAT 1;SOUR:PHAS2:VOLT:STAT 1;SOUR:PHAS2:CURR:STAT 1",
		"OUTP:STAT ON",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		sim_bench_scpi(b, 0, lines[i], reply, sizeof(reply));
		sim_bench_scpi(b, 0, "SYST:ERR?", reply, sizeof(reply));
		ck_assert_msg(!strcmp(reply, "0,\"No error\""), "%s: %s", lines[i], reply);
	}
	ck_assert_int_eq(sim_bench_scpi(b, S, "SOUR:POW:WATT?", reply, sizeof(reply)), 1);
	ck_assert_double_eq_tol(atof(reply), 2 * 120 * 0.1 * 0.5, 1e-6);
	sim_bench_advance(b, 100 * S, NULL, NULL);
	double reg, truth;
	ck_assert_int_eq(sim_bench_energy(b, 1, &reg, &truth), 0);
	/* 2 x 120 V x 200 A x 0.5 = 24 kW for 100 s */
	ck_assert_double_eq_tol(truth, 24000 * 100 / 3600.0, 24000 * 100 / 3600.0 * 1e-3);
	ck_assert_double_eq_tol(reg, truth, truth * 1e-3);
	sim_bench_free(b);
}
END_TEST

static void place(struct rig_run_plan *plan, int position, const char *m)
{
	plan->pos[position - 1].present = true;
	plan->pos[position - 1].model = model(m);
	snprintf(plan->pos[position - 1].serial, sizeof(plan->pos[0].serial), "E%d", position);
}

/* A flush-mount enclosure of N meters is N meters to test: it takes N
 * consecutive positions, one meter (and serial) each, or it is refused;
 * its count is never ignored. */
START_TEST(an_enclosure_of_n_meters_takes_n_positions)
{
	struct rig_fixture *f = sim_fixture();	/* 4 positions */
	struct rig_profile *p = profile(nominal_only);
	struct rig_run_plan plan = { .profile = p, .fixture = f };
	struct rig_setpoint sp;
	struct rig_error err = { 0 };
	const char *three = "MD-240-F-3-SO-021-00";
	place(&plan, 1, three);
	ck_assert_int_eq(first_apply(&plan, &sp, &err), -1);
	ck_assert_msg(strstr(err.msg, "encloses 3 meters") && strstr(err.msg, "positions 1..3") &&
		      strstr(err.msg, "position 2 is empty"), "%s", err.msg);
	place(&plan, 2, three);
	place(&plan, 3, "MD-240-F-1-SO-021-00");
	ck_assert_int_eq(first_apply(&plan, &sp, &err), -1);
	ck_assert_msg(strstr(err.msg, "position 3 holds another model"), "%s", err.msg);
	place(&plan, 3, three);
	ck_assert_msg(first_apply(&plan, &sp, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(rig_batch_check(&plan, NULL, &err), 0);
	/* a second enclosure starting at 4 would need 4..6 */
	place(&plan, 4, three);
	ck_assert_int_eq(rig_batch_check(&plan, NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "position 5 is not on the fixture"), "%s", err.msg);
	free(p);
	free(f);
}
END_TEST

Suite *suite_ratings(void)
{
	Suite *s = suite_create("ratings");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, a_meter_is_tested_at_its_rating);
	tcase_add_test(tc, element_2_follows_the_network);
	tcase_add_test(tc, sim_meter_registers_on_a_208_network);
	tcase_add_test(tc, an_enclosure_of_n_meters_takes_n_positions);
	suite_add_tcase(s, tc);
	return s;
}
