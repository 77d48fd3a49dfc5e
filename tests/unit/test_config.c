#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/config.h"

static int parse(const char *text, struct rigd_config *c, struct rig_error *err)
{
	rigd_config_defaults(c);
	return rigd_config_parse(text, strlen(text), "rigd.conf", c, err);
}

START_TEST(reads_every_key)
{
	struct rigd_config c;
	struct rig_error err;
	const char *text = "# bench 3\n"
			   "[rigd]\n"
			   "station = bench-3\n"
			   "fixture=/etc/rig/fixtures/bench3.conf\n"
			   "  profiles = /etc/rig/profiles  \n"
			   "database = /var/lib/rig/bench3.db\n"
			   "; the socket\n"
			   "socket = /run/rigd/rigd.sock\n"
			   "socket_group = rig\n"
			   "log_level = debug\n"
			   "record_edges = /var/lib/rig/edges.cap\n"
			   "central = postgresql://rig@quality-db/rig\n";
	ck_assert_int_eq(parse(text, &c, &err), 0);
	ck_assert_str_eq(c.central, "postgresql://rig@quality-db/rig");
	ck_assert_str_eq(c.station, "bench-3");
	ck_assert_str_eq(c.fixture, "/etc/rig/fixtures/bench3.conf");
	ck_assert_str_eq(c.profiles_dir, "/etc/rig/profiles");
	ck_assert_str_eq(c.database, "/var/lib/rig/bench3.db");
	ck_assert_str_eq(c.socket_path, "/run/rigd/rigd.sock");
	ck_assert_str_eq(c.socket_group, "rig");
	ck_assert_int_eq(c.log_level, RIG_LOG_DEBUG);
	ck_assert_str_eq(c.record_edges, "/var/lib/rig/edges.cap");
	ck_assert_int_eq(rigd_config_check(&c, "rigd.conf", &err), 0);
}
END_TEST

START_TEST(record_edges_off_and_defaults)
{
	struct rigd_config c;
	struct rig_error err;
	ck_assert_int_eq(parse("fixture = f.conf\nrecord_edges = off\n", &c, &err), 0);
	ck_assert_str_eq(c.record_edges, "");
	ck_assert_str_eq(c.socket_path, RIG_DEFAULT_SOCKET);
	ck_assert_int_eq(c.log_level, RIG_LOG_INFO);
	ck_assert_str_eq(c.central, "");	/* none: rigctl reads the bench's file */
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	struct rigd_config c;
	struct rig_error err;
	char buf[600];

	ck_assert_int_eq(parse("station = a\n\nfrobnicate = 1\n", &c, &err), -1);
	ck_assert_str_eq(rig_error_format(&err, buf, sizeof(buf)),
			 "rigd.conf:3: unknown key \"frobnicate\"");

	ck_assert_int_eq(parse("station = a\nno equals sign here\n", &c, &err), -1);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "key = value"));

	ck_assert_int_eq(parse("log_level = chatty\n", &c, &err), -1);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "chatty"));

	ck_assert_int_eq(parse("station =\n", &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));

	ck_assert_int_eq(parse("[other]\n", &c, &err), -1);
	ck_assert_int_eq(parse(" = x\n", &c, &err), -1);
}
END_TEST

START_TEST(too_long_values_are_refused_not_truncated)
{
	struct rigd_config c;
	struct rig_error err;
	char text[400];
	char path[200];
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "socket = /tmp/%s\n", path);
	ck_assert_int_eq(parse(text, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer"));
	ck_assert_str_eq(c.socket_path, RIG_DEFAULT_SOCKET);
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
	struct rigd_config c;
	struct rig_error err;
	const char text[] = "station = a\nfixture = b\0c\n";
	rigd_config_defaults(&c);
	ck_assert_int_eq(rigd_config_parse(text, sizeof(text) - 1, "rigd.conf", &c, &err), -1);
	ck_assert_int_eq(err.line, 2);
}
END_TEST

START_TEST(check_requires_fixture)
{
	struct rigd_config c;
	struct rig_error err;
	ck_assert_int_eq(parse("station = a\n", &c, &err), 0);
	ck_assert_int_eq(rigd_config_check(&c, "rigd.conf", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "fixture"));
}
END_TEST

START_TEST(load_reads_a_file_and_reports_missing_ones)
{
	char path[] = "/tmp/rigd-conf-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *text = "station = file-bench\nfixture = x.conf\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	struct rigd_config c;
	struct rig_error err;
	ck_assert_int_eq(rigd_config_load(path, &c, &err), 0);
	ck_assert_str_eq(c.station, "file-bench");
	unlink(path);
	ck_assert_int_eq(rigd_config_load(path, &c, &err), -1);
	ck_assert_str_eq(err.file, path);
}
END_TEST

static char *log_lines(void (*emit)(void))
{
	static char buf[1024];
	FILE *f = tmpfile();
	rig_log_set_stream(f);
	emit();
	rig_log_set_stream(NULL);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void emit_three(void)
{
	log_err("source gone");
	log_info("point %d done", 3);
	log_debug("not shown at info");
}

START_TEST(log_levels_and_journal_prefix)
{
	rig_log_set_level(RIG_LOG_INFO);
	unsetenv("JOURNAL_STREAM");
	rig_log_init("rigd");
	ck_assert_str_eq(log_lines(emit_three), "rigd: err: source gone\nrigd: info: point 3 done\n");
	setenv("JOURNAL_STREAM", "8:12345", 1);
	rig_log_init("rigd");
	ck_assert_str_eq(log_lines(emit_three), "<3>source gone\n<6>point 3 done\n");
	rig_log_set_level(RIG_LOG_ERR);
	ck_assert_str_eq(log_lines(emit_three), "<3>source gone\n");
	unsetenv("JOURNAL_STREAM");
	rig_log_init("rig");
	rig_log_set_level(RIG_LOG_INFO);
	enum rig_log_level l;
	ck_assert_int_eq(rig_log_level_parse("WARNING", &l), 0);
	ck_assert_int_eq(l, RIG_LOG_WARNING);
	ck_assert_int_eq(rig_log_level_parse("loud", &l), -1);
}
END_TEST

START_TEST(time_text)
{
	char buf[32];
	ck_assert_str_eq(rig_iso8601_utc(1795000000, buf, sizeof(buf)), "2026-11-18T11:06:40Z");
	time_t t;
	ck_assert_int_eq(rig_parse_time_utc("2026-11-18T11:06:40Z", &t), 0);
	ck_assert_int_eq((long)t, 1795000000L);
	ck_assert_int_eq(rig_parse_time_utc("2026-11-18 11:06", &t), 0);
	ck_assert_int_eq((long)t, 1795000000L - 40);
	ck_assert_int_eq(rig_parse_time_utc("2026-13-01", &t), -1);
	ck_assert_int_eq(rig_parse_time_utc("2026-11-18x", &t), -1);
	ck_assert_str_eq(rig_format_duration(12.4, buf, sizeof(buf)), "12s");
	ck_assert_str_eq(rig_format_duration(185, buf, sizeof(buf)), "3m05s");
	ck_assert_str_eq(rig_format_duration(3725, buf, sizeof(buf)), "1h02m");
	ck_assert_str_eq(rig_format_duration(-5, buf, sizeof(buf)), "0s");
}
END_TEST

Suite *suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, reads_every_key);
	tcase_add_test(tc, record_edges_off_and_defaults);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, too_long_values_are_refused_not_truncated);
	tcase_add_test(tc, nul_byte_is_an_error);
	tcase_add_test(tc, check_requires_fixture);
	tcase_add_test(tc, load_reads_a_file_and_reports_missing_ones);
	tcase_add_test(tc, log_levels_and_journal_prefix);
	tcase_add_test(tc, time_text);
	suite_add_tcase(s, tc);
	return s;
}
