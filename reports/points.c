#include "reports/points.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"
#include "rig/common/jsonl.h"

static const char *const point_columns[] = {
	"run", "serial", "model", "position", "point", "name", "kind", "setpoint_v",
	"setpoint_a", "setpoint_pct", "pf", "frequency_hz", "error_pct", "u_pct", "k",
	"band_pct", "verdict", "as_found_left", "output", "kh", "edges", "bound", "duty",
};
#define N_POINT_COLUMNS (sizeof(point_columns) / sizeof(point_columns[0]))

/* A band applies to accuracy points only (creep, starting load, LED and
 * connection points are judged on counts), as on the certificate. */
static double band_of(const struct store_point_row *r)
{
	return r->band_pct > 0 && strcmp(r->kind, "accuracy") == 0 ? r->band_pct : NAN;
}

/* The columns that name the point, the same on each of its rows. */
static void csv_point_head(FILE *out, const struct store_point_row *r)
{
	report_csv_field(out, r->run_id);
	fputc(',', out);
	report_csv_field(out, r->serial);
	fputc(',', out);
	report_csv_field(out, r->model);
	fprintf(out, ",%d,%d,", r->position, r->point + 1);
	report_csv_field(out, r->name);
	fputc(',', out);
	report_csv_field(out, r->kind);
	report_csv_number(out, "%.6g", r->voltage_v);
	report_csv_number(out, "%.6g", r->current_a);
	report_csv_number(out, "%.6g", r->current_pct >= 0 ? r->current_pct : NAN);
	/* a lagging pf positive, leading negative: one signed column */
	report_csv_number(out, "%.4g", r->leading ? -r->pf : r->pf);
	report_csv_number(out, "%.6g", r->frequency_hz);
}

static void csv_tail(FILE *out, const struct store_point_row *r, const char *verdict,
		     const char *output, double kh, int edges, const char *bound, double duty)
{
	fputc(',', out);
	report_csv_field(out, verdict);
	fputc(',', out);
	report_csv_field(out, r->test_state);
	fputc(',', out);
	report_csv_field(out, output);
	report_csv_number(out, "%.6g", kh);
	report_csv_number(out, "%.0f", edges >= 0 ? edges : NAN);
	fprintf(out, ",%s", bound);
	report_csv_number(out, "%.4f", duty);
	fputs("\r\n", out);
}

/* One row per output: the point's own first, then each output gated
 * beside it (its registration, U and verdict; no budget of its own, so
 * no k), filterable on the output column. */
static int csv_point(const struct store_point_row *r, void *ctx)
{
	FILE *out = ctx;
	csv_point_head(out, r);
	report_csv_number(out, "%.6f", r->has_error ? r->error_pct : NAN);
	report_csv_number(out, "%.6f", r->has_error ? r->u_pct : NAN);
	report_csv_number(out, "%.4g", r->k);
	report_csv_number(out, "%.6g", band_of(r));
	csv_tail(out, r, r->verdict, r->output, r->output_kh, r->edges, "", NAN);
	for (int i = 0; i < r->n_outputs; i++) {
		const struct store_output *o = &r->outputs[i];
		csv_point_head(out, r);
		report_csv_number(out, "%.6f", o->has_estimate ? o->error_pct : NAN);
		report_csv_number(out, "%.6f", o->has_estimate ? o->u_pct : NAN);
		report_csv_number(out, "%.4g", NAN);
		report_csv_number(out, "%.6g", band_of(r));
		csv_tail(out, r, o->verdict, o->output, o->kh, o->edges, o->bound ? "1" : "0",
			 o->has_duty ? o->duty : NAN);
	}
	return ferror(out) ? -1 : 0;
}

int report_points_csv(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err)
{
	for (size_t i = 0; i < N_POINT_COLUMNS; i++)
		fprintf(out, "%s%s", i ? "," : "", point_columns[i]);
	fputs("\r\n", out);
	int rc = store_query_points(s, f, csv_point, out, err);
	if (rc > 0)
		rc = rig_error_set(err, NULL, 0, "writing failed");
	return rc;
}

static void json_num(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		rig_json_add_number(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *json_point_head(const struct store_point_row *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "run", r->run_id);
	cJSON_AddStringToObject(o, "serial", r->serial);
	cJSON_AddStringToObject(o, "model", r->model);
	cJSON_AddNumberToObject(o, "position", r->position);
	cJSON_AddNumberToObject(o, "point", r->point + 1);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "kind", r->kind);
	json_num(o, "setpoint_v", r->voltage_v);
	json_num(o, "setpoint_a", r->current_a);
	json_num(o, "setpoint_pct", r->current_pct >= 0 ? r->current_pct : NAN);
	json_num(o, "pf", r->leading ? -r->pf : r->pf);
	json_num(o, "frequency_hz", r->frequency_hz);
	return o;
}

/* The same rows as the CSV: the point's own output, then each beside it. */
static int json_point(const struct store_point_row *r, void *ctx)
{
	cJSON *o = json_point_head(r);
	json_num(o, "error_pct", r->has_error ? r->error_pct : NAN);
	json_num(o, "u_pct", r->has_error ? r->u_pct : NAN);
	json_num(o, "k", r->k);
	json_num(o, "band_pct", band_of(r));
	cJSON_AddStringToObject(o, "verdict", r->verdict);
	cJSON_AddStringToObject(o, "as_found_left", r->test_state);
	cJSON_AddStringToObject(o, "output", r->output);
	json_num(o, "kh", r->output_kh);
	json_num(o, "edges", r->edges >= 0 ? r->edges : NAN);
	cJSON_AddNullToObject(o, "bound");
	cJSON_AddNullToObject(o, "duty");
	cJSON_AddItemToArray((cJSON *)ctx, o);
	for (int i = 0; i < r->n_outputs; i++) {
		const struct store_output *x = &r->outputs[i];
		o = json_point_head(r);
		json_num(o, "error_pct", x->has_estimate ? x->error_pct : NAN);
		json_num(o, "u_pct", x->has_estimate ? x->u_pct : NAN);
		cJSON_AddNullToObject(o, "k");
		json_num(o, "band_pct", band_of(r));
		cJSON_AddStringToObject(o, "verdict", x->verdict);
		cJSON_AddStringToObject(o, "as_found_left", r->test_state);
		cJSON_AddStringToObject(o, "output", x->output);
		json_num(o, "kh", x->kh);
		cJSON_AddNumberToObject(o, "edges", x->edges);
		cJSON_AddBoolToObject(o, "bound", x->bound);
		json_num(o, "duty", x->has_duty ? x->duty : NAN);
		cJSON_AddItemToArray((cJSON *)ctx, o);
	}
	return 0;
}

static int write_json(FILE *out, cJSON *v, struct rig_error *err)
{
	char *text = cJSON_Print(v);
	cJSON_Delete(v);
	if (!text)
		return rig_error_set(err, NULL, 0, "out of memory");
	int rc = fputs(text, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	free(text);
	return rc < 0 ? rig_error_set(err, NULL, 0, "writing failed") : 0;
}

int report_points_json(FILE *out, struct store *s, const struct store_filter *f,
		       struct rig_error *err)
{
	cJSON *array = cJSON_CreateArray();
	if (store_query_points(s, f, json_point, array, err) < 0) {
		cJSON_Delete(array);
		return -1;
	}
	return write_json(out, array, err);
}

/* --- batch ------------------------------------------------------------------ */

struct weighted_stats {
	char rule[32];
	int n, meters;
	double sum, min, max;
	cJSON *rows;		/* JSON: one object per meter test */
};

static int add_weighted(const struct store_weighted_row *r, void *ctx)
{
	struct weighted_stats *w = ctx;
	w->meters++;
	if (r->weighting[0] && !w->rule[0])
		snprintf(w->rule, sizeof(w->rule), "%s", r->weighting);
	if (w->rows) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "run", r->run_id);
		cJSON_AddStringToObject(o, "serial", r->serial);
		cJSON_AddStringToObject(o, "model", r->model);
		cJSON_AddStringToObject(o, "verdict", r->verdict);
		cJSON_AddStringToObject(o, "weighting", r->weighting);
		json_num(o, "weighted_avg_pct", r->has_value ? r->weighted_avg_pct : NAN);
		cJSON_AddItemToArray(w->rows, o);
	}
	if (!r->has_value)
		return 0;
	double v = r->weighted_avg_pct;
	w->min = w->n ? fmin(w->min, v) : v;
	w->max = w->n ? fmax(w->max, v) : v;
	w->sum += v;
	w->n++;
	return 0;
}

/* The batch's summary, its weighted averages gathered into w (a row each
 * into w->rows when set); NULL with err, w->rows freed, when either fails. */
static struct store_summary *load_batch(struct store *s, const struct store_filter *f,
					struct weighted_stats *w, struct rig_error *err)
{
	struct store_summary *sum = malloc(sizeof(*sum));
	if (!sum)
		rig_error_set(err, NULL, 0, "out of memory");
	else if (store_summary_load(s, f, sum, err) >= 0 &&
		 store_query_weighted(s, f, add_weighted, w, err) >= 0)
		return sum;
	free(sum);
	cJSON_Delete(w->rows);
	w->rows = NULL;
	return NULL;
}

int report_batch_text(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err)
{
	struct weighted_stats w = {0};
	struct store_summary *sum = load_batch(s, f, &w, err);
	if (!sum)
		return -1;
	fprintf(out, "Batch: %d run(s), %d meter test(s), %d passed, %d failed, %d other\n",
		sum->runs, sum->meters, sum->meters_passed, sum->meters_failed, sum->meters_other);
	if (isfinite(sum->pass_rate))
		fprintf(out, "Yield: %.1f %%\n", 100 * sum->pass_rate);
	fprintf(out, "\n%-14s %-26s %5s %10s %9s %9s %8s\n", "profile", "point", "n", "mean %",
		"sd %", "band %", "Cpk");
	for (int i = 0; i < sum->n_points; i++) {
		const struct store_point_summary *p = &sum->points[i];
		fprintf(out, "%-14.14s %-26.26s %5d %10.4f ", p->profile, p->name, p->stats.n,
			p->stats.mean);
		if (isfinite(p->sd))
			fprintf(out, "%9.4f", p->sd);
		else
			fprintf(out, "%9s", "-");
		fprintf(out, " %9.3g ", p->band_pct);
		if (isfinite(p->cpk))
			fprintf(out, "%8.2f\n", p->cpk);
		else
			fprintf(out, "%8s\n", "-");
	}
	if (w.n)
		fprintf(out, "\nWeighted average registration %s: %d meter(s), mean %.4f %%, "
			"min %.4f %%, max %.4f %%\n",
			w.rule, w.n, w.sum / w.n, w.min, w.max);
	else
		fprintf(out, "\nWeighted average registration: none stored (no rule in the record)\n");
	free(sum);
	return ferror(out) ? rig_error_set(err, NULL, 0, "writing failed") : 0;
}

/* One table: a row per point, the batch's yield and weighted average
 * repeated on each so the table stands alone. */
int report_batch_csv(FILE *out, struct store *s, const struct store_filter *f,
		     struct rig_error *err)
{
	struct weighted_stats w = {0};
	struct store_summary *sum = load_batch(s, f, &w, err);
	if (!sum)
		return -1;
	fputs("profile,point,name,n,mean_pct,sd_pct,band_pct,cpk,meters,passed,yield_pct,"
	      "weighting,weighted_n,weighted_mean_pct\r\n",
	      out);
	for (int i = 0; i < sum->n_points; i++) {
		const struct store_point_summary *p = &sum->points[i];
		report_csv_field(out, p->profile);
		fprintf(out, ",%d,", p->idx + 1);
		report_csv_field(out, p->name);
		fprintf(out, ",%d", p->stats.n);
		report_csv_number(out, "%.6f", p->stats.mean);
		report_csv_number(out, "%.6f", p->sd);
		report_csv_number(out, "%.6g", p->band_pct);
		report_csv_number(out, "%.4f", p->cpk);
		fprintf(out, ",%d,%d", sum->meters, sum->meters_passed);
		report_csv_number(out, "%.3f", 100 * sum->pass_rate);
		fputc(',', out);
		report_csv_field(out, w.rule);
		fprintf(out, ",%d", w.n);
		report_csv_number(out, "%.6f", w.n ? w.sum / w.n : NAN);
		fputs("\r\n", out);
	}
	free(sum);
	return ferror(out) ? rig_error_set(err, NULL, 0, "writing failed") : 0;
}

int report_batch_json(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err)
{
	struct weighted_stats w = {.rows = cJSON_CreateArray()};
	struct store_summary *sum = load_batch(s, f, &w, err);
	if (!sum)
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "runs", sum->runs);
	cJSON_AddNumberToObject(o, "meters", sum->meters);
	cJSON_AddNumberToObject(o, "passed", sum->meters_passed);
	cJSON_AddNumberToObject(o, "failed", sum->meters_failed);
	json_num(o, "yield_pct", 100 * sum->pass_rate);
	cJSON *points = cJSON_AddArrayToObject(o, "points");
	for (int i = 0; i < sum->n_points; i++) {
		const struct store_point_summary *p = &sum->points[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "profile", p->profile);
		cJSON_AddNumberToObject(j, "point", p->idx + 1);
		cJSON_AddStringToObject(j, "name", p->name);
		cJSON_AddNumberToObject(j, "n", p->stats.n);
		json_num(j, "mean_pct", p->stats.mean);
		json_num(j, "sd_pct", p->sd);
		json_num(j, "band_pct", p->band_pct);
		json_num(j, "cpk", p->cpk);
		cJSON_AddItemToArray(points, j);
	}
	cJSON *wj = cJSON_AddObjectToObject(o, "weighted_average");
	cJSON_AddStringToObject(wj, "rule", w.rule);
	cJSON_AddNumberToObject(wj, "n", w.n);
	json_num(wj, "mean_pct", w.n ? w.sum / w.n : NAN);
	json_num(wj, "min_pct", w.n ? w.min : NAN);
	json_num(wj, "max_pct", w.n ? w.max : NAN);
	cJSON_AddItemToObject(wj, "meters", w.rows);
	free(sum);
	return write_json(out, o, err);
}
