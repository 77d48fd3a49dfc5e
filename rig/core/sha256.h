/* SHA-256 (FIPS 180-4), for content hashes of profile and fixture files:
 * a run records exactly which test plan and bench wiring it used. */
#ifndef RIG_CORE_SHA256_H
#define RIG_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct rig_sha256 {
	uint32_t h[8];
	uint64_t total;		/* bytes hashed so far */
	uint8_t block[64];
	size_t used;		/* bytes waiting in block */
};

void rig_sha256_init(struct rig_sha256 *s);
void rig_sha256_update(struct rig_sha256 *s, const void *data, size_t len);
void rig_sha256_final(struct rig_sha256 *s, uint8_t ret_digest[32]);

/* One-shot: 64 lowercase hex digits and a NUL into ret_hex. */
void rig_sha256_hex(const void *data, size_t len, char ret_hex[65]);

#endif
