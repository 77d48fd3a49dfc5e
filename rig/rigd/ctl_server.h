/* The control socket: a Unix stream socket, many clients at once, one JSON
 * request per line. Reads and writes never block: each client has an input
 * line buffer (a line longer than CTL_MAX_LINE drops the client) and a
 * capped output buffer (a client too slow to read its replies and events is
 * dropped rather than stalling the daemon). */
#ifndef RIG_RIGD_CTL_SERVER_H
#define RIG_RIGD_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/common/jsonl.h"
#include "rig/core/error.h"
#include "rig/rigd/loop.h"

#define CTL_OUT_MAX (1024 * 1024)	/* queued output per client */
#define CTL_MAX_CLIENTS 32		/* more are refused with a JSON error */
/* A client's share of one loop turn: requests handled, bytes read. */
#define CTL_TURN_REQUESTS 8
#define CTL_TURN_BYTES 65536
#define CTL_TURN_ACCEPTS 16
#define CTL_LOG_EVERY_NS (10 * 1000000000LL)	/* repeated warnings: one per 10 s */

struct ctl_client {
	int fd;
	unsigned id;
	struct rig_linebuf in;
	struct rig_outbuf out;
	bool subscribed;
	bool closing;		/* close once the output is written */
	bool eof;		/* the peer sent everything it will send */
	bool dead;		/* freed at the next sweep */
	struct ctl_client *next;
	struct ctl_server *server;
};

struct ctl_server;
/* One complete request line from a client. */
typedef void (*ctl_request_fn)(struct ctl_server *srv, struct ctl_client *c, char *line,
			       void *data);

struct ctl_server {
	int listen_fd;
	char path[108];
	struct rig_loop *loop;
	struct ctl_client *clients;
	unsigned next_id;
	size_t out_max;
	int max_clients;
	int reserve_fd;		/* given up to refuse a client when out of descriptors */
	bool paused;		/* listener off: out of descriptors, no reserve */
	int64_t log_quiet_until;
	unsigned log_suppressed;
	ctl_request_fn on_request;
	void *data;
};

/* Binds path (a stale socket file is replaced; a live one is refused),
 * mode 0660, group `group` when not empty, and listens on loop. */
int ctl_server_open(struct ctl_server *srv, struct rig_loop *loop, const char *path,
		    const char *group, ctl_request_fn on_request, void *data,
		    struct rig_error *err);
/* True when a daemon answers on path (connect succeeds). */
bool ctl_socket_live(const char *path);
/* Closes every client and the socket, and removes the socket file. */
void ctl_server_close(struct ctl_server *srv);

/* Queues a line (must end with '\n'). Over the cap: the client is dropped
 * and -1 returned. */
int ctl_client_send(struct ctl_client *c, const char *line);
/* To every subscribed client. */
void ctl_server_broadcast(struct ctl_server *srv, const char *line);
/* Sends what is queued, then closes. */
void ctl_client_close_after_flush(struct ctl_client *c);
/* Drops at once. */
void ctl_client_drop(struct ctl_client *c, const char *why);

/* The client with this id while it can still be answered (connected, not
 * at its end of input, not closing), NULL otherwise. */
struct ctl_client *ctl_server_client(struct ctl_server *srv, unsigned id);
/* True when the peer has hung up (closed, killed) even though the loop has
 * not read its end of input yet: a look at the socket, nothing consumed. */
bool ctl_client_hung_up(const struct ctl_client *c);

/* Frees dropped clients; call after each loop iteration. */
void ctl_server_sweep(struct ctl_server *srv);
int ctl_server_client_count(const struct ctl_server *srv);

#endif
