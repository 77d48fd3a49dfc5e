/* rigctl fixture check --live: the fixture file's hardware, probed. The
 * syntax check says nothing about a missing serial adapter or gpio chip;
 * this opens them the way rigd would and says what answered. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "drivers/edge/edge_input.h"
#include "drivers/edge/gpiod_probe.h"
#include "drivers/transport/transport.h"
#include "rig/rigctl/commands.h"

#define IDN_TIMEOUT_DEFAULT_S 2.0

/* gpiod: each line looked at without taking it; other inputs (sim,
 * replay): opened with every line, as rigd opens them. */
static int probe_edges(struct rig_fixture *f)
{
	struct edge_input_line lines[EDGE_INPUT_FIXTURE_LINES] = { { 0 } };
	struct rig_error err = { 0 };
	int r;
	/* the chip's offsets for the lines named, as rigd resolves them */
	if (!strncmp(f->edge_input, "gpiod:", 6) && edge_gpiod_resolve_fixture(f, &err) < 0) {
		char buf[800];
		printf("edges %s: FAILED: %s\n", f->edge_input, rig_error_format(&err, buf, sizeof(buf)));
		return -1;
	}
	size_t n = edge_input_fixture_lines(f, lines);
	if (!strncmp(f->edge_input, "gpiod:", 6)) {
		edge_input_add_line(lines, &n, &f->heartbeat);	/* an output, but it must be free too */
		r = edge_gpiod_probe(f->edge_input + 6, lines, n, stdout, &err);
	} else {
		struct edge_input *in = edge_input_open(f->edge_input, lines, n, &err);
		r = in ? 0 : -1;
		edge_input_close(in);
	}
	if (r < 0)
		printf("edges %s: FAILED: %s\n", f->edge_input, err.msg);
	else
		printf("edges %s: ok, %zu lines\n", f->edge_input, n);
	return r;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends *IDN? and reads one line within the fixture's reply timeout. */
static int query_idn(struct transport *tr, double timeout_s, char *reply, size_t len,
		     struct rig_error *err)
{
	static const char q[] = "*IDN?\n";
	if (transport_write(tr, q, sizeof(q) - 1, err) < 0)
		return -1;
	size_t got = 0;
	double end = now_s() + timeout_s;
	while (now_s() < end) {
		struct pollfd pfd = { .fd = tr->ops->fd(tr), .events = POLLIN };
		int ms = (int)((end - now_s()) * 1000) + 1;
		if (poll(&pfd, 1, ms) < 0)
			break;
		ssize_t k = tr->ops->read(tr, reply + got, len - 1 - got, err);
		if (k < 0)
			return -1;
		got += (size_t)k;
		reply[got] = '\0';
		char *nl = strpbrk(reply, "\r\n");
		if (nl) {
			*nl = '\0';
			return got > 1 ? 0 : rig_error_set(err, NULL, 0, "empty reply to *IDN?");
		}
		if (got + 1 >= len)
			return 0;
	}
	return rig_error_set(err, NULL, 0, "no reply to *IDN? within %g s", timeout_s);
}

static int probe_source(const struct rig_fixture *f)
{
	struct rig_error err = { 0 };
	char idn[200] = "";
	struct transport *tr = transport_open(f->source_transport, &err);
	int r = tr ? query_idn(tr, f->reply_timeout_s > 0 ? f->reply_timeout_s
							  : IDN_TIMEOUT_DEFAULT_S,
			       idn, sizeof(idn), &err)
		   : -1;
	transport_close(tr);
	if (r < 0)
		printf("source %s: FAILED: %s\n", f->source_transport, err.msg);
	else
		printf("source %s: ok, *IDN? %s\n", f->source_transport, idn);
	return r;
}

int fixture_probe_live(struct rig_fixture *f)
{
	int bad = probe_edges(f) < 0;
	bad += probe_source(f) < 0;
	printf("live check: %s\n", bad ? "FAILED" : "ok");
	return bad ? -1 : 0;
}
