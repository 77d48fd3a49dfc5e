/* Bulk loading: store calls between store_batch_begin and store_batch_commit
 * share one transaction; a failed call still undoes only itself. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "rig/store/store.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static char dir[64], db_path[96];

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

/* Rows of a table as another connection sees them (committed data only). */
static int committed_rows(const char *table)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void write_run(struct store *s, const char *serial, char run_id[STORE_RUN_ID_LEN])
{
	struct tsd_bench b;
	struct rig_error err = {0};
	tsd_bench_init(&b, serial, NULL, T0);
	ck_assert_msg(store_begin_run(s, &b.plan, &b.meta, run_id, &err) == 0, "%s", err.msg);
	struct rig_point_result r = tsd_result(0, 0, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
	ck_assert_msg(store_add_point_result(s, run_id, &r, &err) == 0, "%s", err.msg);
	ck_assert_msg(store_end_run(s, run_id, RIG_RUN_PASSED, "", T0 + 1000, &err) == 0, "%s", err.msg);
}

START_TEST(a_batch_is_seen_by_readers_only_when_committed)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_msg(store_batch_begin(s, &err) == 0, "%s", err.msg);
	char id1[STORE_RUN_ID_LEN], id2[STORE_RUN_ID_LEN];
	write_run(s, "B1", id1);
	write_run(s, "B2", id2);
	ck_assert_int_eq(committed_rows("runs"), 0);
	ck_assert_msg(store_batch_commit(s, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(committed_rows("runs"), 2);
	ck_assert_int_eq(committed_rows("measurements"), 2);
	/* Back to one commit per call. */
	char id3[STORE_RUN_ID_LEN];
	write_run(s, "B3", id3);
	ck_assert_int_eq(committed_rows("runs"), 3);
	store_close(s);
}
END_TEST

START_TEST(a_failed_call_in_a_batch_undoes_only_itself)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_batch_begin(s, &err), 0);
	char id[STORE_RUN_ID_LEN];
	write_run(s, "C1", id);
	/* Position 1 has no meter in this run: refused, nothing of it kept. */
	struct rig_point_result r = tsd_result(0, 1, 1, 0.1, 0.05, 100, RIG_VERDICT_PASS);
	ck_assert_int_eq(store_add_point_result(s, id, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "position"));
	char id2[STORE_RUN_ID_LEN];
	write_run(s, "C2", id2);
	ck_assert_msg(store_batch_commit(s, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(committed_rows("runs"), 2);
	ck_assert_int_eq(committed_rows("measurements"), 2);
	ck_assert(store_integrity_ok(s));
	store_close(s);
}
END_TEST

START_TEST(batches_do_not_nest_and_a_commit_needs_a_batch)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_batch_commit(s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no batch"));
	ck_assert_int_eq(store_batch_begin(s, &err), 0);
	ck_assert_int_eq(store_batch_begin(s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "already"));
	ck_assert_int_eq(store_batch_commit(s, &err), 0);
	store_close(s);
}
END_TEST

START_TEST(closing_with_a_batch_open_keeps_nothing_of_it)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	char id[STORE_RUN_ID_LEN];
	write_run(s, "D1", id);
	ck_assert_int_eq(store_batch_begin(s, &err), 0);
	write_run(s, "D2", id);
	store_close(s);
	ck_assert_int_eq(committed_rows("runs"), 1);
}
END_TEST

Suite *suite_store_batch(void)
{
	Suite *s = suite_create("store_batch");
	TCase *tc = tcase_create("batch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_batch_is_seen_by_readers_only_when_committed);
	tcase_add_test(tc, a_failed_call_in_a_batch_undoes_only_itself);
	tcase_add_test(tc, batches_do_not_nest_and_a_commit_needs_a_batch);
	tcase_add_test(tc, closing_with_a_batch_open_keeps_nothing_of_it);
	suite_add_tcase(s, tc);
	return s;
}
