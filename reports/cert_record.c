#include "reports/cert_record.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "reports/html.h"

static void number_fact(cert_fact_fn fn, void *ctx, const char *label, bool has, const char *fmt,
			double v)
{
	char text[64] = "not stated";
	if (has && isfinite(v))
		snprintf(text, sizeof(text), fmt, v);
	fn("Record", label, text, false, ctx);
}

static const char *stated(const char *s)
{
	return s[0] ? s : "not stated";
}

static void record_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx)
{
	const struct store_run_record *r = &c->record;
	char t[400];
	fn("Record", "Reason for test", stated(r->test_reason), false, ctx);
	fn("Record", "Customer", stated(r->customer), false, ctx);
	if (r->test_state[0]) {
		snprintf(t, sizeof(t), "%s%s%s", r->test_state,
			 r->follows_run[0] ? ", following run " : "", r->follows_run);
		fn("Record", "Test", t, false, ctx);
	}
	number_fact(fn, ctx, "Register before (kWh)", c->has_register_before, "%.3f",
		    c->register_before_kwh);
	number_fact(fn, ctx, "Register after (kWh)", c->has_register_after, "%.3f",
		    c->register_after_kwh);
	if (r->weighting != RIG_WEIGHTING_NONE) {
		char label[64];
		snprintf(label, sizeof(label), "Weighted average %s (%%)", rig_weighting_name(r->weighting));
		number_fact(fn, ctx, label, c->has_weighted, "%+.3f", c->weighted_avg_pct);
	}
	size_t n = 0;
	t[0] = '\0';
	if (r->has_ambient_c)
		n += (size_t)snprintf(t, sizeof(t), "%.1f °C", r->ambient_c);
	if (r->has_humidity_pct && n < sizeof(t))
		n += (size_t)snprintf(t + n, sizeof(t) - n, "%s%.0f %% RH", n ? ", " : "", r->humidity_pct);
	if (n && r->ambient_source[0] && n < sizeof(t))
		snprintf(t + n, sizeof(t) - n, " (%s)", r->ambient_source);
	fn("Record", "Ambient", stated(t), false, ctx);
}

static void lab_facts(const struct store_run_record *r, cert_fact_fn fn, void *ctx)
{
	char t[200];
	fn("Laboratory", "Laboratory", stated(r->lab_name), false, ctx);
	fn("Laboratory", "Address", stated(r->lab_address), false, ctx);
	fn("Laboratory", "Accreditation", stated(r->lab_accreditation), false, ctx);
	snprintf(t, sizeof(t), "%s%s%s", r->approver_name,
		 r->approver_name[0] && r->approver_role[0] ? ", " : "", r->approver_role);
	fn("Laboratory", "Approved by", stated(t), false, ctx);
}

static void standard_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx)
{
	const struct store_run_record *r = &c->record;
	for (int i = 0; i < r->n_standards; i++) {
		const struct store_standard *sd = &r->standards[i];
		/* ISO dates compare as text */
		bool lapsed = sd->cal_due[0] && strncmp(sd->cal_due, c->started_at, 10) < 0;
		char t[400];
		snprintf(t, sizeof(t), "%s; certificate %s; calibrated %s by %s; due %s%s",
			 stated(sd->identity), stated(sd->certificate), stated(sd->cal_date),
			 stated(sd->lab), stated(sd->cal_due), lapsed ? " (overdue)" : "");
		fn("Reference standards", strcmp(sd->role, "source") ? "Reference standard" : "Source", t,
		   lapsed, ctx);
	}
	if (r->cal_override_by[0]) {
		char t[700], by[200], why[400];
		cert_visible_text(r->cal_override_by, by, sizeof(by));
		cert_visible_text(r->cal_override_reason, why, sizeof(why));
		snprintf(t, sizeof(t), "run on an overdue calibration by override of %s: %s", by, why);
		fn("Reference standards", "Calibration override", t, true, ctx);
	}
}

static const char *or_none(const char *s)
{
	return s[0] ? s : "none";
}

/* rigd's own record of a model override, apart from the free-text notes:
 * who and why, then each position it let run as another model than the
 * one expected or stored (this meter's marked). */
static void model_override_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx)
{
	const struct store_run_record *r = &c->record;
	if (!r->model_override_by[0])
		return;
	bool used = false;
	for (int p = 1; p <= RIG_MAX_POSITIONS; p++)
		used = used || r->pos[p].model_overridden;
	char t[700], by[200], why[400];
	cert_visible_text(r->model_override_by, by, sizeof(by));
	cert_visible_text(r->model_override_reason, why, sizeof(why));
	/* an override given where no meter disagreed let nothing through */
	snprintf(t, sizeof(t), "%s %s: %s%s",
		 used ? "run past a model disagreement by override of" : "given by", by, why,
		 used ? "" : " (no meter disagreed with its model)");
	fn("Overrides", "Model override", t, used, ctx);
	for (int p = 1; p <= RIG_MAX_POSITIONS; p++) {
		const struct store_position_record *pr = &r->pos[p];
		if (!pr->model_overridden)
			continue;
		char label[64];
		snprintf(label, sizeof(label), "Model override, position %d%s", p,
			 p == c->position ? " (this meter)" : "");
		snprintf(t, sizeof(t), "ran as %s; expected %s; stored for its serial %s",
			 pr->override_ran_as, or_none(pr->override_expected),
			 or_none(pr->override_stored));
		fn("Overrides", label, t, true, ctx);
	}
}

void cert_record_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx)
{
	record_facts(c, fn, ctx);
	lab_facts(&c->record, fn, ctx);
	standard_facts(c, fn, ctx);
	model_override_facts(c, fn, ctx);
}

struct html_facts {
	FILE *out;
	const char *section;	/* the open table's */
};

static void html_fact(const char *section, const char *label, const char *value, bool warn,
		      void *ctx)
{
	struct html_facts *h = ctx;
	if (!h->section || strcmp(h->section, section)) {
		if (h->section)
			fprintf(h->out, "</table>\n");
		fprintf(h->out, "<h2>");
		report_html_text(h->out, section);
		fprintf(h->out, "</h2>\n<table class=\"facts\">\n");
		h->section = section;
	}
	fprintf(h->out, "<tr><th>");
	report_html_text(h->out, label);
	fprintf(h->out, "</th><td%s>", warn ? " class=\"fail\"" : "");
	report_html_text(h->out, value);
	fprintf(h->out, "</td></tr>\n");
}

void report_certificate_record_html(FILE *out, const struct store_certificate *c)
{
	struct html_facts h = {.out = out};
	cert_record_facts(c, html_fact, &h);
	if (h.section)
		fprintf(out, "</table>\n");
}
