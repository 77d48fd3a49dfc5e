/* Opens an edge input by spec: the scheme before the first ':' picks the ops. */
#include "drivers/edge/edge_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct edge_input_ops *const edge_input_table[] = {
	&edge_input_gpiod_ops,
	&edge_input_sim_ops,
	&edge_input_replay_ops,
};

struct edge_input *edge_input_open(const char *spec, const struct edge_input_line *lines,
				   size_t n_lines, struct rig_error *err)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;
	if (!colon) {
		rig_error_set(err, NULL, 0, "edge input '%s': expected gpiod:CHIP, sim:HOST:PORT or replay:PATH",
			      spec ? spec : "");
		return NULL;
	}
	const struct edge_input_ops *ops = NULL;
	size_t len = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof(edge_input_table) / sizeof(edge_input_table[0]); i++)
		if (strlen(edge_input_table[i]->scheme) == len && strncmp(edge_input_table[i]->scheme, spec, len) == 0)
			ops = edge_input_table[i];
	if (!ops) {
		rig_error_set(err, NULL, 0, "edge input '%s': unknown scheme '%.*s' (gpiod, sim, replay)", spec,
			      (int)len, spec);
		return NULL;
	}
	if (strlen(spec) >= sizeof(((struct edge_input *)0)->spec)) {
		rig_error_set(err, NULL, 0, "edge input '%.40s...': spec too long", spec);
		return NULL;
	}
	struct edge_input *in = calloc(1, sizeof(*in));
	if (!in) {
		rig_error_set(err, NULL, 0, "edge input '%s': out of memory", spec);
		return NULL;
	}
	in->ops = ops;
	snprintf(in->spec, sizeof(in->spec), "%s", spec);
	if (ops->open(in, colon + 1, lines, n_lines, err) < 0) {
		free(in);
		return NULL;
	}
	return in;
}

void edge_input_close(struct edge_input *in)
{
	if (!in)
		return;
	in->ops->close(in);
	free(in);
}

int edge_input_check(struct edge_input *in, struct rig_error *err)
{
	return in->ops->check ? in->ops->check(in, err) : 0;
}

int edge_input_set_output(struct edge_input *in, unsigned offset, bool active, struct rig_error *err)
{
	if (!in->ops->set_output)
		return rig_error_set(err, NULL, 0, "edge input '%s': %s inputs have no output lines",
				     in->spec, in->ops->scheme);
	return in->ops->set_output(in, offset, active, err);
}

void edge_input_add_line(struct edge_input_line *lines, size_t *n, const struct rig_line *l)
{
	if (l->line < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (lines[i].offset == (unsigned)l->line)
			return;
	lines[*n].offset = (unsigned)l->line;
	lines[*n].active_low = l->active_low;
	(*n)++;
}

size_t edge_input_fixture_lines(const struct rig_fixture *f, struct edge_input_line *lines)
{
	size_t n = 0;
	for (int p = 0; p < f->n_positions; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			edge_input_add_line(lines, &n, &f->pos[p][s]);
	edge_input_add_line(lines, &n, &f->ref_line);
	edge_input_add_line(lines, &n, &f->interlock);
	return n;
}
