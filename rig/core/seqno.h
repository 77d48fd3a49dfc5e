/* Sequence-number bookkeeping for one line request: the kernel numbers
 * every edge event per request (global) and per line, from 1, and drops the
 * oldest events when its FIFO overflows; only the gaps show the loss.
 * Repeated or backwards numbers mean a replayed or misread event. */
#ifndef RIG_CORE_SEQNO_H
#define RIG_CORE_SEQNO_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"

#define RIG_SEQNO_MAX_LINES 64

enum rig_seqno_status {
	RIG_SEQNO_OK,
	RIG_SEQNO_GAP,		/* events were lost before this one (it is still good) */
	RIG_SEQNO_REPEAT,	/* repeated or backwards: drop this event */
};

struct rig_seqno_report {
	enum rig_seqno_status status;
	uint64_t lost_global;	/* events lost on the request before this one */
	uint64_t lost_line;	/* of them, on this event's line */
};

struct rig_seqno {
	bool started;
	uint64_t last_global;
	int n_lines;
	uint32_t line[RIG_SEQNO_MAX_LINES];
	uint64_t last_line_seqno[RIG_SEQNO_MAX_LINES];
	uint64_t lost_line[RIG_SEQNO_MAX_LINES];
	uint64_t total_lost;	/* global */
	uint64_t total_repeats;
};

void rig_seqno_init(struct rig_seqno *t);

/* Checks e against what came before on its request and line. Returns the
 * status (also in ret when not NULL). Lines beyond RIG_SEQNO_MAX_LINES are
 * checked on the global number only. */
enum rig_seqno_status rig_seqno_check(struct rig_seqno *t, const struct rig_edge *e,
				      struct rig_seqno_report *ret);

/* Events lost so far on one line (from line seqno gaps). */
uint64_t rig_seqno_lost_on_line(const struct rig_seqno *t, uint32_t line);

#endif
