/* C12.1 as it judges: influence points on their change from the reference
 * point, creep and starting-load windows from the power they must detect,
 * the connection check's verdict, model safety and the rated voltage. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/connection.h"
#include "rig/core/influence.h"
#include "rig/core/model_check.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"
#include "rig/store/store.h"
#include "test_store_data.h"

#include <sqlite3.h>

static struct rig_meter_model model(const char *text)
{
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_msg(rig_model_decode(text, &m, &err) == 0, "%s: %s", text, err.msg);
	return m;
}

static const char head[] =
	"[profile]\nname = t\n[defaults]\nvoltage = 120 V\noutput = 10\n"
	"[point fl]\nkind = accuracy\ncurrent = 100 %\n";

/* Parses head + tail; returns 0 or -1 with err filled. */
static int parse(const char *tail, struct rig_profile *p, struct rig_error *err)
{
	char text[2048];
	snprintf(text, sizeof(text), "%s%s", head, tail);
	return rig_profile_parse(text, strlen(text), "t.profile", p, err);
}

static const struct rig_point *find_point(const struct rig_profile *p, const char *name)
{
	for (int i = 0; i < p->n_points; i++)
		if (!strcmp(p->points[i].name, name))
			return &p->points[i];
	ck_abort_msg("no point %s", name);
	return NULL;
}

static struct rig_profile *load_shipped(const char *name)
{
	const char *top = getenv("RIG_TOP");
	char path[1024];
	snprintf(path, sizeof(path), "%s/profiles/%s", top ? top : ".", name);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	char buf[800];
	ck_assert_msg(rig_profile_load(path, p, &err) == 0, "%s",
		      rig_error_format(&err, buf, sizeof(buf)));
	return p;
}

/* An error that passes the band at both points but moves by more than the
 * change band between them fails; one that moves little passes. */
START_TEST(change_from_reference_is_judged)
{
	double change = 0, u = 0;
	ck_assert_int_eq(rig_verdict_change(0.35, 0.05, -0.35, 0.05, 0.5, &change, &u),
			 RIG_VERDICT_FAIL);
	ck_assert_double_eq_tol(change, 0.7, 1e-12);
	ck_assert_double_eq_tol(u, hypot(0.05, 0.05), 1e-12);
	ck_assert_int_eq(rig_verdict_change(0.15, 0.05, 0.10, 0.05, 0.3, NULL, NULL),
			 RIG_VERDICT_PASS);
	/* the change's U is both points' together: a change just inside the
	 * band by less than that is indeterminate */
	ck_assert_int_eq(rig_verdict_change(0.25, 0.05, 0.0, 0.05, 0.3, NULL, NULL),
			 RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(rig_verdict_change(0.1, -1, 0.0, 0.05, 0.3, NULL, NULL),
			 RIG_VERDICT_INDETERMINATE);
}
END_TEST

START_TEST(reference_and_change_band_parse)
{
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(parse("[point v102]\nkind = accuracy\ncurrent = 100 %\nvoltage = 102 V\n"
			    "reference = fl\nchange_band = 0.3 %\n"
			    "[point v138]\nkind = accuracy\ncurrent = 100 %\nvoltage = 138 V\n"
			    "band = 0.6 %\nreference = fl\n", p, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(find_point(p, "v102")->reference_point, 0);
	ck_assert_double_eq(find_point(p, "v102")->change_band_pct, 0.3);
	ck_assert_double_eq(find_point(p, "v138")->change_band_pct, 0.6);	/* the band */
	ck_assert_int_eq(find_point(p, "fl")->reference_point, -1);

	ck_assert_int_eq(parse("[point a]\nkind = accuracy\ncurrent = 1 A\nreference = b\n"
			       "[point b]\nkind = accuracy\ncurrent = 1 A\n", p, &err), -1);
	ck_assert_msg(strstr(err.msg, "no earlier point named 'b'"), "%s", err.msg);
	ck_assert_int_eq(parse("[point c]\nkind = creep\ncurrent = 0 A\n"
			       "[point d]\nkind = accuracy\ncurrent = 1 A\nreference = c\n", p, &err),
			 -1);
	ck_assert_msg(strstr(err.msg, "not an accuracy point"), "%s", err.msg);
	ck_assert_int_eq(parse("[point e]\nkind = accuracy\ncurrent = 1 A\nchange_band = 1 %\n",
			       p, &err), -1);
	ck_assert_msg(strstr(err.msg, "needs a reference"), "%s", err.msg);
	free(p);
}
END_TEST

/* Kh 10 counts an edge per 5 Wh: at 30 W one every 600 s. A FAIL (two
 * edges with max_edges 1) is certain only in 1200 s; the old shipped
 * window of 600 s detected 60 W. */
START_TEST(creep_window_follows_the_power_to_detect)
{
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(parse("[point creep]\nkind = creep\ncurrent = 0 A\nvoltage = 138 V\n"
			    "max_edges = 1\ndetect = 30 W\n"
			    "[point start]\nkind = starting-load\ncurrent = 0.5 A\nmin_edges = 2\n"
			    "detect = 40 W\n"
			    "[point old]\nkind = creep\ncurrent = 0 A\nmax_edges = 1\nmax_gate = 600 s\n",
			    p, &err) == 0, "%s", err.msg);
	const struct rig_point *c = find_point(p, "creep");
	ck_assert_double_eq_tol(c->max_gate_s, 1200, 1e-9);
	ck_assert_double_eq_tol(rig_point_detect_limit_w(c), 30, 1e-9);
	const struct rig_point *s = find_point(p, "start");
	ck_assert_double_eq_tol(s->max_gate_s, 900, 1e-9);
	ck_assert_double_eq_tol(rig_point_detect_limit_w(s), 40, 1e-9);
	ck_assert_double_eq_tol(rig_point_detect_limit_w(find_point(p, "old")), 60, 1e-9);

	ck_assert_int_eq(parse("[point c]\nkind = creep\ncurrent = 0 A\ndetect = 30 W\n"
			       "max_gate = 600 s\n", p, &err), -1);
	ck_assert_msg(strstr(err.msg, "max_gate follows from detect"), "%s", err.msg);
	ck_assert_int_eq(parse("[point c]\nkind = accuracy\ncurrent = 1 A\ndetect = 30 W\n", p,
			       &err), -1);
	ck_assert_int_eq(parse("[point c]\nkind = creep\ncurrent = 0 A\ndetect = 0.01 W\n", p,
			       &err), -1);
	ck_assert_msg(strstr(err.msg, "more than a day"), "%s", err.msg);
	free(p);
}
END_TEST

/* The shipped profiles detect what their comments say. */
START_TEST(shipped_profiles_state_their_detection_limits)
{
	struct rig_profile *p = load_shipped("ansi-c12.1.profile");
	ck_assert_double_eq_tol(rig_point_detect_limit_w(find_point(p, "creep")), 30, 1e-9);
	ck_assert_double_eq_tol(rig_point_detect_limit_w(find_point(p, "starting-load")), 40, 1e-9);
	ck_assert_int_eq(find_point(p, "connection-check")->kind, RIG_POINT_CONNECTION_CHECK);
	ck_assert_int_eq(p->points[0].kind, RIG_POINT_CONNECTION_CHECK);
	ck_assert_double_eq(p->points[0].current_a, 0);	/* voltage only first */
	ck_assert_int_eq(p->points[1].kind, RIG_POINT_CONNECTION_CHECK);
	ck_assert_int_eq(find_point(p, "warm-up")->kind, RIG_POINT_WARM_UP);
	ck_assert_double_eq(find_point(p, "max-current-pf1")->current_pct, 110);
	ck_assert_uint_eq(find_point(p, "element-2-alone-ll")->elements, 2);
	ck_assert_double_eq(find_point(p, "element-2-alone-ll")->current_pct, 10);
	const char *influenced[] = { "full-load-pf05-lag", "light-load-pf05-lag", "low-end-pf05-lag",
				     "full-load-pf05-lead", "voltage-102v", "voltage-138v",
				     "frequency-50hz" };
	for (size_t i = 0; i < sizeof(influenced) / sizeof(influenced[0]); i++) {
		const struct rig_point *pt = find_point(p, influenced[i]);
		ck_assert_msg(pt->reference_point >= 0, "%s", influenced[i]);
		const struct rig_point *ref = &p->points[pt->reference_point];
		ck_assert_double_eq(ref->pf, 1);
		ck_assert_double_eq(ref->voltage_v, 120);
		ck_assert_double_eq(ref->frequency_hz, 60);
	}
	ck_assert_ptr_null(strstr(p->description, "Full"));
	free(p);
	p = load_shipped("production.profile");
	ck_assert_double_eq_tol(rig_point_detect_limit_w(find_point(p, "creep-short")), 300, 1e-9);
	ck_assert_int_eq(p->points[0].kind, RIG_POINT_CONNECTION_CHECK);
	free(p);
}
END_TEST

/* MMS-130-1001 decodes as a 130 V meter; a profile written for 120 V
 * tests it at its rating, its points scaled, and refuses it where a scaled
 * point leaves the guide's supply range (the 138 V points: 149.5 V), never
 * testing it at 120 V. */
START_TEST(a_rating_the_profile_cannot_test_is_refused)
{
	struct rig_profile *p = load_shipped("ansi-c12.1.profile");
	struct rig_meter_model m = model("MMS-130-1001");
	ck_assert_double_eq(m.element_voltage_v, 130);
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_check_model(p, &m, &err), -1);
	ck_assert_msg(strstr(err.msg, "149.5 V (138 V scaled to the 130 V rating)") &&
		      strstr(err.msg, "supply range"), "%s", err.msg);
	m = model("MMS-120-1001");
	ck_assert_int_eq(rig_profile_check_model(p, &m, &err), 0);
	/* the profile itself is untouched: a rated copy is scaled */
	ck_assert_double_eq(p->nominal_v, 120);
	struct rig_profile *r = malloc(sizeof(*r));
	rig_profile_for_rating(p, 130, r);
	ck_assert_double_eq(r->nominal_v, 130);
	ck_assert_double_eq(r->scaled_from_v, 120);
	ck_assert_double_eq_tol(r->points[0].voltage_v, 130, 1e-9);
	ck_assert_double_eq(p->points[0].voltage_v, 120);
	free(r);
	free(p);
}
END_TEST

START_TEST(model_checked_against_expected_and_stored)
{
	struct rig_meter_model m = model("MMS-120-4001");
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_model_check_position(&m, 2, "SN7", "MMS-120-2001", NULL, false, &err),
			 -1);
	ck_assert_msg(strstr(err.msg, "position 2 (SN7)") && strstr(err.msg, "MMS-120-2001"), "%s",
		      err.msg);
	ck_assert_int_eq(rig_model_check_position(&m, 2, "SN7", "", "MMS-120-2001", false, &err),
			 -1);
	ck_assert_msg(strstr(err.msg, "stored for this serial"), "%s", err.msg);
	/* spelling does not matter: compared decoded */
	ck_assert_int_eq(rig_model_check_position(&m, 2, "SN7", "mms 120 4001", "MMS1204001", false,
						  &err), 0);
	ck_assert_int_eq(rig_model_check_position(&m, 2, "SN7", "", "", false, &err), 0);
	/* an override lets it through, and says there was something to override */
	ck_assert_int_eq(rig_model_check_position(&m, 2, "SN7", "MMS-120-2001", NULL, true, &err),
			 0);
	ck_assert(rig_model_disagrees(&m, "MMS-120-2001", NULL));
	ck_assert(!rig_model_disagrees(&m, "MMS-120-4001", ""));
	/* an expected model that does not decode never matches */
	ck_assert_int_eq(rig_model_check_position(&m, 1, "", "nonsense", NULL, false, &err), -1);
}
END_TEST

START_TEST(connection_verdicts)
{
	/* at 12 kW a Kh 10 edge every 1.5 s, Kh 100 every 15 s, Kh 1000 150 s */
	ck_assert(rig_connection_expected(10, 12000, 20));
	ck_assert(!rig_connection_expected(100, 12000, 20));
	ck_assert(rig_connection_expected(100, 12000, 30));
	ck_assert(!rig_connection_expected(10, 0, 20));
	struct rig_connection_line l[3] = { { 10, true, 12 }, { 100, true, 1 }, { 1000, false, 0 } };
	bool silent = true;
	char why[200];
	ck_assert_int_eq(rig_connection_judge(l, 3, false, &silent, why, sizeof(why)), RIG_VERDICT_PASS);
	ck_assert(!silent);
	l[1].edges = 0;
	ck_assert_int_eq(rig_connection_judge(l, 3, false, &silent, why, sizeof(why)), RIG_VERDICT_NONE);
	ck_assert(!silent);
	ck_assert_msg(strstr(why, "dead output") && strstr(why, "Kh 100"), "%s", why);
	l[0].edges = 0;
	ck_assert_int_eq(rig_connection_judge(l, 3, false, &silent, why, sizeof(why)), RIG_VERDICT_ERROR);
	ck_assert(silent);
	ck_assert_msg(strstr(why, "no edge on any line"), "%s", why);
	/* the meter lit its LEDs: it is there, its outputs are silent: the
	 * meter fails (a reversed CT cancels the other element), no wiring error */
	ck_assert_int_eq(rig_connection_judge(l, 3, true, &silent, why, sizeof(why)),
			 RIG_VERDICT_FAIL);
	ck_assert(!silent);
	ck_assert_msg(strstr(why, "LEDs show it is there"), "%s", why);
}
END_TEST

static void position_verdicts(const char *db, char *v0, char *v1)
{
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT position, verdict FROM run_positions "
					    "ORDER BY position", -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		snprintf(i ? v1 : v0, 16, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* A run that walked its whole profile ends in error when one position had
 * a wiring error; the position next to it keeps its own verdict. A run
 * stopped by a fault still closes every open position as an error. */
START_TEST(a_wiring_error_leaves_the_other_positions_their_verdicts)
{
	for (int complete = 0; complete < 2; complete++) {
		char dir[64], db[96], id[STORE_RUN_ID_LEN];
		tsd_tmpdir(dir, db);
		struct rig_error err;
		struct store *s = store_open(db, &err);
		ck_assert_ptr_nonnull(s);
		static struct tsd_bench b;
		tsd_bench_init(&b, "W1", "W2", 1795000000000LL);
		ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), 0);
		struct rig_point_result r = tsd_result(0, 0, 1, 0.1, 0.05, 20, RIG_VERDICT_PASS);
		ck_assert_int_eq(store_add_point_result(s, id, &r, &err), 0);
		r = tsd_result(0, 1, 1, 0, 0, 20, RIG_VERDICT_ERROR);
		ck_assert_int_eq(store_add_point_result(s, id, &r, &err), 0);
		ck_assert_int_eq(store_end_run(s, id, RIG_RUN_ERROR,
					       complete ? RIG_RUN_REASON_COMPLETE : "instrument fault",
					       1795000600000LL, &err), 0);
		store_close(s);
		char v0[16], v1[16];
		position_verdicts(db, v0, v1);
		ck_assert_str_eq(v0, complete ? "pass" : "error");
		ck_assert_str_eq(v1, "error");
		tsd_rmdir(dir);
	}
}
END_TEST

Suite *suite_c12(void)
{
	Suite *s = suite_create("c12");
	TCase *t = tcase_create("judging");
	tcase_add_test(t, change_from_reference_is_judged);
	tcase_add_test(t, reference_and_change_band_parse);
	tcase_add_test(t, creep_window_follows_the_power_to_detect);
	tcase_add_test(t, shipped_profiles_state_their_detection_limits);
	tcase_add_test(t, a_rating_the_profile_cannot_test_is_refused);
	tcase_add_test(t, model_checked_against_expected_and_stored);
	tcase_add_test(t, connection_verdicts);
	tcase_add_test(t, a_wiring_error_leaves_the_other_positions_their_verdicts);
	suite_add_tcase(s, t);
	return s;
}
