/* The real programs end to end on the simulated bench: each scenario of
 * tests/e2e/scenario starts rig-sim and rigd ($RIG_BIN) on a private
 * directory, drives them with rigctl and checks the database, the source's
 * output state, exit codes and files. Their output is shown on failure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/unit/e2e_script.h"

static void run_scenario(const char *name)
{
	run_e2e_script("scenario", name);
}

START_TEST(known_errors_are_measured_stored_and_reported) { run_scenario("truth"); }
END_TEST
START_TEST(a_recording_reproduces_every_stored_point_and_an_altered_one_does_not)
{
	run_scenario("recording");
}
END_TEST

START_TEST(sigterm_mid_run_aborts_with_the_source_off) { run_scenario("sigterm"); }
END_TEST
START_TEST(sigkill_then_restart_marks_interrupted_and_switches_off) { run_scenario("sigkill"); }
END_TEST
START_TEST(silent_instrument_mid_run_is_a_rig_error) { run_scenario("silent"); }
END_TEST
START_TEST(dropped_connection_mid_run_then_recovery) { run_scenario("drop"); }
END_TEST
START_TEST(lost_edges_are_measured_again) { run_scenario("lost-edges"); }
END_TEST
START_TEST(slow_instrument_replies_still_measure_right) { run_scenario("slow-reply"); }
END_TEST

START_TEST(malformed_oversized_two_clients_and_abort) { run_scenario("control"); }
END_TEST
START_TEST(bad_models_profiles_and_positions_are_refused) { run_scenario("refusals"); }
END_TEST
START_TEST(no_start_while_the_interlock_is_open) { run_scenario("interlock"); }
END_TEST
START_TEST(a_wrong_model_is_refused_unless_overridden_and_recorded) { run_scenario("model-safety"); }
END_TEST

START_TEST(hostile_clients_and_fd_exhaustion_do_not_stall_rigd) { run_scenario("hostile"); }
END_TEST

START_TEST(register_point_reads_the_lcd_and_never_blocks) { run_scenario("register"); }
END_TEST

START_TEST(a_meter_is_run_and_stored_at_its_rating) { run_scenario("rating"); }
END_TEST

START_TEST(meter_faults_set_on_the_running_simulator_fail_named) { run_scenario("runtime-faults"); }
END_TEST

START_TEST(a_second_job_waits_its_turn_in_the_queue) { run_scenario("queue"); }
END_TEST

START_TEST(a_rig_error_empties_the_queue_so_no_job_switches_the_source_back_on)
{
	run_scenario("queue-rig-error");
}
END_TEST

START_TEST(safe_off_empties_the_queue_so_no_job_switches_the_source_back_on)
{
	run_scenario("queue-safe-off");
}
END_TEST

START_TEST(rigctl_runs_through_an_ssh_forwarded_socket) { run_scenario("ssh-forward"); }
END_TEST

Suite *suite_e2e_bench(void)
{
	Suite *s = suite_create("e2e_bench");
	TCase *tc = tcase_create("simulated bench");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, known_errors_are_measured_stored_and_reported);
	tcase_add_test(tc, a_recording_reproduces_every_stored_point_and_an_altered_one_does_not);
	tcase_add_test(tc, sigterm_mid_run_aborts_with_the_source_off);
	tcase_add_test(tc, sigkill_then_restart_marks_interrupted_and_switches_off);
	tcase_add_test(tc, silent_instrument_mid_run_is_a_rig_error);
	tcase_add_test(tc, dropped_connection_mid_run_then_recovery);
	tcase_add_test(tc, lost_edges_are_measured_again);
	tcase_add_test(tc, slow_instrument_replies_still_measure_right);
	tcase_add_test(tc, malformed_oversized_two_clients_and_abort);
	tcase_add_test(tc, bad_models_profiles_and_positions_are_refused);
	tcase_add_test(tc, no_start_while_the_interlock_is_open);
	tcase_add_test(tc, a_wrong_model_is_refused_unless_overridden_and_recorded);
	tcase_add_test(tc, register_point_reads_the_lcd_and_never_blocks);
	tcase_add_test(tc, a_meter_is_run_and_stored_at_its_rating);
	tcase_add_test(tc, meter_faults_set_on_the_running_simulator_fail_named);
	tcase_add_test(tc, hostile_clients_and_fd_exhaustion_do_not_stall_rigd);
	tcase_add_test(tc, a_second_job_waits_its_turn_in_the_queue);
	tcase_add_test(tc, safe_off_empties_the_queue_so_no_job_switches_the_source_back_on);
	tcase_add_test(tc, a_rig_error_empties_the_queue_so_no_job_switches_the_source_back_on);
	tcase_add_test(tc, rigctl_runs_through_an_ssh_forwarded_socket);
	suite_add_tcase(s, tc);
	return s;
}
