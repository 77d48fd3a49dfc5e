#include "rig/central/central.h"

#include <stdio.h>
#include <stdlib.h>

/* Append new steps at the end; never edit a step that has shipped. Keys
 * are the records' natural keys (run UUID, position, point, attempt), so a
 * delivery repeated after a lost acknowledgement changes nothing. */
static const char *const central_steps[] = {
	/* 0 -> 1: stations, runs and their rows, seals, the shippers' progress. */
	"CREATE TABLE stations ("
	"  name TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  public_key TEXT NOT NULL DEFAULT '',"	/* Ed25519, signs its certificates */
	"  PRIMARY KEY (name, host));"
	"CREATE TABLE runs ("
	"  run_uuid UUID PRIMARY KEY,"
	"  station TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  instrument_idn TEXT, instrument_serial TEXT, instrument_cal_due TEXT,"
	"  profile_name TEXT, profile_sha256 TEXT, fixture_name TEXT, fixture_sha256 TEXT,"
	"  operator TEXT, notes TEXT, software_version TEXT,"
	"  started_at TIMESTAMPTZ NOT NULL, started_ms BIGINT NOT NULL,"
	"  ended_at TIMESTAMPTZ, ended_ms BIGINT,"
	"  state TEXT NOT NULL, reason TEXT,"
	"  test_reason TEXT, customer TEXT, test_state TEXT, follows_run TEXT,"
	"  ambient_c DOUBLE PRECISION, humidity_pct DOUBLE PRECISION, ambient_source TEXT,"
	"  lab_name TEXT, lab_address TEXT, lab_accreditation TEXT,"
	"  approver_name TEXT, approver_role TEXT, weighting TEXT,"
	"  cal_override_by TEXT, cal_override_reason TEXT, simulated SMALLINT, method TEXT,"
	"  FOREIGN KEY (station, host) REFERENCES stations (name, host));"
	"CREATE INDEX runs_by_station_start ON runs (station, started_at);"
	"CREATE TABLE run_standards ("
	"  run_uuid UUID NOT NULL REFERENCES runs (run_uuid),"
	"  role TEXT NOT NULL,"
	"  identity TEXT, certificate TEXT, lab TEXT, cal_date TEXT, cal_due TEXT,"
	"  PRIMARY KEY (run_uuid, role));"
	"CREATE TABLE run_positions ("
	"  run_uuid UUID NOT NULL REFERENCES runs (run_uuid),"
	"  position SMALLINT NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  elements SMALLINT, voltage_v REAL, voltage_between TEXT,"
	"  ct_primary_a REAL, ct_secondary_a REAL, rated_current_a REAL, max_current_a REAL,"
	"  outputs TEXT,"
	"  verdict TEXT NOT NULL,"
	"  register_before_kwh DOUBLE PRECISION, register_after_kwh DOUBLE PRECISION,"
	"  weighted_avg_pct DOUBLE PRECISION,"
	"  model_source TEXT,"	/* 'recorded', or 'backfilled' from the serial */
	"  PRIMARY KEY (run_uuid, position));"
	"CREATE TABLE points ("
	"  run_uuid UUID NOT NULL REFERENCES runs (run_uuid),"
	"  idx SMALLINT NOT NULL,"
	"  name TEXT NOT NULL, kind TEXT NOT NULL,"
	"  voltage_v REAL, current_a REAL, current_pct REAL, pf REAL, \"leading\" SMALLINT,"
	"  frequency_hz REAL, elements SMALLINT, output_kh REAL,"
	"  band_pct REAL, target_u_pct REAL,"
	"  PRIMARY KEY (run_uuid, idx));"
	/* One row per measured attempt with its GUM budget; the budget's terms
	 * as a JSON array of [term, u, sensitivity, contribution, dof]. */
	"CREATE TABLE measurements ("
	"  run_uuid UUID NOT NULL,"
	"  point_idx SMALLINT NOT NULL,"
	"  position SMALLINT NOT NULL,"
	"  attempt SMALLINT NOT NULL,"
	"  current_a REAL, reference_w REAL, edges_used INTEGER, gate_s REAL,"
	"  error_pct DOUBLE PRECISION, u_pct DOUBLE PRECISION, value DOUBLE PRECISION,"
	"  verdict TEXT NOT NULL, detail TEXT,"
	"  uc_rel DOUBLE PRECISION, nu_eff DOUBLE PRECISION, k REAL, period_check TEXT,"
	"  update_period_s REAL, declared_period_s REAL, budget_terms JSONB,"
	"  PRIMARY KEY (run_uuid, point_idx, position, attempt),"
	"  FOREIGN KEY (run_uuid, point_idx) REFERENCES points (run_uuid, idx));"
	/* Each bench's seal chain as it sealed it (seq is the bench's), and
	 * its head as the station signed it. */
	"CREATE TABLE seals ("
	"  bench TEXT NOT NULL,"
	"  seq BIGINT NOT NULL,"
	"  run_uuid UUID NOT NULL,"
	"  subject TEXT, format INTEGER,"
	"  rows_sha256 TEXT NOT NULL, prev_seal TEXT NOT NULL, seal TEXT NOT NULL,"
	"  PRIMARY KEY (bench, seq));"
	"CREATE INDEX seals_by_run ON seals (run_uuid);"
	"CREATE TABLE chain_heads ("
	"  bench TEXT PRIMARY KEY,"
	"  seq BIGINT NOT NULL, seal TEXT NOT NULL,"
	"  public_key TEXT NOT NULL, signature TEXT NOT NULL);"
	/* How far each bench's outbox has been shipped: moved in the same
	 * transaction as the rows, so a lost acknowledgement is harmless. */
	"CREATE TABLE ship_state ("
	"  bench TEXT PRIMARY KEY,"
	"  last_seq BIGINT NOT NULL DEFAULT 0,"
	"  last_queued_ms BIGINT,"	/* when the last shipped entry was queued */
	"  shipped_at TIMESTAMPTZ);",

	/* 1 -> 2: what fleet queries look up: a meter by serial, runs by month. */
	"CREATE INDEX run_positions_by_serial ON run_positions (serial);"
	"CREATE INDEX runs_by_start ON runs (started_at);",

	/* 2 -> 3: a retested point's earlier attempts marked superseded, and
	 * the accuracy points' sums per UTC day, bench, model and point, kept
	 * by the shipper in the same transaction as the measurements, so a
	 * month's Cpk over the fleet reads a few thousand rows, not millions.
	 * Rows already shipped are summed here. */
	"ALTER TABLE measurements ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT false;"
	"UPDATE measurements m SET superseded = true WHERE EXISTS (SELECT 1 FROM measurements l"
	"  WHERE l.run_uuid = m.run_uuid AND l.point_idx = m.point_idx"
	"  AND l.position = m.position AND l.attempt > m.attempt);"
	"CREATE TABLE point_stats ("
	"  day DATE NOT NULL, station TEXT NOT NULL, model TEXT NOT NULL,"
	"  point_name TEXT NOT NULL, band_pct REAL NOT NULL,"
	"  n BIGINT NOT NULL, sum_e DOUBLE PRECISION NOT NULL, sum_e2 DOUBLE PRECISION NOT NULL,"
	"  PRIMARY KEY (day, station, model, point_name, band_pct));"
	"INSERT INTO point_stats SELECT (r.started_at AT TIME ZONE 'UTC')::date, r.station,"
	"  rp.model, pt.name, pt.band_pct, count(*), sum(m.error_pct), sum(m.error_pct * m.error_pct)"
	"  FROM measurements m JOIN runs r USING (run_uuid)"
	"  JOIN run_positions rp ON rp.run_uuid = m.run_uuid AND rp.position = m.position"
	"  JOIN points pt ON pt.run_uuid = m.run_uuid AND pt.idx = m.point_idx"
	"  WHERE pt.kind = 'accuracy' AND m.error_pct IS NOT NULL AND NOT m.superseded"
	"  GROUP BY 1, 2, 3, 4, 5;",

	/* 3 -> 4: every output gated beside a point's own (Kh 100, Kh 1000,
	 * the counter, the load LED; the bench's schema 8), a row each under
	 * its measurement's key and the output's name. */
	"CREATE TABLE measurement_outputs ("
	"  run_uuid UUID NOT NULL,"
	"  point_idx SMALLINT NOT NULL,"
	"  position SMALLINT NOT NULL,"
	"  attempt SMALLINT NOT NULL,"
	"  output TEXT NOT NULL,"
	"  kh DOUBLE PRECISION NOT NULL,"
	"  verdict TEXT NOT NULL,"
	"  error_pct DOUBLE PRECISION, u_pct DOUBLE PRECISION,"
	"  bound BOOLEAN NOT NULL, lost BOOLEAN NOT NULL, edges INTEGER NOT NULL,"
	"  duty DOUBLE PRECISION,"
	"  PRIMARY KEY (run_uuid, point_idx, position, attempt, output),"
	"  FOREIGN KEY (run_uuid, point_idx, position, attempt)"
	"   REFERENCES measurements (run_uuid, point_idx, position, attempt));"
	"CREATE INDEX measurement_outputs_by_verdict ON measurement_outputs (output, verdict);",

	/* 4 -> 5: a register point's readings (the meter's register before
	 * and after the energy it was given, kWh; NULL not read), under their
	 * measurement's key (the bench's schema 9 queues them). */
	"CREATE TABLE register_readings ("
	"  run_uuid UUID NOT NULL,"
	"  point_idx SMALLINT NOT NULL,"
	"  position SMALLINT NOT NULL,"
	"  attempt SMALLINT NOT NULL,"
	"  reading_before_kwh DOUBLE PRECISION, reading_after_kwh DOUBLE PRECISION,"
	"  PRIMARY KEY (run_uuid, point_idx, position, attempt),"
	"  FOREIGN KEY (run_uuid, point_idx, position, attempt)"
	"   REFERENCES measurements (run_uuid, point_idx, position, attempt));",

	/* 5 -> 6: a model override as the bench records it (its schema 10):
	 * who and why with the run, and per position the disagreement it let
	 * through; NULL where none (or shipped from an older bench). */
	"ALTER TABLE runs ADD COLUMN model_override_by TEXT,"
	"  ADD COLUMN model_override_reason TEXT;"
	"ALTER TABLE run_positions ADD COLUMN model_override_ran_as TEXT,"
	"  ADD COLUMN model_override_expected TEXT, ADD COLUMN model_override_stored TEXT;",
};

#define N_STEPS ((int)(sizeof(central_steps) / sizeof(central_steps[0])))

/* Any value: one lock for every migrating shipper of the same database. */
#define MIGRATION_LOCK "7241915"

int central_schema_latest_version(void)
{
	return N_STEPS;
}

PGconn *central_connect(const char *url, struct rig_error *err)
{
	PGconn *pg = PQconnectdb(url);
	if (!pg) {
		rig_error_set(err, NULL, 0, "central database: out of memory");
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		rig_error_set(err, NULL, 0, "central database: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	return pg;
}

int central_exec(PGconn *pg, const char *sql, struct rig_error *err)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rig_error_set(err, NULL, 0, "central database: %s", PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int central_schema_version(PGconn *pg, struct rig_error *err)
{
	PGresult *r = PQexec(pg, "SELECT to_regclass('rig_central_version') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rig_error_set(err, NULL, 0, "central database: %s", PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	int exists = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!exists)
		return 0;
	r = PQexec(pg, "SELECT version FROM rig_central_version");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		rig_error_set(err, NULL, 0, "central database: reading its schema version: %s",
			      PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	int v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static int apply_steps(PGconn *pg, int target, struct rig_error *err)
{
	if (central_exec(pg, "CREATE TABLE IF NOT EXISTS rig_central_version (version INTEGER NOT NULL);"
			 "INSERT INTO rig_central_version SELECT 0"
			 "  WHERE NOT EXISTS (SELECT 1 FROM rig_central_version)", err) < 0)
		return -1;
	int v = central_schema_version(pg, err);
	if (v < 0)
		return -1;
	if (v > N_STEPS)
		return rig_error_set(err, NULL, 0,
				     "central database is schema version %d, newer than this "
				     "software knows (%d): upgrade rig before shipping to it",
				     v, N_STEPS);
	for (; v < target; v++) {
		if (central_exec(pg, central_steps[v], err) < 0)
			return -1;
		char sql[80];
		snprintf(sql, sizeof(sql), "UPDATE rig_central_version SET version = %d", v + 1);
		if (central_exec(pg, sql, err) < 0)
			return -1;
	}
	return 0;
}

int central_schema_migrate_to(PGconn *pg, int target, struct rig_error *err)
{
	if (target > N_STEPS)
		target = N_STEPS;
	/* One transaction: a migration half done is never seen. */
	if (central_exec(pg, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", err) < 0)
		return -1;
	if (apply_steps(pg, target, err) < 0 || central_exec(pg, "COMMIT", err) < 0) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	return 0;
}

int central_schema_migrate(PGconn *pg, struct rig_error *err)
{
	return central_schema_migrate_to(pg, N_STEPS, err);
}
