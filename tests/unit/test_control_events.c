/* rigd's event lines for subscribed clients: what rigctl and other clients
 * read (documented in rig/README.md). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/jsonl.h"
#include "rig/rigd/events.h"

static struct rig_profile profile;
static struct rig_fixture fixture;
static struct rig_run_plan plan;
static struct run_context ctx;

static void setup(void)
{
	memset(&profile, 0, sizeof(profile));
	profile.n_points = 2;
	snprintf(profile.points[0].name, RIG_NAME_LEN, "full-load");
	profile.points[0].kind = RIG_POINT_ACCURACY;
	profile.points[0].band_pct = 0.5;
	snprintf(profile.points[1].name, RIG_NAME_LEN, "creep");
	profile.points[1].kind = RIG_POINT_CREEP;
	memset(&fixture, 0, sizeof(fixture));
	fixture.n_positions = 2;
	memset(&plan, 0, sizeof(plan));
	plan.profile = &profile;
	plan.fixture = &fixture;
	plan.pos[1].present = true;
	snprintf(plan.pos[1].serial, sizeof(plan.pos[1].serial), "A124");
	snprintf(plan.pos[1].model.model, sizeof(plan.pos[1].model.model), "MMD-120-2001");
	memset(&ctx, 0, sizeof(ctx));
	snprintf(ctx.run_id, sizeof(ctx.run_id), "run-7");
	ctx.profile = &profile;
	ctx.plan = &plan;
}

static cJSON *event(const struct rig_seq_event *ev)
{
	cJSON *o = event_to_json(&ctx, ev);
	ck_assert_ptr_nonnull(o);
	/* Every event survives a round trip through its line. */
	char *line = rig_json_line(o);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(line[strlen(line) - 1], '\n');
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);	/* one line */
	cJSON *back = cJSON_Parse(line);
	ck_assert_ptr_nonnull(back);
	free(line);
	cJSON_Delete(o);
	return back;
}

START_TEST(point_result_names_the_meter_and_the_numbers)
{
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_POINT_RESULT;
	ev.result.point = 0;
	ev.result.position = 2;
	ev.result.attempt = 2;
	ev.result.verdict = RIG_VERDICT_FAIL;
	ev.result.gate.error_pct = 0.82;
	ev.result.gate.u_pct = NAN;	/* not known: null, never "nan" */
	ev.result.gate.edges_used = 41;
	snprintf(ev.result.detail, sizeof(ev.result.detail), "he said \"no\"");
	cJSON *o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "event", ""), "point");
	ck_assert_str_eq(rig_json_str(o, "run", ""), "run-7");
	ck_assert_str_eq(rig_json_str(o, "name", ""), "full-load");
	ck_assert_str_eq(rig_json_str(o, "kind", ""), "accuracy");
	ck_assert_int_eq((int)rig_json_num(o, "position", 0), 2);
	ck_assert_str_eq(rig_json_str(o, "serial", ""), "A124");
	ck_assert_str_eq(rig_json_str(o, "model", ""), "MMD-120-2001");
	ck_assert_str_eq(rig_json_str(o, "verdict", ""), "fail");
	/* a gate that never closed: its error is not said either (the store
	 * keeps NULL for it), never a number nobody measured */
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "error_pct")));
	ck_assert_double_eq_tol(rig_json_num(o, "band_pct", 0), 0.5, 1e-12);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "u_pct")));
	ck_assert_int_eq((int)rig_json_num(o, "attempt", 0), 2);
	ck_assert_str_eq(rig_json_str(o, "detail", ""), "he said \"no\"");
	cJSON_Delete(o);
}
END_TEST

/* The outputs gated beside the point's own go out with it, each with its
 * registration, U and verdict; a dead one as its bound. */
START_TEST(point_result_lists_every_output)
{
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_POINT_RESULT;
	ev.result.position = 1;
	ev.result.verdict = RIG_VERDICT_FAIL;
	ev.result.n_outputs = 2;
	ev.result.outputs[0] = (struct rig_output_result){
		.sig = RIG_SIG_KH100, .kh = 100, .verdict = RIG_VERDICT_FAIL, .error_pct = -52,
		.u_pct = 48, .edges = 0, .bound = true, .duty = -1 };
	ev.result.outputs[1] = (struct rig_output_result){
		.sig = RIG_SIG_LOAD_LED, .kh = 10, .verdict = RIG_VERDICT_PASS, .error_pct = 0.1,
		.u_pct = 0.2, .edges = 9, .duty = 0.5 };
	cJSON *o = event(&ev);
	cJSON *arr = cJSON_GetObjectItem(o, "outputs");
	ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
	cJSON *a = cJSON_GetArrayItem(arr, 0), *b = cJSON_GetArrayItem(arr, 1);
	ck_assert_str_eq(rig_json_str(a, "output", ""), "kh100");
	ck_assert_str_eq(rig_json_str(a, "verdict", ""), "fail");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(a, "bound")));
	ck_assert_double_eq_tol(rig_json_num(a, "u_pct", 0), 48, 1e-12);
	ck_assert_str_eq(rig_json_str(b, "output", ""), "load_led");
	ck_assert_double_eq_tol(rig_json_num(b, "duty", 0), 0.5, 1e-12);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "power_led_off"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(abandoned_attempt_is_a_point_retry_with_the_loss)
{
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_POINT_RETRY;
	ev.result.point = 0;
	ev.result.position = 2;
	ev.result.attempt = 1;
	ev.result.verdict = RIG_VERDICT_ERROR;
	ev.result.gate.state = RIG_GATE_INVALID;
	ev.result.gate.lost_edges = 1976;
	snprintf(ev.result.detail, sizeof(ev.result.detail),
		 "Kh 10: 1976 edges lost (line seqno gap); measuring again");
	cJSON *o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "event", ""), "point_retry");
	ck_assert_str_eq(rig_json_str(o, "name", ""), "full-load");
	ck_assert_int_eq((int)rig_json_num(o, "position", 0), 2);
	ck_assert_int_eq((int)rig_json_num(o, "attempt", 0), 1);
	ck_assert_str_eq(rig_json_str(o, "verdict", ""), "error");
	ck_assert_int_eq((int)rig_json_num(o, "lost_edges", 0), 1976);
	ck_assert_ptr_nonnull(strstr(rig_json_str(o, "detail", ""), "measuring again"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(creep_progress_and_done)
{
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_POINT_RESULT;
	ev.result.point = 1;
	ev.result.position = 2;
	ev.result.verdict = RIG_VERDICT_PASS;
	ev.result.edges_counted = 1;
	cJSON *o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "kind", ""), "creep");
	ck_assert_int_eq((int)rig_json_num(o, "edges", -1), 1);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "error_pct"));
	cJSON_Delete(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_PROGRESS;
	ev.point = 1;
	ev.elapsed_s = 130.5;
	ev.remaining_s = 42;
	ev.point_u_pct = 0.08;
	o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "event", ""), "progress");
	ck_assert_int_eq((int)rig_json_num(o, "points", 0), 2);
	ck_assert_double_eq_tol(rig_json_num(o, "elapsed_s", 0), 130.5, 1e-9);
	ck_assert_double_eq_tol(rig_json_num(o, "remaining_s", 0), 42, 1e-9);
	ck_assert_double_eq_tol(rig_json_num(o, "u_pct", 0), 0.08, 1e-9);
	cJSON_Delete(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_RUN_DONE;
	ev.run_state = RIG_RUN_ABORTED;
	snprintf(ev.reason, sizeof(ev.reason), "SIGTERM received");
	o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "event", ""), "done");
	ck_assert_str_eq(rig_json_str(o, "state", ""), "aborted");
	ck_assert_str_eq(rig_json_str(o, "reason", ""), "SIGTERM received");
	cJSON_Delete(o);

	/* Source commands are not for clients. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_COMMAND;
	ck_assert_ptr_null(event_to_json(&ctx, &ev));
}
END_TEST

START_TEST(out_of_range_points_do_not_crash)
{
	struct rig_seq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RIG_EV_POINT_STARTED;
	ev.point = 99;
	cJSON *o = event(&ev);
	ck_assert_str_eq(rig_json_str(o, "name", ""), "?");
	cJSON_Delete(o);
	ev.kind = RIG_EV_POINT_RESULT;
	ev.result.point = -1;
	ev.result.position = 0;	/* not a bench position */
	o = event(&ev);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "serial"));
	cJSON_Delete(o);
}
END_TEST

Suite *suite_control_events(void)
{
	Suite *s = suite_create("control_events");
	TCase *tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, point_result_names_the_meter_and_the_numbers);
	tcase_add_test(tc, abandoned_attempt_is_a_point_retry_with_the_loss);
	tcase_add_test(tc, point_result_lists_every_output);
	tcase_add_test(tc, creep_progress_and_done);
	tcase_add_test(tc, out_of_range_points_do_not_crash);
	suite_add_tcase(s, tc);
	return s;
}
