/* Server-Sent Events: each browser stream is one subscribed client of the
 * control socket. It relays the socket's events as they come, rigd's
 * status every second (interlock, source, run) and, for the current or
 * last run, the run as stored ("snapshot"), so a browser that reconnects
 * shows the true state at once. */
#include "rig/rigd/panel_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/jsonl.h"
#include "rig/common/timeutil.h"
#include "rig/rigctl/client.h"

#define STATUS_EVERY_NS 1000000000LL
#define WAIT_SLICE_MS 250		/* how often a waiting stream looks at `stopping` */
#define MAX_PENDING 8

enum pending { PENDING_SUBSCRIBE, PENDING_STATUS, PENDING_SNAPSHOT };

struct stream {
	struct panel *p;
	struct rig_client c;
	char *buf;			/* SSE text not yet taken by libmicrohttpd */
	size_t len, off, cap;
	enum pending pending[MAX_PENDING];	/* requests sent, replies awaited, in order */
	int n_pending;
	int64_t next_status_ns;
	char snapshot_of[64];		/* run whose snapshot was last asked for */
};

static int append(struct stream *s, const char *text)
{
	size_t n = strlen(text);
	if (s->off == s->len)
		s->off = s->len = 0;
	if (s->len + n > s->cap) {
		size_t cap = (s->len + n) * 2;
		char *nb = realloc(s->buf, cap);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	return 0;
}

static int send_event(struct stream *s, const char *name, const cJSON *data)
{
	char *line = cJSON_PrintUnformatted(data);
	if (!line)
		return -1;
	int rc = append(s, "event: ") | append(s, name) | append(s, "\ndata: ") | append(s, line) |
		 append(s, "\n\n");
	free(line);
	return rc;
}

static int ask(struct stream *s, enum pending what, cJSON *req)
{
	int rc = s->n_pending < MAX_PENDING ? rig_client_send(&s->c, req) : -1;
	cJSON_Delete(req);
	if (rc == 0)
		s->pending[s->n_pending++] = what;
	return rc;
}

static int ask_cmd(struct stream *s, enum pending what, const char *cmd)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	return ask(s, what, req);
}

static int ask_snapshot(struct stream *s, const char *run)
{
	if (!run || !run[0])
		return 0;
	snprintf(s->snapshot_of, sizeof(s->snapshot_of), "%s", run);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "run");
	cJSON_AddStringToObject(req, "run", run);
	return ask(s, PENDING_SNAPSHOT, req);
}

/* The run the status names (running, else the last), when its snapshot
 * was not asked for yet: once per run and stream. */
static int snapshot_if_new(struct stream *s, const cJSON *status)
{
	const cJSON *run = cJSON_GetObjectItem(status, "run");
	const char *id = rig_json_str(run, "id", NULL);
	if (!id)
		id = rig_json_str(cJSON_GetObjectItem(status, "last"), "run", NULL);
	if (!id || strcmp(id, s->snapshot_of) == 0)
		return 0;
	return ask_snapshot(s, id);
}

static int on_reply(struct stream *s, const cJSON *msg)
{
	if (s->n_pending == 0)
		return 0;
	enum pending what = s->pending[0];
	memmove(s->pending, s->pending + 1, sizeof(s->pending[0]) * (size_t)--s->n_pending);
	if (what == PENDING_STATUS)
		return send_event(s, "status", msg) | snapshot_if_new(s, msg);
	if (what == PENDING_SNAPSHOT && cJSON_IsTrue(cJSON_GetObjectItem(msg, "ok")))
		return send_event(s, "snapshot", cJSON_GetObjectItem(msg, "run"));
	return 0;
}

static int on_message(struct stream *s, const cJSON *msg)
{
	const char *event = rig_json_str(msg, "event", NULL);
	if (!event)
		return on_reply(s, msg);
	if (send_event(s, event, msg) < 0)
		return -1;
	/* The end is stored when "done" is sent: the verdicts as stored. */
	if (strcmp(event, "done") == 0)
		return ask_snapshot(s, rig_json_str(msg, "run", ""));
	return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	while (s->off == s->len) {
		if (atomic_load(&s->p->stopping))
			return MHD_CONTENT_READER_END_OF_STREAM;
		int64_t now = rig_monotonic_ns();
		if (now >= s->next_status_ns) {
			s->next_status_ns = now + STATUS_EVERY_NS;
			if (ask_cmd(s, PENDING_STATUS, "status") < 0)
				return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		cJSON *msg = NULL;
		int r = rig_client_next(&s->c, WAIT_SLICE_MS, &msg);
		if (r < 0)	/* rigd is stopping: the browser comes back */
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (r == 0)
			continue;
		int rc = on_message(s, msg);
		cJSON_Delete(msg);
		if (rc < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	size_t n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(out, s->buf + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	rig_client_close(&s->c);
	atomic_fetch_sub(&s->p->streams, 1);
	free(s->buf);
	free(s);
}

enum MHD_Result panel_stream(struct panel *p, struct MHD_Connection *conn)
{
	if (atomic_fetch_add(&p->streams, 1) >= PANEL_MAX_STREAMS) {
		atomic_fetch_sub(&p->streams, 1);
		return panel_send_error(conn, 503, "too many live panels; try again later");
	}
	struct stream *s = calloc(1, sizeof(*s));
	if (!s || rig_client_connect(&s->c, p->socket_path) < 0) {
		char why[sizeof(s->c.error)];
		snprintf(why, sizeof(why), "%s", s ? s->c.error : "out of memory");
		if (s)
			rig_client_close(&s->c);
		free(s);
		atomic_fetch_sub(&p->streams, 1);
		return panel_send_error(conn, 502, why);
	}
	s->p = p;
	if (append(s, "retry: 1000\n\n") < 0 || ask_cmd(s, PENDING_SUBSCRIBE, "subscribe") < 0) {
		stream_free(s);
		return panel_send_error(conn, 502, "rigd: subscribe failed");
	}
	struct MHD_Response *r =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, s, stream_free);
	if (!r) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	enum MHD_Result rc = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return rc;
}
