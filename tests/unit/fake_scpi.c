#include "tests/unit/fake_scpi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_RULES 8
#define MAX_ERRORS 8

struct fake_rule {
	char line[96];
	int nth;
	int seen;
	enum fake_scpi_fault fault;
	int delay_ms;
	char error[96];
	int fired;
};

struct fake_scpi {
	int listen_fd;
	int stop_pipe[2];
	int port;
	char spec[64];
	pthread_t thread;
	pthread_mutex_t lock;
	struct fake_rule rule[MAX_RULES];
	int n_rules;
	char log[16384];
	size_t log_len;
	/* the instrument */
	int output_on;
	int stuck_on;
	double volt[4], volt_deg[4], curr[4], curr_deg[4];
	char errq[MAX_ERRORS][96];
	int n_err;
};

static void push_error(struct fake_scpi *f, const char *e)
{
	if (f->n_err < MAX_ERRORS)
		snprintf(f->errq[f->n_err++], sizeof(f->errq[0]), "%s", e);
}

static void reply(int fd, const char *text)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
		/* the client went away: nothing to do */
	}
}

/* The instrument's own behaviour for one line. */
static void instrument(struct fake_scpi *f, int fd, const char *line)
{
	int ph, end = -1, len = (int)strlen(line);
	double a, b;
	char out[128];
	if (strcmp(line, "*IDN?") == 0) {
		reply(fd, "RIG,FAKE6100,0,1.0");
	} else if (strcmp(line, "*OPC?") == 0) {
		reply(fd, "1");
	} else if (strcmp(line, "*RST") == 0) {
		f->output_on = 0;
		memset(f->volt, 0, sizeof(f->volt));
		memset(f->curr, 0, sizeof(f->curr));
	} else if (strcmp(line, "*CLS") == 0) {
		f->n_err = 0;
	} else if (strcmp(line, "SYST:ERR?") == 0) {
		if (f->n_err == 0) {
			reply(fd, "0,\"No error\"");
		} else {
			reply(fd, f->errq[0]);
			memmove(f->errq[0], f->errq[1], sizeof(f->errq[0]) * (size_t)--f->n_err);
		}
	} else if (strcmp(line, "OUTP:STAT ON") == 0) {
		f->output_on = 1;
	} else if (strcmp(line, "OUTP:STAT OFF") == 0) {
		if (!f->stuck_on)
			f->output_on = 0;
	} else if (strcmp(line, "OUTP:STAT?") == 0) {
		reply(fd, f->output_on ? "1" : "0");
	} else if (sscanf(line, "SOUR:PHAS%d:POW:WATT?%n", &ph, &end) == 1 && end == len && ph >= 1 && ph <= 3) {
		double w = f->output_on ? f->volt[ph] * f->curr[ph] *
						  cos((f->volt_deg[ph] - f->curr_deg[ph]) * M_PI / 180) : 0;
		snprintf(out, sizeof(out), "%.6f", w);
		reply(fd, out);
	} else if (sscanf(line, "SOUR:PHAS%d:VOLT:MHAR:HARM1 %lf,%lf", &ph, &a, &b) == 3 && ph >= 1 && ph <= 3) {
		f->volt[ph] = a;
		f->volt_deg[ph] = b;
	} else if (sscanf(line, "SOUR:PHAS%d:CURR:MHAR:HARM1 %lf,%lf", &ph, &a, &b) == 3 && ph >= 1 && ph <= 3) {
		f->curr[ph] = a;
		f->curr_deg[ph] = b;
	} else if (sscanf(line, "SOUR:PHAS%d:", &ph) == 1 || strncmp(line, "SOUR:FREQ ", 10) == 0) {
		/* ranges, enables, frequency: accepted */
	} else {
		push_error(f, "-113,\"Undefined header\"");
	}
}

static struct fake_rule *matching_rule(struct fake_scpi *f, const char *line)
{
	for (int i = 0; i < f->n_rules; i++) {
		struct fake_rule *r = &f->rule[i];
		if (!r->fired && strcmp(r->line, line) == 0 && ++r->seen == r->nth) {
			r->fired = 1;
			return r;
		}
	}
	return NULL;
}

/* 0 to go on, -1 to drop the connection. */
static int handle_line(struct fake_scpi *f, int fd, const char *line)
{
	pthread_mutex_lock(&f->lock);
	size_t len = strlen(line);
	if (f->log_len + len + 2 < sizeof(f->log)) {
		memcpy(f->log + f->log_len, line, len);
		f->log_len += len;
		f->log[f->log_len++] = '\n';
		f->log[f->log_len] = '\0';
	}
	struct fake_rule *r = matching_rule(f, line);
	struct fake_rule rule = r ? *r : (struct fake_rule){ 0 };
	pthread_mutex_unlock(&f->lock);
	char big[401];
	if (r) {
		switch (rule.fault) {
		case FAKE_SCPI_SILENT:
			return 0;
		case FAKE_SCPI_GARBAGE:
			reply(fd, "#?!bogus");
			return 0;
		case FAKE_SCPI_BINARY:
			reply(fd, "\x01\x02\xfe\x7f");
			return 0;
		case FAKE_SCPI_OVERLONG:
			memset(big, 'A', 400);
			big[400] = '\0';
			reply(fd, big);
			return 0;
		case FAKE_SCPI_DROP:
			return -1;
		case FAKE_SCPI_SLOW:
			usleep((useconds_t)rule.delay_ms * 1000);
			break;
		case FAKE_SCPI_ERROR:
			pthread_mutex_lock(&f->lock);
			push_error(f, rule.error);
			pthread_mutex_unlock(&f->lock);
			return 0;
		case FAKE_SCPI_STUCK_ON:
			pthread_mutex_lock(&f->lock);
			f->stuck_on = 1;
			pthread_mutex_unlock(&f->lock);
			break;
		}
	}
	pthread_mutex_lock(&f->lock);
	instrument(f, fd, line);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void serve(struct fake_scpi *f, int fd)
{
	char buf[2048];
	size_t len = 0;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = f->stop_pipe[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[1].revents)
			return;
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (handle_line(f, fd, buf) < 0)
				return;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
	}
}

static void *fake_thread(void *arg)
{
	struct fake_scpi *f = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = f->listen_fd, .events = POLLIN },
				       { .fd = f->stop_pipe[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents)
			return NULL;
		int fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(f, fd);
		close(fd);
	}
}

struct fake_scpi *fake_scpi_start(void)
{
	struct fake_scpi *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(f->listen_fd, 4) < 0 || getsockname(f->listen_fd, (struct sockaddr *)&a, &al) < 0 ||
	    pipe(f->stop_pipe) < 0) {
		if (f->listen_fd >= 0)
			close(f->listen_fd);
		free(f);
		return NULL;
	}
	f->port = ntohs(a.sin_port);
	snprintf(f->spec, sizeof(f->spec), "tcp:127.0.0.1:%d", f->port);
	pthread_create(&f->thread, NULL, fake_thread, f);
	return f;
}

int fake_scpi_port(const struct fake_scpi *f)
{
	return f->port;
}

const char *fake_scpi_spec(const struct fake_scpi *f)
{
	return f->spec;
}

void fake_scpi_fault(struct fake_scpi *f, const char *line, int nth, enum fake_scpi_fault fault,
		     int delay_ms, const char *error)
{
	pthread_mutex_lock(&f->lock);
	if (f->n_rules < MAX_RULES) {
		struct fake_rule *r = &f->rule[f->n_rules++];
		memset(r, 0, sizeof(*r));
		snprintf(r->line, sizeof(r->line), "%s", line);
		r->nth = nth < 1 ? 1 : nth;
		r->fault = fault;
		r->delay_ms = delay_ms;
		snprintf(r->error, sizeof(r->error), "%s", error ? error : "");
	}
	pthread_mutex_unlock(&f->lock);
}

void fake_scpi_log(struct fake_scpi *f, char *out, size_t cap)
{
	pthread_mutex_lock(&f->lock);
	snprintf(out, cap, "%s", f->log);
	pthread_mutex_unlock(&f->lock);
}

void fake_scpi_clear_log(struct fake_scpi *f)
{
	pthread_mutex_lock(&f->lock);
	f->log_len = 0;
	f->log[0] = '\0';
	pthread_mutex_unlock(&f->lock);
}

int fake_scpi_output_on(struct fake_scpi *f)
{
	pthread_mutex_lock(&f->lock);
	int on = f->output_on;
	pthread_mutex_unlock(&f->lock);
	return on;
}

void fake_scpi_stop(struct fake_scpi *f)
{
	if (!f)
		return;
	if (write(f->stop_pipe[1], "x", 1) < 0) {
		/* the thread still sees the pipe close below */
	}
	pthread_join(f->thread, NULL);
	close(f->stop_pipe[0]);
	close(f->stop_pipe[1]);
	close(f->listen_fd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
