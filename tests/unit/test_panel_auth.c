/* The panel's sign-in and sessions (rig/rigd/panel_auth.c) and its
 * address and configuration keys. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rig/common/timeutil.h"
#include "rig/rigd/config.h"
#include "rig/rigd/panel.h"
#include "rig/rigd/panel_auth.h"

static char *write_file(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/rig-ops-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void hash(const char *secret, char *out, size_t len)
{
	struct rig_error err = {0};
	ck_assert_int_eq(panel_hash_secret(secret, out, len, &err), 0);
	ck_assert_msg(strncmp(out, "$argon2id$", 10) == 0, "%s", out);
	ck_assert_ptr_null(strstr(out, secret));
}

START_TEST(pins_and_badges_sign_in_their_own_operator_only)
{
	char h1[PANEL_HASH_MAX], h2[PANEL_HASH_MAX], h3[PANEL_HASH_MAX], text[1024];
	hash("1234", h1, sizeof(h1));
	hash("B-77", h2, sizeof(h2));
	hash("9999", h3, sizeof(h3));
	snprintf(text, sizeof(text), "# who\nana operator pin %s\n\nana operator badge %s\n"
		 "sam supervisor pin %s\n", h1, h2, h3);
	const char *path = write_file(text);
	struct panel_auth a;
	struct rig_error err = {0};
	ck_assert_int_eq(panel_auth_init(&a, path, &err), 0);
	ck_assert_int_eq(a.n_ops, 3);
	struct panel_user u;
	ck_assert_int_eq(panel_auth_verify(&a, "ana", PANEL_SECRET_PIN, "1234", &u), 0);
	ck_assert_str_eq(u.name, "ana");
	ck_assert_int_eq(u.role, PANEL_ROLE_OPERATOR);
	ck_assert_int_eq(panel_auth_verify(&a, "ana", PANEL_SECRET_PIN, "9999", &u), -1);
	ck_assert_int_eq(panel_auth_verify(&a, "sam", PANEL_SECRET_PIN, "1234", &u), -1);
	ck_assert_int_eq(panel_auth_verify(&a, "ana", PANEL_SECRET_PIN, "", &u), -1);
	/* a badge is not a PIN, nor the other way round */
	ck_assert_int_eq(panel_auth_verify(&a, "ana", PANEL_SECRET_PIN, "B-77", &u), -1);
	ck_assert_int_eq(panel_auth_verify(&a, NULL, PANEL_SECRET_BADGE, "1234", &u), -1);
	ck_assert_int_eq(panel_auth_verify(&a, NULL, PANEL_SECRET_BADGE, "B-77", &u), 0);
	ck_assert_str_eq(u.name, "ana");
	ck_assert_int_eq(panel_auth_verify(&a, "sam", PANEL_SECRET_PIN, "9999", &u), 0);
	ck_assert_int_eq(u.role, PANEL_ROLE_SUPERVISOR);
	/* a miss holds the next guess back (a lower bound: never flaky) */
	int64_t t0 = rig_monotonic_ns();
	ck_assert_int_eq(panel_auth_verify(&a, "sam", PANEL_SECRET_PIN, "0000", &u), -1);
	ck_assert_int_ge(rig_monotonic_ns() - t0, PANEL_MISS_DELAY_MS * 1000000LL);
	panel_auth_free(&a);
	unlink(path);
}
END_TEST

START_TEST(bad_operator_lines_are_refused_with_their_line)
{
	static const char *const bad[] = {
		"ana operator pin 1234\n",				/* a PIN in clear */
		"ana boss pin $argon2id$v=19$x\n",			/* unknown role */
		"ana operator card $argon2id$v=19$x\n",		/* unknown kind */
		"ana operator pin\n",					/* missing hash */
		"ana operator pin $argon2id$v=19$x extra\n",		/* too many fields */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "# fine\n%s", bad[i]);
		const char *path = write_file(text);
		struct panel_auth a;
		struct rig_error err = {0};
		ck_assert_int_eq(panel_auth_init(&a, path, &err), -1);
		ck_assert_int_eq(err.line, 2);
		panel_auth_free(&a);
		unlink(path);
	}
	struct panel_auth a;
	struct rig_error err = {0};
	ck_assert_int_eq(panel_auth_init(&a, "/nonexistent/operators", &err), -1);
	panel_auth_free(&a);
	/* none configured: nobody signs in */
	ck_assert_int_eq(panel_auth_init(&a, "", &err), 0);
	struct panel_user u;
	ck_assert_int_eq(panel_auth_verify(&a, "ana", PANEL_SECRET_PIN, "1234", &u), -1);
	panel_auth_free(&a);
}
END_TEST

START_TEST(sessions_expire_end_and_need_their_own_csrf_token)
{
	struct panel_auth a;
	struct rig_error err = {0};
	ck_assert_int_eq(panel_auth_init(&a, NULL, &err), 0);
	struct panel_user ana = {.name = "ana", .role = PANEL_ROLE_OPERATOR};
	struct panel_user sam = {.name = "sam", .role = PANEL_ROLE_SUPERVISOR};
	struct panel_session s1, s2, found;
	panel_session_new(&a, &ana, 1000, &s1);
	panel_session_new(&a, &sam, 1000, &s2);
	ck_assert_int_eq(strlen(s1.token), PANEL_TOKEN_HEX);
	ck_assert_str_ne(s1.token, s2.token);
	ck_assert_str_ne(s1.token, s1.csrf);
	ck_assert_int_eq(panel_session_find(&a, s1.token, 1001, &found), 0);
	ck_assert_str_eq(found.user.name, "ana");
	ck_assert(panel_csrf_ok(&found, s1.csrf));
	ck_assert(!panel_csrf_ok(&found, s2.csrf));
	ck_assert(!panel_csrf_ok(&found, NULL));
	ck_assert(!panel_csrf_ok(&found, ""));
	ck_assert_int_eq(panel_session_find(&a, s1.token, 1000 + PANEL_SESSION_S, &found), -1);
	ck_assert_int_eq(panel_session_find(&a, "short", 1001, &found), -1);
	panel_session_end(&a, s2.token);
	ck_assert_int_eq(panel_session_find(&a, s2.token, 1001, &found), -1);
	/* all slots taken: the oldest goes, the newest stays */
	struct panel_session last;
	for (int i = 0; i < PANEL_MAX_SESSIONS; i++)
		panel_session_new(&a, &ana, 2000 + i, &last);
	ck_assert_int_eq(panel_session_find(&a, last.token, 2100, &found), 0);
	panel_auth_free(&a);
}
END_TEST

START_TEST(panel_addresses_and_configuration_keys)
{
	struct sockaddr_storage ss;
	unsigned len = 0;
	struct rig_error err = {0};
	ck_assert_int_eq(panel_parse_addr("127.0.0.1:8080", &ss, &len, &err), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	ck_assert_int_eq(panel_parse_addr("[::1]:80", &ss, &len, &err), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(panel_parse_addr("localhost:9", &ss, &len, &err), 0);
	static const char *const bad[] = {"8080", ":8080", "127.0.0.1:", "127.0.0.1:99999",
					  "127.0.0.1:80x", "example.org:80", "[::1:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(panel_parse_addr(bad[i], &ss, &len, &err) == -1, "%s accepted", bad[i]);

	struct rigd_config c;
	rigd_config_defaults(&c);
	ck_assert_str_eq(c.http, "");	/* off unless configured */
	const char *text = "http = 127.0.0.1:8080\noperators = /etc/rig/operators\n"
			   "panel_dir = /usr/share/rig/panel\n";
	ck_assert_int_eq(rigd_config_parse(text, strlen(text), "t.conf", &c, &err), 0);
	ck_assert_str_eq(c.http, "127.0.0.1:8080");
	ck_assert_str_eq(c.operators, "/etc/rig/operators");
	ck_assert_str_eq(c.panel_dir, "/usr/share/rig/panel");
	ck_assert_int_eq(rigd_config_parse("http = off\n", 11, "t.conf", &c, &err), 0);
	ck_assert_str_eq(c.http, "");
	/* a bad address is a configuration error at start-up */
	snprintf(c.fixture, sizeof(c.fixture), "f.conf");
	ck_assert_int_eq(rigd_config_check(&c, "t.conf", &err), 0);
	snprintf(c.http, sizeof(c.http), "127.0.0.1");
	ck_assert_int_eq(rigd_config_check(&c, "t.conf", &err), -1);
	ck_assert_str_eq(err.file, "t.conf");
}
END_TEST

Suite *suite_panel_auth(void)
{
	Suite *s = suite_create("panel_auth");
	TCase *tc = tcase_create("panel_auth");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pins_and_badges_sign_in_their_own_operator_only);
	tcase_add_test(tc, bad_operator_lines_are_refused_with_their_line);
	tcase_add_test(tc, sessions_expire_end_and_need_their_own_csrf_token);
	tcase_add_test(tc, panel_addresses_and_configuration_keys);
	suite_add_tcase(s, tc);
	return s;
}
