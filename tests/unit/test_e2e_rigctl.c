/* rigctl results and report through the real binary ($RIG_BIN/rigctl) on a
 * database written with the store, as rigd would have written it. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rig/store/store.h"
#include "test_store_data.h"

static char out[65536];

/* Runs a shell command line; returns its exit code, output (stdout and
 * stderr) in `out`. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *rigctl(void)
{
	static char path[512];
	const char *bin = getenv("RIG_BIN");
	snprintf(path, sizeof(path), "%s/rigctl", bin ? bin : "build/san");
	return path;
}

static char dir[64], db[96];
static char run_pass[STORE_RUN_ID_LEN], run_fail[STORE_RUN_ID_LEN];

/* Two runs: A1/A2 both pass; then B1 passes, B2 fails light load. */
static void make_database(void)
{
	tsd_tmpdir(dir, db);
	struct rig_error err;
	struct store *s = store_open(db, &err);
	ck_assert_ptr_nonnull(s);
	static struct tsd_bench b;
	tsd_bench_init(&b, "A1", "A2", 1795000000000LL);	/* 2026-11-18 */
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_pass, &err), 0);
	for (int p = 0; p < 4; p++)
		for (int pos = 0; pos < 2; pos++) {
			struct rig_point_result r = tsd_result(p, pos, 1, 0.1 * (pos + 1), 0.05, 20,
							       RIG_VERDICT_PASS);
			ck_assert_int_eq(store_add_point_result(s, run_pass, &r, &err), 0);
		}
	ck_assert_int_eq(store_end_run(s, run_pass, RIG_RUN_PASSED, "", 1795000600000LL, &err), 0);

	tsd_bench_init(&b, "B1", "B<2>&\"", 1795100000000LL);	/* 2026-11-19 */
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_fail, &err), 0);
	for (int p = 0; p < 4; p++)
		for (int pos = 0; pos < 2; pos++) {
			bool bad = pos == 1 && p == 1;
			struct rig_point_result r = tsd_result(p, pos, 1, bad ? 1.4 : -0.1, 0.05, 20,
							       bad ? RIG_VERDICT_FAIL : RIG_VERDICT_PASS);
			ck_assert_int_eq(store_add_point_result(s, run_fail, &r, &err), 0);
		}
	ck_assert_int_eq(store_end_run(s, run_fail, RIG_RUN_FAILED, "", 1795100600000LL, &err), 0);
	store_close(s);
}

START_TEST(results_filter_and_format)
{
	make_database();
	ck_assert_int_eq(sh("%s --db %s results", rigctl(), db), 0);
	ck_assert_ptr_nonnull(strstr(out, run_pass));
	ck_assert_ptr_nonnull(strstr(out, run_fail));
	ck_assert_ptr_nonnull(strstr(out, "A2"));

	ck_assert_int_eq(sh("%s --db %s results --verdict fail --format csv", rigctl(), db), 0);
	ck_assert_ptr_nonnull(strstr(out, "B<2>&\"\""));	/* CSV quoting */
	ck_assert_ptr_null(strstr(out, "A1"));
	ck_assert_ptr_null(strstr(out, "B1,"));

	ck_assert_int_eq(sh("%s --db %s results --serial A1 --format json", rigctl(), db), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"A1\""));
	ck_assert_ptr_null(strstr(out, "\"A2\""));
	/* valid JSON */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s --db %s results --format json | python3 -c 'import json,sys; "
		 "d=json.load(sys.stdin); sys.exit(len(d)!=4)'", rigctl(), db);
	ck_assert_int_eq(sh("%s", cmd), 0);

	ck_assert_int_eq(sh("%s --db %s results --since 2026-11-19 --format csv", rigctl(), db), 0);
	ck_assert_ptr_null(strstr(out, "A1"));
	ck_assert_ptr_nonnull(strstr(out, "B1"));
	ck_assert_int_eq(sh("%s --db %s results --until 2026-11-19", rigctl(), db), 0);
	ck_assert_ptr_nonnull(strstr(out, "A1"));
	ck_assert_ptr_null(strstr(out, "B1"));

	/* usage and database errors are exit 4 */
	ck_assert_int_eq(sh("%s --db %s results --verdict maybe", rigctl(), db), 4);
	ck_assert_int_eq(sh("%s --db %s/none.db results", rigctl(), dir), 4);
	tsd_rmdir(dir);
}
END_TEST

START_TEST(reports_certificates_and_summary)
{
	make_database();
	ck_assert_int_eq(sh("%s --db %s report --run %s --out %s", rigctl(), db, run_fail, dir), 0);
	char path[300];
	snprintf(path, sizeof(path), "%s/certificate-B1.html", dir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/certificate-B_2___.html", dir);	/* file-safe name */
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_int_eq(sh("grep -c 'B&lt;2&gt;&amp;' %s", path), 0);

	snprintf(path, sizeof(path), "%s/a1.html", dir);
	ck_assert_int_eq(sh("%s --db %s report --serial A1 --out %s", rigctl(), db, path), 0);
	ck_assert_int_eq(sh("grep -c '%s' %s", run_pass, path), 0);

	ck_assert_int_eq(sh("%s --db %s report --serial NOPE --out %s/x.html", rigctl(), db, dir), 4);
	ck_assert_int_eq(sh("%s --db %s report --run no-such-run --out %s", rigctl(), db, dir), 4);

	ck_assert_int_eq(sh("%s --db %s report --summary --since 2026-11-01", rigctl(), db), 0);
	ck_assert_ptr_nonnull(strstr(out, "B<2>&\""));	/* the worst meter is named */
	tsd_rmdir(dir);
}
END_TEST

START_TEST(model_profiles_and_fixture_check)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	ck_assert_int_eq(sh("%s model MMD-120-2001-T-SCC --json", rigctl()), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"elements\":2"));
	ck_assert_int_eq(sh("%s model MMQ-120-2001", rigctl()), 4);
	ck_assert_ptr_nonnull(strstr(out, "refused"));
	ck_assert_int_eq(sh("%s fixture check %s/fixtures/sim.conf", rigctl(), top), 0);
	ck_assert_ptr_nonnull(strstr(out, "4 positions"));
	ck_assert_ptr_nonnull(strstr(out, "dead-man: heartbeat on line 200, instrument watchdog 0.8 s"));

	char tmpdir[64], dbp[96];
	tsd_tmpdir(tmpdir, dbp);
	char conf[128];
	snprintf(conf, sizeof(conf), "%s/bad.conf", tmpdir);
	FILE *f = fopen(conf, "w");
	fprintf(f, "[fixture]\nname = x\n[source]\ndriver = nonesuch\n");
	fclose(f);
	ck_assert_int_eq(sh("%s fixture check %s", rigctl(), conf), 4);
	ck_assert_ptr_nonnull(strstr(out, conf));	/* file:line */

	snprintf(conf, sizeof(conf), "%s/rigd.conf", tmpdir);
	f = fopen(conf, "w");
	fprintf(f, "profiles = %s/profiles\n", top);
	fclose(f);
	ck_assert_int_eq(sh("%s --config %s profiles", rigctl(), conf), 0);
	ck_assert_ptr_nonnull(strstr(out, "ansi-c12.1"));
	ck_assert_ptr_nonnull(strstr(out, "points"));
	ck_assert_int_eq(sh("%s --config %s/none.conf profiles", rigctl(), tmpdir), 4);
	ck_assert_int_eq(sh("%s --socket %s/none.sock status", rigctl(), tmpdir), 4);
	ck_assert_ptr_nonnull(strstr(out, "cannot reach rigd"));
	ck_assert_int_eq(sh("%s frobnicate", rigctl()), 4);
	ck_assert_int_eq(sh("%s --help", rigctl()), 0);
	ck_assert_ptr_nonnull(strstr(out, "exit codes"));
	tsd_rmdir(tmpdir);
}
END_TEST

Suite *suite_e2e_rigctl(void)
{
	Suite *s = suite_create("e2e_rigctl");
	TCase *tc = tcase_create("rigctl");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, results_filter_and_format);
	tcase_add_test(tc, reports_certificates_and_summary);
	tcase_add_test(tc, model_profiles_and_fixture_check);
	suite_add_tcase(s, tc);
	return s;
}
