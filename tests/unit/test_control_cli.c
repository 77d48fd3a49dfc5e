/* rigctl's pieces: argument parsing, JUnit XML, progress lines, exit codes. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rig/rigctl/args.h"
#include "rig/rigctl/junit.h"
#include "rig/rigctl/progress.h"

#define ARGV(...) ((char *[]){"rigctl", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"rigctl", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, why, ...) rigctl_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, why, 200)

START_TEST(run_options)
{
	struct rigctl_args a;
	char why[200];
	ck_assert_int_eq(PARSE(&a, why, "--socket", "/tmp/s", "run", "--profile", "ansi-c12.1",
			       "--position", "1:MMS-120-2001:A123", "--position=2:MMD-120-2001:B:7",
			       "--operator", "Ana", "--junit=out.xml", "--quiet"),
			 0);
	ck_assert_int_eq(a.cmd, RIGCTL_RUN);
	ck_assert_str_eq(a.socket, "/tmp/s");
	ck_assert_str_eq(a.profile, "ansi-c12.1");
	ck_assert_str_eq(a.operator_name, "Ana");
	ck_assert_str_eq(a.junit, "out.xml");
	ck_assert(a.quiet);
	ck_assert_int_eq(a.n_positions, 2);
	ck_assert_int_eq(a.pos[0].position, 1);
	ck_assert_str_eq(a.pos[0].model, "MMS-120-2001");
	ck_assert_str_eq(a.pos[0].serial, "A123");
	ck_assert_str_eq(a.pos[1].serial, "B:7");
}
END_TEST

START_TEST(model_safety_and_live_check_options)
{
	struct rigctl_args a;
	char why[200];
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana", "--expect-model", "MMS-120-2001", "--model-override",
			       "label misprint", "--override-by", "Sam"),
			 0);
	ck_assert_str_eq(a.expect_model, "MMS-120-2001");
	ck_assert(a.model_override);
	ck_assert_str_eq(a.model_override_reason, "label misprint");
	ck_assert_str_eq(a.override_by, "Sam");
	/* an override names who gives it, and a model override says why */
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana", "--model-override", "label misprint"),
			 -1);
	ck_assert_str_eq(why, "run: an override needs --override-by NAME (who gives it; it is recorded)");
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana", "--calibration-override", "standard away"),
			 -1);
	ck_assert_msg(strstr(why, "--override-by NAME"), "%s", why);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana", "--model-override", "--override-by", "Sam"),
			 -1);
	ck_assert_msg(strstr(why, "--model-override needs the reason"), "%s", why);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana", "--override-by", "Sam"),
			 -1);
	ck_assert_msg(strstr(why, "--override-by is for"), "%s", why);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:MMS-120-2001:A",
			       "--operator", "Ana"),
			 0);
	ck_assert_ptr_null(a.expect_model);
	ck_assert(!a.model_override);
	ck_assert_int_eq(PARSE(&a, why, "fixture", "check", "--live", "f.conf"), 0);
	ck_assert(a.live);
	ck_assert_str_eq(a.file, "f.conf");
	ck_assert_int_eq(PARSE(&a, why, "fixture", "check", "f.conf"), 0);
	ck_assert(!a.live);
}
END_TEST

START_TEST(usage_errors_say_what_is_wrong)
{
	struct rigctl_args a;
	char why[200];
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x"), -1);
	ck_assert_ptr_nonnull(strstr(why, "--position"));
	/* filters a report cannot apply are refused, not ignored */
	ck_assert_int_eq(PARSE(&a, why, "report", "--batch", "--serial", "A1"), -1);
	ck_assert_ptr_nonnull(strstr(why, "report --batch: filter by"));
	ck_assert_int_eq(PARSE(&a, why, "report", "--points", "--format", "csv", "--verdict", "fail"), -1);
	ck_assert_ptr_nonnull(strstr(why, "report --points: filter by"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:M:S",
			       "--register-before", "1="), -1);
	ck_assert_ptr_nonnull(strstr(why, "POSITION=KWH"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--position", "1:M:S", "--operator", "x"), -1);
	ck_assert_ptr_nonnull(strstr(why, "--profile"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "0:M:S",
			       "--operator", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "1..16"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:M",
			       "--operator", "x"),
			 -1);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--position", "1:M:S",
			       "--position", "1:M:T", "--operator", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "twice"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile"), -1);
	ck_assert_str_eq(why, "--profile needs a value");
	ck_assert_int_eq(PARSE(&a, why, "launch"), -1);
	ck_assert_ptr_nonnull(strstr(why, "unknown command \"launch\"; the commands: run, status"));
	ck_assert_int_eq(PARSE(&a, why, "status", "--frob"), -1);
	ck_assert_ptr_nonnull(strstr(why, "status: unknown option --frob (rigctl status --help"));
	ck_assert_int_eq(PARSE(&a, why, "status", "extra"), -1);
	ck_assert_int_eq(PARSE(&a, why, "results", "--verdict", "great"), -1);
	ck_assert_int_eq(PARSE(&a, why, "results", "--format", "xml"), -1);
	ck_assert_int_eq(PARSE(&a, why, "results", "--since", "last week"), -1);
	ck_assert_int_eq(PARSE(&a, why, "report"), -1);
	ck_assert_int_eq(PARSE(&a, why, "model"), -1);
	ck_assert_int_eq(PARSE(&a, why, "fixture", "lint", "f.conf"), -1);
	ck_assert_int_eq(rigctl_parse_args(1, ARGV("x") /* argv[0] only */, &a, why, 200), -1);
}
END_TEST

/* analyse hands everything after its name to its own getopt_long parser:
 * options the others do not know (--fixture) are not refused here. */
START_TEST(analyse_takes_its_own_options)
{
	struct rigctl_args a;
	char why[200];
	char *argv[] = {"rigctl", "--db", "x.db", "analyse", "rec.cap", "--fixture", "f.conf",
			"--run=7", NULL};
	ck_assert_int_eq(rigctl_parse_args(8, argv, &a, why, sizeof(why)), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_ANALYSE);
	ck_assert_str_eq(a.db, "x.db");
	ck_assert_int_eq(a.sub_argc, 5);
	ck_assert_str_eq(a.sub_argv[0], "analyse");
	ck_assert_str_eq(a.sub_argv[1], "rec.cap");
	ck_assert_str_eq(a.sub_argv[4], "--run=7");
	ck_assert_int_eq(PARSE(&a, why, "--help", "analyse", "x"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_HELP);
}
END_TEST

START_TEST(other_commands)
{
	struct rigctl_args a;
	char why[200];
	ck_assert_int_eq(PARSE(&a, why, "results", "--serial", "A1", "--since", "2026-11-01",
			       "--until", "2026-11-02T12:00", "--verdict", "fail", "--format", "csv",
			       "--db", "x.db", "--limit", "10"),
			 0);
	ck_assert_int_eq(a.cmd, RIGCTL_RESULTS);
	ck_assert_str_eq(a.serial, "A1");
	ck_assert_int_eq((long)a.since, 1793491200L);
	ck_assert_int_eq((long)a.until, 1793491200L + 86400 + 43200);
	ck_assert_int_eq(a.verdict, RIG_VERDICT_FAIL);
	ck_assert_int_eq(a.format, RIGCTL_FMT_CSV);
	ck_assert_str_eq(a.db, "x.db");
	ck_assert_int_eq(a.limit, 10);

	ck_assert_int_eq(PARSE(&a, why, "model", "MMS-120-2001", "--json"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_MODEL);
	ck_assert_str_eq(a.model_arg, "MMS-120-2001");
	ck_assert(a.json);

	ck_assert_int_eq(PARSE(&a, why, "fixture", "check", "sim.conf"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_FIXTURE_CHECK);
	ck_assert_str_eq(a.file, "sim.conf");

	ck_assert_int_eq(PARSE(&a, why, "report", "--run", "7", "--out", "c.html"), 0);
	ck_assert_str_eq(a.run_id, "7");
	ck_assert_int_eq(PARSE(&a, why, "abort", "--reason", "lid open"), 0);
	ck_assert_str_eq(a.reason, "lid open");
	ck_assert_int_eq(PARSE(&a, why, "run", "--help"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_HELP);
	ck_assert_int_eq(PARSE(&a, why, "--version"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_VERSION);
	ck_assert_ptr_nonnull(strstr(rigctl_usage, "4  rig, instrument or usage error"));
}
END_TEST

/* Every command takes only its own options: one that belongs to another
 * command is refused by name, not ignored. */
START_TEST(options_of_another_command_are_refused)
{
	struct rigctl_args a;
	char why[300];
	struct {
		const char *cmd, *opt, *value;
	} cases[] = {
		{"results", "--profile", "production"}, {"results", "--operator", "ana"},
		{"status", "--junit", "x.xml"},	 {"abort", "--serial", "A1"},
		{"history", "--limit", "3"},		 {"run", "--format", "csv"},
		{"report", "--wait", NULL},		 {"model", "--out", "x"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = {"rigctl", (char *)cases[i].cmd, (char *)cases[i].opt,
				(char *)cases[i].value, NULL};
		int argc = cases[i].value ? 4 : 3;
		ck_assert_int_eq(rigctl_parse_args(argc, argv, &a, why, sizeof(why)), -1);
		char expect[120];
		snprintf(expect, sizeof(expect), "%s: %s does not apply to %s (rigctl %s --help",
			 cases[i].cmd, cases[i].opt, cases[i].cmd, cases[i].cmd);
		ck_assert_msg(strstr(why, expect), "%s %s: %s", cases[i].cmd, cases[i].opt, why);
	}
	/* global options after the command still work */
	ck_assert_int_eq(PARSE(&a, why, "results", "--db", "x.db", "-q"), 0);
	ck_assert_str_eq(a.db, "x.db");
	ck_assert(a.quiet);
	ck_assert_int_eq(PARSE(&a, why, "--db", "x.db", "verify", "--db"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_VERIFY);
	ck_assert_ptr_null(a.file);
	ck_assert_str_eq(a.db, "x.db");
	ck_assert_int_eq(PARSE(&a, why, "status", "--json=yes"), -1);
	ck_assert_str_eq(why, "--json takes no value");
	/* no abbreviations: --model is not --model-override */
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--model", "X"), -1);
	ck_assert_str_eq(why, "--model: write the option in full (--model-override?)");
	ck_assert_int_eq(PARSE(&a, why, "--sock", "/tmp/s", "status"), -1);
}
END_TEST

/* Each error names the valid choices and the next step. */
START_TEST(errors_list_the_valid_choices)
{
	struct rigctl_args a;
	char why[300];
	ck_assert_int_eq(PARSE(&a, why, "results", "--verdict", "passed"), -1);
	ck_assert_str_eq(why, "--verdict \"passed\": not a verdict; valid: pass, fail, "
			      "indeterminate, aborted, error");
	ck_assert_int_eq(PARSE(&a, why, "results", "--format", "html"), -1);
	ck_assert_str_eq(why, "--format \"html\": results writes table, csv, json "
			      "(rigctl results --help)");
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--test-reason", "whim"), -1);
	ck_assert_ptr_nonnull(strstr(why, "valid: new, periodic, complaint, repair, sample, other"));
	ck_assert_int_eq(PARSE(&a, why, "results", "--limit", "0"), -1);
	ck_assert_ptr_nonnull(strstr(why, "1..100000"));
	ck_assert_int_eq(PARSE(&a, why, "report", "--summary", "--format", "pdf"), -1);
	ck_assert_str_eq(why, "report --summary: --format table, csv or json");
	ck_assert_int_eq(PARSE(&a, why, "report", "--serial", "A1", "--verdict", "fail"), -1);
	ck_assert_ptr_nonnull(strstr(why, "a certificate is chosen by --serial and --run only"));
	ck_assert_int_eq(PARSE(&a, why, "dequeue", "x"), -1);
	ck_assert_ptr_nonnull(strstr(why, "rigctl status lists the queue"));
	ck_assert_int_eq(PARSE(&a, why, "help", "frob"), -1);
	ck_assert_ptr_nonnull(strstr(why, "the commands: run,"));
}
END_TEST

START_TEST(wait_and_help_per_command)
{
	struct rigctl_args a;
	char why[300];
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--wait"), 0);
	ck_assert(a.wait);
	ck_assert(a.wait_s < 0);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--wait=600"), 0);
	ck_assert_double_eq(a.wait_s, 600);
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--wait", "600"), -1);
	ck_assert_ptr_nonnull(strstr(why, "as --wait=600"));
	ck_assert_int_eq(PARSE(&a, why, "run", "--profile", "p", "--operator", "x", "--position",
			       "1:M:S", "--wait=0"), -1);
	ck_assert_int_eq(PARSE(&a, why, "dequeue", "7"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_DEQUEUE);
	ck_assert_uint_eq(a.ticket, 7);

	/* one help per command, with its options and examples */
	ck_assert_int_eq(PARSE(&a, why, "run", "--help"), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_HELP);
	ck_assert_int_eq(a.help_cmd, RIGCTL_RUN);
	const char *h = rigctl_command_help(a.help_cmd);
	ck_assert_ptr_nonnull(strstr(h, "usage: rigctl run"));
	ck_assert_ptr_nonnull(strstr(h, "--wait[=SECONDS]"));
	ck_assert_ptr_nonnull(strstr(h, "examples:"));
	ck_assert_int_eq(PARSE(&a, why, "help", "results"), 0);
	ck_assert_ptr_nonnull(strstr(rigctl_command_help(a.help_cmd), "--limit N"));
	ck_assert_int_eq(PARSE(&a, why, "report", "-h"), 0);
	h = rigctl_command_help(a.help_cmd);
	/* --summary writes text, not HTML */
	ck_assert_ptr_nonnull(strstr(h, "as plain text"));
	ck_assert_int_eq(PARSE(&a, why, "--help"), 0);
	ck_assert_ptr_eq(rigctl_command_help(a.help_cmd), rigctl_usage);
}
END_TEST

static struct junit_case make_case(int point, int position, enum rig_verdict v, double err)
{
	struct junit_case c;
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "point-%d", point);
	c.point = point;
	c.position = position;
	snprintf(c.serial, sizeof(c.serial), "S<%d>&\"'", position);
	snprintf(c.model, sizeof(c.model), "MMS-120-2001");
	c.verdict = v;
	c.error_pct = err;
	c.u_pct = 0.05;
	c.band_pct = 0.5;
	c.gate_s = 12.5;
	return c;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(junit_counts_escapes_and_is_well_formed)
{
	struct junit_report r;
	junit_init(&r, "ansi-c12.1", "42");
	snprintf(r.run_state, sizeof(r.run_state), "failed");
	struct junit_case c = make_case(0, 1, RIG_VERDICT_INDETERMINATE, 0.47);
	junit_add(&r, &c);
	c = make_case(0, 1, RIG_VERDICT_PASS, 0.1);	/* retest replaces */
	junit_add(&r, &c);
	c = make_case(0, 2, RIG_VERDICT_FAIL, 1.7);
	snprintf(c.detail, sizeof(c.detail), "bad \x01 byte \xff and <tag> \xc3\xa9");
	junit_add(&r, &c);
	c = make_case(1, 1, RIG_VERDICT_INDETERMINATE, 0.49);
	junit_add(&r, &c);
	c = make_case(1, 2, RIG_VERDICT_ABORTED, NAN);
	c.error_pct = c.band_pct = NAN;
	junit_add(&r, &c);
	ck_assert_int_eq(r.n, 4);

	char path[] = "/tmp/junit-XXXXXX.xml";
	int fd = mkstemps(path, 4);
	close(fd);
	ck_assert_int_eq(junit_write_file(&r, path), 0);
	junit_free(&r);
	const char *xml = slurp(path);
	ck_assert_ptr_nonnull(strstr(xml, "tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(xml, "S&lt;2&gt;&amp;&quot;&apos;"));
	ck_assert_ptr_nonnull(strstr(xml, "bad ? byte ? and &lt;tag&gt; \xc3\xa9"));
	ck_assert_ptr_nonnull(strstr(xml, "\nerror_pct=1.7000\n"));
	ck_assert_ptr_nonnull(strstr(xml, "<failure type=\"fail\""));
	/* the detail is the failure's text too, not only an attribute */
	ck_assert_ptr_nonnull(strstr(xml, "\">fail: error +1.700 % (U 0.050 %, k=2) against band "
					  "+/-0.50 %; bad ? byte"));
	ck_assert_ptr_nonnull(strstr(xml, "<skipped type=\"aborted\""));
	ck_assert_ptr_null(strstr(xml, "nan"));
	ck_assert_ptr_nonnull(strstr(xml, " hostname=\""));

	/* A real XML parser agrees it is well-formed. */
	char cmd[300];
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys,xml.dom.minidom as m; "
		 "d=m.parse(sys.argv[1]); sys.exit(len(d.getElementsByTagName(\"testcase\"))!=4)' %s",
		 path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}
END_TEST

/* Every consumer takes the file: the Jenkins xunit junit-10 schema
 * (xmllint) and python3-junitparser agree on the totals, the failure text
 * and the times; nothing unmeasured carries a number or a time. */
START_TEST(junit_is_valid_for_jenkins_and_junitparser)
{
	struct junit_report r;
	junit_init(&r, "ansi-c12.1", "77");
	snprintf(r.run_state, sizeof(r.run_state), "aborted");
	r.time_s = 95.25;
	struct junit_case c = make_case(0, 1, RIG_VERDICT_PASS, 0.1);
	c.time_s = 40.5;
	junit_add(&r, &c);
	c = make_case(0, 2, RIG_VERDICT_FAIL, 1.7);
	c.time_s = 40.5;
	snprintf(c.detail, sizeof(c.detail), "outside the band");
	junit_add(&r, &c);
	c = make_case(1, 1, RIG_VERDICT_PASS, NAN);	/* a creep point: no gate */
	snprintf(c.name, sizeof(c.name), "creep");
	c.u_pct = c.band_pct = NAN;
	c.gate_s = 0;
	c.time_s = 12.25;
	junit_add(&r, &c);
	c = make_case(2, 1, RIG_VERDICT_ABORTED, NAN);
	c.u_pct = NAN;
	c.time_s = NAN;
	junit_add(&r, &c);
	const char *names[] = {"full-load", "creep", "light-load"};
	struct junit_case positions[2];
	memset(positions, 0, sizeof(positions));
	positions[0].position = 1;
	positions[1].position = 2;
	ck_assert_int_eq(junit_add_unmeasured(&r, names, 3, positions, 2), 0);
	ck_assert_int_eq(r.n, 6);
	char path[] = "/tmp/junit-XXXXXX.xml";
	close(mkstemps(path, 4));
	ck_assert_int_eq(junit_write_file(&r, path), 0);
	junit_free(&r);
	const char *xml = slurp(path);
	ck_assert_ptr_null(strstr(xml, "U -1"));
	ck_assert_ptr_null(strstr(xml, "error +0.000"));
	ck_assert_ptr_nonnull(strstr(xml, "name=\"creep\" time=\"12.250\""));

	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema %s/tests/junit/junit-10.xsd %s", top,
		 path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 /* Debian's python3, the one python3-junitparser is for */
		 "/usr/bin/python3 -c '\n"
		 "import sys\n"
		 "from junitparser import JUnitXml, Failure, Skipped\n"
		 "x = JUnitXml.fromfile(sys.argv[1])\n"
		 "s = next(iter(x))\n"
		 "assert (s.tests, s.failures, s.errors, s.skipped) == (6, 1, 0, 3), (s.tests, s.failures, s.errors, s.skipped)\n"
		 "assert s.time == 95.25, s.time\n"
		 "assert s.hostname, s.hostname\n"
		 "cases = list(s)\n"
		 "failed = [c for c in cases if c.result and isinstance(c.result[0], Failure)]\n"
		 "assert len(failed) == 1 and \"outside the band\" in failed[0].result[0].text, failed\n"
		 "creep = [c for c in cases if c.name == \"creep\" and c.classname.startswith(\"position1.\")]\n"
		 "assert creep[0].time == 12.25, creep[0].time\n"
		 "' %s",
		 path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);

	/* A run that never ran: one error, also valid. */
	junit_init(&r, "short", "");
	ck_assert_int_eq(junit_add_refusal(&r, "start run (profile short)",
					   "cannot reach rigd at /run/rigd/rigd.sock"), 0);
	ck_assert_int_eq(junit_write_file(&r, path), 0);
	junit_free(&r);
	xml = slurp(path);
	ck_assert_ptr_nonnull(strstr(xml, "tests=\"1\" failures=\"0\" errors=\"1\""));
	ck_assert_ptr_nonnull(strstr(xml, "\">error: cannot reach rigd at /run/rigd/rigd.sock</error>"));
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema %s/tests/junit/junit-10.xsd %s", top,
		 path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}
END_TEST

START_TEST(junit_accounts_for_unmeasured_points)
{
	struct junit_report r;
	junit_init(&r, "short", "9");
	struct junit_case c = make_case(0, 2, RIG_VERDICT_ABORTED, NAN);
	junit_add(&r, &c);
	const char *names[] = {"full-load", "light-load"};
	struct junit_case positions[2];
	memset(positions, 0, sizeof(positions));
	positions[0].position = 1;
	positions[1].position = 2;
	snprintf(positions[1].serial, sizeof(positions[1].serial), "B2");
	ck_assert_int_eq(junit_add_unmeasured(&r, names, 2, positions, 2), 0);
	ck_assert_int_eq(r.n, 4);	/* the aborted case kept, three not measured */
	int skipped = 0;
	for (int i = 0; i < r.n; i++) {
		if (r.cases[i].verdict == RIG_VERDICT_NONE) {
			skipped++;
			ck_assert_str_eq(r.cases[i].detail, "not measured");
			ck_assert_str_eq(r.cases[i].name, names[r.cases[i].point]);
		}
	}
	ck_assert_int_eq(skipped, 3);
	ck_assert_int_eq(r.cases[0].verdict, RIG_VERDICT_ABORTED);
	junit_free(&r);
}
END_TEST

/* A symlink planted where the old code put its temporary (F.tmp) is not
 * followed: the file it points at stays as it was. */
START_TEST(junit_file_ignores_a_planted_symlink)
{
	char dir[] = "/tmp/junit-link-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128], tmp[140], victim[128];
	snprintf(path, sizeof(path), "%s/out.xml", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	FILE *v = fopen(victim, "w");
	fputs("precious\n", v);
	fclose(v);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	struct junit_report r;
	junit_init(&r, "short", "9");
	struct junit_case c = make_case(0, 1, RIG_VERDICT_PASS, 0.1);
	junit_add(&r, &c);
	ck_assert_int_eq(junit_write_file(&r, path), 0);
	junit_free(&r);
	ck_assert_str_eq(slurp(victim), "precious\n");
	ck_assert_ptr_nonnull(strstr(slurp(path), "tests=\"1\""));
	/* Nothing else left behind: the link, the victim, the file. */
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 3", dir);
	ck_assert_int_eq(system(cmd), 0);
	unlink(tmp);
	unlink(victim);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(junit_counts_an_unfinished_run_as_errors)
{
	struct junit_report r;
	junit_init(&r, "short", "9");
	struct junit_case c = make_case(0, 1, RIG_VERDICT_PASS, 0.1);
	junit_add(&r, &c);
	const char *names[] = {"full-load", "light-load"};
	struct junit_case positions[1];
	memset(positions, 0, sizeof(positions));
	positions[0].position = 1;
	/* a point rigd reported without a verdict (a warm-up) was measured */
	c = make_case(2, 1, RIG_VERDICT_NONE, NAN);
	snprintf(c.detail, sizeof(c.detail), "warm-up: nothing judged");
	junit_add(&r, &c);
	ck_assert_int_eq(junit_add_unmeasured(&r, names, 2, positions, 1), 0);
	junit_unfinished_as_errors(&r, "connection to rigd lost");
	char path[] = "/tmp/junit-XXXXXX.xml";
	close(mkstemps(path, 4));
	ck_assert_int_eq(junit_write_file(&r, path), 0);
	junit_free(&r);
	const char *xml = slurp(path);
	ck_assert_ptr_nonnull(strstr(xml, "tests=\"3\" failures=\"0\" errors=\"1\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(xml, "<skipped type=\"none\" message=\"none: warm-up: nothing judged\""));
	ck_assert_ptr_nonnull(strstr(xml, "did not finish (connection to rigd lost)"));
	unlink(path);
}
END_TEST

START_TEST(junit_case_from_daemon_event)
{
	cJSON *ev = cJSON_Parse("{\"event\":\"point\",\"point\":2,\"name\":\"light-load\","
				"\"position\":3,\"serial\":\"Z9\",\"model\":\"MMD-120-2001\","
				"\"verdict\":\"fail\",\"error_pct\":-1.25,\"u_pct\":0.1,"
				"\"band_pct\":0.5,\"gate_s\":31.5}");
	struct junit_case c;
	ck_assert_int_eq(junit_case_from_json(ev, &c), 0);
	ck_assert_int_eq(c.point, 2);
	ck_assert_int_eq(c.position, 3);
	ck_assert_str_eq(c.name, "light-load");
	ck_assert_int_eq(c.verdict, RIG_VERDICT_FAIL);
	ck_assert_double_eq_tol(c.error_pct, -1.25, 1e-9);
	cJSON_Delete(ev);
	/* aborted before the gate closed: no invented error */
	ev = cJSON_Parse("{\"event\":\"point\",\"point\":0,\"position\":1,\"verdict\":\"aborted\","
			 "\"error_pct\":0,\"u_pct\":-1,\"band_pct\":0.5}");
	ck_assert_int_eq(junit_case_from_json(ev, &c), 0);
	ck_assert(isnan(c.error_pct) && isnan(c.u_pct) && isnan(c.time_s));
	cJSON_Delete(ev);
	ev = cJSON_Parse("{\"event\":\"point\",\"point\":2,\"position\":1,\"verdict\":\"weird\"}");
	ck_assert_int_eq(junit_case_from_json(ev, &c), -1);
	cJSON_Delete(ev);
	/* Numbers beyond int are refused, not cast. */
	ev = cJSON_Parse("{\"event\":\"point\",\"point\":1e300,\"position\":1,\"verdict\":\"pass\"}");
	ck_assert_int_eq(junit_case_from_json(ev, &c), -1);
	cJSON_Delete(ev);
	ev = cJSON_Parse("{\"event\":\"point\",\"point\":1,\"position\":4294967297,\"verdict\":\"pass\"}");
	ck_assert_int_eq(junit_case_from_json(ev, &c), -1);
	cJSON_Delete(ev);
}
END_TEST

START_TEST(progress_lines_and_exit_codes)
{
	struct progress_view v = {.point = 2, .n_points = 8, .elapsed_s = 130, .remaining_s = 130,
				  .u_pct = 0.12};
	snprintf(v.name, sizeof(v.name), "light-load");
	char buf[200];
	progress_bar(&v, 80, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "3/8 light-load"));
	ck_assert_ptr_nonnull(strstr(buf, "~2m10s left"));
	ck_assert_int_le((int)strlen(buf), 80);
	/* half done: half of the bar filled */
	ck_assert_ptr_nonnull(strstr(buf, "[###############...............]"));
	progress_bar(&v, 30, buf, sizeof(buf));
	ck_assert_int_le((int)strlen(buf), 30);
	progress_plain(&v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "progress point 3/8 light-load elapsed 130 s remaining 130 s U 0.120 %");

	ck_assert_int_eq(rigctl_exit_for_state("passed"), 0);
	ck_assert_int_eq(rigctl_exit_for_state("failed"), 1);
	ck_assert_int_eq(rigctl_exit_for_state("indeterminate"), 2);
	ck_assert_int_eq(rigctl_exit_for_state("aborted"), 3);
	ck_assert_int_eq(rigctl_exit_for_state("interrupted"), 3);
	ck_assert_int_eq(rigctl_exit_for_state("error"), 4);
	ck_assert_int_eq(rigctl_exit_for_state("???"), 4);
}
END_TEST

Suite *suite_control_cli(void)
{
	Suite *s = suite_create("control_cli");
	TCase *tc = tcase_create("rigctl");
	tcase_add_test(tc, run_options);
	tcase_add_test(tc, usage_errors_say_what_is_wrong);
	tcase_add_test(tc, model_safety_and_live_check_options);
	tcase_add_test(tc, other_commands);
	tcase_add_test(tc, analyse_takes_its_own_options);
	tcase_add_test(tc, options_of_another_command_are_refused);
	tcase_add_test(tc, errors_list_the_valid_choices);
	tcase_add_test(tc, wait_and_help_per_command);
	tcase_add_test(tc, junit_counts_escapes_and_is_well_formed);
	tcase_add_test(tc, junit_case_from_daemon_event);
	tcase_add_test(tc, junit_is_valid_for_jenkins_and_junitparser);
	tcase_add_test(tc, junit_file_ignores_a_planted_symlink);
	tcase_add_test(tc, junit_counts_an_unfinished_run_as_errors);
	tcase_add_test(tc, junit_accounts_for_unmeasured_points);
	tcase_add_test(tc, progress_lines_and_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}
