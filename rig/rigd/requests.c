/* The control requests: parse, act, answer. One reply line per request;
 * events for subscribed clients go out through broadcast_json. */
#include "rig/rigd/daemon_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rig/common/jsonl.h"
#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/certrecord.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

void broadcast_json(struct rigd *d, cJSON *obj)
{
	if (!obj)
		return;
	char *line = rig_json_line(obj);
	cJSON_Delete(obj);
	if (line) {
		ctl_server_broadcast(&d->ctl, line);
		free(line);
	}
}

void reply_json(struct ctl_client *c, cJSON *obj)
{
	char *line = rig_json_line(obj);
	cJSON_Delete(obj);
	if (line) {
		ctl_client_send(c, line);
		free(line);
	}
}

static void reply_error(struct ctl_client *c, const char *why)
{
	char *line = ctl_error_line(why);
	if (line) {
		ctl_client_send(c, line);
		free(line);
	}
}

static cJSON *ok_reply(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	return o;
}

static int build_record(struct rigd *d, const struct ctl_request *req, char *why, size_t why_len)
{
	char today[32];
	rig_iso8601_utc(time(NULL), today, sizeof(today));
	today[10] = '\0';	/* YYYY-MM-DD */
	struct ambient_reading sensed = ambient_latest(&d->ambient);
	return certrecord_build(&d->cfg, &d->fixture, req, &sensed, today, &d->run_record, why,
				why_len);
}

static void handle_register(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	struct rig_error err = {0};
	if (runstore_register_after(d->store, req->run_id, req->position, req->reading_kwh, &err) < 0)
		reply_error(c, err.msg[0] ? err.msg : "not stored");
	else
		reply_json(c, ok_reply());
}

/* A register point's reading, while it asks for one (the sequencer says
 * whether it does). */
static void handle_reading(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	struct rig_error err = {0};
	if (!d->running)
		reply_error(c, "no run is running");
	else if (req->run_id[0] && strcmp(req->run_id, d->ctx.run_id))
		reply_error(c, "that run is not the one running");
	else if (rigd_seq_reading(d, rigd_bench_now(d), req->position, req->reading_kwh, &err) < 0)
		reply_error(c, err.msg);
	else {
		log_info("position %d: register reading %.10g kWh", req->position, req->reading_kwh);
		reply_json(c, ok_reply());
	}
	run_pump(d);
}

static void start_now(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	char run_id[64], why[600];
	/* The record first: an overdue calibration refuses the run before
	 * anything moves. While a run runs, run_start refuses the request. */
	if (!d->running && build_record(d, req, why, sizeof(why)) < 0) {
		log_notice("start refused: %s", why);
		reply_error(c, why);
		return;
	}
	if (run_start(d, req, run_id, sizeof(run_id), why, sizeof(why)) < 0) {
		log_notice("start refused: %s", why);
		reply_error(c, why);
		return;
	}
	if (d->run_record.cal_override_by[0])
		log_warn("calibration overdue: run started on the override of %s (%s)",
			 d->run_record.cal_override_by, d->run_record.cal_override_reason);
	if (req->model_override)
		log_warn("model override by %s (%s)", req->override_by, req->model_override_reason);
	cJSON *o = ok_reply();
	cJSON_AddStringToObject(o, "run", run_id);
	cJSON_AddStringToObject(o, "station", d->cfg.station);
	/* The points in order, so a client can account for every one of them. */
	cJSON *points = cJSON_AddArrayToObject(o, "points");
	for (int i = 0; i < d->profile.n_points; i++)
		cJSON_AddItemToArray(points, cJSON_CreateString(d->profile.points[i].name));
	reply_json(c, o);
	run_pump(d);	/* the first events after the reply */
}

/* The calibration of the source and of the reference standard, as the
 * fixture states it, and whether a run would be refused for it today. */
static void add_calibration(cJSON *o, const struct rig_fixture *f)
{
	char today[32];
	rig_iso8601_utc(time(NULL), today, sizeof(today));
	today[10] = '\0';	/* YYYY-MM-DD: compares as text */
	const struct {
		const char *what, *id, *cert, *date, *due;
	} standards[] = {
		{"source", f->instrument_serial, f->instrument_certificate, f->instrument_cal_date,
		 f->instrument_cal_due},
		{"reference standard", f->ref_identity, f->ref_certificate, f->ref_cal_date,
		 f->ref_cal_due},
	};
	cJSON *arr = cJSON_AddArrayToObject(o, "calibration");
	for (size_t i = 0; i < sizeof(standards) / sizeof(standards[0]); i++) {
		if (!standards[i].id[0] && !standards[i].due[0])
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "what", standards[i].what);
		cJSON_AddStringToObject(e, "identity", standards[i].id);
		cJSON_AddStringToObject(e, "certificate", standards[i].cert);
		cJSON_AddStringToObject(e, "calibrated", standards[i].date);
		cJSON_AddStringToObject(e, "due", standards[i].due);
		cJSON_AddBoolToObject(e, "overdue",
				      standards[i].due[0] && strcmp(standards[i].due, today) < 0);
		cJSON_AddItemToArray(arr, e);
	}
}

/* Behind the running run: the client waits for its reply (the start's
 * own, when its turn comes); now it hears its ticket and place. */
static void start_queued(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	unsigned ticket = run_queue_push(&d->queue, c->id, req, rig_monotonic_ns());
	if (!ticket) {
		char why[200];
		snprintf(why, sizeof(why), "the queue is full (%d starts waiting); try again later",
			 RUN_QUEUE_MAX);
		reply_error(c, why);
		return;
	}
	int place = run_queue_place(&d->queue, ticket);
	log_notice("start by %s queued: ticket %u, place %d behind run %s", req->operator_name,
		   ticket, place, d->running ? d->ctx.run_id : "(ending)");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "queued");
	cJSON_AddNumberToObject(o, "ticket", ticket);
	cJSON_AddNumberToObject(o, "place", place);
	if (d->running)
		cJSON_AddStringToObject(o, "behind", d->ctx.run_id);
	reply_json(c, o);
}

static void handle_start(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	/* First come, first served: a start that does not wait never passes
	 * the queue either. */
	if (req->queue && (d->running || d->queue.n > 0) && !d->exit_after_run) {
		start_queued(d, c, req);
		return;
	}
	if (!d->running && d->queue.n > 0) {
		char why[200];
		snprintf(why, sizeof(why),
			 "%d start(s) are queued for the bench: one run at a time; "
			 "wait your turn with rigctl run --wait", d->queue.n);
		log_notice("start refused: %s", why);
		reply_error(c, why);
		return;
	}
	start_now(d, c, req);
}

static bool queued_client_alive(const struct run_queue_entry *e, void *data)
{
	struct rigd *d = data;
	if (ctl_server_client(&d->ctl, e->client_id))
		return true;
	log_notice("ticket %u (%s) left the queue: its client went away", e->ticket,
		   e->req.operator_name);
	return false;
}

void requests_after_turn(struct rigd *d)
{
	if (!d->queue.n)
		return;
	run_queue_prune(&d->queue, queued_client_alive, d);
	struct run_queue_entry *e;
	while (!d->running && (e = run_queue_pop(&d->queue))) {
		struct ctl_client *c = ctl_server_client(&d->ctl, e->client_id);
		if (c && ctl_client_hung_up(c)) {
			/* Killed before the loop read its end: no run for nobody. */
			log_notice("ticket %u (%s) left the queue: its client hung up", e->ticket,
				   e->req.operator_name);
		} else if (c && d->exit_after_run) {
			reply_error(c, "rigd is stopping");
		} else if (c) {
			log_notice("ticket %u (%s): its turn after %.0f s in the queue", e->ticket,
				   e->req.operator_name,
				   (double)(rig_monotonic_ns() - e->since_ns) / RIG_NS_PER_S);
			start_now(d, c, &e->req);
		}
		free(e);
	}
}

static void handle_dequeue(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	struct run_queue_entry *e = run_queue_take(&d->queue, req->ticket);
	if (!e) {
		char why[160];
		snprintf(why, sizeof(why),
			 "no queued start has ticket %u (rigctl status lists the queue)", req->ticket);
		reply_error(c, why);
		return;
	}
	log_notice("ticket %u (%s) taken out of the queue by client %u", e->ticket,
		   e->req.operator_name, c->id);
	struct ctl_client *waiting = ctl_server_client(&d->ctl, e->client_id);
	if (waiting && waiting != c) {
		char why[160];
		snprintf(why, sizeof(why), "ticket %u was taken out of the queue (rigctl dequeue)",
			 e->ticket);
		reply_error(waiting, why);
	}
	free(e);
	reply_json(c, ok_reply());
}

static void add_queue_status(struct rigd *d, cJSON *o)
{
	cJSON *list = cJSON_AddArrayToObject(o, "queue");
	int place = 1;
	int64_t now = rig_monotonic_ns();
	for (const struct run_queue_entry *e = d->queue.head; e; e = e->next, place++) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddNumberToObject(q, "ticket", e->ticket);
		cJSON_AddNumberToObject(q, "place", place);
		cJSON_AddStringToObject(q, "operator", e->req.operator_name);
		cJSON_AddStringToObject(q, "profile", e->req.profile);
		cJSON_AddNumberToObject(q, "positions", e->req.n_positions);
		cJSON_AddNumberToObject(q, "waiting_s", (double)((now - e->since_ns) / RIG_NS_PER_S));
		cJSON_AddItemToArray(list, q);
	}
}

static void handle_status(struct rigd *d, struct ctl_client *c)
{
	cJSON *o = ok_reply();
	cJSON_AddStringToObject(o, "station", d->cfg.station);
	cJSON_AddStringToObject(o, "version", RIG_VERSION);
	cJSON_AddStringToObject(o, "fixture", d->fixture.name);
	cJSON_AddNumberToObject(o, "positions", d->fixture.n_positions);
	cJSON_AddStringToObject(o, "state", d->running ? "running" : "idle");
	cJSON_AddStringToObject(o, "source", d->src ? (d->src_suspect ? "suspect" : "connected")
						     : "disconnected");
	if (d->src)
		cJSON_AddStringToObject(o, "instrument", d->src->idn);
	cJSON_AddStringToObject(o, "edges", d->edges ? "connected" : "disconnected");
	/* counters since start: a client derives the edge rate from two replies */
	cJSON *counts = cJSON_AddObjectToObject(o, "edge_counts");
	cJSON_AddNumberToObject(counts, "seen", (double)d->edges_seen);
	cJSON_AddNumberToObject(counts, "lost", (double)d->seqno.total_lost);
	cJSON_AddNumberToObject(counts, "repeated", (double)d->seqno.total_repeats);
	add_calibration(o, &d->fixture);
	cJSON_AddStringToObject(o, "interlock", d->fixture.interlock.line < 0 ? "none"
						: d->interlock_closed	      ? "closed"
										      : "open");
	if (d->running) {
		cJSON *run = cJSON_AddObjectToObject(o, "run");
		cJSON_AddStringToObject(run, "id", d->ctx.run_id);
		cJSON_AddStringToObject(run, "profile", d->profile.name);
		cJSON_AddNumberToObject(run, "points", d->profile.n_points);
		cJSON_AddStringToObject(run, "operator", d->operator_name);
		if (d->wanted.kind == RIG_EV_READING_WANTED) {
			/* what an operator at another terminal needs to give them */
			cJSON *w = event_to_json(&d->ctx, &d->wanted);
			/* bench seconds, as the event says them */
			double left = (double)(d->wanted_until_ns - rig_monotonic_ns()) / RIG_NS_PER_S *
				      (d->fixture.time_scale > 0 ? d->fixture.time_scale : 1);
			cJSON_DeleteItemFromObject(w, "event");
			cJSON_ReplaceItemInObject(w, "wait_s", cJSON_CreateNumber(left > 0 ? left : 0));
			cJSON_AddItemToObject(run, "readings_wanted", w);
		}
		cJSON *positions = cJSON_AddArrayToObject(run, "positions");
		for (int p = 0; p < d->fixture.n_positions; p++) {
			if (!d->plan.pos[p].present)
				continue;
			cJSON *e = cJSON_CreateObject();
			cJSON_AddNumberToObject(e, "position", p + 1);
			cJSON_AddStringToObject(e, "model", d->plan.pos[p].model.model);
			cJSON_AddStringToObject(e, "serial", d->plan.pos[p].serial);
			cJSON_AddItemToArray(positions, e);
		}
	}
	if (d->last.run_id[0]) {
		cJSON *last = cJSON_AddObjectToObject(o, "last");
		cJSON_AddStringToObject(last, "run", d->last.run_id);
		cJSON_AddStringToObject(last, "state", d->last.state);
		cJSON_AddStringToObject(last, "reason", d->last.reason);
	}
	add_queue_status(d, o);
	reply_json(c, o);
}

static void handle_query(struct rigd *d, struct ctl_client *c, const struct ctl_request *req)
{
	struct rig_error err = {0};
	char next[64] = "";
	cJSON *v = req->cmd == CTL_RESULTS ? runstore_results(d->store, req, next, sizeof(next), &err)
					   : runstore_run(d->store, req->run_id, &err);
	if (!v) {
		reply_error(c, err.msg[0] ? err.msg : "query failed");
		return;
	}
	cJSON *o = ok_reply();
	cJSON_AddItemToObject(o, req->cmd == CTL_RESULTS ? "results" : "run", v);
	if (next[0])
		cJSON_AddStringToObject(o, "next", next);	/* a page: ask again with "after" */
	reply_json(c, o);
}

/* An emergency stop or a rig error ends the queue too: a waiting start
 * would switch the source back on as soon as the run before it has ended. */
void requests_queue_clear(struct rigd *d, const char *why)
{
	struct run_queue_entry *e;
	while ((e = run_queue_pop(&d->queue))) {
		struct ctl_client *waiting = ctl_server_client(&d->ctl, e->client_id);
		log_notice("ticket %u (%s) taken out of the queue: %s", e->ticket,
			   e->req.operator_name, why);
		if (waiting) {
			char msg[400];
			snprintf(msg, sizeof(msg), "ticket %u was taken out of the queue: %.300s; start again "
				 "once the bench is safe", e->ticket, why);
			reply_error(waiting, msg);
		}
		free(e);
	}
}

static void handle_safe_off(struct rigd *d, struct ctl_client *c)
{
	requests_queue_clear(d, "safe-off requested");
	if (d->running) {
		run_abort(d, "safe-off requested");
		reply_json(c, ok_reply());
		return;
	}
	if (!d->src) {
		struct rig_error err = {0};
		if (source_connect(d, &err) < 0) {
			reply_error(c, err.msg);
			return;
		}
	}
	if (source_force_off(d, "safe-off requested") < 0)
		reply_error(c, "the source did not confirm output off");
	else
		reply_json(c, ok_reply());
}

void requests_handle(struct ctl_server *srv, struct ctl_client *c, char *line, void *data)
{
	(void)srv;
	struct rigd *d = data;
	struct ctl_request req;
	char why[300];
	if (ctl_parse_request(line, &req, why, sizeof(why)) < 0) {
		reply_error(c, why);
		return;
	}
	log_debug("client %u: %s", c->id, ctl_cmd_name(req.cmd));
	switch (req.cmd) {
	case CTL_START:
		handle_start(d, c, &req);
		break;
	case CTL_STATUS:
		handle_status(d, c);
		break;
	case CTL_SUBSCRIBE:
	case CTL_UNSUBSCRIBE:
		c->subscribed = req.cmd == CTL_SUBSCRIBE;
		reply_json(c, ok_reply());
		break;
	case CTL_ABORT:
		if (!d->running) {
			reply_error(c, "no run is running");
			break;
		}
		reply_json(c, ok_reply());
		run_abort(d, req.reason[0] ? req.reason : "aborted by the operator");
		break;
	case CTL_RESULTS:
	case CTL_RUN:
		handle_query(d, c, &req);
		break;
	case CTL_PING:
		reply_json(c, ok_reply());
		break;
	case CTL_SAFE_OFF:
		handle_safe_off(d, c);
		break;
	case CTL_REGISTER:
		handle_register(d, c, &req);
		break;
	case CTL_READING:
		handle_reading(d, c, &req);
		break;
	case CTL_DEQUEUE:
		handle_dequeue(d, c, &req);
		break;
	}
}
