/* Internal to rig/store: the chain's signed head, for seal.c. The public
 * side (store_set_head_signer, store_sign_migrated_head,
 * store_station_key_known) is declared in seal.h. */
#ifndef RIG_STORE_CHAIN_HEAD_H
#define RIG_STORE_CHAIN_HEAD_H

#include <stdint.h>

#include "rig/core/error.h"
#include "rig/store/seal.h"

/* The newest seal: 1 with its seq and hex, 0 when the chain is empty, -1
 * with err. */
int store_last_seal(struct store *s, int64_t *ret_seq, char ret_hex[STORE_SEAL_HEX],
		    struct rig_error *err);

/* Signs the newest seal as the chain's head, inside the caller's
 * transaction (with the seal). Without a signer (a store opened by a test
 * or a tool) nothing is signed, and store_verify_chain says so. */
int store_head_write(struct store *s, struct rig_error *err);

/* The signed head against the chain: signed by a station's key, naming a
 * seal the chain still holds, and that seal the newest. Problems go
 * through store_chain_problem. */
int store_head_check(struct store *s, store_chain_problem_fn fn, void *ctx,
		     struct store_chain_report *r, struct rig_error *err);

/* One problem found: counted in r and said through fn. */
void store_chain_problem(store_chain_problem_fn fn, void *ctx, struct store_chain_report *r,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
