/* Tamper evidence for stored runs: a hash chain with a signed head.
 *
 * When a run ends, its rows are hashed in a fixed canonical form and
 * chained to the previous seal. Each seal keeps the format it was made in:
 *   format 1 (schema 4-5): the run, positions (as from 0), points,
 *     measurements and budgets;
 *     rows = SHA-256(0x00 || rows), seal = SHA-256(0x01 || prev || rows || run)
 *   format 2: also the meter as described in the run (model, where it
 *     came from, ratings), the register before, the weighted average, the
 *     record and the reference standards, positions as stored (from 1);
 *     rows = SHA-256(0x00 || 0x02 || rows),
 *     seal = SHA-256(0x02 || prev || rows || run || 0x00 || subject)
 *   with subject "run", or "register-after N" for the register reading
 *   after the test, written later and sealed as an addendum of its own;
 *   format 3 (schema 8): format 2 and every output gated beside a point's
 *   own (measurement_outputs) and a register point's readings, hashed and
 *   sealed as format 2 is (its format byte 0x03 in the rows hash);
 *   format 4 (schema 10): format 3 and the model override (who and why,
 *   and per position the model it ran as, the expected and the stored
 *   model), its format byte 0x04.
 * (Domain-separated as in RFC 6962.) A changed byte in anything sealed, a
 * deleted run or a deleted seal breaks the walk of store_verify_chain.
 *
 * The head: with every seal, the newest seal's number and hash are signed
 * with the station's key (chain_head). Removing the newest run with its
 * seal leaves a head naming a seal the chain no longer holds; removing
 * the head too is reported once the chain has format 2 seals. What the
 * database alone cannot show: someone who holds the station key can sign
 * anything, and a head copied from an earlier state of the same database
 * (with the runs after it removed) verifies. Against that, keep the head
 * elsewhere too: every certificate names its run's seal, and `rigctl
 * verify CERT.pdf` finds a run removed after it was issued. */
#ifndef RIG_STORE_SEAL_H
#define RIG_STORE_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/error.h"
#include "rig/store/store.h"

#define STORE_SEAL_HEX 65
#define STORE_SEAL_FORMAT 4	/* the format new seals are made in */

/* The hash of run_id's rows as they are stored now, as hex. */
int store_run_rows_hash(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
			struct rig_error *err);

/* The seal of run_id: 1 and ret_hex when sealed, 0 when not (running, or
 * finished before sealing began), -1 with err. */
int store_run_seal(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
		   struct rig_error *err);

struct store_chain_report {
	int sealed;		/* runs whose seals were walked */
	int unsealed_before;	/* finished runs from before the first seal */
	int newest_format;	/* the highest seal format met */
	bool head_signed;	/* a signed head was found */
	long long head_seq;	/* the seal it names */
	char head_key[100];	/* the key that signed it (base64) */
	int problems;
};

/* Called with one sentence per problem found. */
typedef void (*store_chain_problem_fn)(const char *problem, void *ctx);

/* Walks the chain: each seal recomputed from the rows stored now and
 * linked to the one before; runs missing, changed or left unsealed are
 * reported. 0 when walked (problems counted in ret), -1 with err. */
int store_verify_chain(struct store *s, store_chain_problem_fn fn, void *ctx,
		       struct store_chain_report *ret, struct rig_error *err);

/* Signs the chain head as each seal is made: fn signs msg with the key
 * whose public half is public_key_b64 (rigd: the station key). */
typedef void (*store_sign_fn)(const void *msg, size_t len, uint8_t ret_sig[64], void *ctx);
void store_set_head_signer(struct store *s, const char *public_key_b64, store_sign_fn fn, void *ctx);

/* A chain sealed before heads began that this very store_open migrated
 * across the records step (schema.h): signs its head, once, with the
 * signer set. Never otherwise: a head missing later is store_verify_chain's
 * to report. 1 signed, 0 nothing to sign, -1 with err. */
int store_sign_migrated_head(struct store *s, struct rig_error *err);

/* The canonical queries of a seal format (1 to 4; NULL otherwise). */
const char *const *store_seal_canonical_sql(int format, size_t *ret_n);

/* Seals new runs in an older format: for tests that reproduce a database
 * made by an earlier version. 0 is the current format. */
void store_set_seal_format(struct store *s, int format);

/* Internal (store.c, run_record.c): seals a run that just ended, or a
 * register reading after, inside the caller's transaction. */
int store_seal_run(struct store *s, int64_t run, struct rig_error *err);
int store_seal_register_after(struct store *s, int64_t run, int position, struct rig_error *err);

/* True when key_b64 is the public key of a station in this database. */
bool store_station_key_known(struct store *s, const char *key_b64);

/* The station's public key (base64) into its record. */
int store_station_set_key(struct store *s, const char *station, const char *host,
			  const char *public_key_b64, struct rig_error *err);

#endif
