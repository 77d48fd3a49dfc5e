#include "rig/core/seqno.h"

#include <string.h>

void rig_seqno_init(struct rig_seqno *t)
{
	memset(t, 0, sizeof(*t));
}

static int line_slot(struct rig_seqno *t, uint32_t line)
{
	for (int i = 0; i < t->n_lines; i++)
		if (t->line[i] == line)
			return i;
	if (t->n_lines == RIG_SEQNO_MAX_LINES)
		return -1;
	t->line[t->n_lines] = line;
	t->last_line_seqno[t->n_lines] = 0;
	t->lost_line[t->n_lines] = 0;
	return t->n_lines++;
}

enum rig_seqno_status rig_seqno_check(struct rig_seqno *t, const struct rig_edge *e,
				      struct rig_seqno_report *ret)
{
	struct rig_seqno_report r = { RIG_SEQNO_OK, 0, 0 };
	int slot = line_slot(t, e->line);
	uint64_t last_line = slot >= 0 ? t->last_line_seqno[slot] : 0;
	/* numbering starts at 1: a first event numbered 5 means 4 were lost */
	if (e->global_seqno <= t->last_global || (slot >= 0 && e->line_seqno <= last_line)) {
		r.status = RIG_SEQNO_REPEAT;
		t->total_repeats++;
	} else {
		r.lost_global = e->global_seqno - t->last_global - 1;
		if (slot >= 0)
			r.lost_line = e->line_seqno - last_line - 1;
		if (r.lost_global || r.lost_line)
			r.status = RIG_SEQNO_GAP;
		t->total_lost += r.lost_global;
		t->last_global = e->global_seqno;
		if (slot >= 0) {
			t->last_line_seqno[slot] = e->line_seqno;
			t->lost_line[slot] += r.lost_line;
		}
	}
	t->started = true;
	if (ret)
		*ret = r;
	return r.status;
}

uint64_t rig_seqno_lost_on_line(const struct rig_seqno *t, uint32_t line)
{
	for (int i = 0; i < t->n_lines; i++)
		if (t->line[i] == line)
			return t->lost_line[i];
	return 0;
}
