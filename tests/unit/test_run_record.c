/* The certification record: what a run stores beside its measurements,
 * never rewritten by a later run (rig/store/run_record.h), the daemon's
 * assembly of it and its refusal of an overdue calibration
 * (rig/rigd/certrecord.h), and the long-form exports built on it. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/certificate.h"
#include "reports/certificate_pdf.h"
#include "reports/points.h"
#include "rig/rigctl/args.h"
#include "rig/rigd/certrecord.h"
#include "rig/rigd/config.h"
#include "rig/rigd/runstore.h"
#include "rig/core/profile.h"
#include "rig/rigd/control.h"
#include "rig/store/queries.h"
#include "rig/store/run_record.h"
#include "rig/store/schema.h"
#include "rig/store/seal.h"
#include "rig/store/store.h"
#include "rig/store/store_private.h"
#include "tests/unit/e2e_script.h"
#include "test_store_data.h"

#define T0 1795000000000LL
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

static struct store *open_ok(void)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "store_open: %s", err.msg);
	return s;
}

static double sql_double(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The profile's load points as real profiles give them: percent of rated. */
static void percent_points(struct tsd_bench *b)
{
	b->profile.points[0].current_pct = 100;	/* FL */
	b->profile.points[1].current_pct = 10;	/* LL */
	b->profile.points[2].current_pct = 100;	/* PF: pf 0.5 lag */
}

/* One meter at position 1, its points' final errors given (a retest on the
 * pf point first gives 0.70, then `pf`). */
static void run_one(struct store *s, struct tsd_bench *b, double fl, double ll, double pf,
		    char run_id[STORE_RUN_ID_LEN])
{
	struct rig_error err = {0};
	ck_assert_msg(store_begin_run(s, &b->plan, &b->meta, run_id, &err) == 0, "%s", err.msg);
	struct rig_point_result r[] = {
		tsd_result(0, 0, 1, fl, 0.04, 100, RIG_VERDICT_PASS),
		tsd_result(1, 0, 1, ll, 0.05, 10, RIG_VERDICT_PASS),
		tsd_result(2, 0, 1, 0.70, 0.10, 100, RIG_VERDICT_INDETERMINATE),
		tsd_result(2, 0, 2, pf, 0.06, 100, RIG_VERDICT_PASS),
		tsd_result(3, 0, 1, 0, 0, 0, RIG_VERDICT_PASS),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		ck_assert_msg(store_add_point_result(s, run_id, &r[i], &err) == 0, "%s", err.msg);
	b->meta.started_ms += HOUR;
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_PASSED, "", b->meta.started_ms, &err), 0);
}

static int note_model(const struct store_result_row *row, void *ctx)
{
	char(*models)[48] = ctx;
	for (int i = 0; i < 2; i++)
		if (!models[i][0]) {
			snprintf(models[i], sizeof(models[i]), "%s", row->model);
			break;
		}
	return 0;
}

START_TEST(a_later_run_with_another_model_leaves_the_earlier_certificate_alone)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "A1001", NULL, T0);
	char first[STORE_RUN_ID_LEN], second[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.1, 0.2, 0.3, first);
	/* the operator types another model for the same serial */
	struct rig_meter_model *m = &b.plan.pos[0].model;
	snprintf(m->model, sizeof(m->model), "MMS-120-4001");
	m->elements = 1;
	m->ct_primary_a = m->rated_current_a = 400;
	m->max_current_a = 440;
	run_one(s, &b, 0.1, 0.2, 0.3, second);

	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_msg(store_certificate_load(s, "A1001", first, c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->model, "MMD-120-2001-T-SCC");
	ck_assert_int_eq(c->elements, 2);
	ck_assert(c->rated_current_a == 200);
	ck_assert_msg(store_certificate_load(s, "A1001", second, c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->model, "MMS-120-4001");
	ck_assert(c->rated_current_a == 400);
	free(c);
	/* the listing shows each run under the model it was tested as */
	char models[2][48] = {"", ""};
	struct store_filter f = {.serial = "A1001"};
	ck_assert_int_eq(store_query_results(s, &f, note_model, models, &err), 0);
	ck_assert_str_eq(models[0], "MMD-120-2001-T-SCC");
	ck_assert_str_eq(models[1], "MMS-120-4001");
	struct store_filter by_model = {.model = "MMD-120-2001-T-SCC"};
	memset(models, 0, sizeof(models));
	ck_assert_int_eq(store_query_results(s, &by_model, note_model, models, &err), 0);
	ck_assert_str_eq(models[0], "MMD-120-2001-T-SCC");
	ck_assert_str_eq(models[1], "");
	store_close(s);
}
END_TEST

START_TEST(the_weighted_average_is_the_rule_over_the_final_attempts)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "W1", NULL, T0);
	percent_points(&b);
	struct store_run_record rec = {.weighting = RIG_WEIGHTING_4FL_2LL_PF};
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.21, -0.62, 0.33, id);
	double hand = (4 * 0.21 + 2 * -0.62 + 0.33) / 7;	/* the retest's 0.33, not 0.70 */
	double stored = sql_double(s, "SELECT weighted_avg_pct FROM run_positions");
	ck_assert_msg(fabs(stored - hand) < 1e-12, "stored %.15g, by hand %.15g", stored, hand);

	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "W1", id, c, &err), 0);
	ck_assert(c->has_weighted);
	ck_assert(fabs(c->weighted_avg_pct - hand) < 1e-12);
	ck_assert_int_eq(c->record.weighting, RIG_WEIGHTING_4FL_2LL_PF);
	free(c);

	/* (4FL+LL)/5 on another run */
	rec.weighting = RIG_WEIGHTING_4FL_LL;
	run_one(s, &b, 0.10, 0.30, 0.0, id);
	ck_assert(fabs(sql_double(s, "SELECT weighted_avg_pct FROM run_positions ORDER BY run_id DESC") -
		       (4 * 0.10 + 0.30) / 5) < 1e-12);
	store_close(s);
}
END_TEST

START_TEST(no_weighted_average_without_its_load_points)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "W2", NULL, T0);
	/* points in amps on a 200 A meter: 50 % and 5 %, neither FL nor LL */
	struct store_run_record rec = {.weighting = RIG_WEIGHTING_FL_LL};
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.1, 0.1, 0.1, id);
	ck_assert(isnan(sql_double(s, "SELECT weighted_avg_pct FROM run_positions")));
	store_close(s);
}
END_TEST

START_TEST(weighting_rules_parse_by_name)
{
	enum rig_weighting w;
	ck_assert_int_eq(rig_weighting_parse("(4FL + LL)/5", &w), 0);
	ck_assert_int_eq(w, RIG_WEIGHTING_4FL_LL);
	ck_assert_int_eq(rig_weighting_parse("(fl+ll)/2", &w), 0);
	ck_assert_int_eq(w, RIG_WEIGHTING_FL_LL);
	ck_assert_int_eq(rig_weighting_parse("(4FL+2LL+PF)/7", &w), 0);
	ck_assert_int_eq(w, RIG_WEIGHTING_4FL_2LL_PF);
	ck_assert_int_eq(rig_weighting_parse("(3FL+LL)/4", &w), -1);
	ck_assert(fabs(rig_weighting_apply(RIG_WEIGHTING_FL_LL, 0.2, 0.4, 9) - 0.3) < 1e-15);
}
END_TEST

START_TEST(bad_record_values_are_refused_and_nothing_is_stored)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "R1", NULL, T0);
	struct store_run_record rec = {0};
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	struct rig_error err = {0};
	snprintf(rec.test_reason, sizeof(rec.test_reason), "whim");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "reason for test"));
	rec.test_reason[0] = '\0';
	rec.has_ambient_c = true;
	rec.ambient_c = 120;
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "ambient"));
	rec.has_ambient_c = false;
	rec.pos[1].has_register_before = true;
	rec.pos[1].register_before_kwh = -3;
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "register"));
	rec.pos[1].has_register_before = false;
	snprintf(rec.cal_override_by, sizeof(rec.cal_override_by), "J. Doe");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "override"));
	rec.cal_override_by[0] = '\0';
	/* an as-left test following a run that is not stored */
	snprintf(rec.test_state, sizeof(rec.test_state), "as-left");
	snprintf(rec.follows_run, sizeof(rec.follows_run), "00000000-0000-4000-8000-000000000000");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "followed"));
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM runs") == 0);
	store_close(s);
}
END_TEST

START_TEST(an_as_left_run_names_its_as_found_run_and_history_shows_both)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "H1", NULL, T0);
	struct store_run_record rec = {0};
	snprintf(rec.test_reason, sizeof(rec.test_reason), "complaint");
	snprintf(rec.customer, sizeof(rec.customer), "Acme Flats");
	snprintf(rec.test_state, sizeof(rec.test_state), "as-found");
	rec.pos[1].has_register_before = true;
	rec.pos[1].register_before_kwh = 12345.6;
	rec.n_standards = 1;
	snprintf(rec.standards[0].role, sizeof(rec.standards[0].role), "source");
	snprintf(rec.standards[0].identity, sizeof(rec.standards[0].identity), "6105A-0042");
	snprintf(rec.standards[0].cal_date, sizeof(rec.standards[0].cal_date), "2026-03-01");
	snprintf(rec.standards[0].cal_due, sizeof(rec.standards[0].cal_due), "2027-03-01");
	b.meta.record = &rec;
	char found[STORE_RUN_ID_LEN], left[STORE_RUN_ID_LEN];
	run_one(s, &b, 1.2, 0.9, 1.1, found);
	snprintf(rec.test_state, sizeof(rec.test_state), "as-left");
	snprintf(rec.follows_run, sizeof(rec.follows_run), "%s", found);
	run_one(s, &b, 0.1, 0.05, 0.1, left);

	struct rig_error err = {0};
	ck_assert_int_eq(store_set_register_after(s, found, 1, 12346.0, &err), 0);
	/* stored once: a second reading is refused, not overwritten */
	ck_assert_int_eq(store_set_register_after(s, found, 1, 99.0, &err), -1);
	struct store_run_record got;
	ck_assert_int_eq(store_run_record_load(s, left, &got, &err), 0);
	ck_assert_str_eq(got.test_state, "as-left");
	ck_assert_str_eq(got.follows_run, found);
	ck_assert_str_eq(got.customer, "Acme Flats");
	ck_assert_int_eq(store_run_record_load(s, found, &got, &err), 0);
	ck_assert(got.pos[1].has_register_before && got.pos[1].register_before_kwh == 12345.6);
	ck_assert(got.pos[1].has_register_after && got.pos[1].register_after_kwh == 12346.0);
	ck_assert_int_eq(got.n_standards, 1);
	ck_assert_str_eq(got.standards[0].cal_due, "2027-03-01");
	store_close(s);
}
END_TEST

struct seen {
	int n;
	char states[4][16];
	char follows[4][64];
};

static int note_history(const struct store_history_row *r, void *ctx)
{
	struct seen *h = ctx;
	if (h->n < 4) {
		snprintf(h->states[h->n], sizeof(h->states[0]), "%s", r->test_state);
		snprintf(h->follows[h->n], sizeof(h->follows[0]), "%s", r->follows_run);
	}
	h->n++;
	return 0;
}

START_TEST(history_lists_a_meters_runs_oldest_first)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "H2", "OTHER", T0);
	struct store_run_record rec = {0};
	snprintf(rec.test_state, sizeof(rec.test_state), "as-found");
	b.meta.record = &rec;
	char found[STORE_RUN_ID_LEN], left[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.1, 0.1, 0.1, found);
	snprintf(rec.test_state, sizeof(rec.test_state), "as-left");
	snprintf(rec.follows_run, sizeof(rec.follows_run), "%s", found);
	run_one(s, &b, 0.1, 0.1, 0.1, left);
	struct seen h = {0};
	struct rig_error err = {0};
	ck_assert_int_eq(store_history(s, "H2", note_history, &h, &err), 0);
	ck_assert_int_eq(h.n, 2);
	ck_assert_str_eq(h.states[0], "as-found");
	ck_assert_str_eq(h.states[1], "as-left");
	ck_assert_str_eq(h.follows[1], found);
	h.n = 0;
	ck_assert_int_eq(store_history(s, "nobody", note_history, &h, &err), 0);
	ck_assert_int_eq(h.n, 0);
	store_close(s);
}
END_TEST

START_TEST(history_is_an_index_lookup)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	for (int i = 0; i < 30; i++) {
		char serial[16];
		snprintf(serial, sizeof(serial), "IX%02d", i);
		tsd_bench_init(&b, serial, NULL, T0 + i * HOUR);
		char id[STORE_RUN_ID_LEN];
		run_one(s, &b, 0.1, 0.1, 0.1, id);
	}
	char explain[2048];
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", store_sql_history);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, explain, -1, &st, NULL), SQLITE_OK);
	char plan[2048] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		strncat(plan, (const char *)sqlite3_column_text(st, 3), sizeof(plan) - strlen(plan) - 2);
		strncat(plan, "\n", sizeof(plan) - strlen(plan) - 1);
	}
	sqlite3_finalize(st);
	/* stations are a handful of rows; everything else a lookup */
	for (const char *line = plan; (line = strstr(line, "SCAN ")); line++)
		ck_assert_msg(strncmp(line, "SCAN st\n", 8) == 0, "full scan:\n%s", plan);
	ck_assert_ptr_nonnull(strstr(plan, "SEARCH me"));
	store_close(s);
}
END_TEST

START_TEST(migration_counts_old_positions_from_one_and_keeps_their_model)
{
	sqlite3 *db;
	struct rig_error err = {0};
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(store_schema_migrate_to(db, 3, &err), 0);
	ck_assert_int_eq(
		sqlite3_exec(db,
			     "INSERT INTO stations VALUES (1, 'b', 'h');"
			     "INSERT INTO instruments VALUES (1, 'IDN', 'SRC-1', '2027-01-01');"
			     "INSERT INTO meters VALUES (1, 'OLD1', 'MMD-120-2001', 2, 120, '', 200, 0.1, 200, 220, '10');"
			     "INSERT INTO meters VALUES (2, 'OLD2', 'MMS-120-1001', 1, 120, '', 100, 0.1, 100, 110, '10');"
			     "INSERT INTO runs (id, run_uuid, station_id, instrument_id, profile_name,"
			     " profile_sha256, fixture_name, fixture_sha256, started_at, started_ms, state)"
			     " VALUES (1, 'u1', 1, 1, 'p', '', 'f', '', 't', 1, 'passed');"
			     "INSERT INTO run_positions (run_id, position, meter_id, verdict) VALUES (1, 0, 1, 'pass');"
			     "INSERT INTO run_positions (run_id, position, meter_id, verdict) VALUES (1, 1, 2, 'pass');"
			     "INSERT INTO points VALUES (1, 1, 0, 'fl', 'accuracy', 120, -1, 100, 1, 0, 60, 3, 10, 0.5, 0.1);"
			     "INSERT INTO measurements (point_id, position, attempt, current_a, reference_w,"
			     " edges_used, gate_s, error_pct, u_pct, verdict) VALUES (1, 0, 1, 200, 1, 3, 10, 0.1, 0.05, 'pass');"
			     "INSERT INTO measurements (point_id, position, attempt, current_a, reference_w,"
			     " edges_used, gate_s, error_pct, u_pct, verdict) VALUES (1, 1, 1, 100, 1, 3, 10, 0.2, 0.05, 'pass');",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	struct store *s = open_ok();
	ck_assert(sql_double(s, "SELECT position FROM run_positions WHERE meter_id = 1") == 1);
	ck_assert(sql_double(s, "SELECT position FROM run_positions WHERE meter_id = 2") == 2);
	ck_assert(sql_double(s, "SELECT error_pct FROM measurements WHERE position = 2") == 0.2);
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM measurements WHERE position = 0") == 0);
	ck_assert(sql_double(s, "SELECT rated_current_a FROM run_positions WHERE position = 2") == 100);
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_msg(store_certificate_load(s, "OLD2", NULL, c, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(c->position, 2);
	ck_assert_str_eq(c->model, "MMS-120-1001");
	ck_assert(c->points[0].measured && c->points[0].error_pct == 0.2);
	ck_assert_int_eq(c->record.n_standards, 1);
	ck_assert_str_eq(c->record.standards[0].cal_due, "2027-01-01");
	/* the model was copied from `meters`, not recorded with the run: marked
	 * so, and the certificate says the model is inferred */
	ck_assert(c->model_backfilled);
	ck_assert_int_eq(sql_double(s, "SELECT COUNT(*) FROM run_positions WHERE model_source = 'backfilled'"), 2);
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	ck_assert_int_eq(report_certificate_html(f, c), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(html, "MMS-120-1001 (INFERRED: not recorded with this run"));
	free(html);
	/* a run stored now records its model */
	struct tsd_bench b;
	tsd_bench_init(&b, "OLD2", NULL, T0);
	struct store_run_record rec = {0};
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), 0);
	ck_assert_int_eq(store_certificate_load(s, "OLD2", id, c, &err), 0);
	ck_assert(!c->model_backfilled);
	free(c);
	store_close(s);
}
END_TEST

static void count_problem(const char *problem, void *ctx)
{
	(void)problem;
	(*(int *)ctx)++;
}

/* The migration to schema 5 changes nothing a seal covers: a sealed run
 * taken back to the schema 4 layout (positions from 0, the record's
 * columns and tables dropped) and migrated again still verifies. (That the
 * canonical form hashes positions from 0, as schema 4 stored them, is
 * rig/store/seal.c's; this checks the migration keeps to it.) */
START_TEST(the_migration_keeps_sealed_runs_verifiable)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "SEAL1", "SEAL2", T0);
	char id[STORE_RUN_ID_LEN];
	struct rig_error err = {0};
	store_set_seal_format(s, 1);	/* as schema 4 sealed it */
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), 0);
	for (int pos = 0; pos < 2; pos++) {
		struct rig_point_result r = tsd_result(0, pos, 1, 0.1 * (pos + 1), 0.05, 100, RIG_VERDICT_PASS);
		ck_assert_int_eq(store_add_point_result(s, id, &r, &err), 0);
	}
	ck_assert_int_eq(store_end_run(s, id, RIG_RUN_PASSED, "", T0 + HOUR, &err), 0);
	store_close(s);

	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db,
			      /* schema 10's (the model override) */
			      "ALTER TABLE run_positions DROP COLUMN model_override_ran_as;"
			      "ALTER TABLE run_positions DROP COLUMN model_override_expected;"
			      "ALTER TABLE run_positions DROP COLUMN model_override_stored;"
			      /* schema 9's (its triggers name the readings) */
			      "DROP TRIGGER IF EXISTS outbox_reading_insert;"
			      "DROP TRIGGER IF EXISTS outbox_reading_update;"
			      /* schema 8's */
			      "DROP TABLE measurement_outputs;"
			      "ALTER TABLE measurements DROP COLUMN reading_before_kwh;"
			      "ALTER TABLE measurements DROP COLUMN reading_after_kwh;"
			      /* what later steps added (the outbox) goes first */
			      "DROP TRIGGER IF EXISTS outbox_run_insert;"
			      "DROP TRIGGER IF EXISTS outbox_run_update;"
			      "DROP TRIGGER IF EXISTS outbox_position_update;"
			      "DROP TRIGGER IF EXISTS outbox_measurement;"
			      "DROP TRIGGER IF EXISTS outbox_seal;"
			      "DROP TRIGGER IF EXISTS outbox_chain_head;"
			      "DROP TRIGGER IF EXISTS outbox_chain_head_update;"
			      "DROP TABLE IF EXISTS outbox;"
			      "DROP TABLE chain_head;"
			      "CREATE TABLE run_seals_old (seq INTEGER PRIMARY KEY, run_uuid TEXT NOT NULL UNIQUE,"
			      " rows_sha256 TEXT NOT NULL, prev_seal TEXT NOT NULL, seal TEXT NOT NULL UNIQUE);"
			      "INSERT INTO run_seals_old SELECT seq, run_uuid, rows_sha256, prev_seal, seal FROM run_seals;"
			      "DROP TABLE run_seals; ALTER TABLE run_seals_old RENAME TO run_seals;"
			      "ALTER TABLE run_positions DROP COLUMN model_source;"
			      "DROP INDEX run_positions_by_model; DROP INDEX run_records_by_follows;"
			      "DROP TABLE run_records; DROP TABLE run_standards;"
			      "ALTER TABLE run_positions DROP COLUMN model;"
			      "ALTER TABLE run_positions DROP COLUMN elements;"
			      "ALTER TABLE run_positions DROP COLUMN voltage_v;"
			      "ALTER TABLE run_positions DROP COLUMN voltage_between;"
			      "ALTER TABLE run_positions DROP COLUMN ct_primary_a;"
			      "ALTER TABLE run_positions DROP COLUMN ct_secondary_a;"
			      "ALTER TABLE run_positions DROP COLUMN rated_current_a;"
			      "ALTER TABLE run_positions DROP COLUMN max_current_a;"
			      "ALTER TABLE run_positions DROP COLUMN outputs;"
			      "ALTER TABLE run_positions DROP COLUMN register_before_kwh;"
			      "ALTER TABLE run_positions DROP COLUMN register_after_kwh;"
			      "ALTER TABLE run_positions DROP COLUMN weighted_avg_pct;"
			      "UPDATE run_positions SET position = -position;"
			      "UPDATE run_positions SET position = -1 - position;"
			      "UPDATE measurements SET position = -position;"
			      "UPDATE measurements SET position = -1 - position;"
			      "PRAGMA user_version = 4;",
			      NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s", msg ? msg : "");
	sqlite3_close(db);

	s = open_ok();	/* migrates 4 -> 5 -> ... */
	ck_assert(sql_double(s, "SELECT MIN(position) FROM run_positions") == 1);
	struct store_chain_report report = {0};
	int problems = 0;
	/* migrated by a store without the key: the head stays unsigned */
	ck_assert_int_eq(store_verify_chain(s, count_problem, &problems, &report, &err), 0);
	ck_assert_int_eq(report.sealed, 1);
	ck_assert_int_eq(problems, 1);
	ck_assert(!report.head_signed);
	/* with it, as rigd's start: signed once, and the chain verifies */
	tsd_sign_heads(s, dir);
	ck_assert_int_eq(store_sign_migrated_head(s, &err), 1);
	ck_assert_int_eq(store_sign_migrated_head(s, &err), 0);
	problems = 0;
	ck_assert_int_eq(store_verify_chain(s, count_problem, &problems, &report, &err), 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_int_eq(report.problems, 0);
	ck_assert(report.head_signed);
	/* and a changed position would show */
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE measurements SET attempt = 2", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(store_verify_chain(s, count_problem, &problems, &report, &err), 0);
	ck_assert_int_gt(problems, 0);
	store_close(s);
}
END_TEST

/* --- the daemon's side ----------------------------------------------------- */

static void fixture_with_dates(struct rig_fixture *f, const char *source_due, const char *ref_due)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->instrument_serial, sizeof(f->instrument_serial), "SRC-7");
	snprintf(f->instrument_cal_due, sizeof(f->instrument_cal_due), "%s", source_due);
	snprintf(f->ref_identity, sizeof(f->ref_identity), "REF-9");
	snprintf(f->ref_cal_due, sizeof(f->ref_cal_due), "%s", ref_due);
	snprintf(f->edge_input, sizeof(f->edge_input), "sim:127.0.0.1:5026");
}

START_TEST(an_overdue_calibration_refuses_the_run_unless_overridden)
{
	struct rigd_config cfg;
	rigd_config_defaults(&cfg);
	snprintf(cfg.lab_name, sizeof(cfg.lab_name), "Meter Shop");
	struct rig_fixture f;
	fixture_with_dates(&f, "2026-12-31", "2026-11-30");
	struct ctl_request req = {.cmd = CTL_START};
	snprintf(req.operator_name, sizeof(req.operator_name), "J. Doe");
	struct store_run_record rec;
	char why[600];
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, NULL, "2026-12-01", &rec, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "REF-9") && strstr(why, "2026-11-30"), "%s", why);
	ck_assert_msg(!strstr(why, "SRC-7"), "the source is not overdue: %s", why);
	/* due today is still usable */
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, NULL, "2026-11-30", &rec, why, sizeof(why)), 0);
	ck_assert_str_eq(rec.cal_override_by, "");
	/* with a reason: run, and the override is recorded with who and why */
	snprintf(req.override_reason, sizeof(req.override_reason), "standard at the lab, customer waiting");
	snprintf(req.override_by, sizeof(req.override_by), "M. Roe");
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, NULL, "2026-12-01", &rec, why, sizeof(why)), 0);
	ck_assert_str_eq(rec.cal_override_by, "M. Roe");
	ck_assert_str_eq(rec.cal_override_reason, "standard at the lab, customer waiting");
	ck_assert_str_eq(rec.lab_name, "Meter Shop");
	ck_assert(rec.simulated);
	ck_assert_int_eq(rec.n_standards, 2);
	ck_assert_str_eq(rec.standards[1].identity, "REF-9");
}
END_TEST

/* A model override's who and why go into the record (run.c adds where it
 * let a disagreement through); a calibration override alone is not one. */
START_TEST(a_model_override_request_is_recorded_with_who_and_why)
{
	struct rigd_config cfg;
	rigd_config_defaults(&cfg);
	struct rig_fixture f;
	fixture_with_dates(&f, "2027-12-31", "2027-11-30");
	struct ctl_request req = {.cmd = CTL_START, .model_override = true};
	snprintf(req.override_by, sizeof(req.override_by), "Sam");
	snprintf(req.model_override_reason, sizeof(req.model_override_reason), "label misprint");
	struct store_run_record rec;
	char why[600];
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, NULL, "2026-12-01", &rec, why, sizeof(why)), 0);
	ck_assert_str_eq(rec.model_override_by, "Sam");
	ck_assert_str_eq(rec.model_override_reason, "label misprint");
	ck_assert_str_eq(rec.cal_override_by, "");
	req.model_override = false;
	req.model_override_reason[0] = '\0';
	snprintf(req.override_reason, sizeof(req.override_reason), "standard away");
	fixture_with_dates(&f, "2026-01-31", "2027-11-30");
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, NULL, "2026-12-01", &rec, why, sizeof(why)), 0);
	ck_assert_str_eq(rec.cal_override_by, "Sam");
	ck_assert_str_eq(rec.model_override_by, "");
	ck_assert_str_eq(rec.model_override_reason, "");
}
END_TEST

START_TEST(ambient_comes_from_the_fixture_sensor_else_the_operator)
{
	/* a 1-wire file and a sysfs-style one (milli-percent) */
	char t_path[160], h_path[160];
	snprintf(t_path, sizeof(t_path), "%s/w1_slave", dir);
	snprintf(h_path, sizeof(h_path), "%s/humidity1_input", dir);
	FILE *fp = fopen(t_path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n", fp);
	fclose(fp);
	fp = fopen(h_path, "w");
	fputs("41500\n", fp);
	fclose(fp);
	struct rig_fixture f;
	fixture_with_dates(&f, "", "");
	snprintf(f.ambient_temperature, sizeof(f.ambient_temperature), "%s", t_path);
	snprintf(f.ambient_humidity, sizeof(f.ambient_humidity), "%s", h_path);
	/* the sampler reads them off the caller's thread */
	static struct ambient a;
	struct rig_error err = {0};
	ck_assert_int_eq(ambient_start(&a, &f, &err), 0);
	struct ambient_reading sensed = {0};
	for (int i = 0; i < 400 && !(sensed.has_c && sensed.has_pct); i++) {
		usleep(10000);
		sensed = ambient_latest(&a);
	}
	ambient_stop(&a);
	ck_assert(sensed.has_c && fabs(sensed.c - 23.125) < 1e-9);
	ck_assert(sensed.has_pct && fabs(sensed.pct - 41.5) < 1e-9);

	struct rigd_config cfg;
	rigd_config_defaults(&cfg);
	struct ctl_request req = {.cmd = CTL_START, .has_ambient_c = true, .ambient_c = 30};
	struct store_run_record rec;
	char why[600];
	ck_assert_msg(certrecord_build(&cfg, &f, &req, &sensed, "2026-12-01", &rec, why, sizeof(why)) == 0, "%s", why);
	ck_assert(rec.has_ambient_c && fabs(rec.ambient_c - 23.125) < 1e-9);	/* the sensor wins */
	ck_assert(rec.has_humidity_pct && fabs(rec.humidity_pct - 41.5) < 1e-9);
	ck_assert_ptr_nonnull(strstr(rec.ambient_source, "w1_slave"));
	/* no reading from the sensor: the operator's entry stands... */
	struct ambient_reading none = {0};
	req.has_humidity_pct = true;
	req.humidity_pct = 45;
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, &none, "2026-12-01", &rec, why, sizeof(why)), 0);
	ck_assert(rec.ambient_c == 30 && rec.humidity_pct == 45);
	ck_assert_str_eq(rec.ambient_source, "operator");
	/* ...and with no entry either the run is refused */
	req.has_ambient_c = false;
	ck_assert_int_eq(certrecord_build(&cfg, &f, &req, &none, "2026-12-01", &rec, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "gave no reading"));
	/* a 1-wire file with a CRC error holds no reading */
	fp = fopen(t_path, "w");
	fputs("72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=85000\n", fp);
	fclose(fp);
	double v;
	ck_assert_int_eq(certrecord_read_sensor(t_path, true, &v), -1);
}
END_TEST

START_TEST(fixtures_name_standards_and_sensors)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/f.conf", dir);
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "[fixture]\nname = f\nambient_temperature = /sys/bus/w1/devices/28-01/w1_slave\n"
		    "[source]\ndriver = scpi6100\ntransport = tcp:127.0.0.1:5025\nlag_angle = negative\n"
		    "max_voltage = 140 V\nmax_current = 1 A\nserial = S1\ncalibration_due = 2027-01-31\n"
		    "calibration_date = 2026-01-31\ncalibration_lab = Cal Lab\ncertificate = C-1\n"
		    "[reference]\nkind = source-power\nuncertainty = 0.02 %%\nidentity = REF-9\n"
		    "calibration_date = 2026-02-01\ncalibration_due = 2027-02-01\ncalibration_lab = Other Lab\n"
		    "[edges]\ninput = sim:127.0.0.1:5026\n[position 1]\nkh10 = 0\n");
	fclose(fp);
	static struct rig_fixture f;
	struct rig_error err = {0};
	ck_assert_msg(rig_fixture_load(path, &f, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(f.instrument_cal_date, "2026-01-31");
	ck_assert_str_eq(f.instrument_cal_lab, "Cal Lab");
	ck_assert_str_eq(f.instrument_certificate, "C-1");
	ck_assert_str_eq(f.ref_identity, "REF-9");
	ck_assert_str_eq(f.ref_cal_due, "2027-02-01");
	ck_assert_str_eq(f.ref_cal_lab, "Other Lab");
	ck_assert_str_eq(f.ambient_temperature, "/sys/bus/w1/devices/28-01/w1_slave");
	const char *bad = "[fixture]\nname = f\n[reference]\nkind = source-power\nuncertainty = 0.02 %\n"
			  "calibration_due = 2027-02-30\n";
	ck_assert_int_eq(rig_fixture_parse(bad, strlen(bad), "f.conf", &f, &err), -1);
	ck_assert_int_eq(err.line, 6);
}
END_TEST

START_TEST(start_requests_refuse_bad_record_fields)
{
	struct ctl_request r;
	char why[300];
	const char *base = "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"o\","
			   "\"positions\":[{\"position\":1,\"model\":\"M\",\"serial\":\"S\"%s}]%s}";
	char line[600];
	snprintf(line, sizeof(line), base, ",\"register_before\":12.5",
		 ",\"test_reason\":\"periodic\",\"test\":\"as-left\",\"follows\":\"abc\",\"ambient_c\":21.5");
	ck_assert_msg(ctl_parse_request(line, &r, why, sizeof(why)) == 0, "%s", why);
	ck_assert_str_eq(r.test_reason, "periodic");
	ck_assert(r.pos[0].has_register_before && r.pos[0].register_before_kwh == 12.5);
	ck_assert(r.has_ambient_c && r.ambient_c == 21.5);
	const char *bad[] = {
		",\"test_reason\":\"whim\"",
		",\"test\":\"half-way\"",
		",\"follows\":\"abc\"",
		",\"ambient_c\":200",
		",\"humidity_pct\":-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), base, "", bad[i]);
		ck_assert_msg(ctl_parse_request(line, &r, why, sizeof(why)) == -1, "accepted %s", bad[i]);
	}
	snprintf(line, sizeof(line), base, ",\"register_before\":-5", "");
	ck_assert_int_eq(ctl_parse_request(line, &r, why, sizeof(why)), -1);
	ck_assert_int_eq(ctl_parse_request("{\"cmd\":\"register\",\"run\":\"x\",\"position\":2,\"reading\":7}",
					   &r, why, sizeof(why)), 0);
	ck_assert_int_eq(r.position, 2);
	ck_assert_int_eq(ctl_parse_request("{\"cmd\":\"register\",\"run\":\"x\",\"position\":0,\"reading\":7}",
					   &r, why, sizeof(why)), -1);
}
END_TEST

START_TEST(station_config_takes_the_lab_the_approver_and_the_rule)
{
	struct rigd_config c;
	rigd_config_defaults(&c);
	struct rig_error err = {0};
	const char *text = "lab_name = Meter Shop\nlab_accreditation = A2LA 1234.01\n"
			   "approver_name = A. Approver\napprover_role = Quality manager\n"
			   "weighting = (FL+LL)/2\n";
	ck_assert_msg(rigd_config_parse(text, strlen(text), "rigd.conf", &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.lab_accreditation, "A2LA 1234.01");
	ck_assert_str_eq(c.approver_role, "Quality manager");
	ck_assert_int_eq(c.weighting, RIG_WEIGHTING_FL_LL);
	const char *bad = "weighting = (3FL+LL)/4\n";
	ck_assert_int_eq(rigd_config_parse(bad, strlen(bad), "rigd.conf", &c, &err), -1);
	ck_assert_int_eq(err.line, 1);
	const char *tab = "station = b\nlab_name = Meter\tShop\n";
	ck_assert_int_eq(rigd_config_parse(tab, strlen(tab), "rigd.conf", &c, &err), -1);
	ck_assert_int_eq(err.line, 2);
}
END_TEST

START_TEST(a_profiles_weighting_rule_wins_over_the_stations)
{
	const char *text = "[profile]\nname = w\nweighting = (FL + LL)/2\nmethod = ANSI C12.1-2014 test 3\n"
			   "[point fl]\nkind = accuracy\ncurrent = 100 %\nvoltage = 120 V\n"
			   "frequency = 60 Hz\nband = 0.5 %\ntarget_uncertainty = 0.1 %\noutput = 10\n";
	static struct rig_profile p;
	struct rig_error err = {0};
	ck_assert_msg(rig_profile_parse(text, strlen(text), "w.profile", &p, &err) == 0, "%s", err.msg);
	ck_assert(p.has_weighting);
	ck_assert_int_eq(p.weighting, RIG_WEIGHTING_FL_LL);
	ck_assert_str_eq(p.method, "ANSI C12.1-2014 test 3");
	const char *bad = "[profile]\nname = w\nweighting = 4FL\n";
	ck_assert_int_eq(rig_profile_parse(bad, strlen(bad), "w.profile", &p, &err), -1);
	ck_assert_int_eq(err.line, 3);

	struct tsd_bench b;
	tsd_bench_init(&b, "PW", NULL, T0);
	b.profile.has_weighting = true;
	b.profile.weighting = RIG_WEIGHTING_4FL_2LL_PF;
	snprintf(b.profile.method, sizeof(b.profile.method), "ANSI C12.1-2014 tests 1-6 and 14");
	struct store_run_record rec = {.weighting = RIG_WEIGHTING_4FL_LL};
	struct run_meta meta = {.station = "s", .operator_name = "o", .profile = &b.profile,
				.fixture = &b.fixture, .plan = &b.plan, .record = &rec};
	struct runstore *rs = runstore_open(db_path, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	char id[64];
	ck_assert_msg(runstore_begin(rs, &meta, id, sizeof(id), &err) == 0, "%s", err.msg);
	runstore_close(rs);
	struct store *s = open_ok();
	struct store_run_record got;
	ck_assert_int_eq(store_run_record_load(s, id, &got, &err), 0);
	ck_assert_int_eq(got.weighting, RIG_WEIGHTING_4FL_2LL_PF);
	ck_assert_str_eq(got.method, "ANSI C12.1-2014 tests 1-6 and 14");	/* the profile's method, recorded */
	store_close(s);
}
END_TEST

#define ARGV(...) ((char *[]){"rigctl", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"rigctl", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, why, ...) rigctl_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, why, 200)

START_TEST(rigctl_takes_the_record_history_and_register)
{
	struct rigctl_args a;
	char why[200];
	ck_assert_msg(PARSE(&a, why, "run", "--profile", "p", "--operator", "o", "--position", "2:M:S",
			    "--as-left", "--follows", "RUN-1", "--test-reason", "repair",
			    "--register-before", "2=17.5", "--ambient=21", "--humidity", "40",
			    "--calibration-override", "why not", "--override-by", "M. Roe") == 0, "%s", why);
	ck_assert_str_eq(a.test_state, "as-left");
	ck_assert_str_eq(a.follows, "RUN-1");
	ck_assert(a.has_register[2] && a.register_kwh[2] == 17.5);
	ck_assert(a.has_ambient_c && a.ambient_c == 21 && a.humidity_pct == 40);
	ck_assert_str_eq(a.override_reason, "why not");
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "o", "--position", "1:M:S",
			       "--follows", "RUN-1"), -1);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "o", "--position", "1:M:S",
			       "--register-before", "3=1"), -1);
	ck_assert_int_eq(PARSE(&a, why, "run", "--ambient", "99"), -1);
	ck_assert_int_eq(PARSE(&a, why, "history", "A1001"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_HISTORY);
	ck_assert_str_eq(a.serial, "A1001");
	ck_assert_int_eq(PARSE(&a, why, "register", "RUN-1", "2", "1240.5"), 0);
	ck_assert(a.reg_position == 2 && a.reg_kwh == 1240.5);
	ck_assert_int_eq(PARSE(&a, why, "register", "RUN-1", "0", "1"), -1);
	ck_assert_int_eq(PARSE(&a, why, "report", "--points"), -1);	/* csv or json */
	ck_assert_int_eq(PARSE(&a, why, "report", "--batch", "--format", "csv"), 0);
}
END_TEST

/* --- exports ---------------------------------------------------------------- */

START_TEST(points_export_in_long_form_with_formulas_neutralised)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "=HYPERLINK(\"x\")", NULL, T0);
	b.profile.points[3].band_pct = 0.5;	/* the creep point: stored, never a band */
	struct store_run_record rec = {0};
	snprintf(rec.test_state, sizeof(rec.test_state), "as-found");
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.21, -0.62, 0.33, id);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct rig_error err = {0};
	ck_assert_int_eq(report_points_csv(out, s, NULL, &err), 0);
	fclose(out);
	ck_assert_msg(strncmp(text, "run,serial,model,position,point,", 32) == 0, "%s", text);
	int lines = 0;
	for (const char *p = text; *p; p++)
		if (*p == '\n') {
			ck_assert_msg(p > text && p[-1] == '\r', "a row ends without CRLF (RFC 4180)");
			lines++;
		}
	ck_assert_int_eq(lines, 1 + TSD_POINTS);	/* header, one row per point */
	ck_assert_ptr_nonnull(strstr(text, "\"'=HYPERLINK(\"\"x\"\")\""));
	ck_assert_ptr_null(strstr(text, ",=HYPERLINK"));
	/* the final attempt of the retested point, with its state */
	ck_assert_ptr_nonnull(strstr(text, ",0.330000,"));
	ck_assert_ptr_nonnull(strstr(text, ",1,1,full load pf 1,accuracy,120,100,,1,60,0.210000,"));
	ck_assert_ptr_null(strstr(text, ",0.700000,"));
	ck_assert_ptr_nonnull(strstr(text, ",as-found,"));
	/* no band where none applies: the creep point's band (stored 0.5) is
	 * empty, its 16th field */
	const char *creep = strstr(text, ",creep,creep,");
	ck_assert_ptr_nonnull(creep);
	while (creep > text && creep[-1] != '\n')
		creep--;
	char row[400], *rest = row, *field = NULL;
	snprintf(row, sizeof(row), "%.*s", (int)strcspn(creep, "\r"), creep);
	for (int i = 0; i < 16; i++)
		field = strsep(&rest, ",");
	ck_assert_msg(field && !*field, "band \"%s\" in %s", field, creep);
	free(text);
	store_close(s);
}
END_TEST

/* Each output gated beside a point is a row of its own under the point's,
 * told apart by the output column; the point's own output first. */
START_TEST(points_export_has_a_row_per_output)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "O1", NULL, T0);
	struct rig_error err = {0};
	char id[STORE_RUN_ID_LEN];
	ck_assert_msg(store_begin_run(s, &b.plan, &b.meta, id, &err) == 0, "%s", err.msg);
	struct rig_point_result r = tsd_result(0, 0, 1, 0.12, 0.04, 100, RIG_VERDICT_FAIL);
	r.n_outputs = 2;
	r.outputs[0] = (struct rig_output_result){ .sig = RIG_SIG_KH100, .kh = 100,
						   .verdict = RIG_VERDICT_FAIL, .error_pct = -6.4,
						   .u_pct = 0.5, .edges = 1, .bound = true, .duty = -1 };
	r.outputs[1] = (struct rig_output_result){ .sig = RIG_SIG_LOAD_LED, .kh = 10,
						   .verdict = RIG_VERDICT_PASS, .error_pct = 0.11,
						   .u_pct = 0.05, .edges = 40, .duty = 0.499 };
	ck_assert_msg(store_add_point_result(s, id, &r, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(store_end_run(s, id, RIG_RUN_FAILED, "", T0 + HOUR, &err), 0);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ck_assert_int_eq(report_points_csv(out, s, NULL, &err), 0);
	fclose(out);
	ck_assert_msg(strstr(text, ",as_found_left,output,kh,edges,bound,duty\r\n"), "%s", text);
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 1 + TSD_POINTS + 2);
	const char *own = strstr(text, ",0.120000,0.040000,");
	const char *kh100 = strstr(text, ",-6.400000,0.500000,,");
	const char *led = strstr(text, ",0.110000,0.050000,,");
	ck_assert_msg(own && kh100 && led && own < kh100 && kh100 < led, "%s", text);
	ck_assert_msg(strstr(own, ",fail,,kh10,10,"), "%s", text);
	ck_assert_msg(strstr(kh100, ",fail,,kh100,100,1,1,\r\n"), "%s", text);
	ck_assert_msg(strstr(led, ",pass,,load_led,10,40,0,0.4990\r\n"), "%s", text);
	/* an output's row names its point as the point's own row does */
	const char *own_start = own, *kh100_start = kh100;
	while (own_start > text && own_start[-1] != '\n')
		own_start--;
	while (kh100_start > text && kh100_start[-1] != '\n')
		kh100_start--;
	ck_assert_int_eq(own - own_start, kh100 - kh100_start);
	ck_assert_msg(strncmp(own_start, kh100_start, own - own_start) == 0, "%s", text);
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	ck_assert_int_eq(report_points_json(out, s, NULL, &err), 0);
	fclose(out);
	cJSON *rows = cJSON_Parse(text);
	ck_assert_int_eq(cJSON_GetArraySize(rows), TSD_POINTS + 2);
	cJSON *o = cJSON_GetArrayItem(rows, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "output")->valuestring, "kh100");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "verdict")->valuestring, "fail");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "serial")->valuestring, "O1");
	ck_assert_int_eq(cJSON_GetObjectItem(o, "point")->valueint, 1);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "bound")));
	ck_assert_double_eq_tol(cJSON_GetObjectItem(o, "error_pct")->valuedouble, -6.4, 1e-9);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "output")->valuestring,
			 "kh10");
	cJSON_Delete(rows);
	free(text);
	store_close(s);
}
END_TEST

START_TEST(the_certificate_shows_the_record)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "C1", NULL, T0);
	percent_points(&b);
	struct store_run_record rec = {.weighting = RIG_WEIGHTING_4FL_LL, .simulated = true};
	snprintf(rec.customer, sizeof(rec.customer), "Acme <Flats>");
	snprintf(rec.test_reason, sizeof(rec.test_reason), "periodic");
	snprintf(rec.method, sizeof(rec.method), "ANSI C12.1-2014 tests 1-6 and 14");
	snprintf(rec.lab_accreditation, sizeof(rec.lab_accreditation), "A2LA 1234.01");
	snprintf(rec.approver_name, sizeof(rec.approver_name), "A. Approver");
	snprintf(rec.cal_override_by, sizeof(rec.cal_override_by), "J. Doe");
	snprintf(rec.cal_override_reason, sizeof(rec.cal_override_reason), "customer waiting");
	rec.n_standards = 1;
	snprintf(rec.standards[0].role, sizeof(rec.standards[0].role), "reference");
	snprintf(rec.standards[0].identity, sizeof(rec.standards[0].identity), "REF-9");
	snprintf(rec.standards[0].cal_due, sizeof(rec.standards[0].cal_due), "2026-01-01");
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.20, 0.10, 0.0, id);
	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "C1", id, c, &err), 0);
	char *html = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&html, &len);
	ck_assert_int_eq(report_certificate_html(out, c), 0);
	fclose(out);
	const char *want[] = {"Acme &lt;Flats&gt;", "periodic", "A2LA 1234.01", "A. Approver",
			      "REF-9", "(overdue)", "by override of J. Doe", "customer waiting",
			      "(4FL+LL)/5", "+0.180", "SIMULATED BENCH", "ANSI C12.1-2014 tests 1-6 and 14"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(html, want[i]), "no \"%s\" on the certificate", want[i]);
	free(html);

	/* the PDF states the same record (text extracted with pdftotext) */
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	struct cert_pdf_seal seal = {0};
	ck_assert_msg(report_certificate_pdf(c, &seal, &pdf, &pdf_len, &err) == 0, "%s", err.msg);
	char pdf_path[160], cmd[400];
	snprintf(pdf_path, sizeof(pdf_path), "%s/c1.pdf", dir);
	FILE *pf = fopen(pdf_path, "wb");
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(fwrite(pdf, 1, pdf_len, pf), pdf_len);
	fclose(pf);
	free(pdf);
	snprintf(cmd, sizeof(cmd), "pdftotext -raw '%s' - | tr -s ' \\n' ' '", pdf_path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text) - 1, p);
	text[n] = '\0';
	pclose(p);
	const char *in_pdf[] = {"Acme <Flats>", "periodic", "A2LA 1234.01", "A. Approver", "REF-9",
				"override of J. Doe", "+0.180", "Method ANSI C12.1-2014 tests 1-6 and 14"};
	for (size_t i = 0; i < sizeof(in_pdf) / sizeof(in_pdf[0]); i++)
		ck_assert_msg(strstr(text, in_pdf[i]), "no \"%s\" in the PDF:\n%.3000s", in_pdf[i], text);
	free(c);
	store_close(s);
}
END_TEST

/* The PDF's text (pdftotext), runs of blanks and line ends made one space. */
static void pdf_text(const struct store_certificate *c, const char *name, char *text, size_t len)
{
	struct rig_error err = {0};
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	struct cert_pdf_seal seal = {0};
	ck_assert_msg(report_certificate_pdf(c, &seal, &pdf, &pdf_len, &err) == 0, "%s", err.msg);
	char pdf_path[160], cmd[400];
	snprintf(pdf_path, sizeof(pdf_path), "%s/%s", dir, name);
	FILE *pf = fopen(pdf_path, "wb");
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(fwrite(pdf, 1, pdf_len, pf), pdf_len);
	fclose(pf);
	free(pdf);
	snprintf(cmd, sizeof(cmd), "pdftotext -raw '%s' - | tr -s ' \\n' ' '", pdf_path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(text, 1, len - 1, p);
	text[n] = '\0';
	pclose(p);
}

static char *certificate_html(const struct store_certificate *c)
{
	char *html = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&html, &len);
	ck_assert_int_eq(report_certificate_html(out, c), 0);
	fclose(out);
	return html;
}

/* A model override is rigd's own entry beside the calibration override,
 * never part of the quoted free-text notes, even when the notes imitate
 * one: who, why, and what ran as what at each position overridden. */
START_TEST(a_model_override_is_an_entry_of_its_own_outside_the_notes)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "MO-1", "MO-2", T0);
	b.meta.notes = "checked twice [model override by eve: typed]";
	struct store_run_record rec = {0};
	snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
	for (int p = 1; p <= 2; p++) {
		rec.pos[p].model_overridden = true;
		snprintf(rec.pos[p].override_ran_as, sizeof(rec.pos[p].override_ran_as), "%s",
			 b.plan.pos[p - 1].model.model);
	}
	snprintf(rec.pos[1].override_expected, sizeof(rec.pos[1].override_expected), "MMS-120-4001");
	snprintf(rec.pos[2].override_stored, sizeof(rec.pos[2].override_stored), "MMD-120-2001");
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.20, 0.10, 0.0, id);
	/* stored as given, the notes as typed */
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM run_records WHERE model_override_by = 'sam'"
				" AND model_override_reason = 'label misprint'") == 1);
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM run_positions WHERE position = 2"
				" AND model_override_ran_as = 'MMD-120-2001-T-SCC'"
				" AND model_override_expected = '' AND model_override_stored = 'MMD-120-2001'") == 1);
	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "MO-1", id, c, &err), 0);
	ck_assert_str_eq(c->notes, "checked twice [model override by eve: typed]");
	ck_assert(c->record.pos[1].model_overridden && !c->record.pos[3].model_overridden);
	char *html = certificate_html(c);
	/* rows of their own, flagged as the calibration override is */
	const char *rows[] = {
		"<tr><th>Model override</th><td class=\"fail\">run past a model disagreement by "
		"override of sam: label misprint</td></tr>",
		"<tr><th>Model override, position 1 (this meter)</th><td class=\"fail\">ran as "
		"MMD-120-2001-T-SCC; expected MMS-120-4001; stored for its serial none</td></tr>",
		"<tr><th>Model override, position 2</th><td class=\"fail\">ran as MMD-120-2001-T-SCC;"
		" expected none; stored for its serial MMD-120-2001</td></tr>",
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(strstr(html, rows[i]), "no row %s:\n%s", rows[i], html);
	/* the notes' cell holds what was typed, quoted, and nothing of rigd's */
	const char *notes = strstr(html, "“checked twice [model override by eve: typed]”");
	ck_assert_msg(notes != NULL, "%s", html);
	const char *cell_end = strstr(notes, "</td>");
	ck_assert_ptr_nonnull(cell_end);
	ck_assert_int_eq(cell_end - notes, (long)strlen("“checked twice [model override by eve: typed]”"));
	ck_assert_ptr_null(strstr(html, "override of sam: label misprint]"));
	free(html);

	/* the PDF states the same */
	static char text[1 << 16];
	pdf_text(c, "mo1.pdf", text, sizeof(text));
	const char *in_pdf[] = {
		"Model override run past a model disagreement by override of sam: label misprint",
		"Model override, position 1 (this meter) ran as MMD-120-2001-T-SCC; expected MMS-120-4001;",
		"“checked twice [model override by eve: typed]”",
	};
	for (size_t i = 0; i < sizeof(in_pdf) / sizeof(in_pdf[0]); i++)
		ck_assert_msg(strstr(text, in_pdf[i]), "no \"%s\" in the PDF:\n%.4000s", in_pdf[i], text);

	/* a run without one has no such entry */
	tsd_bench_init(&b, "MO-3", NULL, T0 + 2 * HOUR);
	struct store_run_record plain = {0};
	b.meta.record = &plain;
	run_one(s, &b, 0.20, 0.10, 0.0, id);
	ck_assert_int_eq(store_certificate_load(s, "MO-3", id, c, &err), 0);
	html = certificate_html(c);
	ck_assert_ptr_null(strstr(html, "Model override"));
	free(html);
	/* one given where no meter disagreed says it let nothing through */
	tsd_bench_init(&b, "MO-4", NULL, T0 + 4 * HOUR);
	snprintf(plain.model_override_by, sizeof(plain.model_override_by), "sam");
	snprintf(plain.model_override_reason, sizeof(plain.model_override_reason), "just in case");
	b.meta.record = &plain;
	run_one(s, &b, 0.20, 0.10, 0.0, id);
	ck_assert_int_eq(store_certificate_load(s, "MO-4", id, c, &err), 0);
	html = certificate_html(c);
	ck_assert_msg(strstr(html, "<tr><th>Model override</th><td>given by sam:"
				   " just in case (no meter disagreed with its model)</td></tr>"), "%s", html);
	ck_assert_ptr_null(strstr(html, "Model override, position"));
	free(html);
	/* who and why are free text: what a reader would not see is shown
	 * replaced, as in the notes (here a right-to-left override) */
	tsd_bench_init(&b, "MO-5", NULL, T0 + 6 * HOUR);
	snprintf(plain.model_override_reason, sizeof(plain.model_override_reason),
		 "just \xe2\x80\xae in case");
	b.meta.record = &plain;
	run_one(s, &b, 0.20, 0.10, 0.0, id);
	ck_assert_int_eq(store_certificate_load(s, "MO-5", id, c, &err), 0);
	html = certificate_html(c);
	ck_assert_msg(strstr(html, "given by sam: just \xef\xbf\xbd in case"), "%.300s", strstr(html, "Model override") ? strstr(html, "Model override") : html);
	ck_assert_ptr_null(strstr(html, "\xe2\x80\xae"));
	free(html);
	free(c);
	store_close(s);
}
END_TEST

/* A record refuses a model override without who or why, and a position
 * overridden under no override. */
START_TEST(a_model_override_needs_who_why_and_the_model_run)
{
	struct store *s = open_ok();
	struct tsd_bench b;
	tsd_bench_init(&b, "MO-9", NULL, T0);
	struct store_run_record rec = {0};
	b.meta.record = &rec;
	char id[STORE_RUN_ID_LEN];
	struct rig_error err = {0};
	snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_msg(strstr(err.msg, "a model override needs a reason"), "%s", err.msg);
	rec.model_override_by[0] = '\0';
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_msg(strstr(err.msg, "a model override needs who overrode it"), "%s", err.msg);
	rec.model_override_reason[0] = '\0';
	rec.pos[1].model_overridden = true;
	snprintf(rec.pos[1].override_ran_as, sizeof(rec.pos[1].override_ran_as), "MMD-120-2001");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_msg(strstr(err.msg, "position 1: a model overridden without who"), "%s", err.msg);
	snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label\nmisprint");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert_msg(strstr(err.msg, "model override reason has control characters"), "%s", err.msg);
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
	rec.pos[1].override_ran_as[0] = '\0';
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, id, &err), -1);
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM runs") == 0);
	store_close(s);
}
END_TEST

/* The step to schema 10 (the model override's columns) on a file at 9:
 * its runs keep what they have, their notes and their seals (made in
 * format 3) untouched, no override made up for them; a run stored after
 * records its override and is sealed in format 4. */
START_TEST(the_migration_to_10_keeps_older_runs_as_sealed)
{
	struct store *s = open_ok();
	tsd_sign_heads(s, dir);
	store_set_seal_format(s, 3);	/* as schema 9 sealed it */
	struct tsd_bench b;
	tsd_bench_init(&b, "M9-1", NULL, T0);
	b.meta.notes = "[model override by sam: label misprint]";	/* as rigd wrote them */
	struct store_run_record rec = {0};
	b.meta.record = &rec;
	char old_id[STORE_RUN_ID_LEN], new_id[STORE_RUN_ID_LEN];
	run_one(s, &b, 0.20, 0.10, 0.0, old_id);
	store_close(s);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db,
			      "ALTER TABLE run_records DROP COLUMN model_override_by;"
			      "ALTER TABLE run_records DROP COLUMN model_override_reason;"
			      "ALTER TABLE run_positions DROP COLUMN model_override_ran_as;"
			      "ALTER TABLE run_positions DROP COLUMN model_override_expected;"
			      "ALTER TABLE run_positions DROP COLUMN model_override_stored;"
			      "PRAGMA user_version = 9;",
			      NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s", msg ? msg : "");
	sqlite3_close(db);

	s = open_ok();	/* migrates 9 -> 10 */
	ck_assert(sql_double(s, "PRAGMA user_version") == store_schema_latest_version());
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM runs WHERE notes = '[model override by sam: label misprint]'") == 1);
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM run_records WHERE model_override_by = ''"
				" AND model_override_reason = ''") == 1);
	ck_assert(sql_double(s, "SELECT COUNT(*) FROM run_positions WHERE model_override_ran_as IS NULL"
				" AND model_override_expected IS NULL AND model_override_stored IS NULL") == 1);
	struct store_chain_report report;
	int problems = 0;
	struct rig_error err = {0};
	ck_assert_int_eq(store_verify_chain(s, count_problem, &problems, &report, &err), 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_int_eq(report.newest_format, 3);
	/* a run stored now keeps its override in the new columns, sealed */
	tsd_sign_heads(s, dir);
	store_set_seal_format(s, 0);
	tsd_bench_init(&b, "M9-1", NULL, T0 + 2 * HOUR);
	b.meta.record = &rec;
	snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
	rec.pos[1].model_overridden = true;
	snprintf(rec.pos[1].override_ran_as, sizeof(rec.pos[1].override_ran_as), "MMD-120-2001-T-SCC");
	snprintf(rec.pos[1].override_stored, sizeof(rec.pos[1].override_stored), "MMD-120-2001");
	run_one(s, &b, 0.20, 0.10, 0.0, new_id);
	ck_assert_int_eq(store_verify_chain(s, count_problem, &problems, &report, &err), 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_int_eq(report.newest_format, STORE_SEAL_FORMAT);
	ck_assert_int_ge(STORE_SEAL_FORMAT, 4);
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "M9-1", old_id, c, &err), 0);
	ck_assert(!c->record.model_override_by[0] && !c->record.pos[1].model_overridden);
	ck_assert_int_eq(store_certificate_load(s, "M9-1", new_id, c, &err), 0);
	ck_assert_str_eq(c->record.model_override_by, "sam");
	ck_assert_str_eq(c->record.pos[1].override_stored, "MMD-120-2001");
	ck_assert_str_eq(c->record.pos[1].override_expected, "");
	free(c);
	store_close(s);
}
END_TEST

/* tests/e2e/scenario records: rig-sim, rigd and rigctl on a private folder. */
START_TEST(the_record_through_the_real_programs)
{
	run_e2e_script("scenario", "records");
}
END_TEST

Suite *suite_run_record(void)
{
	Suite *s = suite_create("run_record");
	TCase *store = tcase_create("store");
	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, a_later_run_with_another_model_leaves_the_earlier_certificate_alone);
	tcase_add_test(store, the_weighted_average_is_the_rule_over_the_final_attempts);
	tcase_add_test(store, no_weighted_average_without_its_load_points);
	tcase_add_test(store, weighting_rules_parse_by_name);
	tcase_add_test(store, bad_record_values_are_refused_and_nothing_is_stored);
	tcase_add_test(store, an_as_left_run_names_its_as_found_run_and_history_shows_both);
	tcase_add_test(store, history_lists_a_meters_runs_oldest_first);
	tcase_add_test(store, migration_counts_old_positions_from_one_and_keeps_their_model);
	tcase_add_test(store, history_is_an_index_lookup);
	tcase_add_test(store, the_migration_keeps_sealed_runs_verifiable);
	tcase_add_test(store, the_migration_to_10_keeps_older_runs_as_sealed);
	tcase_add_test(store, a_model_override_needs_who_why_and_the_model_run);
	suite_add_tcase(s, store);
	TCase *daemon = tcase_create("daemon");
	tcase_add_checked_fixture(daemon, setup, teardown);
	tcase_add_test(daemon, an_overdue_calibration_refuses_the_run_unless_overridden);
	tcase_add_test(daemon, a_model_override_request_is_recorded_with_who_and_why);
	tcase_add_test(daemon, ambient_comes_from_the_fixture_sensor_else_the_operator);
	tcase_add_test(daemon, start_requests_refuse_bad_record_fields);
	tcase_add_test(daemon, fixtures_name_standards_and_sensors);
	tcase_add_test(daemon, station_config_takes_the_lab_the_approver_and_the_rule);
	tcase_add_test(daemon, rigctl_takes_the_record_history_and_register);
	tcase_add_test(daemon, a_profiles_weighting_rule_wins_over_the_stations);
	suite_add_tcase(s, daemon);
	TCase *exports = tcase_create("exports");
	tcase_add_checked_fixture(exports, setup, teardown);
	tcase_add_test(exports, points_export_in_long_form_with_formulas_neutralised);
	tcase_add_test(exports, points_export_has_a_row_per_output);
	tcase_add_test(exports, the_certificate_shows_the_record);
	tcase_add_test(exports, a_model_override_is_an_entry_of_its_own_outside_the_notes);
	suite_add_tcase(s, exports);
	TCase *bench = tcase_create("simulated bench");
	tcase_set_timeout(bench, 120);
	tcase_add_test(bench, the_record_through_the_real_programs);
	suite_add_tcase(s, bench);
	return s;
}
