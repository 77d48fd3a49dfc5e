/* Finding and probing a gpio chip for the fixture, without taking it:
 * by path (/dev/gpiochip0) or by label (label=pinctrl-bcm2711), the chip's
 * lines and whether another program holds them. Used by gpiod.c to open
 * the chip and by `rigctl fixture check --live`. */
#ifndef RIG_DRIVERS_EDGE_GPIOD_PROBE_H
#define RIG_DRIVERS_EDGE_GPIOD_PROBE_H

#include <stddef.h>
#include <stdio.h>

#include "drivers/edge/edge_input.h"
#include "rig/core/error.h"
#include "rig/core/fixture.h"

/* args: a chip path, or label=LABEL (the first /dev/gpiochip* with that
 * label). Fills path; 0, or -1 with err saying what is missing. */
int edge_gpiod_find_chip(const char *args, char *path, size_t len, struct rig_error *err);

/* The fixture's gpiod chip (its input's path or label) opened, every line
 * it names given the chip's offset for that name
 * (gpiod_chip_get_line_offset_from_name) and every line checked to be on
 * the chip and wired once (rig_fixture_resolve_lines). 0, or -1 with err
 * naming the fixture's file:line and the chip. */
int edge_gpiod_resolve_fixture(struct rig_fixture *f, struct rig_error *err);

/* Reports on out, one line each: the chip (path, name, label, line count),
 * then every line: on the chip, its name, free or held by whom. 0 when
 * the chip is there and every line exists and is free; -1 (err says the
 * first problem) otherwise. */
int edge_gpiod_probe(const char *args, const struct edge_input_line *lines, size_t n_lines,
		     FILE *out, struct rig_error *err);

#endif
