#include "rig/central/ship.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/central/central.h"

/* One central table per step: the SQLite query gives the batch's rows as a
 * JSON array whose keys are the central table's columns (?1, ?2: the
 * batch's outbox range, ?3 the bench), and PostgreSQL takes them in one
 * statement. Parents before children, so the keys' references hold. */
struct ship_step {
	const char *table;
	const char *sqlite_json;
	const char *on_conflict;
	const char *pg_sql;	/* instead of the plain INSERT, when set */
	int bench_schema;	/* the bench schema its query needs (0: any); skipped before */
};

/* The measurements the batch names under `kind`, each once however often
 * it was queued (a re-queue, rig-shipper --backfill). */
#define IN_BATCH(kind) \
	" m.id IN (SELECT ref FROM outbox WHERE seq > ?1 AND seq <= ?2 AND kind = '" kind "')"

#define RUNS_IN_BATCH \
	" r.run_uuid IN (SELECT run_uuid FROM outbox WHERE seq > ?1 AND seq <= ?2 AND kind = 'run')"

/* Measurements, and the day's sums of the accuracy points (point_stats):
 * only rows new to the central database count, an earlier attempt of a
 * point retested (in this batch or before) is marked superseded and taken
 * out of the sums. One statement, so the sums move with the rows. */
#define MEASUREMENTS_SQL \
	"WITH x AS (SELECT * FROM jsonb_populate_recordset(NULL::measurements, $1))," \
	" ins AS (INSERT INTO measurements SELECT x.run_uuid, x.point_idx, x.position, x.attempt," \
	"  x.current_a, x.reference_w, x.edges_used, x.gate_s, x.error_pct, x.u_pct, x.value," \
	"  x.verdict, x.detail, x.uc_rel, x.nu_eff, x.k, x.period_check, x.update_period_s," \
	"  x.declared_period_s, x.budget_terms, EXISTS (SELECT 1 FROM x x2" \
	"   WHERE x2.run_uuid = x.run_uuid AND x2.point_idx = x.point_idx" \
	"   AND x2.position = x.position AND x2.attempt > x.attempt) FROM x" \
	"  ON CONFLICT DO NOTHING RETURNING run_uuid, point_idx, position, attempt, error_pct, superseded)," \
	" sup AS (UPDATE measurements m SET superseded = true FROM ins" \
	"  WHERE ins.attempt > 1 AND m.run_uuid = ins.run_uuid AND m.point_idx = ins.point_idx" \
	"  AND m.position = ins.position AND m.attempt < ins.attempt AND NOT m.superseded" \
	"  RETURNING m.run_uuid, m.point_idx, m.position, m.error_pct)," \
	" d AS (SELECT run_uuid, point_idx, position, error_pct, 1 AS w FROM ins WHERE NOT superseded" \
	"  UNION ALL SELECT run_uuid, point_idx, position, error_pct, -1 FROM sup)" \
	" INSERT INTO point_stats SELECT (r.started_at AT TIME ZONE 'UTC')::date, r.station," \
	"  rp.model, pt.name, pt.band_pct, sum(d.w), sum(d.w * d.error_pct)," \
	"  sum(d.w * d.error_pct * d.error_pct) FROM d JOIN runs r ON r.run_uuid = d.run_uuid" \
	"  JOIN run_positions rp ON rp.run_uuid = d.run_uuid AND rp.position = d.position" \
	"  JOIN points pt ON pt.run_uuid = d.run_uuid AND pt.idx = d.point_idx" \
	"  WHERE pt.kind = 'accuracy' AND d.error_pct IS NOT NULL GROUP BY 1, 2, 3, 4, 5" \
	" ON CONFLICT (day, station, model, point_name, band_pct) DO UPDATE SET" \
	"  n = point_stats.n + EXCLUDED.n, sum_e = point_stats.sum_e + EXCLUDED.sum_e," \
	"  sum_e2 = point_stats.sum_e2 + EXCLUDED.sum_e2"

static const struct ship_step steps[] = {
	{ "stations",
	  "SELECT json_group_array(json_object('name', s.name, 'host', s.host,"
	  "  'public_key', s.public_key)) FROM stations s WHERE s.id IN"
	  "  (SELECT r.station_id FROM runs r WHERE" RUNS_IN_BATCH ")",
	  "ON CONFLICT (name, host) DO UPDATE SET public_key = EXCLUDED.public_key"
	  " WHERE stations.public_key IS DISTINCT FROM EXCLUDED.public_key" },
	{ "runs",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'station', s.name,"
	  "  'host', s.host, 'instrument_idn', i.idn, 'instrument_serial', i.serial,"
	  "  'instrument_cal_due', i.cal_due, 'profile_name', r.profile_name,"
	  "  'profile_sha256', r.profile_sha256, 'fixture_name', r.fixture_name,"
	  "  'fixture_sha256', r.fixture_sha256, 'operator', r.operator, 'notes', r.notes,"
	  "  'software_version', r.software_version, 'started_at', r.started_at,"
	  "  'started_ms', r.started_ms, 'ended_at', r.ended_at, 'ended_ms', r.ended_ms,"
	  "  'state', r.state, 'reason', r.reason, 'test_reason', rr.test_reason,"
	  "  'customer', rr.customer, 'test_state', rr.test_state, 'follows_run', rr.follows_run,"
	  "  'ambient_c', rr.ambient_c, 'humidity_pct', rr.humidity_pct,"
	  "  'ambient_source', rr.ambient_source, 'lab_name', rr.lab_name,"
	  "  'lab_address', rr.lab_address, 'lab_accreditation', rr.lab_accreditation,"
	  "  'approver_name', rr.approver_name, 'approver_role', rr.approver_role,"
	  "  'weighting', rr.weighting, 'cal_override_by', rr.cal_override_by,"
	  "  'cal_override_reason', rr.cal_override_reason, 'simulated', rr.simulated))"
	  " FROM runs r JOIN stations s ON s.id = r.station_id"
	  " JOIN instruments i ON i.id = r.instrument_id"
	  " LEFT JOIN run_records rr ON rr.run_id = r.id WHERE" RUNS_IN_BATCH,
	  "ON CONFLICT (run_uuid) DO UPDATE SET ended_at = EXCLUDED.ended_at,"
	  " ended_ms = EXCLUDED.ended_ms, state = EXCLUDED.state, reason = EXCLUDED.reason"
	  " WHERE (runs.state, runs.ended_ms, runs.reason) IS DISTINCT FROM"
	  " (EXCLUDED.state, EXCLUDED.ended_ms, EXCLUDED.reason)" },
	/* a model override (bench schema 10), onto its run just shipped: who
	 * and why; NULL in the central database where none */
	{ "runs",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid,"
	  "  'model_override_by', rr.model_override_by,"
	  "  'model_override_reason', rr.model_override_reason))"
	  " FROM runs r JOIN run_records rr ON rr.run_id = r.id"
	  " WHERE rr.model_override_by <> '' AND" RUNS_IN_BATCH,
	  NULL,
	  "UPDATE runs SET model_override_by = x.model_override_by,"
	  " model_override_reason = x.model_override_reason"
	  " FROM jsonb_populate_recordset(NULL::runs, $1) x WHERE runs.run_uuid = x.run_uuid"
	  " AND (runs.model_override_by, runs.model_override_reason) IS DISTINCT FROM"
	  " (x.model_override_by, x.model_override_reason)",
	  10 },
	{ "run_standards",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'role', st.role,"
	  "  'identity', st.identity, 'certificate', st.certificate, 'lab', st.lab,"
	  "  'cal_date', st.cal_date, 'cal_due', st.cal_due))"
	  " FROM run_standards st JOIN runs r ON r.id = st.run_id WHERE" RUNS_IN_BATCH,
	  "ON CONFLICT DO NOTHING" },
	{ "run_positions",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'position', rp.position,"
	  "  'serial', me.serial, 'model', rp.model, 'elements', rp.elements,"
	  "  'voltage_v', rp.voltage_v, 'voltage_between', rp.voltage_between,"
	  "  'ct_primary_a', rp.ct_primary_a, 'ct_secondary_a', rp.ct_secondary_a,"
	  "  'rated_current_a', rp.rated_current_a, 'max_current_a', rp.max_current_a,"
	  "  'outputs', rp.outputs, 'verdict', rp.verdict,"
	  "  'register_before_kwh', rp.register_before_kwh,"
	  "  'register_after_kwh', rp.register_after_kwh,"
	  "  'weighted_avg_pct', rp.weighted_avg_pct, 'model_source', rp.model_source))"
	  " FROM run_positions rp JOIN runs r ON r.id = rp.run_id"
	  " JOIN meters me ON me.id = rp.meter_id WHERE" RUNS_IN_BATCH,
	  "ON CONFLICT (run_uuid, position) DO UPDATE SET verdict = EXCLUDED.verdict,"
	  " register_before_kwh = EXCLUDED.register_before_kwh,"
	  " register_after_kwh = EXCLUDED.register_after_kwh,"
	  " weighted_avg_pct = EXCLUDED.weighted_avg_pct"
	  " WHERE (run_positions.verdict, run_positions.register_after_kwh,"
	  " run_positions.weighted_avg_pct) IS DISTINCT FROM"
	  " (EXCLUDED.verdict, EXCLUDED.register_after_kwh, EXCLUDED.weighted_avg_pct)" },
	/* and per position, the disagreement it let through there */
	{ "run_positions",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'position', rp.position,"
	  "  'model_override_ran_as', rp.model_override_ran_as,"
	  "  'model_override_expected', rp.model_override_expected,"
	  "  'model_override_stored', rp.model_override_stored))"
	  " FROM run_positions rp JOIN runs r ON r.id = rp.run_id"
	  " WHERE rp.model_override_ran_as IS NOT NULL AND" RUNS_IN_BATCH,
	  NULL,
	  "UPDATE run_positions p SET model_override_ran_as = x.model_override_ran_as,"
	  " model_override_expected = x.model_override_expected,"
	  " model_override_stored = x.model_override_stored"
	  " FROM jsonb_populate_recordset(NULL::run_positions, $1) x"
	  " WHERE p.run_uuid = x.run_uuid AND p.position = x.position"
	  " AND (p.model_override_ran_as, p.model_override_expected, p.model_override_stored)"
	  " IS DISTINCT FROM (x.model_override_ran_as, x.model_override_expected,"
	  " x.model_override_stored)",
	  10 },
	{ "points",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'idx', p.idx,"
	  "  'name', p.name, 'kind', p.kind, 'voltage_v', p.voltage_v, 'current_a', p.current_a,"
	  "  'current_pct', p.current_pct, 'pf', p.pf, 'leading', p.leading,"
	  "  'frequency_hz', p.frequency_hz, 'elements', p.elements, 'output_kh', p.output_kh,"
	  "  'band_pct', p.band_pct, 'target_u_pct', p.target_u_pct))"
	  " FROM points p JOIN runs r ON r.id = p.run_id WHERE" RUNS_IN_BATCH,
	  "ON CONFLICT DO NOTHING" },
	{ "measurements",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'point_idx', p.idx,"
	  "  'position', m.position, 'attempt', m.attempt, 'current_a', m.current_a,"
	  "  'reference_w', m.reference_w, 'edges_used', m.edges_used, 'gate_s', m.gate_s,"
	  "  'error_pct', m.error_pct, 'u_pct', m.u_pct, 'value', m.value,"
	  "  'verdict', m.verdict, 'detail', m.detail, 'uc_rel', b.uc_rel, 'nu_eff', b.nu_eff,"
	  "  'k', b.k, 'period_check', b.period_check, 'update_period_s', b.update_period_s,"
	  "  'declared_period_s', b.declared_period_s, 'budget_terms',"
	  "  json((SELECT json_group_array(json_array(t.term, t.u, t.sensitivity,"
	  "    t.contribution, t.dof)) FROM point_budget_terms t"
	  "    WHERE t.measurement_id = m.id))))"
	  " FROM measurements m JOIN points p ON p.id = m.point_id"
	  " JOIN runs r ON r.id = p.run_id"
	  " LEFT JOIN point_budget b ON b.measurement_id = m.id"
	  " WHERE" IN_BATCH("measurement"),
	  NULL, MEASUREMENTS_SQL },
	/* the outputs beside each: committed with their measurement, so its
	 * outbox entry carries them */
	{ "measurement_outputs",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'point_idx', p.idx,"
	  "  'position', m.position, 'attempt', m.attempt, 'output', x.output, 'kh', x.kh,"
	  "  'verdict', x.verdict, 'error_pct', x.error_pct, 'u_pct', x.u_pct,"
	  "  'bound', x.bound, 'lost', x.lost, 'edges', x.edges, 'duty', x.duty))"
	  " FROM measurements m JOIN points p ON p.id = m.point_id"
	  " JOIN runs r ON r.id = p.run_id"
	  " JOIN measurement_outputs x ON x.measurement_id = m.id"
	  " WHERE" IN_BATCH("measurement"),
	  "ON CONFLICT DO NOTHING" },
	/* a register point's readings, after their measurement; the latest
	 * written replaces an earlier one */
	{ "register_readings",
	  "SELECT json_group_array(json_object('run_uuid', r.run_uuid, 'point_idx', p.idx,"
	  "  'position', m.position, 'attempt', m.attempt,"
	  "  'reading_before_kwh', m.reading_before_kwh,"
	  "  'reading_after_kwh', m.reading_after_kwh))"
	  " FROM measurements m JOIN points p ON p.id = m.point_id"
	  " JOIN runs r ON r.id = p.run_id"
	  " WHERE (m.reading_before_kwh IS NOT NULL OR m.reading_after_kwh IS NOT NULL)"
	  " AND" IN_BATCH("reading"),
	  "ON CONFLICT (run_uuid, point_idx, position, attempt) DO UPDATE SET"
	  " reading_before_kwh = EXCLUDED.reading_before_kwh,"
	  " reading_after_kwh = EXCLUDED.reading_after_kwh"
	  " WHERE (register_readings.reading_before_kwh, register_readings.reading_after_kwh)"
	  " IS DISTINCT FROM (EXCLUDED.reading_before_kwh, EXCLUDED.reading_after_kwh)" },
	{ "seals",
	  "SELECT json_group_array(json_object('bench', ?3, 'seq', s.seq,"
	  "  'run_uuid', s.run_uuid, 'subject', s.subject, 'format', s.format,"
	  "  'rows_sha256', s.rows_sha256, 'prev_seal', s.prev_seal, 'seal', s.seal))"
	  " FROM outbox o JOIN run_seals s ON s.seq = o.ref"
	  " WHERE o.seq > ?1 AND o.seq <= ?2 AND o.kind = 'seal'",
	  "ON CONFLICT DO NOTHING" },
	/* the signed head as it is now, when the batch moved it */
	{ "chain_heads",
	  "SELECT json_group_array(json_object('bench', ?3, 'seq', h.seq, 'seal', h.seal,"
	  "  'public_key', h.public_key, 'signature', h.signature)) FROM chain_head h"
	  " WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.seq > ?1 AND o.seq <= ?2"
	  "  AND o.kind = 'head')",
	  "ON CONFLICT (bench) DO UPDATE SET seq = EXCLUDED.seq, seal = EXCLUDED.seal,"
	  " public_key = EXCLUDED.public_key, signature = EXCLUDED.signature"
	  " WHERE EXCLUDED.seq >= chain_heads.seq" },
};

#define N_SHIP_STEPS ((int)(sizeof(steps) / sizeof(steps[0])))

static int sqlite_fail(sqlite3 *db, const char *what, struct rig_error *err)
{
	return rig_error_set(err, NULL, 0, "bench database: %s: %s", what, sqlite3_errmsg(db));
}

static int pg_fail(PGconn *pg, PGresult *r, const char *what, struct rig_error *err)
{
	char msg[400];
	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
	msg[strcspn(msg, "\n")] = '\0';
	PQclear(r);
	return rig_error_set(err, NULL, 0, "central database: %s: %s", what, msg);
}

sqlite3 *ship_open_bench(const char *path, struct rig_error *err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rig_error_set(err, NULL, 0, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* rigd writes with a 250 ms busy timeout: our writes are one short
	 * DELETE, and we wait for rigd rather than it for us. */
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *st;
	int ok = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'outbox'",
				    -1, &st, NULL) == SQLITE_OK &&
		 sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!ok) {
		rig_error_set(err, NULL, 0,
			      "%s: no outbox (a results database from an older rig: start rigd "
			      "once to migrate it)", path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int ship_default_bench_name(sqlite3 *db, char *buf, size_t len, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT name, host FROM stations ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the station", err);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s@%s", (const char *)sqlite3_column_text(st, 0),
			 (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return sqlite_fail(db, "reading the station", err);
}

int64_t ship_pending(sqlite3 *db, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox", -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "counting the outbox", err);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (n < 0)
		return sqlite_fail(db, "counting the outbox", err);
	return n;
}

int64_t ship_requeue_all(sqlite3 *db, struct rig_error *err)
{
	static const char sql[] =
		"INSERT INTO outbox (kind, run_uuid) SELECT 'run', run_uuid FROM runs ORDER BY id;"
		"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'measurement', r.run_uuid, m.id"
		"  FROM measurements m JOIN points p ON p.id = m.point_id"
		"  JOIN runs r ON r.id = p.run_id ORDER BY m.id;"
		"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'reading', r.run_uuid, m.id"
		"  FROM measurements m JOIN points p ON p.id = m.point_id"
		"  JOIN runs r ON r.id = p.run_id"
		"  WHERE m.reading_before_kwh IS NOT NULL OR m.reading_after_kwh IS NOT NULL"
		"  ORDER BY m.id;"
		"INSERT INTO outbox (kind, run_uuid, ref)"
		"  SELECT 'seal', run_uuid, seq FROM run_seals ORDER BY seq;"
		"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'head', '', seq FROM chain_head;";
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(db, "queueing the records", err);
	int before = sqlite3_total_changes(db);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sqlite_fail(db, "queueing the records", err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	int64_t n = sqlite3_total_changes(db) - before;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite_fail(db, "queueing the records", err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return n;
}

/* The bench's progress, locked for this transaction so that two shippers
 * of one bench never ship the same range twice. */
static int lock_progress(PGconn *pg, const char *bench, int64_t *ret_seq, struct rig_error *err)
{
	const char *p[1] = { bench };
	PGresult *r = PQexecParams(pg, "INSERT INTO ship_state (bench) VALUES ($1)"
				   " ON CONFLICT DO NOTHING", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(pg, r, "ship_state", err);
	PQclear(r);
	r = PQexecParams(pg, "SELECT last_seq FROM ship_state WHERE bench = $1 FOR UPDATE",
			 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		return pg_fail(pg, r, "ship_state", err);
	*ret_seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* The batch: entries after `from`, at most max; *ret_to its last seq. A
 * bench whose outbox never reached `from` is another file than the one
 * shipped under this name: refused, so nothing of it is skipped. */
static int batch_range(sqlite3 *db, const char *bench, int64_t from, int max,
		       struct ship_batch_stats *stats, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT coalesce((SELECT seq FROM sqlite_sequence"
			       " WHERE name = 'outbox'), 0)", -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the outbox", err);
	int64_t high = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (high < from)
		return rig_error_set(err, NULL, 0,
				     "bench %s: the central database has its records up to entry "
				     "%lld but this file's outbox only reached %lld: a different or "
				     "restored database; ship it under another --bench name",
				     bench, (long long)from, (long long)high);
	if (sqlite3_prepare_v2(db, "SELECT count(*), max(seq), min(queued_ms) FROM (SELECT seq,"
			       " queued_ms FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the outbox", err);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int(st, 2, max);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sqlite_fail(db, "reading the outbox", err);
	}
	stats->entries = sqlite3_column_int(st, 0);
	stats->last_seq = stats->entries ? sqlite3_column_int64(st, 1) : from;
	stats->oldest_queued_ms = stats->entries ? sqlite3_column_int64(st, 2) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int ship_step_rows(sqlite3 *db, PGconn *pg, const struct ship_step *s, const char *bench,
			  int64_t from, int64_t to, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, s->sqlite_json, -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, s->table, err);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, bench, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sqlite_fail(db, s->table, err);
	}
	const char *json = (const char *)sqlite3_column_text(st, 0);
	if (!json || strcmp(json, "[]") == 0) {
		sqlite3_finalize(st);
		return 0;
	}
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s SELECT * FROM jsonb_populate_recordset(NULL::%s, $1) %s",
		 s->table, s->table, s->on_conflict ? s->on_conflict : "");
	const char *p[1] = { json };
	PGresult *r = PQexecParams(pg, s->pg_sql ? s->pg_sql : sql, 1, NULL, p, NULL, NULL, 0);
	sqlite3_finalize(st);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(pg, r, s->table, err);
	PQclear(r);
	return 0;
}

static int save_progress(PGconn *pg, const char *bench, const struct ship_batch_stats *stats,
			 int64_t last_queued_ms, struct rig_error *err)
{
	char seq[24], queued[24];
	snprintf(seq, sizeof(seq), "%lld", (long long)stats->last_seq);
	snprintf(queued, sizeof(queued), "%lld", (long long)last_queued_ms);
	const char *p[3] = { bench, seq, queued };
	PGresult *r = PQexecParams(pg, "UPDATE ship_state SET last_seq = $2, last_queued_ms = $3,"
				   " shipped_at = now() WHERE bench = $1", 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(pg, r, "ship_state", err);
	PQclear(r);
	return 0;
}

static int64_t queued_ms_of(sqlite3 *db, int64_t seq)
{
	sqlite3_stmt *st;
	int64_t ms = 0;
	if (sqlite3_prepare_v2(db, "SELECT queued_ms FROM outbox WHERE seq = ?1", -1, &st, NULL)
	    != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW)
		ms = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ms;
}

/* Shipped entries leave the outbox. A failure here loses nothing: the
 * central progress already skips them, and the next batch deletes them. */
static void forget_shipped(sqlite3 *db, int64_t upto)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE seq <= ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, upto);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static int bench_schema(sqlite3 *db, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the schema version", err);
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return v < 0 ? sqlite_fail(db, "reading the schema version", err) : v;
}

/* Inside the central transaction and one SQLite read transaction, so the
 * rows shipped are one consistent state of the bench. */
static int ship_range(sqlite3 *db, PGconn *pg, const char *bench, int max,
		      struct ship_batch_stats *stats, struct rig_error *err)
{
	int64_t from = 0;
	if (lock_progress(pg, bench, &from, err) < 0)
		return -1;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(db, "BEGIN", err);
	int rc = batch_range(db, bench, from, max, stats, err);
	/* a bench not yet migrated by its rigd lacks the newer columns */
	int schema = rc == 0 ? bench_schema(db, err) : -1;
	if (schema < 0)
		rc = -1;
	for (int i = 0; rc == 0 && stats->entries > 0 && i < N_SHIP_STEPS; i++)
		if (steps[i].bench_schema <= schema)
			rc = ship_step_rows(db, pg, &steps[i], bench, from, stats->last_seq, err);
	int64_t last_queued = rc == 0 && stats->entries ? queued_ms_of(db, stats->last_seq) : 0;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc == 0 && stats->entries > 0)
		rc = save_progress(pg, bench, stats, last_queued, err);
	return rc;
}

int ship_batch(sqlite3 *db, PGconn *pg, const char *bench, int max_entries,
	       struct ship_batch_stats *stats, struct rig_error *err)
{
	struct ship_batch_stats s = { 0 };
	if (central_exec(pg, "BEGIN", err) < 0)
		return -1;
	if (ship_range(db, pg, bench, max_entries, &s, err) < 0) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	if (central_exec(pg, "COMMIT", err) < 0)
		return -1;
	forget_shipped(db, s.last_seq);
	*stats = s;
	return 0;
}
