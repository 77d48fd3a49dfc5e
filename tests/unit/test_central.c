/* Shipping benches' results to a central PostgreSQL (rig-shipper) against a
 * real server the suite starts (tests/bench/pg_server.c): every record
 * arrives once, across a server restart, a killed shipper, a repeated
 * delivery, a schema migration and two benches at once. Skipped, saying
 * why, where PostgreSQL is not installed. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench/pg_server.h"
#include "rig/central/central.h"
#include "rig/store/durability.h"
#include "rig/store/run_record.h"
#include "rig/store/schema.h"
#include "rig/store/seal.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static struct pg_server pg;
static int pg_state = -1;
static char pg_why[256];

static void pg_up(void)
{
	pg_state = pg_server_start(&pg, pg_why, sizeof(pg_why));
	if (pg_state == 1)
		fprintf(stderr, "central: skipped: %s\n", pg_why);
}

static void pg_down(void)
{
	pg_server_destroy(&pg);
}

/* Returns from the test when PostgreSQL is not installed. */
#define NEED_PG()                                                       \
	do {                                                            \
		if (pg_state == 1)                                      \
			return;                                         \
		ck_assert_msg(pg_state == 0, "PostgreSQL: %s", pg_why); \
	} while (0)

static char dir[64], db_path[96], url[400];

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

static void new_central(const char *name)
{
	ck_assert_int_eq(pg_server_createdb(&pg, name, url, sizeof(url)), 0);
}

static struct rig_point_result result_with_budget(int point, int position, double e)
{
	struct rig_point_result r = tsd_result(point, position, 1, e, 0.05, 100, RIG_VERDICT_PASS);
	if (point == 3)
		return r;
	if (point == 0) {	/* Kh 100 and the counter gated beside Kh 10 */
		r.n_outputs = 2;
		r.outputs[0] = (struct rig_output_result){ .sig = RIG_SIG_KH100, .kh = 100,
							   .verdict = RIG_VERDICT_PASS, .error_pct = e,
							   .u_pct = 0.08, .edges = 12, .duty = -1 };
		r.outputs[1] = (struct rig_output_result){ .sig = RIG_SIG_COUNTER, .kh = 1000,
							   .verdict = RIG_VERDICT_FAIL, .error_pct = -99,
							   .u_pct = 0, .edges = 0, .bound = true,
							   .duty = -1 };
	}
	struct rig_gate_budget *b = &r.gate.budget;
	b->uc_rel = 0.00025;
	b->nu_eff = 40;
	b->k = 2.02;
	for (int t = 0; t < RIG_U_TERMS; t++)
		b->term[t] = (struct rig_u_component){ .u = 1e-4 * (t + 1), .sensitivity = 1,
						       .contribution = 1e-4 * (t + 1), .dof = INFINITY };
	return r;
}

/* A stand-in for the station's key: the head's signature is only carried. */
static void fake_sign(const void *msg, size_t len, unsigned char ret_sig[64], void *ctx)
{
	(void)ctx;
	memset(ret_sig, 0, 64);
	for (size_t i = 0; i < len; i++)
		ret_sig[i % 64] ^= ((const unsigned char *)msg)[i];
}

/* n_runs sealed runs of two meters each, four points, on `station`. */
static void fill_bench(const char *path, const char *station, const char *prefix, int n_runs,
		       int64_t t0)
{
	struct rig_error err = { 0 };
	struct store *s = store_open(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_set_sync(s, STORE_SYNC_NORMAL, &err), 0);
	store_set_head_signer(s, "dGVzdC1rZXk=", fake_sign, NULL);
	for (int i = 0; i < n_runs; i++) {
		char a[32], b[32], run_id[STORE_RUN_ID_LEN];
		snprintf(a, sizeof(a), "%s-%d-1", prefix, i);
		snprintf(b, sizeof(b), "%s-%d-2", prefix, i);
		struct tsd_bench tb;
		tsd_bench_init(&tb, a, b, t0 + i * 100000LL);
		tb.meta.station = station;
		struct store_run_record rec = { 0 };
		if (i == 1) {	/* run past a model disagreement at position 1 */
			snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
			snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
			rec.pos[1].model_overridden = true;
			snprintf(rec.pos[1].override_ran_as, sizeof(rec.pos[1].override_ran_as), "%s",
				 tb.plan.pos[0].model.model);
			snprintf(rec.pos[1].override_expected, sizeof(rec.pos[1].override_expected),
				 "MMS-120-4001");
			tb.meta.record = &rec;
		}
		ck_assert_int_eq(store_begin_run(s, &tb.plan, &tb.meta, run_id, &err), 0);
		for (int p = 0; p < TSD_POINTS; p++)
			for (int pos = 0; pos < 2; pos++) {
				struct rig_point_result r = result_with_budget(p, pos, 0.01 * (i % 7) - 0.02 * p);
				if (p == 1 && pos == 0) {	/* a register point's readings */
					r.has_readings = true;
					r.reading_before_kwh = 1000 + i;
					r.reading_after_kwh = i % 2 ? -1 : 1000.5 + i;	/* odd runs: not read */
				}
				ck_assert_msg(store_add_point_result(s, run_id, &r, &err) == 0, "%s", err.msg);
			}
		if (i == 0) {	/* a point retested: only its last attempt counts */
			struct rig_point_result r = result_with_budget(0, 0, 0.3);
			r.attempt = 2;
			ck_assert_msg(store_add_point_result(s, run_id, &r, &err) == 0, "%s", err.msg);
		}
		ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_PASSED, "", t0 + i * 100000LL + 60000, &err), 0);
	}
	store_close(s);
}

static long long pg_value(const char *sql)
{
	PGconn *c = PQconnectdb(url);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
		      "%s: %s", sql, PQerrorMessage(c));
	long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0
			      ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	PQfinish(c);
	return v;
}

static long long sqlite_value(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static const char *shipper_bin(void)
{
	static char path[512];
	const char *bin = getenv("RIG_BIN");
	snprintf(path, sizeof(path), "%s/rig-shipper", bin ? bin : "build/san");
	return path;
}

/* Starts rig-shipper with extra arguments; its pid. */
static pid_t shipper_start(const char *db, const char *bench, const char *batch, int drain)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *argv[] = { shipper_bin(), "--central", url, "--db", db, "--bench", bench,
				       "--batch", batch, "--poll-ms", "50", "--backoff-max-ms", "300",
				       "--max-retries", "100", "--log-level", "err",
				       drain ? "--drain" : NULL, NULL };
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

static int shipper_wait(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int ship_all(const char *db, const char *bench)
{
	return shipper_wait(shipper_start(db, bench, "500", 1));
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* Waits until the central database holds some but not all of a bench. */
static void wait_partly_shipped(const char *bench, long long total)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT coalesce((SELECT last_seq FROM ship_state"
		 " WHERE bench = '%s'), 0)", bench);
	for (int i = 0; i < 3000; i++) {
		if (pg_value("SELECT (to_regclass('ship_state') IS NOT NULL)::int") == 0) {
			sleep_ms(5);
			continue;
		}
		long long n = pg_value(sql);
		if (n > 0) {
			ck_assert_msg(n < total, "shipped everything (%lld) before the interruption", n);
			return;
		}
		sleep_ms(5);
	}
	ck_abort_msg("nothing was shipped");
}

/* The central copy holds each of the bench's rows exactly once. */
static void assert_central_matches(const char *db, const char *station)
{
	char sql[300];
	struct { const char *pg_sql, *sqlite_sql; } pairs[] = {
		{ "SELECT count(*) FROM runs WHERE station = '%s'", "SELECT count(*) FROM runs" },
		{ "SELECT count(*) FROM run_positions p JOIN runs r USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT count(*) FROM run_positions" },
		{ "SELECT count(*) FROM points p JOIN runs r USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT count(*) FROM points" },
		{ "SELECT count(*) FROM measurements m JOIN runs r USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT count(*) FROM measurements" },
		{ "SELECT count(*) FROM measurements m JOIN runs r USING (run_uuid) WHERE r.station = '%s'"
		  " AND jsonb_array_length(budget_terms) > 0", "SELECT count(*) FROM point_budget" },
		{ "SELECT count(*) FROM seals s JOIN runs r USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT count(*) FROM run_seals" },
		{ "SELECT count(*) FROM chain_heads h JOIN seals s ON s.bench = h.bench AND s.seq = h.seq"
		  " AND s.seal = h.seal JOIN runs r USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT count(*) FROM chain_head" },
		{ "SELECT count(*) FROM measurement_outputs m JOIN runs r USING (run_uuid)"
		  " WHERE r.station = '%s'", "SELECT count(*) FROM measurement_outputs" },
		{ "SELECT count(*) FROM measurement_outputs m JOIN runs r USING (run_uuid)"
		  " WHERE r.station = '%s' AND output = 'counter' AND verdict = 'fail' AND bound"
		  " AND edges = 0", "SELECT count(*) FROM measurement_outputs WHERE output = 'counter'"
		  " AND verdict = 'fail' AND bound = 1 AND edges = 0" },
		{ "SELECT count(*) FROM runs WHERE station = '%s' AND state = 'passed'",
		  "SELECT count(*) FROM runs WHERE state = 'passed'" },
		{ "SELECT count(*) FROM register_readings g JOIN runs r USING (run_uuid)"
		  " WHERE r.station = '%s'", "SELECT count(*) FROM measurements"
		  " WHERE reading_before_kwh IS NOT NULL OR reading_after_kwh IS NOT NULL" },
		{ "SELECT coalesce(round(sum(coalesce(reading_before_kwh, 0) + 2 * coalesce("
		  "reading_after_kwh, 0)) * 10), 0) FROM register_readings g JOIN runs r"
		  " USING (run_uuid) WHERE r.station = '%s'",
		  "SELECT coalesce(CAST(round(sum(coalesce(reading_before_kwh, 0) + 2 * coalesce("
		  "reading_after_kwh, 0)) * 10) AS INTEGER), 0) FROM measurements" },
		{ "SELECT count(*) FROM runs WHERE station = '%s' AND model_override_by = 'sam'"
		  " AND model_override_reason = 'label misprint'", "SELECT count(*) FROM run_records"
		  " WHERE model_override_by = 'sam' AND model_override_reason = 'label misprint'" },
		{ "SELECT count(*) FROM run_positions p JOIN runs r USING (run_uuid) WHERE r.station = '%s'"
		  " AND p.model_override_ran_as = p.model AND p.model_override_expected = 'MMS-120-4001'"
		  " AND p.model_override_stored = ''", "SELECT count(*) FROM run_positions WHERE"
		  " model_override_ran_as = model AND model_override_expected = 'MMS-120-4001'"
		  " AND model_override_stored = ''" },
		{ "SELECT count(*) FROM run_positions p JOIN runs r USING (run_uuid) WHERE r.station = '%s'"
		  " AND p.model_override_ran_as IS NOT NULL",
		  "SELECT count(*) FROM run_positions WHERE model_override_ran_as IS NOT NULL" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(sql, sizeof(sql), pairs[i].pg_sql, station);
		ck_assert_msg(pg_value(sql) == sqlite_value(db, pairs[i].sqlite_sql),
			      "%s: central %lld, bench %lld", pairs[i].sqlite_sql, pg_value(sql),
			      sqlite_value(db, pairs[i].sqlite_sql));
	}
	ck_assert_int_eq(sqlite_value(db, "SELECT count(*) FROM outbox"), 0);
}

/* The day sums behind the fleet's Cpk hold the final attempts of the
 * accuracy points, each once. */
static void assert_day_sums_match(const char *db)
{
	const char *final = " FROM measurements m JOIN points p ON p.id = m.point_id"
			    " WHERE p.kind = 'accuracy' AND m.error_pct IS NOT NULL AND NOT EXISTS"
			    " (SELECT 1 FROM measurements l WHERE l.point_id = m.point_id"
			    " AND l.position = m.position AND l.attempt > m.attempt)";
	char sql[600];
	snprintf(sql, sizeof(sql), "SELECT count(*)%s", final);
	ck_assert_int_eq(pg_value("SELECT sum(n) FROM point_stats"), sqlite_value(db, sql));
	snprintf(sql, sizeof(sql), "SELECT CAST(round(sum(m.error_pct) * 1e6) AS INTEGER)%s", final);
	ck_assert_int_eq(pg_value("SELECT round(sum(sum_e) * 1e6) FROM point_stats"), sqlite_value(db, sql));
}

START_TEST(test_ships_every_record_once)
{
	NEED_PG();
	new_central("ship");
	fill_bench(db_path, "bench-a", "A", 3, T0);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox") > 0, 1);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	assert_central_matches(db_path, "bench-a");
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), 3 * 2 * TSD_POINTS + 1);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements WHERE superseded"), 1);
	/* the model override of run 1 (schema 10) with its run and position */
	ck_assert_int_eq(pg_value("SELECT count(*) FROM runs WHERE model_override_by = 'sam'"), 1);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM runs WHERE model_override_by IS NULL"), 2);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM run_positions WHERE position = 1"
				  " AND model_override_expected = 'MMS-120-4001'"), 1);
	/* each output beside its measurement, once: point 1 of 2 meters in 3
	 * runs and its retest, Kh 100 and the counter each */
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurement_outputs"), 2 * (3 * 2 + 1));
	ck_assert_int_eq(pg_value("SELECT count(DISTINCT (run_uuid, point_idx, position, attempt,"
				  " output)) FROM measurement_outputs WHERE point_idx = 0"),
			 2 * (3 * 2 + 1));
	ck_assert_int_eq(pg_value("SELECT round(sum(error_pct) * 1e6) FROM measurement_outputs"
				  " WHERE output = 'kh100'"),
			 sqlite_value(db_path, "SELECT CAST(round(sum(error_pct) * 1e6) AS INTEGER)"
				      " FROM measurement_outputs WHERE output = 'kh100'"));
	assert_day_sums_match(db_path);
	ck_assert_int_eq(pg_value("SELECT max(jsonb_array_length(budget_terms)) FROM measurements"),
			 RIG_U_TERMS);
	ck_assert_int_eq(pg_value("SELECT last_seq FROM ship_state WHERE bench = 'bench-a'"),
			 sqlite_value(db_path, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"));
	ck_assert_int_eq(pg_value("SELECT count(*) FROM seals s JOIN runs r USING (run_uuid)"
				  " WHERE s.seal <> ''"), 3);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM chain_heads WHERE signature <> ''"), 1);

	/* A later change to a shipped run (the register after) ships too. */
	struct rig_error err = { 0 };
	struct store *s = store_open(db_path, &err);
	char run_id[STORE_RUN_ID_LEN];
	sqlite3 *raw;
	sqlite3_open(db_path, &raw);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "SELECT run_uuid FROM runs ORDER BY id LIMIT 1", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(run_id, sizeof(run_id), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(raw);
	ck_assert_msg(store_set_register_after(s, run_id, 1, 18236.1, &err) == 0, "%s", err.msg);
	store_close(s);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT round(register_after_kwh * 10) FROM run_positions"
				  " WHERE register_after_kwh IS NOT NULL"), 182361);
	assert_central_matches(db_path, "bench-a");
}
END_TEST

START_TEST(test_duplicate_delivery_changes_nothing)
{
	NEED_PG();
	new_central("dup");
	fill_bench(db_path, "bench-a", "A", 4, T0);
	char copy[128];
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "cp %s %s", db_path, copy);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	long long meas = pg_value("SELECT count(*) FROM measurements");

	/* The acknowledgement lost: the rows arrived, the progress did not;
	 * the same entries are delivered again. */
	pg_value("UPDATE ship_state SET last_seq = 0");
	ck_assert_int_eq(ship_all(copy, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), meas);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurement_outputs"),
			 sqlite_value(copy, "SELECT count(*) FROM measurement_outputs"));
	assert_central_matches(copy, "bench-a");

	/* Another file under the same name (a restored backup, a new disk) is
	 * refused, not silently skipped up to the central progress. */
	char other[128];
	snprintf(other, sizeof(other), "%s/other.db", dir);
	fill_bench(other, "bench-a", "B", 1, T0 + 10000000);
	pid_t pid = fork();
	if (pid == 0) {
		const char *argv[] = { shipper_bin(), "--central", url, "--db", other, "--bench",
				       "bench-a", "--drain", "--max-retries", "1", "--backoff-max-ms", "10",
				       "--log-level", "err", NULL };
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	ck_assert_int_eq(shipper_wait(pid), 3);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), meas);
	ck_assert_int_gt(sqlite_value(other, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

START_TEST(test_server_restart_mid_shipment)
{
	NEED_PG();
	new_central("restart");
	fill_bench(db_path, "bench-a", "A", 120, T0);
	long long total = sqlite_value(db_path, "SELECT count(*) FROM outbox");
	pid_t pid = shipper_start(db_path, "bench-a", "3", 0);
	wait_partly_shipped("bench-a", total);
	ck_assert_int_eq(pg_server_stop(&pg, 1), 0);	/* as a crash or power cut would */
	sleep_ms(700);
	ck_assert_int_eq(pg_server_restart(&pg), 0);
	for (int i = 0; i < 600 && sqlite_value(db_path, "SELECT count(*) FROM outbox") > 0; i++)
		sleep_ms(50);
	kill(pid, SIGTERM);
	ck_assert_int_eq(shipper_wait(pid), 0);
	assert_central_matches(db_path, "bench-a");
}
END_TEST

START_TEST(test_shipper_killed_mid_shipment)
{
	NEED_PG();
	new_central("killed");
	fill_bench(db_path, "bench-a", "A", 120, T0);
	long long total = sqlite_value(db_path, "SELECT count(*) FROM outbox");
	pid_t pid = shipper_start(db_path, "bench-a", "3", 0);
	wait_partly_shipped("bench-a", total);
	kill(pid, SIGKILL);
	ck_assert_int_eq(shipper_wait(pid), 128 + SIGKILL);
	ck_assert_int_gt(sqlite_value(db_path, "SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	assert_central_matches(db_path, "bench-a");
}
END_TEST

static int rigctl_central(const char *args, char **out);

START_TEST(test_central_schema_migrates)
{
	NEED_PG();
	new_central("migrate");
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "%s --central '%s' --init-central --schema-version 1 >/dev/null",
		 shipper_bin(), url);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pg_value("SELECT version FROM rig_central_version"), 1);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM pg_indexes WHERE indexname = 'run_positions_by_serial'"), 0);
	/* rigctl asks nothing of a database older than itself: it says how to
	 * migrate it */
	char *out;
	ck_assert_int_eq(rigctl_central("history A-0-1", &out), 4);
	ck_assert_msg(strstr(out, "schema version 1, older than this rigctl asks") &&
		      strstr(out, "--init-central"), "%s", out);
	free(out);
	fill_bench(db_path, "bench-a", "A", 2, T0);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);	/* migrates on connecting */
	ck_assert_int_eq(pg_value("SELECT version FROM rig_central_version"),
			 central_schema_latest_version());
	ck_assert_int_eq(pg_value("SELECT count(*) FROM pg_indexes WHERE indexname = 'run_positions_by_serial'"), 1);
	assert_central_matches(db_path, "bench-a");

	/* The same rows in a version 2 database: step 3 marks the retested
	 * attempt and sums the days from them. */
	pg_value("ALTER TABLE runs DROP COLUMN model_override_by, DROP COLUMN model_override_reason;"
		 " ALTER TABLE run_positions DROP COLUMN model_override_ran_as,"
		 " DROP COLUMN model_override_expected, DROP COLUMN model_override_stored;"
		 " DROP TABLE register_readings; DROP TABLE measurement_outputs; DROP TABLE point_stats;"
		 " ALTER TABLE measurements DROP COLUMN superseded;"
		 " UPDATE rig_central_version SET version = 2");
	snprintf(cmd, sizeof(cmd), "%s --central '%s' --init-central >/dev/null", shipper_bin(), url);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pg_value("SELECT version FROM rig_central_version"),
			 central_schema_latest_version());
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurement_outputs"), 0);	/* step 4: the table */
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings"), 0);	/* step 5 */
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements WHERE superseded"), 1);
	assert_day_sums_match(db_path);

	/* A central schema newer than the software is refused. */
	pg_value("UPDATE rig_central_version SET version = 99");
	snprintf(cmd, sizeof(cmd), "%s --central '%s' --init-central 2>&1 | grep -q 'newer than this software'",
		 shipper_bin(), url);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_two_benches_at_once)
{
	NEED_PG();
	new_central("two");
	char db_b[128];
	snprintf(db_b, sizeof(db_b), "%s/b.db", dir);
	fill_bench(db_path, "bench-a", "A", 40, T0);
	fill_bench(db_b, "bench-b", "B", 40, T0);
	pid_t a = shipper_start(db_path, "bench-a", "7", 1);
	pid_t b = shipper_start(db_b, "bench-b", "7", 1);
	ck_assert_int_eq(shipper_wait(a), 0);
	ck_assert_int_eq(shipper_wait(b), 0);
	assert_central_matches(db_path, "bench-a");
	assert_central_matches(db_b, "bench-b");
	ck_assert_int_eq(pg_value("SELECT count(*) FROM ship_state"), 2);
	ck_assert_int_eq(pg_value("SELECT count(DISTINCT station) FROM runs"), 2);
}
END_TEST

static void sqlite_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_close(db);
}

/* The file as schema 8 left it: readings stored, none queued, no model
 * override columns (schema 10). */
static void back_to_schema_8(const char *path)
{
	sqlite_exec(path, "ALTER TABLE run_records DROP COLUMN model_override_by;"
		    "ALTER TABLE run_records DROP COLUMN model_override_reason;"
		    "ALTER TABLE run_positions DROP COLUMN model_override_ran_as;"
		    "ALTER TABLE run_positions DROP COLUMN model_override_expected;"
		    "ALTER TABLE run_positions DROP COLUMN model_override_stored;"
		    "DROP TRIGGER outbox_reading_insert; DROP TRIGGER outbox_reading_update;"
		    "DELETE FROM outbox WHERE kind = 'reading'; PRAGMA user_version = 8");
}

/* The file as schema 6 left it: no outbox, no output rows, no readings. */
static void back_to_schema_6(const char *path)
{
	back_to_schema_8(path);
	sqlite_exec(path, "DROP TABLE measurement_outputs;"
		    "ALTER TABLE measurements DROP COLUMN reading_before_kwh;"
		    "ALTER TABLE measurements DROP COLUMN reading_after_kwh;"
		    "DROP TRIGGER outbox_run_insert; DROP TRIGGER outbox_run_update;"
		    "DROP TRIGGER outbox_position_update; DROP TRIGGER outbox_measurement;"
		    "DROP TRIGGER outbox_seal; DROP TRIGGER outbox_chain_head;"
		    "DROP TRIGGER outbox_chain_head_update; DROP TABLE outbox; PRAGMA user_version = 6");
}

/* rigd upgraded in place: its next start opens (and migrates) the file. */
static void open_to_migrate(const char *path)
{
	struct rig_error err = { 0 };
	struct store *s = store_open(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	store_close(s);
	ck_assert_int_eq(sqlite_value(path, "PRAGMA user_version"), store_schema_latest_version());
}

START_TEST(test_register_readings_ship)
{
	NEED_PG();
	new_central("readings");
	fill_bench(db_path, "bench-a", "A", 4, T0);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox WHERE kind = 'reading'"), 4);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	assert_central_matches(db_path, "bench-a");
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings"), 4);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings WHERE reading_after_kwh IS NULL"), 2);
	ck_assert_int_eq(pg_value("SELECT round(reading_after_kwh * 10) FROM register_readings g"
				  " JOIN runs r USING (run_uuid) ORDER BY r.started_at LIMIT 1"), 10005);

	/* A reading written later (the after of a point read late) ships and
	 * replaces the earlier state; delivered twice, it changes nothing. */
	char copy[128], cmd[300];
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	sqlite_exec(db_path, "UPDATE measurements SET reading_after_kwh = 2002.5"
		    " WHERE reading_before_kwh IS NOT NULL AND reading_after_kwh IS NULL");
	snprintf(cmd, sizeof(cmd), "cp %s %s", db_path, copy);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings WHERE reading_after_kwh = 2002.5"), 2);
	pg_value("UPDATE ship_state SET last_seq = 0");
	ck_assert_int_eq(ship_all(copy, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings"), 4);
	assert_central_matches(copy, "bench-a");
}
END_TEST

/* A bench upgraded in place from before the readings were shipped (schema
 * 8): its records went out without them; the migration queues the readings
 * it holds, numbered after every entry already shipped, and they ship once. */
START_TEST(test_upgrade_ships_older_readings)
{
	NEED_PG();
	new_central("upgrade8");
	fill_bench(db_path, "bench-a", "A", 3, T0);
	back_to_schema_8(db_path);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM register_readings"), 0);
	long long meas = pg_value("SELECT count(*) FROM measurements");
	long long high = sqlite_value(db_path, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
	open_to_migrate(db_path);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox"), 3);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox WHERE kind = 'reading'"
				      " AND seq > (SELECT seq FROM sqlite_sequence WHERE name = 'outbox') - 3"), 3);
	ck_assert_int_gt(sqlite_value(db_path, "SELECT min(seq) FROM outbox"), high);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), meas);
	assert_central_matches(db_path, "bench-a");
	assert_day_sums_match(db_path);
	/* new readings are queued by the new triggers */
	sqlite_exec(db_path, "UPDATE measurements SET reading_after_kwh = 7.5"
		    " WHERE reading_before_kwh IS NOT NULL AND reading_after_kwh IS NULL");
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox WHERE kind = 'reading'"), 1);
}
END_TEST

/* A bench upgraded in place from before the outbox (schema 6): everything
 * it stored ships, each row once, even delivered twice. */
START_TEST(test_upgrade_from_before_outbox_ships_once)
{
	NEED_PG();
	new_central("upgrade6");
	fill_bench(db_path, "bench-a", "A", 3, T0);
	back_to_schema_6(db_path);
	open_to_migrate(db_path);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	assert_central_matches(db_path, "bench-a");
	assert_day_sums_match(db_path);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), 3 * 2 * TSD_POINTS + 1);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM seals"), 3);
}
END_TEST

/* rig-shipper --backfill: a central database that missed rows (the output
 * rows and readings of a shipper older than their tables) gets them, and
 * nothing twice. */
START_TEST(test_backfill_requeues_every_record)
{
	NEED_PG();
	new_central("backfill");
	fill_bench(db_path, "bench-a", "A", 3, T0);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	long long meas = pg_value("SELECT count(*) FROM measurements");
	pg_value("DELETE FROM measurement_outputs; DELETE FROM register_readings");
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "%s --db %s --backfill >/dev/null", shipper_bin(), db_path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox"),
			 sqlite_value(db_path, "SELECT (SELECT count(*) FROM runs) + 2 * (SELECT count(*)"
				      " FROM measurements WHERE reading_before_kwh IS NOT NULL) + (SELECT"
				      " count(*) FROM measurements WHERE reading_before_kwh IS NULL)"
				      " + (SELECT count(*) FROM run_seals) + (SELECT count(*) FROM chain_head)"));
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM measurements"), meas);
	assert_central_matches(db_path, "bench-a");
	assert_day_sums_match(db_path);
	ck_assert_int_eq(pg_value("SELECT count(*) FROM seals"), 3);
}
END_TEST

/* rigctl ARGS --central URL; its output (malloc'd) into *out; exit code. */
static int rigctl_output(const char *cmd, char **out);

static int rigctl_central(const char *args, char **out)
{
	const char *bin = getenv("RIG_BIN");
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "%s/rigctl %s --central '%s' 2>&1", bin ? bin : "build/san", args, url);
	return rigctl_output(cmd, out);
}

/* rigctl --config FILE ARGS */
static int rigctl_config(const char *conf, const char *args, char **out)
{
	const char *bin = getenv("RIG_BIN");
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "%s/rigctl --config %s %s 2>&1", bin ? bin : "build/san", conf, args);
	return rigctl_output(cmd, out);
}

static int rigctl_output(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 1 << 16, len = 0;
	*out = calloc(1, cap);
	size_t n;
	while ((n = fread(*out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_fleet_queries)
{
	NEED_PG();
	new_central("fleet");
	char db_b[128];
	snprintf(db_b, sizeof(db_b), "%s/b.db", dir);
	/* The same meters (serials M-...) tested on both benches. */
	fill_bench(db_path, "bench-a", "M", 3, T0);
	fill_bench(db_b, "bench-b", "M", 2, T0 + 86400000LL);
	ck_assert_int_eq(ship_all(db_path, "bench-a"), 0);
	ck_assert_int_eq(ship_all(db_b, "bench-b"), 0);

	char *out;
	ck_assert_int_eq(rigctl_central("history M-1-2", &out), 0);
	ck_assert_msg(strstr(out, "bench-a") && strstr(out, "bench-b"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_central("results --serial M-2-1 --format csv", &out), 0);
	ck_assert_msg(strstr(out, "bench-a") && !strstr(out, "bench-b"), "%s", out);	/* b tested M-0, M-1 */
	free(out);

	ck_assert_int_eq(rigctl_central("report --batch --format csv", &out), 0);
	/* 6 meters on a, 4 on b, 10 over the fleet, all passed */
	ck_assert_msg(strstr(out, "bench-a,") && strstr(out, ",6,6,100.00,"), "%s", out);
	ck_assert_msg(strstr(out, "bench-b,") && strstr(out, ",4,4,100.00,"), "%s", out);
	ck_assert_msg(strstr(out, "(all benches),") && strstr(out, ",10,10,100.00,"), "%s", out);
	ck_assert_msg(!strstr(out, ",100.00,,"), "a Cpk is missing: %s", out);
	free(out);

	ck_assert_int_eq(rigctl_central("report --serial M-1-1", &out), 0);
	ck_assert_msg(strstr(out, "full load pf 1") && strstr(out, "bench-b"), "%s", out);	/* the latest test */
	/* run 1 was run past a model disagreement: who, why, what ran as what */
	ck_assert_msg(strstr(out, "model_override_by") && strstr(out, "label misprint") &&
		      strstr(out, "MMS-120-4001"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_central("report --serial M-0-1", &out), 0);
	ck_assert_msg(!strstr(out, "model_override_by"), "%s", out);
	free(out);

	/* A run with a register-after addendum has two seals: the certificate
	 * names the run's own, whatever order the server finds them in (here
	 * the addendum stored first, as after a re-delivery or a VACUUM FULL). */
	pg_value("CREATE TABLE s_run AS SELECT * FROM seals WHERE run_uuid ="
		 " (SELECT run_uuid FROM runs WHERE station = 'bench-b' ORDER BY started_at DESC"
		 " LIMIT 1) AND subject = 'run'");
	pg_value("DELETE FROM seals WHERE (bench, seq) IN (SELECT bench, seq FROM s_run)");
	pg_value("INSERT INTO seals (bench, seq, run_uuid, subject, format, rows_sha256, prev_seal, seal)"
		 " SELECT bench, seq + 1000, run_uuid, 'register-after 1', 2, rows_sha256, seal,"
		 " 'addendum-seal-not-the-runs' FROM s_run");
	pg_value("INSERT INTO seals SELECT * FROM s_run");
	pg_value("DROP TABLE s_run");
	ck_assert_int_eq(rigctl_central("report --serial M-1-1", &out), 0);
	ck_assert_msg(!strstr(out, "addendum-seal-not-the-runs"), "the addendum's seal named: %s", out);
	free(out);

	pg_value("INSERT INTO run_standards (run_uuid, role, identity, cal_due)"
		 " SELECT run_uuid, 'reference', 'RS-9', to_char(current_date + 10, 'YYYY-MM-DD')"
		 " FROM runs WHERE station = 'bench-b' ORDER BY started_at DESC LIMIT 1");
	pg_value("INSERT INTO run_standards (run_uuid, role, identity, cal_due)"
		 " SELECT run_uuid, 'reference', 'RS-1', to_char(current_date + 300, 'YYYY-MM-DD')"
		 " FROM runs WHERE station = 'bench-a' ORDER BY started_at DESC LIMIT 1");
	ck_assert_int_eq(rigctl_central("report --cal-due", &out), 0);
	ck_assert_msg(strstr(out, "RS-9") && !strstr(out, "RS-1"), "%s", out);
	free(out);

	/* A meter's history shows its register readings, as read. */
	ck_assert_int_eq(rigctl_central("history M-0-1", &out), 0);
	ck_assert_msg(strstr(out, "1000>1000.5"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_central("history M-1-1", &out), 0);
	ck_assert_msg(strstr(out, "1001>-"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_central("report --serial M-0-1", &out), 0);	/* and its test's figures */
	ck_assert_msg(strstr(out, "register_kwh") && strstr(out, "1000>1000.5"), "%s", out);
	free(out);
	/* Measured again with no reading taken: the history shows the final
	 * attempt's (none), never an earlier attempt's as if it counted. */
	pg_value("INSERT INTO measurements (run_uuid, point_idx, position, attempt, verdict)"
		 " SELECT m.run_uuid, m.point_idx, m.position, m.attempt + 1, 'pass'"
		 " FROM measurements m JOIN register_readings g USING (run_uuid, point_idx, position, attempt)"
		 " JOIN run_positions p ON p.run_uuid = m.run_uuid AND p.position = m.position"
		 " WHERE p.serial = 'M-0-1'");
	ck_assert_int_eq(rigctl_central("history M-0-1", &out), 0);
	ck_assert_msg(!strstr(out, "1000>1000.5") && strstr(out, "->-"), "%s", out);
	free(out);

	/* The station setting: `central` in rigd.conf answers the fleet
	 * questions without --central; --local reads the bench's own file;
	 * a certificate stays the bench's. */
	char conf[128], args[300], cert[200];
	snprintf(conf, sizeof(conf), "%s/rigd.conf", dir);
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[rigd]\ndatabase = %s\ncentral = %s\n", db_path, url);
	fclose(f);
	ck_assert_int_eq(rigctl_config(conf, "history M-1-2", &out), 0);
	ck_assert_msg(strstr(out, "station") && strstr(out, "bench-b"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "results --serial M-1-2 --format csv", &out), 0);
	ck_assert_msg(strstr(out, "bench-b"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "report --cal-due", &out), 0);
	ck_assert_msg(strstr(out, "RS-9"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "history M-1-2 --local", &out), 0);
	ck_assert_msg(strstr(out, "started (UTC)") && !strstr(out, "bench-b"), "%s", out);
	free(out);
	/* a file named with --db is the one asked, as --local */
	snprintf(args, sizeof(args), "history M-1-2 --db %s", db_path);
	ck_assert_int_eq(rigctl_config(conf, args, &out), 0);
	ck_assert_msg(strstr(out, "started (UTC)") && !strstr(out, "bench-b"), "%s", out);
	free(out);
	snprintf(cert, sizeof(cert), "%s/cert.html", dir);
	snprintf(args, sizeof(args), "report --serial M-1-1 --out %s", cert);
	ck_assert_int_eq(rigctl_config(conf, args, &out), 0);
	ck_assert_msg(access(cert, R_OK) == 0, "not the bench's certificate: %s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "history M-1-2 --local --central x", &out), 4);
	ck_assert_msg(strstr(out, "not both"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "report --cal-due --local", &out), 4);
	free(out);
	/* without any central database, --cal-due says where to set one */
	f = fopen(conf, "w");
	fprintf(f, "database = %s\n", db_path);
	fclose(f);
	ck_assert_int_eq(rigctl_config(conf, "report --cal-due", &out), 4);
	ck_assert_msg(strstr(out, "central = URL"), "%s", out);
	free(out);
	ck_assert_int_eq(rigctl_config(conf, "history M-1-2", &out), 0);
	ck_assert_msg(!strstr(out, "bench-b"), "%s", out);
	free(out);
}
END_TEST

/* A file from before the outbox: the migration queues what it holds, oldest
 * first, so a bench's history ships too. No server needed. */
START_TEST(test_migration_queues_older_records)
{
	fill_bench(db_path, "bench-a", "A", 2, T0);
	back_to_schema_6(db_path);
	open_to_migrate(db_path);
	/* schema 8 brings no rows of its own (the outputs and readings came
	 * after it); the readings of schema 9 are none here */
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox"),
			 sqlite_value(db_path, "SELECT (SELECT count(*) FROM runs) + (SELECT count(*)"
				      " FROM measurements) + (SELECT count(*) FROM run_seals)"
				      " + (SELECT count(*) FROM chain_head)"));
	ck_assert_int_eq(sqlite_value(db_path, "SELECT kind = 'run' FROM outbox ORDER BY seq LIMIT 1"), 1);
	ck_assert_int_eq(sqlite_value(db_path, "SELECT count(*) FROM outbox WHERE kind = 'seal'"),
			 sqlite_value(db_path, "SELECT count(*) FROM run_seals"));
}
END_TEST

Suite *suite_central(void)
{
	Suite *s = suite_create("central");
	TCase *tc = tcase_create("shipping");
	tcase_add_unchecked_fixture(tc, pg_up, pg_down);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ships_every_record_once);
	tcase_add_test(tc, test_duplicate_delivery_changes_nothing);
	tcase_add_test(tc, test_server_restart_mid_shipment);
	tcase_add_test(tc, test_shipper_killed_mid_shipment);
	tcase_add_test(tc, test_central_schema_migrates);
	tcase_add_test(tc, test_two_benches_at_once);
	tcase_add_test(tc, test_fleet_queries);
	tcase_add_test(tc, test_register_readings_ship);
	tcase_add_test(tc, test_upgrade_ships_older_readings);
	tcase_add_test(tc, test_upgrade_from_before_outbox_ships_once);
	tcase_add_test(tc, test_backfill_requeues_every_record);
	suite_add_tcase(s, tc);
	TCase *bench = tcase_create("outbox");
	tcase_add_checked_fixture(bench, setup, teardown);
	tcase_add_test(bench, test_migration_queues_older_records);
	suite_add_tcase(s, bench);
	return s;
}
