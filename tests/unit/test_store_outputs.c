/* Per-output results and register readings as rows (schema 8): stored with
 * the measurement, read back bit for bit, on the certificate's points, and
 * under the run's seal. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/store/measurements.h"
#include "rig/store/queries.h"
#include "rig/store/seal.h"
#include "rig/store/store.h"
#include "rig/store/store_private.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static char dir[64], db_path[96];

static void setup(void) { tsd_tmpdir(dir, db_path); }
static void teardown(void) { tsd_rmdir(dir); }

/* Kh 100 dead (a bound, FAIL), the load LED with its duty, the counter
 * undecided without an estimate. */
static struct rig_point_result with_outputs(int position)
{
	struct rig_point_result r = tsd_result(0, position, 1, 0.1, 0.05, 100, RIG_VERDICT_FAIL);
	r.n_outputs = 3;
	r.outputs[0] = (struct rig_output_result){ .sig = RIG_SIG_KH100, .kh = 100,
						   .verdict = RIG_VERDICT_FAIL, .error_pct = -6.4,
						   .u_pct = 0, .edges = 0, .bound = true, .duty = -1 };
	r.outputs[1] = (struct rig_output_result){ .sig = RIG_SIG_COUNTER, .kh = 1000,
						   .verdict = RIG_VERDICT_NONE, .u_pct = -1,
						   .edges = 1, .duty = -1 };
	r.outputs[2] = (struct rig_output_result){ .sig = RIG_SIG_LOAD_LED, .kh = 10,
						   .verdict = RIG_VERDICT_PASS, .error_pct = 0.11,
						   .u_pct = 0.05, .edges = 40, .duty = 0.499 };
	return r;
}

static int collect(const struct store_measurement *m, void *ctx)
{
	struct store_measurement *out = ctx;
	out[m->position - 1] = *m;
	return 0;
}

static void count_problems(const char *problem, void *ctx)
{
	(void)problem;
	(*(int *)ctx)++;
}

START_TEST(outputs_and_readings_are_rows)
{
	struct rig_error err = { 0 };
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s, "%s", err.msg);
	tsd_sign_heads(s, dir);
	static struct tsd_bench b;
	tsd_bench_init(&b, "OUT1", "OUT2", T0);
	char id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), 0);
	struct rig_point_result r0 = with_outputs(0);
	ck_assert_int_eq(store_add_point_result(s, id, &r0, &err), 0);
	/* a register result: before read, after not */
	struct rig_point_result r1 = tsd_result(1, 1, 1, 0, 0, 100, RIG_VERDICT_INDETERMINATE);
	r1.has_readings = true;
	r1.reading_before_kwh = 18234.6;
	r1.reading_after_kwh = -1;
	ck_assert_int_eq(store_add_point_result(s, id, &r1, &err), 0);
	ck_assert_int_eq(store_end_run(s, id, RIG_RUN_FAILED, "", T0 + 1000, &err), 0);

	/* one row per output, queryable by verdict */
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, "SELECT output, kh, error_pct IS NULL, bound FROM "
					    "measurement_outputs WHERE verdict = 'fail'", -1, &st,
					    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "kh100");
	ck_assert_double_eq(sqlite3_column_double(st, 1), 100);
	ck_assert_int_eq(sqlite3_column_int(st, 2), 0);
	ck_assert_int_eq(sqlite3_column_int(st, 3), 1);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	/* read back as stored, bit for bit */
	struct store_measurement got[2], want;
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(store_run_measurements(s, id, collect, got, &err), 0);
	store_measurement_of(&r0, &want);
	ck_assert(store_measurement_equal(&got[0], &want));
	ck_assert_int_eq(got[0].n_outputs, 3);
	ck_assert(!got[0].outputs[1].has_estimate);
	ck_assert(got[0].outputs[2].has_duty);
	ck_assert_double_eq(got[0].outputs[2].duty, 0.499);
	store_measurement_of(&r1, &want);
	ck_assert(store_measurement_equal(&got[1], &want));
	ck_assert(got[1].has_reading_before && !got[1].has_reading_after);
	ck_assert_double_eq(got[1].reading_before_kwh, 18234.6);
	/* a differing output is a difference */
	want = got[0];
	store_measurement_of(&r0, &want);
	want.outputs[0].edges = 1;
	ck_assert(!store_measurement_equal(&got[0], &want));

	/* on the certificate's points */
	struct store_certificate *c = malloc(sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "OUT1", id, c, &err), 0);
	ck_assert_int_eq(c->points[0].n_outputs, 3);
	ck_assert_str_eq(c->points[0].outputs[0].verdict, "fail");
	ck_assert_int_eq(store_certificate_load(s, "OUT2", id, c, &err), 0);
	ck_assert(c->points[1].has_reading_before);
	free(c);

	/* sealed: an edited output row breaks the chain */
	int problems = 0;
	struct store_chain_report rep;
	ck_assert_int_eq(store_verify_chain(s, count_problems, &problems, &rep, &err), 0);
	ck_assert_int_eq(rep.problems, 0);
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE measurement_outputs SET verdict = 'pass' "
				      "WHERE output = 'kh100'", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_verify_chain(s, count_problems, &problems, &rep, &err), 0);
	ck_assert_int_gt(rep.problems, 0);
	store_close(s);
}
END_TEST

Suite *suite_store_outputs(void)
{
	Suite *s = suite_create("store_outputs");
	TCase *tc = tcase_create("schema 8");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, outputs_and_readings_are_rows);
	suite_add_tcase(s, tc);
	return s;
}
