#include "rig/rigd/events.h"

#include <math.h>
#include <string.h>

#include "rig/common/jsonl.h"

static const struct rig_point *point_of(const struct run_context *ctx, int index)
{
	if (!ctx->profile || index < 0 || index >= ctx->profile->n_points)
		return NULL;
	return &ctx->profile->points[index];
}

static void add_point_identity(cJSON *o, const struct run_context *ctx, int index)
{
	cJSON_AddStringToObject(o, "run", ctx->run_id);
	cJSON_AddNumberToObject(o, "point", index);
	const struct rig_point *p = point_of(ctx, index);
	cJSON_AddStringToObject(o, "name", p ? p->name : "?");
	cJSON_AddStringToObject(o, "kind", p ? rig_point_kind_name(p->kind) : "?");
	if (ctx->profile)
		cJSON_AddNumberToObject(o, "points", ctx->profile->n_points);
}

/* The outputs gated beside an accuracy point's own, each judged on its
 * own evidence ("none": not decided at this point's power). */
static void add_outputs(cJSON *o, const struct rig_point_result *r)
{
	if (r->n_outputs <= 0)
		return;
	cJSON *arr = cJSON_AddArrayToObject(o, "outputs");
	for (int i = 0; i < r->n_outputs && i < RIG_SEQ_MAX_OUTPUTS; i++) {
		const struct rig_output_result *out = &r->outputs[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "output", rig_signal_name(out->sig));
		rig_json_add_number(e, "kh", out->kh);
		cJSON_AddStringToObject(e, "verdict", rig_verdict_name(out->verdict));
		if (out->u_pct >= 0) {
			rig_json_add_number(e, "error_pct", out->error_pct);
			rig_json_add_number(e, "u_pct", out->u_pct);
		}
		cJSON_AddBoolToObject(e, "bound", out->bound);
		if (out->lost)
			cJSON_AddBoolToObject(e, "lost", true);
		cJSON_AddNumberToObject(e, "edges", out->edges);
		if (out->duty >= 0)
			rig_json_add_number(e, "duty", out->duty);
		cJSON_AddItemToArray(arr, e);
	}
}

cJSON *point_result_to_json(const struct run_context *ctx, const struct rig_point_result *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "point");
	add_point_identity(o, ctx, r->point);
	int pos = r->position;	/* 1-based, as rig_fixture_route gives it */
	cJSON_AddNumberToObject(o, "position", pos);
	if (ctx->plan && pos >= 1 && pos <= RIG_MAX_POSITIONS) {
		const struct rig_seq_position *sp = &ctx->plan->pos[pos - 1];
		cJSON_AddStringToObject(o, "serial", sp->serial);
		cJSON_AddStringToObject(o, "model", sp->model.model);
	}
	cJSON_AddNumberToObject(o, "attempt", r->attempt);
	cJSON_AddStringToObject(o, "verdict", rig_verdict_name(r->verdict));
	const struct rig_point *p = point_of(ctx, r->point);
	bool accuracy_like = p && (p->kind == RIG_POINT_ACCURACY);
	if (accuracy_like) {
		/* a gate that never closed measured nothing: null rather than a
		 * number, as the store keeps it */
		bool measured = (r->gate.state == RIG_GATE_DONE ||
				 r->gate.state == RIG_GATE_TIMED_OUT) &&
				isfinite(r->gate.error_pct) && isfinite(r->gate.u_pct);
		rig_json_add_number(o, "error_pct", measured ? r->gate.error_pct : NAN);
		rig_json_add_number(o, "u_pct", measured ? r->gate.u_pct : NAN);
		rig_json_add_number(o, "band_pct", p->band_pct);
		cJSON_AddNumberToObject(o, "edges", r->gate.edges_used);
		rig_json_add_number(o, "gate_s", r->gate.gate_s);
		rig_json_add_number(o, "registered_wh", r->gate.registered_wh);
		rig_json_add_number(o, "reference_wh", r->gate.reference_wh);
		if (r->gate.lost_edges)
			cJSON_AddNumberToObject(o, "lost_edges", (double)r->gate.lost_edges);
		add_outputs(o, r);
	} else if (p) {
		if (p->kind == RIG_POINT_CREEP || p->kind == RIG_POINT_STARTING_LOAD)
			cJSON_AddNumberToObject(o, "edges", r->edges_counted);
		if (p->kind == RIG_POINT_REVERSE_LED)
			cJSON_AddBoolToObject(o, "led_on", r->led_on);
		if (p->kind == RIG_POINT_REGISTER && r->has_readings) {
			if (r->reading_before_kwh >= 0)
				rig_json_add_number(o, "reading_before_kwh", r->reading_before_kwh);
			if (r->reading_after_kwh >= 0)
				rig_json_add_number(o, "reading_after_kwh", r->reading_after_kwh);
			if (r->reading_before_kwh >= 0 && r->reading_after_kwh >= 0) {
				rig_json_add_number(o, "advance_kwh", r->value);
				rig_json_add_number(o, "error_pct", r->gate.error_pct);
			}
			rig_json_add_number(o, "reference_wh", r->gate.reference_wh);
			rig_json_add_number(o, "band_pct", p->band_pct);
			rig_json_add_number(o, "resolution_kwh", p->resolution_kwh);
		}
		if (p->kind == RIG_POINT_PULSE_DUTY || p->kind == RIG_POINT_OUTPUT_CONSISTENCY) {
			rig_json_add_number(o, "value", r->value);
			rig_json_add_number(o, "band_pct", p->band_pct);
		}
	}
	if (r->power_led_off)
		cJSON_AddBoolToObject(o, "power_led_off", true);
	rig_json_add_number(o, "current_a", r->current_a);
	rig_json_add_number(o, "reference_w", r->reference_w);
	cJSON_AddStringToObject(o, "detail", r->detail);
	return o;
}

/* A register point asks for the LCD readings of these positions. */
static cJSON *reading_wanted_to_json(const struct run_context *ctx, const struct rig_seq_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "reading_wanted");
	add_point_identity(o, ctx, ev->point);
	cJSON_AddStringToObject(o, "when", ev->reading_after ? "after" : "before");
	rig_json_add_number(o, "wait_s", ev->remaining_s);
	cJSON *arr = cJSON_AddArrayToObject(o, "positions");
	for (int i = 0; i < RIG_MAX_POSITIONS; i++) {
		if (!(ev->positions & (1u << i)))
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "position", i + 1);
		if (ctx->plan)
			cJSON_AddStringToObject(e, "serial", ctx->plan->pos[i].serial);
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

cJSON *event_to_json(const struct run_context *ctx, const struct rig_seq_event *ev)
{
	cJSON *o;
	switch (ev->kind) {
	case RIG_EV_POINT_STARTED:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "point_started");
		add_point_identity(o, ctx, ev->point);
		return o;
	case RIG_EV_PROGRESS:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "progress");
		add_point_identity(o, ctx, ev->point);
		cJSON_AddNumberToObject(o, "position", ev->result.position);
		rig_json_add_number(o, "elapsed_s", ev->elapsed_s);
		rig_json_add_number(o, "remaining_s", ev->remaining_s);
		rig_json_add_number(o, "u_pct", ev->point_u_pct);
		return o;
	case RIG_EV_POINT_RESULT:
		return point_result_to_json(ctx, &ev->result);
	case RIG_EV_POINT_RETRY:
		/* the abandoned attempt, as a "point" would carry it */
		o = point_result_to_json(ctx, &ev->result);
		cJSON_ReplaceItemInObject(o, "event", cJSON_CreateString("point_retry"));
		return o;
	case RIG_EV_RUN_DONE:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "done");
		cJSON_AddStringToObject(o, "run", ctx->run_id);
		cJSON_AddStringToObject(o, "state", rig_run_state_name(ev->run_state));
		cJSON_AddStringToObject(o, "reason", ev->reason);
		return o;
	case RIG_EV_READING_WANTED:
		return reading_wanted_to_json(ctx, ev);
	case RIG_EV_COMMAND:
		break;
	}
	return NULL;
}
