/* gpiod:/dev/gpiochipN or gpiod:label=LABEL -- libgpiod v2 line request of
 * the fixture's lines:
 * inputs, both edges, CLOCK_MONOTONIC timestamps (the daemon's clock), no
 * debounce (it would delay and merge the meter's pulses), bias as wired,
 * active-low per line. The request fd goes into the daemon's poll loop;
 * events are read in batches and passed on with the kernel's sequence
 * numbers untouched, so a FIFO overflow shows up as a gap. */
#include "drivers/edge/edge_input.h"
#include "drivers/edge/edge_levels.h"
#include "drivers/edge/gpiod_probe.h"

#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's event FIFO for the request, in events. The kernel caps it
 * at GPIO_V2_LINES_MAX (64) x 16 = 1024 and, when full, drops the oldest
 * event (only the seqno gap tells). Sized for the fastest line: a meter's
 * pulse output at its finest Kh (10 Wh per pulse, 50 % duty) at 200 A gives
 * an edge every 0.75 s, so even a full request of 64 such lines fills 1024
 * only if the daemon stalls for about 12 s. (A reference standard's
 * tens-of-kHz pulse output would fill it in milliseconds: that is counted in
 * hardware, not here.) */
#define GPIOD_EVENT_FIFO 1024
#define GPIOD_BATCH 64		/* events per read call */

struct gpiod_in {
	struct gpiod_chip *chip;
	struct gpiod_line_request *req;
	struct gpiod_edge_event_buffer *events;
	struct edge_levels levels;
	char path[128];
	struct gpiod_line_request *out_req;	/* the heartbeat: its own request */
	unsigned out_offset;
};

static int gpiod_fail(struct edge_input *in, struct rig_error *err, const char *what)
{
	int e = errno;
	if (e == ENODEV)
		return rig_error_set(err, NULL, 0, "edge input '%s': gpio chip disappeared (ENODEV) while %s",
				     in->spec, what);
	return rig_error_set(err, NULL, 0, "edge input '%s': %s: %s", in->spec, what, strerror(e));
}

static struct gpiod_line_request *request_lines(struct edge_input *in, struct gpiod_chip *chip,
						const struct edge_input_line *lines, size_t n,
						struct rig_error *err)
{
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;
	if (!ls || !lc || !rc) {
		rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
		goto out;
	}
	gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT);
	gpiod_line_settings_set_edge_detection(ls, GPIOD_LINE_EDGE_BOTH);
	gpiod_line_settings_set_event_clock(ls, GPIOD_LINE_CLOCK_MONOTONIC);
	gpiod_line_settings_set_bias(ls, GPIOD_LINE_BIAS_AS_IS);
	gpiod_line_settings_set_debounce_period_us(ls, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned int offset = lines[i].offset;
		gpiod_line_settings_set_active_low(ls, lines[i].active_low);
		if (gpiod_line_config_add_line_settings(lc, &offset, 1, ls) < 0) {
			gpiod_fail(in, err, "configuring lines");
			goto out;
		}
	}
	gpiod_request_config_set_consumer(rc, "rigd");
	gpiod_request_config_set_event_buffer_size(rc, GPIOD_EVENT_FIFO);
	req = gpiod_chip_request_lines(chip, rc, lc);
	if (!req) {
		if (errno == EBUSY)
			rig_error_set(err, NULL, 0, "edge input '%s': a line is in use by another program", in->spec);
		else if (errno == EINVAL)
			rig_error_set(err, NULL, 0, "edge input '%s': a line offset is not on this chip (or bad settings)",
				      in->spec);
		else
			gpiod_fail(in, err, "requesting lines");
	}
out:
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(ls);
	return req;
}

static void gpiod_in_free(struct gpiod_in *g)
{
	if (g->events)
		gpiod_edge_event_buffer_free(g->events);
	if (g->req)
		gpiod_line_request_release(g->req);
	if (g->out_req)
		gpiod_line_request_release(g->out_req);
	if (g->chip)
		gpiod_chip_close(g->chip);
	free(g);
}

static int gpiod_open(struct edge_input *in, const char *args, const struct edge_input_line *lines,
		      size_t n_lines, struct rig_error *err)
{
	struct gpiod_in *g = calloc(1, sizeof(*g));
	if (!g)
		return rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
	/* a chip path, or label=LABEL: the chip's number may change between boots */
	if (edge_gpiod_find_chip(args, g->path, sizeof(g->path), err) < 0)
		goto fail;
	args = g->path;
	if (edge_levels_init(&g->levels, lines, n_lines, in->spec, err) < 0)
		goto fail;
	g->chip = gpiod_chip_open(args);
	if (!g->chip) {
		if (errno == ENOENT)
			rig_error_set(err, NULL, 0, "edge input '%s': gpio chip %s does not exist", in->spec, args);
		else if (errno == ENODEV || errno == ENOTTY)
			rig_error_set(err, NULL, 0, "edge input '%s': %s is not a gpio chip", in->spec, args);
		else
			gpiod_fail(in, err, "opening the gpio chip");
		goto fail;
	}
	g->req = request_lines(in, g->chip, lines, n_lines, err);
	if (!g->req)
		goto fail;
	g->events = gpiod_edge_event_buffer_new(GPIOD_BATCH);
	if (!g->events) {
		rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
		goto fail;
	}
	in->priv = g;
	return 0;
fail:
	gpiod_in_free(g);
	return -1;
}

static int gpiod_read(struct edge_input *in, struct rig_edge *buf, size_t max, struct rig_error *err)
{
	struct gpiod_in *g = in->priv;
	/* libgpiod's read blocks when nothing is queued: look first. */
	struct pollfd p = { .fd = gpiod_line_request_get_fd(g->req), .events = POLLIN };
	int ready = poll(&p, 1, 0);
	if (ready < 0)
		return errno == EINTR ? 0 : gpiod_fail(in, err, "polling for edges");
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
		errno = ENODEV;
		return gpiod_fail(in, err, "waiting for edges");
	}
	if (ready == 0 || max == 0)
		return 0;
	int n = gpiod_line_request_read_edge_events(g->req, g->events, max < GPIOD_BATCH ? max : GPIOD_BATCH);
	if (n < 0)
		return gpiod_fail(in, err, "reading edges");
	for (int i = 0; i < n; i++) {
		struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(g->events, (unsigned long)i);
		struct rig_edge *e = &buf[i];
		e->timestamp_ns = (int64_t)gpiod_edge_event_get_timestamp_ns(ev);
		e->line = gpiod_edge_event_get_line_offset(ev);
		e->kind = gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE ? RIG_EDGE_RISING
											       : RIG_EDGE_FALLING;
		e->global_seqno = gpiod_edge_event_get_global_seqno(ev);
		e->line_seqno = gpiod_edge_event_get_line_seqno(ev);
	}
	return n;
}

static int gpiod_level(struct edge_input *in, unsigned offset, struct rig_error *err)
{
	struct gpiod_in *g = in->priv;
	if (!edge_levels_has(&g->levels, offset))
		return rig_error_set(err, NULL, 0, "edge input '%s': line %u was not requested", in->spec, offset);
	/* A chip removed under the request shows to a fresh poll (a waiting
	 * one may never be woken), whatever the value ioctl does then. */
	struct pollfd p = { .fd = gpiod_line_request_get_fd(g->req), .events = POLLIN };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		errno = ENODEV;
		return gpiod_fail(in, err, "reading a line's level");
	}
	enum gpiod_line_value v = gpiod_line_request_get_value(g->req, offset);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return gpiod_fail(in, err, "reading a line's level");
	return v == GPIOD_LINE_VALUE_ACTIVE;
}

/* A fresh poll and a level read: both see a chip that went away. */
static int gpiod_check(struct edge_input *in, struct rig_error *err)
{
	const struct gpiod_in *g = in->priv;
	if (g->levels.n == 0)
		return 0;
	return gpiod_level(in, g->levels.line[0], err) < 0 ? -1 : 0;
}

/* One output line (the dead-man heartbeat) in a request of its own, driven
 * low at first. When the process ends the kernel releases it, the pulses
 * stop, and the relay it feeds drops: wire a pull-down so a floating line
 * reads low. */
static int request_output(struct edge_input *in, struct gpiod_in *g, unsigned offset,
			  struct rig_error *err)
{
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	int rv = -1;
	if (!ls || !lc || !rc) {
		rig_error_set(err, NULL, 0, "edge input '%s': out of memory", in->spec);
		goto out;
	}
	gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
	gpiod_line_settings_set_output_value(ls, GPIOD_LINE_VALUE_INACTIVE);
	if (gpiod_line_config_add_line_settings(lc, &offset, 1, ls) < 0) {
		gpiod_fail(in, err, "configuring the output line");
		goto out;
	}
	gpiod_request_config_set_consumer(rc, "rigd-heartbeat");
	g->out_req = gpiod_chip_request_lines(g->chip, rc, lc);
	if (!g->out_req) {
		if (errno == EBUSY)
			rig_error_set(err, NULL, 0, "edge input '%s': output line %u is in use by another program",
				      in->spec, offset);
		else
			gpiod_fail(in, err, "requesting the output line");
		goto out;
	}
	g->out_offset = offset;
	rv = 0;
out:
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(ls);
	return rv;
}

static int gpiod_set_output(struct edge_input *in, unsigned offset, bool active, struct rig_error *err)
{
	struct gpiod_in *g = in->priv;
	if (edge_levels_has(&g->levels, offset))
		return rig_error_set(err, NULL, 0, "edge input '%s': line %u is an input", in->spec, offset);
	if (!g->out_req && request_output(in, g, offset, err) < 0)
		return -1;
	if (offset != g->out_offset)
		return rig_error_set(err, NULL, 0, "edge input '%s': one output line (%u), not %u",
				     in->spec, g->out_offset, offset);
	if (gpiod_line_request_set_value(g->out_req, offset,
					 active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
		return gpiod_fail(in, err, "setting the output line");
	return 0;
}

static int gpiod_fd(const struct edge_input *in)
{
	const struct gpiod_in *g = in->priv;
	return gpiod_line_request_get_fd(g->req);
}

static void gpiod_close(struct edge_input *in)
{
	if (in->priv)
		gpiod_in_free(in->priv);
	in->priv = NULL;
}

const struct edge_input_ops edge_input_gpiod_ops = {
	.scheme = "gpiod",
	.open = gpiod_open,
	.read = gpiod_read,
	.level = gpiod_level,
	.fd = gpiod_fd,
	.close = gpiod_close,
	.check = gpiod_check,
	.set_output = gpiod_set_output,
};
