/* The panel over real HTTP: its readers (anyone who reaches its address)
 * never hold more than half of rigd's control clients, so rigctl's abort
 * and safe-off always find one (against a stand-in control socket that
 * accepts and never answers, as a rigd busy for a moment looks); signing
 * out, a write like any other, needs the session's CSRF token; wrong PINs
 * lock sign-in; a request for another site's name is refused; and ABORT
 * needs no sign-in, only the page's token. */
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

/* The next connection on a listening socket, or -1 after 50 ms without
 * one: the fake servers' threads look at their stop flag between. */
static int accept_soon(int listen_fd)
{
	struct pollfd p = {.fd = listen_fd, .events = POLLIN};
	return poll(&p, 1, 50) > 0 ? accept(listen_fd, NULL, NULL) : -1;
}

static void *standin_accept(void *arg)
{
	struct standin *s = arg;
	while (!atomic_load(&s->stop)) {
		int fd = accept_soon(s->listen_fd);
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


/* One request on its own connection for host, extra headers (each ending
 * "\r\n") after the panel's; the whole reply (the panel closes). */
static void http_call_host(int port, const char *host, const char *target, const char *headers,
			   const char *body, char *reply, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 target, host, headers, strlen(body), body);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < len && (r = read(fd, reply + got, len - 1 - got)) > 0)
		got += (size_t)r;
	reply[got] = '\0';
	close(fd);
}

static void http_call(int port, const char *target, const char *headers, const char *body,
		      char *reply, size_t len)
{
	http_call_host(port, "localhost", target, headers, body, reply, len);
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

/* A panel on 127.0.0.1 with ana (PIN 1234) and the control socket sock;
 * its port in *port. */
static struct panel *panel_with_ana(struct rigd_config *c, const char *sock, char *ops,
				    size_t ops_len, int *port)
{
	const char *top = getenv("RIG_TOP");
	char hash[PANEL_HASH_MAX];
	struct rig_error err = {0};
	ck_assert_int_eq(panel_hash_secret("1234", hash, sizeof(hash), &err), 0);
	snprintf(ops, ops_len, "/tmp/rig-panel-ops-%d", (int)getpid());
	FILE *f = fopen(ops, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "ana operator pin %s\n", hash);
	ck_assert_int_eq(panel_hash_secret("9999", hash, sizeof(hash), &err), 0);
	fprintf(f, "sam supervisor pin %s\n", hash);	/* for overrides */
	fclose(f);
	snprintf(c->http, sizeof(c->http), "127.0.0.1:0");
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", sock);
	snprintf(c->panel_dir, sizeof(c->panel_dir), "%s/panel", top ? top : ".");
	snprintf(c->operators, sizeof(c->operators), "%s", ops);
	struct panel *p = panel_start(c, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_int_eq(sscanf(panel_url(p), "http://127.0.0.1:%d/", port), 1);
	return p;
}

static FILE *log_begin(void)
{
	FILE *log = tmpfile();
	ck_assert_ptr_nonnull(log);
	rig_log_set_stream(log);
	return log;
}

static void log_end(FILE *log, char *out, size_t len)
{
	rig_log_set_stream(NULL);
	rewind(log);
	size_t n = fread(out, 1, len - 1, log);
	out[n] = '\0';
	fclose(log);
}

static bool status_is(const char *reply, int status)
{
	char want[16];
	snprintf(want, sizeof(want), "HTTP/1.1 %d", status);
	return strncmp(reply, want, strlen(want)) == 0;
}

START_TEST(wrong_pins_lock_sign_in_even_for_the_right_pin)
{
	struct rigd_config c;
	rigd_config_defaults(&c);
	c.signin_lock_after = 3;
	char ops[64], reply[4096], logged[4096];
	int port;
	struct panel *p = panel_with_ana(&c, "/nonexistent/rig.sock", ops, sizeof(ops), &port);
	FILE *log = log_begin();
	for (int i = 0; i < 2; i++) {
		http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"0000\"}", reply,
			  sizeof(reply));
		ck_assert_msg(status_is(reply, 403), "%s", reply);
	}
	/* the third wrong PIN locks, and the panel says for how long and why */
	http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"0001\"}", reply,
		  sizeof(reply));
	ck_assert_msg(status_is(reply, 429), "%s", reply);
	ck_assert_msg(strstr(reply, "sign-in for ana is locked for 1 min after 3 wrong PINs"), "%s",
		      reply);
	/* the right PIN now: refused all the same, unchecked */
	http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"1234\"}", reply,
		  sizeof(reply));
	ck_assert_msg(status_is(reply, 429), "signed in while locked: %s", reply);
	ck_assert_msg(!strstr(reply, "rig_session="), "%s", reply);
	/* (a second later the panel may say 59 s) */
	ck_assert_msg(strstr(reply, "sign-in for ana is locked for "), "%s", reply);
	ck_assert_msg(strstr(reply, " after 3 wrong PINs"), "%s", reply);
	log_end(log, logged, sizeof(logged));
	ck_assert_msg(strstr(logged, "sign-in for ana is locked for 1 min after 3 wrong PINs (the "
				     "last from 127.0.0.1)"), "%s", logged);
	ck_assert_msg(strstr(logged, "refused without checking (from 127.0.0.1)"), "%s", logged);
	panel_stop(p);
	unlink(ops);
}
END_TEST

START_TEST(a_request_for_another_sites_name_is_refused)
{
	struct rigd_config c;
	rigd_config_defaults(&c);
	snprintf(c.http_hosts, sizeof(c.http_hosts), "bench7.lab, rig-7");
	char ops[64], reply[4096], logged[4096], host[300], with_port[300];
	int port;
	struct panel *p = panel_with_ana(&c, "/nonexistent/rig.sock", ops, sizeof(ops), &port);
	/* a page of evil.example whose name now points here (DNS rebinding) */
	FILE *log = log_begin();
	static const char *const foreign[] = {"evil.example", "evil.example:%d",
					      "localhost.evil.example", "127.0.0.1.evil.example:%d",
					      "localhost:%dx", "bench7.lab.evil.example", ""};
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		snprintf(host, sizeof(host), foreign[i], port);
		http_call_host(port, host, "GET /api/session", "", "", reply, sizeof(reply));
		ck_assert_msg(status_is(reply, 421), "%s: %s", host, reply);
		ck_assert_msg(strstr(reply, "does not answer to the name"), "%s", reply);
	}
	http_call_host(port, "evil.example", "POST /api/signin", "",
		       "{\"name\":\"ana\",\"pin\":\"1234\"}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 421), "%s", reply);
	ck_assert_msg(!strstr(reply, "rig_session="), "%s", reply);
	log_end(log, logged, sizeof(logged));
	ck_assert_msg(strstr(logged, "refused a request from 127.0.0.1 for host \"evil.example\""),
		      "%s", logged);
	/* its own names: local, listening, this machine's, configured */
	char self[256] = "localhost";
	gethostname(self, sizeof(self));
	const char *own[] = {"localhost", "127.0.0.1", "[::1]", "LOCALHOST.", "bench7.lab",
			     "rig-7", self};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		http_call_host(port, own[i], "GET /api/session", "", "", reply, sizeof(reply));
		ck_assert_msg(status_is(reply, 200), "%s: %s", own[i], reply);
		snprintf(with_port, sizeof(with_port), "%s:%d", own[i], port);
		http_call_host(port, with_port, "GET /", "", "", reply, sizeof(reply));
		ck_assert_msg(status_is(reply, 200), "%s: %s", with_port, reply);
	}
	panel_stop(p);
	unlink(ops);
}
END_TEST

/* A control socket that answers every request line with {"ok":true} and
 * keeps the lines. */
struct answerer {
	int listen_fd;
	char got[4096];
	pthread_mutex_t lock;
	atomic_bool stop;
};

static void *answer_requests(void *arg)
{
	struct answerer *a = arg;
	while (!atomic_load(&a->stop)) {
		int fd = accept_soon(a->listen_fd);
		if (fd < 0)
			continue;
		char line[1024];
		size_t n = 0;
		struct pollfd in = {.fd = fd, .events = POLLIN};
		while (n + 1 < sizeof(line) && !memchr(line, '\n', n) && poll(&in, 1, 2000) > 0) {
			ssize_t r = read(fd, line + n, sizeof(line) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		line[n] = '\0';
		pthread_mutex_lock(&a->lock);
		size_t used = strlen(a->got);
		snprintf(a->got + used, sizeof(a->got) - used, "%s", line);
		pthread_mutex_unlock(&a->lock);
		static const char ok[] = "{\"ok\":true}\n";
		ssize_t w = write(fd, ok, sizeof(ok) - 1);
		(void)w;
		close(fd);
	}
	return NULL;
}

/* A fake rigd on a private socket, answering every request; its thread. */
static pthread_t start_answerer(struct answerer *a, const char *tag, char *sock, size_t len)
{
	pthread_mutex_init(&a->lock, NULL);
	snprintf(sock, len, "/tmp/rig-panel-%s-%d.sock", tag, (int)getpid());
	unlink(sock);
	a->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un ua = {.sun_family = AF_UNIX};
	snprintf(ua.sun_path, sizeof(ua.sun_path), "%s", sock);
	ck_assert_int_eq(bind(a->listen_fd, (struct sockaddr *)&ua, sizeof(ua)), 0);
	ck_assert_int_eq(listen(a->listen_fd, 16), 0);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, answer_requests, a), 0);
	return th;
}

START_TEST(abort_needs_no_sign_in_only_the_pages_token)
{
	struct answerer a = {0};
	char sock[108];
	pthread_t th = start_answerer(&a, "abort", sock, sizeof(sock));
	struct rigd_config c;
	rigd_config_defaults(&c);
	char ops[64], reply[4096], logged[4096], page[80], header[160];
	int port;
	struct panel *p = panel_with_ana(&c, sock, ops, sizeof(ops), &port);

	/* every page carries the token; nobody is signed in */
	http_call(port, "GET /api/session", "", "", reply, sizeof(reply));
	ck_assert_msg(strstr(reply, "\"user\":null"), "%s", reply);
	reply_value(reply, "\"page_token\":\"", "\"", page, sizeof(page));
	ck_assert_int_eq(strlen(page), PANEL_TOKEN_HEX);
	/* without it (another site's form or script cannot read it): refused */
	http_call(port, "POST /api/abort", "", "{}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 403), "%s", reply);
	http_call(port, "POST /api/abort", "X-CSRF-Token: 0123\r\n", "{}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 403), "%s", reply);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(!strstr(a.got, "abort"), "aborted without the token: %s", a.got);
	pthread_mutex_unlock(&a.lock);
	/* with it, signed in or not: rigd is asked to abort, and it is logged */
	snprintf(header, sizeof(header), "X-CSRF-Token: %s\r\n", page);
	FILE *log = log_begin();
	http_call(port, "POST /api/abort", header, "{\"reason\":\"abort button\"}", reply,
		  sizeof(reply));
	log_end(log, logged, sizeof(logged));
	ck_assert_msg(status_is(reply, 200), "%s", reply);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(strstr(a.got, "\"cmd\":\"abort\""), "%s", a.got);
	ck_assert_msg(strstr(a.got, "aborted on the panel by someone not signed in: abort button"),
		      "%s", a.got);
	pthread_mutex_unlock(&a.lock);
	ck_assert_msg(strstr(logged, "panel: abort by someone not signed in (from 127.0.0.1)"), "%s",
		      logged);
	/* signed in, the session's token names who */
	http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"1234\"}", reply,
		  sizeof(reply));
	char session[80], csrf[80], both[320];
	reply_value(reply, "rig_session=", ";", session, sizeof(session));
	reply_value(reply, "\"csrf\":\"", "\"", csrf, sizeof(csrf));
	snprintf(both, sizeof(both), "Cookie: rig_session=%s\r\nX-CSRF-Token: %s\r\n", session,
		 csrf);
	http_call(port, "POST /api/abort", both, "{}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 200), "%s", reply);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(strstr(a.got, "\"aborted on the panel by ana\""), "%s", a.got);
	pthread_mutex_unlock(&a.lock);
	/* everything else still needs a sign-in */
	http_call(port, "POST /api/start", header, "{}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 401), "%s", reply);
	http_call(port, "POST /api/check", header, "{}", reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 401), "%s", reply);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(!strstr(a.got, "\"start\""), "%s", a.got);
	pthread_mutex_unlock(&a.lock);

	panel_stop(p);
	atomic_store(&a.stop, true);
	pthread_join(th, NULL);
	close(a.listen_fd);
	unlink(sock);
	unlink(ops);
	pthread_mutex_destroy(&a.lock);
}
END_TEST

/* A supervisor's override reaches rigd as the request's fields (who, why,
 * what it overrides), for rigd to record; the notes go as typed, with no
 * override text added. An override that names nothing to override is
 * refused: nothing would record it. */
START_TEST(a_supervisors_override_goes_in_the_request_not_the_notes)
{
	struct answerer a = {0};
	char sock[108];
	pthread_t th = start_answerer(&a, "ov", sock, sizeof(sock));
	struct rigd_config c;
	rigd_config_defaults(&c);
	char ops[64], reply[4096];
	int port;
	struct panel *p = panel_with_ana(&c, sock, ops, sizeof(ops), &port);
	http_call(port, "POST /api/signin", "", "{\"name\":\"ana\",\"pin\":\"1234\"}", reply,
		  sizeof(reply));
	char session[80], csrf[80], both[320];
	reply_value(reply, "rig_session=", ";", session, sizeof(session));
	reply_value(reply, "\"csrf\":\"", "\"", csrf, sizeof(csrf));
	snprintf(both, sizeof(both), "Cookie: rig_session=%s\r\nX-CSRF-Token: %s\r\n", session,
		 csrf);
	static const char neither[] =
		"{\"profile\":\"production\",\"notes\":\"batch 7\",\"override\":{\"name\":\"sam\","
		"\"pin\":\"9999\",\"reason\":\"label misprint\",\"model\":false,\"calibration\":false},"
		"\"positions\":[{\"position\":1,\"model\":\"MMD-120-2001\",\"serial\":\"PB-1\"}]}";
	http_call(port, "POST /api/start", both, neither, reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 403) && strstr(reply, "say what it overrides"), "%s", reply);
	/* refused before its PIN is tried: a wrong one gets the same answer */
	static const char neither_wrong_pin[] =
		"{\"profile\":\"production\",\"override\":{\"name\":\"sam\",\"pin\":\"0000\","
		"\"reason\":\"label misprint\"},"
		"\"positions\":[{\"position\":1,\"model\":\"MMD-120-2001\",\"serial\":\"PB-1\"}]}";
	http_call(port, "POST /api/start", both, neither_wrong_pin, reply, sizeof(reply));
	ck_assert_msg(status_is(reply, 403) && strstr(reply, "say what it overrides"), "%s", reply);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(!strstr(a.got, "\"start\""), "%s", a.got);
	pthread_mutex_unlock(&a.lock);
	static const char model[] =
		"{\"profile\":\"production\",\"notes\":\"batch 7\",\"override\":{\"name\":\"sam\","
		"\"pin\":\"9999\",\"reason\":\"label misprint\",\"model\":true},"
		"\"positions\":[{\"position\":1,\"model\":\"MMD-120-2001\",\"serial\":\"PB-1\"}]}";
	http_call(port, "POST /api/start", both, model, reply, sizeof(reply));
	pthread_mutex_lock(&a.lock);
	const char *start = strstr(a.got, "\"cmd\":\"start\"");
	ck_assert_msg(start, "%s", a.got);
	const char *want[] = {"\"model_override\":true", "\"model_override_reason\":\"label misprint\"",
			      "\"override_by\":\"sam\"", "\"notes\":\"batch 7\""};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(start, want[i]), "no %s in %s", want[i], start);
	ck_assert_msg(!strstr(start, "[override by supervisor"), "%s", start);
	pthread_mutex_unlock(&a.lock);
	/* a long reason is cut at a whole character, never half of one */
	char xs[100], long_reason[700], cut[160];
	memset(xs, 'x', 99);
	xs[99] = '\0';
	snprintf(long_reason, sizeof(long_reason),
		 "{\"profile\":\"production\",\"override\":{\"name\":\"sam\",\"pin\":\"9999\","
		 "\"reason\":\"%s\xc3\xa9 and more\",\"model\":true},"
		 "\"positions\":[{\"position\":1,\"model\":\"MMD-120-2001\",\"serial\":\"PB-2\"}]}", xs);
	http_call(port, "POST /api/start", both, long_reason, reply, sizeof(reply));
	snprintf(cut, sizeof(cut), "\"model_override_reason\":\"%s\"", xs);
	pthread_mutex_lock(&a.lock);
	ck_assert_msg(strstr(a.got, cut), "%s", a.got);
	pthread_mutex_unlock(&a.lock);

	panel_stop(p);
	atomic_store(&a.stop, true);
	pthread_join(th, NULL);
	close(a.listen_fd);
	unlink(sock);
	unlink(ops);
	pthread_mutex_destroy(&a.lock);
}
END_TEST

Suite *suite_panel_limits(void)
{
	Suite *s = suite_create("panel_limits");
	TCase *tc = tcase_create("panel_limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, panel_readers_leave_rigds_control_clients_for_rigctl);
	tcase_add_test(tc, signing_out_needs_the_sessions_csrf_token);
	tcase_add_test(tc, wrong_pins_lock_sign_in_even_for_the_right_pin);
	tcase_add_test(tc, a_request_for_another_sites_name_is_refused);
	tcase_add_test(tc, abort_needs_no_sign_in_only_the_pages_token);
	tcase_add_test(tc, a_supervisors_override_goes_in_the_request_not_the_notes);
	suite_add_tcase(s, tc);
	return s;
}
