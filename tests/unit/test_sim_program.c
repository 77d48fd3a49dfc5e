/* rig-sim as a program: started on free ports, driven over loopback. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_sim_process.h"

struct conn {
	int fd;
	char buf[65536];
	size_t n;
};

static void dial(struct conn *c, int port)
{
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

static void put(struct conn *c, const char *line)
{
	size_t n = strlen(line);
	ck_assert_int_eq(send(c->fd, line, n, MSG_NOSIGNAL), (ssize_t)n);
	ck_assert_int_eq(send(c->fd, "\n", 1, MSG_NOSIGNAL), 1);
}

/* One line within timeout_ms: 1 got it, 0 timeout, -1 closed. */
static int get(struct conn *c, char *line, size_t len, int timeout_ms)
{
	int64_t deadline = sim_process_now_ms() + timeout_ms;
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->n);
		if (nl) {
			size_t k = (size_t)(nl - c->buf);
			snprintf(line, len, "%.*s", (int)k, c->buf);
			memmove(c->buf, nl + 1, c->n - k - 1);
			c->n -= k + 1;
			return 1;
		}
		int left = (int)(deadline - sim_process_now_ms());
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t r = recv(c->fd, c->buf + c->n, sizeof(c->buf) - c->n, 0);
		if (r <= 0)
			return -1;
		c->n += (size_t)r;
	}
}

static void query(struct conn *c, const char *q, char *reply, size_t len)
{
	put(c, q);
	ck_assert_msg(get(c, reply, len, 5000) == 1, "no reply to %s", q);
}

static void drive_phase1(struct conn *c)
{
	char r[256];
	put(c, "*RST;*CLS");
	put(c, "SOUR:PHAS1:VOLT:RANG 0,180;SOUR:PHAS1:CURR:RANG 0,0.25");
	put(c, "SOUR:PHAS1:VOLT:MHAR:HARM1 120,0;SOUR:PHAS1:CURR:MHAR:HARM1 0.1,0");
	put(c, "SOUR:PHAS1:VOLT:STAT 1;SOUR:PHAS1:CURR:STAT 1;OUTP:STAT ON");
	query(c, "SYST:ERR?", r, sizeof(r));
	ck_assert_str_eq(r, "0,\"No error\"");
}

static const char *const fast[] = { "--positions", "2", "--time-scale", "200", "--error", "0.3",
				    "--set", "bench.settle_s=0.5", NULL };

START_TEST(serves_scpi_and_ordered_edges)
{
	struct sim_process s = sim_process_start(fast);
	struct conn c, e;
	char r[512];
	dial(&c, s.scpi_port);
	query(&c, "*IDN?", r, sizeof(r));
	ck_assert_str_eq(r, "RIG-SIM,6105A-SIM,SN0001,1.0");
	drive_phase1(&c);

	dial(&e, s.edge_port);
	put(&e, "SUB 0 1 5 8");
	int v = 0;
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(get(&e, r, sizeof(r), 5000), 1);
		long long ts;
		unsigned line;
		int level;
		ck_assert_int_eq(sscanf(r, "V %lld %u %d", &ts, &line, &level), 3);
		v++;
	}
	ck_assert_int_eq(v, 4);
	long long prev_ts = 0;
	unsigned long long prev_g = 0, per_line[16] = { 0 };
	int edges = 0;
	while (edges < 200 && get(&e, r, sizeof(r), 5000) == 1) {
		long long ts;
		unsigned line;
		char kind;
		unsigned long long g, l;
		ck_assert_msg(sscanf(r, "E %lld %u %c %llu %llu", &ts, &line, &kind, &g, &l) == 5, "%s", r);
		ck_assert(line == 0 || line == 1 || line == 5 || line == 8);
		ck_assert(kind == 'R' || kind == 'F');
		ck_assert_int_ge(ts, prev_ts);
		ck_assert_uint_eq(g, prev_g + 1);
		ck_assert_uint_eq(l, ++per_line[line]);
		prev_ts = ts;
		prev_g = g;
		edges++;
	}
	ck_assert_int_eq(edges, 200);
	/* positions are in series on phase 1: position 2's kh10 (line 8)
	 * keeps pace with position 1's (line 0), same error */
	ck_assert_uint_gt(per_line[8], 10);
	ck_assert_int_le(llabs((long long)per_line[0] - (long long)per_line[8]), 2);

	query(&c, "SIM:TRUTH? 1", r, sizeof(r));
	ck_assert_double_eq_tol(atof(r), 0.3, 1e-6);
	query(&c, "SOUR:POW:WATT?", r, sizeof(r));
	ck_assert_double_eq_tol(atof(r), 12, 1e-6);
	close(c.fd);
	close(e.fd);
	ck_assert_int_eq(sim_process_stop(&s), 0);
}
END_TEST

START_TEST(lose_fault_shows_as_a_seqno_gap)
{
	struct sim_process s = sim_process_start(fast);
	struct conn c, e;
	char r[512];
	dial(&c, s.scpi_port);
	drive_phase1(&c);
	dial(&e, s.edge_port);
	put(&e, "SUB 0");
	ck_assert_int_eq(get(&e, r, sizeof(r), 5000), 1);	/* V */
	unsigned long long g, prev = 0, gaps = 0;
	int n = 0;
	while (n < 60 && get(&e, r, sizeof(r), 5000) == 1) {
		ck_assert_int_eq(sscanf(r, "E %*d %*u %*c %llu", &g), 1);
		gaps += g - prev - 1;
		prev = g;
		if (++n == 20)
			put(&c, "SIM:FAULT LOSE 7");
	}
	ck_assert_int_eq(n, 60);
	ck_assert_uint_eq(gaps, 7);
	close(c.fd);
	close(e.fd);
	ck_assert_int_eq(sim_process_stop(&s), 0);
}
END_TEST

START_TEST(reply_faults_noreply_garble_slow_drop)
{
	struct sim_process s = sim_process_start(fast);
	struct conn c;
	char r[512];
	dial(&c, s.scpi_port);

	put(&c, "SIM:FAULT NOREPLY");
	put(&c, "*IDN?");
	ck_assert_int_eq(get(&c, r, sizeof(r), 300), 0);
	put(&c, "SIM:FAULT GARBLE");
	query(&c, "*IDN?", r, sizeof(r));
	ck_assert_str_ne(r, "RIG-SIM,6105A-SIM,SN0001,1.0");
	ck_assert_uint_eq(strlen(r), strlen("RIG-SIM,6105A-SIM,SN0001,1.0"));
	put(&c, "SIM:FAULT SLOW 400");
	int64_t t0 = sim_process_now_ms();
	query(&c, "*OPC?", r, sizeof(r));
	ck_assert_str_eq(r, "1");
	ck_assert_int_ge(sim_process_now_ms() - t0, 350);
	put(&c, "SIM:FAULT NONE");
	query(&c, "*IDN?", r, sizeof(r));
	ck_assert_str_eq(r, "RIG-SIM,6105A-SIM,SN0001,1.0");

	put(&c, "SIM:FAULT DROP");
	put(&c, "*IDN?");
	ck_assert_int_eq(get(&c, r, sizeof(r), 3000), -1);
	close(c.fd);
	dial(&c, s.scpi_port);	/* a new connection works again */
	query(&c, "*IDN?", r, sizeof(r));
	ck_assert_str_eq(r, "RIG-SIM,6105A-SIM,SN0001,1.0");
	close(c.fd);
	ck_assert_int_eq(sim_process_stop(&s), 0);
}
END_TEST

START_TEST(bad_bytes_and_overlong_lines_keep_serving)
{
	struct sim_process s = sim_process_start(fast);
	struct conn c;
	char r[512];
	dial(&c, s.scpi_port);
	char junk[3000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 37 + 11);
	ck_assert_int_eq(send(c.fd, junk, sizeof(junk), MSG_NOSIGNAL), (ssize_t)sizeof(junk));
	put(&c, "");
	char big[5000];
	memset(big, 'X', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(&c, big);
	query(&c, "*IDN?", r, sizeof(r));
	ck_assert_str_eq(r, "RIG-SIM,6105A-SIM,SN0001,1.0");
	int overrun = 0;
	for (int i = 0; i < 20; i++) {
		query(&c, "SYST:ERR?", r, sizeof(r));
		if (strcmp(r, "0,\"No error\"") == 0)
			break;
		overrun += strcmp(r, "-363,\"Input buffer overrun\"") == 0;
	}
	ck_assert_int_ge(overrun, 1);
	close(c.fd);
	ck_assert_int_eq(sim_process_stop(&s), 0);
}
END_TEST

START_TEST(bad_configuration_is_reported_with_its_line)
{
	char path[] = "/tmp/rig-sim-conf-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char text[] = "positions = 2\n[position 2]\nerror_pct = lots\n";
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/rig-sim --config %s --scpi-port 0 --edge-port 0 2>&1",
		 getenv("RIG_BIN"), path);
	FILE *p = popen(cmd, "r");
	char out[512] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	unlink(path);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_msg(strstr(out, ":3: error_pct = lots: not a number") != NULL, "%s", out);
}
END_TEST

Suite *suite_sim_program(void)
{
	Suite *s = suite_create("sim_program");
	TCase *tc = tcase_create("program");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, serves_scpi_and_ordered_edges);
	tcase_add_test(tc, lose_fault_shows_as_a_seqno_gap);
	tcase_add_test(tc, reply_faults_noreply_garble_slow_drop);
	tcase_add_test(tc, bad_bytes_and_overlong_lines_keep_serving);
	tcase_add_test(tc, bad_configuration_is_reported_with_its_line);
	suite_add_tcase(s, tc);
	return s;
}
