#include "rig/store/seal.h"

#include <stdio.h>
#include <string.h>

#include "rig/core/sha256.h"
#include "rig/store/store_private.h"

/* Fixed column lists, not SELECT *: a later migration that adds a column
 * must not change the hash of runs sealed before it. The meter's model is
 * left out: it lives in the shared meters table, which a later run of the
 * same serial may update. Positions are hashed as they were stored when
 * seals began (schema 4), from 0; schema 5 counts them from 1 in the
 * tables, and the hash keeps its form so that older seals still hold. */
static const char *const canonical_sql[] = {
	"SELECT r.run_uuid, st.name, st.host, i.idn, i.serial, i.cal_due, r.profile_name,"
	" r.profile_sha256, r.fixture_name, r.fixture_sha256, r.operator, r.notes,"
	" r.software_version, r.started_at, r.started_ms, r.ended_at, r.ended_ms, r.state, r.reason"
	" FROM runs r JOIN stations st ON st.id = r.station_id"
	" JOIN instruments i ON i.id = r.instrument_id WHERE r.id = ?1",
	"SELECT rp.position - 1, rp.verdict, me.serial FROM run_positions rp"
	" JOIN meters me ON me.id = rp.meter_id WHERE rp.run_id = ?1 ORDER BY rp.position",
	"SELECT idx, name, kind, voltage_v, current_a, current_pct, pf, leading, frequency_hz,"
	" elements, output_kh, band_pct, target_u_pct FROM points WHERE run_id = ?1 ORDER BY idx",
	"SELECT p.idx, m.position - 1, m.attempt, m.current_a, m.reference_w, m.edges_used, m.gate_s,"
	" m.error_pct, m.u_pct, m.value, m.verdict, m.detail FROM points p"
	" JOIN measurements m ON m.point_id = p.id WHERE p.run_id = ?1"
	" ORDER BY p.idx, m.position, m.attempt",
	"SELECT p.idx, m.position - 1, m.attempt, b.uc_rel, b.nu_eff, b.k, b.period_check,"
	" b.update_period_s, b.declared_period_s FROM points p"
	" JOIN measurements m ON m.point_id = p.id JOIN point_budget b ON b.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt",
	"SELECT p.idx, m.position - 1, m.attempt, t.term, t.u, t.sensitivity, t.contribution, t.dof"
	" FROM points p JOIN measurements m ON m.point_id = p.id"
	" JOIN point_budget_terms t ON t.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt, t.term",
	/* schema 7; hashed only when the run has such rows (hash_rows), so
	 * that runs sealed before keep their seals */
	"SELECT p.idx, m.position - 1, m.attempt, o.output, o.kh, o.verdict, o.error_pct, o.u_pct,"
	" o.bound, o.lost, o.edges, o.duty FROM points p"
	" JOIN measurements m ON m.point_id = p.id"
	" JOIN measurement_outputs o ON o.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt, o.output",
	"SELECT p.idx, m.position - 1, m.attempt, m.reading_before_kwh, m.reading_after_kwh"
	" FROM points p JOIN measurements m ON m.point_id = p.id WHERE p.run_id = ?1"
	" AND (m.reading_before_kwh IS NOT NULL OR m.reading_after_kwh IS NOT NULL)"
	" ORDER BY p.idx, m.position, m.attempt",
};
/* The queries from here on were added after runs were first sealed. */
#define FIRST_OPTIONAL_QUERY 6

static void put_u64(struct rig_sha256 *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	rig_sha256_update(h, b, 8);
}

/* Type tag, then the value: integers and reals as their 8 bytes (so a
 * change in the last bit of a double shows), text with its length. */
static void hash_value(sqlite3_stmt *st, int c, struct rig_sha256 *h)
{
	uint8_t tag = (uint8_t)sqlite3_column_type(st, c);
	rig_sha256_update(h, &tag, 1);
	if (tag == SQLITE_INTEGER) {
		put_u64(h, (uint64_t)sqlite3_column_int64(st, c));
	} else if (tag == SQLITE_FLOAT) {
		double d = sqlite3_column_double(st, c);
		uint64_t bits;
		memcpy(&bits, &d, sizeof(bits));
		put_u64(h, bits);
	} else if (tag != SQLITE_NULL) {
		const void *p = sqlite3_column_blob(st, c);
		int n = sqlite3_column_bytes(st, c);
		put_u64(h, (uint64_t)n);
		rig_sha256_update(h, p, (size_t)n);
	}
}

static int hash_rows(struct store *s, int64_t run, uint8_t ret[32], struct rig_error *err)
{
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, "\x00", 1);
	for (size_t q = 0; q < sizeof(canonical_sql) / sizeof(canonical_sql[0]); q++) {
		sqlite3_stmt *st;
		if (store_prepare(s, canonical_sql[q], &st, err) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, run);
		int rc = sqlite3_step(st), rows = 0;
		if (q >= FIRST_OPTIONAL_QUERY && rc == SQLITE_DONE) {
			sqlite3_finalize(st);	/* none: hashed as before the query existed */
			continue;
		}
		uint8_t table = (uint8_t)q;
		rig_sha256_update(&h, &table, 1);
		for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
			rig_sha256_update(&h, "\x1e", 1);
			for (int c = 0; c < sqlite3_column_count(st); c++)
				hash_value(st, c, &h);
			rows++;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return rig_error_set(err, NULL, 0, "sealing: %s", sqlite3_errmsg(s->db));
		put_u64(&h, (uint64_t)rows);
	}
	rig_sha256_final(&h, ret);
	return 0;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int from_hex(const char *hex, uint8_t out[32])
{
	if (strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static const char zero_seal[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void seal_of(const char *prev_hex, const char *rows_hex, const char *run_uuid,
		    char ret_hex[STORE_SEAL_HEX])
{
	uint8_t prev[32] = {0}, rows[32] = {0}, out[32];
	from_hex(prev_hex, prev);
	from_hex(rows_hex, rows);
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, "\x01", 1);
	rig_sha256_update(&h, prev, 32);
	rig_sha256_update(&h, rows, 32);
	rig_sha256_update(&h, run_uuid, strlen(run_uuid));
	rig_sha256_final(&h, out);
	to_hex(out, 32, ret_hex);
}

static int run_uuid_of(struct store *s, int64_t run, char *buf, size_t len, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT run_uuid FROM runs WHERE id = ?1", &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(buf, len, "%s", store_column_text(st, 0));
	sqlite3_finalize(st);
	return found ? 0 : rig_error_set(err, NULL, 0, "sealing: run %lld not found", (long long)run);
}

int store_seal_run(struct store *s, int64_t run, struct rig_error *err)
{
	char uuid[STORE_RUN_ID_LEN], rows_hex[STORE_SEAL_HEX], prev[STORE_SEAL_HEX], seal[STORE_SEAL_HEX];
	uint8_t rows[32];
	if (run_uuid_of(s, run, uuid, sizeof(uuid), err) < 0 || hash_rows(s, run, rows, err) < 0)
		return -1;
	to_hex(rows, 32, rows_hex);
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seal FROM run_seals ORDER BY seq DESC LIMIT 1", &st, err) < 0)
		return -1;
	snprintf(prev, sizeof(prev), "%s", sqlite3_step(st) == SQLITE_ROW ? store_column_text(st, 0) : zero_seal);
	sqlite3_finalize(st);
	seal_of(prev, rows_hex, uuid, seal);
	/* A run ends once; a second end (never expected) keeps the first seal. */
	if (store_prepare(s,
			  "INSERT OR IGNORE INTO run_seals (run_uuid, rows_sha256, prev_seal, seal)"
			  " VALUES (?1, ?2, ?3, ?4)",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, rows_hex);
	store_bind_text(st, 3, prev);
	store_bind_text(st, 4, seal);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "sealing run %s: %s", uuid, sqlite3_errmsg(s->db));
	return 0;
}

int store_run_rows_hash(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
			struct rig_error *err)
{
	int64_t run = store_run_rowid(s, run_id, err);
	uint8_t rows[32];
	if (run < 0 || hash_rows(s, run, rows, err) < 0)
		return -1;
	to_hex(rows, 32, ret_hex);
	return 0;
}

int store_run_seal(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
		   struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seal FROM run_seals WHERE run_uuid = ?1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, run_id);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(ret_hex, STORE_SEAL_HEX, "%s", store_column_text(st, 0));
	sqlite3_finalize(st);
	return found;
}

static void problem(store_chain_problem_fn fn, void *ctx, struct store_chain_report *r,
		    const char *fmt, const char *a, const char *b)
{
	char text[400];
	snprintf(text, sizeof(text), fmt, a, b);
	r->problems++;
	if (fn)
		fn(text, ctx);
}

/* One seal: linked to the one before, its own hash right, its run present
 * and its rows unchanged. */
static int check_seal(struct store *s, sqlite3_stmt *st, char prev[STORE_SEAL_HEX],
		      store_chain_problem_fn fn, void *ctx, struct store_chain_report *r,
		      struct rig_error *err)
{
	const char *uuid = store_column_text(st, 1), *rows_hex = store_column_text(st, 2);
	const char *prev_stored = store_column_text(st, 3), *seal = store_column_text(st, 4);
	char expect[STORE_SEAL_HEX], now[STORE_SEAL_HEX];
	if (strcmp(prev_stored, prev) != 0)
		problem(fn, ctx, r, "seal of run %s does not follow the seal before it: a seal%s was removed or altered",
			uuid, "");
	seal_of(prev_stored, rows_hex, uuid, expect);
	if (strcmp(expect, seal) != 0)
		problem(fn, ctx, r, "seal of run %s does not match its own contents%s", uuid, "");
	struct rig_error lookup = {0};
	int64_t run = store_run_rowid(s, uuid, &lookup);
	uint8_t rows[32];
	if (run < 0) {
		problem(fn, ctx, r, "run %s was sealed but is no longer in the database (deleted)%s", uuid, "");
	} else if (hash_rows(s, run, rows, err) < 0) {
		return -1;
	} else {
		to_hex(rows, 32, now);
		if (strcmp(now, rows_hex) != 0)
			problem(fn, ctx, r, "run %s: its stored rows changed after it was sealed%s", uuid, "");
	}
	snprintf(prev, STORE_SEAL_HEX, "%s", seal);
	r->sealed++;
	return 0;
}

static int check_unsealed(struct store *s, store_chain_problem_fn fn, void *ctx,
			  struct store_chain_report *r, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT r.run_uuid, r.started_ms >= (SELECT MIN(r2.started_ms) FROM runs r2"
			  "   JOIN run_seals s2 ON s2.run_uuid = r2.run_uuid)"
			  " FROM runs r LEFT JOIN run_seals s ON s.run_uuid = r.run_uuid"
			  " WHERE s.seq IS NULL AND r.state <> 'running' ORDER BY r.started_ms",
			  &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1))
			problem(fn, ctx, r, "run %s ended but has no seal (its seal was removed)%s",
				store_column_text(st, 0), "");
		else
			r->unsealed_before++;
	}
	sqlite3_finalize(st);
	return 0;
}

int store_verify_chain(struct store *s, store_chain_problem_fn fn, void *ctx,
		       struct store_chain_report *ret, struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seq, run_uuid, rows_sha256, prev_seal, seal FROM run_seals ORDER BY seq",
			  &st, err) < 0)
		return -1;
	char prev[STORE_SEAL_HEX];
	snprintf(prev, sizeof(prev), "%s", zero_seal);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = check_seal(s, st, prev, fn, ctx, ret, err);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : check_unsealed(s, fn, ctx, ret, err);
}

int store_station_set_key(struct store *s, const char *station, const char *host,
			  const char *public_key_b64, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "INSERT INTO stations (name, host, public_key) VALUES (?1, ?2, ?3)"
			     " ON CONFLICT (name, host) DO UPDATE SET public_key = excluded.public_key",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, station);
	store_bind_text(st, 2, host);
	store_bind_text(st, 3, public_key_b64);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rig_error_set(err, NULL, 0, "station key: %s", sqlite3_errmsg(s->db));
}
