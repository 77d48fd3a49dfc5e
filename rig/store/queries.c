#include "rig/store/queries.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/sha256.h"
#include "rig/store/store_private.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}
#define COPY(dst, src) copy((dst), sizeof(dst), (src))

static int64_t upper_time(const struct store_filter *f)
{
	return f && f->to_ms ? f->to_ms : INT64_MAX;
}

/* Ends a statement stepped until its rows ran out or a callback stopped
 * it (stop, returned as it is): -1 with err when a step failed. */
static int end_listing(struct store *s, sqlite3_stmt *st, int rc, int stop,
		       struct rig_error *err)
{
	if (!stop && rc != SQLITE_DONE)
		stop = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return stop;
}

/* --- results listing ----------------------------------------------------- */

void store_result_row_read(sqlite3_stmt *st, struct store_result_row *ret)
{
	*ret = (struct store_result_row){
		.run_id = store_column_text(st, 0),
		.started_at = store_column_text(st, 1),
		.ended_at = store_column_text(st, 2),
		.station = store_column_text(st, 3),
		.serial = store_column_text(st, 4),
		.model = store_column_text(st, 5),
		.position = sqlite3_column_int(st, 6),
		.profile = store_column_text(st, 7),
		.state = store_column_text(st, 8),
		.verdict = store_column_text(st, 9),
		.operator_name = store_column_text(st, 10),
		.notes = store_column_text(st, 11),
		.reason = store_column_text(st, 12),
	};
}

void store_results_sql(const struct store_filter *f, char *buf, size_t len)
{
	/* Only constant fragments are joined; every value is a bound parameter. */
	size_t n = (size_t)snprintf(
		buf, len,
		"SELECT r.run_uuid, r.started_at, COALESCE(r.ended_at, ''), st.name, me.serial,"
		" rp.model, rp.position, r.profile_name, r.state, rp.verdict, r.operator, r.notes,"
		" r.reason FROM run_positions rp JOIN runs r ON r.id = rp.run_id"
		" JOIN meters me ON me.id = rp.meter_id JOIN stations st ON st.id = r.station_id"
		" WHERE 1");
	n = store_filter_sql(f, buf, len, n);
	if (n < len)
		snprintf(buf + n, len - n, " ORDER BY r.started_ms, r.id, rp.position");
}

size_t store_filter_sql(const struct store_filter *f, char *buf, size_t len, size_t n)
{
	struct {
		bool on;
		const char *sql;
	} parts[] = {
		{f && f->serial, " AND me.serial = ?1"},
		{f && f->model, " AND rp.model = ?2"},
		{f && f->from_ms, " AND r.started_ms >= ?3"},
		{f && f->to_ms, " AND r.started_ms < ?4"},
		{f && f->verdict, " AND rp.verdict = ?5"},
		{f && f->run_id, " AND r.run_uuid = ?6"},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && n < len; i++)
		if (parts[i].on)
			n += (size_t)snprintf(buf + n, len - n, "%s", parts[i].sql);
	return n;
}

void store_bind_filter(sqlite3_stmt *st, const struct store_filter *f)
{
	if (!f)
		return;
	/* Binding a number the statement does not use is harmless (SQLITE_RANGE). */
	if (f->serial)
		store_bind_text(st, 1, f->serial);
	if (f->model)
		store_bind_text(st, 2, f->model);
	if (f->from_ms)
		sqlite3_bind_int64(st, 3, f->from_ms);
	if (f->to_ms)
		sqlite3_bind_int64(st, 4, f->to_ms);
	if (f->verdict)
		store_bind_text(st, 5, f->verdict);
	if (f->run_id)
		store_bind_text(st, 6, f->run_id);
}

int store_query_results(struct store *s, const struct store_filter *f, store_result_fn fn,
			void *ctx, struct rig_error *err)
{
	char sql[1024];
	sqlite3_stmt *st;
	store_results_sql(f, sql, sizeof(sql));
	if (store_prepare(s, sql, &st, err) < 0)
		return -1;
	store_bind_filter(st, f);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_result_row row;
		store_result_row_read(st, &row);
		stop = fn(&row, ctx);
	}
	return end_listing(s, st, rc, stop, err);
}

/* --- certificate --------------------------------------------------------- */

/* CROSS JOIN fixes the join order: from the meter's serial to its runs,
 * never a walk of all runs by date. */
const char *const store_sql_certificate_latest =
	"SELECT r.id, rp.position FROM meters me"
	" CROSS JOIN run_positions rp ON rp.meter_id = me.id"
	" CROSS JOIN runs r ON r.id = rp.run_id"
	" WHERE me.serial = ?1 ORDER BY r.started_ms DESC, r.id DESC LIMIT 1";

static const char *const sql_certificate_of_run =
	"SELECT r.id, rp.position FROM runs r"
	" CROSS JOIN run_positions rp ON rp.run_id = r.id"
	" CROSS JOIN meters me ON me.id = rp.meter_id"
	" WHERE r.run_uuid = ?1 AND (?2 IS NULL OR me.serial = ?2) ORDER BY rp.position";

static const char *const sql_certificate_header =
	"SELECT r.run_uuid, me.serial, rp.position, rp.verdict, r.state, r.reason, st.name,"
	" st.host, i.idn, i.serial, i.cal_due, r.profile_name, r.profile_sha256, r.fixture_name,"
	" r.fixture_sha256, r.operator, r.notes, r.software_version, r.started_at,"
	" COALESCE(r.ended_at, ''), rp.model, rp.elements, rp.voltage_v, rp.voltage_between,"
	" rp.ct_primary_a, rp.ct_secondary_a, rp.rated_current_a, rp.max_current_a, rp.outputs,"
	" rp.register_before_kwh, rp.register_after_kwh, rp.weighted_avg_pct, rp.model_source"
	" FROM runs r JOIN run_positions rp ON rp.run_id = r.id AND rp.position = ?2"
	" JOIN meters me ON me.id = rp.meter_id JOIN stations st ON st.id = r.station_id"
	" JOIN instruments i ON i.id = r.instrument_id WHERE r.id = ?1";

const char *const store_sql_certificate_points =
	"SELECT p.idx, p.name, p.kind, p.voltage_v, p.current_a, p.current_pct, p.pf, p.leading,"
	" p.frequency_hz, p.elements, p.output_kh, p.band_pct, p.target_u_pct, m.attempt,"
	" m.current_a, m.reference_w, m.edges_used, m.gate_s, m.error_pct, m.u_pct, m.value,"
	" m.verdict, m.detail"
	" FROM points p LEFT JOIN measurements m ON m.point_id = p.id AND m.position = ?2"
	" AND m.attempt = (SELECT MAX(m2.attempt) FROM measurements m2"
	"   WHERE m2.point_id = p.id AND m2.position = ?2)"
	" WHERE p.run_id = ?1 ORDER BY p.idx";

/* Every column of a row, as SQLite renders it, into the fingerprint; unit
 * and record separators keep ("ab", "c") apart from ("a", "bc"). */
static void hash_row(sqlite3_stmt *st, struct rig_sha256 *h)
{
	int n = sqlite3_column_count(st);
	for (int c = 0; c < n; c++) {
		const char *t = sqlite3_column_type(st, c) == SQLITE_NULL ? "\x01NULL" : store_column_text(st, c);
		rig_sha256_update(h, t, strlen(t));
		rig_sha256_update(h, "\x1f", 1);
	}
	rig_sha256_update(h, "\x1e", 1);
}

static int find_run_position(struct store *s, const char *serial, const char *run_id,
			     int64_t *ret_run, int *ret_position, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, run_id ? sql_certificate_of_run : store_sql_certificate_latest, &st, err) < 0)
		return -1;
	if (run_id) {
		store_bind_text(st, 1, run_id);
		if (serial)
			store_bind_text(st, 2, serial);
	} else {
		store_bind_text(st, 1, serial);
	}
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (rows++ == 0) {
			*ret_run = sqlite3_column_int64(st, 0);
			*ret_position = sqlite3_column_int(st, 1);
		}
	}
	sqlite3_finalize(st);
	if (rows == 0)
		return rig_error_set(err, NULL, 0, "no stored result for %s%s%s",
				     serial ? "meter " : "", serial ? serial : "",
				     run_id ? (serial ? " in that run" : "that run") : "");
	if (rows > 1)
		return rig_error_set(err, NULL, 0, "run %s tested %d meters: name the serial number",
				     run_id, rows);
	return 0;
}

/* Prepares sql and binds a run's rowid (?1) and a position in it (?2). */
static int prepare_run_position(struct store *s, const char *sql, int64_t run, int position,
				sqlite3_stmt **st, struct rig_error *err)
{
	if (store_prepare(s, sql, st, err) < 0)
		return -1;
	sqlite3_bind_int64(*st, 1, run);
	sqlite3_bind_int(*st, 2, position);
	return 0;
}

static int load_header(struct store *s, int64_t run, int position, struct store_certificate *c,
		       struct rig_sha256 *h, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (prepare_run_position(s, sql_certificate_header, run, position, &st, err) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rig_error_set(err, NULL, 0, "results database: run disappeared while reading");
	}
	hash_row(st, h);
	int i = 0;
	COPY(c->run_id, store_column_text(st, i++));
	COPY(c->serial, store_column_text(st, i++));
	c->position = sqlite3_column_int(st, i++);
	COPY(c->verdict, store_column_text(st, i++));
	COPY(c->state, store_column_text(st, i++));
	COPY(c->reason, store_column_text(st, i++));
	COPY(c->station, store_column_text(st, i++));
	COPY(c->host, store_column_text(st, i++));
	COPY(c->instrument_idn, store_column_text(st, i++));
	COPY(c->instrument_serial, store_column_text(st, i++));
	COPY(c->instrument_cal_due, store_column_text(st, i++));
	COPY(c->profile_name, store_column_text(st, i++));
	COPY(c->profile_sha256, store_column_text(st, i++));
	COPY(c->fixture_name, store_column_text(st, i++));
	COPY(c->fixture_sha256, store_column_text(st, i++));
	COPY(c->operator_name, store_column_text(st, i++));
	COPY(c->notes, store_column_text(st, i++));
	COPY(c->software_version, store_column_text(st, i++));
	COPY(c->started_at, store_column_text(st, i++));
	COPY(c->ended_at, store_column_text(st, i++));
	COPY(c->model, store_column_text(st, i++));
	c->elements = sqlite3_column_int(st, i++);
	c->voltage_v = sqlite3_column_double(st, i++);
	COPY(c->voltage_between, store_column_text(st, i++));
	c->ct_primary_a = sqlite3_column_double(st, i++);
	c->ct_secondary_a = sqlite3_column_double(st, i++);
	c->rated_current_a = sqlite3_column_double(st, i++);
	c->max_current_a = sqlite3_column_double(st, i++);
	COPY(c->outputs, store_column_text(st, i++));
	c->has_register_before = sqlite3_column_type(st, i) != SQLITE_NULL;
	c->register_before_kwh = sqlite3_column_double(st, i++);
	c->has_register_after = sqlite3_column_type(st, i) != SQLITE_NULL;
	c->register_after_kwh = sqlite3_column_double(st, i++);
	c->has_weighted = sqlite3_column_type(st, i) != SQLITE_NULL;
	c->weighted_avg_pct = sqlite3_column_double(st, i++);
	c->model_backfilled = strcmp(store_column_text(st, i++), "backfilled") == 0;
	sqlite3_finalize(st);
	return 0;
}

static void read_point(sqlite3_stmt *st, struct store_cert_point *p)
{
	int i = 0;
	p->idx = sqlite3_column_int(st, i++);
	COPY(p->name, store_column_text(st, i++));
	COPY(p->kind, store_column_text(st, i++));
	p->voltage_v = sqlite3_column_double(st, i++);
	p->current_a = sqlite3_column_double(st, i++);
	p->current_pct = sqlite3_column_double(st, i++);
	p->pf = sqlite3_column_double(st, i++);
	p->leading = sqlite3_column_int(st, i++) != 0;
	p->frequency_hz = sqlite3_column_double(st, i++);
	p->elements = (unsigned)sqlite3_column_int(st, i++);
	p->output_kh = sqlite3_column_double(st, i++);
	p->band_pct = sqlite3_column_double(st, i++);
	p->target_u_pct = sqlite3_column_double(st, i++);
	p->measured = sqlite3_column_type(st, i) != SQLITE_NULL;
	COPY(p->verdict, "none");
	if (!p->measured)
		return;
	p->attempt = sqlite3_column_int(st, i++);
	p->current_a = sqlite3_column_double(st, i++);
	p->reference_w = sqlite3_column_double(st, i++);
	p->edges_used = sqlite3_column_int(st, i++);
	p->gate_s = sqlite3_column_double(st, i++);
	p->has_error = sqlite3_column_type(st, i) != SQLITE_NULL;
	p->error_pct = p->has_error ? sqlite3_column_double(st, i) : NAN;
	i++;
	p->u_pct = p->has_error ? sqlite3_column_double(st, i) : NAN;
	i++;
	p->has_value = sqlite3_column_type(st, i) != SQLITE_NULL;
	p->value = p->has_value ? sqlite3_column_double(st, i) : NAN;
	i++;
	COPY(p->verdict, store_column_text(st, i++));
	COPY(p->detail, store_column_text(st, i++));
}

static const char *const store_sql_point_budget =
	"SELECT b.uc_rel, b.nu_eff, b.k, b.period_check, b.update_period_s, b.declared_period_s,"
	" t.term, t.u, t.sensitivity, t.contribution, t.dof"
	" FROM points p JOIN measurements m ON m.point_id = p.id"
	" JOIN point_budget b ON b.measurement_id = m.id"
	" JOIN point_budget_terms t ON t.measurement_id = m.id"
	" WHERE p.run_id = ?1 AND p.idx = ?2 AND m.position = ?3 AND m.attempt = ?4"
	" ORDER BY t.term";

static double column_dof(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? INFINITY : sqlite3_column_double(st, i);
}

static void read_budget_row(sqlite3_stmt *st, struct rig_gate_budget *b)
{
	b->uc_rel = sqlite3_column_double(st, 0);
	b->nu_eff = column_dof(st, 1);
	b->k = sqlite3_column_double(st, 2);
	const char *check = store_column_text(st, 3);
	for (int c = RIG_PERIOD_NONE; c <= RIG_PERIOD_NARROWED; c++)
		if (!strcmp(check, rig_period_check_name((enum rig_period_check)c)))
			b->period_check = (enum rig_period_check)c;
	b->update_period_s = sqlite3_column_double(st, 4);
	b->declared_period_s = sqlite3_column_double(st, 5);
	const char *term = store_column_text(st, 6);
	for (int t = 0; t < RIG_U_TERMS; t++)
		if (!strcmp(term, rig_u_term_name((enum rig_u_term)t))) {
			b->term[t].u = sqlite3_column_double(st, 7);
			b->term[t].sensitivity = sqlite3_column_double(st, 8);
			b->term[t].contribution = sqlite3_column_double(st, 9);
			b->term[t].dof = column_dof(st, 10);
		}
}

/* Resets st for the measurement of p's final attempt at the position:
 * run ?1, point ?2, position ?3, attempt ?4. */
static void bind_final_attempt(sqlite3_stmt *st, int64_t run, int position,
			       const struct store_cert_point *p)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, p->idx);
	sqlite3_bind_int(st, 3, position);
	sqlite3_bind_int(st, 4, p->attempt);
}

/* The budget of each measured point's final attempt (none before schema 3
 * or for points without a measured error); its rows join the fingerprint. */
static int load_budgets(struct store *s, int64_t run, int position, struct store_certificate *c,
			struct rig_sha256 *h, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, store_sql_point_budget, &st, err) < 0)
		return -1;
	int rc = SQLITE_DONE;
	for (int i = 0; i < c->n_points && (rc == SQLITE_DONE || rc == SQLITE_ROW); i++) {
		struct store_cert_point *p = &c->points[i];
		if (!p->measured)
			continue;
		bind_final_attempt(st, run, position, p);
		for (int t = 0; t < RIG_U_TERMS; t++)
			p->budget.term[t].dof = INFINITY;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			hash_row(st, h);
			read_budget_row(st, &p->budget);
			p->has_budget = true;
		}
	}
	return end_listing(s, st, rc, 0, err);
}

static int load_points(struct store *s, int64_t run, int position, struct store_certificate *c,
		       struct rig_sha256 *h, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (prepare_run_position(s, store_sql_certificate_points, run, position, &st, err) < 0)
		return -1;
	int rc;
	c->n_points = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->n_points < RIG_PROFILE_MAX_POINTS) {
		hash_row(st, h);
		read_point(st, &c->points[c->n_points++]);
	}
	/* a row past the most a profile holds is left unread, not an error */
	return end_listing(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, 0, err);
}

/* Each measured point's output rows and readings (schema 8). */
static int load_outputs(struct store *s, int64_t run, int position, struct store_certificate *c,
			struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT m.id, m.reading_before_kwh, m.reading_after_kwh FROM points p"
			  " JOIN measurements m ON m.point_id = p.id"
			  " WHERE p.run_id = ?1 AND p.idx = ?2 AND m.position = ?3 AND m.attempt = ?4",
			  &st, err) < 0)
		return -1;
	int rc = 0;
	for (int i = 0; rc == 0 && i < c->n_points; i++) {
		struct store_cert_point *p = &c->points[i];
		if (!p->measured)
			continue;
		bind_final_attempt(st, run, position, p);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		p->has_reading_before = sqlite3_column_type(st, 1) != SQLITE_NULL;
		p->reading_before_kwh = sqlite3_column_double(st, 1);
		p->has_reading_after = sqlite3_column_type(st, 2) != SQLITE_NULL;
		p->reading_after_kwh = sqlite3_column_double(st, 2);
		struct store_measurement m;
		memset(&m, 0, sizeof(m));
		rc = store_read_outputs(s, sqlite3_column_int64(st, 0), &m, err);
		p->n_outputs = m.n_outputs;
		memcpy(p->outputs, m.outputs, sizeof(p->outputs));
	}
	sqlite3_finalize(st);
	return rc;
}

int store_certificate_load(struct store *s, const char *serial, const char *run_id,
			   struct store_certificate *ret, struct rig_error *err)
{
	if (!serial && !run_id)
		return rig_error_set(err, NULL, 0, "a certificate needs a serial number or a run id");
	memset(ret, 0, sizeof(*ret));
	int64_t run = -1;
	int position = -1;
	struct rig_sha256 h;
	rig_sha256_init(&h);
	/* One read transaction: the header and points are one snapshot even
	 * while the daemon appends. */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	int rc = find_run_position(s, serial, run_id, &run, &position, err);
	if (rc == 0)
		rc = load_header(s, run, position, ret, &h, err);
	if (rc == 0)
		rc = load_points(s, run, position, ret, &h, err);
	if (rc == 0)
		rc = load_budgets(s, run, position, ret, &h, err);
	if (rc == 0)
		rc = load_outputs(s, run, position, ret, err);
	if (rc == 0)
		rc = store_run_record_load(s, ret->run_id, &ret->record, err);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	uint8_t digest[32];
	rig_sha256_final(&h, digest);
	for (int i = 0; i < 8; i++)
		snprintf(ret->rows_hash + 2 * i, 3, "%02x", digest[i]);
	return rc;
}

/* --- summary ------------------------------------------------------------- */

/* The period and model filter of the summary, points and weighted queries:
 * the parameters bind_period binds. */
#define WHERE_PERIOD_MODEL \
	" WHERE r.started_ms >= ?1 AND r.started_ms < ?2 AND (?3 IS NULL OR rp.model = ?3)"

/* Runs in the period, their meters (primary key joins). The runs are the
 * outer loop, so one run's rows come together. */
const char *const store_sql_summary_meters =
	"SELECT r.id, r.state, rp.verdict FROM runs r"
	" CROSS JOIN run_positions rp ON rp.run_id = r.id"
	WHERE_PERIOD_MODEL;

/* Final attempts of accuracy points in the period. */
const char *const store_sql_summary_errors =
	"SELECT r.profile_name, p.idx, p.name, p.band_pct, m.current_a, p.pf, p.leading,"
	" m.error_pct, me.serial, r.run_uuid FROM runs r"
	" CROSS JOIN points p ON p.run_id = r.id"
	" CROSS JOIN measurements m ON m.point_id = p.id"
	" CROSS JOIN run_positions rp ON rp.run_id = r.id AND rp.position = m.position"
	" CROSS JOIN meters me ON me.id = rp.meter_id"
	WHERE_PERIOD_MODEL
	" AND p.kind = 'accuracy' AND m.error_pct IS NOT NULL"
	" AND m.attempt = (SELECT MAX(m2.attempt) FROM measurements m2"
	"   WHERE m2.point_id = m.point_id AND m2.position = m.position)";

static void count_run_state(struct store_summary *sum, const char *state)
{
	static const struct {
		const char *name;
		size_t offset;
	} states[] = {
		{"passed", offsetof(struct store_summary, runs_passed)},
		{"failed", offsetof(struct store_summary, runs_failed)},
		{"indeterminate", offsetof(struct store_summary, runs_indeterminate)},
		{"aborted", offsetof(struct store_summary, runs_aborted)},
		{"error", offsetof(struct store_summary, runs_error)},
		{"interrupted", offsetof(struct store_summary, runs_interrupted)},
		{"running", offsetof(struct store_summary, runs_running)},
	};
	sum->runs++;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, state) == 0)
			(*(int *)((char *)sum + states[i].offset))++;
}

/* Prepares sql and binds the filter's period and model (WHERE_PERIOD_MODEL). */
static int bind_period(struct store *s, const char *sql, const struct store_filter *f,
		       sqlite3_stmt **st, struct rig_error *err)
{
	if (store_prepare(s, sql, st, err) < 0)
		return -1;
	sqlite3_bind_int64(*st, 1, f ? f->from_ms : 0);
	sqlite3_bind_int64(*st, 2, upper_time(f));
	if (f && f->model)
		store_bind_text(*st, 3, f->model);
	return 0;
}

static int load_counts(struct store *s, const struct store_filter *f, struct store_summary *sum,
		       struct rig_error *err)
{
	sqlite3_stmt *st;
	if (bind_period(s, store_sql_summary_meters, f, &st, err) < 0)
		return -1;
	int64_t last_run = -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t run = sqlite3_column_int64(st, 0);
		if (run != last_run)
			count_run_state(sum, store_column_text(st, 1));
		last_run = run;
		const char *verdict = store_column_text(st, 2);
		sum->meters++;
		if (strcmp(verdict, "pass") == 0)
			sum->meters_passed++;
		else if (strcmp(verdict, "fail") == 0)
			sum->meters_failed++;
		else
			sum->meters_other++;
	}
	sum->pass_rate = sum->meters ? (double)sum->meters_passed / sum->meters : NAN;
	return end_listing(s, st, rc, 0, err);
}

static struct store_point_summary *point_group(struct store_summary *sum, const char *profile,
					       int idx, double band)
{
	for (int i = 0; i < sum->n_points; i++) {
		struct store_point_summary *p = &sum->points[i];
		if (p->idx == idx && p->band_pct == band && strcmp(p->profile, profile) == 0)
			return p;
	}
	if (sum->n_points == STORE_SUMMARY_MAX_POINTS)
		return NULL;
	struct store_point_summary *p = &sum->points[sum->n_points++];
	COPY(p->profile, profile);
	p->idx = idx;
	p->band_pct = band;
	return p;
}

static void note_worst(struct store_summary *sum, const struct store_worst_meter *w)
{
	int at = sum->n_worst;
	while (at > 0 && sum->worst[at - 1].band_used < w->band_used)
		at--;
	if (at >= STORE_SUMMARY_WORST)
		return;
	int last = sum->n_worst < STORE_SUMMARY_WORST ? sum->n_worst : STORE_SUMMARY_WORST - 1;
	memmove(&sum->worst[at + 1], &sum->worst[at], (size_t)(last - at) * sizeof(*w));
	sum->worst[at] = *w;
	if (sum->n_worst < STORE_SUMMARY_WORST)
		sum->n_worst++;
}

/* The meter's worst point in the list: one entry per meter and run. */
static void add_worst_candidate(struct store_summary *sum, const struct store_worst_meter *w)
{
	for (int i = 0; i < sum->n_worst; i++) {
		if (strcmp(sum->worst[i].serial, w->serial) || strcmp(sum->worst[i].run_id, w->run_id))
			continue;
		if (sum->worst[i].band_used >= w->band_used)
			return;
		memmove(&sum->worst[i], &sum->worst[i + 1], (size_t)(sum->n_worst - i - 1) * sizeof(*w));
		sum->n_worst--;
		break;
	}
	note_worst(sum, w);
}

static void add_error(struct store_summary *sum, sqlite3_stmt *st)
{
	double band = sqlite3_column_double(st, 3);
	double error = sqlite3_column_double(st, 7);
	struct store_point_summary *p =
		point_group(sum, store_column_text(st, 0), sqlite3_column_int(st, 1), band);
	if (!p)
		return;
	if (p->stats.n == 0) {
		COPY(p->name, store_column_text(st, 2));
		p->current_a = sqlite3_column_double(st, 4);
		p->pf = sqlite3_column_double(st, 5);
		p->leading = sqlite3_column_int(st, 6) != 0;
	}
	store_stats_add(&p->stats, error);
	if (p->stats.n == 1 || fabs(error) > fabs(p->worst_error_pct)) {
		COPY(p->worst_serial, store_column_text(st, 8));
		p->worst_error_pct = error;
	}
	struct store_worst_meter w = {.error_pct = error, .band_pct = band};
	COPY(w.serial, store_column_text(st, 8));
	COPY(w.run_id, store_column_text(st, 9));
	COPY(w.point, p->name);
	w.band_used = band > 0 ? fabs(error) / band : INFINITY;
	add_worst_candidate(sum, &w);
}

static int by_profile_and_index(const void *a, const void *b)
{
	const struct store_point_summary *x = a, *y = b;
	int c = strcmp(x->profile, y->profile);
	if (c)
		return c;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->band_pct < y->band_pct ? -1 : x->band_pct > y->band_pct;
}

static int load_errors(struct store *s, const struct store_filter *f, struct store_summary *sum,
		       struct rig_error *err)
{
	sqlite3_stmt *st;
	if (bind_period(s, store_sql_summary_errors, f, &st, err) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		add_error(sum, st);
	int r = end_listing(s, st, rc, 0, err);
	qsort(sum->points, (size_t)sum->n_points, sizeof(sum->points[0]), by_profile_and_index);
	for (int i = 0; i < sum->n_points; i++) {
		sum->points[i].sd = store_stats_sd(&sum->points[i].stats);
		sum->points[i].cpk = store_stats_cpk(&sum->points[i].stats, sum->points[i].band_pct);
	}
	return r;
}

int store_summary_load(struct store *s, const struct store_filter *f, struct store_summary *ret,
		       struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	int rc = load_counts(s, f, ret, err);
	if (rc == 0)
		rc = load_errors(s, f, ret, err);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* --- a meter's history, points in long form, weighted averages ---------- */

/* CROSS JOIN: from the serial through its index, never a walk of all runs. */
const char *const store_sql_history =
	"SELECT r.run_uuid, r.started_at, st.name, rp.position, rp.model, rp.rated_current_a,"
	" r.profile_name, r.state, rp.verdict, COALESCE(rr.test_reason, ''),"
	" COALESCE(rr.customer, ''), COALESCE(rr.test_state, ''), COALESCE(rr.follows_run, ''),"
	" rp.weighted_avg_pct, COALESCE(rr.weighting, ''), rp.model_source FROM meters me"
	" CROSS JOIN run_positions rp ON rp.meter_id = me.id"
	" CROSS JOIN runs r ON r.id = rp.run_id"
	" JOIN stations st ON st.id = r.station_id"
	" LEFT JOIN run_records rr ON rr.run_id = r.id"
	" WHERE me.serial = ?1 ORDER BY r.started_ms, r.id";

int store_history(struct store *s, const char *serial, store_history_fn fn, void *ctx,
		  struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, store_sql_history, &st, err) < 0)
		return -1;
	store_bind_text(st, 1, serial);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_history_row row = {
			.run_id = store_column_text(st, 0),
			.started_at = store_column_text(st, 1),
			.station = store_column_text(st, 2),
			.position = sqlite3_column_int(st, 3),
			.model = store_column_text(st, 4),
			.rated_current_a = sqlite3_column_double(st, 5),
			.profile = store_column_text(st, 6),
			.state = store_column_text(st, 7),
			.verdict = store_column_text(st, 8),
			.test_reason = store_column_text(st, 9),
			.customer = store_column_text(st, 10),
			.test_state = store_column_text(st, 11),
			.follows_run = store_column_text(st, 12),
			.has_weighted = sqlite3_column_type(st, 13) != SQLITE_NULL,
			.weighted_avg_pct = sqlite3_column_double(st, 13),
			.weighting = store_column_text(st, 14),
			.model_backfilled = strcmp(store_column_text(st, 15), "backfilled") == 0,
		};
		stop = fn(&row, ctx);
	}
	return end_listing(s, st, rc, stop, err);
}

/* Final attempts, k from the stored budget. Filters are bound values. */
static const char *const sql_points =
	"SELECT r.run_uuid, me.serial, rp.model, rp.position, p.idx, p.name, p.kind, p.voltage_v,"
	" COALESCE(m.current_a, p.current_a), p.current_pct, p.pf, p.leading, p.frequency_hz,"
	" m.error_pct, m.u_pct, b.k, p.band_pct, COALESCE(m.verdict, 'none'),"
	" COALESCE(rr.test_state, ''), m.id, p.output_kh, m.edges_used FROM runs r"
	" JOIN run_positions rp ON rp.run_id = r.id JOIN meters me ON me.id = rp.meter_id"
	" JOIN points p ON p.run_id = r.id"
	" LEFT JOIN measurements m ON m.point_id = p.id AND m.position = rp.position"
	" AND m.attempt = (SELECT MAX(m2.attempt) FROM measurements m2"
	"   WHERE m2.point_id = p.id AND m2.position = rp.position)"
	" LEFT JOIN point_budget b ON b.measurement_id = m.id"
	" LEFT JOIN run_records rr ON rr.run_id = r.id"
	WHERE_PERIOD_MODEL
	" AND (?4 IS NULL OR me.serial = ?4) AND (?5 IS NULL OR r.run_uuid = ?5)"
	" ORDER BY r.started_ms, r.id, rp.position, p.idx";

int store_query_points(struct store *s, const struct store_filter *f, store_point_fn fn,
		       void *ctx, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (bind_period(s, sql_points, f, &st, err) < 0)
		return -1;
	if (f && f->serial)
		store_bind_text(st, 4, f->serial);
	if (f && f->run_id)
		store_bind_text(st, 5, f->run_id);
	struct store_measurement *m = calloc(1, sizeof(*m));
	if (!m) {
		sqlite3_finalize(st);
		return rig_error_set(err, NULL, 0, "out of memory");
	}
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		m->n_outputs = 0;
		if (sqlite3_column_type(st, 19) != SQLITE_NULL &&
		    store_read_outputs(s, sqlite3_column_int64(st, 19), m, err) < 0) {
			stop = -1;
			break;
		}
		bool has_error = sqlite3_column_type(st, 13) != SQLITE_NULL;
		bool has_kh = sqlite3_column_type(st, 20) != SQLITE_NULL;
		double kh = has_kh ? sqlite3_column_double(st, 20) : NAN;
		enum rig_signal own = has_kh ? rig_signal_for_kh(kh) : RIG_SIG_COUNT;
		struct store_point_row row = {
			.run_id = store_column_text(st, 0),
			.serial = store_column_text(st, 1),
			.model = store_column_text(st, 2),
			.position = sqlite3_column_int(st, 3),
			.point = sqlite3_column_int(st, 4),
			.name = store_column_text(st, 5),
			.kind = store_column_text(st, 6),
			.voltage_v = sqlite3_column_double(st, 7),
			.current_a = sqlite3_column_double(st, 8),
			.current_pct = sqlite3_column_double(st, 9),
			.pf = sqlite3_column_double(st, 10),
			.leading = sqlite3_column_int(st, 11) != 0,
			.frequency_hz = sqlite3_column_double(st, 12),
			.has_error = has_error,
			.error_pct = has_error ? sqlite3_column_double(st, 13) : NAN,
			.u_pct = has_error ? sqlite3_column_double(st, 14) : NAN,
			.k = sqlite3_column_type(st, 15) != SQLITE_NULL ? sqlite3_column_double(st, 15)
									: NAN,
			.band_pct = sqlite3_column_double(st, 16),
			.verdict = store_column_text(st, 17),
			.test_state = store_column_text(st, 18),
			.output = own < RIG_SIG_COUNT ? rig_signal_name(own) : "",
			.output_kh = kh,
			.edges = sqlite3_column_type(st, 21) != SQLITE_NULL ? sqlite3_column_int(st, 21)
									  : -1,
			.n_outputs = m->n_outputs,
			.outputs = m->outputs,
		};
		stop = fn(&row, ctx);
	}
	stop = end_listing(s, st, rc, stop, err);
	free(m);
	return stop;
}

static const char *const sql_weighted =
	"SELECT r.run_uuid, me.serial, rp.model, rp.verdict, COALESCE(rr.weighting, ''),"
	" rp.weighted_avg_pct FROM runs r JOIN run_positions rp ON rp.run_id = r.id"
	" JOIN meters me ON me.id = rp.meter_id LEFT JOIN run_records rr ON rr.run_id = r.id"
	WHERE_PERIOD_MODEL
	" ORDER BY r.started_ms, r.id, rp.position";

int store_query_weighted(struct store *s, const struct store_filter *f, store_weighted_fn fn,
			 void *ctx, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (bind_period(s, sql_weighted, f, &st, err) < 0)
		return -1;
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_weighted_row row = {
			.run_id = store_column_text(st, 0),
			.serial = store_column_text(st, 1),
			.model = store_column_text(st, 2),
			.verdict = store_column_text(st, 3),
			.weighting = store_column_text(st, 4),
			.has_value = sqlite3_column_type(st, 5) != SQLITE_NULL,
			.weighted_avg_pct = sqlite3_column_double(st, 5),
		};
		stop = fn(&row, ctx);
	}
	return end_listing(s, st, rc, stop, err);
}
