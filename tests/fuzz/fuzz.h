/* Shared by the fuzz harnesses: the input as a NUL-terminated copy, and a
 * check that a refusal always says why. */
#ifndef RIG_TESTS_FUZZ_H
#define RIG_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size copy (at least one byte for malloc), not NUL-terminated:
 * for parsers that take a length, so ASan sees any read past it. */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);
	return s;
}

/* A refusal without a message is a finding: abort so the fuzzer keeps it. */
static inline void fuzz_need_message(int rc, const char *msg, const char *what)
{
	if (rc != 0 && !msg[0]) {
		fprintf(stderr, "%s refused without a message\n", what);
		abort();
	}
}

#endif
