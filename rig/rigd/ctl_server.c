#include "rig/rigd/ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/rigd/control.h"

static void client_update_events(struct ctl_client *c)
{
	if (c->dead)
		return;
	uint32_t ev = EPOLLIN | EPOLLRDHUP;
	if (!rig_outbuf_empty(&c->out))
		ev |= EPOLLOUT;
	rig_loop_modify(c->server->loop, c->fd, ev);
}

void ctl_client_drop(struct ctl_client *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_info("control client %u dropped: %s", c->id, why);
	rig_loop_remove(c->server->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
}

static void client_flush(struct ctl_client *c)
{
	if (c->dead)
		return;
	if (rig_outbuf_flush(&c->out, c->fd) < 0) {
		ctl_client_drop(c, strerror(errno));
		return;
	}
	if (c->closing && rig_outbuf_empty(&c->out)) {
		ctl_client_drop(c, NULL);
		return;
	}
	client_update_events(c);
}

int ctl_client_send(struct ctl_client *c, const char *line)
{
	if (c->dead)
		return -1;
	if (rig_outbuf_append(&c->out, line, strlen(line)) < 0) {
		ctl_client_drop(c, "output buffer full (client not reading)");
		return -1;
	}
	client_flush(c);
	return c->dead ? -1 : 0;
}

void ctl_client_close_after_flush(struct ctl_client *c)
{
	c->closing = true;
	client_flush(c);
}

void ctl_server_broadcast(struct ctl_server *srv, const char *line)
{
	for (struct ctl_client *c = srv->clients; c; c = c->next)
		if (c->subscribed && !c->dead)
			ctl_client_send(c, line);
}

static void client_read(struct ctl_client *c)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctl_client_drop(c, strerror(errno));
			return;
		}
		if (n == 0) {
			/* Peer is done sending: answer what it asked, then close. */
			ctl_client_close_after_flush(c);
			return;
		}
		if (rig_linebuf_feed(&c->in, buf, (size_t)n) < 0) {
			char why[80];
			snprintf(why, sizeof(why), "request line longer than %d bytes", CTL_MAX_LINE);
			char *line = ctl_error_line(why);
			if (line) {
				/* Best effort: the client is dropped whatever happens. */
				ssize_t ignored = send(c->fd, line, strlen(line), MSG_NOSIGNAL);
				(void)ignored;
				free(line);
			}
			ctl_client_drop(c, why);
			return;
		}
		char *line;
		while (!c->dead && !c->closing && rig_linebuf_next(&c->in, &line) == 1) {
			if (line[0] == '\0')
				continue;
			c->server->on_request(c->server, c, line, c->server->data);
		}
		if (c->dead || c->closing)
			return;
	}
}

static void client_event(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	struct ctl_client *c = data;
	if (events & EPOLLIN)
		client_read(c);
	if (!c->dead && (events & EPOLLOUT))
		client_flush(c);
	if (!c->dead && (events & (EPOLLERR | EPOLLHUP)))
		ctl_client_drop(c, "connection closed");
}

static void accept_clients(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	struct ctl_server *srv = data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control socket accept: %s", strerror(errno));
			return;
		}
		struct ctl_client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->id = ++srv->next_id;
		c->server = srv;
		rig_linebuf_init(&c->in, CTL_MAX_LINE);
		rig_outbuf_init(&c->out, srv->out_max);
		if (rig_loop_add(loop, cfd, EPOLLIN | EPOLLRDHUP, client_event, c) < 0) {
			close(cfd);
			rig_linebuf_free(&c->in);
			rig_outbuf_free(&c->out);
			free(c);
			continue;
		}
		c->next = srv->clients;
		srv->clients = c;
		log_debug("control client %u connected", c->id);
	}
}

bool ctl_socket_live(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return false;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return false;
	bool live = connect(probe, (const struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(probe);
	return live;
}

/* A socket file nobody listens on is left over from a crash: replace it. */
static int clear_stale_socket(const struct sockaddr_un *addr, struct rig_error *err)
{
	struct stat st;
	if (lstat(addr->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return rig_error_set(err, addr->sun_path, 0, "exists and is not a socket");
	if (ctl_socket_live(addr->sun_path))
		return rig_error_set(err, addr->sun_path, 0,
				     "another daemon is listening on this socket");
	unlink(addr->sun_path);
	return 0;
}

int ctl_server_open(struct ctl_server *srv, struct rig_loop *loop, const char *path,
		    const char *group, ctl_request_fn on_request, void *data,
		    struct rig_error *err)
{
	memset(srv, 0, sizeof(*srv));
	srv->listen_fd = -1;
	srv->loop = loop;
	srv->on_request = on_request;
	srv->data = data;
	srv->out_max = CTL_OUT_MAX;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return rig_error_set(err, path, 0, "socket path longer than %zu characters",
				     sizeof(addr.sun_path) - 1);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	if (clear_stale_socket(&addr, err) < 0)
		return -1;

	gid_t gid = (gid_t)-1;
	if (group && group[0]) {
		struct group *gr = getgrnam(group);
		if (!gr)
			return rig_error_set(err, path, 0, "socket group \"%s\" does not exist",
					     group);
		gid = gr->gr_gid;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rig_error_set(err, path, 0, "socket: %s", strerror(errno));
	/* Never a moment with wider permissions than 0660. */
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0) {
		rig_error_set(err, path, 0, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
		rig_error_set(err, path, 0, "setting owner/mode: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (listen(fd, 16) < 0 || rig_loop_add(loop, fd, EPOLLIN, accept_clients, srv) < 0) {
		rig_error_set(err, path, 0, "listen: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	srv->listen_fd = fd;
	return 0;
}

void ctl_server_sweep(struct ctl_server *srv)
{
	struct ctl_client **pp = &srv->clients;
	while (*pp) {
		struct ctl_client *c = *pp;
		if (c->dead) {
			*pp = c->next;
			rig_linebuf_free(&c->in);
			rig_outbuf_free(&c->out);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

int ctl_server_client_count(const struct ctl_server *srv)
{
	int n = 0;
	for (const struct ctl_client *c = srv->clients; c; c = c->next)
		if (!c->dead)
			n++;
	return n;
}

void ctl_server_close(struct ctl_server *srv)
{
	for (struct ctl_client *c = srv->clients; c; c = c->next) {
		if (!c->dead) {
			/* One last attempt to deliver what is queued (e.g. the final "done"). */
			rig_outbuf_flush(&c->out, c->fd);
			ctl_client_drop(c, NULL);
		}
	}
	ctl_server_sweep(srv);
	if (srv->listen_fd >= 0) {
		rig_loop_remove(srv->loop, srv->listen_fd);
		close(srv->listen_fd);
		unlink(srv->path);
		srv->listen_fd = -1;
	}
}
