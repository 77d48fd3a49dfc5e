#include "reports/certificate.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "reports/cert_facts.h"
#include "reports/cert_record.h"
#include "reports/html.h"
#include "rig/core/model.h"

/* --- plot ---------------------------------------------------------------- */

#define PLOT_W 640
#define PLOT_H 340
#define PLOT_L 64	/* room for the error axis labels */
#define PLOT_R 140	/* room for the legend */
#define PLOT_T 16
#define PLOT_B 48	/* room for the current axis labels */
#define MAX_SERIES 6

static const char *const series_colors[MAX_SERIES] = {
	"#1f5fa8", "#c0392b", "#2e8b3e", "#7d3c98", "#d68910", "#5d4037",
};

struct plot {
	double x_lo, x_hi;	/* decades, log10 amps */
	double y_max;		/* percent, axis is -y_max..+y_max */
	double y_step;
};

/* The load curve only: influence points (voltage, frequency, one element
 * alone) are listed in the table, not drawn into the curve. */
static bool plotted(const struct store_certificate *c, const struct store_cert_point *p)
{
	return cert_point_on_load_curve(c, p);
}

static double px(const struct plot *pl, double amps)
{
	double w = PLOT_W - PLOT_L - PLOT_R;
	return PLOT_L + (log10(amps) - pl->x_lo) / (pl->x_hi - pl->x_lo) * w;
}

static double py(const struct plot *pl, double pct)
{
	double h = PLOT_H - PLOT_T - PLOT_B;
	double clamped = fmax(-pl->y_max, fmin(pl->y_max, pct));
	return PLOT_T + h / 2 - clamped / pl->y_max * h / 2;
}

static void plot_scale(const struct store_certificate *c, struct plot *pl)
{
	double lo = INFINITY, hi = 0, extent = 0;
	for (int i = 0; i < c->n_points; i++) {
		const struct store_cert_point *p = &c->points[i];
		if (!plotted(c, p))
			continue;
		lo = fmin(lo, p->current_a);
		hi = fmax(hi, p->current_a);
		extent = fmax(extent, fmax(p->band_pct, fabs(p->error_pct) + (isfinite(p->u_pct) ? p->u_pct : 0)));
	}
	pl->x_lo = floor(log10(lo / 1.2));
	pl->x_hi = ceil(log10(hi * 1.2));
	if (pl->x_hi <= pl->x_lo)
		pl->x_hi = pl->x_lo + 1;
	static const double steps[] = {0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50};
	extent = fmax(extent * 1.2, 0.1);
	pl->y_step = steps[sizeof(steps) / sizeof(steps[0]) - 1];
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (extent / steps[i] <= 4) {
			pl->y_step = steps[i];
			break;
		}
	pl->y_max = ceil(extent / pl->y_step - 1e-9) * pl->y_step;
}

/* Distinct bands, widest first, so narrower ones are drawn on top. */
static int distinct_bands(const struct store_certificate *c, double *bands, int max)
{
	int n = 0;
	for (int i = 0; i < c->n_points; i++) {
		const struct store_cert_point *p = &c->points[i];
		if (!plotted(c, p) || !cert_point_has_band(p))
			continue;
		bool seen = false;
		for (int k = 0; k < n; k++)
			seen |= bands[k] == p->band_pct;
		if (!seen && n < max)
			bands[n++] = p->band_pct;
	}
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && bands[k] > bands[k - 1]; k--) {
			double t = bands[k];
			bands[k] = bands[k - 1];
			bands[k - 1] = t;
		}
	return n;
}

static void plot_bands(FILE *out, const struct store_certificate *c, const struct plot *pl)
{
	double bands[8];
	int n = distinct_bands(c, bands, 8);
	double x0 = PLOT_L, w = PLOT_W - PLOT_L - PLOT_R;
	for (int i = 0; i < n; i++) {
		double top = py(pl, bands[i]), bottom = py(pl, -bands[i]);
		fprintf(out,
			"<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#3c9d5d\" fill-opacity=\"0.12\"/>\n",
			x0, top, w, bottom - top);
		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#2e6b40\">"
			"&#177;%g %%</text>\n",
			x0 + w - 4, top + 11, bands[i]);
	}
}

static void plot_axes(FILE *out, const struct plot *pl)
{
	double x0 = PLOT_L, x1 = PLOT_W - PLOT_R, y0 = PLOT_T, y1 = PLOT_H - PLOT_B;
	fprintf(out, "<g font-size=\"10\" fill=\"#333\">\n");
	for (double v = -pl->y_max; v <= pl->y_max + 1e-9; v += pl->y_step) {
		double y = py(pl, v);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x0, y,
			x1, y, fabs(v) < 1e-9 ? "#888" : "#e3e3e3");
		if (fabs(v) < 1e-9)
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", x0 - 6, y + 3);
		else
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%+g</text>\n", x0 - 6, y + 3, v);
	}
	static const int mantissas[] = {1, 2, 5};
	for (double d = pl->x_lo; d <= pl->x_hi + 1e-9; d++)
		for (int m = 0; m < 3; m++) {
			double amps = mantissas[m] * pow(10, d);
			if (log10(amps) > pl->x_hi + 1e-9)
				break;
			double x = px(pl, amps);
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x,
				y0, x, y1, m == 0 ? "#cfcfcf" : "#eeeeee");
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x,
				y1 + 14, amps);
		}
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#555\"/>\n",
		x0, y0, x1 - x0, y1 - y0);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">current, primary amps (log scale)</text>\n",
		(x0 + x1) / 2, (double)PLOT_H - 12);
	fprintf(out, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">error, %%</text>\n",
		(y0 + y1) / 2);
	fprintf(out, "</g>\n");
}

struct series {
	double pf;
	bool leading;
	int idx[RIG_PROFILE_MAX_POINTS];	/* points, by current */
	int n;
};

static int collect_series(const struct store_certificate *c, struct series *s)
{
	int n = 0;
	for (int i = 0; i < c->n_points; i++) {
		const struct store_cert_point *p = &c->points[i];
		if (!plotted(c, p))
			continue;
		int k = 0;
		while (k < n && !(s[k].pf == p->pf && s[k].leading == (p->leading && p->pf < 1)))
			k++;
		if (k == n) {
			if (n == MAX_SERIES)
				continue;
			s[n] = (struct series){.pf = p->pf, .leading = p->leading && p->pf < 1};
			n++;
		}
		int at = s[k].n++;
		while (at > 0 && c->points[s[k].idx[at - 1]].current_a > p->current_a) {
			s[k].idx[at] = s[k].idx[at - 1];
			at--;
		}
		s[k].idx[at] = i;
	}
	return n;
}

static void series_label(const struct series *s, char *buf, size_t len)
{
	snprintf(buf, len, "pf %g%s", s->pf, s->pf >= 1 ? "" : s->leading ? " lead" : " lag");
}

static void plot_series(FILE *out, const struct store_certificate *c, const struct plot *pl,
			const struct series *s, const char *color)
{
	fprintf(out, "<g class=\"series\" stroke=\"%s\" fill=\"%s\">\n", color, color);
	if (s->n > 1) {
		fprintf(out, "<polyline fill=\"none\" stroke-width=\"1.2\" points=\"");
		for (int i = 0; i < s->n; i++) {
			const struct store_cert_point *p = &c->points[s->idx[i]];
			fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(pl, p->current_a), py(pl, p->error_pct));
		}
		fprintf(out, "\"/>\n");
	}
	for (int i = 0; i < s->n; i++) {
		const struct store_cert_point *p = &c->points[s->idx[i]];
		double x = px(pl, p->current_a), y = py(pl, p->error_pct);
		if (isfinite(p->u_pct) && p->u_pct > 0) {
			double ya = py(pl, p->error_pct + p->u_pct), yb = py(pl, p->error_pct - p->u_pct);
			fprintf(out,
				"<path class=\"errbar\" fill=\"none\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\"/>\n",
				x, ya, yb, x - 4, ya, x + 4, x - 4, yb, x + 4);
		}
		bool failed = strcmp(p->verdict, "fail") == 0;
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"%s><title>", x, y,
			failed ? " fill=\"#fff\" stroke-width=\"2\"" : "");
		report_html_text(out, p->name);
		fprintf(out, ": %+.3f %% &#177; %.3f %% (%s)</title></circle>\n", p->error_pct, p->u_pct,
			p->verdict);
	}
	fprintf(out, "</g>\n");
}

static void plot_legend(FILE *out, const struct series *s, int n)
{
	double x = PLOT_W - PLOT_R + 14;
	fprintf(out, "<g font-size=\"11\" fill=\"#222\">\n");
	for (int i = 0; i < n; i++) {
		char label[32];
		series_label(&s[i], label, sizeof(label));
		double y = PLOT_T + 14 + i * 18;
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n",
			x, y - 4, x + 18, y - 4, series_colors[i]);
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x + 9, y - 4,
			series_colors[i]);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 24, y, label);
	}
	double y = PLOT_T + 14 + n * 18 + 6;
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"#3c9d5d\" fill-opacity=\"0.25\"/>\n",
		x, y - 9);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">accuracy band</text>\n", x + 24, y);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">bars: U (k = 2)</text>\n", x, y + 18);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">open: failed</text>\n", x, y + 34);
	fprintf(out, "</g>\n");
}

void report_certificate_svg(FILE *out, const struct store_certificate *c)
{
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
		"role=\"img\" aria-label=\"error against current\" font-family=\"sans-serif\">\n",
		PLOT_W, PLOT_H);
	struct series s[MAX_SERIES];
	int n = collect_series(c, s);
	if (n == 0) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">"
			     "no accuracy point was measured</text>\n</svg>\n",
			PLOT_W / 2, PLOT_H / 2);
		return;
	}
	struct plot pl;
	plot_scale(c, &pl);
	plot_axes(out, &pl);
	plot_bands(out, c, &pl);
	for (int i = 0; i < n; i++)
		plot_series(out, c, &pl, &s[i], series_colors[i]);
	plot_legend(out, s, n);
	fprintf(out, "</svg>\n");
}

/* --- page ---------------------------------------------------------------- */

void report_certificate_id(const struct store_certificate *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s / %s / %s", c->run_id, c->serial, c->rows_hash);
}

static const char *const page_style =
	"@page { size: A4; margin: 14mm 12mm; }\n"
	"body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #111; margin: 0; }\n"
	"main { max-width: 186mm; margin: 0 auto; padding: 8mm 0; }\n"
	"h1 { font-size: 16pt; margin: 0 0 2mm; }\n"
	"h2 { font-size: 11pt; margin: 5mm 0 2mm; border-bottom: 1px solid #999; }\n"
	"table { border-collapse: collapse; width: 100%; }\n"
	"th, td { text-align: left; padding: 1mm 1.5mm; vertical-align: top; }\n"
	"table.points th, table.points td { border: 1px solid #bbb; }\n"
	"table.points td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"table.facts th { width: 38mm; font-weight: normal; color: #555; }\n"
	"tr { page-break-inside: avoid; }\n"
	".verdict { display: inline-block; padding: 1.5mm 5mm; font-size: 14pt; font-weight: bold; border: 2px solid; }\n"
	".pass { color: #1d6b32; } .fail { color: #a61b1b; } .other { color: #8a5a00; }\n"
	"figure { margin: 3mm 0; page-break-inside: avoid; }\n"
	"footer { margin-top: 6mm; font-size: 8.5pt; color: #444; border-top: 1px solid #999; padding-top: 2mm; }\n"
	"pre.desc { font-family: inherit; margin: 0; white-space: pre-wrap; }\n"
	".mono { font-family: 'DejaVu Sans Mono', monospace; font-size: 8.5pt; word-break: break-all; }\n"
	"@media print { main { padding: 0; } a { color: inherit; text-decoration: none; } }\n";

static const char *verdict_class(const char *v)
{
	if (strcmp(v, "pass") == 0)
		return "pass";
	if (strcmp(v, "fail") == 0)
		return "fail";
	return "other";
}

static void upper(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[i] = 0;
}

static void fact(FILE *out, const char *name, const char *value, bool mono)
{
	fprintf(out, "<tr><th>%s</th><td%s>", name, mono ? " class=\"mono\"" : "");
	report_html_text(out, value && *value ? value : "-");
	fprintf(out, "</td></tr>\n");
}

static void meter_section(FILE *out, const struct store_certificate *c)
{
	char text[256];
	fprintf(out, "<h2>Meter</h2>\n<table class=\"facts\">\n");
	fact(out, "Serial number", c->serial, false);
	cert_model_text(c, text, sizeof(text));
	fact(out, "Model", text, false);
	snprintf(text, sizeof(text), "%d element%s, %g V %s", c->elements, c->elements == 1 ? "" : "s",
		 c->voltage_v, c->voltage_between);
	fact(out, "Rating", text, false);
	snprintf(text, sizeof(text), "%g A : %g A; rated %g A, maximum %g A (primary)", c->ct_primary_a,
		 c->ct_secondary_a, c->rated_current_a, c->max_current_a);
	fact(out, "Current transformer", text, false);
	size_t used = (size_t)snprintf(text, sizeof(text), "Kh ");
	for (const char *o = c->outputs; *o && used + 3 < sizeof(text); o++) {
		if (*o == ',')
			text[used++] = ',', text[used++] = ' ';
		else
			text[used++] = *o;
	}
	snprintf(text + used, sizeof(text) - used, " Wh per pulse");
	fact(out, "Pulse outputs", text, false);
	snprintf(text, sizeof(text), "%d", c->position);
	fact(out, "Bench position", text, false);
	/* The model number decoded afresh: what the number means, written the
	 * way the rest of rig describes models. */
	struct rig_meter_model m;
	char description[512];
	if (rig_model_decode(c->model, &m, NULL) == 0 &&
	    rig_model_describe(&m, description, sizeof(description)) > 0) {
		fprintf(out, "<tr><th>Description</th><td><pre class=\"desc\">");
		report_html_text(out, description);
		fprintf(out, "</pre></td></tr>\n");
	}
	fprintf(out, "</table>\n");
}

static void test_section(FILE *out, const struct store_certificate *c)
{
	char text[300];
	fprintf(out, "<h2>Test</h2>\n<table class=\"facts\">\n");
	fact(out, "Run", c->run_id, true);
	if (c->record.method[0])
		fact(out, "Method", c->record.method, false);
	snprintf(text, sizeof(text), "%s (sha256 %s)", c->profile_name, c->profile_sha256);
	fact(out, "Test profile", text, false);
	snprintf(text, sizeof(text), "%s (sha256 %s)", c->fixture_name, c->fixture_sha256);
	fact(out, "Fixture", text, false);
	snprintf(text, sizeof(text), "%s%s%s", c->station, c->host[0] ? " on " : "", c->host);
	fact(out, "Station", text, false);
	fact(out, "Operator", c->operator_name, false);
	fact(out, "Started (UTC)", c->started_at, false);
	fact(out, "Ended (UTC)", c->ended_at, false);
	cert_run_outcome(c, text, sizeof(text));
	fact(out, "Run outcome", text, false);
	fact(out, "Software", c->software_version, false);
	char notes[4 * sizeof(c->notes)];
	cert_notes_text(c->notes, notes, sizeof(notes));
	if (c->notes[0])
		fact(out, cert_notes_label, notes, false);
	fprintf(out, "</table>\n");
}

static void instrument_section(FILE *out, const struct store_certificate *c)
{
	fprintf(out, "<h2>Instruments</h2>\n<table class=\"facts\">\n");
	fact(out, "Source identity", c->instrument_idn, false);
	fact(out, "Serial number", c->instrument_serial, false);
	/* ISO dates compare as text: flag a calibration that had lapsed. */
	bool lapsed = c->instrument_cal_due[0] && strncmp(c->instrument_cal_due, c->started_at, 10) < 0;
	fprintf(out, "<tr><th>Calibration due</th><td%s>", lapsed ? " class=\"fail\"" : "");
	report_html_text(out, c->instrument_cal_due[0] ? c->instrument_cal_due : "not stated");
	fprintf(out, "%s</td></tr>\n</table>\n", lapsed ? " (overdue at the time of the test)" : "");
}


/* The outputs gated with the point's own, a row each under it (schema 8). */
static void output_rows(FILE *out, const struct store_cert_point *p)
{
	for (int i = 0; i < p->n_outputs; i++) {
		const struct store_output *o = &p->outputs[i];
		fprintf(out, "<tr class=\"output\"><td></td><td>output ");
		report_html_text(out, o->output);
		fprintf(out, "</td><td>Kh %g</td>", o->kh);
		if (o->has_estimate && !o->bound)
			fprintf(out, "<td class=\"num\">%+.3f</td><td class=\"num\">%.3f</td>",
				o->error_pct, o->u_pct);
		else
			fprintf(out, "<td class=\"num\">-</td><td class=\"num\">-</td>");
		fprintf(out, "<td class=\"num\">-</td><td class=\"%s\">%s</td><td>%d edges%s",
			verdict_class(o->verdict), o->verdict, o->edges, o->lost ? ", lost" : "");
		if (o->has_estimate && o->bound)
			fprintf(out, "; registers at most %.1f %%", 100 + o->error_pct + o->u_pct);
		if (o->has_duty)
			fprintf(out, "; duty %.1f %%", 100 * o->duty);
		fprintf(out, "</td></tr>\n");
	}
	if (p->has_reading_before || p->has_reading_after) {
		fprintf(out, "<tr class=\"output\"><td></td><td>register readings</td><td colspan=\"6\">");
		if (p->has_reading_before)
			fprintf(out, "before %.10g kWh ", p->reading_before_kwh);
		if (p->has_reading_after)
			fprintf(out, "after %.10g kWh", p->reading_after_kwh);
		fprintf(out, "</td></tr>\n");
	}
}

static void point_row(FILE *out, const struct store_certificate *c, const struct store_cert_point *p)
{
	char setpoint[160];
	cert_setpoint_text(c, p, setpoint, sizeof(setpoint));
	fprintf(out, "<tr><td class=\"num\">%d</td><td>", p->idx + 1);
	report_html_text(out, p->name);
	fprintf(out, "</td><td>");
	report_html_text(out, setpoint);
	fprintf(out, "</td>");
	if (p->has_error)
		fprintf(out, "<td class=\"num\">%+.3f</td><td class=\"num\">%.3f</td>", p->error_pct, p->u_pct);
	else
		fprintf(out, "<td class=\"num\">-</td><td class=\"num\">-</td>");
	if (cert_point_has_band(p))
		fprintf(out, "<td class=\"num\">&#177;%g</td>", p->band_pct);
	else
		fprintf(out, "<td class=\"num\">-</td>");
	fprintf(out, "<td class=\"%s\">%s</td><td>", verdict_class(p->verdict), p->verdict);
	report_html_text(out, p->measured ? p->detail : "not measured");
	fprintf(out, "</td></tr>\n");
	output_rows(out, p);
}

static void dof_text(double dof, char *buf, size_t len)
{
	if (isinf(dof))
		snprintf(buf, len, "&#8734;");
	else if (dof >= 1e6)
		snprintf(buf, len, "&gt;1e6");
	else if (isfinite(dof))
		snprintf(buf, len, "%.0f", dof);
	else
		snprintf(buf, len, "&#8734;");
}

/* One point's GUM budget: every term relative to the registration. */
static void budget_table(FILE *out, const struct store_cert_point *p)
{
	const struct rig_gate_budget *b = &p->budget;
	fprintf(out, "<h3>Point %d, ", p->idx + 1);
	report_html_text(out, p->name);
	fprintf(out, "</h3>\n<table class=\"points\">\n<thead><tr><th>Term</th><th>u (input)</th>"
		     "<th>Sensitivity</th><th>Contribution %%</th><th>&#957;</th></tr></thead>\n<tbody>\n");
	for (int t = 0; t < RIG_U_TERMS; t++) {
		const struct rig_u_component *c = &b->term[t];
		char dof[16];
		dof_text(c->dof, dof, sizeof(dof));
		fprintf(out, "<tr><td>%s</td><td class=\"num\">%.3g</td><td class=\"num\">%.3g</td>"
			     "<td class=\"num\">%.4f</td><td class=\"num\">%s</td></tr>\n",
			rig_u_term_name((enum rig_u_term)t), c->u, c->sensitivity, 100 * c->contribution, dof);
	}
	char nu[16];
	dof_text(b->nu_eff, nu, sizeof(nu));
	fprintf(out, "<tr><th>Combined u<sub>c</sub></th><td></td><td></td><td class=\"num\">%.4f</td>"
		     "<td class=\"num\">%s</td></tr>\n</tbody>\n</table>\n",
		100 * b->uc_rel, nu);
	fprintf(out, "<p>k = %.3f (Student's t at &#957;<sub>eff</sub>, 95.45 %%), U = %.4f %%. "
		     "Update period %.1f ms: %s",
		b->k, p->u_pct, 1e3 * b->update_period_s, rig_period_check_name(b->period_check));
	if (b->period_check == RIG_PERIOD_ESTIMATED)
		fprintf(out, " (declared %.1f ms; the edges contradicted it, U widened)",
			1e3 * b->declared_period_s);
	fprintf(out, ".</p>\n");
}

static void budgets_section(FILE *out, const struct store_certificate *c)
{
	bool any = false;
	for (int i = 0; i < c->n_points; i++)
		any |= c->points[i].has_budget;
	if (!any)
		return;
	fprintf(out, "<h2>Uncertainty budgets</h2>\n<p>Per point (GUM): standard uncertainty of "
		     "each input, its sensitivity and its contribution relative to the registration; "
		     "the contributions add in quadrature to u<sub>c</sub>, and U = k u<sub>c</sub> "
		     "(registration) with k from the Welch-Satterthwaite degrees of freedom.</p>\n");
	for (int i = 0; i < c->n_points; i++)
		if (c->points[i].has_budget)
			budget_table(out, &c->points[i]);
}

static void points_section(FILE *out, const struct store_certificate *c)
{
	fprintf(out, "<h2>Results</h2>\n<table class=\"points\">\n<thead><tr><th>#</th><th>Point</th>"
		     "<th>Setpoint</th><th>Error %%</th><th>U %% (95.45 %%)</th><th>Band %%</th>"
		     "<th>Verdict</th><th>Detail</th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < c->n_points; i++)
		point_row(out, c, &c->points[i]);
	fprintf(out, "</tbody>\n</table>\n");
	fprintf(out, "<h2>Error against current</h2>\n<figure>\n");
	report_certificate_svg(out, c);
	fprintf(out, "</figure>\n");
	budgets_section(out, c);
}

int report_certificate_html(FILE *out, const struct store_certificate *c)
{
	char id[160], verdict[24];
	report_certificate_id(c, id, sizeof(id));
	/* A run still in progress has no overall verdict yet. */
	bool running = strcmp(c->state, "running") == 0;
	upper(running ? "in progress" : c->verdict, verdict, sizeof(verdict));
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	fprintf(out, "Test certificate ");
	report_html_text(out, c->serial);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", page_style);
	fprintf(out, "<header>\n<h1>Meter test certificate</h1>\n<p>Meter <strong>");
	report_html_text(out, c->serial);
	fprintf(out, "</strong>, ");
	report_html_text(out, c->model);
	fprintf(out, ". Verdict for this meter: <span class=\"verdict %s\">%s</span></p>\n",
		running ? "other" : verdict_class(c->verdict), verdict);
	if (cert_simulated(c))
		fprintf(out, "<p class=\"verdict fail\">SIMULATED BENCH: not a measurement of a real meter</p>\n");
	fprintf(out, "</header>\n");
	meter_section(out, c);
	test_section(out, c);
	report_certificate_record_html(out, c);
	instrument_section(out, c);
	points_section(out, c);
	fprintf(out, "<footer>\n<p>Certificate identifier: <span class=\"mono\">");
	report_html_text(out, id);
	fprintf(out, "</span> (run / meter serial / fingerprint of the stored results).</p>\n"
		     "<p>Error = registration - 100 %%. U is the expanded uncertainty (95.45 %%: k = 2, or "
		     "Student's t where the budget says so). A point "
		     "passes when |error| + U is within the band and fails when |error| - U is outside "
		     "it.</p>\n</footer>\n</main>\n</body>\n</html>\n");
	return ferror(out) ? -1 : 0;
}
