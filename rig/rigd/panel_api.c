/* The panel's JSON API. Reads are open to every viewer; every write needs
 * a signed-in session and its CSRF token, and goes to rigd as a control
 * request with the signed-in user as the operator. ABORT alone needs no
 * sign-in (whoever stands at a live bench must be able to stop it), only
 * the page's token. */
#include "rig/rigd/panel_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/certificate.h"
#include "rig/common/jsonl.h"
#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/model_check.h"
#include "rig/store/store.h"

#define COOKIE "rig_session"

static bool session_of(struct panel *p, struct MHD_Connection *conn, struct panel_session *ret)
{
	const char *token = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
	return token && panel_session_find(&p->auth, token, time(NULL), ret) == 0;
}

static enum MHD_Result forward(struct MHD_Connection *conn, cJSON *reply, const char *why)
{
	if (!reply)
		return panel_send_error(conn, 502, why);
	bool ok = cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"));
	return panel_send_json(conn, ok ? 200 : 422, reply);
}

static enum MHD_Result ctl_forward(struct panel *p, struct MHD_Connection *conn, cJSON *request)
{
	char why[300];
	cJSON *reply = panel_ctl_call(p, request, why, sizeof(why));
	return forward(conn, reply, why);
}

/* --- reads ----------------------------------------------------------------- */

static enum MHD_Result api_session(struct panel *p, struct MHD_Connection *conn)
{
	struct panel_session s;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddBoolToObject(o, "sign_in", p->auth.n_ops > 0);
	cJSON_AddStringToObject(o, "page_token", p->page_token);
	if (session_of(p, conn, &s)) {
		cJSON *u = cJSON_AddObjectToObject(o, "user");
		cJSON_AddStringToObject(u, "name", s.user.name);
		cJSON_AddStringToObject(u, "role", panel_role_name(s.user.role));
		cJSON_AddStringToObject(o, "csrf", s.csrf);
	} else {
		cJSON_AddNullToObject(o, "user");
	}
	return panel_send_json(conn, 200, o);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(cJSON_GetStringValue(*(cJSON *const *)a),
		      cJSON_GetStringValue(*(cJSON *const *)b));
}

static enum MHD_Result api_profiles(struct panel *p, struct MHD_Connection *conn)
{
	DIR *dir = opendir(p->profiles_dir);
	if (!dir)
		return panel_send_error(conn, 500, "the profiles directory cannot be read");
	cJSON *items[128];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && n < 128) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 8 || strcmp(e->d_name + len - 8, ".profile") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(len - 8), e->d_name);
		items[n++] = cJSON_CreateString(name);
	}
	closedir(dir);
	qsort(items, (size_t)n, sizeof(items[0]), by_name);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON *arr = cJSON_AddArrayToObject(o, "profiles");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, items[i]);
	return panel_send_json(conn, 200, o);
}

static void copy_arg(struct MHD_Connection *conn, cJSON *req, const char *key, bool number)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
	if (!v || !v[0])
		return;
	char *end;
	double d = strtod(v, &end);
	if (number && *end == '\0')
		cJSON_AddNumberToObject(req, key, d);
	else
		cJSON_AddStringToObject(req, key, v);
}

static enum MHD_Result api_results(struct panel *p, struct MHD_Connection *conn)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "results");
	copy_arg(conn, req, "serial", false);
	copy_arg(conn, req, "model", false);
	copy_arg(conn, req, "verdict", false);
	copy_arg(conn, req, "since", false);
	copy_arg(conn, req, "until", false);
	copy_arg(conn, req, "limit", true);
	copy_arg(conn, req, "after", false);
	return ctl_forward(p, conn, req);
}

static enum MHD_Result api_run(struct panel *p, struct MHD_Connection *conn)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
	if (!id || !id[0])
		return panel_send_error(conn, 400, "run: give ?id=");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "run");
	cJSON_AddStringToObject(req, "run", id);
	return ctl_forward(p, conn, req);
}

/* A meter's certificate as HTML, for the screen or the printer: read from
 * the database the way `rigctl report` reads it. */
static enum MHD_Result api_certificate(struct panel *p, struct MHD_Connection *conn)
{
	const char *serial = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "serial");
	const char *run = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "run");
	if (!serial || !serial[0])
		return panel_send_error(conn, 400, "certificate: give ?serial= (and &run=)");
	struct rig_error err = {0};
	struct store *s = store_open_readonly(p->database, &err);
	if (!s)
		return panel_send_error(conn, 500, err.msg);
	struct store_certificate *c = calloc(1, sizeof(*c));
	char *html = NULL;
	size_t len = 0;
	int rc = -1;
	if (c && store_certificate_load(s, serial, run && run[0] ? run : NULL, c, &err) == 0) {
		FILE *mem = open_memstream(&html, &len);
		if (mem) {
			rc = report_certificate_html(mem, c);
			if (fclose(mem) != 0)
				rc = -1;
		}
	}
	store_close(s);
	free(c);
	enum MHD_Result r;
	if (rc < 0)
		r = panel_send_error(conn, 404, err.msg[0] ? err.msg : "no certificate");
	else
		r = panel_send_document(conn, html, len);
	free(html);
	return r;
}

enum MHD_Result panel_api_get(struct panel *p, struct MHD_Connection *conn, const char *url)
{
	if (strcmp(url, "/api/session") == 0)
		return api_session(p, conn);
	if (strcmp(url, "/api/status") == 0) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cmd", "status");
		return ctl_forward(p, conn, req);
	}
	if (strcmp(url, "/api/profiles") == 0)
		return api_profiles(p, conn);
	if (strcmp(url, "/api/results") == 0)
		return api_results(p, conn);
	if (strcmp(url, "/api/run") == 0)
		return api_run(p, conn);
	if (strcmp(url, "/api/certificate") == 0)
		return api_certificate(p, conn);
	return panel_send_error(conn, 404, "no such API");
}

/* --- writes ---------------------------------------------------------------- */

static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
	return s ? s : "";
}

/* A PIN (name's) or badge checked under the lockout: 0 with *u, else -1;
 * when sign-in is locked (now, or by this miss) *locked and why say so. */
static int checked_verify(struct panel *p, struct MHD_Connection *conn, const char *name,
			  enum panel_secret kind, const char *secret, struct panel_user *u,
			  bool *locked, char *why, size_t why_len)
{
	char addr[INET6_ADDRSTRLEN];
	panel_client_address(conn, addr, sizeof(addr));
	const char *who = kind == PANEL_SECRET_PIN ? name : NULL;
	int64_t now_s = rig_monotonic_ns() / 1000000000;
	*locked = false;
	bool locks_if_wrong = false;
	char lock_why[200] = "";
	if (panel_lockout_attempt(&p->lockout, who, addr, now_s, &locks_if_wrong, lock_why,
				  sizeof(lock_why)) < 0) {
		*locked = true;
		snprintf(why, why_len, "%s", lock_why);
		log_notice("panel: refused without checking (from %s): %s", addr, why);
		/* as slow as a miss: hammering gets no faster answers, nor a
		 * faster-growing log */
		struct timespec delay = {0, PANEL_MISS_DELAY_MS * 1000000L};
		nanosleep(&delay, NULL);
		return -1;
	}
	if (panel_auth_verify(&p->auth, name, kind, secret, u) == 0) {
		panel_lockout_success(&p->lockout, who, addr);
		return 0;
	}
	if (locks_if_wrong) {
		*locked = true;
		snprintf(why, why_len, "%s", lock_why);
		log_warn("panel: %s (the last from %s)", why, addr);
	}
	return -1;
}

static enum MHD_Result api_signin(struct panel *p, struct MHD_Connection *conn, const cJSON *in)
{
	struct panel_user u;
	const char *badge = str(in, "badge");
	char locked_why[200];
	bool locked;
	int rc = badge[0] ? checked_verify(p, conn, NULL, PANEL_SECRET_BADGE, badge, &u, &locked,
					   locked_why, sizeof(locked_why))
			  : checked_verify(p, conn, str(in, "name"), PANEL_SECRET_PIN, str(in, "pin"),
					   &u, &locked, locked_why, sizeof(locked_why));
	if (rc < 0) {
		log_notice("panel: sign-in refused%s%s", badge[0] ? " (badge)" : " for ",
			   badge[0] ? "" : str(in, "name"));
		if (locked) {
			char why[260];
			snprintf(why, sizeof(why), "not signed in: %s", locked_why);
			return panel_send_error(conn, 429, why);
		}
		return panel_send_error(conn, 403, "not recognised: check the name and PIN, or scan "
						   "the badge again");
	}
	struct panel_session s;
	panel_session_new(&p->auth, &u, time(NULL), &s);
	log_notice("panel: %s signed in (%s)", u.name, panel_role_name(u.role));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON *user = cJSON_AddObjectToObject(o, "user");
	cJSON_AddStringToObject(user, "name", u.name);
	cJSON_AddStringToObject(user, "role", panel_role_name(u.role));
	cJSON_AddStringToObject(o, "csrf", s.csrf);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return MHD_NO;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	char cookie[160];
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
		 s.token, PANEL_SESSION_S);
	MHD_add_response_header(r, "Set-Cookie", cookie);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result rc2 = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return rc2;
}

static enum MHD_Result api_signout(struct panel *p, struct MHD_Connection *conn)
{
	/* a write like any other: a live session ends only with its CSRF token */
	const char *token = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
	struct panel_session s;
	if (token && panel_session_find(&p->auth, token, time(NULL), &s) == 0) {
		if (!panel_csrf_ok(&s, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								    "X-CSRF-Token")))
			return panel_send_error(conn, 403,
						"missing or wrong CSRF token: reload the page");
		panel_session_end(&p->auth, token);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	return panel_send_json(conn, 200, o);
}

/* The model the label or the work order gives, against the work order's
 * and the meter's stored one: the same check rigd makes at start. */
static enum MHD_Result api_check(struct panel *p, struct MHD_Connection *conn, const cJSON *in)
{
	const char *serial = str(in, "serial"), *expected = str(in, "expected_model");
	const char *model = str(in, "model")[0] ? str(in, "model") : expected;
	int position = rig_json_int(in, "position", 1, RIG_MAX_POSITIONS, 1);
	if (!serial[0])
		return panel_send_error(conn, 422, "no serial number scanned");
	if (!model[0])
		return panel_send_error(conn, 422, "no model: the label has none and the work order "
						   "names no expected model");
	struct rig_meter_model m;
	struct rig_error err = {0};
	if (rig_model_decode(model, &m, &err) < 0) {
		char why[800];
		snprintf(why, sizeof(why), "model %.60s refused: %s", model, err.msg);
		return panel_send_error(conn, 422, why);
	}
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "cmd", "results");
	cJSON_AddStringToObject(q, "serial", serial);
	cJSON_AddNumberToObject(q, "limit", 1);
	char why[400];
	cJSON *reply = panel_ctl_call(p, q, why, sizeof(why));
	if (!reply || !cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")))
		return forward(conn, reply, why);
	const cJSON *rows = cJSON_GetObjectItem(reply, "results");
	const char *stored = str(cJSON_GetArrayItem(rows, cJSON_GetArraySize(rows) - 1), "model");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "model", m.model);
	cJSON_AddStringToObject(o, "stored_model", stored);
	if (rig_model_check_position(&m, position, serial, expected, stored, false, &err) < 0) {
		cJSON_AddBoolToObject(o, "ok", false);
		cJSON_AddStringToObject(o, "error", err.msg);
	} else {
		cJSON_AddBoolToObject(o, "ok", true);
	}
	cJSON_Delete(reply);
	return panel_send_json(conn, cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")) ? 200 : 422, o);
}

static void copy_str(cJSON *to, const cJSON *from, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(from, key);
	if (cJSON_IsString(v) && v->valuestring[0])
		cJSON_AddStringToObject(to, key, v->valuestring);
}

/* Who overrides: the signed-in user when a supervisor and no other
 * credentials are given, else the supervisor proven by their own PIN or
 * badge in the request. The name recorded is the verified user's, never a
 * name typed into the form. */
static int override_user(struct panel *p, struct MHD_Connection *conn,
			 const struct panel_session *s, const cJSON *ov, struct panel_user *u,
			 bool *locked, char *why, size_t why_len)
{
	*locked = false;
	if (str(ov, "badge")[0])
		return checked_verify(p, conn, NULL, PANEL_SECRET_BADGE, str(ov, "badge"), u,
				      locked, why, why_len);
	if (str(ov, "name")[0] || str(ov, "pin")[0])
		return checked_verify(p, conn, str(ov, "name"), PANEL_SECRET_PIN, str(ov, "pin"), u,
				      locked, why, why_len);
	*u = s->user;
	return 0;
}

/* A supervisor's override: who (override_by) and why go into the run's
 * record, as rigd's own entries; the notes keep only what was typed. */
/* At most max bytes of text, never half a UTF-8 character: what is cut
 * is recorded and shipped, and a broken character would be refused there. */
static void utf8_prefix(const char *text, size_t max, char *buf, size_t len)
{
	size_t n = strlen(text);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(buf, len, "%.*s", (int)n, text);
}

static int supervisor_override(struct panel *p, struct MHD_Connection *conn,
			       const struct panel_session *s, const cJSON *ov, cJSON *req,
			       char *why, size_t why_len)
{
	const char *reason = str(ov, "reason");
	bool model = cJSON_IsTrue(cJSON_GetObjectItem(ov, "model"));
	bool calibration = cJSON_IsTrue(cJSON_GetObjectItem(ov, "calibration"));
	/* What cannot be recorded is refused before a PIN is tried. */
	if (!model && !calibration) {
		snprintf(why, why_len, "override refused: say what it overrides (model or calibration)");
		return -1;
	}
	if (strlen(reason) < 3) {
		snprintf(why, why_len, "override refused: say why (it is recorded)");
		return -1;
	}
	struct panel_user u;
	char locked_why[200];
	bool locked;
	if (override_user(p, conn, s, ov, &u, &locked, locked_why, sizeof(locked_why)) < 0 ||
	    u.role != PANEL_ROLE_SUPERVISOR) {
		if (locked)
			snprintf(why, why_len, "override refused: %s", locked_why);
		else
			snprintf(why, why_len, "override refused: a supervisor's name and PIN (or "
					       "badge) are needed");
		return -1;
	}
	char because[128];
	utf8_prefix(reason, 100, because, sizeof(because));
	if (model) {
		cJSON_AddBoolToObject(req, "model_override", true);
		cJSON_AddStringToObject(req, "model_override_reason", because);
	}
	if (calibration)
		cJSON_AddStringToObject(req, "override_reason", because);
	cJSON_AddStringToObject(req, "override_by", u.name);
	log_notice("panel: override by supervisor %s (%s)", u.name, reason);
	return 0;
}

static enum MHD_Result api_start(struct panel *p, struct MHD_Connection *conn,
				 const struct panel_session *s, const cJSON *in)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "start");
	cJSON_AddStringToObject(req, "operator", s->user.name);
	copy_str(req, in, "profile");
	copy_str(req, in, "expected_model");
	copy_str(req, in, "customer");
	copy_str(req, in, "test_reason");
	copy_str(req, in, "notes");
	const cJSON *ov = cJSON_GetObjectItem(in, "override");
	char why[300];
	if (cJSON_IsObject(ov) && supervisor_override(p, conn, s, ov, req, why, sizeof(why)) < 0) {
		cJSON_Delete(req);
		return panel_send_error(conn, 403, why);
	}
	cJSON *positions = cJSON_AddArrayToObject(req, "positions");
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(in, "positions"))
	{
		cJSON *pos = cJSON_CreateObject();
		const cJSON *num = cJSON_GetObjectItem(e, "position");
		if (cJSON_IsNumber(num))
			cJSON_AddNumberToObject(pos, "position", num->valuedouble);
		copy_str(pos, e, "model");
		copy_str(pos, e, "serial");
		cJSON_AddItemToArray(positions, pos);
	}
	log_notice("panel: start by %s", s->user.name);
	return ctl_forward(p, conn, req);
}

/* s is NULL for someone not signed in. */
static enum MHD_Result api_abort(struct panel *p, struct MHD_Connection *conn,
				 const struct panel_session *s, const cJSON *in)
{
	char reason[160], addr[INET6_ADDRSTRLEN];
	const char *who = s ? s->user.name : "someone not signed in";
	snprintf(reason, sizeof(reason), "aborted on the panel by %.40s%s%.80s", who,
		 str(in, "reason")[0] ? ": " : "", str(in, "reason"));
	panel_client_address(conn, addr, sizeof(addr));
	log_notice("panel: abort by %s (from %s)", s ? s->user.name : "someone not signed in",
		   addr);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "abort");
	cJSON_AddStringToObject(req, "reason", reason);
	return ctl_forward(p, conn, req);
}

static bool json_request(struct MHD_Connection *conn)
{
	/* A cross-site form cannot send this type without a preflight. */
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	return type && strncmp(type, "application/json", 16) == 0;
}

enum MHD_Result panel_api_post(struct panel *p, struct MHD_Connection *conn, const char *url,
			       struct panel_body *body)
{
	if (!json_request(conn))
		return panel_send_error(conn, 415, "send application/json");
	cJSON *in = cJSON_Parse(body->data ? body->data : "{}");
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		return panel_send_error(conn, 400, "the body is not a JSON object");
	}
	enum MHD_Result rc;
	struct panel_session s;
	bool signed_in = session_of(p, conn, &s);
	const char *token = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
	bool csrf = signed_in && panel_csrf_ok(&s, token);
	if (strcmp(url, "/api/signin") == 0) {
		rc = api_signin(p, conn, in);
	} else if (strcmp(url, "/api/signout") == 0) {
		rc = api_signout(p, conn);
	} else if (strcmp(url, "/api/abort") == 0) {
		/* the session's token, else the page's: never another site's page */
		if (csrf || panel_token_ok(p->page_token, token))
			rc = api_abort(p, conn, csrf ? &s : NULL, in);
		else
			rc = panel_send_error(conn, 403, "missing or wrong page token: reload the page");
	} else if (!signed_in) {
		rc = panel_send_error(conn, 401, "sign in first");
	} else if (!csrf) {
		rc = panel_send_error(conn, 403, "missing or wrong CSRF token: reload the page");
	} else if (strcmp(url, "/api/check") == 0) {
		rc = api_check(p, conn, in);
	} else if (strcmp(url, "/api/start") == 0) {
		rc = api_start(p, conn, &s, in);
	} else {
		rc = panel_send_error(conn, 404, "no such API");
	}
	cJSON_Delete(in);
	return rc;
}
