#include "rig/store/schema.h"

#include <stdio.h>

/* Append new steps at the end; never edit a step that has shipped, since
 * files in the field were made by it. */
static const char *const migration_steps[] = {
	/* 0 -> 1: stations, instruments, meters, runs and their results. */
	"CREATE TABLE stations ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  host TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (name, host));"
	"CREATE TABLE instruments ("
	"  id INTEGER PRIMARY KEY,"
	"  idn TEXT NOT NULL,"		/* *IDN? reply, from the instrument */
	"  serial TEXT NOT NULL,"	/* as stated in the fixture */
	"  cal_due TEXT NOT NULL DEFAULT '',"	/* YYYY-MM-DD, from the fixture */
	"  UNIQUE (idn, serial, cal_due));"
	"CREATE TABLE meters ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL UNIQUE,"
	"  model TEXT NOT NULL,"	/* normalised model number */
	"  elements INTEGER NOT NULL,"
	"  voltage_v REAL NOT NULL,"
	"  voltage_between TEXT NOT NULL DEFAULT '',"
	"  ct_primary_a REAL NOT NULL,"
	"  ct_secondary_a REAL NOT NULL,"
	"  rated_current_a REAL NOT NULL,"
	"  max_current_a REAL NOT NULL,"
	"  outputs TEXT NOT NULL);"	/* Kh of the isolated outputs, "10,100,1000" */
	"CREATE INDEX meters_by_model ON meters (model);"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  run_uuid TEXT NOT NULL UNIQUE,"
	"  station_id INTEGER NOT NULL REFERENCES stations (id),"
	"  instrument_id INTEGER NOT NULL REFERENCES instruments (id),"
	"  profile_name TEXT NOT NULL,"
	"  profile_sha256 TEXT NOT NULL,"
	"  fixture_name TEXT NOT NULL,"
	"  fixture_sha256 TEXT NOT NULL,"
	"  operator TEXT NOT NULL DEFAULT '',"
	"  notes TEXT NOT NULL DEFAULT '',"
	"  software_version TEXT NOT NULL DEFAULT '',"
	"  started_at TEXT NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_at TEXT,"
	"  ended_ms INTEGER,"
	"  state TEXT NOT NULL CHECK (state IN ('running', 'passed', 'failed',"
	"    'indeterminate', 'aborted', 'interrupted', 'error')),"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX runs_by_start ON runs (started_ms);"
	"CREATE INDEX runs_by_state ON runs (state);"
	"CREATE TABLE run_positions ("
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  meter_id INTEGER NOT NULL REFERENCES meters (id),"
	"  verdict TEXT NOT NULL DEFAULT 'none',"
	"  PRIMARY KEY (run_id, position));"
	"CREATE INDEX run_positions_by_meter ON run_positions (meter_id, run_id);"
	"CREATE INDEX run_positions_by_verdict ON run_positions (verdict, run_id);"
	"CREATE TABLE points ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  voltage_v REAL NOT NULL,"
	"  current_a REAL NOT NULL,"	/* primary amps; -1 when given as percent */
	"  current_pct REAL NOT NULL,"	/* percent of rated, -1 when given in amps */
	"  pf REAL NOT NULL,"
	"  leading INTEGER NOT NULL,"
	"  frequency_hz REAL NOT NULL,"
	"  elements INTEGER NOT NULL,"
	"  output_kh REAL NOT NULL,"
	"  band_pct REAL NOT NULL,"
	"  target_u_pct REAL NOT NULL,"
	"  UNIQUE (run_id, idx));"
	"CREATE TABLE measurements ("
	"  id INTEGER PRIMARY KEY,"
	"  point_id INTEGER NOT NULL REFERENCES points (id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  attempt INTEGER NOT NULL,"
	"  current_a REAL NOT NULL,"	/* primary amps applied */
	"  reference_w REAL NOT NULL,"	/* read-back / reference power */
	"  edges_used INTEGER NOT NULL,"
	"  gate_s REAL NOT NULL,"
	"  error_pct REAL,"		/* NULL when the point measures no error */
	"  u_pct REAL,"
	"  value REAL,"			/* duty, disagreement, edge count */
	"  verdict TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (point_id, position, attempt));",

	/* 1 -> 2: raw edge capture, kept when the daemon is asked to. */
	"CREATE TABLE edges ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	"  line INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  timestamp_ns INTEGER NOT NULL,"
	"  line_seqno INTEGER NOT NULL,"
	"  global_seqno INTEGER NOT NULL);"
	"CREATE INDEX edges_by_run ON edges (run_id, timestamp_ns);",

	/* 2 -> 3: the uncertainty budget of every measured point (GUM): one
	 * row per measurement with the combination, one per term. Relative
	 * figures; dof NULL for type B (infinite). */
	"CREATE TABLE point_budget ("
	"  measurement_id INTEGER PRIMARY KEY REFERENCES measurements (id) ON DELETE CASCADE,"
	"  uc_rel REAL NOT NULL,"
	"  nu_eff REAL,"
	"  k REAL NOT NULL,"
	"  period_check TEXT NOT NULL,"	/* 'not checked', 'declared, consistent', 'estimated from the edges' */
	"  update_period_s REAL NOT NULL,"	/* the period the quantization term used */
	"  declared_period_s REAL NOT NULL);"
	"CREATE TABLE point_budget_terms ("
	"  measurement_id INTEGER NOT NULL REFERENCES point_budget (measurement_id) ON DELETE CASCADE,"
	"  term TEXT NOT NULL,"		/* rig_u_term_name() */
	"  u REAL NOT NULL,"		/* standard uncertainty of the input, its own unit */
	"  sensitivity REAL NOT NULL,"
	"  contribution REAL NOT NULL,"	/* relative to the registration */
	"  dof REAL,"
	"  PRIMARY KEY (measurement_id, term));",

	/* -> next: tamper evidence. Each finished run is sealed: seal =
	 * SHA-256(0x01 || previous seal || SHA-256 of the run's rows || run),
	 * so an edited row, a deleted run or a removed seal breaks the chain
	 * (rig/store/seal.c). Keyed by run_uuid, not runs.id, so that a seal
	 * outlives a deleted run and names it. The station's Ed25519 public
	 * key, which signs its certificates, is kept with the station. */
	"CREATE TABLE run_seals ("
	"  seq INTEGER PRIMARY KEY,"
	"  run_uuid TEXT NOT NULL UNIQUE,"
	"  rows_sha256 TEXT NOT NULL,"
	"  prev_seal TEXT NOT NULL,"
	"  seal TEXT NOT NULL UNIQUE);"
	"ALTER TABLE stations ADD COLUMN public_key TEXT NOT NULL DEFAULT '';",

	/* 4 -> 5: the certification record. Each run keeps the meter as
	 * described in it (a later run with another model for the serial
	 * rewrites only `meters`, the latest description); the run's record
	 * and its reference standards; positions counted from 1 like
	 * everywhere else (old rows from 0 are moved up, through negative
	 * numbers so the unique keys never collide). */
	"ALTER TABLE run_positions ADD COLUMN model TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run_positions ADD COLUMN elements INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN voltage_v REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN voltage_between TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run_positions ADD COLUMN ct_primary_a REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN ct_secondary_a REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN rated_current_a REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN max_current_a REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE run_positions ADD COLUMN outputs TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run_positions ADD COLUMN register_before_kwh REAL;"
	"ALTER TABLE run_positions ADD COLUMN register_after_kwh REAL;"
	"ALTER TABLE run_positions ADD COLUMN weighted_avg_pct REAL;"
	"UPDATE run_positions SET (model, elements, voltage_v, voltage_between, ct_primary_a,"
	"  ct_secondary_a, rated_current_a, max_current_a, outputs) = (SELECT me.model,"
	"  me.elements, me.voltage_v, me.voltage_between, me.ct_primary_a, me.ct_secondary_a,"
	"  me.rated_current_a, me.max_current_a, me.outputs FROM meters me"
	"  WHERE me.id = run_positions.meter_id);"
	"UPDATE run_positions SET position = -1 - position;"
	"UPDATE run_positions SET position = -position;"
	"UPDATE measurements SET position = -1 - position;"
	"UPDATE measurements SET position = -position;"
	"CREATE INDEX run_positions_by_model ON run_positions (model, run_id);"
	"CREATE TABLE run_records ("
	"  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
	"  test_reason TEXT NOT NULL DEFAULT '' CHECK (test_reason IN ('', 'new', 'periodic',"
	"    'complaint', 'repair', 'sample', 'other')),"
	"  customer TEXT NOT NULL DEFAULT '',"
	"  test_state TEXT NOT NULL DEFAULT '' CHECK (test_state IN ('', 'as-found', 'as-left')),"
	"  follows_run TEXT NOT NULL DEFAULT '',"	/* run_uuid of the run this one follows */
	"  ambient_c REAL CHECK (ambient_c IS NULL OR ambient_c BETWEEN -40 AND 85),"
	"  humidity_pct REAL CHECK (humidity_pct IS NULL OR humidity_pct BETWEEN 0 AND 100),"
	"  ambient_source TEXT NOT NULL DEFAULT '',"
	"  lab_name TEXT NOT NULL DEFAULT '',"
	"  lab_address TEXT NOT NULL DEFAULT '',"
	"  lab_accreditation TEXT NOT NULL DEFAULT '',"
	"  approver_name TEXT NOT NULL DEFAULT '',"
	"  approver_role TEXT NOT NULL DEFAULT '',"
	"  weighting TEXT NOT NULL DEFAULT '',"	/* rig_weighting_name(), '' none */
	"  cal_override_by TEXT NOT NULL DEFAULT '',"
	"  cal_override_reason TEXT NOT NULL DEFAULT '',"
	"  simulated INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX run_records_by_follows ON run_records (follows_run);"
	"CREATE TABLE run_standards ("
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL CHECK (role IN ('source', 'reference')),"
	"  identity TEXT NOT NULL DEFAULT '',"
	"  certificate TEXT NOT NULL DEFAULT '',"
	"  lab TEXT NOT NULL DEFAULT '',"
	"  cal_date TEXT NOT NULL DEFAULT '',"
	"  cal_due TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (run_id, role));"
	"INSERT INTO run_standards (run_id, role, identity, cal_due)"
	"  SELECT r.id, 'source', i.serial, i.cal_due FROM runs r"
	"  JOIN instruments i ON i.id = r.instrument_id;",

	/* -> next (the records step): seals cover the whole record, and the
	 * chain's head is signed (rig/store/seal.h). Each seal keeps the
	 * format it was made in (1: before this step) and names what it
	 * seals: a run, or a register reading after written later (so a run
	 * has more than one seal: run_seals is rebuilt without its unique
	 * run_uuid). The meter description that the step to schema 5 copied
	 * from `meters` into runs stored before it is marked 'backfilled'
	 * (inferred from the serial's latest description, not recorded with
	 * the run); those runs are the ones without a record row, which rigd
	 * writes with every run since. The record names the test method by
	 * reference (the profile's `method`). */
	"CREATE TABLE run_seals_new ("
	"  seq INTEGER PRIMARY KEY,"
	"  run_uuid TEXT NOT NULL,"
	"  subject TEXT NOT NULL DEFAULT 'run',"	/* 'run' or 'register-after N' */
	"  format INTEGER NOT NULL DEFAULT 1,"
	"  rows_sha256 TEXT NOT NULL,"
	"  prev_seal TEXT NOT NULL,"
	"  seal TEXT NOT NULL UNIQUE,"
	"  UNIQUE (run_uuid, subject));"
	"INSERT INTO run_seals_new (seq, run_uuid, rows_sha256, prev_seal, seal)"
	"  SELECT seq, run_uuid, rows_sha256, prev_seal, seal FROM run_seals;"
	"DROP TABLE run_seals;"
	"ALTER TABLE run_seals_new RENAME TO run_seals;"
	"CREATE TABLE chain_head ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL,"		/* the newest seal when signed */
	"  seal TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  signature TEXT NOT NULL);"	/* of the head (seal.c: head_message) */
	"ALTER TABLE run_positions ADD COLUMN model_source TEXT NOT NULL DEFAULT 'recorded'"
	"  CHECK (model_source IN ('recorded', 'backfilled'));"
	"UPDATE run_positions SET model_source = 'backfilled'"
	"  WHERE run_id NOT IN (SELECT run_id FROM run_records);"
	/* the method by reference (standard, edition, tests: the profile's) */
	"ALTER TABLE run_records ADD COLUMN method TEXT NOT NULL DEFAULT '';",

	/* -> next: the outbox that rig-shipper empties into a central
	 * PostgreSQL. Triggers fill it in the same transaction as the row it
	 * names, so a committed record is always queued and nothing in rigd
	 * waits on the network. An entry names what changed (the shipper reads
	 * the rows when it ships); seq is AUTOINCREMENT so a shipped, deleted
	 * number is never reused. Records stored before this step are queued
	 * by it, oldest first. */
	"CREATE TABLE outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL CHECK (kind IN ('run', 'measurement', 'seal', 'head')),"
	"  run_uuid TEXT NOT NULL,"
	"  ref INTEGER NOT NULL DEFAULT 0,"	/* measurements.id, run_seals.seq */
	"  queued_ms INTEGER NOT NULL DEFAULT"
	"    (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)));"
	"INSERT INTO outbox (kind, run_uuid) SELECT 'run', run_uuid FROM runs ORDER BY id;"
	"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'measurement', r.run_uuid, m.id"
	"  FROM measurements m JOIN points p ON p.id = m.point_id JOIN runs r ON r.id = p.run_id"
	"  ORDER BY m.id;"
	"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'seal', run_uuid, seq FROM run_seals ORDER BY seq;"
	"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'head', '', seq FROM chain_head;"
	"CREATE TRIGGER outbox_run_insert AFTER INSERT ON runs BEGIN"
	"  INSERT INTO outbox (kind, run_uuid) VALUES ('run', NEW.run_uuid); END;"
	"CREATE TRIGGER outbox_run_update AFTER UPDATE ON runs BEGIN"
	"  INSERT INTO outbox (kind, run_uuid) VALUES ('run', NEW.run_uuid); END;"
	"CREATE TRIGGER outbox_position_update AFTER UPDATE ON run_positions BEGIN"
	"  INSERT INTO outbox (kind, run_uuid)"
	"    SELECT 'run', run_uuid FROM runs WHERE id = NEW.run_id; END;"
	"CREATE TRIGGER outbox_measurement AFTER INSERT ON measurements BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref)"
	"    SELECT 'measurement', r.run_uuid, NEW.id FROM points p"
	"    JOIN runs r ON r.id = p.run_id WHERE p.id = NEW.point_id; END;"
	"CREATE TRIGGER outbox_seal AFTER INSERT ON run_seals BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('seal', NEW.run_uuid, NEW.seq); END;"
	"CREATE TRIGGER outbox_chain_head AFTER INSERT ON chain_head BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('head', '', NEW.seq); END;"
	"CREATE TRIGGER outbox_chain_head_update AFTER UPDATE ON chain_head BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('head', '', NEW.seq); END;",

	/* 7 -> 8 (planned as 7; the outbox step above took that number
	 * first): every output gated beside a point's own (Kh 100, Kh 1000,
	 * the counter, the load LED) as a row of its own, with its verdict,
	 * registration and U (NULL without an estimate); and a register
	 * point's LCD readings (NULL: not a register point, or not read). */
	"CREATE TABLE measurement_outputs ("
	"  measurement_id INTEGER NOT NULL REFERENCES measurements (id) ON DELETE CASCADE,"
	"  output TEXT NOT NULL,"		/* rig_signal_name(): kh100, counter, load_led ... */
	"  kh REAL NOT NULL,"			/* Wh per cycle */
	"  verdict TEXT NOT NULL,"		/* 'none': not decided at the point's power */
	"  error_pct REAL,"
	"  u_pct REAL,"
	"  bound INTEGER NOT NULL,"		/* under two edges: at most 100 + error + U */
	"  lost INTEGER NOT NULL,"		/* its edges were lost: no verdict */
	"  edges INTEGER NOT NULL,"
	"  duty REAL,"				/* load LED: its on fraction */
	"  PRIMARY KEY (measurement_id, output));"
	"CREATE INDEX measurement_outputs_by_verdict ON measurement_outputs (output, verdict);"
	"ALTER TABLE measurements ADD COLUMN reading_before_kwh REAL;"
	"ALTER TABLE measurements ADD COLUMN reading_after_kwh REAL;",

	/* 8 -> 9: a register point's readings (schema 8) shipped too, as
	 * outbox entries of their own kind ('reading', ref the measurement),
	 * queued when a reading is written. The outbox is rebuilt for the new
	 * kind (its CHECK), keeping every entry and its AUTOINCREMENT high
	 * mark, so no shipped number is reused; its triggers go with it and
	 * are made again. Readings stored before this step are queued by it,
	 * oldest first. */
	"DROP TRIGGER outbox_run_insert; DROP TRIGGER outbox_run_update;"
	"DROP TRIGGER outbox_position_update; DROP TRIGGER outbox_measurement;"
	"DROP TRIGGER outbox_seal; DROP TRIGGER outbox_chain_head;"
	"DROP TRIGGER outbox_chain_head_update;"
	"CREATE TABLE outbox_new ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL CHECK (kind IN ('run', 'measurement', 'seal', 'head', 'reading')),"
	"  run_uuid TEXT NOT NULL,"
	"  ref INTEGER NOT NULL DEFAULT 0,"	/* measurements.id, run_seals.seq */
	"  queued_ms INTEGER NOT NULL DEFAULT"
	"    (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)));"
	"INSERT INTO outbox_new (seq, kind, run_uuid, ref, queued_ms)"
	"  SELECT seq, kind, run_uuid, ref, queued_ms FROM outbox ORDER BY seq;"
	"DELETE FROM sqlite_sequence WHERE name = 'outbox_new';"
	"UPDATE sqlite_sequence SET name = 'outbox_new' WHERE name = 'outbox';"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"CREATE TRIGGER outbox_run_insert AFTER INSERT ON runs BEGIN"
	"  INSERT INTO outbox (kind, run_uuid) VALUES ('run', NEW.run_uuid); END;"
	"CREATE TRIGGER outbox_run_update AFTER UPDATE ON runs BEGIN"
	"  INSERT INTO outbox (kind, run_uuid) VALUES ('run', NEW.run_uuid); END;"
	"CREATE TRIGGER outbox_position_update AFTER UPDATE ON run_positions BEGIN"
	"  INSERT INTO outbox (kind, run_uuid)"
	"    SELECT 'run', run_uuid FROM runs WHERE id = NEW.run_id; END;"
	"CREATE TRIGGER outbox_measurement AFTER INSERT ON measurements BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref)"
	"    SELECT 'measurement', r.run_uuid, NEW.id FROM points p"
	"    JOIN runs r ON r.id = p.run_id WHERE p.id = NEW.point_id; END;"
	"CREATE TRIGGER outbox_seal AFTER INSERT ON run_seals BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('seal', NEW.run_uuid, NEW.seq); END;"
	"CREATE TRIGGER outbox_chain_head AFTER INSERT ON chain_head BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('head', '', NEW.seq); END;"
	"CREATE TRIGGER outbox_chain_head_update AFTER UPDATE ON chain_head BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref) VALUES ('head', '', NEW.seq); END;"
	/* after its measurement's entry (the readings are written after the
	 * row, in the same transaction) */
	"CREATE TRIGGER outbox_reading_insert AFTER INSERT ON measurements"
	"  WHEN NEW.reading_before_kwh IS NOT NULL OR NEW.reading_after_kwh IS NOT NULL BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref)"
	"    SELECT 'reading', r.run_uuid, NEW.id FROM points p"
	"    JOIN runs r ON r.id = p.run_id WHERE p.id = NEW.point_id; END;"
	"CREATE TRIGGER outbox_reading_update"
	"  AFTER UPDATE OF reading_before_kwh, reading_after_kwh ON measurements"
	"  WHEN NEW.reading_before_kwh IS NOT OLD.reading_before_kwh"
	"    OR NEW.reading_after_kwh IS NOT OLD.reading_after_kwh BEGIN"
	"  INSERT INTO outbox (kind, run_uuid, ref)"
	"    SELECT 'reading', r.run_uuid, NEW.id FROM points p"
	"    JOIN runs r ON r.id = p.run_id WHERE p.id = NEW.point_id; END;"
	"INSERT INTO outbox (kind, run_uuid, ref) SELECT 'reading', r.run_uuid, m.id"
	"  FROM measurements m JOIN points p ON p.id = m.point_id JOIN runs r ON r.id = p.run_id"
	"  WHERE m.reading_before_kwh IS NOT NULL OR m.reading_after_kwh IS NOT NULL"
	"  ORDER BY m.id;",

	/* 9 -> 10: a model override as a record of its own, beside the
	 * calibration override, no longer text in the notes: who and why on
	 * the run's record, and per position overridden what the
	 * disagreement was (the model it ran as, the expected and the stored
	 * model, '' for none); NULL where no override let a disagreement
	 * through. Runs stored before keep what they have: their overrides
	 * stay in their notes, as sealed. */
	"ALTER TABLE run_records ADD COLUMN model_override_by TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run_records ADD COLUMN model_override_reason TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run_positions ADD COLUMN model_override_ran_as TEXT;"
	"ALTER TABLE run_positions ADD COLUMN model_override_expected TEXT;"
	"ALTER TABLE run_positions ADD COLUMN model_override_stored TEXT;",
};

#define N_STEPS ((int)(sizeof(migration_steps) / sizeof(migration_steps[0])))

int store_schema_latest_version(void)
{
	return N_STEPS;
}

int store_schema_version(sqlite3 *db, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return rig_error_set(err, NULL, 0, "reading schema version: %s", sqlite3_errmsg(db));
	int version = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 0)
		return rig_error_set(err, NULL, 0, "reading schema version: %s", sqlite3_errmsg(db));
	return version;
}

/* 1 when this call applied the step, 0 when another process had. */
static int apply_step(sqlite3 *db, int from, struct rig_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Another process may have migrated while we waited for the lock. */
	if (store_schema_version(db, err) != from) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (sqlite3_exec(db, migration_steps[from], NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	/* PRAGMA takes no bound parameters; the value is our own integer. */
	char pragma[48];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", from + 1);
	if (sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	return 1;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
	rig_error_set(err, NULL, 0, "schema migration %d -> %d: %s", from, from + 1,
		      msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static int migrate(sqlite3 *db, int target, int *ret_lowest_applied, struct rig_error *err)
{
	*ret_lowest_applied = -1;
	int version = store_schema_version(db, err);
	if (version < 0)
		return -1;
	if (version > N_STEPS)
		return rig_error_set(err, NULL, 0,
				     "results database is schema version %d, newer than this "
				     "software knows (%d): upgrade rig before using it",
				     version, N_STEPS);
	if (target > N_STEPS)
		target = N_STEPS;
	for (int v = version; v < target; v++) {
		int applied = apply_step(db, v, err);
		if (applied < 0)
			return -1;
		if (applied && *ret_lowest_applied < 0)
			*ret_lowest_applied = v;
	}
	return 0;
}

int store_schema_migrate_to(sqlite3 *db, int target, struct rig_error *err)
{
	int lowest;
	return migrate(db, target, &lowest, err);
}

int store_schema_migrate(sqlite3 *db, struct rig_error *err)
{
	int lowest;
	return migrate(db, N_STEPS, &lowest, err);
}

int store_schema_migrate_noting(sqlite3 *db, bool *ret_crossed_chain_head, struct rig_error *err)
{
	int lowest;
	int rc = migrate(db, N_STEPS, &lowest, err);
	*ret_crossed_chain_head = rc == 0 && lowest >= 0 && lowest < STORE_SCHEMA_CHAIN_HEAD;
	return rc;
}
