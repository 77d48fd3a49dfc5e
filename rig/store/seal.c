#include "rig/store/seal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/sha256.h"
#include "rig/store/chain_head.h"
#include "rig/store/schema.h"
#include "rig/store/store_private.h"

/* Fixed column lists, not SELECT *: a later migration that adds a column
 * must not change the hash of runs sealed before it.
 *
 * Format 1 (seals made at schema 4 and 5) leaves the meter's description
 * and the record out, and hashes positions from 0, as schema 4 stored
 * them; it is kept as it was so that those seals still hold. */
static const char *const canonical_v1[] = {
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
};

/* Format 2: everything a certificate shows. Positions as stored (from 1);
 * the meter as described in the run (model, where the model came from,
 * ratings), the register before and the weighted average; the record and
 * the reference standards. The register after, written once when the
 * meter is off the bench, is sealed by its own addendum (below). */
static const char *const canonical_v2[] = {
	"SELECT r.run_uuid, st.name, st.host, i.idn, i.serial, i.cal_due, r.profile_name,"
	" r.profile_sha256, r.fixture_name, r.fixture_sha256, r.operator, r.notes,"
	" r.software_version, r.started_at, r.started_ms, r.ended_at, r.ended_ms, r.state, r.reason"
	" FROM runs r JOIN stations st ON st.id = r.station_id"
	" JOIN instruments i ON i.id = r.instrument_id WHERE r.id = ?1",
	"SELECT rp.position, rp.verdict, me.serial, rp.model, rp.model_source, rp.elements,"
	" rp.voltage_v, rp.voltage_between, rp.ct_primary_a, rp.ct_secondary_a, rp.rated_current_a,"
	" rp.max_current_a, rp.outputs, rp.register_before_kwh, rp.weighted_avg_pct"
	" FROM run_positions rp JOIN meters me ON me.id = rp.meter_id WHERE rp.run_id = ?1"
	" ORDER BY rp.position",
	"SELECT idx, name, kind, voltage_v, current_a, current_pct, pf, leading, frequency_hz,"
	" elements, output_kh, band_pct, target_u_pct FROM points WHERE run_id = ?1 ORDER BY idx",
	"SELECT p.idx, m.position, m.attempt, m.current_a, m.reference_w, m.edges_used, m.gate_s,"
	" m.error_pct, m.u_pct, m.value, m.verdict, m.detail FROM points p"
	" JOIN measurements m ON m.point_id = p.id WHERE p.run_id = ?1"
	" ORDER BY p.idx, m.position, m.attempt",
	"SELECT p.idx, m.position, m.attempt, b.uc_rel, b.nu_eff, b.k, b.period_check,"
	" b.update_period_s, b.declared_period_s FROM points p"
	" JOIN measurements m ON m.point_id = p.id JOIN point_budget b ON b.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt",
	"SELECT p.idx, m.position, m.attempt, t.term, t.u, t.sensitivity, t.contribution, t.dof"
	" FROM points p JOIN measurements m ON m.point_id = p.id"
	" JOIN point_budget_terms t ON t.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt, t.term",
	"SELECT test_reason, customer, test_state, follows_run, ambient_c, humidity_pct,"
	" ambient_source, lab_name, lab_address, lab_accreditation, approver_name, approver_role,"
	" weighting, cal_override_by, cal_override_reason, simulated, method FROM run_records"
	" WHERE run_id = ?1",
	"SELECT role, identity, certificate, lab, cal_date, cal_due FROM run_standards"
	" WHERE run_id = ?1 ORDER BY role",
};

/* Format 3 (schema 8): format 2's queries, then every output gated beside
 * a point's own and a register point's readings, positions as stored. */
static const char *const canonical_v3_extra[] = {
	"SELECT p.idx, m.position, m.attempt, o.output, o.kh, o.verdict, o.error_pct, o.u_pct,"
	" o.bound, o.lost, o.edges, o.duty FROM points p"
	" JOIN measurements m ON m.point_id = p.id"
	" JOIN measurement_outputs o ON o.measurement_id = m.id"
	" WHERE p.run_id = ?1 ORDER BY p.idx, m.position, m.attempt, o.output",
	"SELECT p.idx, m.position, m.attempt, m.reading_before_kwh, m.reading_after_kwh"
	" FROM points p JOIN measurements m ON m.point_id = p.id WHERE p.run_id = ?1"
	" ORDER BY p.idx, m.position, m.attempt",
};

/* Format 4 (schema 10): format 3's queries, then the model override: who
 * and why on the record, and per position the disagreement it let through
 * (NULL where none). */
static const char *const canonical_v4_extra[] = {
	"SELECT model_override_by, model_override_reason FROM run_records WHERE run_id = ?1",
	"SELECT position, model_override_ran_as, model_override_expected, model_override_stored"
	" FROM run_positions WHERE run_id = ?1 ORDER BY position",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* format 2's queries and format 3's additions, in one list; format 4's
 * after them */
static const char *canonical_v4[N_OF(canonical_v2) + N_OF(canonical_v3_extra) +
				 N_OF(canonical_v4_extra)];
#define N_V3 (N_OF(canonical_v2) + N_OF(canonical_v3_extra))

static const char *const *v4_queries(void)
{
	if (!canonical_v4[0]) {
		for (size_t i = 0; i < N_OF(canonical_v2); i++)
			canonical_v4[i] = canonical_v2[i];
		for (size_t i = 0; i < N_OF(canonical_v3_extra); i++)
			canonical_v4[N_OF(canonical_v2) + i] = canonical_v3_extra[i];
		for (size_t i = 0; i < N_OF(canonical_v4_extra); i++)
			canonical_v4[N_V3 + i] = canonical_v4_extra[i];
	}
	return canonical_v4;
}

const char *const *store_seal_canonical_sql(int format, size_t *ret_n)
{
	if (format == 1) {
		*ret_n = N_OF(canonical_v1);
		return canonical_v1;
	}
	if (format == 2) {
		*ret_n = N_OF(canonical_v2);
		return canonical_v2;
	}
	if (format == 3) {
		*ret_n = N_V3;	/* the first of format 4's */
		return v4_queries();
	}
	if (format == 4) {
		*ret_n = N_OF(canonical_v4);
		return v4_queries();
	}
	*ret_n = 0;
	return NULL;
}

/* The addendum of one position's register reading after the test. */
static const char sql_register_after[] =
	"SELECT position, register_after_kwh FROM run_positions WHERE run_id = ?1 AND position = ?2";

#define SUBJECT_RUN "run"
#define SUBJECT_REGISTER_AFTER "register-after "

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

static int hash_query(struct store *s, const char *sql, int64_t run, int position,
		      struct rig_sha256 *h, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if (position)
		sqlite3_bind_int(st, 2, position);
	int rc, rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rig_sha256_update(h, "\x1e", 1);
		for (int c = 0; c < sqlite3_column_count(st); c++)
			hash_value(st, c, h);
		rows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "sealing: %s", sqlite3_errmsg(s->db));
	put_u64(h, (uint64_t)rows);
	return 0;
}

static int hash_rows(struct store *s, int64_t run, int format, uint8_t ret[32], struct rig_error *err)
{
	size_t n;
	const char *const *sql = store_seal_canonical_sql(format, &n);
	if (!sql)
		return rig_error_set(err, NULL, 0, "seal format %d is not known to this software", format);
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, "\x00", 1);
	if (format >= 2) {
		uint8_t f = (uint8_t)format;
		rig_sha256_update(&h, &f, 1);
	}
	for (size_t q = 0; q < n; q++) {
		uint8_t table = (uint8_t)q;
		rig_sha256_update(&h, &table, 1);
		if (hash_query(s, sql[q], run, 0, &h, err) < 0)
			return -1;
	}
	rig_sha256_final(&h, ret);
	return 0;
}

static int hash_register_after(struct store *s, int64_t run, int position, uint8_t ret[32],
			       struct rig_error *err)
{
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, "\x03", 1);
	if (hash_query(s, sql_register_after, run, position, &h, err) < 0)
		return -1;
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

/* Format 1: SHA-256(0x01 || prev || rows || run). Format 2 names what is
 * sealed too: SHA-256(0x02 || prev || rows || run || 0x00 || subject). */
static void seal_of(int format, const char *prev_hex, const char *rows_hex, const char *run_uuid,
		    const char *subject, char ret_hex[STORE_SEAL_HEX])
{
	uint8_t prev[32] = {0}, rows[32] = {0}, out[32];
	from_hex(prev_hex, prev);
	from_hex(rows_hex, rows);
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, format >= 2 ? "\x02" : "\x01", 1);
	rig_sha256_update(&h, prev, 32);
	rig_sha256_update(&h, rows, 32);
	rig_sha256_update(&h, run_uuid, strlen(run_uuid));
	if (format >= 2) {
		rig_sha256_update(&h, "\x00", 1);
		rig_sha256_update(&h, subject, strlen(subject));
	}
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

/* --- sealing ---------------------------------------------------------------- */

void store_set_seal_format(struct store *s, int format)
{
	s->seal_format = format;
}

static int seal_format(const struct store *s)
{
	return s->seal_format ? s->seal_format : STORE_SEAL_FORMAT;
}

/* Appends one seal to the chain and signs the new head. A subject sealed
 * already keeps its first seal. */
static int append_seal(struct store *s, const char *uuid, const char *subject, int format,
		       const uint8_t rows[32], struct rig_error *err)
{
	char rows_hex[STORE_SEAL_HEX], prev[STORE_SEAL_HEX], seal[STORE_SEAL_HEX];
	int64_t seq;
	to_hex(rows, 32, rows_hex);
	int found = store_last_seal(s, &seq, prev, err);
	if (found < 0)
		return -1;
	if (!found)
		snprintf(prev, sizeof(prev), "%s", zero_seal);
	seal_of(format, prev, rows_hex, uuid, subject, seal);
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT OR IGNORE INTO run_seals (run_uuid, subject, format, rows_sha256,"
			  " prev_seal, seal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, subject);
	sqlite3_bind_int(st, 3, format);
	store_bind_text(st, 4, rows_hex);
	store_bind_text(st, 5, prev);
	store_bind_text(st, 6, seal);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "sealing run %s: %s", uuid, sqlite3_errmsg(s->db));
	return sqlite3_changes(s->db) ? store_head_write(s, err) : 0;
}

int store_seal_run(struct store *s, int64_t run, struct rig_error *err)
{
	char uuid[STORE_RUN_ID_LEN];
	uint8_t rows[32];
	int format = seal_format(s);
	if (run_uuid_of(s, run, uuid, sizeof(uuid), err) < 0 || hash_rows(s, run, format, rows, err) < 0)
		return -1;
	return append_seal(s, uuid, SUBJECT_RUN, format, rows, err);
}

int store_seal_register_after(struct store *s, int64_t run, int position, struct rig_error *err)
{
	char uuid[STORE_RUN_ID_LEN], subject[32];
	uint8_t rows[32];
	if (run_uuid_of(s, run, uuid, sizeof(uuid), err) < 0 ||
	    hash_register_after(s, run, position, rows, err) < 0)
		return -1;
	snprintf(subject, sizeof(subject), SUBJECT_REGISTER_AFTER "%d", position);
	return append_seal(s, uuid, subject, STORE_SEAL_FORMAT, rows, err);
}

/* The format run's seal was made in; the current format when unsealed. */
static int run_seal_format(struct store *s, const char *run_id)
{
	sqlite3_stmt *st;
	int format = seal_format(s);
	if (store_prepare(s, "SELECT format FROM run_seals WHERE run_uuid = ?1 AND subject = 'run'",
			  &st, NULL) < 0)
		return format;
	store_bind_text(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		format = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return format;
}

int store_run_rows_hash(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
			struct rig_error *err)
{
	int64_t run = store_run_rowid(s, run_id, err);
	uint8_t rows[32];
	if (run < 0 || hash_rows(s, run, run_seal_format(s, run_id), rows, err) < 0)
		return -1;
	to_hex(rows, 32, ret_hex);
	return 0;
}

int store_run_seal(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
		   struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seal FROM run_seals WHERE run_uuid = ?1 AND subject = 'run'",
			  &st, err) < 0)
		return -1;
	store_bind_text(st, 1, run_id);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(ret_hex, STORE_SEAL_HEX, "%s", store_column_text(st, 0));
	sqlite3_finalize(st);
	return found;
}

void store_chain_problem(store_chain_problem_fn fn, void *ctx, struct store_chain_report *r,
			 const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->problems++;
	if (fn)
		fn(text, ctx);
}

/* What a seal covers as it is stored now: its rows hash into ret_hex; 0,
 * 1 when its run is gone, -1 with err. */
static int subject_hash_now(struct store *s, const char *uuid, const char *subject, int format,
			    char ret_hex[STORE_SEAL_HEX], struct rig_error *err)
{
	struct rig_error lookup = {0};
	int64_t run = store_run_rowid(s, uuid, &lookup);
	if (run < 0)
		return 1;
	uint8_t rows[32];
	size_t pl = strlen(SUBJECT_REGISTER_AFTER);
	int rc;
	if (strcmp(subject, SUBJECT_RUN) == 0)
		rc = hash_rows(s, run, format, rows, err);
	else if (strncmp(subject, SUBJECT_REGISTER_AFTER, pl) == 0)
		rc = hash_register_after(s, run, atoi(subject + pl), rows, err);
	else
		return rig_error_set(err, NULL, 0, "seal of run %s: unknown subject \"%s\"", uuid, subject);
	if (rc < 0)
		return -1;
	to_hex(rows, 32, ret_hex);
	return 0;
}

/* The first seal format that covers the model override's columns. */
#define SEAL_FORMAT_OVERRIDE 4

/* Whether a run holds a model override (schema 10's columns): 1, 0 (or a
 * file from before them), -1 with err. A seal in an older format does not
 * cover them, so one found there was written after the run was sealed. */
static int holds_model_override(struct store *s, const char *uuid, struct rig_error *err)
{
	int version = store_schema_version(s->db, err);
	if (version < 0)
		return -1;
	if (version < 10)
		return 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT EXISTS (SELECT 1 FROM run_records rr JOIN runs r ON r.id = rr.run_id"
			       " WHERE r.run_uuid = ?1 AND (rr.model_override_by <> ''"
			       " OR rr.model_override_reason <> ''))"
			       " OR EXISTS (SELECT 1 FROM run_positions p JOIN runs r ON r.id = p.run_id"
			       " WHERE r.run_uuid = ?1 AND (p.model_override_ran_as IS NOT NULL"
			       " OR p.model_override_expected IS NOT NULL OR p.model_override_stored IS NOT NULL))",
			       -1, &st, NULL) != SQLITE_OK)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc < 0)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return rc;
}

/* One seal: linked to the one before, its own hash right, its run present
 * and what it covers unchanged. */
static int check_seal(struct store *s, sqlite3_stmt *st, char prev[STORE_SEAL_HEX],
		      store_chain_problem_fn fn, void *ctx, struct store_chain_report *r,
		      struct rig_error *err)
{
	const char *uuid = store_column_text(st, 1), *subject = store_column_text(st, 2);
	int format = sqlite3_column_int(st, 3);
	const char *rows_hex = store_column_text(st, 4);
	const char *prev_stored = store_column_text(st, 5), *seal = store_column_text(st, 6);
	bool is_run = strcmp(subject, SUBJECT_RUN) == 0;
	char expect[STORE_SEAL_HEX], now[STORE_SEAL_HEX];
	if (strcmp(prev_stored, prev) != 0)
		store_chain_problem(fn, ctx, r, "seal of run %s does not follow the seal before it: a seal was removed or altered",
			uuid);
	seal_of(format, prev_stored, rows_hex, uuid, subject, expect);
	if (strcmp(expect, seal) != 0)
		store_chain_problem(fn, ctx, r, "seal of run %s (%s) does not match its own contents", uuid, subject);
	int gone = subject_hash_now(s, uuid, subject, format, now, err);
	if (gone < 0)
		return -1;
	if (gone && is_run)
		store_chain_problem(fn, ctx, r, "run %s was sealed but is no longer in the database (deleted)", uuid);
	else if (gone)
		store_chain_problem(fn, ctx, r, "run %s (%s sealed) is no longer in the database (deleted)", uuid, subject);
	else if (strcmp(now, rows_hex) != 0 && is_run)
		store_chain_problem(fn, ctx, r, "run %s: its stored rows changed after it was sealed", uuid);
	else if (strcmp(now, rows_hex) != 0)
		store_chain_problem(fn, ctx, r, "run %s: its %s changed after it was sealed", uuid, subject);
	if (!gone && is_run && format < SEAL_FORMAT_OVERRIDE) {
		int held = holds_model_override(s, uuid, err);
		if (held < 0)
			return -1;
		if (held)
			store_chain_problem(fn, ctx, r, "run %s: a model override was written into it after it "
					    "was sealed (its seal, format %d, is older than overrides)", uuid, format);
	}
	snprintf(prev, STORE_SEAL_HEX, "%s", seal);
	if (is_run)
		r->sealed++;
	if (format > r->newest_format)
		r->newest_format = format;
	return 0;
}

static int check_unsealed(struct store *s, store_chain_problem_fn fn, void *ctx,
			  struct store_chain_report *r, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT r.run_uuid, r.started_ms >= (SELECT MIN(r2.started_ms) FROM runs r2"
			  "   JOIN run_seals s2 ON s2.run_uuid = r2.run_uuid AND s2.subject = 'run')"
			  " FROM runs r LEFT JOIN run_seals s ON s.run_uuid = r.run_uuid AND s.subject = 'run'"
			  " WHERE s.seq IS NULL AND r.state <> 'running' ORDER BY r.started_ms",
			  &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1))
			store_chain_problem(fn, ctx, r, "run %s ended but has no seal (its seal was removed)",
				store_column_text(st, 0));
		else
			r->unsealed_before++;
	}
	sqlite3_finalize(st);
	/* A register reading after, in a run sealed whole (format 2), comes
	 * with its own seal. */
	if (store_prepare(s,
			  "SELECT r.run_uuid, rp.position FROM run_positions rp JOIN runs r ON r.id = rp.run_id"
			  " JOIN run_seals s ON s.run_uuid = r.run_uuid AND s.subject = 'run' AND s.format >= 2"
			  " WHERE rp.register_after_kwh IS NOT NULL AND NOT EXISTS (SELECT 1 FROM run_seals a"
			  "   WHERE a.run_uuid = r.run_uuid AND a.subject = 'register-after ' || rp.position)",
			  &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		store_chain_problem(fn, ctx, r, "run %s position %d: a register reading after that was never sealed",
			store_column_text(st, 0), sqlite3_column_int(st, 1));
	sqlite3_finalize(st);
	return 0;
}

int store_verify_chain(struct store *s, store_chain_problem_fn fn, void *ctx,
		       struct store_chain_report *ret, struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT seq, run_uuid, subject, format, rows_sha256, prev_seal, seal FROM run_seals"
			  " ORDER BY seq",
			  &st, err) < 0)
		return -1;
	char prev[STORE_SEAL_HEX];
	snprintf(prev, sizeof(prev), "%s", zero_seal);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = check_seal(s, st, prev, fn, ctx, ret, err);
	sqlite3_finalize(st);
	if (rc < 0 || check_unsealed(s, fn, ctx, ret, err) < 0)
		return -1;
	return store_head_check(s, fn, ctx, ret, err);
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
