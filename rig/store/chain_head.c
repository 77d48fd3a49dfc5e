/* The chain's signed head (seal.h): with every seal, the newest seal's
 * number and hash signed with the station's key; checked against the
 * chain by store_verify_chain. */
#include "rig/store/chain_head.h"

#include <stdio.h>
#include <string.h>

#include "rig/common/station_key.h"
#include "rig/store/store_private.h"

void store_set_head_signer(struct store *s, const char *public_key_b64, store_sign_fn fn, void *ctx)
{
	snprintf(s->head_key, sizeof(s->head_key), "%s", public_key_b64 ? public_key_b64 : "");
	s->head_sign = fn;
	s->head_sign_ctx = ctx;
}

static int head_message(int64_t seq, const char *seal, char *buf, size_t len)
{
	return snprintf(buf, len, "rig chain head 1\nseq %lld\nseal %s\n", (long long)seq, seal);
}

int store_last_seal(struct store *s, int64_t *ret_seq, char ret_hex[STORE_SEAL_HEX],
		    struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seq, seal FROM run_seals ORDER BY seq DESC LIMIT 1", &st, err) < 0)
		return -1;
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*ret_seq = sqlite3_column_int64(st, 0);
		snprintf(ret_hex, STORE_SEAL_HEX, "%s", store_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return found;
}

int store_head_write(struct store *s, struct rig_error *err)
{
	int64_t seq;
	char seal[STORE_SEAL_HEX], msg[200], sig_b64[STATION_B64_LEN];
	if (!s->head_sign)
		return 0;
	int found = store_last_seal(s, &seq, seal, err);
	if (found <= 0)
		return found;
	int n = head_message(seq, seal, msg, sizeof(msg));
	uint8_t sig[STATION_SIG_BYTES];
	s->head_sign(msg, (size_t)n, sig, s->head_sign_ctx);
	station_b64_encode(sig, sizeof(sig), sig_b64, sizeof(sig_b64));
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT OR REPLACE INTO chain_head (id, seq, seal, public_key, signature)"
			  " VALUES (1, ?1, ?2, ?3, ?4)",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	store_bind_text(st, 2, seal);
	store_bind_text(st, 3, s->head_key);
	store_bind_text(st, 4, sig_b64);
	return store_step_done(s, st, err);
}

static int count_of(struct store *s, const char *sql, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, sql, &st, err) < 0)
		return -1;
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n < 0 ? rig_error_set(err, NULL, 0, "chain head: %s", sqlite3_errmsg(s->db)) : n;
}

int store_sign_migrated_head(struct store *s, struct rig_error *err)
{
	/* Only a chain this very process migrated: a head missing at any other
	 * time was removed (or never signed) and is for verify to report. */
	if (!s->migrated_unheaded || !s->head_sign)
		return 0;
	int heads = count_of(s, "SELECT COUNT(*) FROM chain_head", err);
	int seals = count_of(s, "SELECT COUNT(*) FROM run_seals", err);
	if (heads < 0 || seals < 0)
		return -1;
	s->migrated_unheaded = false;	/* once */
	if (heads > 0 || seals == 0)
		return 0;
	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (store_head_write(s, err) < 0) {
		store_exec(s, "ROLLBACK", NULL);
		return -1;
	}
	return store_exec(s, "COMMIT", err) < 0 ? -1 : 1;
}

bool store_station_key_known(struct store *s, const char *key_b64)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT 1 FROM stations WHERE public_key = ?1 AND public_key <> ''", &st, NULL) < 0)
		return false;
	store_bind_text(st, 1, key_b64);
	bool known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return known;
}

/* The seal at seq into ret_hex: 1, or 0 when there is none. */
static int seal_at(struct store *s, int64_t seq, char ret_hex[STORE_SEAL_HEX])
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seal FROM run_seals WHERE seq = ?1", &st, NULL) < 0)
		return 0;
	sqlite3_bind_int64(st, 1, seq);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(ret_hex, STORE_SEAL_HEX, "%s", store_column_text(st, 0));
	sqlite3_finalize(st);
	return found;
}

static void check_signature(struct store_chain_report *r, store_chain_problem_fn fn, void *ctx,
			    int64_t seq, const char *seal, const char *sig_b64)
{
	char msg[200];
	int n = head_message(seq, seal, msg, sizeof(msg));
	uint8_t pk[STATION_PK_BYTES], sig[STATION_SIG_BYTES];
	if (station_b64_decode(r->head_key, pk, sizeof(pk)) != STATION_PK_BYTES ||
	    station_b64_decode(sig_b64, sig, sizeof(sig)) != STATION_SIG_BYTES ||
	    station_key_verify(pk, msg, (size_t)n, sig) < 0)
		store_chain_problem(fn, ctx, r, "the signed chain head (seal #%lld) does not verify: it was altered",
			(long long)seq);
}

int store_head_check(struct store *s, store_chain_problem_fn fn, void *ctx,
		     struct store_chain_report *r, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT seq, seal, public_key, signature FROM chain_head WHERE id = 1", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		/* Seals of format 2 are always made with a signed head; older
		 * ones get theirs when rigd migrates them (store_sign_migrated_head).
		 * Without one, a chain rewritten in full cannot be told apart. */
		if (r->newest_format >= 2)
			store_chain_problem(fn, ctx, r, "the chain's signed head is missing (removed): the newest runs cannot be told complete");
		else if (r->newest_format == 1)
			store_chain_problem(fn, ctx, r,
				"chain head never signed: database migrated without the station key, or its head"
				" removed; the seals (format 1) alone cannot show that runs were not rewritten");
		return 0;
	}
	int64_t seq = sqlite3_column_int64(st, 0);
	char seal[STORE_SEAL_HEX], sig_b64[STATION_B64_LEN], now[STORE_SEAL_HEX], last_hex[STORE_SEAL_HEX];
	snprintf(seal, sizeof(seal), "%s", store_column_text(st, 1));
	snprintf(r->head_key, sizeof(r->head_key), "%s", store_column_text(st, 2));
	snprintf(sig_b64, sizeof(sig_b64), "%s", store_column_text(st, 3));
	sqlite3_finalize(st);
	r->head_signed = true;
	r->head_seq = seq;
	check_signature(r, fn, ctx, seq, seal, sig_b64);
	if (!store_station_key_known(s, r->head_key))
		store_chain_problem(fn, ctx, r, "the chain head is signed by key %s, which no station here holds", r->head_key);
	int64_t last = 0;
	int any = store_last_seal(s, &last, last_hex, err);
	if (any < 0)
		return -1;
	if (!seal_at(s, seq, now) || strcmp(now, seal) != 0)
		store_chain_problem(fn, ctx, r,
			"the chain was cut: its signed head is seal #%lld, which the chain no longer holds"
			" (it ends at #%lld): the newest run(s) and their seals were removed",
			(long long)seq, (long long)(any ? last : 0));
	else if (last > seq)
		store_chain_problem(fn, ctx, r, "%lld seal(s) after the signed head (#%lld) were added without the station's key",
			(long long)(last - seq), (long long)seq);
	return 0;
}
