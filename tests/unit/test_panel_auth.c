/* The panel's sign-in and sessions (rig/rigd/panel_auth.c), its lockout
 * after wrong PINs (panel_lockout.c, in virtual time), and its address and
 * configuration keys. */
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
#include "rig/rigd/panel_internal.h"
#include "rig/rigd/panel_auth.h"
#include "rig/rigd/panel_lockout.h"

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

/* n misses for name from addr at now; whether the last one locked. */
static int misses(struct panel_lockout *l, const char *name, const char *addr, int n,
		  int64_t now, char *why, size_t len)
{
	int locked = 0;
	for (int i = 0; i < n; i++)
		locked = panel_lockout_miss(l, name, addr, now, why, len);
	return locked;
}

START_TEST(wrong_pins_lock_sign_in_for_a_growing_period)
{
	struct panel_lock_policy policy = {.after = 5, .lock_s = 60, .max_s = 600};
	struct panel_lockout l;
	panel_lockout_init(&l, &policy);
	char why[200] = "";
	int64_t t = 1000;
	/* four wrong PINs: still free to try */
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 4, t, why, sizeof(why)), 0);
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);
	/* the fifth locks ana for a minute, and says so */
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 1, t, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "sign-in for ana is locked for 1 min after 5 wrong PINs");
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.8", t + 59, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "sign-in for ana is locked for 1 s after 5 wrong PINs");
	/* others sign in meanwhile, from the same screen too */
	ck_assert_int_eq(panel_lockout_check(&l, "sam", "10.0.0.7", t + 1, why, sizeof(why)), 0);
	/* expired: one more miss locks again, for twice as long */
	t += 60;
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 1, t, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "sign-in for ana is locked for 2 min after 6 wrong PINs");
	ck_assert_int_eq(panel_lockout_check(&l, "ana", NULL, t + 119, why, sizeof(why)), -1);
	/* and never longer than the longest */
	t += 120;
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 20, t, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "sign-in for ana is locked for 10 min after 26 wrong PINs");
	/* the right PIN once the lock is over starts the count again */
	t += 600;
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);
	panel_lockout_success(&l, "ana", "10.0.0.7");
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 4, t, why, sizeof(why)), 0);
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);

	/* one address trying many names (or badges) is locked after twice
	 * the misses, whichever name it tries next */
	for (int i = 0; i < 9; i++) {
		char name[16];
		snprintf(name, sizeof(name), "op%d", i);
		ck_assert_int_eq(misses(&l, name, "10.0.0.9", 1, t, why, sizeof(why)), 0);
	}
	ck_assert_int_eq(misses(&l, NULL, "10.0.0.9", 1, t, why, sizeof(why)), 1);
	ck_assert_int_eq(panel_lockout_check(&l, "sam", "10.0.0.9", t, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "sign-in from 10.0.0.9 is locked for 1 min after 10 wrong PINs or badges");
	ck_assert_int_eq(panel_lockout_check(&l, "sam", "10.0.0.10", t + 1, why, sizeof(why)), 0);
	/* misses a day old are forgotten */
	ck_assert_int_eq(misses(&l, "kim", "10.0.0.11", 4, t, why, sizeof(why)), 0);
	t += PANEL_LOCK_FORGET_S;
	ck_assert_int_eq(misses(&l, "kim", "10.0.0.11", 4, t, why, sizeof(why)), 0);
	/* more names than slots: a running lock is kept */
	ck_assert_int_eq(misses(&l, "lee", NULL, 5, t, why, sizeof(why)), 1);
	for (int i = 0; i < 2 * PANEL_LOCK_SLOTS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "x%d", i);
		misses(&l, name, NULL, 1, t + 1, why, sizeof(why));
	}
	ck_assert_int_eq(panel_lockout_check(&l, "lee", NULL, t + 2, why, sizeof(why)), -1);
	panel_lockout_free(&l);

	/* off */
	policy.after = 0;
	panel_lockout_init(&l, &policy);
	ck_assert_int_eq(misses(&l, "ana", "10.0.0.7", 50, t, why, sizeof(why)), 0);
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);
	panel_lockout_free(&l);
}
END_TEST

/* Attempts in flight at once are counted before their PINs are checked,
 * and made-up names cannot push a real name's count out of the table. */
START_TEST(parallel_attempts_and_a_flood_of_names_do_not_reset_the_count)
{
	struct panel_lock_policy policy = {.after = 5, .lock_s = 60, .max_s = 600};
	struct panel_lockout l;
	panel_lockout_init(&l, &policy);
	char why[200] = "";
	bool locks = false;
	int64_t t = 1000;
	/* five attempts begun before any answer: the fifth is the one that
	 * locks if wrong, and a sixth is refused without checking */
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(panel_lockout_attempt(&l, "ana", "10.0.0.7", t, &locks, why,
						       sizeof(why)), 0);
		ck_assert(!locks);
	}
	ck_assert_int_eq(panel_lockout_attempt(&l, "ana", "10.0.0.7", t, &locks, why, sizeof(why)), 0);
	ck_assert(locks);
	ck_assert_int_eq(panel_lockout_attempt(&l, "ana", "10.0.0.8", t, &locks, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "sign-in for ana is locked for 1 min after 5 wrong PINs");
	/* a right PIN (after the lock) clears the count it began with */
	t += 60;
	ck_assert_int_eq(panel_lockout_attempt(&l, "ana", "10.0.0.7", t, &locks, why, sizeof(why)), 0);
	panel_lockout_success(&l, "ana", "10.0.0.7");
	ck_assert_int_eq(panel_lockout_check(&l, "ana", "10.0.0.7", t, why, sizeof(why)), 0);

	/* four misses on a name, then more made-up names than slots: the
	 * name's count stays, and its next miss locks it */
	ck_assert_int_eq(misses(&l, "vic", NULL, 4, t, why, sizeof(why)), 0);
	for (int i = 0; i < 2 * PANEL_LOCK_SLOTS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "x%d", i);
		misses(&l, name, NULL, 1, t + 1, why, sizeof(why));
	}
	/* a name new to the full table cannot try until misses are forgotten */
	ck_assert_int_eq(panel_lockout_attempt(&l, "new", NULL, t + 2, &locks, why, sizeof(why)), -1);
	ck_assert(strstr(why, "too many recent wrong PINs") != NULL);
	ck_assert_int_eq(misses(&l, "vic", NULL, 1, t + 2, why, sizeof(why)), 1);
	ck_assert_int_eq(panel_lockout_check(&l, "vic", NULL, t + 3, why, sizeof(why)), -1);
	/* a day later the table has room again */
	ck_assert_int_eq(panel_lockout_attempt(&l, "new", NULL, t + 2 + PANEL_LOCK_FORGET_S, &locks,
					       why, sizeof(why)), 0);
	panel_lockout_free(&l);
}
END_TEST

/* Configured names come before the machine's addresses, so a bench with
 * many interfaces still serves them; a name too long is not served (and
 * rigd says so) rather than cut to a prefix that might match another. */
START_TEST(configured_host_names_are_served_before_addresses)
{
	struct panel *p = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	char conf[256], longname[PANEL_HOST_LEN + 8];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(conf, sizeof(conf), "bench7.lab.example, %s kiosk", longname);
	struct sockaddr_storage any = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&any;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_ANY);
	panel_hosts_init(p, conf, &any);
	ck_assert(panel_host_ok(p, "bench7.lab.example:8080"));
	ck_assert(panel_host_ok(p, "KIOSK"));
	ck_assert(panel_host_ok(p, "localhost:8080"));
	ck_assert(panel_host_ok(p, "127.0.0.1"));
	ck_assert(!panel_host_ok(p, longname));
	ck_assert(!panel_host_ok(p, "evil.example"));
	/* the configured names sit right after the built-in ones */
	int at = -1;
	for (int i = 0; i < p->n_hosts; i++)
		if (strcmp(p->hosts[i], "bench7.lab.example") == 0)
			at = i;
	ck_assert_int_ge(at, 0);
	ck_assert_int_le(at, 5);	/* localhost, 127.0.0.1, [::1], the host name, its short form */
	free(p);
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
	ck_assert_int_eq(c.signin_lock_after, 5);
	ck_assert_int_eq(c.signin_lock_s, 60);
	ck_assert_int_eq(c.signin_lock_max_s, 3600);
	const char *lock = "signin_lock_after = 3\nsignin_lock_s = 30\nsignin_lock_max_s = 900\n"
			   "http_hosts = bench7 bench7.lab\n";
	ck_assert_int_eq(rigd_config_parse(lock, strlen(lock), "t.conf", &c, &err), 0);
	ck_assert_int_eq(c.signin_lock_after, 3);
	ck_assert_int_eq(c.signin_lock_s, 30);
	ck_assert_int_eq(c.signin_lock_max_s, 900);
	ck_assert_str_eq(c.http_hosts, "bench7 bench7.lab");
	static const char *const bad_lock[] = {"signin_lock_after = -1\n", "signin_lock_s = 0\n",
					       "signin_lock_max_s = 1h\n", "signin_lock_s =\n"};
	for (size_t i = 0; i < sizeof(bad_lock) / sizeof(bad_lock[0]); i++)
		ck_assert_msg(rigd_config_parse(bad_lock[i], strlen(bad_lock[i]), "t.conf", &c,
						&err) == -1, "%s accepted", bad_lock[i]);
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
	tcase_add_test(tc, wrong_pins_lock_sign_in_for_a_growing_period);
	tcase_add_test(tc, parallel_attempts_and_a_flood_of_names_do_not_reset_the_count);
	tcase_add_test(tc, configured_host_names_are_served_before_addresses);
	tcase_add_test(tc, panel_addresses_and_configuration_keys);
	suite_add_tcase(s, tc);
	return s;
}
