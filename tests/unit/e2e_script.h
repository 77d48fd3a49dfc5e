/* Runs one end-to-end script of tests/e2e (rig-sim, rigd and rigctl on a
 * private directory) and fails the current test, with the script's output,
 * unless it exits 0 and says "SCRIPT NAME: ok". */
#ifndef TESTS_UNIT_E2E_SCRIPT_H
#define TESTS_UNIT_E2E_SCRIPT_H

void run_e2e_script(const char *script, const char *name);

#endif
