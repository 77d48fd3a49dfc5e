/* Tamper evidence for stored runs: a hash chain. When a run ends, its rows
 * (run, positions, points, measurements, budgets) are hashed in a fixed
 * canonical form and chained to the previous seal:
 *   rows = SHA-256(0x00 || canonical rows)
 *   seal = SHA-256(0x01 || previous seal || rows || run id)
 * (domain-separated as in RFC 6962). A changed byte in a stored point, a
 * deleted run or a deleted seal breaks the walk of store_verify_chain. */
#ifndef RIG_STORE_SEAL_H
#define RIG_STORE_SEAL_H

#include <stdint.h>

#include "rig/core/error.h"
#include "rig/store/store.h"

#define STORE_SEAL_HEX 65

/* The hash of run_id's rows as they are stored now, as hex. */
int store_run_rows_hash(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
			struct rig_error *err);

/* The seal of run_id: 1 and ret_hex when sealed, 0 when not (running, or
 * finished before sealing began), -1 with err. */
int store_run_seal(struct store *s, const char *run_id, char ret_hex[STORE_SEAL_HEX],
		   struct rig_error *err);

struct store_chain_report {
	int sealed;		/* seals walked */
	int unsealed_before;	/* finished runs from before the first seal */
	int problems;
};

/* Called with one sentence per problem found. */
typedef void (*store_chain_problem_fn)(const char *problem, void *ctx);

/* Walks the chain: each seal recomputed from the rows stored now and
 * linked to the one before; runs missing, changed or left unsealed are
 * reported. 0 when walked (problems counted in ret), -1 with err. */
int store_verify_chain(struct store *s, store_chain_problem_fn fn, void *ctx,
		       struct store_chain_report *ret, struct rig_error *err);

/* Internal (store.c): seals a run that just ended, inside its transaction. */
int store_seal_run(struct store *s, int64_t run, struct rig_error *err);

/* The station's public key (base64) into its record. */
int store_station_set_key(struct store *s, const char *station, const char *host,
			  const char *public_key_b64, struct rig_error *err);

#endif
