#include "reports/summary.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "reports/export.h"

/* A statistic or "-" when it is not known. */
static const char *num(char *buf, size_t len, const char *fmt, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
	return buf;
}

static const char *pf_text(char *buf, size_t len, double pf, bool leading)
{
	snprintf(buf, len, "%g%s", pf, pf >= 1 ? "" : leading ? " lead" : " lag");
	return buf;
}

int report_summary_text(FILE *out, const struct store_summary *s, const char *title)
{
	char a[32], b[32], c[32], d[32];
	if (title)
		fprintf(out, "%s\n\n", title);
	fprintf(out, "Runs: %d (passed %d, failed %d, indeterminate %d, aborted %d, error %d, "
		     "interrupted %d, running %d)\n",
		s->runs, s->runs_passed, s->runs_failed, s->runs_indeterminate, s->runs_aborted,
		s->runs_error, s->runs_interrupted, s->runs_running);
	fprintf(out, "Meters tested: %d (passed %d, failed %d, other %d), pass rate %s\n\n", s->meters,
		s->meters_passed, s->meters_failed, s->meters_other,
		num(a, sizeof(a), "%.1f %%", s->pass_rate * 100));
	fprintf(out, "%-18s %3s  %-24s %9s %-8s %6s %5s %9s %8s %6s  %s\n", "profile", "#", "point",
		"current A", "pf", "band %", "n", "mean %", "sd %", "Cpk", "worst meter");
	for (int i = 0; i < s->n_points; i++) {
		const struct store_point_summary *p = &s->points[i];
		fprintf(out, "%-18.18s %3d  %-24.24s %9.4g %-8s %6g %5d %9s %8s %6s  %s (%+.3f %%)\n",
			p->profile, p->idx + 1, p->name, p->current_a, pf_text(a, sizeof(a), p->pf, p->leading),
			p->band_pct, p->stats.n, num(b, sizeof(b), "%+.4f", p->stats.mean),
			num(c, sizeof(c), "%.4f", p->sd), num(d, sizeof(d), "%.2f", p->cpk), p->worst_serial,
			p->worst_error_pct);
	}
	if (s->n_worst) {
		fprintf(out, "\nWorst meters (share of the band used):\n");
		for (int i = 0; i < s->n_worst; i++) {
			const struct store_worst_meter *w = &s->worst[i];
			fprintf(out, "  %-20s %6.0f %%  %+.3f %% of +/-%g %% at %s, run %s\n", w->serial,
				w->band_used * 100, w->error_pct, w->band_pct, w->point, w->run_id);
		}
	}
	return ferror(out) ? -1 : 0;
}

static void csv_metric(FILE *out, const char *name, double v)
{
	fputs(name, out);
	report_csv_number(out, "%.10g", v);
	fputs("\r\n", out);
}

static void totals_csv(FILE *out, const struct store_summary *s)
{
	fputs("metric,value\r\n", out);
	csv_metric(out, "runs", s->runs);
	csv_metric(out, "runs_passed", s->runs_passed);
	csv_metric(out, "runs_failed", s->runs_failed);
	csv_metric(out, "runs_indeterminate", s->runs_indeterminate);
	csv_metric(out, "runs_aborted", s->runs_aborted);
	csv_metric(out, "runs_error", s->runs_error);
	csv_metric(out, "runs_interrupted", s->runs_interrupted);
	csv_metric(out, "runs_running", s->runs_running);
	csv_metric(out, "meters", s->meters);
	csv_metric(out, "meters_passed", s->meters_passed);
	csv_metric(out, "meters_failed", s->meters_failed);
	csv_metric(out, "meters_other", s->meters_other);
	csv_metric(out, "pass_rate", s->pass_rate);
}

static void points_csv(FILE *out, const struct store_summary *s)
{
	fputs("profile,point,name,current_a,pf,leading,band_pct,n,mean_error_pct,sd_pct,cpk,"
	      "worst_serial,worst_error_pct\r\n",
	      out);
	for (int i = 0; i < s->n_points; i++) {
		const struct store_point_summary *p = &s->points[i];
		report_csv_field(out, p->profile);
		fprintf(out, ",%d,", p->idx + 1);
		report_csv_field(out, p->name);
		report_csv_number(out, "%.10g", p->current_a);
		report_csv_number(out, "%.10g", p->pf);
		fprintf(out, ",%d", p->leading);
		report_csv_number(out, "%.10g", p->band_pct);
		fprintf(out, ",%d", p->stats.n);
		report_csv_number(out, "%.10g", p->stats.mean);
		report_csv_number(out, "%.10g", p->sd);
		report_csv_number(out, "%.10g", p->cpk);
		fputc(',', out);
		report_csv_field(out, p->worst_serial);
		report_csv_number(out, "%.10g", p->worst_error_pct);
		fputs("\r\n", out);
	}
}

static void worst_csv(FILE *out, const struct store_summary *s)
{
	fputs("serial,run_id,point,error_pct,band_pct,band_used\r\n", out);
	for (int i = 0; i < s->n_worst; i++) {
		const struct store_worst_meter *w = &s->worst[i];
		report_csv_field(out, w->serial);
		fputc(',', out);
		report_csv_field(out, w->run_id);
		fputc(',', out);
		report_csv_field(out, w->point);
		report_csv_number(out, "%.10g", w->error_pct);
		report_csv_number(out, "%.10g", w->band_pct);
		report_csv_number(out, "%.10g", w->band_used);
		fputs("\r\n", out);
	}
}

int report_summary_csv(FILE *out, const struct store_summary *s, enum report_summary_table t)
{
	if (t == REPORT_SUMMARY_TOTALS)
		totals_csv(out, s);
	else if (t == REPORT_SUMMARY_WORST)
		worst_csv(out, s);
	else
		points_csv(out, s);
	return ferror(out) ? -1 : 0;
}

/* cJSON writes non-finite numbers as null, which is what we want. */
static cJSON *counts_json(const struct store_summary *s)
{
	cJSON *runs = cJSON_CreateObject();
	cJSON_AddNumberToObject(runs, "total", s->runs);
	cJSON_AddNumberToObject(runs, "passed", s->runs_passed);
	cJSON_AddNumberToObject(runs, "failed", s->runs_failed);
	cJSON_AddNumberToObject(runs, "indeterminate", s->runs_indeterminate);
	cJSON_AddNumberToObject(runs, "aborted", s->runs_aborted);
	cJSON_AddNumberToObject(runs, "error", s->runs_error);
	cJSON_AddNumberToObject(runs, "interrupted", s->runs_interrupted);
	cJSON_AddNumberToObject(runs, "running", s->runs_running);
	return runs;
}

static cJSON *point_json(const struct store_point_summary *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "profile", p->profile);
	cJSON_AddNumberToObject(o, "point", p->idx + 1);
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddNumberToObject(o, "current_a", p->current_a);
	cJSON_AddNumberToObject(o, "pf", p->pf);
	cJSON_AddBoolToObject(o, "leading", p->leading);
	cJSON_AddNumberToObject(o, "band_pct", p->band_pct);
	cJSON_AddNumberToObject(o, "n", p->stats.n);
	cJSON_AddNumberToObject(o, "mean_error_pct", p->stats.mean);
	cJSON_AddNumberToObject(o, "sd_pct", p->sd);
	cJSON_AddNumberToObject(o, "cpk", p->cpk);
	cJSON_AddStringToObject(o, "worst_serial", p->worst_serial);
	cJSON_AddNumberToObject(o, "worst_error_pct", p->worst_error_pct);
	return o;
}

static cJSON *worst_json(const struct store_worst_meter *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "serial", w->serial);
	cJSON_AddStringToObject(o, "run_id", w->run_id);
	cJSON_AddStringToObject(o, "point", w->point);
	cJSON_AddNumberToObject(o, "error_pct", w->error_pct);
	cJSON_AddNumberToObject(o, "band_pct", w->band_pct);
	cJSON_AddNumberToObject(o, "band_used", w->band_used);
	return o;
}

int report_summary_json(FILE *out, const struct store_summary *s)
{
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return -1;
	cJSON_AddItemToObject(root, "runs", counts_json(s));
	cJSON *meters = cJSON_AddObjectToObject(root, "meters");
	cJSON_AddNumberToObject(meters, "total", s->meters);
	cJSON_AddNumberToObject(meters, "passed", s->meters_passed);
	cJSON_AddNumberToObject(meters, "failed", s->meters_failed);
	cJSON_AddNumberToObject(meters, "other", s->meters_other);
	cJSON_AddNumberToObject(root, "pass_rate", s->pass_rate);
	cJSON *points = cJSON_AddArrayToObject(root, "points");
	for (int i = 0; i < s->n_points; i++)
		cJSON_AddItemToArray(points, point_json(&s->points[i]));
	cJSON *worst = cJSON_AddArrayToObject(root, "worst");
	for (int i = 0; i < s->n_worst; i++)
		cJSON_AddItemToArray(worst, worst_json(&s->worst[i]));
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -1;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return ferror(out) ? -1 : 0;
}
