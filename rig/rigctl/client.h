/* rigctl's side of the control socket: connect, send one request line,
 * read lines (replies and events) with a timeout. */
#ifndef RIG_RIGCTL_CLIENT_H
#define RIG_RIGCTL_CLIENT_H

#include <cjson/cJSON.h>

#include "rig/common/jsonl.h"

struct rig_client {
	int fd;
	struct rig_linebuf in;
	char error[512];
};

int rig_client_connect(struct rig_client *c, const char *socket_path);
void rig_client_close(struct rig_client *c);
int rig_client_send(struct rig_client *c, const cJSON *request);
/* Next JSON line: 1 with *ret (caller frees), 0 on timeout (timeout_ms >= 0)
 * or an interrupting signal, -1 when the connection is gone or sends junk. */
int rig_client_next(struct rig_client *c, int timeout_ms, cJSON **ret);
/* Sends request and waits for its reply (the first line with "ok"), events
 * before it are dropped. NULL on error (c->error says). */
cJSON *rig_client_call(struct rig_client *c, const cJSON *request, int timeout_ms);

#endif
