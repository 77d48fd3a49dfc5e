/* The daemon's use of the store when writes fail (rig/rigd/runstore.c): a
 * point that cannot be committed fails the run, later points of it fail at
 * once, an end that cannot be committed is kept and stored before the next
 * run. Real SQLite faults: a lock held by another connection, a database
 * that may not grow. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/rigd/runstore.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static char dir[64], db_path[96];
static struct tsd_bench bench;
static struct run_meta meta;

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
	tsd_bench_init(&bench, "R1", "R2", T0);
	meta = (struct run_meta){.station = "bench-1", .operator_name = "Ana", .notes = "",
				 .profile = &bench.profile, .fixture = &bench.fixture,
				 .plan = &bench.plan, .instrument_idn = "SIM", .software_version = "t"};
}

static void teardown(void)
{
	unsetenv("RIGD_TEST_DB_GROWTH_PAGES");
	tsd_rmdir(dir);
}

/* The sequencer's numbering: positions from 1. */
static struct rig_point_result result(int point, int position)
{
	return tsd_result(point, position - 1, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
}

static sqlite3 *take_lock(void)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void release_lock(sqlite3 *db)
{
	ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static char *stored_state(const char *run_id)
{
	static char state[32];
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT state, reason FROM runs WHERE run_uuid = ?1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(state, sizeof(state), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return state;
}

START_TEST(a_held_lock_fails_the_run_and_its_end_is_stored_later)
{
	struct rig_error err = {0};
	struct runstore *rs = runstore_open(db_path, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	char id[64];
	ck_assert_msg(runstore_begin(rs, &meta, id, sizeof(id), &err) == 0, "%s", err.msg);
	struct rig_point_result r = result(0, 1);
	ck_assert_int_eq(runstore_point(rs, id, &bench.profile, &r, &err), 0);
	ck_assert(!runstore_failed(rs, NULL, 0));

	sqlite3 *lock = take_lock();
	r = result(0, 2);
	ck_assert_int_eq(runstore_point(rs, id, &bench.profile, &r, &err), -1);
	char why[300];
	ck_assert(runstore_failed(rs, why, sizeof(why)));
	ck_assert_msg(strstr(why, "database:") == why && strstr(why, "locked"), "%s", why);
	/* the end cannot be stored either; a new run is refused meanwhile */
	ck_assert_int_eq(runstore_end(rs, id, RIG_RUN_ERROR, why, &err), -1);
	char id2[64];
	ck_assert_int_eq(runstore_begin(rs, &meta, id2, sizeof(id2), &err), -1);
	release_lock(lock);

	/* the lock gone: later points of the failed run are still refused... */
	r = result(1, 1);
	ck_assert_int_eq(runstore_point(rs, id, &bench.profile, &r, &err), -1);
	/* ...and the next run first stores the kept end */
	ck_assert_str_eq(stored_state(id), "running");
	ck_assert_msg(runstore_begin(rs, &meta, id2, sizeof(id2), &err) == 0, "%s", err.msg);
	ck_assert_str_eq(stored_state(id), "error");
	ck_assert(!runstore_failed(rs, NULL, 0));
	r = result(0, 1);
	ck_assert_int_eq(runstore_point(rs, id2, &bench.profile, &r, &err), 0);
	runstore_close(rs);
}
END_TEST

START_TEST(a_kept_end_is_stored_at_close)
{
	struct rig_error err = {0};
	struct runstore *rs = runstore_open(db_path, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	char id[64];
	ck_assert_int_eq(runstore_begin(rs, &meta, id, sizeof(id), &err), 0);
	sqlite3 *lock = take_lock();
	ck_assert_int_eq(runstore_end(rs, id, RIG_RUN_PASSED, "", &err), -1);
	release_lock(lock);
	runstore_close(rs);
	/* said as an error, so stored as one: never the "passed" it was to be */
	ck_assert_str_eq(stored_state(id), "error");
}
END_TEST

START_TEST(a_database_that_cannot_grow_fails_the_point_not_the_end)
{
	setenv("RIGD_TEST_DB_GROWTH_PAGES", "0", 1);
	struct rig_error err = {0};
	struct runstore *rs = runstore_open(db_path, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	char id[64];
	ck_assert_int_eq(runstore_begin(rs, &meta, id, sizeof(id), &err), 0);
	int stored = 0;
	for (int k = 0; k < 400 && !runstore_failed(rs, NULL, 0); k++) {
		/* long details fill pages fast */
		struct rig_point_result r = tsd_result(k % TSD_POINTS, (k / TSD_POINTS) % 2,
						       1 + k / (2 * TSD_POINTS), 0.1, 0.05,
						       100, RIG_VERDICT_PASS);
		memset(r.detail, 'x', sizeof(r.detail) - 1);
		r.detail[sizeof(r.detail) - 1] = '\0';
		if (runstore_point(rs, id, &bench.profile, &r, &err) == 0)
			stored++;
	}
	char why[300];
	ck_assert_msg(runstore_failed(rs, why, sizeof(why)), "%d points stored, none refused", stored);
	ck_assert_msg(strstr(why, "full"), "%s", why);
	ck_assert_int_gt(stored, 0);
	ck_assert_msg(runstore_end(rs, id, RIG_RUN_ERROR, why, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(stored_state(id), "error");
	runstore_close(rs);
}
END_TEST

Suite *suite_runstore(void)
{
	Suite *s = suite_create("runstore");
	TCase *tc = tcase_create("write faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_held_lock_fails_the_run_and_its_end_is_stored_later);
	tcase_add_test(tc, a_kept_end_is_stored_at_close);
	tcase_add_test(tc, a_database_that_cannot_grow_fails_the_point_not_the_end);
	suite_add_tcase(s, tc);
	return s;
}
