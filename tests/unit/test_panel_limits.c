/* The panel over real HTTP: its readers (anyone who reaches its address)
 * never hold more than half of rigd's control clients, so rigctl's abort
 * and safe-off always find one (against a stand-in control socket that
 * accepts and never answers, as a rigd busy for a moment looks); and
 * signing out, a write like any other, needs the session's CSRF token. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/rigd/config.h"
#include "rig/rigd/ctl_server.h"
#include "rig/rigd/panel.h"
#include "rig/rigd/panel_auth.h"

#define MAX_HELD 128

struct standin {
	int listen_fd;
	int held[MAX_HELD];
	atomic_int n_held;
	atomic_bool stop;
};

static void *standin_accept(void *arg)
{
	struct standin *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		int n = atomic_load(&s->n_held);
		if (n < MAX_HELD) {
			s->held[n] = fd;
			atomic_store(&s->n_held, n + 1);
		} else {
			close(fd);
		}
	}
	return NULL;
}

static int http_connect(int port, const char *url)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char req[160];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", url);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	return fd;
}

START_TEST(panel_readers_leave_rigds_control_clients_for_rigctl)
{
	const char *top = getenv("RIG_TOP");
	struct standin s = {0};
	char sock[108];
	snprintf(sock, sizeof(sock), "/tmp/rig-panel-limits-%d.sock", (int)getpid());
	unlink(sock);
	s.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un ua = {.sun_family = AF_UNIX};
	snprintf(ua.sun_path, sizeof(ua.sun_path), "%s", sock);
	ck_assert_int_eq(bind(s.listen_fd, (struct sockaddr *)&ua, sizeof(ua)), 0);
	ck_assert_int_eq(listen(s.listen_fd, 128), 0);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, standin_accept, &s), 0);

	struct rigd_config c;
	rigd_config_defaults(&c);
	snprintf(c.http, sizeof(c.http), "127.0.0.1:0");
	snprintf(c.socket_path, sizeof(c.socket_path), "%s", sock);
	snprintf(c.panel_dir, sizeof(c.panel_dir), "%s/panel", top ? top : ".");
	snprintf(c.profiles_dir, sizeof(c.profiles_dir), "%s/profiles", top ? top : ".");
	c.operators[0] = '\0';
	struct rig_error err = {0};
	struct panel *p = panel_start(&c, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	int port = 0;
	ck_assert_int_eq(sscanf(panel_url(p), "http://127.0.0.1:%d/", &port), 1);

	/* 12 live pages and 24 reads at once: more than rigd has clients */
	int fds[36];
	for (int i = 0; i < 36; i++)
		fds[i] = http_connect(port, i < 12 ? "/api/events" : "/api/status");
	/* until the panel has made every connection it will make */
	int last = -1;
	for (int waited = 0; waited < 40; waited++) {
		usleep(100 * 1000);
		int n = atomic_load(&s.n_held);
		if (n == last && waited >= 15)
			break;
		last = n;
	}
	int held = atomic_load(&s.n_held);

	/* the stand-in hangs up: every waiting panel thread ends at once */
	atomic_store(&s.stop, true);
	pthread_join(th, NULL);
	for (int i = 0; i < atomic_load(&s.n_held); i++)
		close(s.held[i]);
	for (int i = 0; i < 36; i++)
		close(fds[i]);
	panel_stop(p);
	close(s.listen_fd);
	unlink(sock);

	ck_assert_msg(held > 0, "the panel never reached the control socket");
	ck_assert_msg(held <= CTL_MAX_CLIENTS / 2,
		      "the panel's readers held %d of rigd's %d control clients", held,
		      CTL_MAX_CLIENTS);
}
END_TEST


/* One request on its own connection, extra headers (each ending "\r\n")
 * after the panel's; the whole reply (the panel closes). */
static void http_call(int port, const char *target, const char *headers, const char *body,
		      char *reply, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 target, headers, strlen(body), body);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < len && (r = read(fd, reply + got, len - 1 - got)) > 0)
		got += (size_t)r;
	reply[got] = '\0';
	close(fd);
}

static void reply_value(const char *reply, const char *after, const char *stop, char *out,
			size_t len)
{
	const char *at = strstr(reply, after);
	ck_assert_msg(at != NULL, "no %s in %s", after, reply);
	at += strlen(after);
	size_t n = strcspn(at, stop);
	ck_assert_uint_lt(n, len);
	snprintf(out, len, "%.*s", (int)n, at);
}

START_TEST(signing_out_needs_the_sessions_csrf_token)
{
	const char *top = getenv("RIG_TOP");
	char hash[PANEL_HASH_MAX], ops[64];
	struct rig_error err = {0};
	ck_assert_int_eq(panel_hash_secret("1234", hash, sizeof(hash), &err), 0);
	snprintf(ops, sizeof(ops), "/tmp/rig-panel-ops-%d", (int)getpid());
	FILE *f = fopen(ops, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "ana operator pin %s\n", hash);
	fclose(f);
	struct rigd_config c;
	rigd_config_defaults(&c);
	snprintf(c.http, sizeof(c.http), "127.0.0.1:0");
	snprintf(c.socket_path, sizeof(c.socket_path), "/nonexistent/rig.sock");
	snprintf(c.panel_dir, sizeof(c.panel_dir), "%s/panel", top ? top : ".");
	snprintf(c.operators, sizeof(c.operators), "%s", ops);
	struct panel *p = panel_start(&c, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	int port = 0;
	ck_assert_int_eq(sscanf(panel_url(p), "http://127.0.0.1:%d/", &port), 1);

	char reply[4096], token[80], csrf[80], cookie[160], both[320];
	http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"1234\"}", reply,
		  sizeof(reply));
	reply_value(reply, "rig_session=", ";", token, sizeof(token));
	reply_value(reply, "\"csrf\":\"", "\"", csrf, sizeof(csrf));
	snprintf(cookie, sizeof(cookie), "Cookie: rig_session=%s\r\n", token);
	snprintf(both, sizeof(both), "%sX-CSRF-Token: %s\r\n", cookie, csrf);

	/* the cookie without the token (what another page could make the
	 * browser send): refused, and the session lives on */
	http_call(port, "POST /api/signout", cookie, "{}", reply, sizeof(reply));
	ck_assert_msg(strncmp(reply, "HTTP/1.1 403", 12) == 0, "%s", reply);
	http_call(port, "GET /api/session", cookie, "", reply, sizeof(reply));
	ck_assert_msg(strstr(reply, "\"name\":\"ana\""), "signed out without the token: %s", reply);
	/* a name typed with a line break is logged on its one line */
	FILE *log = tmpfile();
	ck_assert_ptr_nonnull(log);
	rig_log_set_stream(log);
	http_call(port, "POST /api/signin", "",
		  "{\"name\":\"x\\nrig: notice: FORGED\",\"pin\":\"0\"}", reply, sizeof(reply));
	rig_log_set_stream(NULL);
	ck_assert_msg(strncmp(reply, "HTTP/1.1 403", 12) == 0, "%s", reply);
	char logged[2048] = "";
	rewind(log);
	size_t n_log = fread(logged, 1, sizeof(logged) - 1, log);
	logged[n_log] = '\0';
	fclose(log);
	ck_assert_msg(strstr(logged, "refused for x?rig: notice: FORGED"), "%s", logged);
	ck_assert_msg(!strstr(logged, "\nrig: notice: FORGED"), "a forged line: %s", logged);
	/* with it: signed out */
	http_call(port, "POST /api/signout", both, "{}", reply, sizeof(reply));
	ck_assert_msg(strncmp(reply, "HTTP/1.1 200", 12) == 0, "%s", reply);
	http_call(port, "GET /api/session", cookie, "", reply, sizeof(reply));
	ck_assert_msg(strstr(reply, "\"user\":null"), "%s", reply);
	panel_stop(p);
	unlink(ops);
}
END_TEST

Suite *suite_panel_limits(void)
{
	Suite *s = suite_create("panel_limits");
	TCase *tc = tcase_create("panel_limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, panel_readers_leave_rigds_control_clients_for_rigctl);
	tcase_add_test(tc, signing_out_needs_the_sessions_csrf_token);
	suite_add_tcase(s, tc);
	return s;
}
