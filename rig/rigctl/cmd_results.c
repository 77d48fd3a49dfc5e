/* `rigctl results` and `rigctl report`: read the database directly,
 * read-only (the daemon may be writing at the same time). */
#include "rig/rigctl/commands.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/cert_sign.h"
#include "reports/certificate.h"
#include "reports/export.h"
#include "reports/points.h"
#include "reports/summary.h"
#include "rig/common/safe_file.h"
#include "rig/common/station_key.h"
#include "rig/store/queries.h"
#include "rig/store/store.h"

static struct store *open_db(const struct rigctl_env *env)
{
	struct rig_error err = {0};
	struct store *db = store_open_readonly(env->db, &err);
	if (!db) {
		char buf[800];
		fprintf(stderr, "rigctl: %s; name the database with --db FILE or --config FILE "
				"(its database setting)\n",
			rig_error_format(&err, buf, sizeof(buf)));
	}
	return db;
}

static void make_filter(const struct rigctl_args *a, struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->serial = a->serial;
	f->model = a->model;
	f->from_ms = a->has_since ? (int64_t)a->since * 1000 : 0;
	f->to_ms = a->has_until ? (int64_t)a->until * 1000 : 0;
	f->verdict = a->has_verdict ? rig_verdict_name(a->verdict) : NULL;
	f->run_id = a->run_id;
}

struct table {
	int rows;
	int limit;
	int total;
};

static int count_row(const struct store_result_row *row, void *ctx)
{
	(void)row;
	((struct table *)ctx)->total++;
	return 0;
}

static int print_row(const struct store_result_row *row, void *ctx)
{
	struct table *t = ctx;
	/* Oldest first; with --limit show the newest rows only. */
	if (t->limit && t->total - t->rows++ > t->limit)
		return 0;
	printf("%-24.24s  %-36s  %3d  %-14.14s  %-22.22s  %-12.12s  %-13s  %-11s\n", row->started_at,
	       row->run_id, row->position, row->serial, row->model, row->profile, row->verdict,
	       row->state);
	return 0;
}

static void print_dof(double dof)
{
	if (isinf(dof))
		printf("  %6s", "inf");
	else if (dof >= 1e6)
		printf("  %6s", ">1e6");
	else if (isfinite(dof))
		printf("  %6.0f", dof);
	else
		printf("  %6s", "inf");
}

/* The outputs gated with the point's own, one line each, and a register
 * point's readings (schema 8 rows). */
static void print_point_outputs(const struct store_cert_point *p)
{
	if (p->has_reading_before || p->has_reading_after) {
		printf("    register read");
		if (p->has_reading_before)
			printf(" before %.10g kWh", p->reading_before_kwh);
		if (p->has_reading_after)
			printf(" after %.10g kWh", p->reading_after_kwh);
		printf("\n");
	}
	for (int i = 0; i < p->n_outputs; i++) {
		const struct store_output *o = &p->outputs[i];
		printf("    output %-9s Kh %-5g %-13s", o->output, o->kh, o->verdict);
		if (o->has_estimate && o->bound)
			printf("  registers at most %.1f %%", 100 + o->error_pct + o->u_pct);
		else if (o->has_estimate)
			printf("  error %+.4f %% U %.4f %%", o->error_pct, o->u_pct);
		printf("  %d edges%s", o->edges, o->lost ? ", lost" : "");
		if (o->has_duty)
			printf("  duty %.1f %%", 100 * o->duty);
		printf("\n");
	}
}

/* A measured point with its uncertainty budget, for `results --run ID`. */
static void print_point_budget(const struct store_cert_point *p)
{
	printf("  point %d %s: %s", p->idx + 1, p->name, p->verdict);
	if (p->has_error)
		printf(", error %+.4f %% U %.4f %%", p->error_pct, p->u_pct);
	printf(", %d edges in %.1f s\n", p->edges_used, p->gate_s);
	print_point_outputs(p);
	if (!p->has_budget)
		return;
	const struct rig_gate_budget *b = &p->budget;
	printf("    %-17s  %10s  %11s  %14s  %6s\n", "term", "u (input)", "sensitivity",
	       "contribution %", "dof");
	for (int t = 0; t < RIG_U_TERMS; t++) {
		const struct rig_u_component *c = &b->term[t];
		printf("    %-17s  %10.3g  %11.3g  %14.5f", rig_u_term_name((enum rig_u_term)t), c->u,
		       c->sensitivity, 100 * c->contribution);
		print_dof(c->dof);
		printf("\n");
	}
	printf("    %-17s  %10s  %11s  %14.5f", "combined uc", "", "", 100 * b->uc_rel);
	print_dof(b->nu_eff);
	printf("\n    k %.3f; update period %.1f ms, %s", b->k, 1e3 * b->update_period_s,
	       rig_period_check_name(b->period_check));
	if (b->period_check == RIG_PERIOD_ESTIMATED)
		printf(" (declared %.1f ms: the edges contradicted it, U widened)",
		       1e3 * b->declared_period_s);
	else if (b->period_check == RIG_PERIOD_NARROWED)
		printf(" (declared %.1f ms: the edges' wraps bound it shorter)",
		       1e3 * b->declared_period_s);
	printf("\n");
}

struct detail {
	struct store *db;
	struct rig_error *err;
};

static int print_run_points(const struct store_result_row *row, void *ctx)
{
	struct detail *d = ctx;
	struct store_certificate *cert = malloc(sizeof(*cert));
	if (!cert)
		return rig_error_set(d->err, NULL, 0, "out of memory");
	int rc = store_certificate_load(d->db, row->serial, row->run_id, cert, d->err);
	if (rc == 0) {
		printf("\nposition %d, %s (%s): %s\n", row->position, row->serial, row->model,
		       row->verdict);
		for (int i = 0; i < cert->n_points; i++)
			if (cert->points[i].measured)
				print_point_budget(&cert->points[i]);
	}
	free(cert);
	return rc;
}

int cmd_results(const struct rigctl_args *a, const struct rigctl_env *env)
{
	struct store *db = open_db(env);
	if (!db)
		return RIGCTL_EXIT_ERROR;
	struct store_filter f;
	make_filter(a, &f);
	struct rig_error err = {0};
	int rc = 0;
	if (a->format == RIGCTL_FMT_CSV) {
		rc = report_export_csv(stdout, db, &f, a->limit, &err);
	} else if (a->format == RIGCTL_FMT_JSON) {
		rc = report_export_json(stdout, db, &f, a->limit, &err);
	} else {
		struct table t = {.limit = a->limit};
		rc = store_query_results(db, &f, count_row, &t, &err);
		if (rc == 0) {
			printf("%-24s  %-36s  %3s  %-14s  %-22s  %-12s  %-13s  %-11s\n", "started (UTC)",
			       "run", "pos", "serial", "model", "profile", "verdict", "run state");
			rc = store_query_results(db, &f, print_row, &t, &err);
			if (rc == 0 && t.total == 0)
				printf("(no results)\n");
			/* one run: every measured point with its uncertainty budget */
			struct detail d = {.db = db, .err = &err};
			if (rc == 0 && a->run_id)
				rc = store_query_results(db, &f, print_run_points, &d, &err);
		}
	}
	store_close(db);
	if (rc < 0) {
		fprintf(stderr, "rigctl: results: %s\n", err.msg);
		return RIGCTL_EXIT_ERROR;
	}
	return RIGCTL_EXIT_PASS;
}

/* A serial number as a file name: anything but [A-Za-z0-9._-] becomes '_'. */
static void file_safe(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++) {
		char ch = in[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
		out[i] = ok && !(i == 0 && ch == '.') ? ch : '_';
	}
	out[i] = '\0';
}

static bool is_directory(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A PDF certificate is signed with the station key beside the database. */
struct cert_output {
	bool pdf;
	const struct station_key *key;
};

static int write_certificate(struct store *db, const char *serial, const char *run_id,
			     const char *out_path, bool quiet, const struct cert_output *co)
{
	struct store_certificate *cert = malloc(sizeof(*cert));
	struct rig_error err = {0};
	if (!cert || store_certificate_load(db, serial, run_id, cert, &err) < 0) {
		fprintf(stderr, "rigctl: certificate for %s%s%s: %s\n", serial ? serial : "run ",
			serial ? "" : run_id, "", cert ? err.msg : "out of memory");
		free(cert);
		return -1;
	}
	char path[1024], name[80];
	const char *ext = co->pdf ? "pdf" : "html";
	file_safe(cert->serial, name, sizeof(name));
	if (!out_path)
		snprintf(path, sizeof(path), "certificate-%s.%s", name, ext);
	else if (is_directory(out_path))
		snprintf(path, sizeof(path), "%s/certificate-%s.%s", out_path, name, ext);
	else
		snprintf(path, sizeof(path), "%s", out_path);
	int rc;
	if (co->pdf) {
		rc = cert_write_signed_pdf(db, cert, co->key, path, &err);
	} else {
		struct safe_file sf;
		FILE *f = safe_file_open(&sf, path);
		rc = f ? safe_file_close(&sf, report_certificate_html(f, cert)) : -1;
		if (rc < 0)
			snprintf(err.msg, sizeof(err.msg), "%s", strerror(errno));
	}
	if (rc < 0) {
		fprintf(stderr, "rigctl: writing %s: %s\n", path, err.msg);
	} else if (!quiet) {
		printf("certificate %s: %s %s, %s\n", path, cert->serial, cert->model, cert->verdict);
	}
	free(cert);
	return rc;
}

struct run_meters {
	struct store *db;
	const char *out;
	bool quiet;
	const struct cert_output *co;
	int written, failed;
};

static int certificate_per_meter(const struct store_result_row *row, void *ctx)
{
	struct run_meters *rm = ctx;
	if (write_certificate(rm->db, row->serial, row->run_id, rm->out, rm->quiet, rm->co) == 0)
		rm->written++;
	else
		rm->failed++;
	return 0;
}

/* CSV into a directory: one table per file (totals, points, worst). */
static int write_summary_tables(const struct store_summary *sum, const char *dir)
{
	static const struct {
		const char *name;
		enum report_summary_table table;
	} files[] = {
		{"summary-totals.csv", REPORT_SUMMARY_TOTALS},
		{"summary-points.csv", REPORT_SUMMARY_POINTS},
		{"summary-worst.csv", REPORT_SUMMARY_WORST},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1200];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		struct safe_file sf;
		FILE *out = safe_file_open(&sf, path);
		if (!out || safe_file_close(&sf, report_summary_csv(out, sum, files[i].table)) < 0) {
			fprintf(stderr, "rigctl: writing %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int write_summary(struct store *db, const struct rigctl_args *a)
{
	struct store_filter f;
	make_filter(a, &f);
	struct store_summary *sum = malloc(sizeof(*sum));
	struct rig_error err = {0};
	if (!sum || store_summary_load(db, &f, sum, &err) < 0) {
		fprintf(stderr, "rigctl: summary: %s\n", sum ? err.msg : "out of memory");
		free(sum);
		return -1;
	}
	if (a->format == RIGCTL_FMT_CSV && is_directory(a->out)) {
		int rc = write_summary_tables(sum, a->out);
		free(sum);
		return rc;
	}
	struct safe_file sf;
	FILE *out = a->out ? safe_file_open(&sf, a->out) : stdout;
	if (!out) {
		fprintf(stderr, "rigctl: %s: %s\n", a->out, strerror(errno));
		free(sum);
		return -1;
	}
	int rc;
	if (a->format == RIGCTL_FMT_CSV)	/* one file: the points table */
		rc = report_summary_csv(out, sum, REPORT_SUMMARY_POINTS);
	else if (a->format == RIGCTL_FMT_JSON)
		rc = report_summary_json(out, sum);
	else
		rc = report_summary_text(out, sum, NULL);
	if (out != stdout && safe_file_close(&sf, rc) < 0) {
		fprintf(stderr, "rigctl: writing %s: %s\n", a->out, strerror(errno));
		rc = -1;
	}
	free(sum);
	return rc;
}

/* report --points (long form) and --batch: one table, to --out or stdout. */
static int write_table(struct store *db, const struct rigctl_args *a)
{
	struct store_filter f;
	make_filter(a, &f);
	struct safe_file sf;
	FILE *out = a->out ? safe_file_open(&sf, a->out) : stdout;
	if (!out) {
		fprintf(stderr, "rigctl: %s: %s\n", a->out, strerror(errno));
		return -1;
	}
	struct rig_error err = {0};
	int rc;
	if (a->points)
		rc = a->format == RIGCTL_FMT_JSON ? report_points_json(out, db, &f, &err)
						  : report_points_csv(out, db, &f, &err);
	else if (a->format == RIGCTL_FMT_CSV)
		rc = report_batch_csv(out, db, &f, &err);
	else if (a->format == RIGCTL_FMT_JSON)
		rc = report_batch_json(out, db, &f, &err);
	else
		rc = report_batch_text(out, db, &f, &err);
	if (out != stdout && safe_file_close(&sf, rc) < 0 && rc == 0) {
		fprintf(stderr, "rigctl: writing %s: %s\n", a->out, strerror(errno));
		return -1;
	}
	if (rc < 0)
		fprintf(stderr, "rigctl: report: %s\n", err.msg);
	return rc;
}

struct history_out {
	enum rigctl_format format;
	int rows;
	cJSON *array;
};

static int print_history_row(const struct store_history_row *r, void *ctx)
{
	struct history_out *h = ctx;
	h->rows++;
	char weighted[32] = "-";
	if (r->has_weighted)
		snprintf(weighted, sizeof(weighted), "%+.3f", r->weighted_avg_pct);
	if (h->format == RIGCTL_FMT_TABLE) {
		char model[40];
		snprintf(model, sizeof(model), "%s%s", r->model, r->model_backfilled ? " (inferred)" : "");
		printf("%-24.24s  %-36s  %3d  %-33.33s  %-9s  %-9s  %-13s  %8s  %s%s\n",
		       r->started_at, r->run_id, r->position, model,
		       r->test_state[0] ? r->test_state : "-",
		       r->test_reason[0] ? r->test_reason : "-", r->verdict, weighted,
		       r->follows_run[0] ? "follows " : "", r->follows_run);
	} else if (h->format == RIGCTL_FMT_CSV) {
		const char *fields[] = {r->started_at, r->run_id, r->model, r->profile, r->state,
					r->verdict, r->test_state, r->test_reason, r->customer,
					r->follows_run, r->weighting};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			report_csv_field(stdout, fields[i]);
			fputc(',', stdout);
		}
		printf("%d,%s,%s\r\n", r->position, r->has_weighted ? weighted : "",
		       r->model_backfilled ? "backfilled" : "recorded");
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "run", r->run_id);
		cJSON_AddStringToObject(o, "started_at", r->started_at);
		cJSON_AddStringToObject(o, "station", r->station);
		cJSON_AddNumberToObject(o, "position", r->position);
		cJSON_AddStringToObject(o, "model", r->model);
		cJSON_AddStringToObject(o, "model_source", r->model_backfilled ? "backfilled" : "recorded");
		cJSON_AddNumberToObject(o, "rated_current_a", r->rated_current_a);
		cJSON_AddStringToObject(o, "profile", r->profile);
		cJSON_AddStringToObject(o, "run_state", r->state);
		cJSON_AddStringToObject(o, "verdict", r->verdict);
		cJSON_AddStringToObject(o, "test", r->test_state);
		cJSON_AddStringToObject(o, "test_reason", r->test_reason);
		cJSON_AddStringToObject(o, "customer", r->customer);
		cJSON_AddStringToObject(o, "follows", r->follows_run);
		cJSON_AddStringToObject(o, "weighting", r->weighting);
		if (r->has_weighted)
			cJSON_AddNumberToObject(o, "weighted_avg_pct", r->weighted_avg_pct);
		else
			cJSON_AddNullToObject(o, "weighted_avg_pct");
		cJSON_AddItemToArray(h->array, o);
	}
	return 0;
}

int cmd_history(const struct rigctl_args *a, const struct rigctl_env *env)
{
	struct store *db = open_db(env);
	if (!db)
		return RIGCTL_EXIT_ERROR;
	struct history_out h = {.format = a->format == RIGCTL_FMT_CSV || a->format == RIGCTL_FMT_JSON
						  ? a->format
						  : RIGCTL_FMT_TABLE};
	if (h.format == RIGCTL_FMT_TABLE)
		printf("%-24s  %-36s  %3s  %-33s  %-9s  %-9s  %-13s  %8s\n", "started (UTC)", "run",
		       "pos", "model (as tested)", "test", "reason", "verdict", "wavg %");
	else if (h.format == RIGCTL_FMT_CSV)
		printf("started_at,run,model,profile,run_state,verdict,test,test_reason,customer,"
		       "follows,weighting,position,weighted_avg_pct,model_source\r\n");
	else
		h.array = cJSON_CreateArray();
	struct rig_error err = {0};
	int rc = store_history(db, a->serial, print_history_row, &h, &err);
	store_close(db);
	if (h.array) {
		char *text = cJSON_Print(h.array);
		cJSON_Delete(h.array);
		if (text)
			puts(text);
		free(text);
	}
	if (rc < 0) {
		fprintf(stderr, "rigctl: history: %s\n", err.msg);
		return RIGCTL_EXIT_ERROR;
	}
	if (h.rows == 0 && h.format == RIGCTL_FMT_TABLE)
		printf("(no tests of %s)\n", a->serial);
	return RIGCTL_EXIT_PASS;
}

int cmd_report(const struct rigctl_args *a, const struct rigctl_env *env)
{
	struct store *db = open_db(env);
	if (!db)
		return RIGCTL_EXIT_ERROR;
	int rc = 0;
	struct station_key key;
	struct cert_output co = {.pdf = a->format == RIGCTL_FMT_PDF, .key = &key};
	if (co.pdf && !a->summary && !a->points && !a->batch) {
		char dir[512];
		struct rig_error err = {0};
		station_key_dir(env->db, dir, sizeof(dir));
		if (station_key_load(dir, &key, &err) < 0) {
			char buf[800];
			fprintf(stderr, "rigctl: report --format pdf signs with the station key, which "
					"rigd creates on its first start: %s\n",
				rig_error_format(&err, buf, sizeof(buf)));
			store_close(db);
			return RIGCTL_EXIT_ERROR;
		}
	}
	if (a->points || a->batch) {
		rc = write_table(db, a);
	} else if (a->summary) {
		rc = write_summary(db, a);
	} else if (a->serial) {
		rc = write_certificate(db, a->serial, a->run_id, a->out, a->quiet, &co);
	} else {
		/* A run: one certificate per meter, into --out (a directory) or here. */
		struct run_meters rm = {.db = db, .out = a->out, .quiet = a->quiet, .co = &co};
		struct store_filter f = {.run_id = a->run_id};
		struct rig_error err = {0};
		if (a->out && rm.out && !is_directory(a->out)) {
			fprintf(stderr, "rigctl: report --run: --out must be a directory (one "
					"certificate per meter); for one meter use --serial S --run ID\n");
			rc = -1;
		} else if (store_query_results(db, &f, certificate_per_meter, &rm, &err) < 0) {
			fprintf(stderr, "rigctl: report: %s\n", err.msg);
			rc = -1;
		} else if (rm.written == 0) {
			fprintf(stderr, "rigctl: report: no meters in run %s (rigctl results lists the "
					"stored runs)\n", a->run_id);
			rc = -1;
		} else if (rm.failed) {
			rc = -1;
		}
	}
	sodium_memzero(key.sk, sizeof(key.sk));
	store_close(db);
	return rc < 0 ? RIGCTL_EXIT_ERROR : RIGCTL_EXIT_PASS;
}
