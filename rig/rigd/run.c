/* The run and the devices it drives: the source on the poll path, the edge
 * input, the sequencer's events, the timer. Safety: every way a run ends
 * goes through the sequencer's OUTPUT_OFF, and a watchdog forces the source
 * off (blocking) if an ending run does not finish in time. */
#include "rig/rigd/daemon_internal.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "drivers/edge/gpiod_probe.h"
#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/core/batch_check.h"
#include "rig/core/fixture_lines.h"
#include "rig/core/model_check.h"
#include "rig/core/recording.h"
#include "rig/rigd/notify.h"
#include "rig/rigd/stored.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

/* --- time ------------------------------------------------------------------ */

int64_t rigd_bench_now(const struct rigd *d)
{
	return bench_clock_at(&d->clock, rig_monotonic_ns());
}

int64_t rigd_bench_to_real(const struct rigd *d, int64_t bench_ns)
{
	return bench_clock_to_real(&d->clock, bench_ns);
}

/* --- the source on the poll path ------------------------------------------ */

static void arm_watchdog(struct rigd *d, const char *state, const char *reason);

static void source_event(struct rig_loop *loop, int fd, uint32_t events, void *data);

/* A command failed, possibly with the output on: rigd is no longer in
 * control, and the dead-man's pulses stop now, not when the hold lapses. */
static void source_suspect(struct rigd *d)
{
	d->src_suspect = true;
	heartbeat_lost_control(d);
}

static void source_lost(struct rigd *d, const char *why)
{
	log_err("source: %s", why);
	bool was_busy = d->src_busy;
	source_disconnect(d);
	/* The output may still be on: connecting again switches it off. */
	struct rig_error err = {0};
	if (source_connect(d, &err) < 0)
		log_err("source: reconnecting to switch the output off failed: %s", err.msg);
	if (was_busy && d->running) {
		arm_watchdog(d, "error", why);
		rigd_seq_command_done(d, rigd_bench_now(d), false, why, 0);
		run_pump(d);
	} else {
		run_fault(d, why);
	}
	run_rearm(d);
}

int source_connect(struct rigd *d, struct rig_error *err)
{
	struct transport *tr = transport_open(d->fixture.source_transport, err);
	if (!tr)
		return -1;
	double timeout = d->fixture.reply_timeout_s > 0 ? d->fixture.reply_timeout_s : 2.0;
	/* source_open switches the output off blind, then identifies the
	 * instrument, resets it, verifies off and arms its watchdog: nothing
	 * else happens before this. */
	struct source *s = source_open(d->fixture.source_driver, tr, timeout,
				       d->fixture.comm_watchdog_s, err);
	if (!s) {
		transport_close(tr);
		return -1;
	}
	heartbeat_set_source(d, s, tr);
	d->src_busy = false;
	d->src_suspect = false;
	bench_clock_init(&d->clock, d->fixture.time_scale);
	if (d->clock.scale != 1.0 && bench_clock_sync_sim(&d->clock, tr, timeout, err) < 0) {
		source_disconnect(d);
		return -1;
	}
	int fd = tr->ops->fd(tr);
	if (fd >= 0 && rig_loop_add(d->loop, fd, EPOLLIN | EPOLLRDHUP, source_event, d) < 0) {
		rig_error_set(err, NULL, 0, "source: cannot poll its transport: %s", strerror(errno));
		source_disconnect(d);
		return -1;
	}
	log_notice("source %s on %s: %s, output off", d->fixture.source_driver,
		   d->fixture.source_transport, s->idn[0] ? s->idn : "(no identity)");
	heartbeat_kick(d);	/* the relay holds again before any output on */
	return 0;
}

void source_disconnect(struct rigd *d)
{
	if (!d->src)
		return;
	struct source *s = d->src;
	struct transport *tr = d->src_tr;
	int fd = tr->ops->fd(tr);
	if (fd >= 0)
		rig_loop_remove(d->loop, fd);
	heartbeat_set_source(d, NULL, NULL);	/* the pulser lets go of it first */
	/* source_free switches the output off first when it still can; the
	 * transport is ours to close after it. */
	source_free(s);
	transport_close(tr);
	d->src_busy = false;
}

int source_force_off(struct rigd *d, const char *why)
{
	if (!d->src) {
		log_warn("source output off (%s): no source connection", why);
		return -1;
	}
	struct rig_error err = {0};
	d->src_busy = false;
	if (d->src->ops->output_off(d->src, &err) < 0) {
		char buf[800];
		log_err("source output off (%s) failed: %s", why, rig_error_format(&err, buf, sizeof(buf)));
		source_suspect(d);
		return -1;
	}
	/* It answered: whatever went wrong before is behind us. */
	d->src_suspect = false;
	log_info("source output off (%s)", why);
	return 0;
}

static void source_advance(struct rigd *d)
{
	if (!d->src || !d->src_busy)
		return;
	struct source_result res;
	memset(&res, 0, sizeof(res));
	if (d->src->ops->advance(d->src, rig_monotonic_ns(), &res) != 1)
		return;
	d->src_busy = false;
	if (!res.ok) {
		log_warn("source command failed: %s", res.error);
		source_suspect(d);
	}
	if (d->running)
		rigd_seq_command_done(d, rigd_bench_now(d), res.ok, res.error, res.power_w);
}

/* Bytes from the source when no command waits for them: read and drop, so a
 * readable fd cannot spin the loop; end of file is a lost connection. */
static int source_drain_idle(struct rigd *d)
{
	char buf[256];
	struct rig_error err = {0};
	for (;;) {
		ssize_t n = d->src_tr->ops->read(d->src_tr, buf, sizeof(buf), &err);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		log_debug("source: %zd unexpected bytes dropped", n);
	}
}

static void source_event(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	struct rigd *d = data;
	if (!d->src)
		return;
	if (d->src_busy) {
		source_advance(d);
		run_pump(d);
	} else if (source_drain_idle(d) < 0) {
		source_lost(d, "connection closed by the instrument");
		return;
	}
	if (d->src && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
		/* Whatever it sent before closing has been read above. */
		source_lost(d, "connection closed by the instrument");
	}
}

static void source_begin(struct rigd *d, const struct rig_cmd *cmd)
{
	/* A sequencer that keeps asking a dead source would spin here: after a
	 * few synchronous failures in one pump, stop and let the watchdog end it. */
	if (++d->sync_failures > 8) {
		log_err("source: repeated failures, leaving the run to the watchdog");
		arm_watchdog(d, "error", "source not available");
		return;
	}
	if (!d->src) {
		rigd_seq_command_done(d, rigd_bench_now(d), false, "source not connected", 0);
		return;
	}
	if (d->src->ops->begin(d->src, cmd, rig_monotonic_ns()) < 0) {
		source_suspect(d);
		rigd_seq_command_done(d, rigd_bench_now(d), false, "source refused the command", 0);
		return;
	}
	d->src_busy = true;
	d->sync_failures = 0;
	/* A driver may finish at once (nothing to wait for). */
	source_advance(d);
}

/* --- edges ----------------------------------------------------------------- */

static void edge_event(struct rig_loop *loop, int fd, uint32_t events, void *data);

static void record_header(struct rigd *d)
{
	char when[32];
	fprintf(d->record, RIG_REC_HEADER_V2 "\n# station=%s\n# fixture=%s\n# started=%s\n",
		d->cfg.station, d->fixture.name,
		rig_iso8601_utc(time(NULL), when, sizeof(when)));
	fflush(d->record);
}

int edges_connect(struct rigd *d, struct rig_error *err)
{
	/* A chip by label, lines by name: their offsets on this boot's chip,
	 * and every line on the chip, before any is requested. */
	if (!strncmp(d->fixture.edge_input, "gpiod:", 6) &&
	    edge_gpiod_resolve_fixture(&d->fixture, err) < 0)
		return -1;
	char names[1024];
	if (rig_fixture_line_names(&d->fixture, names, sizeof(names)) > 0)
		log_info("lines by name on %s: %s", d->fixture.edge_input + 6, names);
	struct edge_input_line lines[EDGE_INPUT_FIXTURE_LINES] = {{0}};
	size_t n = edge_input_fixture_lines(&d->fixture, lines);
	struct edge_input *in = edge_input_open(d->fixture.edge_input, lines, n, err);
	if (!in)
		return -1;
	heartbeat_set_edges(d, in);
	heartbeat_kick(d);	/* the relay holds before any output on */
	rig_seqno_init(&d->seqno);	/* a new request numbers from 1 */
	int fd = d->edges->ops->fd(d->edges);
	if (rig_loop_add(d->loop, fd, EPOLLIN, edge_event, d) < 0) {
		rig_error_set(err, NULL, 0, "edges: cannot poll: %s", strerror(errno));
		edges_disconnect(d);
		return -1;
	}
	d->interlock_closed = true;
	if (d->fixture.interlock.line >= 0) {
		int level = d->edges->ops->level(d->edges, (unsigned)d->fixture.interlock.line, err);
		if (level < 0) {
			edges_disconnect(d);
			return -1;
		}
		d->interlock_closed = level == 1;
	}
	if (d->cfg.record_edges[0] && !d->record) {
		d->record = fopen(d->cfg.record_edges, "a");
		if (!d->record)
			log_warn("record_edges %s: %s (not recording)", d->cfg.record_edges,
				 strerror(errno));
		else
			record_header(d);
	}
	log_notice("edges from %s (%zu lines), interlock %s", d->fixture.edge_input, n,
		   d->fixture.interlock.line < 0 ? "not wired"
		   : d->interlock_closed	 ? "closed"
						 : "OPEN");
	return 0;
}

void edges_disconnect(struct rigd *d)
{
	if (!d->edges)
		return;
	struct edge_input *in = d->edges;
	rig_loop_remove(d->loop, in->ops->fd(in));
	heartbeat_set_edges(d, NULL);	/* the pulser lets go of it first */
	edge_input_close(in);
}

static bool line_active_low(const struct rig_fixture *f, uint32_t line)
{
	for (int p = 0; p < f->n_positions; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			if (f->pos[p][s].line == (int)line)
				return f->pos[p][s].active_low;
	if (f->ref_line.line == (int)line)
		return f->ref_line.active_low;
	return f->interlock.line == (int)line && f->interlock.active_low;
}

/* A capture holds the wire's levels (CAPTURE.md): an active-low line's
 * logical edge is written back as the electrical one, so a replay with the
 * same fixture delivers what this run saw. */
static void record_edge(struct rigd *d, const struct rig_edge *e)
{
	if (!d->record)
		return;
	bool rising = (e->kind == RIG_EDGE_RISING) != line_active_low(&d->fixture, e->line);
	fprintf(d->record, "E %lld %u %c %llu %llu\n", (long long)e->timestamp_ns, e->line,
		rising ? 'R' : 'F', (unsigned long long)e->global_seqno,
		(unsigned long long)e->line_seqno);
}

static void interlock_edge(struct rigd *d, const struct rig_edge *e)
{
	bool closed = e->kind == RIG_EDGE_RISING;
	if (closed == d->interlock_closed)
		return;
	d->interlock_closed = closed;
	log_notice("interlock %s", closed ? "closed" : "OPENED");
	if (!closed)
		run_fault(d, "interlock opened (lid open)");
}

static void edge_fault(struct rigd *d, const char *why)
{
	log_err("edge input: %s", why);
	edges_disconnect(d);
	char reason[200];
	snprintf(reason, sizeof(reason), "edge input: %.180s", why);
	run_fault(d, reason);
	run_rearm(d);
}

/* Some kernels (Debian's 6.1) do not wake a process waiting in epoll on a
 * line request when its chip goes away; a fresh look at the request sees
 * it. So while a run is active the input is checked once a second. */
#define EDGE_PROBE_NS RIG_NS_PER_S

static void edges_probe(struct rigd *d)
{
	d->probe_ns = rig_monotonic_ns() + EDGE_PROBE_NS;
	if (!d->edges)
		return;
	struct rig_error err = {0};
	if (edge_input_check(d->edges, &err) < 0) {
		edge_fault(d, err.msg[0] ? err.msg : "check failed");
		return;
	}
	/* The kernel drops only the oldest events when its FIFO is full, so
	 * the events still queued show any gap: read empty, every edge up to
	 * now is in (or reported lost). A quiet bench still proves a dead
	 * meter that way. Other inputs show a loss only at a later event. */
	if (d->running && !strcmp(d->edges->ops->scheme, "gpiod")) {
		int64_t now = rigd_bench_now(d);
		edge_event(d->loop, d->edges->ops->fd(d->edges), 0, d);
		if (d->edges && d->running)
			rigd_seq_edges_complete(d, now);
	}
}

/* Losses show in the sequence numbers of the next event of any line: the
 * global gap beyond the event's own line's gap is on lines not known yet,
 * and goes to the sequencer before any later edge. Returns the event's own
 * line's gap, which goes to that line's gates before the edge itself: a
 * gate that has not seen the line's previous edge (it starts on this one)
 * could not tell from the edge alone. */
static uint64_t edge_numbers(struct rigd *d, const struct rig_edge *e)
{
	struct rig_seqno_report rep;
	if (rig_seqno_check(&d->seqno, e, &rep) != RIG_SEQNO_GAP)
		return 0;
	log_warn("edge input: %llu events lost before line %u seqno %llu",
		 (unsigned long long)rep.lost_global, e->line, (unsigned long long)e->line_seqno);
	if (d->running && rep.lost_global > rep.lost_line)
		rigd_seq_lost(d, 0, RIG_SIG_KH10, rep.lost_global - rep.lost_line);	/* signal unused */
	return rep.lost_line;
}

#define EDGE_BATCHES_PER_TURN 16	/* 1024 edges, some 20 ms */

static bool fd_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

static void edge_event(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	struct rigd *d = data;
	struct rig_edge batch[64];
	/* Until a short read: an input may hold parsed edges that no longer
	 * make its fd readable. But a stream that keeps the fd readable must
	 * not hold the loop (the timer, the source, the dead-man's heartbeat):
	 * after a turn's worth, epoll calls again while it stays readable. */
	int batches = 0;
	while (d->edges) {
		struct rig_error err = {0};
		int n = d->edges->ops->read(d->edges, batch, 64, &err);
		if (n < 0) {
			edge_fault(d, err.msg[0] ? err.msg : "read failed");
			return;
		}
		for (int i = 0; i < n; i++) {
			const struct rig_edge *e = &batch[i];
			d->edges_seen++;
			record_edge(d, e);
			uint64_t lost_here = edge_numbers(d, e);
			if (d->fixture.interlock.line >= 0 &&
			    e->line == (uint32_t)d->fixture.interlock.line) {
				interlock_edge(d, e);
				continue;
			}
			int position;
			enum rig_signal sig;
			if (!d->running || rig_fixture_route(&d->fixture, (int)e->line, &position, &sig))
				continue;
			if (lost_here)
				rigd_seq_lost(d, position, sig, lost_here);
			rigd_seq_edge(d, position, sig, e);
		}
		if (n < 64)
			break;
		if (++batches >= EDGE_BATCHES_PER_TURN && fd_readable(fd))
			break;
	}
	if (d->record)
		fflush(d->record);
	if (d->edges && (events & (EPOLLHUP | EPOLLERR))) {
		edge_fault(d, "connection closed");
		return;
	}
	run_pump(d);
}

/* LEDs are levels as much as edges: the sequencer gets their state at the start. */
static void send_levels(struct rigd *d)
{
	static const enum rig_signal leds[] = {RIG_SIG_REVERSE_LED, RIG_SIG_POWER_LED,
					       RIG_SIG_LOAD_LED};
	if (!d->edges)
		return;	/* lost: the run is ending with a fault */
	for (int p = 0; p < d->fixture.n_positions; p++) {
		if (!d->plan.pos[p].present)
			continue;
		for (size_t k = 0; k < sizeof(leds) / sizeof(leds[0]); k++) {
			const struct rig_line *l = &d->fixture.pos[p][leds[k]];
			if (l->line < 0)
				continue;
			struct rig_error err = {0};
			int level = d->edges->ops->level(d->edges, (unsigned)l->line, &err);
			if (level >= 0)
				rigd_seq_level(d, p + 1, leds[k], level == 1);
			if (d->record && level >= 0)
				fprintf(d->record, "V %lld %d %d\n", (long long)rigd_bench_now(d),
					l->line, level);
		}
	}
}

/* --- the sequencer's events ------------------------------------------------ */

#define PROGRESS_EVERY_NS (RIG_NS_PER_S / 5)

/* After a rig error (dead-man, output off failed, instrument, source fault)
 * the bench needs a person: no queued start may switch the source on. A
 * normal end or an operator's abort keeps the queue going. */
static void queue_stop_after_rig_error(struct rigd *d, const char *what)
{
	if (!d->queue.n)
		return;
	char why[300];
	snprintf(why, sizeof(why), "run %s ended in a rig error (%.200s)", d->ctx.run_id, what);
	log_err("%s: emptying the queue (%d start(s) waiting); the bench needs a person", why,
		d->queue.n);
	requests_queue_clear(d, why);
}

static void run_finished(struct rigd *d, const struct rig_seq_event *ev)
{
	const char *state = rig_run_state_name(ev->run_state);
	log_notice("run %s %s%s%s", d->ctx.run_id, state, ev->reason[0] ? ": " : "", ev->reason);
	rig_notify_status("idle; last run %s %s%s%.200s", d->ctx.run_id, state,
			  ev->reason[0] ? ": " : "", ev->reason);
	snprintf(d->last.run_id, sizeof(d->last.run_id), "%s", d->ctx.run_id);
	snprintf(d->last.state, sizeof(d->last.state), "%s", state);
	snprintf(d->last.reason, sizeof(d->last.reason), "%s", ev->reason);
	d->running = false;
	d->watchdog_ns = INT64_MAX;
	/* Belt and braces: the sequencer's last command was output off. */
	bool off_failed = d->src && !d->src_busy && source_force_off(d, "end of run") < 0;
	if (ev->run_state == RIG_RUN_ERROR)
		queue_stop_after_rig_error(d, ev->reason[0] ? ev->reason : "error");
	else if (off_failed)
		queue_stop_after_rig_error(d, "source output off failed at the end of the run");
	if (d->exit_after_run)
		rig_loop_quit(d->loop);
}

/* An attempt the sequencer abandoned: said loudly and stored as its own
 * measurement, so the loss stays on record next to the final attempt. */
static void point_retried(struct rigd *d, const struct rig_point_result *r)
{
	const char *name = r->point >= 0 && r->point < d->profile.n_points
				   ? d->profile.points[r->point].name
				   : "?";
	if (r->gate.lost_edges)
		log_warn("point %d %s position %d: %llu edges lost, attempt %d abandoned (%s); "
			 "measuring the point again",
			 r->point + 1, name, r->position, (unsigned long long)r->gate.lost_edges,
			 r->attempt, r->gate.why);
	else
		log_warn("point %d %s position %d: attempt %d %s (%s); measuring the point again",
			 r->point + 1, name, r->position, r->attempt, rig_verdict_name(r->verdict),
			 r->detail);
}

static void handle_event(struct rigd *d, const struct rig_seq_event *ev)
{
	struct rig_seq_event done;
	char why[200];
	/* the readings are in, or their wait is over, once the sequencer moves on */
	if (ev->kind != RIG_EV_PROGRESS && ev->kind != RIG_EV_READING_WANTED)
		d->wanted.kind = RIG_EV_PROGRESS;
	switch (ev->kind) {
	case RIG_EV_COMMAND:
		source_begin(d, &ev->cmd);
		return;
	case RIG_EV_POINT_RESULT:
		/* Measured while the dead-man may have dropped the output: no
		 * result (a good meter would read as dead), the run an error. */
		if (!heartbeat_output_trusted(d, why, sizeof(why))) {
			run_fault(d, why);
			return;
		}
		/* Stored before said: a result not committed is never sent. */
		if (stored_point(d, &ev->result) < 0)
			return;
		log_info("point %d position %d: %s %s", ev->result.point + 1, ev->result.position,
			 rig_verdict_name(ev->result.verdict), ev->result.detail);
		break;
	case RIG_EV_POINT_RETRY:
		if (!heartbeat_output_trusted(d, why, sizeof(why))) {
			run_fault(d, why);
			return;
		}
		point_retried(d, &ev->result);
		if (stored_point(d, &ev->result) < 0)
			return;
		break;
	case RIG_EV_RUN_DONE:
		/* The end committed first; "done" says what the database holds. */
		done = *ev;
		if (!heartbeat_output_trusted(d, why, sizeof(why)) && done.run_state != RIG_RUN_ERROR) {
			done.run_state = RIG_RUN_ERROR;
			snprintf(done.reason, sizeof(done.reason), "%.199s", why);
		}
		heartbeat_run_summary(d, why, sizeof(why));
		log_info("dead-man over the run: %s", why);
		stored_run_end(d, &done);
		ev = &done;
		break;
	case RIG_EV_READING_WANTED:
		log_notice("point %d: register readings %s the energy wanted from positions 0x%x "
			   "within %.0f s", ev->point, ev->reading_after ? "after" : "before",
			   ev->positions, ev->remaining_s);
		d->wanted = *ev;
		d->wanted_until_ns = rig_monotonic_ns() +
				     (int64_t)(ev->remaining_s / (d->fixture.time_scale > 0
								  ? d->fixture.time_scale : 1) *
					       RIG_NS_PER_S);
		break;
	case RIG_EV_POINT_STARTED:
		if (ev->point >= 0 && ev->point < d->profile.n_points) {
			log_info("point %d/%d %s started", ev->point + 1, d->profile.n_points,
				 d->profile.points[ev->point].name);
			rig_notify_status("run %s: point %d of %d, %s", d->ctx.run_id, ev->point + 1,
					  d->profile.n_points, d->profile.points[ev->point].name);
		}
		/* The LEDs' levels as the edge input knows them now: a position
		 * that sat out earlier points did not follow its LED edges. */
		send_levels(d);
		break;
	case RIG_EV_PROGRESS: {
		/* The sequencer reports progress with every edge; clients need a
		 * few a second. */
		int64_t now = rig_monotonic_ns();
		if (ev->point == d->progress_point && now - d->progress_sent_ns < PROGRESS_EVERY_NS)
			return;
		d->progress_point = ev->point;
		d->progress_sent_ns = now;
		break;
	}
	default:
		break;
	}
	broadcast_json(d, event_to_json(&d->ctx, ev));
	if (ev->kind == RIG_EV_RUN_DONE)
		run_finished(d, ev);
}

void run_pump(struct rigd *d)
{
	d->sync_failures = 0;
	if (d->seq) {
		struct rig_seq_event ev;
		while (d->running && rigd_seq_next_event(d, &ev) == 1)
			handle_event(d, &ev);
	}
	run_rearm(d);
}

void run_rearm(struct rigd *d)
{
	int64_t next = INT64_MAX;
	if (d->src && d->src_busy) {
		int64_t t = d->src->ops->deadline(d->src);
		if (t < next)
			next = t;
	}
	if (d->running) {
		int64_t t = rigd_bench_to_real(d, rig_seq_next_deadline(d->seq));
		if (t < next)
			next = t;
		if (d->watchdog_ns < next)
			next = d->watchdog_ns;
		if (d->edges && d->probe_ns < next)
			next = d->probe_ns;
	}
	rig_loop_set_deadline(d->loop, next);
}

/* An ending run that does not end: the source goes off the blocking way and
 * the run is stored with what is known. */
static void watchdog_expired(struct rigd *d)
{
	log_err("run %s did not end in time: forcing the source off", d->ctx.run_id);
	source_force_off(d, "watchdog");
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_RUN_DONE;
	ev.run_state = d->last.state[0] == 'e' ? RIG_RUN_ERROR : RIG_RUN_ABORTED;
	snprintf(ev.reason, sizeof(ev.reason), "%.150s (source off by the watchdog)",
		 d->last.reason[0] ? d->last.reason : "abort");
	recorder_watchdog_end(d, &ev);
	handle_event(d, &ev);
	/* Even after an operator's abort: the source did not go off in time. */
	queue_stop_after_rig_error(d, ev.reason);
}

void run_on_timer(struct rig_loop *loop, int64_t now_ns, void *data)
{
	(void)loop;
	struct rigd *d = data;
	if (d->src && d->src_busy && d->src->ops->deadline(d->src) <= now_ns)
		source_advance(d);
	if (d->running && d->edges && d->probe_ns <= now_ns)
		edges_probe(d);
	if (d->running && d->watchdog_ns <= now_ns) {
		watchdog_expired(d);
	} else if (d->running) {
		int64_t bench = rigd_bench_now(d);
		if (rig_seq_next_deadline(d->seq) <= bench)
			rigd_seq_tick(d, bench);
	}
	run_pump(d);
}

static void arm_watchdog(struct rigd *d, const char *state, const char *reason)
{
	/* Time for an outstanding command to time out plus output off. */
	double t = 3 * (d->fixture.reply_timeout_s > 0 ? d->fixture.reply_timeout_s : 2.0) + 2.0;
	int64_t when = rig_monotonic_ns() + (int64_t)(t * 1e9);
	if (when < d->watchdog_ns)
		d->watchdog_ns = when;
	snprintf(d->last.state, sizeof(d->last.state), "%s", state);
	snprintf(d->last.reason, sizeof(d->last.reason), "%s", reason);
}

void run_abort(struct rigd *d, const char *reason)
{
	if (!d->running)
		return;
	log_notice("run %s: abort (%s)", d->ctx.run_id, reason);
	arm_watchdog(d, "aborted", reason);
	rigd_seq_abort(d, rigd_bench_now(d), reason);
	run_pump(d);
}

void run_fault(struct rigd *d, const char *reason)
{
	if (!d->running)
		return;
	arm_watchdog(d, "error", reason);
	rigd_seq_fault(d, rigd_bench_now(d), reason);
	run_pump(d);
}

/* --- starting a run -------------------------------------------------------- */

static int load_profile(struct rigd *d, const char *name, char *why, size_t why_len)
{
	static const char *const suffixes[] = {".profile", ".conf", ""};
	char path[512];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", d->cfg.profiles_dir, name, suffixes[i]);
		if (access(path, R_OK) != 0)
			continue;
		struct rig_error err = {0};
		if (rig_profile_load(path, &d->profile, &err) < 0) {
			char buf[800];
			snprintf(why, why_len, "profile %s", rig_error_format(&err, buf, sizeof(buf)));
			return -1;
		}
		return 0;
	}
	snprintf(why, why_len, "no profile \"%s\" in %s", name, d->cfg.profiles_dir);
	return -1;
}

/* Model safety, before anything is stored or energised: the position's
 * model against the batch's expected model and the model stored for its
 * serial (model_check.h). */
static int check_model_safety(struct rigd *d, const struct ctl_request *req, int position,
			      char *why, size_t why_len)
{
	struct rig_seq_position *sp = &d->plan.pos[position - 1];
	struct rig_error err = {0};
	if (sp->serial[0] && runstore_meter_model(d->store, sp->serial, sp->stored_model,
						  sizeof(sp->stored_model), &err) < 0) {
		snprintf(why, why_len, "position %d: stored model of %s: %s", position, sp->serial,
			 err.msg);
		return -1;
	}
	if (rig_model_check_position(&sp->model, position, sp->serial, d->plan.expected_model,
				     sp->stored_model, req->model_override, &err) < 0) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	return 0;
}

static int build_plan(struct rigd *d, const struct ctl_request *req, char *why, size_t why_len)
{
	memset(&d->plan, 0, sizeof(d->plan));
	d->plan.profile = &d->profile;
	d->plan.fixture = &d->fixture;
	snprintf(d->plan.expected_model, sizeof(d->plan.expected_model), "%s", req->expected_model);
	d->plan.model_override = req->model_override;
	if (req->expected_model[0]) {
		struct rig_meter_model em;
		struct rig_error err = {0};
		if (rig_model_decode(req->expected_model, &em, &err) < 0) {
			snprintf(why, why_len, "expected model %s refused: %s", req->expected_model,
				 err.msg);
			return -1;
		}
	}
	for (int i = 0; i < req->n_positions; i++) {
		const struct ctl_position *p = &req->pos[i];
		if (p->position > d->fixture.n_positions) {
			snprintf(why, why_len, "position %d: the fixture has %d positions", p->position,
				 d->fixture.n_positions);
			return -1;
		}
		struct rig_seq_position *sp = &d->plan.pos[p->position - 1];
		struct rig_error err = {0};
		if (rig_model_decode(p->model, &sp->model, &err) < 0) {
			snprintf(why, why_len, "position %d: model %s refused: %s", p->position,
				 p->model, err.msg);
			return -1;
		}
		if (rig_profile_check_model(&d->profile, &sp->model, &err) < 0) {
			char buf[800];
			snprintf(why, why_len, "position %d: profile %s refused for %s: %s",
				 p->position, d->profile.name, sp->model.model,
				 rig_error_format(&err, buf, sizeof(buf)));
			return -1;
		}
		sp->present = true;
		snprintf(sp->serial, sizeof(sp->serial), "%s", p->serial);
		if (check_model_safety(d, req, p->position, why, why_len) < 0)
			return -1;
	}
	/* one rating, enclosures whole: refused before anything is stored */
	struct rig_error err = {0};
	if (rig_batch_check(&d->plan, NULL, &err) < 0) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* What a model override let through, into the run's record beside who
 * and why (certrecord.c): per position, the model it ran as against the
 * batch's expected model and the model stored for its serial. The notes
 * keep only what the person typed. */
static void record_override(struct rigd *d, const struct ctl_request *req)
{
	for (int p = 1; p <= RIG_MAX_POSITIONS; p++)
		d->run_record.pos[p].model_overridden = false;
	if (!req->model_override)
		return;
	for (int i = 0; i < d->fixture.n_positions && i < RIG_MAX_POSITIONS; i++) {
		const struct rig_seq_position *sp = &d->plan.pos[i];
		if (!sp->present ||
		    !rig_model_disagrees(&sp->model, d->plan.expected_model, sp->stored_model))
			continue;
		struct store_position_record pr = d->run_record.pos[i + 1];
		pr.model_overridden = true;
		snprintf(pr.override_ran_as, sizeof(pr.override_ran_as), "%s", sp->model.model);
		snprintf(pr.override_expected, sizeof(pr.override_expected), "%s",
			 d->plan.expected_model);
		snprintf(pr.override_stored, sizeof(pr.override_stored), "%s", sp->stored_model);
		d->run_record.pos[i + 1] = pr;
	}
}

/* Devices a run needs; a source or edge input lost earlier is reopened. */
static int devices_ready(struct rigd *d, char *why, size_t why_len)
{
	struct rig_error err = {0};
	if ((!d->src || d->src_suspect) && !d->src_busy) {
		source_disconnect(d);
		if (source_connect(d, &err) < 0) {
			snprintf(why, why_len, "source not available: %s", err.msg);
			return -1;
		}
	}
	if (!d->edges && edges_connect(d, &err) < 0) {
		snprintf(why, why_len, "edge input not available: %s", err.msg);
		return -1;
	}
	if (d->fixture.interlock.line >= 0) {
		int level = d->edges->ops->level(d->edges, (unsigned)d->fixture.interlock.line, &err);
		if (level < 0) {
			snprintf(why, why_len, "interlock line: %s", err.msg);
			return -1;
		}
		d->interlock_closed = level == 1;
		if (!d->interlock_closed) {
			snprintf(why, why_len, "interlock open: close the lid first");
			return -1;
		}
	}
	return 0;
}

int run_start(struct rigd *d, const struct ctl_request *req, char *ret_run_id, size_t id_len,
	      char *why, size_t why_len)
{
	if (d->running) {
		snprintf(why, why_len,
			 "run %s is running: one run at a time; wait your turn with rigctl run --wait",
			 d->ctx.run_id);
		return -1;
	}
	if (d->exit_after_run) {
		snprintf(why, why_len, "rigd is stopping");
		return -1;
	}
	if (load_profile(d, req->profile, why, why_len) < 0 || build_plan(d, req, why, why_len) < 0 ||
	    devices_ready(d, why, why_len) < 0)
		return -1;
	/* Stored and run at the meters' rating: a 130 V meter's points at
	 * 130 V, not the profile's 120 V (the sequencer scales the same way,
	 * so a replay of the profile's text agrees). */
	for (int i = 0; i < d->fixture.n_positions; i++)
		if (d->plan.pos[i].present) {
			rig_profile_for_rating(&d->profile, d->plan.pos[i].model.element_voltage_v,
					       &d->profile);
			break;
		}

	record_override(d, req);
	struct run_meta meta = {
		.station = d->cfg.station,
		.operator_name = req->operator_name,
		.notes = req->notes,
		.profile = &d->profile,
		.fixture = &d->fixture,
		.plan = &d->plan,
		.instrument_idn = d->src ? d->src->idn : "",
		.software_version = RIG_VERSION,
		.record = &d->run_record,
	};
	memset(&d->ctx, 0, sizeof(d->ctx));
	struct rig_error err = {0};
	if (runstore_begin(d->store, &meta, d->ctx.run_id, sizeof(d->ctx.run_id), &err) < 0) {
		snprintf(why, why_len, "database: %s", err.msg);
		return -1;
	}
	d->ctx.profile = &d->profile;
	d->ctx.plan = &d->plan;
	heartbeat_run_begins(d);	/* before its first command */
	/* A sequencer walks one run: a fresh one for every run. */
	rig_seq_free(d->seq);
	d->seq = rig_seq_new();
	if (!d->seq || rigd_seq_start(d, rigd_bench_now(d), &err) < 0) {
		char buf[800];
		snprintf(why, why_len, "run refused: %s", rig_error_format(&err, buf, sizeof(buf)));
		runstore_end(d->store, d->ctx.run_id, RIG_RUN_ERROR, why, &err);
		return -1;
	}
	d->running = true;
	d->watchdog_ns = INT64_MAX;
	d->probe_ns = rig_monotonic_ns() + EDGE_PROBE_NS;
	d->progress_point = -1;
	d->wanted.kind = RIG_EV_PROGRESS;
	d->last.state[0] = d->last.reason[0] = '\0';
	snprintf(d->operator_name, sizeof(d->operator_name), "%s", req->operator_name);
	snprintf(ret_run_id, id_len, "%s", d->ctx.run_id);
	log_notice("run %s: profile %s, %d position(s), operator %s", d->ctx.run_id,
		   d->profile.name, req->n_positions, req->operator_name);
	rig_notify_status("run %s: profile %s, %d position(s), operator %s, starting", d->ctx.run_id,
			  d->profile.name, req->n_positions, req->operator_name);
	if (d->record) {
		char when[32];
		fprintf(d->record, "# run=%s\n# started=%s\n", d->ctx.run_id,
			rig_iso8601_utc(time(NULL), when, sizeof(when)));
	}
	send_levels(d);
	return 0;
}
