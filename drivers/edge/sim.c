/* sim:HOST:PORT -- the bench simulator's edge socket. The client sends
 * `SUB <line> ...`, the server answers with one V line per line, then
 * streams E lines (CAPTURE.md). Partial lines are kept until their newline;
 * the end of the stream is a disconnected simulator, an error. */
#include "drivers/edge/capture.h"
#include "drivers/edge/edge_input.h"
#include "drivers/edge/edge_levels.h"
#include "drivers/transport/transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_HELLO_TIMEOUT_MS 3000	/* for the V lines after SUB */
#define SIM_MAX_PENDING 65536		/* edges parsed but not yet read */

struct sim {
	struct transport *tr;
	struct capture_reader reader;
	struct edge_levels levels;
	char rx[CAPTURE_MAX_LINE * 8];
	size_t rx_len;
	struct rig_edge *pending;	/* a FIFO: [head, tail) */
	size_t head, tail, cap;
	bool broken;			/* stream error: every later read fails */
	struct rig_error broken_err;
};

static int push_edge(struct sim *s, const struct rig_edge *e)
{
	if (s->head > 0 && s->tail == s->cap) {
		memmove(s->pending, s->pending + s->head, (s->tail - s->head) * sizeof(*e));
		s->tail -= s->head;
		s->head = 0;
	}
	if (s->tail == s->cap) {
		if (s->cap >= SIM_MAX_PENDING)
			return -1;
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct rig_edge *p = realloc(s->pending, cap * sizeof(*p));
		if (!p)
			return -1;
		s->pending = p;
		s->cap = cap;
	}
	s->pending[s->tail++] = *e;
	return 0;
}

static int handle_line(struct edge_input *in, const char *line, struct rig_error *err)
{
	struct sim *s = in->priv;
	struct capture_record rec;
	if (capture_reader_line(&s->reader, line, &rec, err) < 0)
		return -1;
	edge_levels_to_logical(&s->levels, &rec);
	if (rec.kind == CAPTURE_LEVEL) {
		if (!edge_levels_has(&s->levels, rec.level.line))
			return rig_error_set(err, s->reader.name, s->reader.line_no,
					     "level of line %u, which was not subscribed", rec.level.line);
		edge_levels_set(&s->levels, rec.level.line, rec.level.value);
	} else if (rec.kind == CAPTURE_EDGE) {
		if (!edge_levels_has(&s->levels, rec.edge.line))
			return rig_error_set(err, s->reader.name, s->reader.line_no,
					     "edge on line %u, which was not subscribed", rec.edge.line);
		edge_levels_set(&s->levels, rec.edge.line, rec.edge.kind == RIG_EDGE_RISING);
		if (push_edge(s, &rec.edge) < 0)
			return rig_error_set(err, s->reader.name, s->reader.line_no,
					     "more than %d edges waiting to be read", SIM_MAX_PENDING);
	}
	return 0;
}

/* Reads what the socket has, parses complete lines. */
static int pull(struct edge_input *in, struct rig_error *err)
{
	struct sim *s = in->priv;
	for (;;) {
		ssize_t n = s->tr->ops->read(s->tr, s->rx + s->rx_len, sizeof(s->rx) - s->rx_len, err);
		if (n < 0) {
			char why[sizeof(err->msg)];
			snprintf(why, sizeof(why), "%s", err->msg);
			return rig_error_set(err, NULL, 0, "edge input '%s': simulator disconnected (%.300s)", in->spec,
					     why);
		}
		if (n == 0)
			return 0;
		s->rx_len += (size_t)n;
		char *start = s->rx, *nl;
		while ((nl = memchr(start, '\n', s->rx_len - (size_t)(start - s->rx)))) {
			*nl = '\0';
			if (handle_line(in, start, err) < 0)
				return -1;
			start = nl + 1;
		}
		s->rx_len -= (size_t)(start - s->rx);
		memmove(s->rx, start, s->rx_len);
		if (s->rx_len == sizeof(s->rx))
			return rig_error_set(err, s->reader.name, s->reader.line_no + 1, "line too long");
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Blocks (bounded) until every subscribed line's level has come. */
static int wait_levels(struct edge_input *in, struct rig_error *err)
{
	struct sim *s = in->priv;
	int64_t end = now_ms() + SIM_HELLO_TIMEOUT_MS;
	while (edge_levels_unknown(&s->levels) > 0) {
		int64_t left = end - now_ms();
		if (left <= 0)
			return rig_error_set(err, NULL, 0,
					     "edge input '%s': no level for %zu subscribed line(s) within %d s after SUB",
					     in->spec, edge_levels_unknown(&s->levels), SIM_HELLO_TIMEOUT_MS / 1000);
		struct pollfd p = { .fd = s->tr->ops->fd(s->tr), .events = POLLIN };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return rig_error_set(err, NULL, 0, "edge input '%s': poll: %s", in->spec, strerror(errno));
		if (pull(in, err) < 0)
			return -1;
	}
	return 0;
}

static void sim_free(struct sim *s)
{
	transport_close(s->tr);
	free(s->pending);
	free(s);
}

static int sim_open(struct edge_input *in, const char *args, const struct edge_input_line *lines,
		    size_t n_lines, struct rig_error *err)
{
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
	in->priv = s;
	capture_reader_init(&s->reader, in->spec);
	char spec[160], sub[8 + EDGE_MAX_LINES * 11];
	snprintf(spec, sizeof(spec), "tcp:%s", args);
	int len = snprintf(sub, sizeof(sub), "SUB");
	if (edge_levels_init(&s->levels, lines, n_lines, in->spec, err) < 0)
		goto fail;
	for (size_t i = 0; i < n_lines; i++)
		len += snprintf(sub + len, sizeof(sub) - (size_t)len, " %u", lines[i].offset);
	len += snprintf(sub + len, sizeof(sub) - (size_t)len, "\n");
	if (!(s->tr = transport_open(spec, err))) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		rig_error_set(err, NULL, 0, "edge input '%s': %.300s", in->spec, why);
		goto fail;
	}
	if (transport_write(s->tr, sub, (size_t)len, err) < 0 || wait_levels(in, err) < 0)
		goto fail;
	return 0;
fail:
	sim_free(s);
	in->priv = NULL;
	return -1;
}

static int sim_read(struct edge_input *in, struct rig_edge *buf, size_t max, struct rig_error *err)
{
	struct sim *s = in->priv;
	if (!s->broken && s->head == s->tail && pull(in, &s->broken_err) < 0)
		s->broken = true;
	size_t n = 0;
	while (n < max && s->head < s->tail)
		buf[n++] = s->pending[s->head++];
	if (n == 0 && s->broken) {
		*err = s->broken_err;	/* edges before the failure were delivered first */
		return -1;
	}
	return (int)n;
}

static int sim_level(struct edge_input *in, unsigned offset, struct rig_error *err)
{
	struct sim *s = in->priv;
	return edge_levels_get(&s->levels, offset, in->spec, err);
}

/* The simulator's edge socket takes `OUT <line> <0|1>` for output lines. */
static int sim_set_output(struct edge_input *in, unsigned offset, bool active, struct rig_error *err)
{
	struct sim *s = in->priv;
	if (edge_levels_has(&s->levels, offset))
		return rig_error_set(err, NULL, 0, "edge input '%s': line %u is an input", in->spec, offset);
	char line[48];
	int n = snprintf(line, sizeof(line), "OUT %u %d\n", offset, active ? 1 : 0);
	struct rig_error terr = { 0 };
	if (transport_write(s->tr, line, (size_t)n, &terr) < 0)
		return rig_error_set(err, NULL, 0, "edge input '%s': output line %u: %.300s", in->spec,
				     offset, terr.msg);
	return 0;
}

static int sim_fd(const struct edge_input *in)
{
	const struct sim *s = in->priv;
	return s->tr->ops->fd(s->tr);
}

static void sim_close(struct edge_input *in)
{
	if (in->priv)
		sim_free(in->priv);
	in->priv = NULL;
}

const struct edge_input_ops edge_input_sim_ops = {
	.scheme = "sim",
	.open = sim_open,
	.read = sim_read,
	.level = sim_level,
	.fd = sim_fd,
	.close = sim_close,
	.set_output = sim_set_output,
};
