/* replay:PATH -- a recorded capture read back as an edge input. The whole
 * file is checked at open (a bad line is an error naming file:line before
 * any edge is delivered); edges then come out in batches as fast as they
 * are read, with their recorded timestamps and sequence numbers. */
#include "drivers/edge/capture.h"
#include "drivers/edge/edge_input.h"
#include "drivers/edge/edge_levels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct replay {
	struct capture_record *rec;	/* E and V records of requested lines, in file order */
	size_t n, cap, cursor;
	struct edge_levels levels;
	int fd;				/* eventfd: readable until the end */
	bool done;
};

static int keep(struct replay *r, const struct capture_record *rec)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct capture_record *p = realloc(r->rec, cap * sizeof(*p));
		if (!p)
			return -1;
		r->rec = p;
		r->cap = cap;
	}
	r->rec[r->n++] = *rec;
	return 0;
}

static int load(struct replay *r, const char *path, struct rig_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rig_error_set(err, path, 0, "cannot open capture: %s", strerror(errno));
	struct capture_reader rd;
	capture_reader_init(&rd, path);
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t len;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &line_cap, f)) >= 0) {
		bool complete = len > 0 && line[len - 1] == '\n';
		if (complete)
			line[--len] = '\0';
		struct capture_record rec;
		if (capture_reader_line_n(&rd, line, (size_t)len, &rec, err) < 0) {
			/* A last line without its newline that does not parse was
			 * cut short by a crash of the recorder: left out. */
			if (complete)
				rc = -1;
			break;
		}
		edge_levels_to_logical(&r->levels, &rec);
		uint32_t ln = rec.kind == CAPTURE_EDGE ? rec.edge.line : rec.level.line;
		if (rec.kind != CAPTURE_SKIP && edge_levels_has(&r->levels, ln) && keep(r, &rec) < 0)
			rc = rig_error_set(err, path, rd.line_no, "out of memory");
	}
	if (rc == 0 && ferror(f))
		rc = rig_error_set(err, path, 0, "read error: %s", strerror(errno));
	free(line);
	fclose(f);
	return rc;
}

/* Applies V records up to the next E: the levels known "now". */
static void take_levels(struct replay *r)
{
	while (r->cursor < r->n && r->rec[r->cursor].kind == CAPTURE_LEVEL) {
		const struct capture_level *v = &r->rec[r->cursor++].level;
		edge_levels_set(&r->levels, v->line, v->value);
	}
}

static void finish(struct replay *r)
{
	if (r->done)
		return;
	r->done = true;
	uint64_t v;
	if (read(r->fd, &v, sizeof(v)) < 0) {
		/* already reset: nothing to do */
	}
}

static int replay_open(struct edge_input *in, const char *args, const struct edge_input_line *lines,
		       size_t n_lines, struct rig_error *err)
{
	struct replay *r = calloc(1, sizeof(*r));
	if (!r)
		return rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
	if (edge_levels_init(&r->levels, lines, n_lines, in->spec, err) < 0 || load(r, args, err) < 0) {
		free(r->rec);
		free(r);
		return -1;
	}
	r->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->fd < 0) {
		free(r->rec);
		free(r);
		return rig_error_set(err, NULL, 0, "edge input '%s': eventfd: %s", in->spec, strerror(errno));
	}
	take_levels(r);
	in->priv = r;
	return 0;
}

static int replay_read(struct edge_input *in, struct rig_edge *buf, size_t max, struct rig_error *err)
{
	(void)err;
	struct replay *r = in->priv;
	size_t n = 0;
	while (n < max && r->cursor < r->n) {
		const struct rig_edge *e = &r->rec[r->cursor++].edge;
		buf[n++] = *e;
		edge_levels_set(&r->levels, e->line, e->kind == RIG_EDGE_RISING);
		take_levels(r);
	}
	if (r->cursor == r->n)
		finish(r);
	return (int)n;
}

static int replay_level(struct edge_input *in, unsigned offset, struct rig_error *err)
{
	struct replay *r = in->priv;
	return edge_levels_get(&r->levels, offset, in->spec, err);
}

static int replay_fd(const struct edge_input *in)
{
	const struct replay *r = in->priv;
	return r->fd;
}

static void replay_close(struct edge_input *in)
{
	struct replay *r = in->priv;
	if (!r)
		return;
	close(r->fd);
	free(r->rec);
	free(r);
	in->priv = NULL;
}

const struct edge_input_ops edge_input_replay_ops = {
	.scheme = "replay",
	.open = replay_open,
	.read = replay_read,
	.level = replay_level,
	.fd = replay_fd,
	.close = replay_close,
};

bool edge_input_replay_done(const struct edge_input *in)
{
	if (!in || in->ops != &edge_input_replay_ops)
		return false;
	const struct replay *r = in->priv;
	return r->done;
}
