#include "rig/rigctl/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/timeutil.h"

const char rigctl_usage[] =
	"usage: rigctl [--config FILE] [--socket PATH] [--db FILE] COMMAND [OPTIONS]\n"
	"\n"
	"commands:\n"
	"  run --profile P --position N:MODEL:SERIAL [...] --operator NAME\n"
	"      [--notes TEXT] [--junit FILE] [--quiet]\n"
	"      [--test-reason new|periodic|complaint|repair|sample|other] [--customer C]\n"
	"      [--as-found | --as-left [--follows RUN]] [--register-before N=KWH ...]\n"
	"      [--ambient DEG_C] [--humidity PCT] [--calibration-override REASON]\n"
	"      [--expect-model MODEL] [--model-override] [--readings prompt|none|sim:HOST:PORT]\n"
	"                        start a run on rigd, follow it to the end; a position\n"
	"                        whose model is not the expected one or the one stored\n"
	"                        for its serial is refused unless --model-override;\n"
	"                        register points ask for the LCD readings (--readings:\n"
	"                        prompt on a terminal, else none: give them with\n"
	"                        rigctl reading; sim: ask rig-sim)\n"
	"  status [--json]       what rigd is doing\n"
	"  abort [--reason TEXT] abort the running run (source output off first)\n"
	"  safe-off              ask rigd to switch the source output off now\n"
	"  results [--serial S] [--model M] [--since T] [--until T] [--verdict V]\n"
	"      [--run ID] [--limit N (newest N, table)] [--format table|csv|json]\n"
	"                        stored results, read from the database (read-only);\n"
	"                        with --run, every point with its uncertainty budget\n"
	"  report --serial S | --run ID [--out FILE] [--format html|pdf]\n"
	"                        calibration certificate as HTML (screen) or as a\n"
	"                        PDF signed with the station's key (print)\n"
	"  report --points [--run ID] [--serial S] [--since T] [--until T] --format csv|json\n"
	"                        per-point results in long form, one table\n"
	"  report --batch [--model M] [--since T] [--until T] [--format table|csv|json]\n"
	"                        batch summary: yield, Cpk per point, weighted averages\n"
	"  report --summary [--since T] [--until T] [--out FILE] [--format table|csv|json]\n"
	"                        summary of a period; csv: the points table, or with\n"
	"                        --out DIR three files (totals, points, worst)\n"
	"  history SERIAL [--format table|csv|json]\n"
	"                        every test of one meter, oldest first, as stored then\n"
	"  reading POSITION KWH [--run RUN]\n"
	"                        the register reading a running register point asks for\n"
	"  register RUN POSITION KWH\n"
	"                        store a meter's register reading after its run\n"
	"  verify CERT.pdf       check a signed certificate: valid, or what differs\n"
	"                        from the database\n"
	"  verify --db           walk the database's hash chain of sealed runs and\n"
	"                        check its signed head (a removed newest run shows)\n"
	"  key init              make the station's signing key beside the database\n"
	"                        (once, at install; station.key mode 0600, station.pub)\n"
	"  key show              the station's public key; refuses a secret key file\n"
	"                        that others may read\n"
	"  model MODEL [--json]  what a model number means\n"
	"  profiles              test profiles with their point counts\n"
	"  fixture check [--live] FILE\n"
	"                        load a fixture file and report errors (file:line);\n"
	"                        --live also probes the bench: the gpio chip (path or\n"
	"                        label) and every line (on the chip, free), and the\n"
	"                        source's answer to *IDN? (not while rigd holds them)\n"
	"  analyse RECORDING [--run ID] [--db FILE] [--profile FILE] [--fixture FILE]\n"
	"                        walk recorded runs through the sequencer again and\n"
	"                        compare every result bit for bit (exit 1 on a difference)\n"
	"\n"
	"times T are UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]\n"
	"verdicts V: pass, fail, indeterminate, aborted, error\n"
	"config: " "/etc/rig/rigd.conf" " unless --config (socket and database paths)\n"
	"\n"
	"exit codes:\n"
	"  0  every position passed (or the command succeeded)\n"
	"  1  a meter failed\n"
	"  2  a result was indeterminate\n"
	"  3  the run was aborted or interrupted\n"
	"  4  rig, instrument or usage error (also: a refused model or request)\n";

static int usage_error(char *why, size_t why_len, const char *fmt, const char *arg)
{
	snprintf(why, why_len, fmt, arg);
	return -1;
}

int rigctl_parse_position(const char *text, struct ctl_position *ret, char *why, size_t why_len)
{
	memset(ret, 0, sizeof(*ret));
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2)
		return usage_error(why, why_len, "--position \"%s\": expected N:MODEL:SERIAL", text);
	char *end;
	long n = strtol(text, &end, 10);
	if (end != c1 || n < 1 || n > RIG_MAX_POSITIONS) {
		snprintf(why, why_len, "--position \"%s\": position must be 1..%d", text,
			 RIG_MAX_POSITIONS);
		return -1;
	}
	size_t model_len = (size_t)(c2 - c1 - 1);
	if (model_len == 0 || model_len >= sizeof(ret->model))
		return usage_error(why, why_len, "--position \"%s\": bad model", text);
	const char *serial = c2 + 1;
	if (!serial[0] || strlen(serial) >= sizeof(ret->serial))
		return usage_error(why, why_len, "--position \"%s\": bad serial", text);
	ret->position = (int)n;
	memcpy(ret->model, c1 + 1, model_len);
	ret->model[model_len] = '\0';
	snprintf(ret->serial, sizeof(ret->serial), "%s", serial);
	return 0;
}

struct cursor {
	int argc;
	char **argv;
	int i;
	const char *inline_value;	/* from --name=value */
};

/* The value of the current option: "=value" or the next argument. */
static const char *option_value(struct cursor *cur, const char *name, char *why, size_t why_len)
{
	if (cur->inline_value)
		return cur->inline_value;
	if (cur->i + 1 >= cur->argc) {
		usage_error(why, why_len, "%s needs a value", name);
		return NULL;
	}
	return cur->argv[++cur->i];
}

static int parse_time_opt(const char *name, const char *value, time_t *ret, bool *has, char *why,
			  size_t why_len)
{
	/* 1970..9999: its milliseconds fit in an int64_t. */
	if (rig_parse_time_utc(value, ret) < 0 || *ret < 0 || *ret > (time_t)253402300799LL) {
		snprintf(why, why_len, "%s \"%s\": expected YYYY-MM-DD[THH:MM[:SS]] (UTC)", name,
			 value);
		return -1;
	}
	*has = true;
	return 0;
}

static const struct {
	const char *name;
	enum rigctl_cmd cmd;
} commands[] = {
	{"help", RIGCTL_HELP},	     {"version", RIGCTL_VERSION},   {"run", RIGCTL_RUN},
	{"status", RIGCTL_STATUS},   {"abort", RIGCTL_ABORT},	    {"safe-off", RIGCTL_SAFE_OFF},
	{"results", RIGCTL_RESULTS}, {"report", RIGCTL_REPORT},	    {"model", RIGCTL_MODEL},
	{"profiles", RIGCTL_PROFILES}, {"fixture", RIGCTL_FIXTURE_CHECK},
	{"analyse", RIGCTL_ANALYSE}, {"verify", RIGCTL_VERIFY}, {"history", RIGCTL_HISTORY},
	{"register", RIGCTL_REGISTER}, {"reading", RIGCTL_READING}, {"key", RIGCTL_KEY},
};

/* One option: 1 when it was known, 2 for --help, 3 for --version, 0 when
 * not an option (positional), -1 on error. */
static int take_option(struct cursor *cur, const char *name, struct rigctl_args *a, char *why,
		       size_t why_len)
{
	const char *v;
#define VALUE()                                                                \
	do {                                                                   \
		if (!(v = option_value(cur, name, why, why_len)))              \
			return -1;                                             \
	} while (0)
#define STRING_OPT(opt, field)                                                 \
	if (strcmp(name, opt) == 0) {                                          \
		VALUE();                                                       \
		a->field = v;                                                  \
		return 1;                                                      \
	}
	/* `verify --db` with no file after it: walk the chain of the
	 * configured database (the same as verify without a certificate). */
	if (a->cmd == RIGCTL_VERIFY && strcmp(name, "--db") == 0 && !cur->inline_value &&
	    (cur->i + 1 >= cur->argc || cur->argv[cur->i + 1][0] == '-'))
		return 1;
	STRING_OPT("--config", config)
	STRING_OPT("--socket", socket)
	STRING_OPT("--db", db)
	STRING_OPT("--profile", profile)
	STRING_OPT("--operator", operator_name)
	STRING_OPT("--notes", notes)
	STRING_OPT("--expect-model", expect_model)
	STRING_OPT("--junit", junit)
	STRING_OPT("--reason", reason)
	STRING_OPT("--serial", serial)
	STRING_OPT("--model", model)
	STRING_OPT("--run", run_id)
	STRING_OPT("--out", out)
	STRING_OPT("--test-reason", test_reason)
	STRING_OPT("--customer", customer)
	STRING_OPT("--follows", follows)
	STRING_OPT("--calibration-override", override_reason)
	STRING_OPT("--readings", readings)
#undef STRING_OPT
	if (strcmp(name, "--live") == 0) {
		a->live = true;
		return 1;
	}
	if (strcmp(name, "--model-override") == 0) {
		a->model_override = true;
		return 1;
	}
	if (strcmp(name, "--as-found") == 0 || strcmp(name, "--as-left") == 0) {
		if (a->test_state)
			return usage_error(why, why_len, "%s", "--as-found or --as-left, once");
		/* name is the parser's buffer: keep a literal */
		a->test_state = strcmp(name, "--as-found") == 0 ? "as-found" : "as-left";
		return 1;
	}
	if (strcmp(name, "--ambient") == 0 || strcmp(name, "--humidity") == 0) {
		VALUE();
		bool temp = name[2] == 'a';
		double lo = temp ? -40 : 0, hi = temp ? 85 : 100;
		char *end;
		double x = strtod(v, &end);
		if (end == v || *end || !(x >= lo && x <= hi)) {
			snprintf(why, why_len, "%s \"%s\": expected %g .. %g", name, v, lo, hi);
			return -1;
		}
		*(temp ? &a->ambient_c : &a->humidity_pct) = x;
		*(temp ? &a->has_ambient_c : &a->has_humidity_pct) = true;
		return 1;
	}
	if (strcmp(name, "--register-before") == 0) {
		VALUE();
		char *end;
		long n = strtol(v, &end, 10);
		const char *kwh_text = *end == '=' ? end + 1 : NULL;
		double kwh = kwh_text ? strtod(kwh_text, &end) : -1;
		if (*end || end == kwh_text || n < 1 || n > RIG_MAX_POSITIONS || !(kwh >= 0 && kwh < 1e9))
			return usage_error(why, why_len,
					   "--register-before \"%s\": expected POSITION=KWH (0 .. 999999999)", v);
		a->has_register[n] = true;
		a->register_kwh[n] = kwh;
		return 1;
	}
	if (strcmp(name, "--batch") == 0 || strcmp(name, "--points") == 0) {
		*(name[2] == 'b' ? &a->batch : &a->points) = true;
		return 1;
	}
	if (strcmp(name, "--quiet") == 0 || strcmp(name, "-q") == 0) {
		a->quiet = true;
		return 1;
	}
	if (strcmp(name, "--json") == 0) {
		a->json = true;
		return 1;
	}
	if (strcmp(name, "--summary") == 0) {
		a->summary = true;
		return 1;
	}
	if (strcmp(name, "--position") == 0) {
		VALUE();
		if (a->n_positions >= RIG_MAX_POSITIONS)
			return usage_error(why, why_len, "too many positions (at most %s)", "16");
		struct ctl_position *p = &a->pos[a->n_positions];
		if (rigctl_parse_position(v, p, why, why_len) < 0)
			return -1;
		for (int k = 0; k < a->n_positions; k++)
			if (a->pos[k].position == p->position)
				return usage_error(why, why_len, "--position %s given twice", v);
		a->n_positions++;
		return 1;
	}
	if (strcmp(name, "--since") == 0) {
		VALUE();
		return parse_time_opt(name, v, &a->since, &a->has_since, why, why_len) < 0 ? -1 : 1;
	}
	if (strcmp(name, "--until") == 0) {
		VALUE();
		return parse_time_opt(name, v, &a->until, &a->has_until, why, why_len) < 0 ? -1 : 1;
	}
	if (strcmp(name, "--verdict") == 0) {
		VALUE();
		if (rig_verdict_parse(v, &a->verdict) < 0)
			return usage_error(why, why_len, "--verdict \"%s\": not a verdict", v);
		a->has_verdict = true;
		return 1;
	}
	if (strcmp(name, "--limit") == 0) {
		VALUE();
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n < 1 || n > 100000)
			return usage_error(why, why_len, "--limit \"%s\": expected 1..100000", v);
		a->limit = (int)n;
		return 1;
	}
	if (strcmp(name, "--format") == 0) {
		VALUE();
		if (strcmp(v, "table") == 0)
			a->format = RIGCTL_FMT_TABLE;
		else if (strcmp(v, "csv") == 0)
			a->format = RIGCTL_FMT_CSV;
		else if (strcmp(v, "json") == 0)
			a->format = RIGCTL_FMT_JSON;
		else if (strcmp(v, "html") == 0)
			a->format = RIGCTL_FMT_HTML;
		else if (strcmp(v, "pdf") == 0)
			a->format = RIGCTL_FMT_PDF;
		else
			return usage_error(why, why_len, "--format \"%s\": table, csv, json, html or pdf", v);
		return 1;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return 2;
	if (strcmp(name, "--version") == 0)
		return 3;
#undef VALUE
	if (name[0] == '-' && name[1])
		return usage_error(why, why_len, "unknown option %s", name);
	return 0;
}

static int check_command(struct rigctl_args *a, const char **positional, int n_positional,
			 char *why, size_t why_len)
{
	switch (a->cmd) {
	case RIGCTL_RUN:
		if (!a->profile)
			return usage_error(why, why_len, "%s", "run: --profile is required");
		if (a->n_positions == 0)
			return usage_error(why, why_len, "%s", "run: at least one --position N:MODEL:SERIAL");
		if (!a->operator_name)
			return usage_error(why, why_len, "%s", "run: --operator is required");
		if (a->readings && strcmp(a->readings, "prompt") && strcmp(a->readings, "none") &&
		    strncmp(a->readings, "sim:", 4))
			return usage_error(why, why_len, "run: --readings \"%s\": prompt, none or sim:HOST:PORT",
					   a->readings);
		if (a->follows && (!a->test_state || strcmp(a->test_state, "as-left")))
			return usage_error(why, why_len, "%s", "run: --follows is for an --as-left test");
		for (int n = 1; n <= RIG_MAX_POSITIONS; n++) {
			bool placed = false;
			for (int k = 0; k < a->n_positions; k++)
				placed |= a->pos[k].position == n;
			if (a->has_register[n] && !placed)
				return usage_error(why, why_len, "%s",
						   "run: --register-before names a position without a meter");
		}
		break;
	case RIGCTL_MODEL:
		if (n_positional != 1)
			return usage_error(why, why_len, "%s", "model: give one model number");
		a->model_arg = positional[0];
		return 0;
	case RIGCTL_FIXTURE_CHECK:
		if (n_positional != 2 || strcmp(positional[0], "check") != 0)
			return usage_error(why, why_len, "%s",
					   "usage: rigctl fixture check [--live] FILE");
		a->file = positional[1];
		return 0;
	case RIGCTL_VERIFY:
		if (n_positional > 1)
			return usage_error(why, why_len, "%s", "usage: rigctl verify [CERT.pdf | --db]");
		a->file = n_positional ? positional[0] : NULL;
		return 0;
	case RIGCTL_REPORT:
		if (!a->summary && !a->batch && !a->points && !a->serial && !a->run_id)
			return usage_error(why, why_len, "%s",
					   "report: --serial S, --run ID, --summary, --batch or --points");
		if (a->points && a->format != RIGCTL_FMT_CSV && a->format != RIGCTL_FMT_JSON)
			return usage_error(why, why_len, "%s", "report --points: --format csv or json");
		if (a->batch && a->format == RIGCTL_FMT_PDF)
			return usage_error(why, why_len, "%s", "report --batch: --format table, csv or json");
		/* filters the long-form and batch queries do not apply are refused,
		 * not ignored: a report must hold only what it says it holds */
		if (a->points && a->has_verdict)
			return usage_error(why, why_len, "%s",
					   "report --points: filter by --serial, --model, --run, --since, --until");
		if (a->batch && (a->serial || a->run_id || a->has_verdict))
			return usage_error(why, why_len, "%s",
					   "report --batch: filter by --model, --since, --until");
		break;
	case RIGCTL_KEY:
		if (n_positional != 1 || (strcmp(positional[0], "init") && strcmp(positional[0], "show")))
			return usage_error(why, why_len, "%s", "usage: rigctl key init|show");
		a->key_action = positional[0];
		return 0;
	case RIGCTL_HISTORY:
		if (n_positional != 1)
			return usage_error(why, why_len, "%s", "usage: rigctl history SERIAL");
		a->serial = positional[0];
		return 0;
	case RIGCTL_REGISTER: {
		char *end1, *end2;
		long n = n_positional == 3 ? strtol(positional[1], &end1, 10) : 0;
		double kwh = n_positional == 3 ? strtod(positional[2], &end2) : -1;
		if (n_positional != 3 || *end1 || *end2 || n < 1 || n > RIG_MAX_POSITIONS ||
		    !(kwh >= 0 && kwh < 1e9))
			return usage_error(why, why_len, "%s",
					   "usage: rigctl register RUN POSITION KWH (position 1..16, 0 .. 999999999 kWh)");
		a->run_id = positional[0];
		a->reg_position = (int)n;
		a->reg_kwh = kwh;
		return 0;
	}
	case RIGCTL_READING: {
		char *end1, *end2;
		long n = n_positional == 2 ? strtol(positional[0], &end1, 10) : 0;
		double kwh = n_positional == 2 ? strtod(positional[1], &end2) : -1;
		if (n_positional != 2 || *end1 || *end2 || n < 1 || n > RIG_MAX_POSITIONS ||
		    !(kwh >= 0 && kwh < 1e9))
			return usage_error(why, why_len, "%s",
					   "usage: rigctl reading POSITION KWH [--run RUN] (position 1..16, 0 .. 999999999 kWh)");
		a->reg_position = (int)n;
		a->reg_kwh = kwh;
		return 0;
	}
	default:
		break;
	}
	if (n_positional > 0)
		return usage_error(why, why_len, "unexpected argument \"%s\"", positional[0]);
	return 0;
}

int rigctl_parse_args(int argc, char **argv, struct rigctl_args *ret, char *why, size_t why_len)
{
	memset(ret, 0, sizeof(*ret));
	ret->cmd = RIGCTL_HELP;
	bool have_cmd = false;
	int asked = 0;	/* 2 help, 3 version */
	const char *positional[8];
	int n_positional = 0;
	struct cursor cur = {.argc = argc, .argv = argv};
	for (cur.i = 1; cur.i < argc; cur.i++) {
		const char *arg = argv[cur.i];
		char name[64];
		cur.inline_value = NULL;
		const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		if (eq && (size_t)(eq - arg) < sizeof(name)) {
			memcpy(name, arg, (size_t)(eq - arg));
			name[eq - arg] = '\0';
			cur.inline_value = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", arg);
		}
		int rc = take_option(&cur, name, ret, why, why_len);
		if (rc < 0)
			return -1;
		if (rc >= 2 && !asked)
			asked = rc;
		if (rc >= 1)
			continue;
		if (!have_cmd) {
			size_t k;
			for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
				if (strcmp(arg, commands[k].name) == 0)
					break;
			if (k == sizeof(commands) / sizeof(commands[0]))
				return usage_error(why, why_len, "unknown command \"%s\"", arg);
			ret->cmd = commands[k].cmd;
			have_cmd = true;
			if (ret->cmd == RIGCTL_ANALYSE && !asked) {
				/* the rest is the command's own (getopt_long) */
				ret->sub_argc = argc - cur.i;
				ret->sub_argv = argv + cur.i;
				return 0;
			}
			continue;
		}
		if (n_positional >= (int)(sizeof(positional) / sizeof(positional[0])))
			return usage_error(why, why_len, "too many arguments at \"%s\"", arg);
		positional[n_positional++] = arg;
	}
	if (asked) {
		ret->cmd = asked == 2 ? RIGCTL_HELP : RIGCTL_VERSION;
		return 0;
	}
	if (have_cmd && (ret->cmd == RIGCTL_HELP || ret->cmd == RIGCTL_VERSION))
		return 0;
	if (!have_cmd)
		return usage_error(why, why_len, "%s", "no command given (rigctl --help)");
	return check_command(ret, positional, n_positional, why, why_len);
}
