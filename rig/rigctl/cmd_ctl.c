/* Short requests to rigd: status, abort, safe-off. */
#include "rig/rigctl/commands.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rig/common/jsonl.h"
#include "rig/rigctl/client.h"

int rigctl_load_env(const struct rigctl_args *a, struct rigctl_env *env)
{
	memset(env, 0, sizeof(*env));
	rigd_config_defaults(&env->cfg);
	const char *path = a->config;
	if (!path && access(RIG_DEFAULT_CONFIG, R_OK) == 0)
		path = RIG_DEFAULT_CONFIG;
	if (path) {
		struct rig_error err = {0};
		if (rigd_config_load(path, &env->cfg, &err) < 0) {
			char buf[800];
			fprintf(stderr, "rigctl: %s\n", rig_error_format(&err, buf, sizeof(buf)));
			return -1;
		}
	}
	env->socket = a->socket ? a->socket : env->cfg.socket_path;
	env->db = a->db ? a->db : env->cfg.database;
	return 0;
}

/* One request, one reply; NULL after saying why on stderr. */
static cJSON *call(const struct rigctl_env *env, cJSON *req)
{
	struct rig_client c;
	cJSON *reply = NULL;
	if (rig_client_connect(&c, env->socket) == 0) {
		reply = rig_client_call(&c, req, 10000);
		if (!reply)
			fprintf(stderr, "rigctl: %s\n", c.error);
		rig_client_close(&c);
	} else {
		fprintf(stderr, "rigctl: %s\n", c.error);
	}
	cJSON_Delete(req);
	if (reply && !rig_json_bool(reply, "ok", false)) {
		fprintf(stderr, "rigctl: %s\n", rig_json_str(reply, "error", "refused"));
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

static cJSON *request(const char *cmd)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	return req;
}

/* Sends req, whose reply says no more than that rigd took it: true when
 * it did, false after saying why on stderr. */
static bool accepted(const struct rigctl_env *env, cJSON *req)
{
	cJSON *reply = call(env, req);
	bool ok = reply != NULL;
	cJSON_Delete(reply);
	return ok;
}

/* A position's register reading in kWh, for the run when one is named. */
static cJSON *reading_request(const char *cmd, const struct rigctl_args *a)
{
	cJSON *req = request(cmd);
	if (a->run_id)
		cJSON_AddStringToObject(req, "run", a->run_id);
	cJSON_AddNumberToObject(req, "position", a->reg_position);
	cJSON_AddNumberToObject(req, "reading", a->reg_kwh);
	return req;
}

int cmd_status(const struct rigctl_args *a, const struct rigctl_env *env)
{
	cJSON *reply = call(env, request("status"));
	if (!reply)
		return RIGCTL_EXIT_ERROR;
	if (a->json) {
		char *text = cJSON_Print(reply);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(reply);
		return RIGCTL_EXIT_PASS;
	}
	printf("station     %s (rigd %s)\n", rig_json_str(reply, "station", "?"),
	       rig_json_str(reply, "version", "?"));
	printf("fixture     %s, %d positions\n", rig_json_str(reply, "fixture", "?"),
	       rig_json_int(reply, "positions", 0, 1000000, 0));
	printf("state       %s\n", rig_json_str(reply, "state", "?"));
	printf("source      %s %s\n", rig_json_str(reply, "source", "?"),
	       rig_json_str(reply, "instrument", ""));
	printf("edges       %s\n", rig_json_str(reply, "edges", "?"));
	printf("interlock   %s\n", rig_json_str(reply, "interlock", "?"));
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(reply, "run");
	if (cJSON_IsObject(run)) {
		printf("run         %s, profile %s (%d points), operator %s\n",
		       rig_json_str(run, "id", "?"), rig_json_str(run, "profile", "?"),
		       rig_json_int(run, "points", 0, 1000000, 0), rig_json_str(run, "operator", "?"));
		const cJSON *p;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(run, "positions"))
			printf("            position %d  %s  %s\n", rig_json_int(p, "position", 0, 1000000, 0),
			       rig_json_str(p, "model", "?"), rig_json_str(p, "serial", "?"));
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(run, "readings_wanted");
		if (cJSON_IsObject(w)) {
			printf("readings    point %s asks for the register %s the energy, %.0f s left:",
			       rig_json_str(w, "name", "?"), rig_json_str(w, "when", "?"),
			       rig_json_num(w, "wait_s", 0));
			cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(w, "positions"))
				printf(" %d", rig_json_int(p, "position", 0, 1000000, 0));
			printf(" (rigctl reading POSITION KWH)\n");
		}
	}
	const cJSON *last = cJSON_GetObjectItemCaseSensitive(reply, "last");
	if (cJSON_IsObject(last)) {
		const char *reason = rig_json_str(last, "reason", "");
		printf("last run    %s %s%s%s\n", rig_json_str(last, "run", "?"),
		       rig_json_str(last, "state", "?"), reason[0] ? ": " : "", reason);
	}
	const cJSON *queue = cJSON_GetObjectItemCaseSensitive(reply, "queue");
	int queued = cJSON_GetArraySize(queue);
	printf("queue       %d waiting%s\n", queued, queued ? " (first to start first):" : "");
	const cJSON *q;
	cJSON_ArrayForEach(q, queue)
		printf("            %d. ticket %d  profile %s, %d position(s), operator %s, "
		       "waiting %d s\n",
		       rig_json_int(q, "place", 0, 1000000, 0), rig_json_int(q, "ticket", 0, INT32_MAX, 0),
		       rig_json_str(q, "profile", "?"), rig_json_int(q, "positions", 0, 1000, 0),
		       rig_json_str(q, "operator", "?"), rig_json_int(q, "waiting_s", 0, INT32_MAX, 0));
	cJSON_Delete(reply);
	return RIGCTL_EXIT_PASS;
}

int cmd_abort(const struct rigctl_args *a, const struct rigctl_env *env)
{
	cJSON *req = request("abort");
	if (a->reason)
		cJSON_AddStringToObject(req, "reason", a->reason);
	if (!accepted(env, req))
		return RIGCTL_EXIT_ERROR;
	if (!a->quiet)
		printf("abort requested: the source output goes off first\n");
	return RIGCTL_EXIT_PASS;
}

int cmd_dequeue(const struct rigctl_args *a, const struct rigctl_env *env)
{
	cJSON *req = request("dequeue");
	cJSON_AddNumberToObject(req, "ticket", a->ticket);
	if (!accepted(env, req))
		return RIGCTL_EXIT_ERROR;
	if (!a->quiet)
		printf("ticket %u taken out of the queue\n", a->ticket);
	return RIGCTL_EXIT_PASS;
}

int cmd_safe_off(const struct rigctl_args *a, const struct rigctl_env *env)
{
	if (!accepted(env, request("safe_off")))
		return RIGCTL_EXIT_ERROR;
	if (!a->quiet)
		printf("source output off\n");
	return RIGCTL_EXIT_PASS;
}

int cmd_register(const struct rigctl_args *a, const struct rigctl_env *env)
{
	if (!accepted(env, reading_request("register", a)))
		return RIGCTL_EXIT_ERROR;
	if (!a->quiet)
		printf("run %s position %d: register after %g kWh stored\n", a->run_id,
		       a->reg_position, a->reg_kwh);
	return RIGCTL_EXIT_PASS;
}

int cmd_reading(const struct rigctl_args *a, const struct rigctl_env *env)
{
	if (!accepted(env, reading_request("reading", a)))
		return RIGCTL_EXIT_ERROR;
	if (!a->quiet)
		printf("position %d: register reading %.10g kWh taken\n", a->reg_position, a->reg_kwh);
	return RIGCTL_EXIT_PASS;
}
