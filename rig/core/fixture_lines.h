/* A fixture's lines against the gpio chip it names: every line given by
 * name gets the chip's offset for that name, and every line, by name or
 * offset, must be on the chip and wired once. Pure: the chip is described
 * by its line count and a name lookup, so tests need no chip and rigd,
 * rigctl's --live check and the offline analysis share the rules. */
#ifndef RIG_CORE_FIXTURE_LINES_H
#define RIG_CORE_FIXTURE_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"
#include "rig/core/fixture.h"

struct rig_chip_lines {
	const char *chip;	/* for messages: "pinctrl-rp1 (/dev/gpiochip4)" */
	unsigned n_lines;	/* 0: unknown, offsets not checked */
	/* The offset of the line the chip calls name, or -1. */
	int (*offset_of)(void *ctx, const char *name);
	void *ctx;
};

/* For people: "GPIO17 (line 17)" once resolved, "GPIO17" before, "line 17"
 * for a line given by offset. Returns buf. */
const char *rig_line_describe(const struct rig_line *l, char *buf, size_t len);

/* True when the fixture gives any line by name. */
bool rig_fixture_has_named_lines(const struct rig_fixture *f);

/* Resolves every named line to its offset and checks every wired line:
 * 0, or -1 with err naming the fixture's file:line, the signal, the chip
 * and what to do. On failure f's lines are unchanged. */
int rig_fixture_resolve_lines(struct rig_fixture *f, const struct rig_chip_lines *chip,
			      struct rig_error *err);

/* The resolved names as "NAME=OFFSET NAME=OFFSET ..." (each name once),
 * for a recording: "" when no line is named. Returns the length, or -1
 * when buf is too small. */
int rig_fixture_line_names(const struct rig_fixture *f, char *buf, size_t len);

/* Resolves the named lines from such a list instead of a chip (the
 * offline analysis of a recording); offsets are not checked against a
 * chip's size. 0, or -1 with err. */
int rig_fixture_resolve_from_names(struct rig_fixture *f, const char *list, struct rig_error *err);

#endif
