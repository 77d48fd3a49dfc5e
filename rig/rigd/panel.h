/* The operator panel: rigd serves it over HTTP (libmicrohttpd) when `http`
 * is configured. Pages are static files (panel_dir, else the install or
 * source tree next to rigd); live updates are Server-Sent Events.
 *
 * The panel is a control-socket client inside rigd: every action (start,
 * abort, queries) is sent as a request line to rigd's own control socket
 * and handled by requests.c like rigctl's, and the event stream is the
 * socket's events. HTTP runs in libmicrohttpd's threads, so a slow or
 * hostile browser never holds up the event loop, which sees the panel as
 * one more client with the same per-turn budget. Documented in
 * rig/README.md, "The operator panel". */
#ifndef RIG_RIGD_PANEL_H
#define RIG_RIGD_PANEL_H

#include "rig/core/error.h"
#include "rig/rigd/config.h"

struct panel;

/* Listens on cfg->http (ADDR:PORT, IPv4 or [IPv6]). NULL with err. */
struct panel *panel_start(const struct rigd_config *cfg, struct rig_error *err);
/* Ends every stream and connection; NULL is a no-op. */
void panel_stop(struct panel *p);
/* "http://ADDR:PORT/" as it listens. */
const char *panel_url(const struct panel *p);

/* Parses ADDR:PORT into a socket address. 0 or -1 with err. */
struct sockaddr_storage;
int panel_parse_addr(const char *text, struct sockaddr_storage *ret, unsigned *ret_len,
		     struct rig_error *err);

#endif
