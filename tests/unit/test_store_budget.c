/* Every point's uncertainty budget is stored with it (schema 3), comes back
 * through the certificate query and is printed on the certificate. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/certificate.h"
#include "rig/store/queries.h"
#include "rig/store/schema.h"
#include "rig/store/store.h"
#include "tests/unit/test_store_data.h"

#define T0 1767225600000LL

static char dir[64], db_path[96];

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

static void fill_budget(struct rig_gate_budget *b)
{
	double sum = 0;
	for (int t = 0; t < RIG_U_TERMS; t++) {
		b->term[t].u = 1e-5 * (t + 1);
		b->term[t].sensitivity = t == RIG_U_DUTY ? -0.5 : 1;
		b->term[t].contribution = fabs(b->term[t].sensitivity) * b->term[t].u;
		b->term[t].dof = t == RIG_U_SCATTER ? 7 : INFINITY;
		sum += b->term[t].contribution * b->term[t].contribution;
	}
	b->uc_rel = sqrt(sum);
	b->nu_eff = 123.4;
	b->k = 2.03;
	b->period_check = RIG_PERIOD_ESTIMATED;
	b->update_period_s = 0.0412;
	b->declared_period_s = 0.020;
}

START_TEST(the_budget_round_trips_and_reaches_the_certificate)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s, "%s", err.msg);
	ck_assert_int_ge(store_schema_latest_version(), 3);
	struct tsd_bench b;
	tsd_bench_init(&b, "MM-0001", NULL, T0);
	char run_id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct rig_point_result r = tsd_result(0, 0, 1, 0.21, 0.04, 100, RIG_VERDICT_PASS);
	fill_budget(&r.gate.budget);
	ck_assert_msg(store_add_point_result(s, run_id, &r, &err) == 0, "%s", err.msg);
	/* a point measured before budgets existed (or with none) stores none */
	r = tsd_result(1, 0, 1, -0.1, 0.05, 10, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_PASSED, "", T0 + 1000, &err), 0);

	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_msg(store_certificate_load(s, "MM-0001", run_id, c, &err) == 0, "%s", err.msg);
	ck_assert(c->points[0].has_budget);
	ck_assert(!c->points[1].has_budget);
	const struct rig_gate_budget *got = &c->points[0].budget;
	struct rig_gate_budget want = {0};
	fill_budget(&want);
	for (int t = 0; t < RIG_U_TERMS; t++) {
		ck_assert_double_eq(got->term[t].u, want.term[t].u);
		ck_assert_double_eq(got->term[t].sensitivity, want.term[t].sensitivity);
		ck_assert_double_eq(got->term[t].contribution, want.term[t].contribution);
		ck_assert(got->term[t].dof == want.term[t].dof);	/* INFINITY stays infinite */
	}
	ck_assert_double_eq(got->uc_rel, want.uc_rel);
	ck_assert_double_eq(got->nu_eff, 123.4);
	ck_assert_double_eq(got->k, 2.03);
	ck_assert_int_eq(got->period_check, RIG_PERIOD_ESTIMATED);
	ck_assert_double_eq(got->update_period_s, 0.0412);

	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	ck_assert_int_eq(report_certificate_html(f, c), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(html, "Uncertainty budgets"));
	ck_assert_ptr_nonnull(strstr(html, "update period"));
	ck_assert_ptr_nonnull(strstr(html, "source stability"));
	ck_assert_ptr_nonnull(strstr(html, "estimated from the edges"));
	ck_assert_ptr_nonnull(strstr(html, "declared 20.0 ms"));
	free(html);
	free(c);
	store_close(s);
}
END_TEST

Suite *suite_store_budget(void)
{
	Suite *s = suite_create("store_budget");
	TCase *tc = tcase_create("budget");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_budget_round_trips_and_reaches_the_certificate);
	suite_add_tcase(s, tc);
	return s;
}
