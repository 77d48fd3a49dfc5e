/* Functions shared by rigd's files (daemon.c: life cycle; run.c: the run
 * and its devices; requests.c: the control requests). */
#ifndef RIG_RIGD_DAEMON_INTERNAL_H
#define RIG_RIGD_DAEMON_INTERNAL_H

#include "rig/rigd/daemon.h"

/* run.c */
int run_start(struct rigd *d, const struct ctl_request *req, char *ret_run_id, size_t id_len,
	      char *why, size_t why_len);
void run_abort(struct rigd *d, const char *reason);
void run_fault(struct rigd *d, const char *reason);
void run_pump(struct rigd *d);
void run_rearm(struct rigd *d);
void run_on_timer(struct rig_loop *loop, int64_t now_ns, void *data);
int source_connect(struct rigd *d, struct rig_error *err);
void source_disconnect(struct rigd *d);
/* Blocking output off, whatever the poll path was doing. 0 when the
 * instrument confirmed it. */
int source_force_off(struct rigd *d, const char *why);
int edges_connect(struct rigd *d, struct rig_error *err);
void edges_disconnect(struct rigd *d);

/* requests.c */
void requests_handle(struct ctl_server *srv, struct ctl_client *c, char *line, void *data);
void broadcast_json(struct rigd *d, cJSON *obj);	/* frees obj */
void reply_json(struct ctl_client *c, cJSON *obj);	/* frees obj */
/* After each loop turn: the queue loses starts whose client went away, and
 * its first start runs when the bench is free. */
void requests_after_turn(struct rigd *d);
/* Empties the queue: each waiting client is told why (exit 4 for rigctl). */
void requests_queue_clear(struct rigd *d, const char *why);

#endif
