/* Register readings for `rigctl run` (readings.h). */
#include "rig/rigctl/readings.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIM_TIMEOUT_MS 5000

static int connect_to(const char *host, const char *port, char *why, size_t why_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(why, why_len, "rig-sim %s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, why_len, "rig-sim %s:%s: %s", host, port, strerror(errno));
	return fd;
}

/* One reply line, within the time-out. */
static int read_line(int fd, char *buf, size_t len, char *why, size_t why_len)
{
	size_t n = 0;
	while (n + 1 < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, SIM_TIMEOUT_MS) <= 0) {
			snprintf(why, why_len, "rig-sim did not answer SIM:REGISTER?");
			return -1;
		}
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0) {
			snprintf(why, why_len, "rig-sim closed the connection");
			return -1;
		}
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		n++;
	}
	snprintf(why, why_len, "rig-sim's reply is too long");
	return -1;
}

int readings_from_sim(const char *spec, int position, double *ret_kwh, char *why,
		      size_t why_len)
{
	char host[256];
	const char *hp = strncmp(spec, "sim:", 4) == 0 ? spec + 4 : spec;
	const char *colon = strrchr(hp, ':');
	if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof(host)) {
		snprintf(why, why_len, "--readings \"%s\": expected sim:HOST:PORT", spec);
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
	int fd = connect_to(host, colon + 1, why, why_len);
	if (fd < 0)
		return -1;
	char line[128];
	int n = snprintf(line, sizeof(line), "SIM:REGISTER? %d\n", position);
	int rc = -1;
	if (write(fd, line, (size_t)n) != n) {
		snprintf(why, why_len, "rig-sim: %s", strerror(errno));
	} else if (read_line(fd, line, sizeof(line), why, why_len) == 0) {
		char *end;
		double v = strtod(line, &end);
		if (end == line || *end || !(v >= 0)) {
			/* no LCD, or no such position: rig-sim queues an error and
			 * answers nothing, or answers garbage */
			snprintf(why, why_len, "rig-sim: no register reading for position %d (\"%.40s\")",
				 position, line);
		} else {
			*ret_kwh = v;
			rc = 0;
		}
	}
	close(fd);
	return rc;
}

int readings_prompt(int position, const char *serial, const char *when, double *ret_kwh)
{
	for (;;) {
		printf("position %d (%s): register reading %s the energy, kWh (Enter: not read): ",
		       position, serial, when);
		fflush(stdout);
		char line[64];
		if (!fgets(line, sizeof(line), stdin))
			return -1;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			return 1;
		char *end;
		double v = strtod(line, &end);
		if (end != line && !*end && v >= 0 && v < 1e9) {
			*ret_kwh = v;
			return 0;
		}
		printf("  \"%s\" is not a reading (0 .. 999999999 kWh)\n", line);
	}
}
