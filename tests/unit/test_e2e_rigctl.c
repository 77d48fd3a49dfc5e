/* rigctl results and report through the real binary ($RIG_BIN/rigctl) on a
 * database written with the store, as rigd would have written it. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rig/common/station_key.h"
#include "rig/store/seal.h"
#include "rig/store/store.h"
#include "shell_capture.h"
#include "test_store_data.h"

static char dir[64], db[96];
static char run_pass[STORE_RUN_ID_LEN], run_fail[STORE_RUN_ID_LEN];

/* Two runs: A1/A2 both pass; then B1 passes, B2 fails light load. */
static void make_database(void)
{
	tsd_tmpdir(dir, db);
	struct rig_error err;
	struct store *s = store_open(db, &err);
	ck_assert_ptr_nonnull(s);
	tsd_sign_heads(s, dir);
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
	ck_assert_int_eq(test_sh("%s --db %s results", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, run_pass));
	ck_assert_ptr_nonnull(strstr(test_sh_out, run_fail));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "A2"));

	ck_assert_int_eq(test_sh("%s --db %s results --verdict fail --format csv", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "B<2>&\"\""));	/* CSV quoting */
	ck_assert_ptr_null(strstr(test_sh_out, "A1"));
	ck_assert_ptr_null(strstr(test_sh_out, "B1,"));

	ck_assert_int_eq(test_sh("%s --db %s results --serial A1 --format json", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "\"A1\""));
	ck_assert_ptr_null(strstr(test_sh_out, "\"A2\""));
	/* valid JSON */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s --db %s results --format json | python3 -c 'import json,sys; "
		 "d=json.load(sys.stdin); sys.exit(len(d)!=4)'", test_rigctl_path(), db);
	ck_assert_int_eq(test_sh("%s", cmd), 0);

	ck_assert_int_eq(test_sh("%s --db %s results --since 2026-11-19 --format csv", test_rigctl_path(), db), 0);
	ck_assert_ptr_null(strstr(test_sh_out, "A1"));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "B1"));
	ck_assert_int_eq(test_sh("%s --db %s results --until 2026-11-19", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "A1"));
	ck_assert_ptr_null(strstr(test_sh_out, "B1"));

	/* usage and database errors are exit 4 */
	ck_assert_int_eq(test_sh("%s --db %s results --verdict maybe", test_rigctl_path(), db), 4);
	ck_assert_int_eq(test_sh("%s --db %s/none.db results", test_rigctl_path(), dir), 4);
	tsd_rmdir(dir);
}
END_TEST

START_TEST(reports_certificates_and_summary)
{
	make_database();
	ck_assert_int_eq(test_sh("%s --db %s report --run %s --out %s", test_rigctl_path(), db, run_fail, dir), 0);
	char path[300];
	snprintf(path, sizeof(path), "%s/certificate-B1.html", dir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/certificate-B_2___.html", dir);	/* file-safe name */
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_int_eq(test_sh("grep -c 'B&lt;2&gt;&amp;' %s", path), 0);

	snprintf(path, sizeof(path), "%s/a1.html", dir);
	ck_assert_int_eq(test_sh("%s --db %s report --serial A1 --out %s", test_rigctl_path(), db, path), 0);
	ck_assert_int_eq(test_sh("grep -c '%s' %s", run_pass, path), 0);

	ck_assert_int_eq(test_sh("%s --db %s report --serial NOPE --out %s/x.html", test_rigctl_path(), db, dir), 4);
	ck_assert_int_eq(test_sh("%s --db %s report --run no-such-run --out %s", test_rigctl_path(), db, dir), 4);

	ck_assert_int_eq(test_sh("%s --db %s report --summary --since 2026-11-01", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "B<2>&\""));	/* the worst meter is named */
	tsd_rmdir(dir);
}
END_TEST

/* The signed PDF through the binaries: refused with a station key that
 * others may read, then signed, verified, and caught once the database is
 * changed. */
START_TEST(pdf_certificates_are_signed_and_verified)
{
	make_database();
	char key_path[160];
	snprintf(key_path, sizeof(key_path), "%s/station.key", dir);
	ck_assert_int_eq(chmod(key_path, 0644), 0);
	ck_assert_int_eq(test_sh("%s --db %s report --serial A1 --format pdf --out %s/a1.pdf", test_rigctl_path(), db, dir), 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "station key"));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "mode 0644"));
	snprintf(key_path, sizeof(key_path), "%s/a1.pdf", dir);
	ck_assert_int_eq(access(key_path, F_OK), -1);
	snprintf(key_path, sizeof(key_path), "%s/station.key", dir);
	ck_assert_int_eq(test_sh("%s --db %s key show", test_rigctl_path(), db), 1);
	ck_assert_int_eq(chmod(key_path, 0600), 0);
	ck_assert_int_eq(test_sh("%s --db %s key show", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "readable by its owner only"));

	ck_assert_int_eq(test_sh("%s --db %s report --run %s --format pdf --out %s", test_rigctl_path(), db, run_fail, dir), 0);
	ck_assert_int_eq(test_sh("%s --db %s verify %s/certificate-B1.pdf", test_rigctl_path(), db, dir), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "valid"));
	ck_assert_int_eq(test_sh("%s --db %s verify --db", test_rigctl_path(), db), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "2 sealed run(s) walked, 0 problem(s)"));
	/* the file's QR code holds the identifier and the signature */
	ck_assert_int_eq(test_sh("pdftoppm -r 150 -png %s/certificate-B1.pdf %s/qr && "
			    "for f in %s/qr*.png; do zbarimg -q --raw \"$f\"; done", dir, dir, dir), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "RIGCERT1 "));
	ck_assert_ptr_nonnull(strstr(test_sh_out, run_fail));

	ck_assert_int_eq(test_sh("sqlite3 %s \"UPDATE measurements SET verdict = 'pass' WHERE verdict = 'fail'\"", db), 0);
	ck_assert_int_eq(test_sh("%s --db %s verify --db", test_rigctl_path(), db), 1);
	ck_assert_ptr_nonnull(strstr(test_sh_out, run_fail));
	ck_assert_int_eq(test_sh("%s --db %s verify %s/certificate-B1.pdf", test_rigctl_path(), db, dir), 1);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "NOT VALID"));
	ck_assert_int_eq(test_sh("%s --db %s verify %s/none.pdf", test_rigctl_path(), db, dir), 4);
	tsd_rmdir(dir);
}
END_TEST

/* Runs rigctl in a child as an operator who may read the database but not
 * write its folder (nobody, when the tests run as root). Exit code; the
 * output in `test_sh_out`. */
static int rigctl_as_reader(const char *folder, const char *db_path)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(chmod(folder, 0555), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(99);
		execl(test_rigctl_path(), test_rigctl_path(), "--db", db_path, "results", (char *)NULL);
		_exit(98);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(test_sh_out) - 1 && (r = read(p[0], test_sh_out + n, sizeof(test_sh_out) - 1 - n)) > 0)
		n += (size_t)r;
	test_sh_out[n] = '\0';
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	chmod(folder, 0755);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* rigd stopped, an operator reads: the WAL database needs its -shm, which
 * the daemon now leaves in place; without it, a clear message. */
START_TEST(results_read_only_while_rigd_is_stopped)
{
	make_database();	/* written and closed, as a stopped rigd leaves it */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(rigctl_as_reader(dir, db), 0);
	ck_assert_msg(strstr(test_sh_out, run_pass) != NULL, "%s", test_sh_out);
	ck_assert_ptr_null(strstr(test_sh_out, "readonly"));

	char shm[128], wal[128];
	snprintf(shm, sizeof(shm), "%s-shm", db);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	unlink(shm);
	unlink(wal);
	ck_assert_int_eq(rigctl_as_reader(dir, db), 4);
	ck_assert_msg(strstr(test_sh_out, "-shm is missing") != NULL, "%s", test_sh_out);
	tsd_rmdir(dir);
}
END_TEST

/* A symlink planted at F.tmp (where the temporary used to go) is never
 * followed: the file it points at stays as it was. */
START_TEST(report_out_ignores_a_planted_symlink)
{
	make_database();
	char path[128], link[140], victim[128];
	snprintf(path, sizeof(path), "%s/a1.html", dir);
	snprintf(link, sizeof(link), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	FILE *v = fopen(victim, "w");
	fputs("precious\n", v);
	fclose(v);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(test_sh("%s --db %s report --serial A1 --out %s", test_rigctl_path(), db, path), 0);
	ck_assert_int_eq(test_sh("cat %s", victim), 0);
	ck_assert_str_eq(test_sh_out, "precious\n");
	ck_assert_int_eq(test_sh("grep -c '%s' %s", run_pass, path), 0);

	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	snprintf(link, sizeof(link), "%s.tmp", path);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(test_sh("%s --db %s report --summary --format csv --out %s", test_rigctl_path(), db, path), 0);
	ck_assert_int_eq(test_sh("cat %s", victim), 0);
	ck_assert_str_eq(test_sh_out, "precious\n");
	ck_assert_int_eq(test_sh("grep -c '^profile,point,' %s", path), 0);	/* one table: the points */
	tsd_rmdir(dir);
}
END_TEST

/* Listens at sock and serves it in a child (serve never returns), the
 * stand-in for rigd a test talks to: the child's pid. */
static pid_t stand_in_rigd(const char *sock, void (*serve)(int lfd))
{
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		serve(lfd);
	close(lfd);
	return pid;
}

/* A stand-in rigd that accepts a run, reports one point, then dies. */
static void dying_daemon(int lfd)
{
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(1);
	FILE *in = fdopen(c, "r");
	char line[4096];
	static const char *const replies[] = {
		"{\"ok\":true}\n",
		"{\"ok\":true,\"run\":\"77\",\"points\":[\"full-load\",\"light-load\"]}\n"
		"{\"event\":\"point\",\"run\":\"77\",\"point\":0,\"name\":\"full-load\","
		"\"position\":1,\"serial\":\"S1\",\"model\":\"MMS-120-2001\",\"verdict\":\"pass\","
		"\"error_pct\":0.1,\"u_pct\":0.05,\"band_pct\":0.5,\"gate_s\":10}\n",
	};
	for (int i = 0; i < 2; i++) {
		if (!fgets(line, sizeof(line), in))
			_exit(2);
		if (write(c, replies[i], strlen(replies[i])) < 0)
			_exit(3);
	}
	usleep(100000);
	_exit(0);	/* gone mid-run */
}

START_TEST(junit_after_rigd_dies_counts_the_rest_as_errors)
{
	char tmp[64], dbp[96];
	tsd_tmpdir(tmp, dbp);
	char sock[100], junit[128];
	snprintf(sock, sizeof(sock), "%s/rigd.sock", tmp);
	snprintf(junit, sizeof(junit), "%s/out.xml", tmp);
	pid_t pid = stand_in_rigd(sock, dying_daemon);
	int code = test_sh("%s --socket %s run --profile short --operator ana --position 1:MMS-120-2001:S1 "
		      "--position 2:MMS-120-2001:S2 --junit %s --quiet",
		      test_rigctl_path(), sock, junit);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(code, 4);
	ck_assert_int_eq(test_sh("cat %s", junit), 0);
	/* One pass, three cases never measured: errors, not skips. */
	ck_assert_msg(strstr(test_sh_out, "tests=\"4\" failures=\"0\" errors=\"3\" skipped=\"0\"") != NULL,
		      "%s", test_sh_out);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "the run did not finish"));
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	ck_assert_int_eq(test_sh("xmllint --noout --schema %s/tests/junit/junit-10.xsd %s", top, junit), 0);
	tsd_rmdir(tmp);
}
END_TEST

/* A stand-in rigd that queues the start, then starts it just as the
 * client's --wait runs out (before it reads the client's next line, as
 * rigd may): the client must ask to leave (dequeue), and then follow the
 * run that started rather than say it left the queue. Exit 0 when the
 * dequeue came, 5 when the client went away without asking. */
static void racing_daemon(int lfd)
{
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(1);
	FILE *in = fdopen(c, "r");
	char line[4096];
	static const char queued[] = "{\"event\":\"queued\",\"ticket\":7,\"place\":1,\"behind\":\"66\"}\n";
	static const char started[] =
		"{\"ok\":true,\"run\":\"77\",\"points\":[\"full-load\"]}\n"
		"{\"ok\":false,\"error\":\"no queued start has ticket 7\"}\n";
	if (!fgets(line, sizeof(line), in) || write(c, "{\"ok\":true}\n", 12) < 0)
		_exit(2);
	if (!fgets(line, sizeof(line), in) || write(c, queued, strlen(queued)) < 0)
		_exit(3);
	usleep(1500000);	/* past --wait=1: the run starts now */
	if (write(c, started, strlen(started)) < 0)
		_exit(4);
	if (!fgets(line, sizeof(line), in) || !strstr(line, "\"dequeue\"") || !strstr(line, "7"))
		_exit(5);
	usleep(100000);
	_exit(0);	/* then gone mid-run */
}

START_TEST(a_wait_that_runs_out_as_the_run_starts_follows_the_run)
{
	char tmp[64], dbp[96];
	tsd_tmpdir(tmp, dbp);
	char sock[100];
	snprintf(sock, sizeof(sock), "%s/rigd.sock", tmp);
	pid_t pid = stand_in_rigd(sock, racing_daemon);
	int code = test_sh("%s --socket %s run --profile short --operator ana --wait=1 "
		      "--position 1:MMS-120-2001:S1", test_rigctl_path(), sock);
	int status = 0;
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "rigctl left without asking to leave the queue (daemon exit %d): %s",
		      WEXITSTATUS(status), test_sh_out);
	ck_assert_msg(strstr(test_sh_out, "left the queue") == NULL, "%s", test_sh_out);
	ck_assert_msg(strstr(test_sh_out, "77") != NULL, "the run that started is not followed: %s", test_sh_out);
	ck_assert_int_eq(code, 4);	/* the stand-in dies mid-run */
	tsd_rmdir(tmp);
}
END_TEST

/* No rigd at the socket: the error says how to start it, and CI still
 * gets a JUnit file with the error; the command line's own help. */
START_TEST(unreachable_rigd_leaves_a_junit_error_and_the_next_step)
{
	char tmp[64], dbp[96];
	tsd_tmpdir(tmp, dbp);
	char junit[128];
	snprintf(junit, sizeof(junit), "%s/out.xml", tmp);
	int code = test_sh("%s --socket %s/none.sock run --profile short --operator ci "
		      "--position 1:MMS-120-2001:S1 --junit %s",
		      test_rigctl_path(), tmp, junit);
	ck_assert_int_eq(code, 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "cannot reach rigd at"));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "is rigd running? start it"));
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	ck_assert_int_eq(test_sh("xmllint --noout --schema %s/tests/junit/junit-10.xsd %s", top, junit), 0);
	ck_assert_int_eq(test_sh("cat %s", junit), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "tests=\"1\" failures=\"0\" errors=\"1\""));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "<error type=\"error\""));

	ck_assert_int_eq(test_sh("%s run --help", test_rigctl_path()), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "usage: rigctl run"));
	ck_assert_ptr_null(strstr(test_sh_out, "usage: rigctl results"));
	ck_assert_int_eq(test_sh("%s --db %s results --profile production", test_rigctl_path(), dbp), 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "--profile does not apply to results"));
	tsd_rmdir(tmp);
}
END_TEST

START_TEST(model_profiles_and_fixture_check)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	ck_assert_int_eq(test_sh("%s model MMD-120-2001-T-SCC --json", test_rigctl_path()), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "\"elements\":2"));
	ck_assert_int_eq(test_sh("%s model MMQ-120-2001", test_rigctl_path()), 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "refused"));
	ck_assert_int_eq(test_sh("%s fixture check %s/fixtures/sim.conf", test_rigctl_path(), top), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "4 positions"));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "dead-man: heartbeat on line 200, instrument watchdog 0.8 s"));

	char tmpdir[64], dbp[96];
	tsd_tmpdir(tmpdir, dbp);
	char conf[128];
	snprintf(conf, sizeof(conf), "%s/bad.conf", tmpdir);
	FILE *f = fopen(conf, "w");
	fprintf(f, "[fixture]\nname = x\n[source]\ndriver = nonesuch\n");
	fclose(f);
	ck_assert_int_eq(test_sh("%s fixture check %s", test_rigctl_path(), conf), 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, conf));	/* file:line */

	snprintf(conf, sizeof(conf), "%s/rigd.conf", tmpdir);
	f = fopen(conf, "w");
	fprintf(f, "profiles = %s/profiles\n", top);
	fclose(f);
	ck_assert_int_eq(test_sh("%s --config %s profiles", test_rigctl_path(), conf), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "ansi-c12.1"));
	ck_assert_ptr_nonnull(strstr(test_sh_out, "points"));
	ck_assert_int_eq(test_sh("%s --config %s/none.conf profiles", test_rigctl_path(), tmpdir), 4);
	ck_assert_int_eq(test_sh("%s --socket %s/none.sock status", test_rigctl_path(), tmpdir), 4);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "cannot reach rigd"));
	ck_assert_int_eq(test_sh("%s frobnicate", test_rigctl_path()), 4);
	ck_assert_int_eq(test_sh("%s --help", test_rigctl_path()), 0);
	ck_assert_ptr_nonnull(strstr(test_sh_out, "exit codes"));
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
	tcase_add_test(tc, pdf_certificates_are_signed_and_verified);
	tcase_add_test(tc, model_profiles_and_fixture_check);
	tcase_add_test(tc, results_read_only_while_rigd_is_stopped);
	tcase_add_test(tc, report_out_ignores_a_planted_symlink);
	tcase_add_test(tc, junit_after_rigd_dies_counts_the_rest_as_errors);
	tcase_add_test(tc, a_wait_that_runs_out_as_the_run_starts_follows_the_run);
	tcase_add_test(tc, unreachable_rigd_leaves_a_junit_error_and_the_next_step);
	suite_add_tcase(s, tc);
	return s;
}
