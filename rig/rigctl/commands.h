/* rigctl's subcommands; each returns an exit code (enum rigctl_exit). */
#ifndef RIG_RIGCTL_COMMANDS_H
#define RIG_RIGCTL_COMMANDS_H

#include "rig/rigctl/args.h"
#include "rig/rigd/config.h"

/* Settings from the config file, overridden by the command line. */
struct rigctl_env {
	struct rigd_config cfg;
	const char *socket;
	const char *db;
};

int rigctl_load_env(const struct rigctl_args *a, struct rigctl_env *env);

int cmd_run(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_status(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_abort(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_dequeue(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_safe_off(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_model(const struct rigctl_args *a);
int cmd_profiles(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_fixture_check(const struct rigctl_args *a);
/* The hardware behind a loaded fixture (cmd_fixture_live.c): 0 when the
 * edge input and the source answer, -1 (reported on stdout) otherwise. */
int fixture_probe_live(struct rig_fixture *f);
int cmd_results(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_analyse(const struct rigctl_args *a);
int cmd_report(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_history(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_register(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_reading(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_verify(const struct rigctl_args *a, const struct rigctl_env *env);
int cmd_key(const struct rigctl_args *a, const struct rigctl_env *env);
/* results, history and report with --central URL (cmd_central.c) */
int cmd_central(const struct rigctl_args *a);
/* Whether the central database answers this request in the form asked,
 * when its URL comes from the config (`central`) rather than --central:
 * a meter's history, the fleet's yield, calibration due; never what only
 * the bench gives (certificates, JSON, listings by other filters). */
bool central_takes_by_default(const struct rigctl_args *a);

#endif
