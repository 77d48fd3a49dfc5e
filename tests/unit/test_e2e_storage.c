/* Nothing said that is not stored, through the real programs: each case
 * runs tests/e2e/storage NAME (rig-sim, rigd, rigctl on a private
 * directory) and shows its output on failure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/unit/e2e_script.h"

static void run_storage_scenario(const char *name)
{
	run_e2e_script("storage", name);
}

/* The database cannot grow mid-run: the run is an error (exit 4, the
 * reason shown, no position passed, output off), and every point a client
 * was shown is stored with the values it was shown. */
START_TEST(a_full_database_is_a_rig_error_and_nothing_unstored_is_said)
{
	run_storage_scenario("full");
}
END_TEST

/* Another writer holds the lock for 10 s: the run ends as an error within
 * the lock's time, no new run starts until the end is stored, and it is
 * stored once the lock goes. */
START_TEST(a_lock_beyond_the_busy_timeout_is_a_rig_error_promptly)
{
	run_storage_scenario("lock");
}
END_TEST

/* rigd SIGKILLed the moment a client reads "done", five times: the
 * database holds the state "done" said. */
START_TEST(done_goes_out_only_after_the_end_is_committed)
{
	run_storage_scenario("done-committed");
}
END_TEST

/* "results" with limit 100000 on 20,000 rows: every row arrives, a page
 * per reply, never a reply over the output cap or a dropped client. */
START_TEST(a_large_result_comes_in_pages_and_the_client_stays)
{
	run_storage_scenario("paged");
}
END_TEST

Suite *suite_e2e_storage(void)
{
	Suite *s = suite_create("e2e_storage");
	TCase *tc = tcase_create("database faults");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_full_database_is_a_rig_error_and_nothing_unstored_is_said);
	tcase_add_test(tc, a_lock_beyond_the_busy_timeout_is_a_rig_error_promptly);
	tcase_add_test(tc, done_goes_out_only_after_the_end_is_committed);
	tcase_add_test(tc, a_large_result_comes_in_pages_and_the_client_stays);
	suite_add_tcase(s, tc);
	return s;
}
