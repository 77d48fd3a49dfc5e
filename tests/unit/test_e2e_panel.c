/* The operator panel in a real browser: each scenario of tests/e2e/panel
 * runs headless Chromium (playwright-core, tests/browser) against rigd
 * serving the panel and rig-sim. Screenshots land in build/browser/. */
#include <check.h>

#include "tests/unit/e2e_script.h"

static void run_panel(const char *name)
{
	run_e2e_script("panel", name);
}

START_TEST(a_batch_from_scan_to_verdict_tiles) { run_panel("batch"); }
END_TEST
START_TEST(a_wrong_model_is_refused_and_a_supervisor_override_recorded) { run_panel("wrong-model"); }
END_TEST
START_TEST(abort_needs_no_sign_in_other_writes_need_a_session_and_csrf) { run_panel("abort"); }
END_TEST
START_TEST(start_is_refused_with_the_reason_while_the_lid_is_open) { run_panel("lid"); }
END_TEST
START_TEST(an_overdue_calibration_runs_only_on_a_supervisors_recorded_override)
{
	run_panel("calibration");
}
END_TEST
START_TEST(a_dropped_connection_reconnects_and_shows_the_true_state) { run_panel("reconnect"); }
END_TEST

Suite *suite_e2e_panel(void)
{
	Suite *s = suite_create("e2e_panel");
	TCase *tc = tcase_create("browser");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_batch_from_scan_to_verdict_tiles);
	tcase_add_test(tc, a_wrong_model_is_refused_and_a_supervisor_override_recorded);
	tcase_add_test(tc, abort_needs_no_sign_in_other_writes_need_a_session_and_csrf);
	tcase_add_test(tc, start_is_refused_with_the_reason_while_the_lid_is_open);
	tcase_add_test(tc, an_overdue_calibration_runs_only_on_a_supervisors_recorded_override);
	tcase_add_test(tc, a_dropped_connection_reconnects_and_shows_the_true_state);
	suite_add_tcase(s, tc);
	return s;
}
