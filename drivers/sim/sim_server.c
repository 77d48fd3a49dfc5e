/* The TCP shell around the simulated bench. */
#include "drivers/sim/sim_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "drivers/sim/bench.h"
#include "drivers/sim/edge_request.h"

#define MAX_CLIENTS 32
#define MAX_OUT (8u << 20)	/* a client this far behind is dropped */
#define POLL_MS 2
#define MAX_SLOW 64

enum fault { FAULT_NONE, FAULT_NOREPLY, FAULT_GARBLE, FAULT_SLOW };
enum kind { CLIENT_SCPI, CLIENT_EDGE };

struct client {
	int fd;			/* -1: free slot */
	enum kind kind;
	char in[SIM_SCPI_MAX_LINE + 2];
	size_t in_n;
	bool overrun;		/* discarding the rest of an overlong line */
	char *out;
	size_t out_n, out_cap;
	bool subscribed;
	struct sim_edge_request req;
};

struct slow_reply {
	int client;
	int fd;
	int64_t due_real_ns;
	char text[512];
};

struct sim_server {
	struct sim_config cfg;
	struct sim_bench *bench;
	int scpi_listen, edge_listen;
	int scpi_port, edge_port;
	struct client client[MAX_CLIENTS];
	int64_t real_start, sim_start;
	enum fault fault;	/* what replies suffer */
	bool drop_next;		/* SIM:FAULT DROP: on top of a reply fault */
	int slow_ms;
	struct slow_reply slow[MAX_SLOW];
	int n_slow;
	/* The dead-man: a retriggerable relay on the heartbeat line in the
	 * source's enable loop, and the instrument's communication watchdog.
	 * Both in real time (CLOCK_MONOTONIC), whatever the time scale. */
	bool hb_armed;		/* a toggle came since start or SIM:HEARTBEAT BYPASS */
	int hb_level;
	int64_t hb_last_real;	/* last toggle */
	int64_t cmd_last_real;	/* last non-SIM: SCPI line */
	bool out_was_on;
	int64_t off_real;	/* when the output last went off; 0 never */
	const char *off_cause;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RIG_NS_PER_S + ts.tv_nsec;
}

static int64_t sim_now(const struct sim_server *s)
{
	return s->sim_start + (int64_t)((double)(mono_ns() - s->real_start) * s->cfg.time_scale);
}

static int listen_on(const char *host, int port, int *ret_port, struct rig_error *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return rig_error_set(err, "", 0, "bind address '%s' is not an IPv4 address", host);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rig_error_set(err, "", 0, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		rig_error_set(err, "", 0, "%s:%d: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	*ret_port = ntohs(a.sin_port);
	return fd;
}

/* ---- output buffers --------------------------------------------------------- */

static void drop_client(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void queue_out(struct client *c, const char *data, size_t n)
{
	if (c->fd < 0)
		return;
	if (c->out_n + n > MAX_OUT) {
		fprintf(stderr, "rig-sim: client too slow, dropped\n");
		drop_client(c);
		return;
	}
	if (c->out_n + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_n + n)
			cap *= 2;
		char *o = realloc(c->out, cap);
		if (!o) {
			drop_client(c);
			return;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_n, data, n);
	c->out_n += n;
}

static void flush_out(struct client *c)
{
	while (c->fd >= 0 && c->out_n > 0) {
		ssize_t w = send(c->fd, c->out, c->out_n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				drop_client(c);
			return;
		}
		memmove(c->out, c->out + w, c->out_n - (size_t)w);
		c->out_n -= (size_t)w;
	}
}

/* ---- edges ------------------------------------------------------------------ */

static void fan_out(void *ctx, const struct rig_edge *raw)
{
	struct sim_server *s = ctx;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->client[i];
		struct rig_edge e;
		if (c->fd < 0 || c->kind != CLIENT_EDGE || !c->subscribed ||
		    !sim_edge_request_number(&c->req, raw->timestamp_ns, raw->line, raw->kind, &e))
			continue;
		char line[128];
		int n = snprintf(line, sizeof(line), "E %lld %u %c %llu %llu\n",
				 (long long)e.timestamp_ns, e.line, e.kind == RIG_EDGE_RISING ? 'R' : 'F',
				 (unsigned long long)e.global_seqno, (unsigned long long)e.line_seqno);
		queue_out(c, line, (size_t)n);
	}
}

/* ---- the dead-man ------------------------------------------------------------- */

/* Notes when the output went off and why (a query for tests: SIM:OUTP?). */
static void note_output(struct sim_server *s, const char *cause)
{
	bool on = sim_bench_source(s->bench)->output_on;
	if (s->out_was_on && !on) {
		s->off_real = mono_ns();
		s->off_cause = cause;
	}
	s->out_was_on = on;
}

static void trip(struct sim_server *s, int code, const char *cause)
{
	sim_bench_trip(s->bench, sim_now(s), code);
	note_output(s, cause);
	fprintf(stderr, "rig-sim: output off: %s\n", cause);
}

/* A relay that drops hold_ms after the last toggle, and a watchdog that
 * switches off when no command came for its delay. Only an output that is
 * on is tripped; a relay never pulsed (or bypassed) is not enforced. */
static void deadman_check(struct sim_server *s)
{
	const struct sim_source *src = sim_bench_source(s->bench);
	if (!src->output_on)
		return;
	int64_t now = mono_ns();
	if (s->cfg.heartbeat_line >= 0 && s->hb_armed &&
	    now - s->hb_last_real > (int64_t)(s->cfg.heartbeat_hold_ms * 1e6)) {
		trip(s, SIM_ERR_ENABLE_LOOP, "heartbeat");
		return;
	}
	if (src->wdog_on && now - s->cmd_last_real > (int64_t)(src->wdog_delay_s * 1e9))
		trip(s, SIM_ERR_COMM_WATCHDOG, "watchdog");
}

/* `OUT <line> <0|1>` on the edge socket: the controller drives an output
 * line. Only the heartbeat line is wired to anything. */
static void heartbeat_command(struct sim_server *s, struct client *c, char *save)
{
	char *l = strtok_r(NULL, " \t\r", &save), *v = strtok_r(NULL, " \t\r", &save);
	char *end;
	unsigned long line = l ? strtoul(l, &end, 10) : 0;
	if (!l || !v || *end || line > 65535 || (strcmp(v, "0") && strcmp(v, "1"))) {
		queue_out(c, "# error: expected OUT <line> <0|1>\n", 36);
		return;
	}
	if (s->cfg.heartbeat_line < 0 || line != (unsigned long)s->cfg.heartbeat_line)
		return;
	int level = v[0] == '1';
	if (!s->hb_armed || level != s->hb_level) {
		s->hb_last_real = mono_ns();
		s->hb_armed = true;
	}
	s->hb_level = level;
}

static void edge_command(struct sim_server *s, struct client *c, char *line)
{
	char *save = NULL;
	char *tok = strtok_r(line, " \t\r", &save);
	if (!tok)
		return;
	if (strcmp(tok, "OUT") == 0) {
		heartbeat_command(s, c, save);
		return;
	}
	if (strcmp(tok, "SUB") != 0) {
		queue_out(c, "# error: expected SUB <line> ...\n", 33);
		return;
	}
	int64_t now = sim_bench_now(s->bench);
	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		char *end;
		unsigned long l = strtoul(tok, &end, 10);
		if (*end || end == tok || l > 65535 || sim_edge_request_add(&c->req, (uint32_t)l) < 0) {
			char msg[128];
			int n = snprintf(msg, sizeof(msg), "# error: bad line '%.40s'\n", tok);
			queue_out(c, msg, (size_t)n);
			continue;
		}
		int level = sim_bench_level(s->bench, (uint32_t)l);
		char v[96];
		int n = snprintf(v, sizeof(v), "V %lld %lu %d\n", (long long)now, l, level > 0);
		queue_out(c, v, (size_t)n);
	}
	c->subscribed = true;
}

/* ---- SCPI and faults ---------------------------------------------------------- */

static int server_ext(void *ctx, int64_t now_ns, const char *cmd, char *reply, size_t len)
{
	struct sim_server *s = ctx;
	if (strcasecmp(cmd, "SIM:OUTP?") == 0) {
		snprintf(reply, len, "%d,%lld,%s", sim_bench_source(s->bench)->output_on ? 1 : 0,
			 (long long)s->off_real, s->off_real ? s->off_cause : "none");
		return 1;
	}
	if (strcasecmp(cmd, "SIM:HEARTBEAT BYPASS") == 0) {
		s->hb_armed = false;	/* until the next toggle */
		return 0;
	}
	char word[32] = "", arg[32] = "";
	if (sscanf(cmd, "%*[^ \t] %31s %31s", word, arg) >= 1 &&
	    strncasecmp(cmd, "SIM:FAULT", 9) == 0 && (cmd[9] == ' ' || cmd[9] == '\t')) {
		if (!strcasecmp(word, "NONE")) {
			s->fault = FAULT_NONE;
			s->drop_next = false;
		}
		else if (!strcasecmp(word, "NOREPLY"))
			s->fault = FAULT_NOREPLY;
		else if (!strcasecmp(word, "GARBLE"))
			s->fault = FAULT_GARBLE;
		else if (!strcasecmp(word, "DROP"))
			s->drop_next = true;	/* a reply fault set before stays */
		else if (!strcasecmp(word, "SLOW")) {
			long ms = strtol(arg, NULL, 10);
			if (ms <= 0 || ms > 600000)
				return SCPI_ERR_DATA_RANGE;
			s->fault = FAULT_SLOW;
			s->slow_ms = (int)ms;
		} else if (!strcasecmp(word, "LOSE")) {
			long n = strtol(arg, NULL, 10);
			if (n <= 0 || n > 1000000000)
				return SCPI_ERR_DATA_RANGE;
			for (int i = 0; i < MAX_CLIENTS; i++)
				if (s->client[i].fd >= 0 && s->client[i].kind == CLIENT_EDGE)
					s->client[i].req.lose += (uint64_t)n;
			return sim_bench_ext(s->bench, now_ns, cmd, reply, len);
		} else
			return SCPI_ERR_DATA_RANGE;
		return 0;
	}
	return sim_bench_ext(s->bench, now_ns, cmd, reply, len);
}

static bool is_sim_command(const char *line)
{
	while (*line == ' ' || *line == '\t' || *line == ':')
		line++;
	return strncasecmp(line, "SIM:", 4) == 0;
}

static void garble(char *text)
{
	for (char *p = text; *p; p++) {
		*p = (char)(*p ^ 0x15);
		if (*p == '\n' || *p == '\0' || *p == ';')
			*p = '~';
	}
}

static void scpi_line(struct sim_server *s, int idx, const char *line, size_t n)
{
	struct client *c = &s->client[idx];
	bool sim = is_sim_command(line);
	if (s->drop_next && !sim) {
		s->drop_next = false;	/* one dropped connection per DROP */
		drop_client(c);
		return;
	}
	char reply[512];
	int64_t now = sim_now(s);
	if (!sim)
		s->cmd_last_real = mono_ns();	/* feeds the communication watchdog */
	sim_bench_advance_raw(s->bench, now, fan_out, s);
	int got = sim_bench_scpi_n(s->bench, now, line, n, reply, sizeof(reply) - 1);
	note_output(s, "command");
	if (got != 1)
		return;
	if (!sim && s->fault == FAULT_NOREPLY)
		return;
	if (!sim && s->fault == FAULT_GARBLE)
		garble(reply);
	strcat(reply, "\n");
	if (!sim && s->fault == FAULT_SLOW && s->n_slow < MAX_SLOW) {
		struct slow_reply *r = &s->slow[s->n_slow++];
		r->client = idx;
		r->fd = c->fd;
		r->due_real_ns = mono_ns() + (int64_t)s->slow_ms * 1000000;
		snprintf(r->text, sizeof(r->text), "%s", reply);
		return;
	}
	queue_out(c, reply, strlen(reply));
}

static void send_due_slow_replies(struct sim_server *s)
{
	int64_t now = mono_ns();
	for (int i = 0; i < s->n_slow;) {
		struct slow_reply *r = &s->slow[i];
		if (r->due_real_ns > now) {
			i++;
			continue;
		}
		struct client *c = &s->client[r->client];
		if (c->fd == r->fd)	/* still the same connection */
			queue_out(c, r->text, strlen(r->text));
		s->slow[i] = s->slow[--s->n_slow];
	}
}

/* Splits input into lines; an overlong line is discarded whole and
 * reported once (SCPI -363). */
static void take_input(struct sim_server *s, int idx, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct client *c = &s->client[idx];
		if (c->fd < 0)
			return;
		char ch = data[i];
		if (ch == '\n') {
			if (c->overrun) {
				c->overrun = false;
			} else if (c->kind == CLIENT_SCPI) {
				scpi_line(s, idx, c->in, c->in_n);
			} else {
				c->in[c->in_n] = '\0';
				edge_command(s, c, c->in);
			}
			c->in_n = 0;
			continue;
		}
		if (c->overrun)
			continue;
		if (c->in_n == SIM_SCPI_MAX_LINE) {
			c->overrun = true;
			c->in[c->in_n++] = ch;
			if (c->kind == CLIENT_SCPI)	/* a line this long is -363 */
				scpi_line(s, idx, c->in, c->in_n);
			if (c->fd >= 0)
				c->in_n = 0;
			continue;
		}
		c->in[c->in_n++] = ch;
	}
}

static void accept_client(struct sim_server *s, int lfd, enum kind kind)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->client[i];
		if (c->fd >= 0)
			continue;
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->kind = kind;
		sim_edge_request_init(&c->req);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return;
	}
	close(fd);	/* full */
}

static void read_client(struct sim_server *s, int idx)
{
	char buf[4096];
	ssize_t n = recv(s->client[idx].fd, buf, sizeof(buf), 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop_client(&s->client[idx]);
		return;
	}
	if (n > 0)
		take_input(s, idx, buf, (size_t)n);
}

/* ---- lifecycle ------------------------------------------------------------------ */

struct sim_server *sim_server_new(const struct sim_config *cfg, struct rig_error *err)
{
	struct sim_server *s = calloc(1, sizeof(*s));
	if (!s) {
		rig_error_set(err, "", 0, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->scpi_listen = s->edge_listen = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->client[i].fd = -1;
	s->real_start = mono_ns();
	s->cmd_last_real = s->real_start;
	s->sim_start = s->real_start;	/* at scale 1, edges carry CLOCK_MONOTONIC */
	struct sim_bench_cfg bc = cfg->bench;
	bc.start_ns = s->sim_start;
	s->bench = sim_bench_new(&bc);
	if (!s->bench) {
		rig_error_set(err, "", 0, "cannot create the bench");
		goto fail;
	}
	sim_bench_set_ext(s->bench, server_ext, s);
	s->scpi_listen = listen_on(cfg->bind, cfg->scpi_port, &s->scpi_port, err);
	if (s->scpi_listen < 0)
		goto fail;
	s->edge_listen = listen_on(cfg->bind, cfg->edge_port, &s->edge_port, err);
	if (s->edge_listen < 0)
		goto fail;
	return s;
fail:
	sim_server_free(s);
	return NULL;
}

void sim_server_ports(const struct sim_server *s, int *ret_scpi, int *ret_edge)
{
	*ret_scpi = s->scpi_port;
	*ret_edge = s->edge_port;
}

int sim_server_run(struct sim_server *s, volatile sig_atomic_t *stop, struct rig_error *err)
{
	while (!*stop) {
		struct pollfd p[MAX_CLIENTS + 2];
		int who[MAX_CLIENTS + 2];
		int n = 0;
		p[n] = (struct pollfd){ .fd = s->scpi_listen, .events = POLLIN };
		who[n++] = -1;
		p[n] = (struct pollfd){ .fd = s->edge_listen, .events = POLLIN };
		who[n++] = -2;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &s->client[i];
			if (c->fd < 0)
				continue;
			p[n] = (struct pollfd){ .fd = c->fd,
						.events = POLLIN | (c->out_n ? POLLOUT : 0) };
			who[n++] = i;
		}
		int r = poll(p, (nfds_t)n, POLL_MS);
		if (r < 0 && errno != EINTR)
			return rig_error_set(err, "", 0, "poll: %s", strerror(errno));
		for (int k = 0; r > 0 && k < n; k++) {
			if (!p[k].revents)
				continue;
			if (who[k] == -1)
				accept_client(s, s->scpi_listen, CLIENT_SCPI);
			else if (who[k] == -2)
				accept_client(s, s->edge_listen, CLIENT_EDGE);
			else if (p[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_client(s, who[k]);
		}
		if (sim_bench_advance_raw(s->bench, sim_now(s), fan_out, s) < 0)
			return rig_error_set(err, "", 0, "out of memory");
		deadman_check(s);
		send_due_slow_replies(s);
		for (int i = 0; i < MAX_CLIENTS; i++)
			flush_out(&s->client[i]);
	}
	return 0;
}

void sim_server_free(struct sim_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->client[i].fd >= 0)
			drop_client(&s->client[i]);
	if (s->scpi_listen >= 0)
		close(s->scpi_listen);
	if (s->edge_listen >= 0)
		close(s->edge_listen);
	sim_bench_free(s->bench);
	free(s);
}
