#include "reports/cert_record.h"

#include <math.h>
#include <string.h>

#include "reports/html.h"

static void row(FILE *out, const char *name, const char *value, const char *cls)
{
	fprintf(out, "<tr><th>%s</th><td%s%s%s>", name, cls ? " class=\"" : "", cls ? cls : "",
		cls ? "\"" : "");
	report_html_text(out, value && *value ? value : "not stated");
	fprintf(out, "</td></tr>\n");
}

static void number_row(FILE *out, const char *name, bool has, const char *fmt, double v)
{
	char text[64] = "";
	if (has && isfinite(v))
		snprintf(text, sizeof(text), fmt, v);
	row(out, name, text, NULL);
}

static void record_facts(FILE *out, const struct store_certificate *c)
{
	const struct store_run_record *r = &c->record;
	char text[400];
	fprintf(out, "<h2>Record</h2>\n<table class=\"facts\">\n");
	row(out, "Reason for test", r->test_reason, NULL);
	row(out, "Customer", r->customer, NULL);
	if (r->test_state[0]) {
		snprintf(text, sizeof(text), "%s%s%s", r->test_state,
			 r->follows_run[0] ? ", following run " : "", r->follows_run);
		row(out, "Test", text, NULL);
	}
	number_row(out, "Register before (kWh)", c->has_register_before, "%.3f", c->register_before_kwh);
	number_row(out, "Register after (kWh)", c->has_register_after, "%.3f", c->register_after_kwh);
	if (r->weighting != STORE_WEIGHTING_NONE) {
		snprintf(text, sizeof(text), "Weighted average %s (%%)", store_weighting_name(r->weighting));
		number_row(out, text, c->has_weighted, "%+.3f", c->weighted_avg_pct);
	}
	text[0] = '\0';
	size_t n = 0;
	if (r->has_ambient_c)
		n += (size_t)snprintf(text, sizeof(text), "%.1f °C", r->ambient_c);
	if (r->has_humidity_pct && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%.0f %% RH", n ? ", " : "",
				      r->humidity_pct);
	if (n && r->ambient_source[0] && n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, " (%s)", r->ambient_source);
	row(out, "Ambient", text, NULL);
	if (r->simulated)
		row(out, "Bench", "SIMULATED BENCH: simulated source and meters", "fail");
	fprintf(out, "</table>\n");
}

static void lab_facts(FILE *out, const struct store_run_record *r)
{
	char text[300];
	fprintf(out, "<h2>Laboratory</h2>\n<table class=\"facts\">\n");
	row(out, "Laboratory", r->lab_name, NULL);
	row(out, "Address", r->lab_address, NULL);
	row(out, "Accreditation", r->lab_accreditation, NULL);
	snprintf(text, sizeof(text), "%s%s%s", r->approver_name,
		 r->approver_name[0] && r->approver_role[0] ? ", " : "", r->approver_role);
	row(out, "Approved by", text, NULL);
	fprintf(out, "</table>\n");
}

static void standards_facts(FILE *out, const struct store_certificate *c)
{
	const struct store_run_record *r = &c->record;
	if (r->n_standards == 0)
		return;
	fprintf(out, "<h2>Reference standards</h2>\n<table class=\"points\">\n<thead><tr><th>Role</th>"
		     "<th>Identity</th><th>Certificate</th><th>Calibrated by</th><th>Calibrated</th>"
		     "<th>Due</th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < r->n_standards; i++) {
		const struct store_standard *sd = &r->standards[i];
		const char *cells[] = {sd->role, sd->identity, sd->certificate, sd->lab, sd->cal_date};
		fprintf(out, "<tr>");
		for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
			fprintf(out, "<td>");
			report_html_text(out, cells[k][0] ? cells[k] : "-");
			fprintf(out, "</td>");
		}
		bool lapsed = sd->cal_due[0] && strncmp(sd->cal_due, c->started_at, 10) < 0;
		fprintf(out, "<td%s>", lapsed ? " class=\"fail\"" : "");
		report_html_text(out, sd->cal_due[0] ? sd->cal_due : "-");
		fprintf(out, "%s</td></tr>\n", lapsed ? " (overdue)" : "");
	}
	fprintf(out, "</tbody>\n</table>\n");
	if (r->cal_override_by[0]) {
		fprintf(out, "<p class=\"fail\">Run on an overdue calibration by override of ");
		report_html_text(out, r->cal_override_by);
		fprintf(out, ": ");
		report_html_text(out, r->cal_override_reason);
		fprintf(out, "</p>\n");
	}
}

void report_certificate_record_html(FILE *out, const struct store_certificate *c)
{
	record_facts(out, c);
	lab_facts(out, &c->record);
	standards_facts(out, c);
}
