#include "rig/rigd/ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/control.h"

static void client_update_events(struct ctl_client *c)
{
	if (c->dead)
		return;
	/* Closing: only the output matters; its input is not read any more
	 * and must not keep waking the loop. */
	uint32_t ev = c->closing ? 0 : EPOLLIN | EPOLLRDHUP;
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

static void refuse_long_line(struct ctl_client *c)
{
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
}

/* One read of at most CTL_TURN_BYTES. 1 when bytes came, 0 when there is
 * nothing now, -1 when the client is gone or at its end of input. */
static int client_fill(struct ctl_client *c)
{
	char buf[CTL_TURN_BYTES];
	ssize_t n;
	do
		n = read(c->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		ctl_client_drop(c, strerror(errno));
		return -1;
	}
	if (n == 0) {
		c->eof = true;
		return -1;
	}
	if (rig_linebuf_feed(&c->in, buf, (size_t)n) < 0) {
		refuse_long_line(c);
		return -1;
	}
	return 1;
}

/* A fair share per turn: at most CTL_TURN_REQUESTS requests and one read
 * of CTL_TURN_BYTES, so a client streaming requests cannot hold the loop;
 * what is left waits for the next turn, after the devices and the other
 * clients have had theirs. */
static void client_read(struct ctl_client *c)
{
	int served = 0;
	bool filled = false;
	char *line;
	while (!c->dead && !c->closing && served < CTL_TURN_REQUESTS) {
		if (rig_linebuf_next(&c->in, &line) == 1) {
			if (line[0] == '\0')
				continue;
			c->server->on_request(c->server, c, line, c->server->data);
			served++;
			continue;
		}
		if (filled || c->eof || client_fill(c) <= 0)
			break;
		filled = true;
	}
	if (c->dead || c->closing)
		return;
	if (served == CTL_TURN_REQUESTS) {
		/* Lines may be waiting in the buffer with nothing new on the
		 * socket to wake us: ask for the next turn. Bytes still on the
		 * socket wake the loop anyway (level-triggered). */
		rig_loop_more(c->server->loop, c->fd);
		return;
	}
	/* Peer is done sending and every request it sent is answered: close. */
	if (c->eof)
		ctl_client_close_after_flush(c);
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
	/* A hang-up with input left: what was sent is still acted upon (an
	 * abort, say); the end of input closes the client after that. */
	if (!c->dead && ((events & EPOLLERR) || ((events & EPOLLHUP) && !(events & EPOLLIN))))
		ctl_client_drop(c, "connection closed");
}

/* At most one line per CTL_LOG_EVERY_NS for a repeated condition (a full
 * server, no descriptors left), with the count of the ones left out. */
static void log_limited(struct ctl_server *srv, const char *what)
{
	int64_t now = rig_monotonic_ns();
	if (srv->log_quiet_until && now < srv->log_quiet_until) {
		srv->log_suppressed++;
		return;
	}
	if (srv->log_suppressed)
		log_warn("control socket: %s (%u more like it not logged)", what,
			 srv->log_suppressed);
	else
		log_warn("control socket: %s", what);
	srv->log_suppressed = 0;
	srv->log_quiet_until = now + CTL_LOG_EVERY_NS;
}

/* The refusal is one JSON error line, then the connection closes. */
static void refuse(int cfd, const char *why)
{
	char *line = ctl_error_line(why);
	if (line) {
		ssize_t ignored = send(cfd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)ignored;
		free(line);
	}
	close(cfd);
}

static void reserve_fd_open(struct ctl_server *srv)
{
	if (srv->reserve_fd < 0)
		srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Out of descriptors (EMFILE/ENFILE): the pending connection would stay
 * ready for ever and the loop would spin on it. The descriptor kept in
 * reserve is given up for a moment to accept it, refuse it, and close it.
 * Without a reserve the listener is paused until a sweep can take one
 * again (a client leaving frees one). */
static int accept_out_of_fds(struct ctl_server *srv, int err_no)
{
	char what[120];
	snprintf(what, sizeof(what), "no file descriptor for a new client (%s); refusing it",
		 strerror(err_no));
	log_limited(srv, what);
	if (srv->reserve_fd < 0) {
		rig_loop_modify(srv->loop, srv->listen_fd, 0);
		srv->paused = true;
		return -1;
	}
	close(srv->reserve_fd);
	srv->reserve_fd = -1;
	int cfd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd >= 0)
		refuse(cfd, "rigd is out of file descriptors; try again later");
	reserve_fd_open(srv);
	return cfd >= 0 ? 0 : -1;
}

static void accept_clients(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	struct ctl_server *srv = data;
	/* A bounded batch per turn, like any client's requests. */
	for (int i = 0; i < CTL_TURN_ACCEPTS; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				if (accept_out_of_fds(srv, errno) < 0)
					return;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_limited(srv, strerror(errno));
			return;
		}
		if (ctl_server_client_count(srv) >= srv->max_clients) {
			char why[120];
			snprintf(why, sizeof(why), "too many control clients (%d connected); try again later",
				 srv->max_clients);
			log_limited(srv, why);
			refuse(cfd, why);
			continue;
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
		rig_loop_set_priority(loop, cfd, RIG_LOOP_PRIO_CLIENT);
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
	srv->reserve_fd = -1;
	srv->max_clients = CTL_MAX_CLIENTS;
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
	rig_loop_set_priority(loop, fd, RIG_LOOP_PRIO_LISTENER);
	srv->listen_fd = fd;
	reserve_fd_open(srv);
	return 0;
}

void ctl_server_sweep(struct ctl_server *srv)
{
	if (srv->paused) {
		reserve_fd_open(srv);
		if (srv->reserve_fd >= 0 &&
		    rig_loop_modify(srv->loop, srv->listen_fd, EPOLLIN) == 0)
			srv->paused = false;
	}
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

struct ctl_client *ctl_server_client(struct ctl_server *srv, unsigned id)
{
	for (struct ctl_client *c = srv->clients; c; c = c->next)
		if (c->id == id)
			return c->dead || c->closing || c->eof ? NULL : c;
	return NULL;
}

bool ctl_client_hung_up(const struct ctl_client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
	int n;
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return true;	/* not a socket we can use any more */
	return (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) != 0;
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
	if (srv->reserve_fd >= 0)
		close(srv->reserve_fd);
	srv->reserve_fd = -1;
}
