/* The station's Ed25519 signing key (libsodium). It lives beside the
 * results database, in the daemon's state directory: station.key (secret,
 * mode 0600) and station.pub, each one base64 line. The pair is made once,
 * at install (`rigctl key init`); rigd refuses to start without it, and
 * nothing signs with a secret key that others may read. Certificates and
 * the chain head are signed with it and carry the public key. */
#ifndef RIG_COMMON_STATION_KEY_H
#define RIG_COMMON_STATION_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "rig/core/error.h"

#define STATION_PK_BYTES 32
#define STATION_SK_BYTES 64
#define STATION_SIG_BYTES 64
#define STATION_B64_LEN 100	/* fits the base64 of a secret key or signature */

struct station_key {
	uint8_t pk[STATION_PK_BYTES];
	uint8_t sk[STATION_SK_BYTES];
	char pk_b64[STATION_B64_LEN];
};

/* The directory of the database file at db_path (its state directory). */
void station_key_dir(const char *db_path, char *buf, size_t len);

/* Makes a new pair in dir (station.key 0600, station.pub 0644). Refuses,
 * -1 with err, when dir already holds a secret key: a station keeps its key. */
int station_key_init(const char *dir, struct station_key *ret, struct rig_error *err);

/* 0 when the secret key file at path may be read by its owner only (no
 * group or other permission bits), -1 with err saying what to do. */
int station_key_check_private(const char *path, struct rig_error *err);

/* Loads an existing pair; -1 with err when missing, unreadable, or open
 * to others (station_key_check_private). */
int station_key_load(const char *dir, struct station_key *ret, struct rig_error *err);

/* The public key of dir's pair (station.pub) into ret_b64; -1 with err. */
int station_key_public(const char *dir, char ret_b64[STATION_B64_LEN], struct rig_error *err);

void station_key_sign(const struct station_key *k, const void *msg, size_t len,
		      uint8_t ret_sig[STATION_SIG_BYTES]);
/* 0 when sig is pk's signature of msg. */
int station_key_verify(const uint8_t pk[STATION_PK_BYTES], const void *msg, size_t len,
		       const uint8_t sig[STATION_SIG_BYTES]);

/* Base64 (original variant, padded) both ways; decode returns bytes or -1. */
void station_b64_encode(const uint8_t *bin, size_t n, char *out, size_t out_len);
int station_b64_decode(const char *b64, uint8_t *out, size_t out_len);

#endif
