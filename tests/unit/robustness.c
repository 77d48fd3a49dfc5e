#include "tests/unit/robustness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/text_file.h"

#define CORRUPTED_ROUNDS 3000
#define BYTES_PER_ROUND 3

void robustness_check_damaged_copies(const char *path, robustness_parse_fn parse, void *ctx,
				     uint32_t seed)
{
	const char *top = getenv("RIG_TOP");
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", top ? top : ".", path);
	char *text;
	size_t len;
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_text_file_read(full, &text, &len, &err), 0);
	ck_assert_uint_gt(len, 0);

	int refused = 0;
	for (size_t n = 0; n < len; n++) {
		memset(&err, 0, sizeof(err));
		if (parse(text, n, "cut", ctx, &err) != 0) {
			ck_assert_msg(err.msg[0], "no message at length %zu", n);
			refused++;
		}
	}
	ck_assert_int_gt(refused, 0);

	char *copy = malloc(len);
	for (int round = 0; round < CORRUPTED_ROUNDS; round++) {
		memcpy(copy, text, len);
		for (int k = 0; k < BYTES_PER_ROUND; k++) {
			seed = seed * 1664525u + 1013904223u;
			copy[(seed >> 8) % len] = (char)(seed >> 24);
		}
		memset(&err, 0, sizeof(err));
		if (parse(copy, len, "flip", ctx, &err) != 0)
			ck_assert_msg(err.msg[0], "no message in round %d", round);
	}
	free(copy);
	free(text);
}
