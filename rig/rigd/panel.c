/* The panel's HTTP server: libmicrohttpd with a thread per connection,
 * routing, static files, and the one way to rigd: its control socket. */
#include "rig/rigd/panel_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/rigctl/client.h"

#define PANEL_MAX_FILE (1024 * 1024)

static enum MHD_Result send_with(struct MHD_Connection *conn, unsigned status, const char *type,
				  const void *body, size_t len, const char *frame, const char *csp)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", frame);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result panel_send(struct MHD_Connection *conn, unsigned status, const char *type,
			   const void *body, size_t len)
{
	return send_with(conn, status, type, body, len, "DENY",
			 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
}

enum MHD_Result panel_send_document(struct MHD_Connection *conn, const char *html, size_t len)
{
	/* A report: its own inline style, no script, framed only by the
	 * panel's print page. */
	return send_with(conn, 200, "text/html; charset=utf-8", html, len, "SAMEORIGIN",
			 "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
			 "frame-ancestors 'self'");
}

enum MHD_Result panel_send_json(struct MHD_Connection *conn, unsigned status, cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	cJSON_Delete(obj);
	if (!text)
		return panel_send(conn, 500, "text/plain", "out of memory\n", 14);
	enum MHD_Result rc = panel_send(conn, status, "application/json", text, strlen(text));
	free(text);
	return rc;
}

enum MHD_Result panel_send_error(struct MHD_Connection *conn, unsigned status, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddStringToObject(o, "error", why);
	return panel_send_json(conn, status, o);
}

cJSON *panel_ctl_call(struct panel *p, cJSON *request, char *why, size_t why_len)
{
	struct rig_client c;
	cJSON *reply = NULL;
	if (rig_client_connect(&c, p->socket_path) == 0) {
		reply = rig_client_call(&c, request, PANEL_CALL_MS);
		if (!reply)
			snprintf(why, why_len, "rigd: %s", c.error[0] ? c.error : "no reply");
	} else {
		snprintf(why, why_len, "%s", c.error);
	}
	rig_client_close(&c);
	cJSON_Delete(request);
	return reply;
}

/* --- static files ---------------------------------------------------------- */

static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return NULL;
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	return NULL;
}

/* Plain names only: letters, digits, '-', '_', one '.' for the type. */
static bool file_name_ok(const char *name)
{
	if (!name[0] || name[0] == '.' || strlen(name) > 64)
		return false;
	int dots = 0;
	for (const char *s = name; *s; s++) {
		if (*s == '.')
			dots++;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	}
	return dots == 1;
}

static enum MHD_Result serve_static(struct panel *p, struct MHD_Connection *conn, const char *url)
{
	const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
	const char *type = content_type(name);
	if (!file_name_ok(name) || !type)
		return panel_send(conn, 404, "text/plain", "not found\n", 10);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return panel_send(conn, 404, "text/plain", "not found\n", 10);
	char *buf = malloc(PANEL_MAX_FILE);
	size_t n = buf ? fread(buf, 1, PANEL_MAX_FILE, f) : 0;
	fclose(f);
	if (!buf)
		return panel_send(conn, 500, "text/plain", "out of memory\n", 14);
	enum MHD_Result rc = panel_send(conn, 200, type, buf, n);
	free(buf);
	return rc;
}

/* --- routing --------------------------------------------------------------- */

void panel_client_address(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)len);
}

static enum MHD_Result refuse_host(struct panel *p, struct MHD_Connection *conn,
				   const char *host)
{
	char from[INET6_ADDRSTRLEN], text[300];
	panel_client_address(conn, from, sizeof(from));
	log_notice("panel: refused a request from %s for host \"%.80s\": not a name this panel "
		   "serves (http_hosts in rigd.conf)", from, host ? host : "(none)");
	int n = snprintf(text, sizeof(text),
			 "This panel does not answer to the name \"%.80s\". Open it as %s, or add "
			 "the name to http_hosts in rigd.conf.\n", host ? host : "", p->url);
	return panel_send(conn, 421, "text/plain; charset=utf-8", text,
			  n < (int)sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct panel *p = cls;
	/* before anything else, on the request's first call */
	if (!*con_cls) {
		const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
		if (!panel_host_ok(p, host))
			return refuse_host(p, conn, host);
	}
	if (strcmp(method, "POST") == 0) {
		struct panel_body *b = *con_cls;
		if (!b) {
			b = calloc(1, sizeof(*b));
			*con_cls = b;
			return b ? MHD_YES : MHD_NO;
		}
		if (*upload_size) {
			if (b->len + *upload_size > PANEL_MAX_BODY) {
				b->too_big = true;
			} else {
				char *nd = realloc(b->data, b->len + *upload_size + 1);
				if (!nd)
					return MHD_NO;
				b->data = nd;
				memcpy(b->data + b->len, upload, *upload_size);
				b->len += *upload_size;
				b->data[b->len] = '\0';
			}
			*upload_size = 0;
			return MHD_YES;
		}
		if (b->too_big)
			return panel_send_error(conn, 413, "request larger than 64 KiB");
		return panel_api_post(p, conn, url, b);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return panel_send_error(conn, 405, "GET or POST only");
	if (strcmp(url, "/api/events") == 0)
		return panel_stream(p, conn);
	if (strncmp(url, "/api/", 5) == 0) {
		if (atomic_fetch_add(&p->reads, 1) >= PANEL_MAX_READS) {
			atomic_fetch_sub(&p->reads, 1);
			return panel_send_error(conn, 503, "the panel is busy; try again");
		}
		enum MHD_Result rc = panel_api_get(p, conn, url);
		atomic_fetch_sub(&p->reads, 1);
		return rc;
	}
	return serve_static(p, conn, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)conn, (void)why;
	struct panel_body *b = *con_cls;
	if (b) {
		free(b->data);
		free(b);
	}
	*con_cls = NULL;
}

/* --- start and stop -------------------------------------------------------- */

/* libmicrohttpd's messages (a peer that went away, a malformed request)
 * in rigd's log, at info: a browser's mistakes are not the bench's. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[300];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_info("panel: http: %s", msg);
}

int panel_parse_addr(const char *text, struct sockaddr_storage *ret, unsigned *ret_len,
		     struct rig_error *err)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text || strlen(text) >= sizeof(host))
		return rig_error_set(err, NULL, 0, "http: \"%s\" is not ADDR:PORT", text);
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || errno || port < 0 || port > 65535)
		return rig_error_set(err, NULL, 0, "http: port of \"%s\" is not 0..65535", text);
	size_t hl = (size_t)(colon - text);
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ret;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return rig_error_set(err, NULL, 0, "http: \"%s\" is not an IPv6 address",
					     host + 1);
		*ret_len = sizeof(*a6);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ret;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return rig_error_set(err, NULL, 0, "http: \"%s\" is not an IPv4 address or [IPv6]",
				     host);
	*ret_len = sizeof(*a4);
	return 0;
}

static bool has_index(const char *dir)
{
	char path[PATH_MAX + 16];
	return snprintf(path, sizeof(path), "%s/index.html", dir) < (int)sizeof(path) &&
	       access(path, R_OK) == 0;
}

/* The configured directory, else the install tree next to rigd
 * (bin/../share/rig/panel), else the source tree (build/[san/]rigd). */
static int find_dir(const struct rigd_config *cfg, char *out, size_t len, struct rig_error *err)
{
	if (cfg->panel_dir[0]) {
		if (!has_index(cfg->panel_dir))
			return rig_error_set(err, cfg->panel_dir, 0, "panel_dir: no index.html");
		snprintf(out, len, "%s", cfg->panel_dir);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		const char *dir = dirname(exe);
		static const char *const rel[] = {"../share/rig/panel", "../panel", "../../panel"};
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char cand[PATH_MAX + 32];
			snprintf(cand, sizeof(cand), "%s/%s", dir, rel[i]);
			char real[PATH_MAX];
			if (realpath(cand, real) && has_index(real) && strlen(real) < len) {
				snprintf(out, len, "%s", real);
				return 0;
			}
		}
	}
	static const char *const fixed[] = {"/usr/local/share/rig/panel", "/usr/share/rig/panel"};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (has_index(fixed[i])) {
			snprintf(out, len, "%s", fixed[i]);
			return 0;
		}
	return rig_error_set(err, NULL, 0,
			     "panel: no static files found (set panel_dir, or install panel/ "
			     "into /usr/local/share/rig/panel)");
}

static void format_url(struct panel *p, const struct sockaddr_storage *addr)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		port = ntohs(a6->sin6_port);
		snprintf(p->url, sizeof(p->url), "http://[%s]:%u/", host, port);
		return;
	}
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)addr;
	inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
	port = ntohs(a4->sin_port);
	snprintf(p->url, sizeof(p->url), "http://%s:%u/", host, port);
}

struct panel *panel_start(const struct rigd_config *cfg, struct rig_error *err)
{
	struct sockaddr_storage addr;
	unsigned addr_len = 0;
	if (panel_parse_addr(cfg->http, &addr, &addr_len, err) < 0)
		return NULL;
	struct panel *p = calloc(1, sizeof(*p));
	if (!p) {
		rig_error_set(err, NULL, 0, "out of memory");
		return NULL;
	}
	snprintf(p->socket_path, sizeof(p->socket_path), "%s", cfg->socket_path);
	snprintf(p->database, sizeof(p->database), "%s", cfg->database);
	snprintf(p->profiles_dir, sizeof(p->profiles_dir), "%s", cfg->profiles_dir);
	atomic_init(&p->stopping, false);
	atomic_init(&p->streams, 0);
	atomic_init(&p->reads, 0);
	struct panel_lock_policy lock = {cfg->signin_lock_after, cfg->signin_lock_s,
					 cfg->signin_lock_max_s};
	panel_lockout_init(&p->lockout, &lock);
	if (panel_auth_init(&p->auth, cfg->operators, err) < 0 ||
	    find_dir(cfg, p->dir, sizeof(p->dir), err) < 0) {
		panel_auth_free(&p->auth);
		panel_lockout_free(&p->lockout);
		free(p);
		return NULL;
	}
	panel_token_new(p->page_token);
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	p->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, p,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, p,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)PANEL_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
				  MHD_OPTION_END);
	if (!p->mhd) {
		rig_error_set(err, NULL, 0, "http: cannot listen on %s (address in use?)", cfg->http);
		panel_auth_free(&p->auth);
		panel_lockout_free(&p->lockout);
		free(p);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(p->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info && addr.ss_family == AF_INET)
		((struct sockaddr_in *)&addr)->sin_port = htons(info->port);
	else if (info)
		((struct sockaddr_in6 *)&addr)->sin6_port = htons(info->port);
	format_url(p, &addr);
	panel_hosts_init(p, cfg->http_hosts, &addr);
	log_notice("panel on %s (files %s, %d operator line(s)%s)", p->url, p->dir, p->auth.n_ops,
		   p->auth.n_ops ? "" : ": read-only, nobody can sign in");
	(void)addr_len;
	return p;
}

const char *panel_url(const struct panel *p)
{
	return p ? p->url : "";
}

void panel_stop(struct panel *p)
{
	if (!p)
		return;
	atomic_store(&p->stopping, true);
	MHD_stop_daemon(p->mhd);
	panel_auth_free(&p->auth);
	panel_lockout_free(&p->lockout);
	free(p);
}
