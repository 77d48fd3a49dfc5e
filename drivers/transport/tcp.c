/* Raw TCP to an instrument (SCPI socket, port 5025 style): non-blocking
 * connect bounded by a timeout, TCP_NODELAY because every exchange is one
 * short line, and EOF or reset reported as a disconnected instrument. */
#include "drivers/transport/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_CONNECT_TIMEOUT_MS 3000
#define TCP_WRITE_TIMEOUT_MS 2000

struct tcp_priv {
	int fd;
};

/* "HOST:PORT" or "[v6addr]:PORT" into host and port strings. */
static int tcp_split(const char *args, char *host, size_t host_len, char *port, size_t port_len)
{
	const char *colon;
	const char *h = args;
	size_t hlen;
	if (args[0] == '[') {
		const char *close = strchr(args, ']');
		if (!close || close[1] != ':')
			return -1;
		h = args + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(args, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - args);
	}
	if (hlen == 0 || hlen >= host_len || colon[1] == '\0' || strlen(colon + 1) >= port_len)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, port_len, "%s", colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	long n = strtol(port, NULL, 10);
	return (n >= 1 && n <= 65535) ? 0 : -1;
}

static int tcp_connect_one(const struct addrinfo *ai, int *ret_errno)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*ret_errno = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*ret_errno = errno;
			close(fd);
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n;
		do
			n = poll(&p, 1, TCP_CONNECT_TIMEOUT_MS);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			*ret_errno = ETIMEDOUT;
			close(fd);
			return -1;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
			*ret_errno = n < 0 ? errno : soerr;
			close(fd);
			return -1;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int tcp_open(struct transport *t, const char *args, struct rig_error *err)
{
	char host[128], port[8];
	if (tcp_split(args, host, sizeof(host), port, sizeof(port)) < 0)
		return rig_error_set(err, NULL, 0, "transport '%s': expected tcp:HOST:PORT (port 1-65535)",
				     t->spec);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return rig_error_set(err, NULL, 0, "transport '%s': cannot resolve '%s': %s", t->spec, host,
				     gai_strerror(rc));
	int fd = -1, last_errno = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = tcp_connect_one(ai, &last_errno);
	freeaddrinfo(res);
	if (fd < 0)
		return rig_error_set(err, NULL, 0, "transport '%s': cannot connect to instrument: %s", t->spec,
				     last_errno == ETIMEDOUT ? "no answer within 3 s" : strerror(last_errno));
	struct tcp_priv *p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return rig_error_set(err, NULL, 0, "transport '%s': out of memory", t->spec);
	}
	p->fd = fd;
	t->priv = p;
	return 0;
}

static int tcp_write(struct transport *t, const void *buf, size_t len, struct rig_error *err)
{
	struct tcp_priv *p = t->priv;
	const char *b = buf;
	while (len > 0) {
		ssize_t n = send(p->fd, b, len, MSG_NOSIGNAL);
		if (n > 0) {
			b += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The instrument is not reading: wait a bounded time, not forever. */
			struct pollfd pf = { .fd = p->fd, .events = POLLOUT };
			if (poll(&pf, 1, TCP_WRITE_TIMEOUT_MS) <= 0)
				return rig_error_set(err, NULL, 0,
						     "transport '%s': instrument does not accept data (write timed out)",
						     t->spec);
			continue;
		}
		return rig_error_set(err, NULL, 0, "transport '%s': instrument disconnected (%s)", t->spec,
				     strerror(errno));
	}
	return 0;
}

static ssize_t tcp_read(struct transport *t, void *buf, size_t len, struct rig_error *err)
{
	struct tcp_priv *p = t->priv;
	for (;;) {
		ssize_t n = recv(p->fd, buf, len, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0) {
			rig_error_set(err, NULL, 0, "transport '%s': instrument disconnected (connection closed)",
				      t->spec);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		rig_error_set(err, NULL, 0, "transport '%s': instrument disconnected (%s)", t->spec,
			      strerror(errno));
		return -1;
	}
}

static int tcp_fd(const struct transport *t)
{
	const struct tcp_priv *p = t->priv;
	return p->fd;
}

static void tcp_close(struct transport *t)
{
	struct tcp_priv *p = t->priv;
	if (!p)
		return;
	close(p->fd);
	free(p);
	t->priv = NULL;
}

const struct transport_ops transport_tcp_ops = {
	.scheme = "tcp",
	.open = tcp_open,
	.write = tcp_write,
	.read = tcp_read,
	.fd = tcp_fd,
	.close = tcp_close,
};
