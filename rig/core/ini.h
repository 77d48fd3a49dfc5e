/* A small reader for the INI-style text of profiles and fixtures:
 *
 *   # comment            ; comment
 *   [section]            [section argument]
 *   key = value          ; inline comment after whitespace
 *
 * It hands back one section header or key at a time with its line number,
 * and refuses what is not text (NUL or control bytes, over-long lines,
 * a header without ']', a line without '='). Pure: takes text, no I/O. */
#ifndef RIG_CORE_INI_H
#define RIG_CORE_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"

#define RIG_INI_LINE_MAX 512
#define RIG_INI_WORD_MAX 64

enum rig_ini_kind {
	RIG_INI_SECTION,	/* [section arg]: section and arg set */
	RIG_INI_KEY,		/* key = value: key and value set */
};

struct rig_ini_item {
	enum rig_ini_kind kind;
	int line;
	char section[RIG_INI_WORD_MAX];		/* lower-case */
	char arg[RIG_INI_WORD_MAX];		/* "" when the header has none */
	char key[RIG_INI_WORD_MAX];		/* lower-case */
	char value[RIG_INI_LINE_MAX];		/* trimmed, never empty */
};

struct rig_ini {
	const char *text;
	size_t len;
	size_t pos;
	int line;
	const char *file;
};

void rig_ini_init(struct rig_ini *ini, const char *text, size_t len, const char *file);

/* 1 and fills ret, 0 at the end of the text, -1 with err at file:line. */
int rig_ini_next(struct rig_ini *ini, struct rig_ini_item *ret, struct rig_error *err);

/* A number with an optional unit: "120 V", "120V", "120", "50 us" when
 * unit is "s". Accepted units are unit itself and, for "s" and "A", the
 * milli/micro forms ("ms", "us", "mA"), scaled to the base unit.
 * Returns 0, or -1 with a message in err (line from item). */
int rig_ini_number(const struct rig_ini_item *item, const char *file, const char *unit,
		   double *ret, struct rig_error *err);

/* A whole number (no unit). */
int rig_ini_int(const struct rig_ini_item *item, const char *file, int *ret,
		struct rig_error *err);

/* Case-insensitive match of item->value against a NULL-terminated list of
 * words; ret gets the index. The error lists what is accepted. */
int rig_ini_choice(const struct rig_ini_item *item, const char *file,
		   const char *const *words, int *ret, struct rig_error *err);

/* Copies the value into dst (size dst_len), refusing it when too long. */
int rig_ini_string(const struct rig_ini_item *item, const char *file, char *dst,
		   size_t dst_len, struct rig_error *err);

#endif
