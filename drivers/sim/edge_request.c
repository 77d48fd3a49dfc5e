/* Kernel-style sequence numbers over a set of lines. */
#include "drivers/sim/edge_request.h"

#include <string.h>

void sim_edge_request_init(struct sim_edge_request *r)
{
	memset(r, 0, sizeof(*r));
}

static int index_of(const struct sim_edge_request *r, uint32_t line)
{
	for (size_t i = 0; i < r->n_lines; i++)
		if (r->lines[i] == line)
			return (int)i;
	return -1;
}

bool sim_edge_request_has(const struct sim_edge_request *r, uint32_t line)
{
	return index_of(r, line) >= 0;
}

int sim_edge_request_add(struct sim_edge_request *r, uint32_t line)
{
	if (index_of(r, line) >= 0)
		return 0;
	if (r->n_lines == SIM_REQUEST_MAX_LINES)
		return -1;
	r->lines[r->n_lines++] = line;
	return 0;
}

int sim_edge_request_number(struct sim_edge_request *r, int64_t ts, uint32_t line,
			    enum rig_edge_kind kind, struct rig_edge *e)
{
	int i = index_of(r, line);
	if (i < 0)
		return 0;
	r->global_seqno++;
	r->line_seqno[i]++;
	if (r->lose > 0) {
		r->lose--;
		return 0;
	}
	e->timestamp_ns = ts;
	e->global_seqno = r->global_seqno;
	e->line_seqno = r->line_seqno[i];
	e->line = line;
	e->kind = kind;
	return 1;
}
