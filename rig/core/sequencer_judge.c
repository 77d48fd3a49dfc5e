/* A position's verdict for the point's attempt, by the point's kind, and
 * whether it is final or measured again. */
#include <stdio.h>
#include <string.h>

#include "rig/core/sequencer_internal.h"

static enum outcome judge_indeterminate(const struct rig_seq *s, const struct pos_state *ps,
					enum rig_verdict *v)
{
	if (*v != RIG_VERDICT_INDETERMINATE)
		return FINAL;
	switch (s->prof->indeterminate) {
	case RIG_INDETERMINATE_RETEST:
		/* an extended gate has had the retests' looks already */
		return ps->attempt <= s->prof->max_retests && ps->gate_looks == 0 && !ps->futile
			       ? RETRY : FINAL;
	case RIG_INDETERMINATE_FAIL:
		*v = RIG_VERDICT_FAIL;
		return FINAL;
	case RIG_INDETERMINATE_REPORT:
		break;
	}
	return FINAL;
}

/* The power the window detects for certain goes with every creep and
 * starting-load result (and so onto the certificate). */
static void state_detect_limit(const struct rig_point *p, struct rig_point_result *r)
{
	seq_append(r->detail, sizeof(r->detail), " in %.0f s: detects %.1f W and above%s",
		   p->max_gate_s, rig_point_detect_limit_w(p),
		   p->detect_w > 0 ? " (window from the profile's detect)" : "");
}

/* Creep (at most max_edges with no load) or starting load (at least
 * min_edges): the edges the window counted. */
static void judge_edge_count(const struct rig_point *p, const struct pos_state *ps,
			     struct rig_point_result *r)
{
	bool creep = p->kind == RIG_POINT_CREEP;
	r->edges_counted = ps->count.edges;
	r->verdict = creep ? rig_check_creep(&ps->count, p->max_edges)
			   : rig_check_starting_load(&ps->count, p->min_edges);
	if (creep)
		snprintf(r->detail, sizeof(r->detail), "%d edges with no load (at most %d)",
			 ps->count.edges, p->max_edges);
	else
		snprintf(r->detail, sizeof(r->detail), "%d edges at starting load (at least %d)",
			 ps->count.edges, p->min_edges);
	state_detect_limit(p, r);
}

static void judge_duty(const struct rig_seq *s, struct pos_state *ps, struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	struct rig_duty_result d;
	rig_duty_result(&ps->duty, &d);
	r->verdict = rig_check_duty(&d, 0.5, p->band_pct / 100);
	r->value = d.duty >= 0 ? 100 * d.duty : -1;
	if (d.periods == 0)
		snprintf(r->detail, sizeof(r->detail), "no full output period in the window");
	else
		snprintf(r->detail, sizeof(r->detail), "duty %.3f %% +- %.3f %% over %d periods",
			 100 * d.duty, 200 * d.u_duty, d.periods);
	seq_judge_duty_pooled(s, ps, &d, r);
}

/* The reverse-phase LED as the guide states it (rig_reverse_led_expected):
 * where the guide says it may be on or off, what it did is reported and
 * not judged. */
static void judge_reverse_led(const struct rig_seq *s, const struct pos_state *ps,
			      struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	const struct rig_meter_model *m = &s->plan.pos[r->position - 1].model;
	double window = window_s(p);
	enum rig_led_expect want = rig_reverse_led_expected(rig_point_element_mask(p, m),
							      p->reversed, s->primary_a);
	/* steady state: on (or off) for at least 90 % of the window */
	r->led_on = rig_led_is_on(&ps->led);
	r->value = window > 0 ? 100 * rig_led_on_s(&ps->led, s->window_end_ns) / window : 0;
	if (want == RIG_LED_EXPECT_EITHER) {
		r->verdict = RIG_VERDICT_NONE;
		snprintf(r->detail, sizeof(r->detail),
			 "reverse LED on %.0f %% of %.0f s; not judged: the guide says it may be "
			 "on or off here", r->value, window);
		return;
	}
	bool on = want == RIG_LED_EXPECT_ON;
	r->verdict = on ? rig_check_led_on(&ps->led, s->window_end_ns, 0.9 * window)
			: rig_check_led_off(&ps->led, s->window_end_ns, 0.1 * window);
	snprintf(r->detail, sizeof(r->detail), "reverse LED on %.0f %% of %.0f s (expected %s)",
		 r->value, window, on ? "on" : "off");
	if (on && r->verdict == RIG_VERDICT_FAIL)
		seq_append(r->detail, sizeof(r->detail),
			   ": CT %s driven reversed %s, the meter does not see it reversed (a CT "
			   "wired backwards, or a dead LED)",
			   p->reversed == 3 ? "1 and 2" : p->reversed == 2 ? "2" : "1",
			   p->reversed == 3 ? "(CTs swapped between lines)" : "alone");
}

/* Guide 2.3: the power LED is lit whenever the meter has proper voltage,
 * which every point applies; dark at any time after the settle fails. */
static void judge_power_led(const struct rig_seq *s, const struct pos_state *ps,
			    struct rig_point_result *r)
{
	/* the connection check reads the LED itself: dark there is an empty position */
	if (cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
		return;
	if (s->fix->pos[r->position - 1][RIG_SIG_POWER_LED].line < 0)
		return;
	if (!ps->power_led_dark && ps->power_led)
		return;
	r->power_led_off = true;
	r->verdict = rig_verdict_worst(r->verdict, RIG_VERDICT_FAIL);
	char own[sizeof(r->detail)];
	snprintf(own, sizeof(own), "%s", r->detail);
	r->detail[0] = '\0';
	seq_append(r->detail, sizeof(r->detail), "power LED dark at %.0f V; %s", cur_point(s)->voltage_v,
		   own);
}

enum outcome seq_judge(const struct rig_seq *s, struct pos_state *ps,
		       struct rig_point_result *r, bool *final_pooled)
{
	const struct rig_point *p = cur_point(s);
	enum outcome out = FINAL;
	r->reference_w = rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		out = seq_judge_gates(s, ps, r, final_pooled);
		if (out == RETRY || r->verdict == RIG_VERDICT_ERROR)
			return out;
		break;
	case RIG_POINT_CREEP:
	case RIG_POINT_STARTING_LOAD:
		judge_edge_count(p, ps, r);
		break;
	case RIG_POINT_PULSE_DUTY:
		judge_duty(s, ps, r);
		break;
	case RIG_POINT_REVERSE_LED:
		judge_reverse_led(s, ps, r);
		break;
	case RIG_POINT_WARM_UP:
		r->verdict = RIG_VERDICT_NONE;
		snprintf(r->detail, sizeof(r->detail), "warm-up: %.0f s at %g A, nothing judged",
			 window_s(p), s->primary_a);
		break;
	case RIG_POINT_CONNECTION_CHECK:
		if (s->primary_a > 0)
			seq_judge_connection(s, ps, r);
		else
			seq_judge_voltage_only(s, ps, r->position - 1, r);
		break;
	case RIG_POINT_REGISTER:
		seq_judge_register(s, ps, r);
		judge_power_led(s, ps, r);
		/* never retested: the readings are the operator's, given once */
		if (r->verdict == RIG_VERDICT_INDETERMINATE &&
		    s->prof->indeterminate == RIG_INDETERMINATE_FAIL)
			r->verdict = RIG_VERDICT_FAIL;
		return FINAL;
	}
	judge_power_led(s, ps, r);
	return judge_indeterminate(s, ps, &r->verdict);
}
