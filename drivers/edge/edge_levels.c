#include "drivers/edge/edge_levels.h"

int edge_levels_init(struct edge_levels *lv, const struct edge_input_line *lines, size_t n,
		     const char *spec, struct rig_error *err)
{
	lv->n = 0;
	if (n == 0)
		return rig_error_set(err, NULL, 0, "edge input '%s': no lines requested", spec);
	if (n > EDGE_MAX_LINES)
		return rig_error_set(err, NULL, 0, "edge input '%s': %zu lines requested, at most %d", spec, n,
				     EDGE_MAX_LINES);
	for (size_t i = 0; i < n; i++) {
		if (edge_levels_has(lv, lines[i].offset))
			return rig_error_set(err, NULL, 0, "edge input '%s': line %u requested twice", spec,
					     lines[i].offset);
		lv->line[lv->n] = lines[i].offset;
		lv->active_low[lv->n] = lines[i].active_low;
		lv->level[lv->n++] = -1;
	}
	return 0;
}

static int index_of(const struct edge_levels *lv, uint32_t line)
{
	for (size_t i = 0; i < lv->n; i++)
		if (lv->line[i] == line)
			return (int)i;
	return -1;
}

bool edge_levels_has(const struct edge_levels *lv, uint32_t line)
{
	return index_of(lv, line) >= 0;
}

void edge_levels_set(struct edge_levels *lv, uint32_t line, int level)
{
	int i = index_of(lv, line);
	if (i >= 0)
		lv->level[i] = level;
}

int edge_levels_get(const struct edge_levels *lv, uint32_t line, const char *spec, struct rig_error *err)
{
	int i = index_of(lv, line);
	if (i < 0)
		return rig_error_set(err, NULL, 0, "edge input '%s': line %u was not requested", spec, line);
	if (lv->level[i] < 0)
		return rig_error_set(err, NULL, 0, "edge input '%s': level of line %u not known yet", spec, line);
	return lv->level[i];
}

void edge_levels_to_logical(const struct edge_levels *lv, struct capture_record *rec)
{
	if (rec->kind == CAPTURE_LEVEL) {
		int i = index_of(lv, rec->level.line);
		if (i >= 0 && lv->active_low[i])
			rec->level.value = !rec->level.value;
	} else if (rec->kind == CAPTURE_EDGE) {
		int i = index_of(lv, rec->edge.line);
		if (i >= 0 && lv->active_low[i])
			rec->edge.kind = rec->edge.kind == RIG_EDGE_RISING ? RIG_EDGE_FALLING
									  : RIG_EDGE_RISING;
	}
}

size_t edge_levels_unknown(const struct edge_levels *lv)
{
	size_t n = 0;
	for (size_t i = 0; i < lv->n; i++)
		n += lv->level[i] < 0;
	return n;
}
