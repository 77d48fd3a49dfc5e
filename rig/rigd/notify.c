#include "rig/rigd/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rig_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof(addr.sun_path) || (path[0] != '/' && path[0] != '@'))
		return -1;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';	/* abstract namespace */
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
			   addr_len);
	close(fd);
	return n == (ssize_t)strlen(state) ? 1 : -1;
}

int rig_notify_status(const char *fmt, ...)
{
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	char line[512] = "STATUS=";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + 7, sizeof(line) - 7, fmt, ap);
	va_end(ap);
	/* one line: a newline would start another assignment */
	for (char *c = line; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return rig_notify(line);
}

int64_t rig_notify_watchdog_ns(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	if (!usec || !*usec)
		return 0;
	const char *pid = getenv("WATCHDOG_PID");
	if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;	/* meant for another process */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(usec, &end, 10);
	/* at most a day: anything larger is not a watchdog we can honour */
	if (*end || errno || v == 0 || v > 86400ULL * 1000000ULL)
		return 0;
	return (int64_t)v * 1000;
}
