/* rigctl: the command line for operators, CI and engineers. */
#include <stdio.h>
#include <string.h>

#include "rig/rigctl/commands.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
	struct rigctl_args a;
	char why[512];
	if (rigctl_parse_args(argc, argv, &a, why, sizeof(why)) < 0) {
		fprintf(stderr, "rigctl: %s\n", why);
		return RIGCTL_EXIT_ERROR;
	}
	bool fleet = a.cmd == RIGCTL_RESULTS || a.cmd == RIGCTL_REPORT || a.cmd == RIGCTL_HISTORY;
	if (fleet && a.central)
		return cmd_central(&a);
	switch (a.cmd) {
	case RIGCTL_HELP:
		fputs(rigctl_command_help(a.help_cmd), stdout);
		return RIGCTL_EXIT_PASS;
	case RIGCTL_VERSION:
		printf("rigctl %s\n", RIG_VERSION);
		return RIGCTL_EXIT_PASS;
	case RIGCTL_MODEL:
		return cmd_model(&a);
	case RIGCTL_FIXTURE_CHECK:
		return cmd_fixture_check(&a);
	case RIGCTL_ANALYSE:
		return cmd_analyse(&a);
	default:
		break;
	}
	struct rigctl_env env;
	if (rigctl_load_env(&a, &env) < 0)
		return RIGCTL_EXIT_ERROR;
	/* the config's central database, for what it answers (--local, or a
	 * file named with --db: never) */
	if (fleet && !a.local && !a.db && env.cfg.central[0] && central_takes_by_default(&a)) {
		a.central = env.cfg.central;
		return cmd_central(&a);
	}
	if (a.cmd == RIGCTL_REPORT && a.cal_due) {
		fprintf(stderr, "rigctl: report --cal-due asks the central database: --central URL,"
			" or central = URL in %s\n", a.config ? a.config : RIG_DEFAULT_CONFIG);
		return RIGCTL_EXIT_ERROR;
	}
	switch (a.cmd) {
	case RIGCTL_RUN: return cmd_run(&a, &env);
	case RIGCTL_STATUS: return cmd_status(&a, &env);
	case RIGCTL_ABORT: return cmd_abort(&a, &env);
	case RIGCTL_DEQUEUE: return cmd_dequeue(&a, &env);
	case RIGCTL_SAFE_OFF: return cmd_safe_off(&a, &env);
	case RIGCTL_PROFILES: return cmd_profiles(&a, &env);
	case RIGCTL_RESULTS: return cmd_results(&a, &env);
	case RIGCTL_REPORT: return cmd_report(&a, &env);
	case RIGCTL_HISTORY: return cmd_history(&a, &env);
	case RIGCTL_REGISTER: return cmd_register(&a, &env);
	case RIGCTL_READING: return cmd_reading(&a, &env);
	case RIGCTL_VERIFY: return cmd_verify(&a, &env);
	case RIGCTL_KEY: return cmd_key(&a, &env);
	default: break;
	}
	return RIGCTL_EXIT_ERROR;
}
