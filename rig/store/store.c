#include "rig/store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rig/store/schema.h"
#include "rig/store/seal.h"
#include "rig/store/store_private.h"

/* Long enough to ride over a report's read or a daemon's commit. */
#define BUSY_TIMEOUT_MS 5000

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret, struct rig_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) != SQLITE_OK)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return 0;
}

const char *store_column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	return sqlite3_bind_text(st, idx, text ? text : "", -1, SQLITE_TRANSIENT);
}

int store_exec(struct store *s, const char *sql, struct rig_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		rig_error_set(err, NULL, 0, "results database: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static struct store *open_connection(const char *path, int flags, struct rig_error *err)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		rig_error_set(err, path, 0, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rig_error_set(err, path, 0, "cannot open results database: %s",
			      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	if (store_exec(s, "PRAGMA foreign_keys = ON", err) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *store_open(const char *path, struct rig_error *err)
{
	struct store *s = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
	if (!s)
		return NULL;
	/* WAL lets reports read while the daemon writes; FULL sync makes every
	 * commit durable across a power cut too, not only a crash of rigd. */
	if (store_exec(s, "PRAGMA journal_mode = WAL", err) < 0 ||
	    store_exec(s, "PRAGMA synchronous = FULL", err) < 0 ||
	    store_schema_migrate_noting(s->db, &s->migrated_unheaded, err) < 0) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", path);
		store_close(s);
		return NULL;
	}
	/* Keep the -wal and -shm files when the daemon closes: a reader
	 * without write access to the folder (an operator in the group, rigd
	 * stopped) cannot create the -shm, and SQLite needs it to read a WAL
	 * database ("attempt to write a readonly database"). */
	int persist = 1;
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	return s;
}

/* A read-only connection to a WAL database needs its -shm file: explain
 * when it is missing and cannot be made, rather than SQLite's words. */
static void explain_missing_shm(const char *path, sqlite3 *db, struct rig_error *err)
{
	int code = sqlite3_errcode(db) & 0xff;	/* extended codes are on */
	if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN)
		return;
	char shm[4200];
	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (access(shm, F_OK) == 0)
		return;
	rig_error_set(err, path, 0,
		      "cannot read the results database: its WAL index %s is missing and this "
		      "user may not create it in that folder; start rigd once (it keeps the file), "
		      "or read as the rigd user",
		      shm);
}

struct store *store_open_readonly(const char *path, struct rig_error *err)
{
	struct store *s = open_connection(path, SQLITE_OPEN_READONLY, err);
	if (!s)
		return NULL;
	s->readonly = true;
	int version = store_schema_version(s->db, err);
	if (version < 0) {
		explain_missing_shm(path, s->db, err);
		store_close(s);
		return NULL;
	}
	if (version != store_schema_latest_version()) {
		rig_error_set(err, path, 0,
			      version > store_schema_latest_version()
				      ? "results database is schema version %d, newer than this software knows (%d)"
				      : "results database is schema version %d, older than this software's %d: open it once with rigd to migrate it",
			      version, store_schema_latest_version());
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close_v2(s->db);
	free(s);
}

const char *store_run_state_name(enum rig_run_state st)
{
	switch (st) {
	case RIG_RUN_IDLE:
		return "idle";
	case RIG_RUN_RUNNING:
		return "running";
	case RIG_RUN_PASSED:
		return "passed";
	case RIG_RUN_FAILED:
		return "failed";
	case RIG_RUN_INDETERMINATE:
		return "indeterminate";
	case RIG_RUN_ABORTED:
		return "aborted";
	case RIG_RUN_ERROR:
		return "error";
	case RIG_RUN_INTERRUPTED:
		return "interrupted";
	}
	return "unknown";
}

void store_new_run_id(char ret[STORE_RUN_ID_LEN])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(b)) {	/* no random source: time and pid still make it unique enough */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(b); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[i] = (unsigned char)x;
		}
	}
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(ret, STORE_RUN_ID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

void store_format_time(int64_t unix_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
	int ms = (int)(unix_ms - (int64_t)secs * 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

int store_parse_time(const char *text, int64_t *ret_ms)
{
	struct tm tm = {0};
	int consumed = 0;
	if (sscanf(text, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed) != 3)
		return -1;
	const char *rest = text + consumed;
	if (*rest == 'T' || *rest == ' ') {
		int n = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) != 2)
			return -1;
		rest += 1 + n;
		if (*rest == ':') {
			if (sscanf(rest + 1, "%2d%n", &tm.tm_sec, &n) != 1)
				return -1;
			rest += 1 + n;
		}
		if (*rest == 'Z')
			rest++;
	}
	if (*rest || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ret_ms = (int64_t)t * 1000;
	return 0;
}

int64_t store_run_rowid(struct store *s, const char *run_id, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id FROM runs WHERE run_uuid = ?1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, run_id);
	int64_t id = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		rig_error_set(err, NULL, 0, "no run %s in the results database", run_id ? run_id : "");
	sqlite3_finalize(st);
	return id;
}

/* --- writing a run ------------------------------------------------------- */

int store_step_done(struct store *s, sqlite3_stmt *st, struct rig_error *err)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* INSERT OR IGNORE then SELECT: the id of an existing or new row. */
static int64_t upsert_id(struct store *s, const char *insert, const char *select,
			 const char *a, const char *b, const char *c, struct rig_error *err)
{
	sqlite3_stmt *st;
	for (int pass = 0; pass < 2; pass++) {
		if (store_prepare(s, pass ? insert : select, &st, err) < 0)
			return -1;
		store_bind_text(st, 1, a);
		store_bind_text(st, 2, b);
		if (c)
			store_bind_text(st, 3, c);
		if (!pass) {
			int rc = sqlite3_step(st);
			int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
			sqlite3_finalize(st);
			if (id >= 0)
				return id;
			if (rc != SQLITE_DONE)
				return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
		} else if (store_step_done(s, st, err) < 0) {
			return -1;
		}
	}
	return sqlite3_last_insert_rowid(s->db);
}

static void format_outputs(const struct rig_meter_model *m, char *buf, size_t len)
{
	buf[0] = 0;
	size_t used = 0;
	for (int i = 0; i < m->n_outputs && i < RIG_MODEL_MAX_OUTPUTS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%g", i ? "," : "", m->outputs_kh[i]);
}

/* `meters` holds the latest description of a serial, for lookups; the
 * run keeps its own copy (insert_position), which nothing rewrites. */
static int64_t upsert_meter(struct store *s, const char *serial, const struct rig_meter_model *m,
			    struct rig_error *err)
{
	sqlite3_stmt *st;
	char outputs[64];
	format_outputs(m, outputs, sizeof(outputs));
	if (store_prepare(s,
			  "INSERT INTO meters (serial, model, elements, voltage_v, voltage_between,"
			  " ct_primary_a, ct_secondary_a, rated_current_a, max_current_a, outputs)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
			  " ON CONFLICT (serial) DO UPDATE SET model = excluded.model,"
			  " elements = excluded.elements, voltage_v = excluded.voltage_v,"
			  " voltage_between = excluded.voltage_between,"
			  " ct_primary_a = excluded.ct_primary_a, ct_secondary_a = excluded.ct_secondary_a,"
			  " rated_current_a = excluded.rated_current_a,"
			  " max_current_a = excluded.max_current_a, outputs = excluded.outputs",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, serial);
	store_bind_text(st, 2, m->model);
	sqlite3_bind_int(st, 3, m->elements);
	sqlite3_bind_double(st, 4, m->voltage_v);
	store_bind_text(st, 5, m->voltage_between);
	sqlite3_bind_double(st, 6, m->ct_primary_a);
	sqlite3_bind_double(st, 7, m->ct_secondary_a);
	sqlite3_bind_double(st, 8, m->rated_current_a);
	sqlite3_bind_double(st, 9, m->max_current_a);
	store_bind_text(st, 10, outputs);
	if (store_step_done(s, st, err) < 0)
		return -1;
	if (store_prepare(s, "SELECT id FROM meters WHERE serial = ?1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, serial);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (id < 0)
		rig_error_set(err, NULL, 0, "results database: meter %s not stored", serial);
	return id;
}

static const char *point_kind_name(enum rig_point_kind k)
{
	switch (k) {
	case RIG_POINT_ACCURACY:
		return "accuracy";
	case RIG_POINT_CREEP:
		return "creep";
	case RIG_POINT_STARTING_LOAD:
		return "starting-load";
	case RIG_POINT_REVERSE_LED:
		return "reverse-led";
	case RIG_POINT_OUTPUT_CONSISTENCY:
		return "output-consistency";
	case RIG_POINT_PULSE_DUTY:
		return "pulse-duty";
	case RIG_POINT_WARM_UP:
		return "warm-up";
	case RIG_POINT_CONNECTION_CHECK:
		return "connection-check";
	case RIG_POINT_REGISTER:
		return "register";
	}
	return "unknown";
}

static int insert_point(struct store *s, int64_t run, int idx, const struct rig_point *p,
			struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT INTO points (run_id, idx, name, kind, voltage_v, current_a,"
			  " current_pct, pf, leading, frequency_hz, elements, output_kh, band_pct,"
			  " target_u_pct) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
			  " ?13, ?14)",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, idx);
	store_bind_text(st, 3, p->name);
	store_bind_text(st, 4, point_kind_name(p->kind));
	sqlite3_bind_double(st, 5, p->voltage_v);
	sqlite3_bind_double(st, 6, p->current_pct >= 0 ? -1 : p->current_a);
	sqlite3_bind_double(st, 7, p->current_pct >= 0 ? p->current_pct : -1);
	sqlite3_bind_double(st, 8, p->pf);
	sqlite3_bind_int(st, 9, p->leading);
	sqlite3_bind_double(st, 10, p->frequency_hz);
	sqlite3_bind_int(st, 11, (int)p->elements);
	sqlite3_bind_double(st, 12, p->output_kh);
	sqlite3_bind_double(st, 13, p->band_pct);
	sqlite3_bind_double(st, 14, p->target_u_pct);
	return store_step_done(s, st, err);
}

/* The model disagreement an override let through at this position, as
 * its record states it; NULL (none) otherwise. */
static void bind_model_override(sqlite3_stmt *st, int col, const struct store_position_record *pr)
{
	if (!pr || !pr->model_overridden)
		return;
	store_bind_text(st, col, pr->override_ran_as);
	store_bind_text(st, col + 1, pr->override_expected);
	store_bind_text(st, col + 2, pr->override_stored);
}

/* The meter as described in this run, its register reading before, and any
 * model override there. */
static int insert_position(struct store *s, int64_t run, int position, int64_t meter,
			   const struct rig_meter_model *m, const struct store_run_record *rec,
			   struct rig_error *err)
{
	sqlite3_stmt *st;
	char outputs[64];
	format_outputs(m, outputs, sizeof(outputs));
	if (store_prepare(s,
			  "INSERT INTO run_positions (run_id, position, meter_id, model, elements,"
			  " voltage_v, voltage_between, ct_primary_a, ct_secondary_a, rated_current_a,"
			  " max_current_a, outputs, register_before_kwh, model_override_ran_as,"
			  " model_override_expected, model_override_stored) VALUES (?1, ?2, ?3, ?4, ?5,"
			  " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, position);
	sqlite3_bind_int64(st, 3, meter);
	store_bind_text(st, 4, m->model);
	sqlite3_bind_int(st, 5, m->elements);
	sqlite3_bind_double(st, 6, m->voltage_v);
	store_bind_text(st, 7, m->voltage_between);
	sqlite3_bind_double(st, 8, m->ct_primary_a);
	sqlite3_bind_double(st, 9, m->ct_secondary_a);
	sqlite3_bind_double(st, 10, m->rated_current_a);
	sqlite3_bind_double(st, 11, m->max_current_a);
	store_bind_text(st, 12, outputs);
	if (rec && position <= RIG_MAX_POSITIONS && rec->pos[position].has_register_before)
		sqlite3_bind_double(st, 13, rec->pos[position].register_before_kwh);
	bind_model_override(st, 14, rec && position <= RIG_MAX_POSITIONS ? &rec->pos[position] : NULL);
	return store_step_done(s, st, err);
}

static int64_t insert_run(struct store *s, const char *run_id, int64_t station, int64_t instrument,
			  const struct rig_run_plan *plan, const struct store_run_meta *meta,
			  struct rig_error *err)
{
	sqlite3_stmt *st;
	char started[32];
	store_format_time(meta->started_ms, started, sizeof(started));
	if (store_prepare(s,
			  "INSERT INTO runs (run_uuid, station_id, instrument_id, profile_name,"
			  " profile_sha256, fixture_name, fixture_sha256, operator, notes,"
			  " software_version, started_at, started_ms, state)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running')",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, run_id);
	sqlite3_bind_int64(st, 2, station);
	sqlite3_bind_int64(st, 3, instrument);
	store_bind_text(st, 4, plan->profile->name);
	store_bind_text(st, 5, plan->profile->sha256);
	store_bind_text(st, 6, plan->fixture->name);
	store_bind_text(st, 7, plan->fixture->sha256);
	store_bind_text(st, 8, meta->operator_name);
	store_bind_text(st, 9, meta->notes);
	store_bind_text(st, 10, meta->software_version);
	store_bind_text(st, 11, started);
	sqlite3_bind_int64(st, 12, meta->started_ms);
	if (store_step_done(s, st, err) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int write_run(struct store *s, const struct rig_run_plan *plan,
		     const struct store_run_meta *meta, const char *run_id, struct rig_error *err)
{
	int64_t station = upsert_id(s, "INSERT OR IGNORE INTO stations (name, host) VALUES (?1, ?2)",
				    "SELECT id FROM stations WHERE name = ?1 AND host = ?2",
				    meta->station, meta->host, NULL, err);
	if (station < 0)
		return -1;
	int64_t instrument = upsert_id(
		s, "INSERT OR IGNORE INTO instruments (idn, serial, cal_due) VALUES (?1, ?2, ?3)",
		"SELECT id FROM instruments WHERE idn = ?1 AND serial = ?2 AND cal_due = ?3",
		meta->instrument_idn ? meta->instrument_idn : "", plan->fixture->instrument_serial,
		plan->fixture->instrument_cal_due, err);
	if (instrument < 0)
		return -1;
	int64_t run = insert_run(s, run_id, station, instrument, plan, meta, err);
	if (run < 0)
		return -1;
	for (int p = 0; p < plan->fixture->n_positions && p < RIG_MAX_POSITIONS; p++) {
		const struct rig_seq_position *pos = &plan->pos[p];
		if (!pos->present)
			continue;
		int64_t meter = upsert_meter(s, pos->serial, &pos->model, err);
		if (meter < 0 ||
		    insert_position(s, run, p + 1, meter, &pos->model, meta->record, err) < 0)
			return -1;
	}
	for (int i = 0; i < plan->profile->n_points && i < RIG_PROFILE_MAX_POINTS; i++)
		if (insert_point(s, run, i, &plan->profile->points[i], err) < 0)
			return -1;
	return meta->record ? store_record_write(s, run, meta->record, err) : 0;
}

/* Every call is one transaction of its own; inside a batch it is a
 * savepoint of the batch's transaction, so that a failed call still undoes
 * only itself. */
static int begin_call(struct store *s, struct rig_error *err)
{
	return store_exec(s, s->batch ? "SAVEPOINT store_call" : "BEGIN IMMEDIATE", err);
}

static int in_transaction(struct store *s, int rc, struct rig_error *err)
{
	if (rc < 0) {
		sqlite3_exec(s->db, s->batch ? "ROLLBACK TO store_call; RELEASE store_call" : "ROLLBACK",
			     NULL, NULL, NULL);
		return -1;
	}
	if (store_exec(s, s->batch ? "RELEASE store_call" : "COMMIT", err) < 0) {
		/* A COMMIT that failed (full, locked, I/O) may leave the
		 * transaction open: undo it, or every later call fails too. */
		if (!s->batch && !sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int store_batch_begin(struct store *s, struct rig_error *err)
{
	if (s->batch)
		return rig_error_set(err, NULL, 0, "results database: a batch is already open");
	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	s->batch = true;
	return 0;
}

int store_batch_commit(struct store *s, struct rig_error *err)
{
	if (!s->batch)
		return rig_error_set(err, NULL, 0, "results database: no batch is open");
	s->batch = false;
	if (store_exec(s, "COMMIT", err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int store_begin_run(struct store *s, const struct rig_run_plan *plan,
		    const struct store_run_meta *meta, char ret_run_id[STORE_RUN_ID_LEN],
		    struct rig_error *err)
{
	if (!plan || !plan->profile || !plan->fixture || !meta)
		return rig_error_set(err, NULL, 0, "store_begin_run: plan, profile, fixture and meta are required");
	for (int p = 0; p < plan->fixture->n_positions && p < RIG_MAX_POSITIONS; p++)
		if (plan->pos[p].present && !plan->pos[p].serial[0])
			return rig_error_set(err, NULL, 0, "position %d has a meter without a serial number", p + 1);
	if (meta->record && store_run_record_check(meta->record, err) < 0)
		return -1;
	store_new_run_id(ret_run_id);
	if (begin_call(s, err) < 0)
		return -1;
	return in_transaction(s, write_run(s, plan, meta, ret_run_id, err), err);
}

static int insert_measurement(struct store *s, int64_t run, const struct rig_point_result *r,
			      struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT INTO measurements (point_id, position, attempt, current_a, reference_w,"
			  " edges_used, gate_s, error_pct, u_pct, value, verdict, detail)"
			  " SELECT id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
			  " FROM points WHERE run_id = ?1 AND idx = ?2",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, r->point);
	sqlite3_bind_int(st, 3, r->position);
	sqlite3_bind_int(st, 4, r->attempt);
	sqlite3_bind_double(st, 5, r->current_a);
	sqlite3_bind_double(st, 6, r->reference_w);
	sqlite3_bind_int(st, 7, r->gate.edges_used ? r->gate.edges_used : r->edges_counted);
	sqlite3_bind_double(st, 8, r->gate.gate_s);
	/* A point that measured no error (creep, LED, a gate that never
	 * opened) stores NULL rather than a number nobody measured. */
	bool has_error = r->gate.state == RIG_GATE_DONE || r->gate.state == RIG_GATE_TIMED_OUT;
	if (has_error && isfinite(r->gate.error_pct) && isfinite(r->gate.u_pct)) {
		sqlite3_bind_double(st, 9, r->gate.error_pct);
		sqlite3_bind_double(st, 10, r->gate.u_pct);
	}
	if (isfinite(r->value))
		sqlite3_bind_double(st, 11, r->value);
	store_bind_text(st, 12, rig_verdict_name(r->verdict));
	store_bind_text(st, 13, r->detail);
	if (store_step_done(s, st, err) < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return rig_error_set(err, NULL, 0, "run has no point %d", r->point + 1);
	return 0;
}

static void bind_dof(sqlite3_stmt *st, int col, double dof)
{
	if (isfinite(dof))
		sqlite3_bind_double(st, col, dof);
	else
		sqlite3_bind_null(st, col);
}

/* The budget of the measurement just inserted, when the gate measured one. */
static int insert_budget(struct store *s, const struct rig_point_result *r, struct rig_error *err)
{
	const struct rig_gate_budget *b = &r->gate.budget;
	if (!(b->uc_rel > 0) || !isfinite(b->uc_rel) || !(r->gate.u_pct >= 0))
		return 0;
	int64_t mid = sqlite3_last_insert_rowid(s->db);
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT INTO point_budget (measurement_id, uc_rel, nu_eff, k, period_check,"
			  " update_period_s, declared_period_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_double(st, 2, b->uc_rel);
	bind_dof(st, 3, b->nu_eff);
	sqlite3_bind_double(st, 4, b->k);
	store_bind_text(st, 5, rig_period_check_name(b->period_check));
	sqlite3_bind_double(st, 6, b->update_period_s);
	sqlite3_bind_double(st, 7, b->declared_period_s);
	if (store_step_done(s, st, err) < 0)
		return -1;
	if (store_prepare(s,
			  "INSERT INTO point_budget_terms (measurement_id, term, u, sensitivity,"
			  " contribution, dof) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st, err) < 0)
		return -1;
	int rc = 0;
	for (int t = 0; rc == 0 && t < RIG_U_TERMS; t++) {
		const struct rig_u_component *c = &b->term[t];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, mid);
		store_bind_text(st, 2, rig_u_term_name((enum rig_u_term)t));
		sqlite3_bind_double(st, 3, isfinite(c->u) ? c->u : 0);
		sqlite3_bind_double(st, 4, isfinite(c->sensitivity) ? c->sensitivity : 0);
		sqlite3_bind_double(st, 5, isfinite(c->contribution) ? c->contribution : 0);
		bind_dof(st, 6, c->dof);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* The meter's verdict is the worst over points of each point's final
 * attempt: a retest that passes replaces the indeterminate it retested. */
static int update_position_verdict(struct store *s, int64_t run, const struct rig_point_result *r,
				   struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT m.verdict FROM points p JOIN measurements m ON m.point_id = p.id"
			  " AND m.position = ?2 AND m.attempt = (SELECT MAX(m2.attempt)"
			  "   FROM measurements m2 WHERE m2.point_id = p.id AND m2.position = ?2)"
			  " WHERE p.run_id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, r->position);
	enum rig_verdict worst = RIG_VERDICT_NONE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum rig_verdict v = RIG_VERDICT_ERROR;	/* unreadable counts against the meter */
		rig_verdict_parse(store_column_text(st, 0), &v);
		worst = rig_verdict_worst(worst, v);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	if (store_prepare(s, "UPDATE run_positions SET verdict = ?3 WHERE run_id = ?1 AND position = ?2",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, r->position);
	store_bind_text(st, 3, rig_verdict_name(worst));
	if (store_step_done(s, st, err) < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return rig_error_set(err, NULL, 0, "run has no meter at position %d", r->position);
	return 0;
}

int store_add_point_result(struct store *s, const char *run_id, const struct rig_point_result *r,
			   struct rig_error *err)
{
	if (begin_call(s, err) < 0)
		return -1;
	int64_t run = store_run_rowid(s, run_id, err);
	int rc = run < 0 ? -1 : insert_measurement(s, run, r, err);
	int64_t mid = sqlite3_last_insert_rowid(s->db);
	if (rc == 0)
		rc = insert_budget(s, r, err);
	if (rc == 0)
		rc = store_insert_outputs(s, mid, r, err);
	if (rc == 0)
		rc = update_position_verdict(s, run, r, err);
	return in_transaction(s, rc, err);
}

int store_add_edges(struct store *s, const char *run_id, const struct rig_edge *edges, int n,
		    struct rig_error *err)
{
	if (begin_call(s, err) < 0)
		return -1;
	int64_t run = store_run_rowid(s, run_id, err);
	sqlite3_stmt *st = NULL;
	int rc = run < 0 ? -1
			 : store_prepare(s,
					 "INSERT INTO edges (run_id, line, kind, timestamp_ns, line_seqno,"
					 " global_seqno) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					 &st, err);
	for (int i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 2, edges[i].line);
		sqlite3_bind_int(st, 3, (int)edges[i].kind);
		sqlite3_bind_int64(st, 4, edges[i].timestamp_ns);
		sqlite3_bind_int64(st, 5, (int64_t)edges[i].line_seqno);
		sqlite3_bind_int64(st, 6, (int64_t)edges[i].global_seqno);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return in_transaction(s, rc, err);
}

/* Positions of a run that stopped early: what was not already a failure
 * becomes the run's own outcome. */
static int close_open_positions(struct store *s, int64_t run, const char *verdict,
				struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "UPDATE run_positions SET verdict = ?2 WHERE run_id = ?1"
			  " AND verdict IN ('none', 'pass', 'indeterminate')",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	store_bind_text(st, 2, verdict);
	return store_step_done(s, st, err);
}

static int write_end(struct store *s, int64_t run, enum rig_run_state state, const char *reason,
		     int64_t ended_ms, struct rig_error *err)
{
	sqlite3_stmt *st;
	char ended[32];
	store_format_time(ended_ms, ended, sizeof(ended));
	if (store_prepare(s,
			  "UPDATE runs SET state = ?2, reason = ?3, ended_at = ?4, ended_ms = ?5"
			  " WHERE id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	store_bind_text(st, 2, store_run_state_name(state));
	store_bind_text(st, 3, reason);
	store_bind_text(st, 4, ended);
	sqlite3_bind_int64(st, 5, ended_ms);
	if (store_step_done(s, st, err) < 0 || store_record_weighted(s, run, err) < 0)
		return -1;
	if (state == RIG_RUN_ABORTED || state == RIG_RUN_INTERRUPTED) {
		if (close_open_positions(s, run, "aborted", err) < 0)
			return -1;
	} else if (state == RIG_RUN_ERROR &&
		   strcmp(reason ? reason : "", RIG_RUN_REASON_COMPLETE) != 0) {
		/* a run that completed its profile has every position's own
		 * verdict (an error there is that position's wiring): nothing
		 * is left open */
		if (close_open_positions(s, run, "error", err) < 0)
			return -1;
	}
	/* Sealed in the same transaction: an ended run is never unsealed. */
	return store_seal_run(s, run, err);
}

int store_end_run(struct store *s, const char *run_id, enum rig_run_state state,
		  const char *reason, int64_t ended_ms, struct rig_error *err)
{
	if (state == RIG_RUN_IDLE || state == RIG_RUN_RUNNING)
		return rig_error_set(err, NULL, 0, "a run cannot end in state %s",
				     store_run_state_name(state));
	if (begin_call(s, err) < 0)
		return -1;
	int64_t run = store_run_rowid(s, run_id, err);
	return in_transaction(s, run < 0 ? -1 : write_end(s, run, state, reason, ended_ms, err), err);
}

static int interrupt_all(struct store *s, int64_t now_ms, int *ret_count, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id FROM runs WHERE state = 'running'", &st, err) < 0)
		return -1;
	int64_t ids[64];
	int n = 0, rc;
	/* In batches: the list is short in practice (one per crash). */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++)
		if (write_end(s, ids[i], RIG_RUN_INTERRUPTED, "the controller stopped during the run",
			      now_ms, err) < 0)
			return -1;
	*ret_count += n;
	return n == 64 ? 1 : 0;
}

int store_mark_interrupted(struct store *s, int64_t now_ms, struct rig_error *err)
{
	int count = 0, more;
	do {
		if (begin_call(s, err) < 0)
			return -1;
		more = interrupt_all(s, now_ms, &count, err);
		if (in_transaction(s, more < 0 ? -1 : 0, err) < 0)
			return -1;
	} while (more > 0);
	return count;
}

bool store_integrity_ok(struct store *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return false;
	bool ok = sqlite3_step(st) == SQLITE_ROW && strcmp(store_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}

int store_meter_model(struct store *s, const char *serial, char *buf, size_t len,
		      struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT model FROM meters WHERE serial = ?1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, serial);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);
		snprintf(buf, len, "%s", m ? (const char *)m : "");
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return found;
}
