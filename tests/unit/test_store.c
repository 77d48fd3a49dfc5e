#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rig/store/queries.h"
#include "rig/store/schema.h"
#include "rig/store/store.h"
#include "rig/store/store_private.h"
#include "test_store_data.h"

#define T0 1795000000000LL	/* 2026-11-18T11:06:40Z, unix ms */
#define HOUR 3600000LL

static char dir[64], db_path[96];

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

static int pragma_int(sqlite3 *db, const char *pragma)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, pragma, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static struct store *open_ok(void)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "store_open: %s", err.msg);
	return s;
}

/* A run with both meters: point errors per position given. */
static void store_run(struct store *s, const char *serial0, const char *serial1, int64_t start,
		      const double err0[3], const double err1[3], enum rig_run_state end,
		      char run_id[STORE_RUN_ID_LEN])
{
	struct tsd_bench b;
	struct rig_error err = {0};
	tsd_bench_init(&b, serial0, serial1, start);
	ck_assert_msg(store_begin_run(s, &b.plan, &b.meta, run_id, &err) == 0, "%s", err.msg);
	const double *errors[2] = {err0, err1};
	for (int pos = 0; pos < 2; pos++) {
		if (!errors[pos])
			continue;
		for (int p = 0; p < 3; p++) {
			double band = b.profile.points[p].band_pct;
			enum rig_verdict v = rig_verdict_accuracy(errors[pos][p], 0.05, band);
			struct rig_point_result r =
				tsd_result(p, pos, 1, errors[pos][p], 0.05, b.profile.points[p].current_a, v);
			ck_assert_msg(store_add_point_result(s, run_id, &r, &err) == 0, "%s", err.msg);
		}
		struct rig_point_result creep = tsd_result(3, pos, 1, 0, 0, 0, RIG_VERDICT_PASS);
		ck_assert_int_eq(store_add_point_result(s, run_id, &creep, &err), 0);
	}
	if (end != RIG_RUN_RUNNING)
		ck_assert_int_eq(store_end_run(s, run_id, end, "", start + HOUR / 4, &err), 0);
}

START_TEST(creates_at_latest_version_with_wal_and_foreign_keys)
{
	struct store *s = open_ok();
	ck_assert_int_eq(pragma_int(s->db, "PRAGMA user_version"), store_schema_latest_version());
	ck_assert_int_ge(store_schema_latest_version(), 2);
	ck_assert_int_eq(pragma_int(s->db, "PRAGMA foreign_keys"), 1);
	ck_assert(pragma_int(s->db, "PRAGMA busy_timeout") > 0);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	ck_assert(store_integrity_ok(s));
	store_close(s);
	/* Reopening leaves the version alone. */
	s = open_ok();
	ck_assert_int_eq(pragma_int(s->db, "PRAGMA user_version"), store_schema_latest_version());
	store_close(s);
}
END_TEST

START_TEST(opening_a_version_1_file_migrates_it_and_keeps_its_rows)
{
	sqlite3 *db;
	struct rig_error err = {0};
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(store_schema_migrate_to(db, 1, &err), 0);
	ck_assert_int_eq(pragma_int(db, "PRAGMA user_version"), 1);
	ck_assert(!table_exists(db, "edges"));
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO stations (name, host) VALUES ('old', 'h')", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	/* Read-only opening refuses to work on an old file... */
	ck_assert_ptr_null(store_open_readonly(db_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "older"));

	/* ...store_open migrates it. */
	struct store *s = open_ok();
	ck_assert_int_eq(pragma_int(s->db, "PRAGMA user_version"), store_schema_latest_version());
	ck_assert(table_exists(s->db, "edges"));
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM stations WHERE name = 'old'"), 1);
	store_close(s);
}
END_TEST

START_TEST(a_file_newer_than_the_code_is_refused)
{
	struct store *s = open_ok();
	ck_assert_int_eq(sqlite3_exec(s->db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	struct rig_error err = {0};
	ck_assert_ptr_null(store_open(db_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "newer"));
	ck_assert_ptr_nonnull(strstr(err.msg, "99"));
	ck_assert_ptr_null(store_open_readonly(db_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "newer"));
}
END_TEST

START_TEST(foreign_keys_are_enforced)
{
	struct store *s = open_ok();
	int rc = sqlite3_exec(s->db,
			      "INSERT INTO run_positions (run_id, position, meter_id) VALUES (4242, 0, 4242)",
			      NULL, NULL, NULL);
	ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT);
	ck_assert_int_eq(sqlite3_extended_errcode(s->db), SQLITE_CONSTRAINT_FOREIGNKEY);

	char run_id[STORE_RUN_ID_LEN];
	const double e[3] = {0.1, 0.1, 0.1};
	store_run(s, "A1", NULL, T0, e, NULL, RIG_RUN_RUNNING, run_id);
	struct rig_error err = {0};
	/* A result for an empty position or an unknown run is refused whole. */
	struct rig_point_result r = tsd_result(0, 1, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "position"));
	r.position = 0;
	ck_assert_int_eq(store_add_point_result(s, "no-such-run", &r, &err), -1);
	r.point = 40;
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), -1);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM measurements"), 4);
	store_close(s);
}
END_TEST

START_TEST(a_run_round_trips_through_the_certificate_query)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	struct tsd_bench b;
	tsd_bench_init(&b, "MM-0001", "MM-0002", T0);
	char run_id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	ck_assert_int_eq(strlen(run_id), 36);
	ck_assert_int_eq(run_id[14], '4');

	/* Position 1, point 0: indeterminate first, pass on the retest. */
	struct rig_point_result r = tsd_result(0, 1, 1, 0.48, 0.05, 100, RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	r = tsd_result(0, 1, 2, 0.21, 0.04, 100.5, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	r = tsd_result(1, 1, 1, -0.62, 0.05, 10, RIG_VERDICT_FAIL);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	r = tsd_result(3, 1, 1, 0, 0, 0, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_FAILED, "meter failed", T0 + HOUR, &err), 0);

	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_msg(store_certificate_load(s, "MM-0002", NULL, c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->run_id, run_id);
	ck_assert_str_eq(c->serial, "MM-0002");
	ck_assert_int_eq(c->position, 2);	/* the second position, counted from 1 */
	ck_assert_str_eq(c->verdict, "fail");
	ck_assert_str_eq(c->state, "failed");
	ck_assert_str_eq(c->reason, "meter failed");
	ck_assert_str_eq(c->station, "station-1");
	ck_assert_str_eq(c->instrument_idn, "FLUKE,6105A,0042,2.1");
	ck_assert_str_eq(c->instrument_serial, "6105A-0042");
	ck_assert_str_eq(c->instrument_cal_due, "2027-03-01");
	ck_assert_str_eq(c->profile_name, "ims-ct-production");
	ck_assert_str_eq(c->fixture_name, "bench-a");
	ck_assert_str_eq(c->operator_name, "J. Doe");
	ck_assert_str_eq(c->started_at, "2026-11-18T11:06:40.000Z");
	ck_assert_str_eq(c->ended_at, "2026-11-18T12:06:40.000Z");
	ck_assert_str_eq(c->model, "MMD-120-2001-T-SCC");
	ck_assert_int_eq(c->elements, 2);
	ck_assert_str_eq(c->outputs, "10,100");
	ck_assert_double_eq(c->ct_secondary_a, 0.1);
	ck_assert_int_eq(c->n_points, TSD_POINTS);
	/* The final attempt is the one shown. */
	ck_assert(c->points[0].measured);
	ck_assert_int_eq(c->points[0].attempt, 2);
	ck_assert_double_eq(c->points[0].error_pct, 0.21);
	ck_assert_double_eq(c->points[0].u_pct, 0.04);
	ck_assert_double_eq(c->points[0].current_a, 100.5);
	ck_assert_str_eq(c->points[0].verdict, "pass");
	ck_assert_double_eq(c->points[1].error_pct, -0.62);
	ck_assert_str_eq(c->points[1].verdict, "fail");
	ck_assert(!c->points[2].measured);
	ck_assert_str_eq(c->points[2].verdict, "none");
	ck_assert_double_eq(c->points[2].pf, 0.5);
	ck_assert_double_eq(c->points[2].band_pct, 0.75);
	ck_assert(c->points[3].measured);
	ck_assert(!c->points[3].has_error);
	ck_assert_str_eq(c->points[3].kind, "creep");
	ck_assert_int_eq(strlen(c->rows_hash), 16);

	/* The same run by its id gives the same rows and fingerprint; the
	 * other meter's rows differ. */
	struct store_certificate *again = calloc(1, sizeof(*again));
	ck_assert_int_eq(store_certificate_load(s, "MM-0002", run_id, again, &err), 0);
	ck_assert_str_eq(again->rows_hash, c->rows_hash);
	ck_assert_int_eq(store_certificate_load(s, NULL, run_id, again, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 meters"));
	ck_assert_int_eq(store_certificate_load(s, "MM-0001", run_id, again, &err), 0);
	ck_assert_str_ne(again->rows_hash, c->rows_hash);
	ck_assert_str_eq(again->verdict, "none");
	ck_assert_int_eq(store_certificate_load(s, "MM-9999", NULL, again, &err), -1);
	/* Editing one stored number changes the fingerprint. */
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE measurements SET error_pct = 0.2 WHERE error_pct = 0.21",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_changes(s->db), 1);
	ck_assert_int_eq(store_certificate_load(s, "MM-0002", run_id, again, &err), 0);
	ck_assert_str_ne(again->rows_hash, c->rows_hash);
	free(again);
	free(c);
	store_close(s);
}
END_TEST

START_TEST(a_passing_retest_replaces_the_indeterminate_it_retested)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	struct tsd_bench b;
	tsd_bench_init(&b, "R1", NULL, T0);
	char run_id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct rig_point_result r = tsd_result(0, 0, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	r = tsd_result(1, 0, 1, 0.47, 0.05, 10, RIG_VERDICT_INDETERMINATE);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	ck_assert_int_eq(pragma_int(s->db, "SELECT verdict = 'indeterminate' FROM run_positions"), 1);
	r = tsd_result(1, 0, 2, 0.30, 0.05, 10, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	ck_assert_int_eq(pragma_int(s->db, "SELECT verdict = 'pass' FROM run_positions"), 1);
	/* The same attempt twice is refused, and changes nothing. */
	r.verdict = RIG_VERDICT_FAIL;
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), -1);
	ck_assert_int_eq(pragma_int(s->db, "SELECT verdict = 'pass' FROM run_positions"), 1);
	r = tsd_result(2, 0, 1, 0.9, 0.05, 100, RIG_VERDICT_FAIL);
	ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
	ck_assert_int_eq(pragma_int(s->db, "SELECT verdict = 'fail' FROM run_positions"), 1);
	store_close(s);
}
END_TEST

/* The child dies with a point half written: what it committed survives. */
static void write_then_die(void)
{
	struct store *s = store_open(db_path, NULL);
	struct tsd_bench b;
	char run_id[STORE_RUN_ID_LEN];
	tsd_bench_init(&b, "K1", NULL, T0);
	if (!s || store_begin_run(s, &b.plan, &b.meta, run_id, NULL) < 0)
		_exit(2);
	for (int p = 0; p < 2; p++) {
		struct rig_point_result r = tsd_result(p, 0, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
		if (store_add_point_result(s, run_id, &r, NULL) < 0)
			_exit(3);
	}
	if (sqlite3_exec(s->db,
			 "BEGIN IMMEDIATE; INSERT INTO measurements (point_id, position, attempt, current_a,"
			 " reference_w, edges_used, gate_s, verdict) SELECT id, 0, 1, 100, 0, 0, 0, 'pass'"
			 " FROM points WHERE idx = 2",
			 NULL, NULL, NULL) != SQLITE_OK)
		_exit(4);
	_exit(0);	/* no commit, no close */
}

START_TEST(a_crash_loses_at_most_the_point_in_progress)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		write_then_die();
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	struct store *s = open_ok();
	struct rig_error err = {0};
	ck_assert(store_integrity_ok(s));
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM measurements"), 2);
	ck_assert_int_eq(store_mark_interrupted(s, T0 + HOUR, &err), 1);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM runs WHERE state = 'interrupted'"), 1);
	store_close(s);
}
END_TEST

START_TEST(bad_paths_and_files_give_clear_errors)
{
	struct rig_error err = {0};
	ck_assert_ptr_null(store_open("/nonexistent-dir/results.db", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	ck_assert_str_eq(err.file, "/nonexistent-dir/results.db");

	FILE *f = fopen(db_path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 512; i++)
		fputs("not a database ", f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	ck_assert_ptr_null(store_open(db_path, &err));
	ck_assert_str_eq(err.file, db_path);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a database"));
	ck_assert_ptr_null(store_open_readonly(db_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "not a database"));
}
END_TEST

START_TEST(each_point_is_visible_to_a_reader_once_added)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	struct tsd_bench b;
	tsd_bench_init(&b, "MM-0001", NULL, T0);
	char run_id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct store *reader = store_open_readonly(db_path, &err);
	ck_assert_msg(reader != NULL, "%s", err.msg);
	/* The writer holds a transaction open: WAL still lets the reader in. */
	ck_assert_int_eq(sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(pragma_int(reader->db, "SELECT COUNT(*) FROM runs"), 1);
	ck_assert_int_eq(sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	for (int p = 0; p < 3; p++) {
		struct rig_point_result r = tsd_result(p, 0, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
		ck_assert_int_eq(store_add_point_result(s, run_id, &r, &err), 0);
		ck_assert_int_eq(pragma_int(reader->db, "SELECT COUNT(*) FROM measurements"), p + 1);
	}
	ck_assert_int_eq(sqlite3_exec(reader->db, "INSERT INTO stations (name) VALUES ('x')", NULL, NULL,
				      NULL) & 0xff,
			 SQLITE_READONLY);
	store_close(reader);
	store_close(s);
}
END_TEST

START_TEST(mark_interrupted_closes_only_running_runs)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	char done[STORE_RUN_ID_LEN], open1[STORE_RUN_ID_LEN], open2[STORE_RUN_ID_LEN];
	const double good[3] = {0.1, 0.1, 0.2}, bad[3] = {0.1, 0.9, 0.2};
	store_run(s, "A1", "A2", T0, good, good, RIG_RUN_PASSED, done);
	store_run(s, "B1", "B2", T0 + HOUR, good, bad, RIG_RUN_RUNNING, open1);
	store_run(s, "C1", NULL, T0 + 2 * HOUR, NULL, NULL, RIG_RUN_RUNNING, open2);
	ck_assert_int_eq(store_mark_interrupted(s, T0 + 3 * HOUR, &err), 2);
	ck_assert_int_eq(store_mark_interrupted(s, T0 + 3 * HOUR, &err), 0);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM runs WHERE state = 'interrupted'"), 2);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM runs WHERE state = 'passed'"), 1);

	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "B1", NULL, c, &err), 0);
	ck_assert_str_eq(c->state, "interrupted");
	ck_assert_str_eq(c->verdict, "aborted");	/* never passed: the run did not finish */
	ck_assert_ptr_nonnull(strstr(c->reason, "stopped"));
	ck_assert_int_eq(store_certificate_load(s, "B2", NULL, c, &err), 0);
	ck_assert_str_eq(c->verdict, "fail");		/* a measured failure stays a failure */
	ck_assert_int_eq(store_certificate_load(s, "A1", NULL, c, &err), 0);
	ck_assert_str_eq(c->verdict, "pass");
	free(c);
	ck_assert(store_integrity_ok(s));
	ck_assert_int_eq(store_end_run(s, done, RIG_RUN_RUNNING, "", T0, &err), -1);
	store_close(s);
}
END_TEST

static int count_row(const struct store_result_row *row, void *ctx)
{
	ck_assert_str_ne(row->run_id, "");
	(*(int *)ctx)++;
	return 0;
}

static int count_results(struct store *s, struct store_filter f)
{
	int n = 0;
	struct rig_error err = {0};
	ck_assert_msg(store_query_results(s, &f, count_row, &n, &err) == 0, "%s", err.msg);
	return n;
}

static int stop_at_first(const struct store_result_row *row, void *ctx)
{
	*(const char **)ctx = row->serial[0] ? "seen" : NULL;
	return 7;
}

START_TEST(results_filter_by_serial_model_date_verdict_and_run)
{
	struct store *s = open_ok();
	char r1[STORE_RUN_ID_LEN], r2[STORE_RUN_ID_LEN], r3[STORE_RUN_ID_LEN];
	const double good[3] = {0.1, 0.1, 0.2}, bad[3] = {0.1, 0.9, 0.2};
	store_run(s, "A1", "A2", T0, good, bad, RIG_RUN_FAILED, r1);
	store_run(s, "A2", "A3", T0 + 24 * HOUR, good, good, RIG_RUN_PASSED, r2);
	store_run(s, "A4", NULL, T0 + 48 * HOUR, good, NULL, RIG_RUN_PASSED, r3);
	/* A different model for one meter, as its run recorded it. */
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE run_positions SET model = 'MMS-120-1001-SCC'"
				      " WHERE meter_id = (SELECT id FROM meters WHERE serial = 'A4')",
				      NULL, NULL, NULL),
			 SQLITE_OK);

	ck_assert_int_eq(count_results(s, (struct store_filter){0}), 5);
	ck_assert_int_eq(count_results(s, (struct store_filter){.serial = "A2"}), 2);
	ck_assert_int_eq(count_results(s, (struct store_filter){.serial = "nope"}), 0);
	ck_assert_int_eq(count_results(s, (struct store_filter){.model = "MMS-120-1001-SCC"}), 1);
	ck_assert_int_eq(count_results(s, (struct store_filter){.model = "MMD-120-2001-T-SCC"}), 4);
	ck_assert_int_eq(count_results(s, (struct store_filter){.from_ms = T0 + HOUR}), 3);
	ck_assert_int_eq(count_results(s, (struct store_filter){.to_ms = T0 + HOUR}), 2);
	ck_assert_int_eq(count_results(s, (struct store_filter){.from_ms = T0 + HOUR, .to_ms = T0 + 25 * HOUR}), 2);
	ck_assert_int_eq(count_results(s, (struct store_filter){.verdict = "fail"}), 1);
	ck_assert_int_eq(count_results(s, (struct store_filter){.verdict = "pass"}), 4);
	ck_assert_int_eq(count_results(s, (struct store_filter){.run_id = r2}), 2);
	ck_assert_int_eq(count_results(s, (struct store_filter){.serial = "A2", .verdict = "fail"}), 1);
	/* Input is bound, never spliced into SQL. */
	ck_assert_int_eq(count_results(s, (struct store_filter){.serial = "A1' OR '1'='1"}), 0);

	const char *seen = NULL;
	struct rig_error err = {0};
	ck_assert_int_eq(store_query_results(s, NULL, stop_at_first, &seen, &err), 7);
	ck_assert_str_eq(seen, "seen");
	store_close(s);
}
END_TEST

/* Every line of the plan; fails on a full scan of a big table. */
static void assert_no_scan(sqlite3 *db, const char *sql)
{
	char explain[2048];
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	ck_assert_msg(sqlite3_prepare_v2(db, explain, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	int lines = 0;
	char plan[2048] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		strncat(plan, detail, sizeof(plan) - strlen(plan) - 2);
		strncat(plan, "\n", sizeof(plan) - strlen(plan) - 1);
		lines++;
	}
	sqlite3_finalize(st);
	ck_assert_int_gt(lines, 0);
	/* Stations and instruments are a handful of rows: scanning them is
	 * what the planner should do. Anything else must be a lookup. */
	for (const char *line = plan; (line = strstr(line, "SCAN ")); line++) {
		bool small_table = strncmp(line, "SCAN st\n", 8) == 0 || strncmp(line, "SCAN i\n", 7) == 0;
		ck_assert_msg(small_table, "full scan in plan of\n%s\n%s", sql, plan);
	}
	ck_assert_msg(strstr(plan, "USING") != NULL, "no index in plan:\n%s", plan);
}

START_TEST(certificate_summary_and_filtered_queries_use_indexes)
{
	struct store *s = open_ok();
	char run_id[STORE_RUN_ID_LEN];
	const double good[3] = {0.1, 0.1, 0.2};
	for (int i = 0; i < 20; i++) {
		char a[16], b2[16];
		snprintf(a, sizeof(a), "S%02d", 2 * i);
		snprintf(b2, sizeof(b2), "S%02d", 2 * i + 1);
		store_run(s, a, b2, T0 + i * HOUR, good, good, RIG_RUN_PASSED, run_id);
	}
	/* A mix of models, as on a real line. */
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE meters SET model = 'MODEL-' || (id % 8)", NULL, NULL, NULL),
			 SQLITE_OK);
	/* No ANALYZE: the daemon never runs it, so these are the plans it gets. */
	assert_no_scan(s->db, store_sql_certificate_latest);
	assert_no_scan(s->db, store_sql_certificate_points);
	assert_no_scan(s->db, store_sql_summary_errors);
	assert_no_scan(s->db, store_sql_summary_meters);
	char sql[1024];
	struct store_filter filters[] = {
		{.serial = "S01"},
		{.model = "MODEL-3"},
		{.from_ms = T0, .to_ms = T0 + HOUR},
		{.verdict = "fail"},
		{.run_id = run_id},
		{.serial = "S01", .from_ms = T0},
	};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		store_results_sql(&filters[i], sql, sizeof(sql));
		assert_no_scan(s->db, sql);
	}
	store_close(s);
}
END_TEST

START_TEST(summary_statistics_match_hand_computed_values)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	char id[STORE_RUN_ID_LEN];
	/* Full load errors 0.1, 0.2, 0.3, 0.4: mean 0.25, sd sqrt(0.05 / 3) =
	 * 0.1290994, Cpk = min(0.5 - 0.25, 0.25 + 0.5) / (3 sd) = 0.6454972.
	 * Light load: -0.2, 0.0, 0.2, 0.9 (one failure). */
	const double m1[3] = {0.1, -0.2, 0.3}, m2[3] = {0.2, 0.0, 0.3};
	const double m3[3] = {0.3, 0.2, 0.3}, m4[3] = {0.4, 0.9, 0.3};
	store_run(s, "M1", "M2", T0, m1, m2, RIG_RUN_PASSED, id);
	store_run(s, "M3", "M4", T0 + HOUR, m3, m4, RIG_RUN_FAILED, id);
	/* Outside the period: must not count. */
	store_run(s, "M5", NULL, T0 + 48 * HOUR, m4, NULL, RIG_RUN_FAILED, id);
	/* A retest: only the final attempt counts (M1's full load becomes 0.1 again). */

	struct store_summary *sum = calloc(1, sizeof(*sum));
	struct store_filter f = {.from_ms = T0, .to_ms = T0 + 24 * HOUR};
	ck_assert_msg(store_summary_load(s, &f, sum, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sum->runs, 2);
	ck_assert_int_eq(sum->runs_passed, 1);
	ck_assert_int_eq(sum->runs_failed, 1);
	ck_assert_int_eq(sum->meters, 4);
	ck_assert_int_eq(sum->meters_passed, 3);
	ck_assert_int_eq(sum->meters_failed, 1);
	ck_assert_double_eq_tol(sum->pass_rate, 0.75, 1e-12);
	ck_assert_int_eq(sum->n_points, 3);

	const struct store_point_summary *fl = &sum->points[0];
	ck_assert_str_eq(fl->name, "full load pf 1");
	ck_assert_int_eq(fl->stats.n, 4);
	ck_assert_double_eq_tol(fl->stats.mean, 0.25, 1e-12);
	ck_assert_double_eq_tol(fl->sd, 0.12909944487, 1e-9);
	ck_assert_double_eq_tol(fl->cpk, 0.64549722437, 1e-9);
	ck_assert_str_eq(fl->worst_serial, "M4");

	const struct store_point_summary *ll = &sum->points[1];
	ck_assert_double_eq_tol(ll->stats.mean, 0.225, 1e-12);
	/* deviations -0.425, -0.225, -0.025, 0.675: sum of squares 0.6875 */
	ck_assert_double_eq_tol(ll->sd, sqrt(0.6875 / 3), 1e-9);
	ck_assert_double_eq_tol(ll->cpk, (0.5 - 0.225) / (3 * sqrt(0.6875 / 3)), 1e-9);

	/* Every pf 0.5 error is 0.3: no spread, so no Cpk. */
	const struct store_point_summary *pf = &sum->points[2];
	ck_assert_double_eq_tol(pf->sd, 0, 1e-12);
	ck_assert(isnan(pf->cpk));

	/* Worst meter: M4 at light load used 0.9 / 0.5 of its band. */
	ck_assert_int_eq(sum->n_worst, 4);
	ck_assert_str_eq(sum->worst[0].serial, "M4");
	ck_assert_str_eq(sum->worst[0].point, "light load pf 1");
	ck_assert_double_eq_tol(sum->worst[0].band_used, 1.8, 1e-12);
	for (int i = 1; i < sum->n_worst; i++)
		ck_assert(sum->worst[i - 1].band_used >= sum->worst[i].band_used);

	/* Filtering on another model selects nothing. */
	f.model = "MMS-120-1001-SCC";
	ck_assert_int_eq(store_summary_load(s, &f, sum, &err), 0);
	ck_assert_int_eq(sum->meters, 0);
	ck_assert(isnan(sum->pass_rate));
	free(sum);
	store_close(s);
}
END_TEST

START_TEST(stats_on_known_numbers)
{
	struct store_stats st = {0};
	ck_assert(isnan(store_stats_sd(&st)));
	const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
	for (size_t i = 0; i < 8; i++)
		store_stats_add(&st, x[i]);
	ck_assert_double_eq_tol(st.mean, 5, 1e-12);
	ck_assert_double_eq_tol(store_stats_sd(&st), sqrt(32.0 / 7), 1e-12);
	/* band 11: min(11 - 5, 5 + 11) / (3 sd) */
	ck_assert_double_eq_tol(store_stats_cpk(&st, 11), 6 / (3 * sqrt(32.0 / 7)), 1e-12);
}
END_TEST

START_TEST(times_format_and_parse_in_utc)
{
	char buf[32];
	store_format_time(T0 + 123, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-11-18T11:06:40.123Z");
	int64_t ms;
	ck_assert_int_eq(store_parse_time("2026-11-18T11:06:40Z", &ms), 0);
	ck_assert_int_eq(ms, T0);
	ck_assert_int_eq(store_parse_time("2026-11-18", &ms), 0);
	ck_assert_int_eq(ms, T0 - (11 * 3600 + 6 * 60 + 40) * 1000LL);
	ck_assert_int_eq(store_parse_time("2026-13-01", &ms), -1);
	ck_assert_int_eq(store_parse_time("yesterday", &ms), -1);
	ck_assert_int_eq(store_parse_time("2026-11-18T08:26x", &ms), -1);
}
END_TEST

START_TEST(edges_are_stored_with_their_run)
{
	struct store *s = open_ok();
	struct rig_error err = {0};
	char run_id[STORE_RUN_ID_LEN];
	const double e[3] = {0.1, 0.1, 0.1};
	store_run(s, "E1", NULL, T0, e, NULL, RIG_RUN_PASSED, run_id);
	struct rig_edge edges[3] = {
		{.timestamp_ns = 1000, .global_seqno = 1, .line_seqno = 1, .line = 4, .kind = RIG_EDGE_RISING},
		{.timestamp_ns = 2000, .global_seqno = 2, .line_seqno = 2, .line = 4, .kind = RIG_EDGE_FALLING},
		{.timestamp_ns = 3000, .global_seqno = 3, .line_seqno = 1, .line = 5, .kind = RIG_EDGE_RISING},
	};
	ck_assert_int_eq(store_add_edges(s, run_id, edges, 3, &err), 0);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM edges WHERE line = 4"), 2);
	ck_assert_int_eq(pragma_int(s->db, "SELECT SUM(timestamp_ns) FROM edges"), 6000);
	ck_assert_int_eq(store_add_edges(s, "missing", edges, 3, &err), -1);
	ck_assert_int_eq(pragma_int(s->db, "SELECT COUNT(*) FROM edges"), 3);
	store_close(s);
}
END_TEST

Suite *suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, creates_at_latest_version_with_wal_and_foreign_keys);
	tcase_add_test(tc, opening_a_version_1_file_migrates_it_and_keeps_its_rows);
	tcase_add_test(tc, a_file_newer_than_the_code_is_refused);
	tcase_add_test(tc, foreign_keys_are_enforced);
	tcase_add_test(tc, a_run_round_trips_through_the_certificate_query);
	tcase_add_test(tc, a_passing_retest_replaces_the_indeterminate_it_retested);
	tcase_add_test(tc, a_crash_loses_at_most_the_point_in_progress);
	tcase_add_test(tc, bad_paths_and_files_give_clear_errors);
	tcase_add_test(tc, each_point_is_visible_to_a_reader_once_added);
	tcase_add_test(tc, mark_interrupted_closes_only_running_runs);
	tcase_add_test(tc, results_filter_by_serial_model_date_verdict_and_run);
	tcase_add_test(tc, certificate_summary_and_filtered_queries_use_indexes);
	tcase_add_test(tc, summary_statistics_match_hand_computed_values);
	tcase_add_test(tc, stats_on_known_numbers);
	tcase_add_test(tc, times_format_and_parse_in_utc);
	tcase_add_test(tc, edges_are_stored_with_their_run);
	suite_add_tcase(s, tc);
	return s;
}
