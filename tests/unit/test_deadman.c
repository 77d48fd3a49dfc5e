/* The dead-man and the off paths with the real programs: tests/e2e/deadman
 * starts rig-sim and rigd ($RIG_BIN), kills or stops rigd mid-run with the
 * output on and measures, on CLOCK_MONOTONIC, when the simulated source
 * went off and why; runs `rigd --safe-off` and rigd's start-up against a
 * silent, slow and garbling instrument; and listens to rigd's systemd
 * watchdog pings. The script's output is shown on failure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/unit/e2e_script.h"
#include <unistd.h>

#include "rig/rigd/notify.h"

static void run_deadman(const char *name)
{
	run_e2e_script("deadman", name);
}

START_TEST(sigkill_mid_run_output_off_within_1s) { run_deadman("kill"); }
END_TEST
START_TEST(a_stall_past_the_relay_hold_stores_no_result) { run_deadman("stall-no-result"); }
END_TEST
START_TEST(a_busy_loop_keeps_the_relay_and_its_results) { run_deadman("busy-loop-holds"); }
END_TEST
START_TEST(a_hung_loop_lets_the_relay_drop_after_its_hold) { run_deadman("hung-loop-off"); }
END_TEST
START_TEST(safe_off_switches_off_with_a_broken_fixture) { run_deadman("off-bad-fixture"); }
END_TEST
START_TEST(sigstop_mid_run_output_off_within_1s) { run_deadman("stop"); }
END_TEST
START_TEST(sigstop_then_sigcont_ends_the_run_as_an_error_that_says_why) { run_deadman("stop-resume"); }
END_TEST
START_TEST(heartbeat_relay_alone_switches_off) { run_deadman("heartbeat-only"); }
END_TEST
START_TEST(instrument_watchdog_alone_switches_off) { run_deadman("watchdog-only"); }
END_TEST
START_TEST(off_paths_switch_off_a_silent_instrument) { run_deadman("off-noreply"); }
END_TEST
START_TEST(off_paths_switch_off_a_slow_instrument) { run_deadman("off-slow"); }
END_TEST
START_TEST(off_paths_switch_off_a_garbling_instrument) { run_deadman("off-garble"); }
END_TEST
START_TEST(systemd_watchdog_pings_only_while_the_loop_runs) { run_deadman("systemd"); }
END_TEST
START_TEST(systemd_status_says_the_run_its_point_and_its_end) { run_deadman("systemd-status"); }
END_TEST

/* systemd's watchdog settings as rigd reads them (sd_watchdog_enabled). */
START_TEST(watchdog_interval_from_the_environment)
{
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	ck_assert_int_eq(rig_notify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "3000000", 1);
	ck_assert_int_eq(rig_notify_watchdog_ns(), 3000000000LL);
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(rig_notify_watchdog_ns(), 3000000000LL);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(rig_notify_watchdog_ns(), 0);	/* meant for another process */
	unsetenv("WATCHDOG_PID");
	static const char *const bad[] = { "", "0", "-5", "12abc", "1e6", "99999999999999999999",
					   "86400000001" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		ck_assert_msg(rig_notify_watchdog_ns() == 0, "WATCHDOG_USEC=%s accepted", bad[i]);
	}
	unsetenv("WATCHDOG_USEC");
}
END_TEST

Suite *suite_deadman(void)
{
	Suite *s = suite_create("deadman");
	TCase *tc = tcase_create("environment");
	tcase_add_test(tc, watchdog_interval_from_the_environment);
	suite_add_tcase(s, tc);
	tc = tcase_create("programs");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, sigkill_mid_run_output_off_within_1s);
	tcase_add_test(tc, a_stall_past_the_relay_hold_stores_no_result);
	tcase_add_test(tc, a_busy_loop_keeps_the_relay_and_its_results);
	tcase_add_test(tc, a_hung_loop_lets_the_relay_drop_after_its_hold);
	tcase_add_test(tc, safe_off_switches_off_with_a_broken_fixture);
	tcase_add_test(tc, sigstop_mid_run_output_off_within_1s);
	tcase_add_test(tc, sigstop_then_sigcont_ends_the_run_as_an_error_that_says_why);
	tcase_add_test(tc, heartbeat_relay_alone_switches_off);
	tcase_add_test(tc, instrument_watchdog_alone_switches_off);
	tcase_add_test(tc, off_paths_switch_off_a_silent_instrument);
	tcase_add_test(tc, off_paths_switch_off_a_slow_instrument);
	tcase_add_test(tc, off_paths_switch_off_a_garbling_instrument);
	tcase_add_test(tc, systemd_watchdog_pings_only_while_the_loop_runs);
	tcase_add_test(tc, systemd_status_says_the_run_its_point_and_its_end);
	suite_add_tcase(s, tc);
	return s;
}
