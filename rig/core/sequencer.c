/* The test sequencer. One point at a time for every position:
 *
 *   APPLY -> [OUTPUT_ON once] -> settle -> [READ_POWER] -> measure -> results
 *
 * Positions measure in parallel; a point is skipped for a position whose
 * model it does not apply to (rig_point_applies), and entirely when it
 * applies to none. A position whose result is final for the point is left
 * alone when the point is measured again for the others (lost edges, or an
 * indeterminate verdict under the RETEST policy: the attempts then pool).
 * Stopping (abort, fault, failed command, end of profile) always sends
 * OUTPUT_OFF first, after the outstanding command (if any) completes;
 * commands still in the queue and not yet taken by the shell are dropped.
 *
 * Positions are 1-based in the interface (edges, levels, losses, results),
 * as rig_fixture_route gives them; plan->pos[] and the fixture's pos[] are
 * indexed from 0.
 *
 * This file holds the run and its points (the event queue, starting,
 * results, commands, stopping); the other jobs are in their own files,
 * sharing the state in sequencer_internal.h: sequencer_plan.c (the plan's
 * checks), sequencer_measure.c (set-up and end of a measurement),
 * sequencer_edges.c (edge input), sequencer_progress.c, sequencer_judge.c
 * (a position's verdict by point kind), sequencer_gates.c (accuracy and
 * consistency), sequencer_retest.c (pooling and extended gates),
 * sequencer_connection.c and sequencer_register.c. */
#include "rig/core/sequencer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/batch_check.h"
#include "rig/core/sequencer_internal.h"

static void end_run(struct rig_seq *s);

/* --- event queue ------------------------------------------------------------ */

/* The shell drains the queue after every call, and one call emits at most
 * a command, a progress report, a result and a retry per position and the
 * end of the run. Should a shell stop draining, progress reports make room first. */
struct rig_seq_event *seq_push(struct rig_seq *s, enum rig_seq_event_kind kind)
{
	if (s->q_len == QUEUE_LEN) {
		int kept = 0;
		for (int i = 0; i < s->q_len; i++) {
			struct rig_seq_event ev = s->queue[(s->q_head + i) % QUEUE_LEN];
			if (ev.kind != RIG_EV_PROGRESS)
				s->queue[(s->q_head + kept++) % QUEUE_LEN] = ev;
		}
		s->q_len = kept;
	}
	struct rig_seq_event *ev = s->q_len < QUEUE_LEN
					   ? &s->queue[(s->q_head + s->q_len++) % QUEUE_LEN]
					   : &s->scratch;	/* full of results: cannot happen */
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->point = s->point;
	return ev;
}

void seq_send_command(struct rig_seq *s, enum rig_cmd_kind kind)
{
	struct rig_seq_event *ev = seq_push(s, RIG_EV_COMMAND);
	ev->cmd.kind = kind;
	if (kind == RIG_CMD_APPLY)
		ev->cmd.sp = s->sp;
	s->cmd_outstanding = true;
	s->cmd_kind = kind;
}

/* Drops commands the shell has not taken yet (they were never sent). */
static void drop_queued_commands(struct rig_seq *s)
{
	int kept = 0;
	for (int i = 0; i < s->q_len; i++) {
		struct rig_seq_event ev = s->queue[(s->q_head + i) % QUEUE_LEN];
		if (ev.kind == RIG_EV_COMMAND) {
			s->cmd_outstanding = false;
			continue;
		}
		s->queue[(s->q_head + kept++) % QUEUE_LEN] = ev;
	}
	s->q_len = kept;
}

int rig_seq_next_event(struct rig_seq *s, struct rig_seq_event *ev)
{
	if (s->q_len == 0)
		return 0;
	*ev = s->queue[s->q_head];
	s->q_head = (s->q_head + 1) % QUEUE_LEN;
	s->q_len--;
	return 1;
}

/* --- life cycle ------------------------------------------------------------------ */

struct rig_seq *rig_seq_new(void)
{
	struct rig_seq *s = calloc(1, sizeof(*s));
	if (s)
		s->state = RIG_RUN_IDLE;
	return s;
}

void rig_seq_free(struct rig_seq *s)
{
	if (s)
		free(s->rated);
	free(s);
}

enum rig_run_state rig_seq_state(const struct rig_seq *s)
{
	return s->state;
}

const char *rig_run_state_name(enum rig_run_state st)
{
	static const char *const names[] = {
		[RIG_RUN_IDLE] = "idle",		[RIG_RUN_RUNNING] = "running",
		[RIG_RUN_PASSED] = "passed",		[RIG_RUN_FAILED] = "failed",
		[RIG_RUN_INDETERMINATE] = "indeterminate", [RIG_RUN_ABORTED] = "aborted",
		[RIG_RUN_ERROR] = "error",		[RIG_RUN_INTERRUPTED] = "interrupted",
	};
	if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

void seq_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* --- points -------------------------------------------------------------------- */

/* The present positions the point is for; the setpoint follows the model
 * with the most elements among them (the others see their share of it). */
const struct rig_meter_model *seq_point_positions(const struct rig_seq *s, int k,
						  bool *applies)
{
	const struct rig_meter_model *sp_model = NULL;
	for (int i = 0; i < s->fix->n_positions; i++) {
		const struct rig_meter_model *m = &s->plan.pos[i].model;
		applies[i] = s->plan.pos[i].present && !s->pos[i].wiring_error &&
			     rig_point_applies(&s->prof->points[k], m);
		if (applies[i] && (!sp_model || m->elements > sp_model->elements))
			sp_model = m;
	}
	return sp_model;
}

static void begin_point(struct rig_seq *s)
{
	bool applies[RIG_MAX_POSITIONS];
	const struct rig_meter_model *sp_model = NULL;
	for (; s->point < s->prof->n_points; s->point++)
		if ((sp_model = seq_point_positions(s, s->point, applies)))
			break;
	if (!sp_model) {
		end_run(s);
		return;
	}
	const struct rig_point *p = cur_point(s);
	struct rig_error err;
	s->reg = REG_BEFORE;
	s->reg_model = sp_model;
	if (seq_register_setpoint(s, p, sp_model, p->kind != RIG_POINT_REGISTER, &err)) {
		char buf[600];
		seq_stop(s, RIG_RUN_ERROR, rig_error_format(&err, buf, sizeof(buf)));
		return;
	}
	s->primary_a = rig_point_current_a(p, sp_model);
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		ps->in_point = applies[i];
		ps->attempt = 1;
		ps->lost_before = 0;
		ps->done = false;
		ps->looks = 0;
		ps->gate_looks = 0;
		ps->futile = false;
		ps->led_lit = false;
		ps->power_led_dark = false;
		ps->have_reading[0] = ps->have_reading[1] = false;
		ps->reg_kh10_edges = 0;
		ps->reading[0] = ps->reading[1] = -1;
		memset(ps->n_pool, 0, sizeof(ps->n_pool));
		ps->share = rig_setpoint_power_share(&s->sp, s->plan.pos[i].model.elements);
	}
	seq_push(s, RIG_EV_POINT_STARTED);
	seq_send_command(s, RIG_CMD_APPLY);
	s->phase = PH_APPLYING;
}

int rig_seq_start(struct rig_seq *s, const struct rig_run_plan *plan, int64_t now_ns,
		  struct rig_error *err)
{
	if (s->state != RIG_RUN_IDLE)
		return rig_error_set(err, NULL, 0, "the sequencer has already run");
	if (!plan || !plan->profile || !plan->fixture)
		return seq_check_plan(plan, err);
	/* the points follow the meters' rating (rig_profile_for_rating) */
	double rating;
	struct rig_run_plan rated = *plan;
	if (rig_batch_check(plan, &rating, err))
		return -1;
	if (rating > 0 && plan->profile->nominal_v > 0 &&
	    fabs(rating - plan->profile->nominal_v) > 1e-9) {
		free(s->rated);
		if (!(s->rated = malloc(sizeof(*s->rated))))
			return rig_error_set(err, NULL, 0, "out of memory");
		rig_profile_for_rating(plan->profile, rating, s->rated);
		rated.profile = s->rated;
	}
	plan = &rated;
	if (seq_check_plan(plan, err))
		return -1;
	s->plan = *plan;
	s->prof = plan->profile;
	s->fix = plan->fixture;
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (plan->pos[i].present && !s->model)
			s->model = &s->plan.pos[i].model;
		for (int o = 0; o < N_OUTPUTS; o++)
			s->pos[i].known_duty[o] = -1;
	}
	s->primary_per_source = rig_setpoint_primary_per_source(s->fix, s->model);
	s->state = RIG_RUN_RUNNING;
	s->edges_complete_ns = INT64_MIN;
	s->run_start_ns = s->now_ns = now_ns;
	s->point = 0;
	begin_point(s);
	return 0;
}

/* --- results ------------------------------------------------------------------- */

/* The abandoned attempt goes out as it was, so the loss is on record. */
static void emit_retry(struct rig_seq *s, const struct rig_point_result *r)
{
	struct rig_seq_event *ev = seq_push(s, RIG_EV_POINT_RETRY);
	ev->result = *r;
	size_t n = strlen(ev->result.detail);
	snprintf(ev->result.detail + n, sizeof(ev->result.detail) - n, "; measuring again");
}

/* The final attempt says what made it necessary. */
static void note_earlier_loss(const struct pos_state *ps, struct rig_point_result *r)
{
	if (ps->lost_before == 0)
		return;
	char note[64];
	snprintf(note, sizeof(note), "; measured again after %llu lost edges",
		 (unsigned long long)ps->lost_before);
	size_t n = strlen(r->detail), room = sizeof(r->detail) - 1;
	if (n + strlen(note) > room)
		n = room > strlen(note) ? room - strlen(note) : 0;	/* the note matters more */
	snprintf(r->detail + n, sizeof(r->detail) - n, "%s", note);
}

static void emit_result(struct rig_seq *s, int i, const struct rig_point_result *r)
{
	struct rig_seq_event *ev = seq_push(s, RIG_EV_POINT_RESULT);
	ev->result = *r;
	s->pos[i].worst = rig_verdict_worst(s->pos[i].worst, r->verdict);
	s->pos[i].in_point = false;
}

static void remember_duty(struct pos_state *ps)
{
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o])
			continue;
		struct rig_gate_result g;
		rig_gate_result(&ps->gate[o], &g);
		if (g.duty >= 0 && g.u_duty > 0 &&
		    (ps->known_duty[o] < 0 || g.u_duty < ps->known_u_duty[o])) {
			ps->known_duty[o] = g.duty;
			ps->known_u_duty[o] = g.u_duty;
		}
	}
}

static enum rig_run_state state_for(enum rig_verdict v)
{
	switch (v) {
	case RIG_VERDICT_NONE:
	case RIG_VERDICT_PASS:
		return RIG_RUN_PASSED;
	case RIG_VERDICT_INDETERMINATE:
		return RIG_RUN_INDETERMINATE;
	case RIG_VERDICT_FAIL:
		return RIG_RUN_FAILED;
	case RIG_VERDICT_ABORTED:
		return RIG_RUN_ABORTED;
	case RIG_VERDICT_ERROR:
		break;
	}
	return RIG_RUN_ERROR;
}

void seq_finish_point(struct rig_seq *s)
{
	bool retry = false;
	int judged = 0, silent = 0;
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		if (!ps->in_point)
			continue;
		struct rig_point_result r = {
			.point = s->point, .position = i + 1, .attempt = ps->attempt,
			.current_a = s->primary_a,
		};
		bool pooled_result = false;
		if (seq_judge(s, ps, &r, &pooled_result) == RETRY) {
			if (pooled_result && cur_point(s)->kind == RIG_POINT_ACCURACY)
				seq_append(r.detail, sizeof(r.detail), "; pooled with the earlier attempts: %s",
					   rig_verdict_name(r.verdict));
			emit_retry(s, &r);
			ps->lost_before += r.gate.lost_edges;
			ps->attempt++;
			retry = true;
			continue;
		}
		if (r.verdict != RIG_VERDICT_ERROR)
			remember_duty(ps);
		if (pooled_result && cur_point(s)->kind == RIG_POINT_ACCURACY)
			seq_state_pooled(s, ps, &r);
		seq_judge_change(s, ps, &r);
		note_earlier_loss(ps, &r);
		emit_result(s, i, &r);
		/* no output edge anywhere, LEDs lit or not: the current is not
		 * flowing or the input is dead, not every meter at once */
		judged++;
		if (cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
			silent += s->primary_a > 0 ? r.edges_counted == 0 : ps->wiring_error;
	}
	if (judged > 0 && silent == judged) {
		seq_stop(s, RIG_RUN_ERROR, s->primary_a > 0
			    ? "rig error: no position gave an output edge in the connection check (check "
			      "the edge input, the header cable and the source's current)"
			    : "rig error: no position's power LED lit with voltage applied (check the "
			      "source's voltage, the edge input and the header cable)");
		return;
	}
	if (retry) {
		seq_start_measuring(s, 0);	/* the load has not changed: no new settle */
		return;
	}
	s->point++;
	begin_point(s);
}

static void end_run(struct rig_seq *s)
{
	enum rig_verdict worst = RIG_VERDICT_NONE;
	for (int i = 0; i < s->fix->n_positions; i++)
		worst = rig_verdict_worst(worst, s->pos[i].worst);
	s->point = s->prof->n_points - 1;
	seq_stop(s, state_for(worst), RIG_RUN_REASON_COMPLETE);
}

/* --- time ---------------------------------------------------------------------- */

void rig_seq_tick(struct rig_seq *s, int64_t now_ns)
{
	if (s->state != RIG_RUN_RUNNING)
		return;
	advance_time(s, now_ns);
	if (s->phase == PH_REGISTER && !s->cmd_outstanding) {
		seq_register_tick(s);
		return;
	}
	if (s->phase == PH_SETTLING && s->now_ns >= s->settle_until_ns && !s->cmd_outstanding) {
		seq_send_command(s, RIG_CMD_READ_POWER);
		s->phase = PH_READING_POWER;
	}
	if (!measuring(s))
		return;
	if (s->now_ns - s->last_progress_ns >= PROGRESS_NS)
		seq_progress(s);
	seq_check_point_done(s);
}

int64_t rig_seq_next_deadline(const struct rig_seq *s)
{
	if (s->state == RIG_RUN_RUNNING && s->phase == PH_REGISTER)
		return seq_register_deadline(s);
	if (!measuring(s))
		return INT64_MAX;
	int64_t t = s->last_progress_ns + PROGRESS_NS;
	if (s->phase == PH_SETTLING && s->settle_until_ns < t)
		t = s->settle_until_ns;
	if (s->phase == PH_MEASURING && s->window_end_ns < t)
		t = s->window_end_ns;
	return t;
}

/* --- commands, stopping ------------------------------------------------------------ */

static void run_done(struct rig_seq *s)
{
	struct rig_seq_event *ev = seq_push(s, RIG_EV_RUN_DONE);
	ev->run_state = s->final_state;
	snprintf(ev->reason, sizeof(ev->reason), "%s", s->reason);
	s->state = s->final_state;
	s->phase = PH_DONE;
}

void seq_stop(struct rig_seq *s, enum rig_run_state final_state, const char *reason)
{
	if (s->state != RIG_RUN_RUNNING || s->phase == PH_STOPPING || s->phase == PH_DONE)
		return;
	bool was_measuring = s->phase != PH_IDLE;
	drop_queued_commands(s);
	s->final_state = final_state;
	snprintf(s->reason, sizeof(s->reason), "%s", reason ? reason : "");
	s->phase = PH_STOPPING;
	if (!s->cmd_outstanding)
		seq_send_command(s, RIG_CMD_OUTPUT_OFF);
	if (!was_measuring || final_state == RIG_RUN_PASSED || final_state == RIG_RUN_FAILED ||
	    final_state == RIG_RUN_INDETERMINATE)
		return;
	/* the point under way ends for every position still in it */
	enum rig_verdict v = final_state == RIG_RUN_ABORTED ? RIG_VERDICT_ABORTED : RIG_VERDICT_ERROR;
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (!s->pos[i].in_point)
			continue;
		struct rig_point_result r = {
			.point = s->point, .position = i + 1, .attempt = s->pos[i].attempt,
			.verdict = v, .current_a = s->primary_a,
		};
		r.gate.u_pct = -1;
		snprintf(r.detail, sizeof(r.detail), "%.150s", s->reason);
		note_earlier_loss(&s->pos[i], &r);
		emit_result(s, i, &r);
	}
}

static const char *cmd_name(enum rig_cmd_kind k)
{
	switch (k) {
	case RIG_CMD_OUTPUT_OFF:
		return "output off";
	case RIG_CMD_APPLY:
		return "apply setpoint";
	case RIG_CMD_OUTPUT_ON:
		return "output on";
	case RIG_CMD_READ_POWER:
		return "read power";
	}
	return "?";
}

void rig_seq_command_done(struct rig_seq *s, int64_t now_ns, bool ok, const char *error_text,
			  double power_w)
{
	if (!s->cmd_outstanding || s->state != RIG_RUN_RUNNING)
		return;
	advance_time(s, now_ns);
	s->cmd_outstanding = false;
	enum rig_cmd_kind kind = s->cmd_kind;
	if (s->phase == PH_STOPPING) {
		if (kind != RIG_CMD_OUTPUT_OFF) {
			seq_send_command(s, RIG_CMD_OUTPUT_OFF);
			return;
		}
		if (ok) {
			s->output_on = false;
		} else {
			/* the output may still be on: say so loudly */
			char reason[200];
			snprintf(reason, sizeof(reason), "output off failed: %.80s%s%.90s",
				 error_text ? error_text : "no reason given",
				 s->reason[0] ? "; after: " : "", s->reason);
			snprintf(s->reason, sizeof(s->reason), "%s", reason);
			s->final_state = RIG_RUN_ERROR;
		}
		run_done(s);
		return;
	}
	if (!ok) {
		char reason[200];
		snprintf(reason, sizeof(reason), "%s failed: %s", cmd_name(kind),
			 error_text && error_text[0] ? error_text : "no reason given");
		seq_stop(s, RIG_RUN_ERROR, reason);
		return;
	}
	switch (kind) {
	case RIG_CMD_APPLY:
		if (!s->output_on) {
			seq_send_command(s, RIG_CMD_OUTPUT_ON);
			s->phase = PH_SWITCHING_ON;
		} else if (cur_point(s)->kind == RIG_POINT_REGISTER) {
			seq_register_applied(s);
		} else {
			seq_start_measuring(s, settle_s(s));
		}
		break;
	case RIG_CMD_OUTPUT_ON:
		s->output_on = true;
		if (cur_point(s)->kind == RIG_POINT_REGISTER)
			seq_register_applied(s);
		else
			seq_start_measuring(s, settle_s(s));
		break;
	case RIG_CMD_READ_POWER:
		if (cur_point(s)->kind == RIG_POINT_REGISTER) {
			seq_register_power(s, power_w);
			break;
		}
		s->reference_source_w = power_w;
		for (int i = 0; i < s->fix->n_positions; i++)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].in_point && s->pos[i].gating[o])
					rig_gate_reference_power(&s->pos[i].gate[o],
								 s->settle_until_ns, power_w);
		s->phase = PH_MEASURING;
		seq_check_point_done(s);
		break;
	case RIG_CMD_OUTPUT_OFF:
		break;
	}
}

void rig_seq_abort(struct rig_seq *s, int64_t now_ns, const char *reason)
{
	advance_time(s, now_ns);
	seq_stop(s, RIG_RUN_ABORTED, reason && reason[0] ? reason : "aborted");
}

void rig_seq_fault(struct rig_seq *s, int64_t now_ns, const char *reason)
{
	advance_time(s, now_ns);
	seq_stop(s, RIG_RUN_ERROR, reason && reason[0] ? reason : "fault");
}
