#include "rig/rigctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rig/common/timeutil.h"
#include "rig/rigd/control.h"

int rig_client_connect(struct rig_client *c, const char *socket_path)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		snprintf(c->error, sizeof(c->error), "%s: socket path too long", socket_path);
		return -1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		/* the next step for the cause at hand */
		const char *hint =
			e == EACCES || e == EPERM
				? "join the socket's group (socket_group in rigd.conf, e.g. "
				  "usermod -aG rig $USER) and log in again"
			: e == ENOENT || e == ECONNREFUSED
				? "is rigd running? start it (systemctl start rigd, or "
				  "rigd -c /etc/rig/rigd.conf); or name its socket with "
				  "--socket PATH or --config FILE"
				: "check --socket PATH or the config's socket_path";
		snprintf(c->error, sizeof(c->error), "cannot reach rigd at %s: %s; %s", socket_path,
			 strerror(e), hint);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	/* Events can be long (a run's points); replies bigger still. */
	rig_linebuf_init(&c->in, 64 * 1024 * 1024);
	return 0;
}

void rig_client_close(struct rig_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	rig_linebuf_free(&c->in);
}

int rig_client_send(struct rig_client *c, const cJSON *request)
{
	char *line = rig_json_line(request);
	if (!line)
		return -1;
	size_t len = strlen(line), done = 0;
	while (done < len) {
		ssize_t n = send(c->fd, line + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->error, sizeof(c->error), "sending to rigd: %s", strerror(errno));
			free(line);
			return -1;
		}
		done += (size_t)n;
	}
	free(line);
	return 0;
}

int rig_client_next(struct rig_client *c, int timeout_ms, cJSON **ret)
{
	int64_t until = timeout_ms >= 0 ? rig_monotonic_ns() + (int64_t)timeout_ms * 1000000 : 0;
	for (;;) {
		char *line;
		if (rig_linebuf_next(&c->in, &line) == 1) {
			if (!line[0])
				continue;
			*ret = cJSON_Parse(line);
			if (!*ret) {
				snprintf(c->error, sizeof(c->error), "rigd sent something that is not JSON");
				return -1;
			}
			return 1;
		}
		int wait = -1;
		if (timeout_ms >= 0) {
			int64_t left = until - rig_monotonic_ns();
			if (left <= 0)
				return 0;
			wait = (int)(left / 1000000) + 1;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			return 0;	/* the caller looks at its signal flag */
		if (r < 0) {
			snprintf(c->error, sizeof(c->error), "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			continue;
		char buf[16384];
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			return 0;
		if (n <= 0) {
			snprintf(c->error, sizeof(c->error), "connection to rigd lost%s%s",
				 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return -1;
		}
		if (rig_linebuf_feed(&c->in, buf, (size_t)n) < 0) {
			snprintf(c->error, sizeof(c->error), "rigd sent an over-long line");
			return -1;
		}
	}
}

cJSON *rig_client_call(struct rig_client *c, const cJSON *request, int timeout_ms)
{
	if (rig_client_send(c, request) < 0)
		return NULL;
	int64_t until = rig_monotonic_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int64_t left = (until - rig_monotonic_ns()) / 1000000;
		if (left <= 0) {
			snprintf(c->error, sizeof(c->error), "no reply from rigd within %d ms", timeout_ms);
			return NULL;
		}
		cJSON *msg = NULL;
		int r = rig_client_next(c, (int)left, &msg);
		if (r < 0)
			return NULL;
		if (r == 0)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(msg, "ok"))
			return msg;
		cJSON_Delete(msg);	/* an event for subscribers, not our reply */
	}
}
