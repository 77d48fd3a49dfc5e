#include "rig/rigctl/args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/timeutil.h"
#include "rig/store/run_record.h"

#define EXIT_CODES                                                             \
	"exit codes:\n"                                                        \
	"  0  every position passed (or the command succeeded)\n"              \
	"  1  a meter failed\n"                                                \
	"  2  a result was indeterminate\n"                                    \
	"  3  the run was aborted or interrupted\n"                            \
	"  4  rig, instrument or usage error (also: a refused model or request)\n"

#define GLOBAL_OPTIONS                                                         \
	"global options (before or after the command):\n"                      \
	"  --config FILE   rigd's config (socket, database, central database);\n"\
	"                  default /etc/rig/rigd.conf when it exists\n"         \
	"  --socket PATH   rigd's control socket (overrides the config)\n"     \
	"  --db FILE       the database (overrides the config)\n"              \
	"  -q, --quiet     print only what the command is for\n"              \
	"  -h, --help      this help\n"

#define TIMES "times T are UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]\n"
#define VERDICTS "pass, fail, indeterminate, aborted, error"
#define TEST_REASONS "new, periodic, complaint, repair, sample, other"

const char rigctl_usage[] =
	"usage: rigctl [--config FILE] [--socket PATH] [--db FILE] COMMAND [OPTIONS]\n"
	"\n"
	"commands (rigctl COMMAND --help: its options and examples):\n"
	"  run        start a run on rigd and follow it to the end (--wait: queue\n"
	"             behind a running run; --junit FILE for CI)\n"
	"  status     what rigd is doing, and the runs queued behind it\n"
	"  abort      abort the running run (source output off first)\n"
	"  dequeue    take a waiting run out of rigd's queue\n"
	"  safe-off   ask rigd to switch the source output off now\n"
	"  results    stored results, read from the database\n"
	"  report     certificates (HTML, signed PDF), per-point tables, batch and\n"
	"             period summaries\n"
	"  history    every test of one meter, oldest first\n"
	"  reading    the LCD reading a running register point asks for\n"
	"  register   store a meter's register reading after its run\n"
	"  verify     check a signed certificate, or the database's hash chain\n"
	"  key        key init | key show: the station's signing key\n"
	"  model      what a model number means\n"
	"  profiles   test profiles with their point counts\n"
	"  fixture    fixture check [--live] FILE: validate a bench's wiring file\n"
	"  analyse    walk recorded runs through the sequencer again\n"
	"  help       help [COMMAND]\n"
	"  version    rigctl's version\n"
	"\n" GLOBAL_OPTIONS "\n" EXIT_CODES;

/* Every option rigctl knows; a command accepts a subset. */
enum opt_id {
	O_HELP = 'h',
	O_QUIET = 'q',
	O_CONFIG = 256, O_SOCKET, O_DB, O_VERSION,
	O_PROFILE, O_OPERATOR, O_POSITION, O_NOTES, O_JUNIT, O_WAIT, O_EXPECT_MODEL,
	O_MODEL_OVERRIDE, O_TEST_REASON, O_CUSTOMER, O_AS_FOUND, O_AS_LEFT, O_FOLLOWS,
	O_REGISTER_BEFORE, O_AMBIENT, O_HUMIDITY, O_CAL_OVERRIDE, O_OVERRIDE_BY, O_READINGS,
	O_REASON, O_JSON, O_SERIAL, O_MODEL, O_SINCE, O_UNTIL, O_VERDICT, O_RUN, O_LIMIT,
	O_FORMAT, O_OUT, O_SUMMARY, O_BATCH, O_POINTS, O_LIVE, O_CENTRAL, O_CAL_DUE,
	O_LOCAL,
};

static const struct option all_options[] = {
	{"help", no_argument, NULL, O_HELP},
	{"quiet", no_argument, NULL, O_QUIET},
	{"config", required_argument, NULL, O_CONFIG},
	{"socket", required_argument, NULL, O_SOCKET},
	{"db", required_argument, NULL, O_DB},
	{"version", no_argument, NULL, O_VERSION},
	{"profile", required_argument, NULL, O_PROFILE},
	{"operator", required_argument, NULL, O_OPERATOR},
	{"position", required_argument, NULL, O_POSITION},
	{"notes", required_argument, NULL, O_NOTES},
	{"junit", required_argument, NULL, O_JUNIT},
	{"wait", optional_argument, NULL, O_WAIT},
	{"expect-model", required_argument, NULL, O_EXPECT_MODEL},
	{"model-override", required_argument, NULL, O_MODEL_OVERRIDE},
	{"test-reason", required_argument, NULL, O_TEST_REASON},
	{"customer", required_argument, NULL, O_CUSTOMER},
	{"as-found", no_argument, NULL, O_AS_FOUND},
	{"as-left", no_argument, NULL, O_AS_LEFT},
	{"follows", required_argument, NULL, O_FOLLOWS},
	{"register-before", required_argument, NULL, O_REGISTER_BEFORE},
	{"ambient", required_argument, NULL, O_AMBIENT},
	{"humidity", required_argument, NULL, O_HUMIDITY},
	{"calibration-override", required_argument, NULL, O_CAL_OVERRIDE},
	{"override-by", required_argument, NULL, O_OVERRIDE_BY},
	{"readings", required_argument, NULL, O_READINGS},
	{"reason", required_argument, NULL, O_REASON},
	{"json", no_argument, NULL, O_JSON},
	{"serial", required_argument, NULL, O_SERIAL},
	{"model", required_argument, NULL, O_MODEL},
	{"since", required_argument, NULL, O_SINCE},
	{"until", required_argument, NULL, O_UNTIL},
	{"verdict", required_argument, NULL, O_VERDICT},
	{"run", required_argument, NULL, O_RUN},
	{"limit", required_argument, NULL, O_LIMIT},
	{"format", required_argument, NULL, O_FORMAT},
	{"out", required_argument, NULL, O_OUT},
	{"summary", no_argument, NULL, O_SUMMARY},
	{"batch", no_argument, NULL, O_BATCH},
	{"points", no_argument, NULL, O_POINTS},
	{"live", no_argument, NULL, O_LIVE},
	{"central", required_argument, NULL, O_CENTRAL},
	{"cal-due", no_argument, NULL, O_CAL_DUE},
	{"local", no_argument, NULL, O_LOCAL},
};
#define N_OPTIONS (sizeof(all_options) / sizeof(all_options[0]))
#define N_GLOBAL 5	/* help, quiet, config, socket, db: every command's */

#define MAX_CMD_OPTS 24
#define F(x) (1u << RIGCTL_FMT_##x)

struct command {
	const char *name;
	enum rigctl_cmd cmd;
	int opts[MAX_CMD_OPTS];		/* its own options, 0-terminated */
	unsigned formats;		/* the --format values it takes */
	const char *help;
};

static const struct command commands[] = {
	{"run", RIGCTL_RUN,
	 {O_PROFILE, O_OPERATOR, O_POSITION, O_NOTES, O_JUNIT, O_WAIT, O_EXPECT_MODEL,
	  O_MODEL_OVERRIDE, O_TEST_REASON, O_CUSTOMER, O_AS_FOUND, O_AS_LEFT, O_FOLLOWS,
	  O_REGISTER_BEFORE, O_AMBIENT, O_HUMIDITY, O_CAL_OVERRIDE, O_OVERRIDE_BY, O_READINGS, 0},
	 0,
	 "usage: rigctl run --profile P --operator NAME --position N:MODEL:SERIAL [...] [OPTIONS]\n"
	 "\n"
	 "Starts a run on rigd and follows it to the end: a progress bar on a terminal,\n"
	 "plain lines otherwise, a summary per position. Ctrl-C asks rigd to abort\n"
	 "the run (source output off first) and still waits for its end.\n"
	 "\n"
	 "options:\n"
	 "  --profile P            test profile (rigctl profiles lists them)\n"
	 "  --operator NAME        who runs the test (on the record)\n"
	 "  --position N:MODEL:SERIAL\n"
	 "                         a meter at bench position N (1..16); repeat per meter\n"
	 "  --notes TEXT           notes stored with the run\n"
	 "  --junit FILE           JUnit XML for CI, also when the run is refused,\n"
	 "                         rigd cannot be reached or dies (an error case)\n"
	 "  --wait[=SECONDS]       when a run is running, queue behind it (first come,\n"
	 "                         first served) instead of being refused; at most\n"
	 "                         SECONDS in the queue, without: no limit. The\n"
	 "                         seconds need '=' (--wait=600)\n"
	 "  --expect-model MODEL   the batch's model: a meter of another is refused\n"
	 "  --model-override REASON\n"
	 "                         run despite a model disagreement, and why\n"
	 "                         (recorded; needs --override-by)\n"
	 "  --test-reason R        " TEST_REASONS "\n"
	 "  --customer C           the customer, for the certificate\n"
	 "  --as-found | --as-left the meter's state (--follows RUN: the as-found run)\n"
	 "  --register-before N=KWH  position N's register before the test\n"
	 "  --ambient DEG_C        ambient temperature (-40 .. 85) when no sensor\n"
	 "  --humidity PCT         relative humidity (0 .. 100) when no sensor\n"
	 "  --calibration-override REASON\n"
	 "                         run past an overdue calibration, and why\n"
	 "                         (recorded; needs --override-by)\n"
	 "  --override-by NAME     who gives the override (on the record as such;\n"
	 "                         an override without it is refused)\n"
	 "  --readings prompt|none|sim:HOST:PORT\n"
	 "                         where a register point's LCD readings come from:\n"
	 "                         the operator here (default on a terminal), another\n"
	 "                         terminal with rigctl reading (default otherwise),\n"
	 "                         or rig-sim (tests, demo)\n"
	 "\n"
	 "examples:\n"
	 "  rigctl run --profile ansi-c12.1 --operator ana \\\n"
	 "      --position 1:MMS-120-2001:A1001 --position 2:MMD-120-2001:A1002\n"
	 "  rigctl run --profile production --operator ci --wait=3600 \\\n"
	 "      --position 1:MMS-120-2001:CI-1 --junit results.xml --quiet\n"
	 "\n" EXIT_CODES},
	{"status", RIGCTL_STATUS, {O_JSON, 0}, 0,
	 "usage: rigctl status [--json]\n"
	 "\n"
	 "What rigd is doing: station, fixture, source, edges, interlock, the running\n"
	 "run, the runs queued behind it (ticket, place, operator) and the last run.\n"
	 "\n"
	 "options:\n"
	 "  --json   rigd's reply as JSON\n"
	 "\n"
	 "examples:\n"
	 "  rigctl status\n"
	 "  rigctl --socket /tmp/rigd-bench2.sock status --json\n"},
	{"abort", RIGCTL_ABORT, {O_REASON, 0}, 0,
	 "usage: rigctl abort [--reason TEXT]\n"
	 "\n"
	 "Aborts the running run: the source output goes off first; the run is stored\n"
	 "as aborted with the reason.\n"
	 "\n"
	 "examples:\n"
	 "  rigctl abort --reason \"lid opened\"\n"},
	{"dequeue", RIGCTL_DEQUEUE, {0}, 0,
	 "usage: rigctl dequeue TICKET\n"
	 "\n"
	 "Takes a run waiting in rigd's queue (rigctl run --wait) out of it; its\n"
	 "rigctl ends with exit code 4 and an error in its JUnit file. rigctl status\n"
	 "lists the queue with the tickets.\n"
	 "\n"
	 "examples:\n"
	 "  rigctl dequeue 3\n"},
	{"safe-off", RIGCTL_SAFE_OFF, {0}, 0,
	 "usage: rigctl safe-off\n"
	 "\n"
	 "Asks rigd to switch the source output off now (a running run is aborted).\n"},
	{"results", RIGCTL_RESULTS,
	 {O_SERIAL, O_MODEL, O_SINCE, O_UNTIL, O_VERDICT, O_RUN, O_LIMIT, O_FORMAT, O_CENTRAL,
	  O_LOCAL, 0},
	 F(TABLE) | F(CSV) | F(JSON),
	 "usage: rigctl results [--serial S] [--model M] [--since T] [--until T]\n"
	 "                      [--verdict V] [--run ID] [--limit N] [--format F]\n"
	 "\n"
	 "Stored results, one row per meter and run, oldest first, read from the\n"
	 "database (read-only). With --run, every point with its uncertainty budget.\n"
	 "\n"
	 "options:\n"
	 "  --serial S      one meter\n"
	 "  --model M       one model number\n"
	 "  --since T, --until T\n"
	 "                  runs started in [since, until)\n"
	 "  --verdict V     the meter's verdict: " VERDICTS "\n"
	 "  --run ID        one run\n"
	 "  --limit N       the newest N rows (1..100000), in every format\n"
	 "  --format F      table (default), csv or json\n"
	 "  --central URL   with --serial: the meter's tests on every bench shipping\n"
	 "                  to this central PostgreSQL (rig-shipper); `central` in\n"
	 "                  the config does so too, for --serial in table or csv\n"
	 "  --local         this bench's database, despite `central` in the config\n"
	 "\n" TIMES
	 "\n"
	 "examples:\n"
	 "  rigctl results --serial A1001\n"
	 "  rigctl results --verdict fail --since 2026-11-01 --format csv --limit 50\n"},
	{"report", RIGCTL_REPORT,
	 {O_SERIAL, O_RUN, O_OUT, O_FORMAT, O_SUMMARY, O_BATCH, O_POINTS, O_SINCE, O_UNTIL,
	  O_MODEL, O_VERDICT, O_CENTRAL, O_CAL_DUE, O_LOCAL, 0},
	 F(TABLE) | F(CSV) | F(JSON) | F(HTML) | F(PDF),
	 "usage: rigctl report --serial S | --run ID [--out FILE|DIR] [--format html|pdf]\n"
	 "       rigctl report --points [--run ID] [--serial S] [--model M] [--since T]\n"
	 "                     [--until T] --format csv|json\n"
	 "       rigctl report --batch [--model M] [--since T] [--until T] [--format table|csv|json]\n"
	 "       rigctl report --summary [--since T] [--until T] [--out FILE|DIR]\n"
	 "                     [--format table|csv|json]\n"
	 "\n"
	 "options:\n"
	 "  --serial S, --run ID\n"
	 "                  a calibration certificate: HTML (screen, default) or a PDF\n"
	 "                  signed with the station's key (--format pdf); with --run\n"
	 "                  and --out DIR one per meter of the run\n"
	 "  --points        per-point results in long form, one table (csv or json)\n"
	 "  --batch         batch summary: yield, Cpk per point, weighted averages\n"
	 "  --summary       summary of a period (any filter) as plain text (table,\n"
	 "                  the default),\n"
	 "                  csv (the points table; with --out DIR three files:\n"
	 "                  totals, points, worst) or json\n"
	 "  --out FILE|DIR  where to write (default: standard output, or the\n"
	 "                  certificate's own name)\n"
	 "  --format F      html, pdf, table, csv or json, as above\n"
	 "  --model M, --since T, --until T, --verdict V\n"
	 "                  filters, where the report takes them\n"
	 "  --central URL   across every bench shipping to this central PostgreSQL:\n"
	 "                  --serial S [--run ID] the test's figures (run, standards,\n"
	 "                  points); --batch [--model M] [--since T] [--until T]\n"
	 "                  yield and lowest Cpk per bench and model; --cal-due the\n"
	 "                  benches whose standards are due within 30 days;\n"
	 "                  `central = URL` in the config answers --batch (table,\n"
	 "                  csv) and --cal-due so; certificates stay this bench's\n"
	 "  --local         this bench's database, despite `central` in the config\n"
	 "\n" TIMES
	 "\n"
	 "examples:\n"
	 "  rigctl report --serial A1001 --out A1001.html\n"
	 "  rigctl report --run RUN-ID --format pdf --out certs/\n"
	 "  rigctl report --summary --since 2026-11-01 --until 2026-12-01\n"
	 "  rigctl report --batch --model MMS-120-2001 --format csv\n"
	 "  rigctl report --batch --since 2026-11-01 --central postgresql://rig@quality-db/rig\n"},
	{"history", RIGCTL_HISTORY, {O_FORMAT, O_CENTRAL, O_LOCAL, 0}, F(TABLE) | F(CSV) | F(JSON),
	 "usage: rigctl history SERIAL [--format table|csv|json] [--central URL | --local]\n"
	 "\n"
	 "Every test of one meter, oldest first, as stored then: model as tested,\n"
	 "as-found/as-left, verdict, weighted average registration. With --central\n"
	 "URL, or `central = URL` in the config (table or csv): its tests on every\n"
	 "bench shipping to that central PostgreSQL, with its register readings;\n"
	 "--local: this bench's database only (also what is not shipped yet).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl history A1001\n"
	 "  rigctl history A1001 --format csv\n"},
	{"reading", RIGCTL_READING, {O_RUN, 0}, 0,
	 "usage: rigctl reading POSITION KWH [--run ID]\n"
	 "\n"
	 "The LCD reading (kWh, 0 .. 999999999) of position POSITION (1..16) that\n"
	 "a running register point asks for, before or after its energy as the\n"
	 "point is (rigctl status says which it waits for); refused when none is\n"
	 "wanted from that position now or it was given already.\n"
	 "\n"
	 "examples:\n"
	 "  rigctl reading 3 18234.6\n"},
	{"register", RIGCTL_REGISTER, {0}, 0,
	 "usage: rigctl register RUN POSITION KWH\n"
	 "\n"
	 "Stores a meter's register reading after its run, once (position 1..16,\n"
	 "0 .. 999999999 kWh).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl register RUN-ID 1 18236.1\n"},
	{"verify", RIGCTL_VERIFY, {0}, 0,
	 "usage: rigctl verify CERT.pdf\n"
	 "       rigctl verify --db\n"
	 "\n"
	 "Checks a signed certificate against the database (valid, or each line that\n"
	 "differs), or walks the database's hash chain of sealed runs and checks its\n"
	 "signed head, so a removed newest run shows (--db alone).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl verify A1001.pdf\n"
	 "  rigctl --db /var/lib/rig/rig.db verify --db\n"},
	{"key", RIGCTL_KEY, {0}, 0,
	 "usage: rigctl key init | rigctl key show\n"
	 "\n"
	 "  init   make the station's signing key beside the database (once, at\n"
	 "         install; station.key mode 0600, station.pub)\n"
	 "  show   the station's public key; refuses a secret key file that others\n"
	 "         may read\n"
	 "\n"
	 "examples:\n"
	 "  rigctl --db /var/lib/rig/rig.db key init\n"
	 "  rigctl key show\n"},
	{"model", RIGCTL_MODEL, {O_JSON, 0}, 0,
	 "usage: rigctl model MODEL [--json]\n"
	 "\n"
	 "What a model number means (elements, voltage, CT, outputs).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl model MMD-120-2001-T-SCC --json\n"},
	{"profiles", RIGCTL_PROFILES, {0}, 0,
	 "usage: rigctl profiles\n"
	 "\n"
	 "The test profiles in rigd's profiles directory, with their point counts.\n"},
	{"fixture", RIGCTL_FIXTURE_CHECK, {O_LIVE, 0}, 0,
	 "usage: rigctl fixture check [--live] FILE\n"
	 "\n"
	 "Loads a fixture file and reports its errors (file:line). --live also probes\n"
	 "the bench: the gpio chip (path or label) and every line (on the chip, free),\n"
	 "and the source's answer to *IDN? (not while rigd holds them).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl fixture check fixtures/pi-bench-4.conf\n"
	 "  rigctl fixture check --live /etc/rig/bench.conf\n"},
	{"analyse", RIGCTL_ANALYSE, {0}, 0,
	 "usage: rigctl analyse RECORDING [--run ID] [--db FILE] [--profile FILE] [--fixture FILE]\n"
	 "\n"
	 "Walks recorded runs through the sequencer again and compares every result\n"
	 "bit for bit with the database (exit 1 on a difference).\n"
	 "\n"
	 "examples:\n"
	 "  rigctl analyse build/demo/recording.cap --db build/demo/rig.db\n"},
	{"help", RIGCTL_HELP, {0}, 0, NULL},
	{"version", RIGCTL_VERSION, {0}, 0, NULL},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char command_list[] =
	"run, status, abort, dequeue, safe-off, results, report, history, reading, register, verify, "
	"key, model, profiles, fixture, analyse, help, version";

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const struct command *command_of(enum rigctl_cmd cmd)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (commands[i].cmd == cmd)
			return &commands[i];
	return NULL;
}

const char *rigctl_command_help(enum rigctl_cmd cmd)
{
	const struct command *c = command_of(cmd);
	return c && c->help ? c->help : rigctl_usage;
}

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
		return usage_error(why, why_len,
				   "--position \"%s\": expected N:MODEL:SERIAL, e.g. 1:MMS-120-2001:A1001",
				   text);
	char *end;
	long n = strtol(text, &end, 10);
	if (end != c1 || n < 1 || n > RIG_MAX_POSITIONS) {
		snprintf(why, why_len, "--position \"%s\": position must be 1..%d", text,
			 RIG_MAX_POSITIONS);
		return -1;
	}
	size_t model_len = (size_t)(c2 - c1 - 1);
	if (model_len == 0 || model_len >= sizeof(ret->model))
		return usage_error(why, why_len,
				   "--position \"%s\": bad model (rigctl model MODEL explains one)",
				   text);
	const char *serial = c2 + 1;
	if (!serial[0] || strlen(serial) >= sizeof(ret->serial))
		return usage_error(why, why_len, "--position \"%s\": bad serial (1..63 characters)",
				   text);
	ret->position = (int)n;
	memcpy(ret->model, c1 + 1, model_len);
	ret->model[model_len] = '\0';
	snprintf(ret->serial, sizeof(ret->serial), "%s", serial);
	return 0;
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

static const char *const format_names[] = {
	[RIGCTL_FMT_TABLE] = "table", [RIGCTL_FMT_CSV] = "csv", [RIGCTL_FMT_JSON] = "json",
	[RIGCTL_FMT_HTML] = "html",   [RIGCTL_FMT_PDF] = "pdf",
};

static int parse_format(const struct command *cmd, const char *v, struct rigctl_args *a, char *why,
			size_t why_len)
{
	char valid[64] = "";
	for (unsigned f = 0; f < sizeof(format_names) / sizeof(format_names[0]); f++) {
		if (!(cmd->formats & (1u << f)))
			continue;
		if (strcmp(v, format_names[f]) == 0) {
			a->format = (enum rigctl_format)f;
			return 0;
		}
		size_t len = strlen(valid);
		snprintf(valid + len, sizeof(valid) - len, "%s%s", len ? ", " : "", format_names[f]);
	}
	snprintf(why, why_len, "--format \"%s\": %s writes %s (rigctl %s --help)", v, cmd->name,
		 valid, cmd->name);
	return -1;
}

static int parse_number(const char *name, const char *v, double lo, double hi, double *ret,
			char *why, size_t why_len)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || *end || !(x >= lo && x <= hi)) {
		snprintf(why, why_len, "%s \"%s\": expected a number %g .. %g", name, v, lo, hi);
		return -1;
	}
	*ret = x;
	return 0;
}

static int take_position(struct rigctl_args *a, const char *v, char *why, size_t why_len)
{
	if (a->n_positions >= RIG_MAX_POSITIONS)
		return usage_error(why, why_len, "too many positions (at most %s)", "16");
	struct ctl_position *p = &a->pos[a->n_positions];
	if (rigctl_parse_position(v, p, why, why_len) < 0)
		return -1;
	for (int k = 0; k < a->n_positions; k++)
		if (a->pos[k].position == p->position)
			return usage_error(why, why_len, "--position %s given twice", v);
	a->n_positions++;
	return 0;
}

static int take_register_before(struct rigctl_args *a, const char *v, char *why, size_t why_len)
{
	char *end;
	long n = strtol(v, &end, 10);
	const char *kwh_text = *end == '=' ? end + 1 : NULL;
	double kwh = kwh_text ? strtod(kwh_text, &end) : -1;
	if (*end || end == kwh_text || n < 1 || n > RIG_MAX_POSITIONS || !(kwh >= 0 && kwh < 1e9))
		return usage_error(why, why_len,
				   "--register-before \"%s\": expected POSITION=KWH (position 1..16, "
				   "0 .. 999999999 kWh), e.g. 1=18234.6", v);
	a->has_register[n] = true;
	a->register_kwh[n] = kwh;
	return 0;
}

/* --model-override REASON: getopt_long takes the next argument whatever it
 * is, so a forgotten reason would swallow the next option; refused. */
static int take_model_override(struct rigctl_args *a, const char *v, char *why, size_t why_len)
{
	if (!v[0] || v[0] == '-')
		return usage_error(why, why_len, "%s",
				   "run: --model-override needs the reason: --model-override \"WHY\"");
	a->model_override = true;
	a->model_override_reason = v;
	return 0;
}

static int take_wait(struct rigctl_args *a, const char *v, char *why, size_t why_len)
{
	a->wait = true;
	a->wait_s = -1;
	if (!v)
		return 0;
	char *end;
	double s = strtod(v, &end);
	if (end == v || *end || !(s >= 1 && s <= 7 * 86400))
		return usage_error(why, why_len,
				   "--wait=\"%s\": expected whole seconds 1 .. 604800, or --wait "
				   "alone to wait without a limit", v);
	a->wait_s = s;
	return 0;
}

/* One option of the command's set. 0, or -1 with why. */
static int take_option(const struct command *cmd, int id, const char *v, struct rigctl_args *a,
		       char *why, size_t why_len)
{
	double x;
	char *end;
	long n;
	switch ((enum opt_id)id) {
	case O_HELP: a->help_cmd = cmd->cmd; a->cmd = RIGCTL_HELP; return 0;
	case O_VERSION: a->cmd = RIGCTL_VERSION; return 0;
	case O_QUIET: a->quiet = true; return 0;
	case O_CONFIG: a->config = v; return 0;
	case O_SOCKET: a->socket = v; return 0;
	case O_DB: a->db = v; return 0;
	case O_PROFILE: a->profile = v; return 0;
	case O_OPERATOR: a->operator_name = v; return 0;
	case O_POSITION: return take_position(a, v, why, why_len);
	case O_NOTES: a->notes = v; return 0;
	case O_JUNIT: a->junit = v; return 0;
	case O_WAIT: return take_wait(a, v, why, why_len);
	case O_EXPECT_MODEL: a->expect_model = v; return 0;
	case O_MODEL_OVERRIDE: return take_model_override(a, v, why, why_len);
	case O_TEST_REASON:
		if (!store_test_reason_ok(v))
			return usage_error(why, why_len,
					   "--test-reason \"%s\": not a reason; valid: " TEST_REASONS, v);
		a->test_reason = v;
		return 0;
	case O_CUSTOMER: a->customer = v; return 0;
	case O_AS_FOUND:
	case O_AS_LEFT:
		if (a->test_state)
			return usage_error(why, why_len, "%s",
					   "--as-found or --as-left, once (the meter's state for this run)");
		a->test_state = id == O_AS_FOUND ? "as-found" : "as-left";
		return 0;
	case O_FOLLOWS: a->follows = v; return 0;
	case O_REGISTER_BEFORE: return take_register_before(a, v, why, why_len);
	case O_AMBIENT:
		if (parse_number("--ambient", v, -40, 85, &x, why, why_len) < 0)
			return -1;
		a->ambient_c = x;
		a->has_ambient_c = true;
		return 0;
	case O_HUMIDITY:
		if (parse_number("--humidity", v, 0, 100, &x, why, why_len) < 0)
			return -1;
		a->humidity_pct = x;
		a->has_humidity_pct = true;
		return 0;
	case O_CAL_OVERRIDE: a->override_reason = v; return 0;
	case O_OVERRIDE_BY: a->override_by = v; return 0;
	case O_READINGS:
		if (strcmp(v, "prompt") && strcmp(v, "none") && strncmp(v, "sim:", 4))
			return usage_error(why, why_len,
					   "run: --readings \"%s\": prompt, none or sim:HOST:PORT", v);
		a->readings = v;
		return 0;
	case O_REASON: a->reason = v; return 0;
	case O_JSON: a->json = true; return 0;
	case O_SERIAL: a->serial = v; return 0;
	case O_MODEL: a->model = v; return 0;
	case O_SINCE: return parse_time_opt("--since", v, &a->since, &a->has_since, why, why_len);
	case O_UNTIL: return parse_time_opt("--until", v, &a->until, &a->has_until, why, why_len);
	case O_VERDICT:
		if (rig_verdict_parse(v, &a->verdict) < 0 || a->verdict == RIG_VERDICT_NONE)
			return usage_error(why, why_len,
					   "--verdict \"%s\": not a verdict; valid: " VERDICTS, v);
		a->has_verdict = true;
		return 0;
	case O_RUN: a->run_id = v; return 0;
	case O_LIMIT:
		n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > 100000)
			return usage_error(why, why_len,
					   "--limit \"%s\": expected a whole number 1..100000 (the newest rows)",
					   v);
		a->limit = (int)n;
		return 0;
	case O_FORMAT: return parse_format(cmd, v, a, why, why_len);
	case O_OUT: a->out = v; return 0;
	case O_SUMMARY: a->summary = true; return 0;
	case O_BATCH: a->batch = true; return 0;
	case O_POINTS: a->points = true; return 0;
	case O_LIVE: a->live = true; return 0;
	case O_CENTRAL: a->central = v; return 0;
	case O_CAL_DUE: a->cal_due = true; return 0;
	case O_LOCAL: a->local = true; return 0;
	}
	return usage_error(why, why_len, "%s", "internal: an option without a handler");
}

static const struct option *option_by_id(int id)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (all_options[i].val == id)
			return &all_options[i];
	return NULL;
}

/* The command's getopt_long table: the global options and its own. */
static void command_options(const struct command *cmd, struct option *out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_GLOBAL; i++)
		out[n++] = all_options[i];
	for (size_t i = 0; cmd->opts[i]; i++)
		out[n++] = *option_by_id(cmd->opts[i]);
	memset(&out[n], 0, sizeof(out[n]));
}

/* "--name" of an argument ("--name=value", "--name", "-x"). */
static void option_name(const char *arg, char *name, size_t len)
{
	size_t n = strcspn(arg, "=");
	snprintf(name, len, "%.*s", (int)n, arg);
}

/* An option getopt_long did not take: unknown to rigctl, or another
 * command's. */
static int refuse_option(const struct command *cmd, const char *arg, char *why, size_t why_len)
{
	char name[64];
	option_name(arg, name, sizeof(name));
	bool known = false;
	for (size_t i = 0; i < N_OPTIONS && strncmp(name, "--", 2) == 0; i++)
		known |= strcmp(all_options[i].name, name + 2) == 0;
	if (known)
		snprintf(why, why_len, "%s: %s does not apply to %s (rigctl %s --help lists its options)",
			 cmd->name, name, cmd->name, cmd->name);
	else
		snprintf(why, why_len, "%s: unknown option %s (rigctl %s --help lists its options)",
			 cmd->name, name, cmd->name);
	return -1;
}

static int check_run(struct rigctl_args *a, char *why, size_t why_len)
{
	if (!a->profile)
		return usage_error(why, why_len, "%s",
				   "run: --profile is required (rigctl profiles lists them)");
	if (a->n_positions == 0)
		return usage_error(why, why_len, "%s",
				   "run: at least one --position N:MODEL:SERIAL (rigctl run --help)");
	if (!a->operator_name)
		return usage_error(why, why_len, "%s", "run: --operator NAME is required");
	if ((a->model_override || a->override_reason) && !(a->override_by && a->override_by[0]))
		return usage_error(why, why_len, "%s",
				   "run: an override needs --override-by NAME (who gives it; "
				   "it is recorded)");
	if (a->override_by && !a->model_override && !a->override_reason)
		return usage_error(why, why_len, "%s",
				   "run: --override-by is for --model-override or "
				   "--calibration-override");
	if (a->follows && (!a->test_state || strcmp(a->test_state, "as-left")))
		return usage_error(why, why_len, "%s",
				   "run: --follows RUN is for an --as-left test; add --as-left");
	for (int n = 1; n <= RIG_MAX_POSITIONS; n++) {
		bool placed = false;
		for (int k = 0; k < a->n_positions; k++)
			placed |= a->pos[k].position == n;
		if (a->has_register[n] && !placed)
			return usage_error(why, why_len, "%s",
					   "run: --register-before names a position without a meter; "
					   "add its --position or drop the reading");
	}
	return 0;
}

static int check_report(struct rigctl_args *a, char *why, size_t why_len)
{
	if (a->cal_due && a->local)
		return usage_error(why, why_len, "%s",
				   "report --cal-due: asks the central database; drop --local");
	if (a->cal_due)
		return 0;
	if (!a->summary && !a->batch && !a->points && !a->serial && !a->run_id)
		return usage_error(why, why_len, "%s",
				   "report: --serial S, --run ID, --summary, --batch or --points "
				   "(rigctl report --help)");
	if (a->summary + a->batch + a->points > 1)
		return usage_error(why, why_len, "%s",
				   "report: one of --summary, --batch, --points");
	if (a->points && a->format != RIGCTL_FMT_CSV && a->format != RIGCTL_FMT_JSON)
		return usage_error(why, why_len, "%s", "report --points: --format csv or json");
	if ((a->batch || a->summary) &&
	    (a->format == RIGCTL_FMT_PDF || a->format == RIGCTL_FMT_HTML))
		return usage_error(why, why_len, "report --%s: --format table, csv or json",
				   a->batch ? "batch" : "summary");
	if (!a->summary && !a->batch && !a->points &&
	    (a->format == RIGCTL_FMT_CSV || a->format == RIGCTL_FMT_JSON))
		return usage_error(why, why_len, "%s",
				   "report: a certificate is --format html or pdf; for a table "
				   "add --points, --batch or --summary");
	/* filters a query does not apply are refused, not ignored: a report
	 * must hold only what it says it holds */
	if (a->points && a->has_verdict)
		return usage_error(why, why_len, "%s",
				   "report --points: filter by --serial, --model, --run, --since, --until");
	if (a->batch && (a->serial || a->run_id || a->has_verdict))
		return usage_error(why, why_len, "%s",
				   "report --batch: filter by --model, --since, --until");
	if (!a->summary && !a->batch && !a->points &&
	    (a->model || a->has_verdict || a->has_since || a->has_until))
		return usage_error(why, why_len, "%s",
				   "report: a certificate is chosen by --serial and --run only; "
				   "for a filtered table add --points, --batch or --summary");
	return 0;
}

static int check_register(struct rigctl_args *a, char **pos, int n_pos, char *why, size_t why_len)
{
	char *end1 = NULL, *end2 = NULL;
	long n = n_pos == 3 ? strtol(pos[1], &end1, 10) : 0;
	double kwh = n_pos == 3 ? strtod(pos[2], &end2) : -1;
	if (n_pos != 3 || *end1 || *end2 || n < 1 || n > RIG_MAX_POSITIONS ||
	    !(kwh >= 0 && kwh < 1e9))
		return usage_error(why, why_len, "%s",
				   "usage: rigctl register RUN POSITION KWH (position 1..16, "
				   "0 .. 999999999 kWh)");
	a->run_id = pos[0];
	a->reg_position = (int)n;
	a->reg_kwh = kwh;
	return 0;
}

static int check_reading(struct rigctl_args *a, char **pos, int n_pos, char *why, size_t why_len)
{
	char *end1 = NULL, *end2 = NULL;
	long n = n_pos == 2 ? strtol(pos[0], &end1, 10) : 0;
	double kwh = n_pos == 2 ? strtod(pos[1], &end2) : -1;
	if (n_pos != 2 || *end1 || *end2 || n < 1 || n > RIG_MAX_POSITIONS || !(kwh >= 0 && kwh < 1e9))
		return usage_error(why, why_len, "%s",
				   "usage: rigctl reading POSITION KWH [--run RUN] (position 1..16, "
				   "0 .. 999999999 kWh)");
	a->reg_position = (int)n;
	a->reg_kwh = kwh;
	return 0;
}

/* The command's positional arguments. */
static int check_command(const struct command *cmd, struct rigctl_args *a, char **pos, int n_pos,
			 char *why, size_t why_len)
{
	if (a->local && a->central)
		return usage_error(why, why_len, "%s: --local or --central URL, not both", cmd->name);
	switch (a->cmd) {
	case RIGCTL_RUN:
		if (n_pos > 0 && a->wait && strspn(pos[0], "0123456789") == strlen(pos[0])) {
			snprintf(why, why_len,
				 "run: unexpected argument \"%s\": the seconds of --wait need '=', "
				 "as --wait=%s", pos[0], pos[0]);
			return -1;
		}
		if (n_pos > 0)
			break;
		return check_run(a, why, why_len);
	case RIGCTL_MODEL:
		if (n_pos != 1)
			return usage_error(why, why_len, "%s",
					   "usage: rigctl model MODEL, e.g. rigctl model MMS-120-2001");
		a->model_arg = pos[0];
		return 0;
	case RIGCTL_FIXTURE_CHECK:
		if (n_pos != 2 || strcmp(pos[0], "check") != 0)
			return usage_error(why, why_len, "%s",
					   "usage: rigctl fixture check [--live] FILE");
		a->file = pos[1];
		return 0;
	case RIGCTL_VERIFY:
		if (n_pos > 1)
			return usage_error(why, why_len, "%s",
					   "usage: rigctl verify [CERT.pdf | --db]");
		a->file = n_pos ? pos[0] : NULL;
		return 0;
	case RIGCTL_REPORT:
		if (n_pos > 0)
			break;
		return check_report(a, why, why_len);
	case RIGCTL_KEY:
		if (n_pos != 1 || (strcmp(pos[0], "init") && strcmp(pos[0], "show")))
			return usage_error(why, why_len, "%s",
					   "usage: rigctl key init|show (rigctl key --help)");
		a->key_action = pos[0];
		return 0;
	case RIGCTL_HISTORY:
		if (n_pos != 1)
			return usage_error(why, why_len, "%s", "usage: rigctl history SERIAL");
		a->serial = pos[0];
		return 0;
	case RIGCTL_REGISTER:
		return check_register(a, pos, n_pos, why, why_len);
	case RIGCTL_READING:
		return check_reading(a, pos, n_pos, why, why_len);
	case RIGCTL_DEQUEUE: {
		char *end = NULL;
		unsigned long t = n_pos == 1 ? strtoul(pos[0], &end, 10) : 0;
		if (n_pos != 1 || *end || t < 1 || t > 4294967295UL || pos[0][0] == '-')
			return usage_error(why, why_len, "%s",
					   "usage: rigctl dequeue TICKET (rigctl status lists the queue "
					   "with its tickets)");
		a->ticket = (unsigned)t;
		return 0;
	}
	default:
		break;
	}
	if (n_pos > 0) {
		snprintf(why, why_len, "%s: unexpected argument \"%s\" (rigctl %s --help)",
			 cmd->name, pos[0], cmd->name);
		return -1;
	}
	return 0;
}

/* `verify --db` with no file after it walks the configured database's
 * chain: a flag there, not the global --db FILE. Taken out of args. */
static void verify_db_flag(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--db") != 0 || (i + 1 < *argc && argv[i + 1][0] != '-'))
			continue;
		memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof(*argv));
		(*argc)--;
		i--;
	}
}

#define MAX_POSITIONAL 8

/* getopt_long takes a unique prefix for an option; rigctl wants the
 * whole name, so that `run --model X` is never read as --model-override. */
static bool abbreviated(const char *arg, const struct option *o, char *why, size_t why_len)
{
	char name[64];
	option_name(arg, name, sizeof(name));
	if (strncmp(name, "--", 2) != 0 || strcmp(name + 2, o->name) == 0)
		return false;
	snprintf(why, why_len, "%s: write the option in full (--%s?)", name, o->name);
	return true;
}

/* The argument that held the option getopt_long just returned: the one
 * before its value when the value was a separate argument. */
static const char *option_arg(char **argv)
{
	if (optarg && optind >= 2 && optarg == argv[optind - 1])
		return argv[optind - 2];
	return argv[optind - 1];
}

/* The command's own arguments, argv[0] its name. */
static int parse_command(const struct command *cmd, int argc, char **argv, struct rigctl_args *a,
			 char *why, size_t why_len)
{
	struct option opts[N_GLOBAL + MAX_CMD_OPTS + 1];
	command_options(cmd, opts);
	char *pos[MAX_POSITIONAL];
	int n_pos = 0;
	bool help = false;
	/* '-': positionals come back in order as 1 (no reordering);
	 * ':': a missing value comes back as ':' */
	optind = 0;
	opterr = 0;
	int c, index = -1;
	while ((c = getopt_long(argc, argv, "-:qh", opts, &index)) != -1) {
		const char *arg = argv[optind - 1];
		if (index >= 0 && abbreviated(option_arg(argv), &opts[index], why, why_len))
			return -1;
		index = -1;
		if (c == 1) {
			if (n_pos == MAX_POSITIONAL)
				return usage_error(why, why_len, "too many arguments at \"%s\"", optarg);
			pos[n_pos++] = optarg;
		} else if (c == ':') {
			char name[64];
			option_name(arg, name, sizeof(name));
			return usage_error(why, why_len, "%s needs a value", name);
		} else if (c == '?' && optopt >= 256) {
			char name[64];
			option_name(arg, name, sizeof(name));
			return usage_error(why, why_len, "%s takes no value", name);
		} else if (c == '?') {
			return refuse_option(cmd, optopt && optopt < 256 ? (char[]){'-', (char)optopt, 0}
							       : arg,
					     why, why_len);
		} else if (c == O_HELP) {
			help = true;
		} else if (take_option(cmd, c, optarg, a, why, why_len) < 0) {
			return -1;
		}
	}
	if (help) {
		a->cmd = RIGCTL_HELP;
		a->help_cmd = cmd->cmd;
		return 0;
	}
	return check_command(cmd, a, pos, n_pos, why, why_len);
}

/* Global options up to the command word; its index, or argc when none.
 * -1 with why on an error. */
static int parse_global(int argc, char **argv, struct rigctl_args *a, bool *asked_help,
			bool *asked_version, char *why, size_t why_len)
{
	struct option opts[N_GLOBAL + 2];
	memcpy(opts, all_options, N_GLOBAL * sizeof(opts[0]));
	opts[N_GLOBAL] = *option_by_id(O_VERSION);
	memset(&opts[N_GLOBAL + 1], 0, sizeof(opts[0]));
	optind = 0;
	opterr = 0;
	int c, index = -1;
	/* '+': stop at the command word */
	while ((c = getopt_long(argc, argv, "+:qh", opts, &index)) != -1) {
		char name[64];
		option_name(argv[optind - 1], name, sizeof(name));
		if (index >= 0 && abbreviated(option_arg(argv), &opts[index], why, why_len))
			return -1;
		index = -1;
		switch (c) {
		case O_HELP: *asked_help = true; break;
		case O_VERSION: *asked_version = true; break;
		case O_QUIET: a->quiet = true; break;
		case O_CONFIG: a->config = optarg; break;
		case O_SOCKET: a->socket = optarg; break;
		case O_DB: a->db = optarg; break;
		case ':':
			return usage_error(why, why_len, "%s needs a value", name);
		default:
			snprintf(why, why_len,
				 "%s is not a global option: put it after the command "
				 "(rigctl COMMAND --help lists a command's options)", name);
			return -1;
		}
	}
	return optind;
}

int rigctl_parse_args(int argc, char **argv, struct rigctl_args *ret, char *why, size_t why_len)
{
	struct rigctl_args a;
	memset(&a, 0, sizeof(a));
	a.cmd = RIGCTL_HELP;
	a.help_cmd = RIGCTL_HELP;
	bool asked_help = false, asked_version = false;
	int at = parse_global(argc, argv, &a, &asked_help, &asked_version, why, why_len);
	if (at < 0)
		return -1;
	if (at >= argc) {
		if (!asked_help && !asked_version)
			return usage_error(why, why_len,
					   "no command given; the commands: %s (rigctl --help)",
					   command_list);
		a.cmd = asked_version && !asked_help ? RIGCTL_VERSION : RIGCTL_HELP;
		*ret = a;
		return 0;
	}
	const struct command *cmd = find_command(argv[at]);
	if (!cmd) {
		snprintf(why, why_len, "unknown command \"%s\"; the commands: %s (rigctl --help)",
			 argv[at], command_list);
		return -1;
	}
	a.cmd = cmd->cmd;
	if (asked_help || asked_version) {
		a.help_cmd = asked_help ? cmd->cmd : RIGCTL_HELP;
		a.cmd = asked_help ? RIGCTL_HELP : RIGCTL_VERSION;
		*ret = a;
		return 0;
	}
	if (cmd->cmd == RIGCTL_ANALYSE) {
		/* the rest is the command's own (getopt_long in cmd_analyse.c) */
		a.sub_argc = argc - at;
		a.sub_argv = argv + at;
		*ret = a;
		return 0;
	}
	if (cmd->cmd == RIGCTL_HELP || cmd->cmd == RIGCTL_VERSION) {
		/* help COMMAND: that command's help */
		if (cmd->cmd == RIGCTL_HELP && at + 1 < argc) {
			const struct command *about = find_command(argv[at + 1]);
			if (!about) {
				snprintf(why, why_len,
					 "help: unknown command \"%s\"; the commands: %s", argv[at + 1],
					 command_list);
				return -1;
			}
			a.help_cmd = about->cmd;
		}
		*ret = a;
		return 0;
	}
	int sub_argc = argc - at;
	char **sub_argv = argv + at;
	if (cmd->cmd == RIGCTL_VERIFY)
		verify_db_flag(&sub_argc, sub_argv);
	if (parse_command(cmd, sub_argc, sub_argv, &a, why, why_len) < 0)
		return -1;
	*ret = a;
	return 0;
}
