#include "tests/unit/fake_edge.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct fake_edge {
	const char *const *chunks;
	int close_at_end;
	int listen_fd;
	char spec[64];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int released;		/* chunks the test has let go (the first is free) */
	int stopping;
	char sub[256];
	int have_sub;
};

static int wait_release(struct fake_edge *f, int i)
{
	pthread_mutex_lock(&f->lock);
	while (f->released < i && !f->stopping)
		pthread_cond_wait(&f->cond, &f->lock);
	int go = !f->stopping;
	pthread_mutex_unlock(&f->lock);
	return go;
}

static void *fake_thread(void *arg)
{
	struct fake_edge *f = arg;
	int fd = accept(f->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	char buf[256];
	size_t len = 0;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	pthread_mutex_lock(&f->lock);
	snprintf(f->sub, sizeof(f->sub), "%s", buf);
	f->have_sub = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	for (int i = 0; f->chunks[i]; i++) {
		if (!wait_release(f, i))
			break;
		if (send(fd, f->chunks[i], strlen(f->chunks[i]), MSG_NOSIGNAL) < 0)
			break;
	}
	if (!f->close_at_end) {
		pthread_mutex_lock(&f->lock);
		while (!f->stopping)
			pthread_cond_wait(&f->cond, &f->lock);
		pthread_mutex_unlock(&f->lock);
	}
	close(fd);
	return NULL;
}

struct fake_edge *fake_edge_start(const char *const *chunks, int close_at_end)
{
	struct fake_edge *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->chunks = chunks;
	f->close_at_end = close_at_end;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(f->listen_fd, 1) < 0 || getsockname(f->listen_fd, (struct sockaddr *)&a, &al) < 0) {
		if (f->listen_fd >= 0)
			close(f->listen_fd);
		free(f);
		return NULL;
	}
	snprintf(f->spec, sizeof(f->spec), "sim:127.0.0.1:%d", ntohs(a.sin_port));
	pthread_create(&f->thread, NULL, fake_thread, f);
	return f;
}

const char *fake_edge_spec(const struct fake_edge *f)
{
	return f->spec;
}

void fake_edge_next(struct fake_edge *f)
{
	pthread_mutex_lock(&f->lock);
	f->released++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

const char *fake_edge_sub(struct fake_edge *f)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&f->lock);
	while (!f->have_sub)
		if (pthread_cond_timedwait(&f->cond, &f->lock, &until) != 0)
			break;
	pthread_mutex_unlock(&f->lock);
	return f->sub;
}

void fake_edge_stop(struct fake_edge *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopping = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	/* a thread still in accept() is woken by shutting the socket down */
	shutdown(f->listen_fd, SHUT_RDWR);
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
