/* The daemon's use of rig/store, and the JSON of the "results" and "run"
 * replies. */
#include "rig/rigd/runstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "rig/common/jsonl.h"
#include "rig/common/station_key.h"
#include "rig/common/timeutil.h"
#include "rig/common/log.h"
#include "rig/store/durability.h"
#include "rig/store/queries.h"
#include "rig/store/results_page.h"
#include "rig/store/seal.h"
#include "rig/store/store.h"

/* How long a commit waits for a lock another writer holds. The loop stands
 * still meanwhile, possibly with the source on: longer than this is a rig
 * fault, not a wait. Well under the loop stall the dead-man tolerates
 * (HEARTBEAT_LOOP_STALL_NS, 1 s) and the instrument watchdog's margin, so
 * the database's reason is the one said, not the relay's. Readers
 * (reports) never hold it up (WAL). */
#define RUNSTORE_BUSY_MS 100

/* Test hook: the database may grow by at most this many pages after each
 * run begins, so that a test sees a full disk without filling one. */
#define GROWTH_HOOK_ENV "RIGD_TEST_DB_GROWTH_PAGES"

struct runstore {
	struct store *db;
	/* A write of the current run failed: nothing more of it is stored or
	 * said, and it ends as an error with this reason. */
	bool run_failed;
	char failure[240];
	/* An end that could not be stored, tried again before the next run. */
	bool end_pending;
	char pending_run[64];
	char pending_reason[240];
	int64_t pending_ms;
	struct station_key *key;	/* signs the chain head */
};

static int64_t now_ms(void)
{
	return rig_realtime_ns() / 1000000;
}

struct runstore *runstore_open(const char *path, struct rig_error *err)
{
	struct store *db = store_open(path, err);
	if (!db)
		return NULL;
	struct runstore *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		store_close(db);
		rig_error_set(err, path, 0, "out of memory");
		return NULL;
	}
	rs->db = db;
	store_set_busy_timeout(db, RUNSTORE_BUSY_MS);
	return rs;
}

static int store_pending_end(struct runstore *rs, struct rig_error *err);

static void sign_head(const void *msg, size_t len, uint8_t ret_sig[64], void *ctx)
{
	station_key_sign(ctx, msg, len, ret_sig);
}

int runstore_key_ready(const char *db_path, struct rig_error *err)
{
	char dir[512];
	station_key_dir(db_path, dir, sizeof(dir));
	struct station_key *key = calloc(1, sizeof(*key));
	if (!key)
		return rig_error_set(err, NULL, 0, "out of memory");
	int rc = station_key_load(dir, key, err);
	sodium_memzero(key, sizeof(*key));
	free(key);
	return rc < 0 ? -1 : 0;
}

int runstore_station_key(struct runstore *rs, const char *db_path, const char *station,
			 struct rig_error *err)
{
	char dir[512], host[64] = "";
	station_key_dir(db_path, dir, sizeof(dir));
	/* Made once at install (`rigctl key init`), never here: a station
	 * that signs must not change its key behind its certificates' back. */
	struct station_key *key = calloc(1, sizeof(*key));
	if (!key)
		return rig_error_set(err, NULL, 0, "out of memory");
	if (station_key_load(dir, key, err) < 0) {
		free(key);
		return -1;
	}
	rs->key = key;
	store_set_head_signer(rs->db, key->pk_b64, sign_head, key);
	gethostname(host, sizeof(host) - 1);
	if (store_station_set_key(rs->db, station, host, key->pk_b64, err) < 0)
		return -1;
	int signed_now = store_sign_migrated_head(rs->db, err);
	if (signed_now > 0)
		log_notice("signed the head of the chain of runs sealed before heads began, as migrated just now");
	return signed_now < 0 ? -1 : 0;
}

void runstore_close(struct runstore *rs)
{
	if (!rs)
		return;
	struct rig_error err = {0};
	if (rs->end_pending && store_pending_end(rs, &err) < 0)
		log_err("run %s: its end is still not stored (%s); the next start marks it "
			"interrupted", rs->pending_run, err.msg);
	store_close(rs->db);
	if (rs->key) {
		sodium_memzero(rs->key, sizeof(*rs->key));
		free(rs->key);
	}
	free(rs);
}

int runstore_mark_interrupted(struct runstore *rs, struct rig_error *err)
{
	return store_mark_interrupted(rs->db, now_ms(), err);
}

static int store_pending_end(struct runstore *rs, struct rig_error *err)
{
	if (store_end_run(rs->db, rs->pending_run, RIG_RUN_ERROR, rs->pending_reason,
			  rs->pending_ms, err) < 0)
		return -1;
	log_notice("run %s: its end (error) is stored now", rs->pending_run);
	rs->end_pending = false;
	return 0;
}

static void apply_growth_hook(struct runstore *rs)
{
	const char *v = getenv(GROWTH_HOOK_ENV);
	if (!v || !*v)
		return;
	char *end;
	long pages = strtol(v, &end, 10);
	struct rig_error err = {0};
	if (*end || pages < 0 || pages > 1000000 || store_limit_growth(rs->db, (int)pages, &err) < 0)
		log_warn("%s=%s ignored %s", GROWTH_HOOK_ENV, v, err.msg);
	else
		log_warn("%s: the database may grow by %ld pages (test hook)", GROWTH_HOOK_ENV, pages);
}

int runstore_begin(struct runstore *rs, const struct run_meta *meta, char *ret_run_id,
		   size_t id_len, struct rig_error *err)
{
	/* A run whose end is not stored yet: the database must work again
	 * before the next one starts. */
	if (rs->end_pending && store_pending_end(rs, err) < 0)
		return -1;
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	struct store_run_meta sm = {
		.station = meta->station,
		.host = host,
		.instrument_idn = meta->instrument_idn,
		.operator_name = meta->operator_name,
		.notes = meta->notes,
		.software_version = meta->software_version,
		.started_ms = now_ms(),
		.record = meta->record,
	};
	/* A profile's weighting rule wins over the station's; the method is
	 * the profile's. */
	struct store_run_record record;
	if (meta->record && meta->profile) {
		record = *meta->record;
		if (meta->profile->has_weighting)
			record.weighting = meta->profile->weighting;
		snprintf(record.method, sizeof(record.method), "%s", meta->profile->method);
		sm.record = &record;
	}
	char id[STORE_RUN_ID_LEN];
	if (store_begin_run(rs->db, meta->plan, &sm, id, err) < 0)
		return -1;
	rs->run_failed = false;
	rs->failure[0] = '\0';
	apply_growth_hook(rs);
	snprintf(ret_run_id, id_len, "%s", id);
	return 0;
}

int runstore_meter_model(struct runstore *rs, const char *serial, char *buf, size_t len,
			 struct rig_error *err)
{
	return store_meter_model(rs->db, serial, buf, len, err);
}

bool runstore_failed(const struct runstore *rs, char *why, size_t why_len)
{
	if (rs->run_failed && why)
		snprintf(why, why_len, "%s", rs->failure);
	return rs->run_failed;
}

int runstore_point(struct runstore *rs, const char *run_id, const struct rig_profile *profile,
		   const struct rig_point_result *r, struct rig_error *err)
{
	(void)profile;
	/* Positions count from 1 in the sequencer, the store and on the bench. */
	if (rs->run_failed)
		return rig_error_set(err, NULL, 0, "an earlier write of the run failed (%s)", rs->failure);
	struct rig_error local = {0};
	if (!err)
		err = &local;
	if (store_add_point_result(rs->db, run_id, r, err) < 0) {
		rs->run_failed = true;
		snprintf(rs->failure, sizeof(rs->failure), "database: point %d position %d not stored: %.160s",
			 r->point + 1, r->position, err->msg);
		return -1;
	}
	return 0;
}

int runstore_end(struct runstore *rs, const char *run_id, enum rig_run_state state,
		 const char *reason, struct rig_error *err)
{
	struct rig_error local = {0};
	if (!err)
		err = &local;
	int64_t ended = now_ms();
	if (store_end_run(rs->db, run_id, state, reason, ended, err) == 0)
		return 0;
	/* Said as an error whatever it was to be; stored as one when the
	 * database works again (before the next run, at exit), else marked
	 * interrupted at the next start. */
	rs->end_pending = true;
	snprintf(rs->pending_run, sizeof(rs->pending_run), "%s", run_id);
	if (rs->run_failed)
		snprintf(rs->pending_reason, sizeof(rs->pending_reason), "%s", rs->failure);
	else
		snprintf(rs->pending_reason, sizeof(rs->pending_reason),
			 "database: the end of the run (%s) was not stored: %.160s",
			 rig_run_state_name(state), err->msg);
	rs->pending_ms = ended;
	return -1;
}

/* --- replies ---------------------------------------------------------------- */

static cJSON *row_to_json(const struct store_result_row *row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "run", row->run_id);
	cJSON_AddStringToObject(o, "started_at", row->started_at);
	cJSON_AddStringToObject(o, "ended_at", row->ended_at);
	cJSON_AddStringToObject(o, "station", row->station);
	cJSON_AddNumberToObject(o, "position", row->position);
	cJSON_AddStringToObject(o, "serial", row->serial);
	cJSON_AddStringToObject(o, "model", row->model);
	cJSON_AddStringToObject(o, "profile", row->profile);
	cJSON_AddStringToObject(o, "state", row->state);
	cJSON_AddStringToObject(o, "verdict", row->verdict);
	cJSON_AddStringToObject(o, "operator", row->operator_name);
	cJSON_AddStringToObject(o, "notes", row->notes);
	cJSON_AddStringToObject(o, "reason", row->reason);
	return o;
}

/* Rows in one reply: some 400 bytes of JSON each, so a page stays far
 * below a client's output cap, and a query never holds the loop for more
 * than a page's worth of rows. */
#define RESULTS_PAGE_ROWS 500

static int collect_row(const struct store_result_row *row, void *ctx)
{
	cJSON_AddItemToArray((cJSON *)ctx, row_to_json(row));
	return 0;
}

cJSON *runstore_results(struct runstore *rs, const struct ctl_request *req, char *ret_next,
			size_t next_len, struct rig_error *err)
{
	/* Milliseconds must not overflow: the request parser checks the
	 * range, and so does this, for any other caller. */
	if ((req->has_since && (req->since < 0 || req->since > (time_t)CTL_TIME_MAX_S)) ||
	    (req->has_until && (req->until < 0 || req->until > (time_t)CTL_TIME_MAX_S))) {
		rig_error_set(err, NULL, 0, "since/until outside 1970..9999");
		return NULL;
	}
	char verdict[16] = "";
	if (req->has_verdict)
		snprintf(verdict, sizeof(verdict), "%s", rig_verdict_name(req->verdict));
	struct store_filter f = {
		.serial = req->serial[0] ? req->serial : NULL,
		.model = req->model[0] ? req->model : NULL,
		.from_ms = req->has_since ? (int64_t)req->since * 1000 : 0,
		.to_ms = req->has_until ? (int64_t)req->until * 1000 : 0,
		.verdict = verdict[0] ? verdict : NULL,
	};
	struct store_page_key from, next;
	if (req->after[0] && store_page_key_parse(req->after, &from) < 0) {
		rig_error_set(err, NULL, 0, "\"after\" is not a \"next\" this daemon gave");
		return NULL;
	}
	cJSON *array = cJSON_CreateArray();
	bool more = false;
	if (store_query_results_page(rs->db, &f, req->limit ? req->limit : 1000,
				     req->after[0] ? &from : NULL, RESULTS_PAGE_ROWS, collect_row,
				     array, &more, &next, err) < 0) {
		cJSON_Delete(array);
		return NULL;
	}
	ret_next[0] = '\0';
	if (more)
		store_page_key_format(&next, ret_next, next_len);
	return array;
}

static void add_dof(cJSON *o, const char *name, double dof)
{
	if (isfinite(dof))
		rig_json_add_number(o, name, dof);
	else
		cJSON_AddNullToObject(o, name);	/* infinite: type B */
}

static cJSON *budget_to_json(const struct rig_gate_budget *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *terms = cJSON_AddArrayToObject(o, "terms");
	for (int t = 0; t < RIG_U_TERMS; t++) {
		const struct rig_u_component *c = &b->term[t];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "term", rig_u_term_name((enum rig_u_term)t));
		rig_json_add_number(j, "u", c->u);
		rig_json_add_number(j, "sensitivity", c->sensitivity);
		rig_json_add_number(j, "contribution", c->contribution);
		add_dof(j, "dof", c->dof);
		cJSON_AddItemToArray(terms, j);
	}
	rig_json_add_number(o, "uc_rel", b->uc_rel);
	add_dof(o, "nu_eff", b->nu_eff);
	rig_json_add_number(o, "k", b->k);
	cJSON_AddStringToObject(o, "period_check", rig_period_check_name(b->period_check));
	rig_json_add_number(o, "update_period_s", b->update_period_s);
	rig_json_add_number(o, "declared_period_s", b->declared_period_s);
	return o;
}

static cJSON *cert_point_to_json(const struct store_cert_point *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "point", p->idx);
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "kind", p->kind);
	cJSON_AddStringToObject(o, "verdict", p->verdict);
	if (p->measured)
		cJSON_AddNumberToObject(o, "attempt", p->attempt);
	if (p->has_error) {
		rig_json_add_number(o, "error_pct", p->error_pct);
		rig_json_add_number(o, "u_pct", p->u_pct);
	}
	if (p->has_value)
		rig_json_add_number(o, "value", p->value);
	rig_json_add_number(o, "band_pct", p->band_pct);
	rig_json_add_number(o, "current_a", p->current_a);
	rig_json_add_number(o, "voltage_v", p->voltage_v);
	rig_json_add_number(o, "pf", p->pf);
	cJSON_AddNumberToObject(o, "edges", p->edges_used);
	rig_json_add_number(o, "gate_s", p->gate_s);
	cJSON_AddStringToObject(o, "detail", p->detail);
	if (p->has_budget)
		cJSON_AddItemToObject(o, "budget", budget_to_json(&p->budget));
	return o;
}

struct run_rows {
	cJSON *meters;
	struct store *db;
	struct rig_error *err;
	cJSON *run;
};

static void add_optional(cJSON *o, const char *key, bool has, double v)
{
	if (has)
		rig_json_add_number(o, key, v);
}

/* The run's record once, the meter's readings and weighted average. */
static void add_record(cJSON *run, cJSON *meter, const struct store_certificate *c)
{
	const struct store_run_record *r = &c->record;
	if (!cJSON_HasObjectItem(run, "record")) {
		cJSON *o = cJSON_AddObjectToObject(run, "record");
		cJSON_AddStringToObject(o, "test_reason", r->test_reason);
		cJSON_AddStringToObject(o, "customer", r->customer);
		cJSON_AddStringToObject(o, "test", r->test_state);
		cJSON_AddStringToObject(o, "follows", r->follows_run);
		add_optional(o, "ambient_c", r->has_ambient_c, r->ambient_c);
		add_optional(o, "humidity_pct", r->has_humidity_pct, r->humidity_pct);
		cJSON_AddStringToObject(o, "weighting", rig_weighting_name(r->weighting));
		cJSON_AddStringToObject(o, "calibration_override_by", r->cal_override_by);
		cJSON_AddStringToObject(o, "calibration_override_reason", r->cal_override_reason);
		cJSON_AddStringToObject(o, "model_override_by", r->model_override_by);
		cJSON_AddStringToObject(o, "model_override_reason", r->model_override_reason);
		cJSON_AddBoolToObject(o, "simulated", r->simulated);
	}
	/* the disagreement a model override let through at this meter */
	const struct store_position_record *pr =
		c->position >= 1 && c->position <= RIG_MAX_POSITIONS ? &r->pos[c->position] : NULL;
	if (pr && pr->model_overridden) {
		cJSON *ov = cJSON_AddObjectToObject(meter, "model_override");
		cJSON_AddStringToObject(ov, "ran_as", pr->override_ran_as);
		cJSON_AddStringToObject(ov, "expected", pr->override_expected);
		cJSON_AddStringToObject(ov, "stored", pr->override_stored);
	}
	add_optional(meter, "register_before_kwh", c->has_register_before, c->register_before_kwh);
	add_optional(meter, "register_after_kwh", c->has_register_after, c->register_after_kwh);
	add_optional(meter, "weighted_avg_pct", c->has_weighted, c->weighted_avg_pct);
}

static int add_meter(const struct store_result_row *row, void *ctx)
{
	struct run_rows *rr = ctx;
	if (!rr->run) {
		rr->run = cJSON_CreateObject();
		cJSON_AddStringToObject(rr->run, "id", row->run_id);
		cJSON_AddStringToObject(rr->run, "state", row->state);
		cJSON_AddStringToObject(rr->run, "reason", row->reason);
		cJSON_AddStringToObject(rr->run, "started_at", row->started_at);
		cJSON_AddStringToObject(rr->run, "ended_at", row->ended_at);
		cJSON_AddStringToObject(rr->run, "station", row->station);
		cJSON_AddStringToObject(rr->run, "profile", row->profile);
		cJSON_AddStringToObject(rr->run, "operator", row->operator_name);
		cJSON_AddStringToObject(rr->run, "notes", row->notes);
		rr->meters = cJSON_AddArrayToObject(rr->run, "meters");
	}
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "position", row->position);
	cJSON_AddStringToObject(m, "serial", row->serial);
	cJSON_AddStringToObject(m, "model", row->model);
	cJSON_AddStringToObject(m, "verdict", row->verdict);
	struct store_certificate *cert = malloc(sizeof(*cert));
	if (cert && store_certificate_load(rr->db, row->serial, row->run_id, cert, rr->err) == 0) {
		add_record(rr->run, m, cert);
		cJSON *points = cJSON_AddArrayToObject(m, "points");
		for (int i = 0; i < cert->n_points; i++)
			cJSON_AddItemToArray(points, cert_point_to_json(&cert->points[i]));
	}
	free(cert);
	cJSON_AddItemToArray(rr->meters, m);
	return 0;
}

cJSON *runstore_run(struct runstore *rs, const char *run_id, struct rig_error *err)
{
	struct store_filter f = {.run_id = run_id};
	struct run_rows rr = {.db = rs->db, .err = err};
	if (store_query_results(rs->db, &f, add_meter, &rr, err) < 0) {
		cJSON_Delete(rr.run);
		return NULL;
	}
	if (!rr.run)
		rig_error_set(err, NULL, 0, "no run %s", run_id);
	return rr.run;
}

int runstore_register_after(struct runstore *rs, const char *run_id, int position, double kwh,
			    struct rig_error *err)
{
	return store_set_register_after(rs->db, run_id, position, kwh, err);
}
