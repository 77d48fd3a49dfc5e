/* rigctl's command line: global options, a subcommand and its options,
 * parsed with getopt_long into a plain struct (no I/O) so the parsing is
 * testable on its own. Options take "--name value" or "--name=value"
 * (an optional value, as --wait's, only "--name=value"). Each subcommand
 * accepts only its own options (and the global ones); every error names
 * the valid choices and the command's help. */
#ifndef RIG_RIGCTL_ARGS_H
#define RIG_RIGCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rig/core/fixture.h"
#include "rig/core/verdict.h"
#include "rig/rigd/control.h"

/* Exit codes, also listed in `rigctl --help`. */
enum rigctl_exit {
	RIGCTL_EXIT_PASS = 0,		/* every position passed */
	RIGCTL_EXIT_FAIL = 1,		/* a meter failed */
	RIGCTL_EXIT_INDETERMINATE = 2,	/* a result indeterminate */
	RIGCTL_EXIT_ABORTED = 3,	/* run aborted or interrupted */
	RIGCTL_EXIT_ERROR = 4,		/* rig, instrument or usage error */
};

enum rigctl_cmd {
	RIGCTL_HELP,
	RIGCTL_VERSION,
	RIGCTL_RUN,
	RIGCTL_STATUS,
	RIGCTL_ABORT,
	RIGCTL_SAFE_OFF,
	RIGCTL_RESULTS,
	RIGCTL_REPORT,
	RIGCTL_MODEL,
	RIGCTL_PROFILES,
	RIGCTL_FIXTURE_CHECK,
	RIGCTL_ANALYSE,		/* its options are its own (cmd_analyse.c) */
	RIGCTL_HISTORY,		/* every test of one meter */
	RIGCTL_REGISTER,	/* a meter's register reading after its run */
	RIGCTL_READING,		/* a register reading a running register point asks for */
	RIGCTL_VERIFY,
	RIGCTL_KEY,		/* the station signing key: init, show */
	RIGCTL_DEQUEUE,		/* take a waiting run out of rigd's queue */
};

enum rigctl_format { RIGCTL_FMT_TABLE, RIGCTL_FMT_CSV, RIGCTL_FMT_JSON, RIGCTL_FMT_HTML, RIGCTL_FMT_PDF };

struct rigctl_args {
	enum rigctl_cmd cmd;
	enum rigctl_cmd help_cmd;	/* RIGCTL_HELP: the command asked about (RIGCTL_HELP: all) */
	const char *config;		/* NULL: RIG_DEFAULT_CONFIG when it exists */
	const char *socket;		/* overrides the config */
	const char *db;			/* overrides the config */
	bool quiet;
	/* run */
	const char *profile;
	const char *operator_name;
	const char *notes;
	const char *expect_model;	/* run: the batch's model (model safety) */
	bool model_override;		/* run: despite a model disagreement (recorded) */
	const char *model_override_reason;	/* --model-override REASON */
	const char *override_by;	/* --override-by: who gives an override */
	const char *junit;
	int n_positions;
	struct ctl_position pos[RIG_MAX_POSITIONS];
	/* run: the certification record */
	const char *test_reason;
	const char *customer;
	const char *test_state;		/* "as-found", "as-left" */
	const char *follows;
	const char *override_reason;	/* --calibration-override */
	bool wait;			/* --wait: queue behind a running run */
	double wait_s;			/* --wait=SECONDS: at most that long; < 0 no limit */
	bool has_ambient_c, has_humidity_pct;
	double ambient_c, humidity_pct;
	bool has_register[RIG_MAX_POSITIONS + 1];	/* --register-before N=KWH */
	double register_kwh[RIG_MAX_POSITIONS + 1];
	/* run: where register points' readings come from: "prompt", "none"
	 * or "sim:HOST:PORT" (NULL: prompt on a terminal, else none) */
	const char *readings;
	/* register RUN POSITION KWH; reading POSITION KWH */
	int reg_position;
	double reg_kwh;
	/* abort */
	const char *reason;
	/* dequeue TICKET */
	unsigned ticket;
	/* results */
	const char *serial;
	const char *model;
	bool has_since, has_until, has_verdict;
	time_t since, until;
	enum rig_verdict verdict;
	enum rigctl_format format;
	int limit;
	/* report */
	const char *run_id;
	const char *out;		/* output file or directory */
	bool summary;
	bool batch;			/* report --batch: summary with weighted averages */
	const char *central;		/* --central URL: fleet queries across benches */
	bool local;			/* --local: this bench's file despite `central` */
	bool cal_due;			/* report --cal-due --central: standards due */
	bool points;			/* report --points: per-point results, long form */
	/* model */
	const char *model_arg;
	bool json;
	/* fixture check; verify: the certificate (NULL: walk the chain) */
	const char *file;
	bool live;		/* --live: probe the edge input and the source */
	const char *key_action;	/* key: "init" or "show" */
	/* analyse: the arguments from the command word on */
	int sub_argc;
	char **sub_argv;
};

/* Parses argv (argv[0] is the program). -1 with why on a usage error. */
int rigctl_parse_args(int argc, char **argv, struct rigctl_args *ret, char *why, size_t why_len);

/* "1:MMS-120-2001:A123": position, model, serial (the serial may contain ':'). */
int rigctl_parse_position(const char *text, struct ctl_position *ret, char *why, size_t why_len);

/* The global usage (`rigctl --help`), and one command's help with its
 * options and examples (`rigctl run --help`). */
extern const char rigctl_usage[];
const char *rigctl_command_help(enum rigctl_cmd cmd);

#endif
