/* The subscribed lines of an edge input and the last level known for each
 * (from a V line, an edge, or the chip). Shared by the edge inputs. */
#ifndef RIG_DRIVERS_EDGE_LEVELS_H
#define RIG_DRIVERS_EDGE_LEVELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/edge/capture.h"
#include "drivers/edge/edge_input.h"

#define EDGE_MAX_LINES 64	/* the kernel's GPIO_V2_LINES_MAX */

struct edge_levels {
	size_t n;
	uint32_t line[EDGE_MAX_LINES];
	int level[EDGE_MAX_LINES];	/* -1 unknown; logical (active-low applied) */
	bool active_low[EDGE_MAX_LINES];
};

/* -1 with err on too many or repeated lines. */
int edge_levels_init(struct edge_levels *lv, const struct edge_input_line *lines, size_t n,
		     const char *spec, struct rig_error *err);
bool edge_levels_has(const struct edge_levels *lv, uint32_t line);
void edge_levels_set(struct edge_levels *lv, uint32_t line, int level);
/* 0/1, or -1 with err (not subscribed, not known yet). */
int edge_levels_get(const struct edge_levels *lv, uint32_t line, const char *spec, struct rig_error *err);
/* A capture record as on the wire (electrical levels, as rig-sim and a
 * capture file give them) made logical with the line's active-low, the way
 * the kernel does it for gpiod: the level inverted, rising and falling
 * swapped. Every input then delivers the same meaning for the same wire. */
void edge_levels_to_logical(const struct edge_levels *lv, struct capture_record *rec);
/* Lines whose level is still unknown. */
size_t edge_levels_unknown(const struct edge_levels *lv);

#endif
