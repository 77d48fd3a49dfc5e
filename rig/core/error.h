/* A located error message: what the core hands back instead of printing.
 * file/line point at the input that was wrong (profile, fixture) when known. */
#ifndef RIG_CORE_ERROR_H
#define RIG_CORE_ERROR_H

#include <stddef.h>

struct rig_error {
	char file[256];	/* input file, "" when not from a file */
	int line;	/* 1-based line in file, 0 when not known */
	char msg[512];
};

/* Sets err (may be NULL) and returns -1, so callers can `return rig_error_set(...)`. */
int rig_error_set(struct rig_error *err, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "file:line: msg", "file: msg" or "msg", into buf. Returns buf. */
const char *rig_error_format(const struct rig_error *err, char *buf, size_t len);

#endif
