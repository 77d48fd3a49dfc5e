/* Shared by the panel's files: panel.c (server, static files), panel_api.c
 * (the JSON API), panel_stream.c (Server-Sent Events). */
#ifndef RIG_RIGD_PANEL_INTERNAL_H
#define RIG_RIGD_PANEL_INTERNAL_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "rig/rigd/panel.h"
#include "rig/rigd/panel_auth.h"
#include "rig/rigd/panel_lockout.h"

#define PANEL_MAX_BODY (64 * 1024)
/* What anyone who reaches the address may hold of rigd's CTL_MAX_CLIENTS
 * (32) control clients: a stream holds one for as long as it is open, a
 * read (GET /api/...) one per request. Together at most half, so rigctl
 * (abort, safe-off, a start) and a signed-in user's writes always find one. */
#define PANEL_MAX_STREAMS 8
#define PANEL_MAX_READS 8
#define PANEL_MAX_CONNECTIONS 48
#define PANEL_CALL_MS 10000		/* a request's reply from rigd */
#define PANEL_MAX_HOSTS 64
#define PANEL_HOST_LEN 72

struct panel {
	struct MHD_Daemon *mhd;
	struct panel_auth auth;
	struct panel_lockout lockout;
	/* The names (Host header, port aside) it answers to: a page of
	 * another site that rebinds its name to this address is refused. */
	char hosts[PANEL_MAX_HOSTS][PANEL_HOST_LEN];
	int n_hosts;
	/* In every page (GET /api/session): ABORT needs it, not a sign-in. */
	char page_token[PANEL_TOKEN_HEX + 1];
	char socket_path[108];
	char dir[256];
	char database[256];
	char profiles_dir[256];
	char url[96];
	atomic_bool stopping;
	atomic_int streams;
	atomic_int reads;		/* GET /api/... requests being answered */
};

/* A POST body, gathered over the handler's calls. */
struct panel_body {
	char *data;
	size_t len;
	bool too_big;
};

/* Sends body with the panel's headers (no caching of API answers, no
 * framing, nosniff). */
enum MHD_Result panel_send(struct MHD_Connection *conn, unsigned status, const char *type,
			   const void *body, size_t len);
/* A report (a certificate) as an HTML document of its own. */
enum MHD_Result panel_send_document(struct MHD_Connection *conn, const char *html, size_t len);
/* Sends obj (freed). */
enum MHD_Result panel_send_json(struct MHD_Connection *conn, unsigned status, cJSON *obj);
enum MHD_Result panel_send_error(struct MHD_Connection *conn, unsigned status, const char *why);

/* The client's address as text ("?" when unknown). */
void panel_client_address(struct MHD_Connection *conn, char *out, size_t len);

/* One request to rigd's control socket (request freed); its reply, or NULL
 * with why. */
cJSON *panel_ctl_call(struct panel *p, cJSON *request, char *why, size_t why_len);

/* The names it answers to: the local ones, the listening address (each
 * of this machine's when it listens on all), configured (space- or
 * comma-separated). */
struct sockaddr_storage;
void panel_hosts_init(struct panel *p, const char *configured,
		      const struct sockaddr_storage *addr);
/* Whether a request's Host header (port or none) names this panel. */
bool panel_host_ok(const struct panel *p, const char *host);

enum MHD_Result panel_api_get(struct panel *p, struct MHD_Connection *conn, const char *url);
enum MHD_Result panel_api_post(struct panel *p, struct MHD_Connection *conn, const char *url,
			       struct panel_body *body);
enum MHD_Result panel_stream(struct panel *p, struct MHD_Connection *conn);

#endif
