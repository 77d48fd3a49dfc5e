#include "rig/rigd/control.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rig/common/jsonl.h"
#include "rig/common/timeutil.h"
#include "rig/store/run_record.h"

static const char *const cmd_names[] = {
	[CTL_START] = "start",		 [CTL_STATUS] = "status", [CTL_SUBSCRIBE] = "subscribe",
	[CTL_UNSUBSCRIBE] = "unsubscribe", [CTL_ABORT] = "abort",  [CTL_RESULTS] = "results",
	[CTL_RUN] = "run",		 [CTL_PING] = "ping",	  [CTL_SAFE_OFF] = "safe_off",
	[CTL_REGISTER] = "register",	 [CTL_DEQUEUE] = "dequeue",
	[CTL_READING] = "reading",
};

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	if ((unsigned)cmd >= sizeof(cmd_names) / sizeof(cmd_names[0]))
		return "?";
	return cmd_names[cmd];
}

bool ctl_profile_name_ok(const char *name)
{
	if (!name[0] || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			return false;
	return true;
}

static int fail(char *why, size_t why_len, const char *fmt, const char *arg)
{
	snprintf(why, why_len, fmt, arg);
	return -1;
}

/* Printable text without control characters (it ends up in HTML, CSV, logs). */
static bool printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Optional string field into a fixed buffer; absent leaves it empty. */
static int take_string(const cJSON *obj, const char *key, char *field, size_t size, bool required,
		       char *why, size_t why_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	field[0] = '\0';
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return fail(why, why_len, "\"%s\" is required", key);
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(why, why_len, "\"%s\" must be a string", key);
	if (strlen(v->valuestring) >= size) {
		snprintf(why, why_len, "\"%s\" longer than %zu characters", key, size - 1);
		return -1;
	}
	if (!printable(v->valuestring))
		return fail(why, why_len, "\"%s\" has control characters", key);
	if (required && !v->valuestring[0])
		return fail(why, why_len, "\"%s\" is empty", key);
	memcpy(field, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

/* Optional number within [lo, hi]; absent leaves *has false. */
static int take_number(const cJSON *obj, const char *key, double lo, double hi, bool *has,
		       double *ret, char *why, size_t why_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) {
		snprintf(why, why_len, "\"%s\" must be a number %g .. %g", key, lo, hi);
		return -1;
	}
	*has = true;
	*ret = v->valuedouble;
	return 0;
}

/* The run's certification record: values a record may not hold are
 * refused here, before anything starts. */
static int parse_record(const cJSON *obj, struct ctl_request *r, char *why, size_t why_len)
{
	if (take_string(obj, "test_reason", r->test_reason, sizeof(r->test_reason), false, why,
			why_len) < 0 ||
	    take_string(obj, "customer", r->customer, sizeof(r->customer), false, why, why_len) < 0 ||
	    take_string(obj, "test", r->test_state, sizeof(r->test_state), false, why, why_len) < 0 ||
	    take_string(obj, "follows", r->follows, sizeof(r->follows), false, why, why_len) < 0 ||
	    take_number(obj, "ambient_c", -40, 85, &r->has_ambient_c, &r->ambient_c, why, why_len) < 0 ||
	    take_number(obj, "humidity_pct", 0, 100, &r->has_humidity_pct, &r->humidity_pct, why,
			why_len) < 0)
		return -1;
	if (!store_test_reason_ok(r->test_reason))
		return fail(why, why_len,
			    "\"test_reason\" \"%s\" is not new, periodic, complaint, repair, sample or other",
			    r->test_reason);
	if (!store_test_state_ok(r->test_state))
		return fail(why, why_len, "\"test\" \"%s\" is not as-found or as-left", r->test_state);
	if (r->follows[0] && strcmp(r->test_state, "as-left"))
		return fail(why, why_len, "%s", "\"follows\" is for an as-left test (\"test\": \"as-left\")");
	return 0;
}

static int parse_register(const cJSON *obj, struct ctl_request *r, bool need_run, char *why,
			  size_t why_len)
{
	bool has_pos = false, has_reading = false;
	double pos = 0;
	if (take_string(obj, "run", r->run_id, sizeof(r->run_id), need_run, why, why_len) < 0 ||
	    take_number(obj, "position", 1, RIG_MAX_POSITIONS, &has_pos, &pos, why, why_len) < 0 ||
	    take_number(obj, "reading", 0, 999999999, &has_reading, &r->reading_kwh, why, why_len) < 0)
		return -1;
	if (!has_pos || pos != floor(pos)) {
		snprintf(why, why_len, "\"position\" must be an integer 1..%d", RIG_MAX_POSITIONS);
		return -1;
	}
	if (!has_reading)
		return fail(why, why_len, "%s", "\"reading\" (kWh) is required");
	r->position = (int)pos;
	return 0;
}

static int parse_position(const cJSON *item, int index, struct ctl_position *ret, char *why,
			  size_t why_len)
{
	if (!cJSON_IsObject(item)) {
		snprintf(why, why_len, "positions[%d] must be an object", index);
		return -1;
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(item, "position");
	if (!cJSON_IsNumber(p) || p->valuedouble != floor(p->valuedouble) || p->valuedouble < 1 ||
	    p->valuedouble > RIG_MAX_POSITIONS) {
		snprintf(why, why_len, "positions[%d]: \"position\" must be an integer 1..%d", index,
			 RIG_MAX_POSITIONS);
		return -1;
	}
	ret->position = (int)p->valuedouble;
	char sub[200];
	if (take_string(item, "model", ret->model, sizeof(ret->model), true, sub, sizeof(sub)) < 0 ||
	    take_string(item, "serial", ret->serial, sizeof(ret->serial), true, sub, sizeof(sub)) < 0 ||
	    take_number(item, "register_before", 0, 999999999, &ret->has_register_before,
			&ret->register_before_kwh, sub, sizeof(sub)) < 0) {
		snprintf(why, why_len, "position %d: %s", ret->position, sub);
		return -1;
	}
	return 0;
}

/* An override names who made it and why; one without a name is refused
 * (the record must never guess who overrode). */
static int parse_override(const cJSON *obj, struct ctl_request *r, char *why, size_t why_len)
{
	if (take_string(obj, "override_by", r->override_by, sizeof(r->override_by), false, why,
			why_len) < 0 ||
	    take_string(obj, "model_override_reason", r->model_override_reason,
			sizeof(r->model_override_reason), false, why, why_len) < 0 ||
	    take_string(obj, "override_reason", r->override_reason, sizeof(r->override_reason),
			false, why, why_len) < 0)
		return -1;
	bool any = r->model_override || r->override_reason[0];
	if (any && !r->override_by[0])
		return fail(why, why_len, "%s",
			    "an override needs \"override_by\": the name of who overrides "
			    "(it is recorded)");
	if (r->model_override && !r->model_override_reason[0])
		return fail(why, why_len, "%s",
			    "\"model_override\" needs \"model_override_reason\": why (it is recorded)");
	if (!r->model_override && r->model_override_reason[0])
		return fail(why, why_len, "%s",
			    "\"model_override_reason\" is for \"model_override\": true");
	if (!any && r->override_by[0])
		return fail(why, why_len, "%s",
			    "\"override_by\" is for an override (\"model_override\" or "
			    "\"override_reason\")");
	return 0;
}

static int parse_start(const cJSON *obj, struct ctl_request *r, char *why, size_t why_len)
{
	if (take_string(obj, "profile", r->profile, sizeof(r->profile), true, why, why_len) < 0 ||
	    take_string(obj, "operator", r->operator_name, sizeof(r->operator_name), true, why,
			why_len) < 0 ||
	    take_string(obj, "notes", r->notes, sizeof(r->notes), false, why, why_len) < 0 ||
	    take_string(obj, "expected_model", r->expected_model, sizeof(r->expected_model), false,
			why, why_len) < 0)
		return -1;
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(obj, "model_override");
	if (ov && !cJSON_IsBool(ov))
		return fail(why, why_len, "%s", "\"model_override\" must be true or false");
	r->model_override = cJSON_IsTrue(ov);
	if (parse_override(obj, r, why, why_len) < 0)
		return -1;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(obj, "queue");
	if (q && !cJSON_IsBool(q))
		return fail(why, why_len, "%s", "\"queue\" must be true or false");
	r->queue = cJSON_IsTrue(q);
	if (!ctl_profile_name_ok(r->profile))
		return fail(why, why_len, "profile \"%s\" is not a valid profile name", r->profile);
	if (parse_record(obj, r, why, why_len) < 0)
		return -1;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, "positions");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return fail(why, why_len, "%s", "\"positions\" must be a non-empty array");
	if (cJSON_GetArraySize(list) > RIG_MAX_POSITIONS) {
		snprintf(why, why_len, "more than %d positions", RIG_MAX_POSITIONS);
		return -1;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, list) {
		struct ctl_position *pos = &r->pos[r->n_positions];
		if (parse_position(item, r->n_positions, pos, why, why_len) < 0)
			return -1;
		for (int i = 0; i < r->n_positions; i++) {
			if (r->pos[i].position == pos->position) {
				snprintf(why, why_len, "position %d given twice", pos->position);
				return -1;
			}
		}
		r->n_positions++;
	}
	return 0;
}

static int take_time(const cJSON *obj, const char *key, bool *has, time_t *ret, char *why,
		     size_t why_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	/* Range-checked before any conversion: a double beyond int64_t (or
	 * NaN) is undefined behaviour when cast. */
	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble >= 0 && v->valuedouble <= (double)CTL_TIME_MAX_S))
			return fail(why, why_len,
				    "\"%s\" must be seconds since 1970 up to 253402300799 (9999-12-31)",
				    key);
		*ret = (time_t)v->valuedouble;
	} else if (!cJSON_IsString(v) || rig_parse_time_utc(v->valuestring, ret) < 0) {
		return fail(why, why_len,
			    "\"%s\" must be seconds since 1970 or a UTC date (YYYY-MM-DD[THH:MM[:SS]])",
			    key);
	} else if (*ret < 0 || *ret > (time_t)CTL_TIME_MAX_S) {
		return fail(why, why_len, "\"%s\" must be a date from 1970 to 9999", key);
	}
	*has = true;
	return 0;
}

static int parse_results(const cJSON *obj, struct ctl_request *r, char *why, size_t why_len)
{
	if (take_string(obj, "serial", r->serial, sizeof(r->serial), false, why, why_len) < 0 ||
	    take_string(obj, "model", r->model, sizeof(r->model), false, why, why_len) < 0 ||
	    take_time(obj, "since", &r->has_since, &r->since, why, why_len) < 0 ||
	    take_time(obj, "until", &r->has_until, &r->until, why, why_len) < 0 ||
	    take_string(obj, "after", r->after, sizeof(r->after), false, why, why_len) < 0)
		return -1;
	char verdict[32];
	if (take_string(obj, "verdict", verdict, sizeof(verdict), false, why, why_len) < 0)
		return -1;
	if (verdict[0]) {
		if (rig_verdict_parse(verdict, &r->verdict) < 0)
			return fail(why, why_len, "unknown verdict \"%s\"", verdict);
		r->has_verdict = true;
	}
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(obj, "limit");
	if (limit) {
		if (!cJSON_IsNumber(limit) || !(limit->valuedouble >= 1 && limit->valuedouble <= 100000))
			return fail(why, why_len, "%s", "\"limit\" must be a number 1..100000");
		r->limit = (int)limit->valuedouble;
	}
	return 0;
}

int ctl_parse_request(const char *line, struct ctl_request *ret, char *why, size_t why_len)
{
	memset(ret, 0, sizeof(*ret));
	cJSON *obj = cJSON_Parse(line);
	if (!obj)
		return fail(why, why_len, "%s", "malformed JSON");
	int rc = -1;
	if (!cJSON_IsObject(obj)) {
		fail(why, why_len, "%s", "a request must be a JSON object");
		goto out;
	}
	const char *cmd = rig_json_str(obj, "cmd", NULL);
	if (!cmd) {
		fail(why, why_len, "%s", "missing \"cmd\"");
		goto out;
	}
	size_t i;
	for (i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (strcmp(cmd, cmd_names[i]) == 0)
			break;
	if (i == sizeof(cmd_names) / sizeof(cmd_names[0])) {
		snprintf(why, why_len, "unknown cmd \"%.64s\"", cmd);
		goto out;
	}
	ret->cmd = (enum ctl_cmd)i;
	switch (ret->cmd) {
	case CTL_START:
		rc = parse_start(obj, ret, why, why_len);
		break;
	case CTL_ABORT:
		rc = take_string(obj, "reason", ret->reason, sizeof(ret->reason), false, why,
				 why_len);
		break;
	case CTL_RESULTS:
		rc = parse_results(obj, ret, why, why_len);
		break;
	case CTL_REGISTER:
	case CTL_READING:
		rc = parse_register(obj, ret, ret->cmd == CTL_REGISTER, why, why_len);
		break;
	case CTL_DEQUEUE: {
		bool has;
		double t;
		rc = take_number(obj, "ticket", 1, 4294967295.0, &has, &t, why, why_len);
		if (rc == 0 && (!has || t != (double)(unsigned)t))
			rc = fail(why, why_len, "%s", "\"ticket\" must be a whole number 1 .. 4294967295");
		if (rc == 0)
			ret->ticket = (unsigned)t;
		break;
	}
	case CTL_RUN: {
		/* Run ids are strings; a bare number is accepted for convenience. */
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "run");
		if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < 1e15) {
			snprintf(ret->run_id, sizeof(ret->run_id), "%.0f", id->valuedouble);
			rc = 0;
		} else {
			rc = take_string(obj, "run", ret->run_id, sizeof(ret->run_id), true, why,
					 why_len);
		}
		break;
	}
	default:
		rc = 0;
		break;
	}
out:
	cJSON_Delete(obj);
	return rc;
}

char *ctl_error_line(const char *why)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddStringToObject(o, "error", why);
	char *line = rig_json_line(o);
	cJSON_Delete(o);
	return line;
}
