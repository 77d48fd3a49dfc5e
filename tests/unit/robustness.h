/* Robustness of a text-file parser against damaged copies of a shipped
 * file: every prefix (a file cut short anywhere) and a few thousand copies
 * with three bytes overwritten either parse or fail with a message, never
 * crash. Used by the profile and fixture suites. */
#ifndef RIG_TESTS_ROBUSTNESS_H
#define RIG_TESTS_ROBUSTNESS_H

#include <stddef.h>
#include <stdint.h>

#include "rig/core/error.h"

/* Parses len bytes of text (not NUL-terminated); 0 or -1 with err. ctx is
 * the caller's output buffer. */
typedef int (*robustness_parse_fn)(const char *text, size_t len, const char *file, void *ctx,
				   struct rig_error *err);

/* path is relative to the repo top ($RIG_TOP). seed drives the corruption. */
void robustness_check_damaged_copies(const char *path, robustness_parse_fn parse, void *ctx,
				     uint32_t seed);

#endif
