/* The run plan's checks before a run starts: every present position's
 * model, wiring and setpoints, and one source current for them all. */
#include <stdio.h>

#include "rig/core/model_check.h"
#include "rig/core/sequencer_internal.h"

static int wiring_error(struct rig_error *err, const char *file, const struct rig_point *p,
			int i, enum rig_signal sig)
{
	return rig_error_set(err, file, p->line,
			     "point '%s': position %d: signal %s is not wired on this fixture",
			     p->name, i + 1, rig_signal_name(sig));
}

/* A reverse-LED point whose "led" contradicts what the guide promises is
 * a profile error (it would fail good meters or pass bad ones); where the
 * guide leaves the LED open the point only reports it. */
static int check_led_expectation(const struct rig_point *p, const struct rig_meter_model *m,
				 const char *file, struct rig_error *err)
{
	if (p->kind != RIG_POINT_REVERSE_LED)
		return 0;
	enum rig_led_expect want = rig_reverse_led_expected(rig_point_element_mask(p, m),
							      p->reversed, rig_point_current_a(p, m));
	if (want == RIG_LED_EXPECT_EITHER || (want == RIG_LED_EXPECT_ON) == p->led_expected_on)
		return 0;
	return rig_error_set(err, file, p->line,
			     "point '%s': led = %s, but the guide says the reverse LED is %s here "
			     "(%s)", p->name, p->led_expected_on ? "on" : "off",
			     want == RIG_LED_EXPECT_ON ? "on" : "off",
			     want == RIG_LED_EXPECT_ON ? "every loaded element reversed, above 1 A"
						       : "no element reversed, above 1 A");
}

static int check_position(const struct rig_run_plan *plan, int i, struct rig_error *err)
{
	const struct rig_profile *prof = plan->profile;
	const struct rig_fixture *fix = plan->fixture;
	const struct rig_meter_model *m = &plan->pos[i].model;
	const char *file = prof->source_file;
	if (rig_profile_check_model(prof, m, err)) {
		if (err) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			snprintf(err->msg, sizeof(err->msg), "position %d: %.480s", i + 1, msg);
		}
		return -1;
	}
	for (int k = 0; k < prof->n_points; k++) {
		const struct rig_point *p = &prof->points[k];
		if (!rig_point_applies(p, m))
			continue;
		if (p->kind == RIG_POINT_OUTPUT_CONSISTENCY) {
			for (int o = 0; o < N_KH_OUTPUTS; o++)
				if (rig_model_has_output(m, output_kh[o]) &&
				    fix->pos[i][output_sig[o]].line < 0)
					return wiring_error(err, file, p, i, output_sig[o]);
		} else if (p->kind != RIG_POINT_WARM_UP && p->kind != RIG_POINT_REGISTER &&
			   fix->pos[i][point_signal(p)].line < 0) {
			return wiring_error(err, file, p, i, point_signal(p));
		}
		if (check_led_expectation(p, m, file, err))
			return -1;
		struct rig_setpoint sp;
		if (rig_setpoint_for_point(p, m, fix, file, &sp, err))
			return -1;
	}
	return 0;
}

int seq_check_plan(const struct rig_run_plan *plan, struct rig_error *err)
{
	if (!plan || !plan->profile || !plan->fixture)
		return rig_error_set(err, NULL, 0, "run plan without a profile or a fixture");
	const struct rig_profile *prof = plan->profile;
	const struct rig_fixture *fix = plan->fixture;
	if (prof->n_points < 1 || prof->n_points > RIG_PROFILE_MAX_POINTS)
		return rig_error_set(err, prof->source_file, 0, "profile '%s' has no points",
				     prof->name);
	if (fix->n_positions < 1 || fix->n_positions > RIG_MAX_POSITIONS)
		return rig_error_set(err, fix->source_file, 0, "fixture '%s' has no positions",
				     fix->name);
	if (fix->reference == RIG_REF_STANDARD_PULSES && !(fix->ref_wh_per_pulse > 0))
		return rig_error_set(err, fix->source_file, 0,
				     "fixture '%s': standard-gated reference without Wh per pulse",
				     fix->name);
	int first = -1;
	for (int i = 0; i < fix->n_positions; i++) {
		if (!plan->pos[i].present)
			continue;
		if (rig_model_check_position(&plan->pos[i].model, i + 1, plan->pos[i].serial,
					     plan->expected_model, plan->pos[i].stored_model,
					     plan->model_override, err) ||
		    check_position(plan, i, err))
			return -1;
		if (first < 0) {
			first = i;
			continue;
		}
		/* one source drives every position: they must want the same amps */
		const struct rig_meter_model *a = &plan->pos[first].model, *b = &plan->pos[i].model;
		if (fabs(rig_setpoint_primary_per_source(fix, a) -
			 rig_setpoint_primary_per_source(fix, b)) > 1e-9 ||
		    fabs(a->rated_current_a - b->rated_current_a) > 1e-9)
			return rig_error_set(err, NULL, 0,
					     "positions %d (%s) and %d (%s) need different source "
					     "currents; test them in separate runs",
					     first + 1, a->model, i + 1, b->model);
	}
	if (first < 0)
		return rig_error_set(err, NULL, 0, "no meter present on the bench");
	return 0;
}
