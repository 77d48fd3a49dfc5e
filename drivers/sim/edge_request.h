/* Sequence numbering of edges the way a kernel GPIO line request does it:
 * one global counter over the request's lines and one per line, both
 * starting at 1. A "lose N" fault consumes numbers without delivering the
 * edges, so the loss shows as a gap, exactly as a FIFO overflow would. */
#ifndef RIG_SIM_EDGE_REQUEST_H
#define RIG_SIM_EDGE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/edge.h"

#define SIM_REQUEST_MAX_LINES 64	/* as the kernel's line request */

struct sim_edge_request {
	uint32_t lines[SIM_REQUEST_MAX_LINES];
	uint64_t line_seqno[SIM_REQUEST_MAX_LINES];
	size_t n_lines;
	uint64_t global_seqno;
	uint64_t lose;		/* edges still to drop */
};

void sim_edge_request_init(struct sim_edge_request *r);
/* Adds a line (duplicates ignored). Returns 0, or -1 when full. */
int sim_edge_request_add(struct sim_edge_request *r, uint32_t line);
bool sim_edge_request_has(const struct sim_edge_request *r, uint32_t line);

/* Numbers an edge on a line of the request: fills e's seqnos and returns 1
 * to deliver it, 0 when the line is not requested or the edge is lost. */
int sim_edge_request_number(struct sim_edge_request *r, int64_t ts, uint32_t line,
			    enum rig_edge_kind kind, struct rig_edge *e);

#endif
