#include "reports/certificate_pdf.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/cert_facts.h"
#include "reports/certificate.h"

/* A4 in points; everything below is in points. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 42.0
#define TOP (MARGIN + 22)
#define BOTTOM (PAGE_H - MARGIN - 18)
#define TEXT_W (PAGE_W - 2 * MARGIN)

struct pdf {
	cairo_t *cr;
	const struct store_certificate *c;
	const struct cert_pdf_seal *seal;
	char id[160];
	bool simulated;
	int page, pages;		/* pages: the total from the first pass, 0 in it */
	double y;
	const char *section;		/* the facts' section last headed */
	PangoContext *pango;		/* on a font map of our own, freed after */
};

struct buffer {
	unsigned char *data;
	size_t len, cap;
	bool failed;
};

static cairo_status_t append(void *closure, const unsigned char *data, unsigned int len)
{
	struct buffer *b = closure;
	if (b->len + len > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 65536) + len;
		unsigned char *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->data = d, b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t discard(void *closure, const unsigned char *data, unsigned int len)
{
	(void)closure, (void)data, (void)len;
	return CAIRO_STATUS_SUCCESS;
}

/* --- text ------------------------------------------------------------------ */

/* Lays out text at (x, y) within width; draws it when draw; returns its height. */
static double text_at(struct pdf *p, double x, double y, double width, const char *text,
		      const char *font, bool draw)
{
	PangoLayout *l = pango_layout_new(p->pango);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text, -1);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	if (draw) {
		cairo_move_to(p->cr, x, y);
		pango_cairo_update_layout(p->cr, l);
		pango_cairo_show_layout(p->cr, l);
	}
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

static void color(struct pdf *p, double r, double g, double b)
{
	cairo_set_source_rgb(p->cr, r, g, b);
}

/* --- pages ----------------------------------------------------------------- */

static void watermark(struct pdf *p)
{
	cairo_save(p->cr);
	cairo_translate(p->cr, PAGE_W / 2, PAGE_H / 2);
	cairo_rotate(p->cr, -atan2(PAGE_H, PAGE_W));
	cairo_set_source_rgba(p->cr, 0.75, 0.1, 0.1, 0.16);
	PangoLayout *l = pango_layout_new(p->pango);
	PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans Bold 64");
	pango_layout_set_font_description(l, fd);
	pango_layout_set_text(l, "SIMULATED BENCH", -1);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(p->cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
	pango_cairo_update_layout(p->cr, l);
	pango_cairo_show_layout(p->cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
	cairo_restore(p->cr);
}

static void page_frame(struct pdf *p)
{
	char text[300];
	color(p, 0.25, 0.25, 0.25);
	snprintf(text, sizeof(text), "Meter test certificate%s", p->simulated ? " - SIMULATED BENCH" : "");
	text_at(p, MARGIN, MARGIN, TEXT_W, text, "DejaVu Sans 8", true);
	snprintf(text, sizeof(text), "Certificate %s", p->id);
	text_at(p, MARGIN, PAGE_H - MARGIN - 10, TEXT_W - 80, text, "DejaVu Sans Mono 7", true);
	if (p->pages)
		snprintf(text, sizeof(text), "Page %d of %d", p->page, p->pages);
	else
		snprintf(text, sizeof(text), "Page %d of %d", p->page, 99);
	text_at(p, PAGE_W - MARGIN - 70, PAGE_H - MARGIN - 10, 70, text, "DejaVu Sans 8", true);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, MARGIN + 14);
	cairo_line_to(p->cr, PAGE_W - MARGIN, MARGIN + 14);
	cairo_move_to(p->cr, MARGIN, PAGE_H - MARGIN - 14);
	cairo_line_to(p->cr, PAGE_W - MARGIN, PAGE_H - MARGIN - 14);
	cairo_stroke(p->cr);
	if (p->simulated)
		watermark(p);
	color(p, 0, 0, 0);
}

static void new_page(struct pdf *p)
{
	if (p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	page_frame(p);
	p->y = TOP;
}

/* Starts a new page unless h more points fit on this one. */
static void need(struct pdf *p, double h)
{
	if (p->y + h > BOTTOM)
		new_page(p);
}

static void heading(struct pdf *p, const char *text)
{
	need(p, 60);
	p->y += 8;
	color(p, 0.1, 0.1, 0.1);
	p->y += text_at(p, MARGIN, p->y, TEXT_W, text, "DejaVu Sans Bold 11", true) + 2;
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, MARGIN, p->y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, p->y);
	cairo_stroke(p->cr);
	p->y += 4;
}

static void paragraph(struct pdf *p, const char *text, const char *font)
{
	double h = text_at(p, MARGIN, p->y, TEXT_W, text, font, false);
	need(p, h);
	p->y += text_at(p, MARGIN, p->y, TEXT_W, text, font, true) + 4;
}

/* --- facts ----------------------------------------------------------------- */

static void fact_row(const char *section, const char *label, const char *value, bool warn, void *ctx)
{
	struct pdf *p = ctx;
	if (!p->section || strcmp(p->section, section) != 0) {
		heading(p, section);
		p->section = section;
	}
	/* the row is as tall as the taller of a wrapped label and its value */
	double h = text_at(p, MARGIN + 130, p->y, TEXT_W - 130, value, "DejaVu Sans 9", false);
	double lh = text_at(p, MARGIN, p->y, 125, label, "DejaVu Sans 9", false);
	need(p, (h > lh ? h : lh) + 2);
	color(p, 0.35, 0.35, 0.35);
	lh = text_at(p, MARGIN, p->y, 125, label, "DejaVu Sans 9", true);
	if (warn)
		color(p, 0.7, 0.1, 0.1);
	else
		color(p, 0, 0, 0);
	h = text_at(p, MARGIN + 130, p->y, TEXT_W - 130, value, "DejaVu Sans 9", true);
	p->y += (h > lh ? h : lh) + 2;
	color(p, 0, 0, 0);
}

static void title(struct pdf *p)
{
	char text[340], verdict[24], outcome[300];
	p->y += text_at(p, MARGIN, p->y, TEXT_W, "Meter test certificate", "DejaVu Sans Bold 18", true) + 4;
	snprintf(text, sizeof(text), "Meter %s, %s", p->c->serial, p->c->model);
	p->y += text_at(p, MARGIN, p->y, TEXT_W, text, "DejaVu Sans 11", true) + 4;
	cert_meter_verdict(p->c, verdict, sizeof(verdict));
	bool pass = strcmp(p->c->verdict, "pass") == 0 && strcmp(p->c->state, "running") != 0;
	snprintf(text, sizeof(text), "Verdict for this meter: %s", verdict);
	if (pass)
		color(p, 0.1, 0.42, 0.2);
	else
		color(p, 0.65, 0.1, 0.1);
	p->y += text_at(p, MARGIN, p->y, TEXT_W, text, "DejaVu Sans Bold 14", true) + 2;
	color(p, 0, 0, 0);
	cert_run_outcome(p->c, outcome, sizeof(outcome));
	snprintf(text, sizeof(text), "Run outcome: %s", outcome);
	p->y += text_at(p, MARGIN, p->y, TEXT_W, text, "DejaVu Sans 9", true) + 2;
	if (p->seal && p->seal->issued_at) {
		snprintf(text, sizeof(text), "Issued (UTC): %s", p->seal->issued_at);
		p->y += text_at(p, MARGIN, p->y, TEXT_W, text, "DejaVu Sans 9", true) + 2;
	}
	if (p->simulated) {
		color(p, 0.7, 0.1, 0.1);
		p->y += text_at(p, MARGIN, p->y, TEXT_W,
				"SIMULATED BENCH: the source and the meter pulses came from rig-sim; "
				"this is not a measurement of a real meter.",
				"DejaVu Sans Bold 9", true) + 2;
		color(p, 0, 0, 0);
	}
}

/* --- tables ---------------------------------------------------------------- */

#define MAX_COLS 8

struct table {
	int n;
	const char *head[MAX_COLS];
	double width[MAX_COLS];
};

static double row_height(struct pdf *p, const struct table *t, char cells[][200])
{
	double h = 0;
	for (int i = 0; i < t->n; i++)
		h = fmax(h, text_at(p, 0, 0, t->width[i] - 4, cells[i], "DejaVu Sans 8", false));
	return h + 3;
}

static void draw_row(struct pdf *p, const struct table *t, char cells[][200], const char *font)
{
	double x = MARGIN, h = row_height(p, t, cells);
	for (int i = 0; i < t->n; i++) {
		text_at(p, x + 2, p->y + 1.5, t->width[i] - 4, cells[i], font, true);
		x += t->width[i];
	}
	cairo_set_line_width(p->cr, 0.3);
	color(p, 0.7, 0.7, 0.7);
	cairo_move_to(p->cr, MARGIN, p->y + h);
	cairo_line_to(p->cr, x, p->y + h);
	cairo_stroke(p->cr);
	color(p, 0, 0, 0);
	p->y += h;
}

static void table_head(struct pdf *p, const struct table *t)
{
	need(p, 48);	/* never a header alone at the foot of a page */
	char cells[MAX_COLS][200];
	for (int i = 0; i < t->n; i++)
		snprintf(cells[i], sizeof(cells[i]), "%s", t->head[i]);
	draw_row(p, t, cells, "DejaVu Sans Bold 8");
}

/* A row, after a new page and the header again when it does not fit. */
static void table_row(struct pdf *p, const struct table *t, char cells[][200])
{
	if (p->y + row_height(p, t, cells) > BOTTOM) {
		new_page(p);
		table_head(p, t);
	}
	draw_row(p, t, cells, "DejaVu Sans 8");
}

static void results_table(struct pdf *p)
{
	static const struct table t = {
		7, {"#", "Point", "Setpoint", "Error %", "U %", "Band %", "Verdict"},
		{22, 92, 180, 52, 48, 52, 65.28},
	};
	heading(p, "Results");
	table_head(p, &t);
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		char cells[MAX_COLS][200];
		snprintf(cells[0], 200, "%d", pt->idx + 1);
		snprintf(cells[1], 200, "%s", pt->name);
		cert_setpoint_text(p->c, pt, cells[2], 200);
		if (pt->has_error) {
			snprintf(cells[3], 200, "%+.3f", pt->error_pct);
			if (isfinite(pt->u_pct) && pt->u_pct >= 0)
				snprintf(cells[4], 200, "%.3f", pt->u_pct);
			else
				snprintf(cells[4], 200, "-");
		} else {
			snprintf(cells[3], 200, "-");
			snprintf(cells[4], 200, "-");
		}
		if (cert_point_has_band(pt))
			snprintf(cells[5], 200, "\u00b1%g", pt->band_pct);
		else
			snprintf(cells[5], 200, "-");
		snprintf(cells[6], 200, "%s", pt->measured ? pt->verdict : "not measured");
		table_row(p, &t, cells);
	}
}

static void influence_table(struct pdf *p)
{
	static const struct table t = {
		6, {"#", "Point", "Influence", "Setpoint", "Error % \u00b1 U", "Verdict"},
		{22, 92, 70, 190, 75, 62.28},
	};
	bool any = false;
	for (int i = 0; i < p->c->n_points; i++)
		any |= cert_point_plotted(&p->c->points[i]) && !cert_point_on_load_curve(p->c, &p->c->points[i]);
	if (!any)
		return;
	need(p, 90);	/* the heading with its table */
	heading(p, "Influence points (not part of the load curve)");
	table_head(p, &t);
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!cert_point_plotted(pt) || cert_point_on_load_curve(p->c, pt))
			continue;
		char cells[MAX_COLS][200];
		snprintf(cells[0], 200, "%d", pt->idx + 1);
		snprintf(cells[1], 200, "%s", pt->name);
		snprintf(cells[2], 200, "%s", cert_influence_name(p->c, pt));
		cert_setpoint_text(p->c, pt, cells[3], 200);
		snprintf(cells[4], 200, "%+.3f \u00b1 %.3f", pt->error_pct, pt->u_pct);
		snprintf(cells[5], 200, "%s", pt->verdict);
		table_row(p, &t, cells);
	}
}

/* Creep and starting load: what was counted, in what window, and the
 * least power that window detects for certain (the sequencer's detail). */
static void detection_table(struct pdf *p)
{
	static const struct table t = {
		4, {"#", "Point", "Result (window and the power it detects)", "Verdict"},
		{22, 92, 332, 65.28},
	};
	bool any = false;
	for (int i = 0; i < p->c->n_points; i++) {
		const char *k = p->c->points[i].kind;
		any |= p->c->points[i].measured && (!strcmp(k, "creep") || !strcmp(k, "starting-load"));
	}
	if (!any)
		return;
	need(p, 60);	/* the heading with its table */
	heading(p, "Creep and starting load");
	table_head(p, &t);
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!pt->measured || (strcmp(pt->kind, "creep") && strcmp(pt->kind, "starting-load")))
			continue;
		char cells[MAX_COLS][200];
		snprintf(cells[0], 200, "%d", pt->idx + 1);
		snprintf(cells[1], 200, "%s", pt->name);
		snprintf(cells[2], 200, "%.199s", pt->detail);
		snprintf(cells[3], 200, "%s", pt->verdict);
		table_row(p, &t, cells);
	}
}

static void budget_table(struct pdf *p)
{
	static const struct table t = {
		8, {"#", "Point", "uc %", "\u03bd eff", "k", "U %", "Ref. u %", "Largest contribution"},
		{22, 100, 45, 45, 38, 45, 55, 161.28},
	};
	bool any = false;
	for (int i = 0; i < p->c->n_points; i++)
		any |= p->c->points[i].has_budget;
	if (!any)
		return;
	need(p, 120);
	heading(p, "Uncertainty budget summary (GUM, per point)");
	paragraph(p, "Standard uncertainties of each input combine in quadrature to uc (relative to the "
		     "registration); U = k uc with k from the Welch-Satterthwaite degrees of freedom at "
		     "a coverage probability of 95.45 %. Ref. u: the standard uncertainty of the "
		     "reference energy (the reference standard's, or the source's, stated accuracy) "
		     "as it entered the point.", "DejaVu Sans 8");
	table_head(p, &t);
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!pt->has_budget)
			continue;
		const struct rig_gate_budget *b = &pt->budget;
		int top = 0;
		for (int k = 1; k < RIG_U_TERMS; k++)
			if (fabs(b->term[k].contribution) > fabs(b->term[top].contribution))
				top = k;
		char cells[MAX_COLS][200];
		snprintf(cells[0], 200, "%d", pt->idx + 1);
		snprintf(cells[1], 200, "%s", pt->name);
		snprintf(cells[2], 200, "%.4f", 100 * b->uc_rel);
		if (isfinite(b->nu_eff) && b->nu_eff < 1e6)
			snprintf(cells[3], 200, "%.0f", b->nu_eff);
		else
			snprintf(cells[3], 200, "\u221e");
		snprintf(cells[4], 200, "%.3f", b->k);
		snprintf(cells[5], 200, "%.4f", pt->u_pct);
		/* the reference standard's (or source's) own standard uncertainty
		 * as it entered this point's budget */
		snprintf(cells[6], 200, "%.4f", 100 * fabs(b->term[RIG_U_REFERENCE].contribution));
		snprintf(cells[7], 200, "%s %.4f %% (period %s)", rig_u_term_name((enum rig_u_term)top),
			 100 * b->term[top].contribution, rig_period_check_name(b->period_check));
		table_row(p, &t, cells);
	}
}

/* --- plots ----------------------------------------------------------------- */

#define PLOT_H 170.0
#define PLOT_L (MARGIN + 40)
#define PLOT_R (PAGE_W - MARGIN - 10)

struct axes {
	double x_lo, x_hi, y_max, y_step, top;
};

static double plot_x(const struct axes *a, double amps)
{
	return PLOT_L + (log10(amps) - a->x_lo) / (a->x_hi - a->x_lo) * (PLOT_R - PLOT_L);
}

static double plot_y(const struct axes *a, double pct)
{
	double v = fmax(-a->y_max, fmin(a->y_max, pct));
	return a->top + PLOT_H / 2 - v / a->y_max * PLOT_H / 2;
}

static bool in_series(const struct pdf *p, const struct store_cert_point *pt, double pf, bool leading)
{
	return cert_point_on_load_curve(p->c, pt) && pt->pf == pf && (pt->leading && pt->pf < 1) == leading;
}

static void scale(struct pdf *p, double pf, bool leading, struct axes *a)
{
	double lo = INFINITY, hi = 0, extent = 0;
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!in_series(p, pt, pf, leading))
			continue;
		lo = fmin(lo, pt->current_a);
		hi = fmax(hi, pt->current_a);
		extent = fmax(extent, fmax(cert_point_has_band(pt) ? pt->band_pct : 0,
					   fabs(pt->error_pct) + (isfinite(pt->u_pct) ? pt->u_pct : 0)));
	}
	a->x_lo = floor(log10(lo / 1.2));
	a->x_hi = fmax(ceil(log10(hi * 1.2)), a->x_lo + 1);
	static const double steps[] = {0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50};
	extent = fmax(extent * 1.2, 0.1);
	a->y_step = 50;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (extent / steps[i] <= 4) {
			a->y_step = steps[i];
			break;
		}
	a->y_max = ceil(extent / a->y_step - 1e-9) * a->y_step;
}

static void plot_grid(struct pdf *p, const struct axes *a)
{
	char label[32];
	cairo_set_line_width(p->cr, 0.3);
	for (double v = -a->y_max; v <= a->y_max + 1e-9; v += a->y_step) {
		color(p, 0.8, 0.8, 0.8);
		cairo_move_to(p->cr, PLOT_L, plot_y(a, v));
		cairo_line_to(p->cr, PLOT_R, plot_y(a, v));
		cairo_stroke(p->cr);
		color(p, 0.2, 0.2, 0.2);
		snprintf(label, sizeof(label), fabs(v) < 1e-9 ? "0" : "%+g", v);
		text_at(p, PLOT_L - 36, plot_y(a, v) - 5, 32, label, "DejaVu Sans 7", true);
	}
	for (double d = a->x_lo; d <= a->x_hi + 1e-9; d++)
		for (int m = 1; m <= 5; m += (m == 1 ? 1 : 3)) {
			double amps = m * pow(10, d);
			if (log10(amps) > a->x_hi + 1e-9)
				break;
			color(p, 0.85, 0.85, 0.85);
			cairo_move_to(p->cr, plot_x(a, amps), a->top);
			cairo_line_to(p->cr, plot_x(a, amps), a->top + PLOT_H);
			cairo_stroke(p->cr);
			color(p, 0.2, 0.2, 0.2);
			snprintf(label, sizeof(label), "%g", amps);
			text_at(p, plot_x(a, amps) - 12, a->top + PLOT_H + 2, 40, label, "DejaVu Sans 7", true);
		}
	color(p, 0.3, 0.3, 0.3);
	cairo_rectangle(p->cr, PLOT_L, a->top, PLOT_R - PLOT_L, PLOT_H);
	cairo_stroke(p->cr);
}

static void plot_points(struct pdf *p, const struct axes *a, double pf, bool leading)
{
	/* bands first, only where a band applies */
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!in_series(p, pt, pf, leading) || !cert_point_has_band(pt))
			continue;
		cairo_set_source_rgba(p->cr, 0.24, 0.62, 0.36, 0.10);
		double x = plot_x(a, pt->current_a);
		cairo_rectangle(p->cr, x - 10, plot_y(a, pt->band_pct), 20,
				plot_y(a, -pt->band_pct) - plot_y(a, pt->band_pct));
		cairo_fill(p->cr);
	}
	color(p, 0.12, 0.37, 0.66);
	cairo_set_line_width(p->cr, 1);
	bool first = true;
	double last_x = -1;
	/* the curve, by current */
	for (;;) {
		int next = -1;
		for (int i = 0; i < p->c->n_points; i++) {
			const struct store_cert_point *pt = &p->c->points[i];
			if (in_series(p, pt, pf, leading) && plot_x(a, pt->current_a) > last_x &&
			    (next < 0 || pt->current_a < p->c->points[next].current_a))
				next = i;
		}
		if (next < 0)
			break;
		const struct store_cert_point *pt = &p->c->points[next];
		double x = plot_x(a, pt->current_a), y = plot_y(a, pt->error_pct);
		if (first)
			cairo_move_to(p->cr, x, y);
		else
			cairo_line_to(p->cr, x, y);
		first = false;
		last_x = x;
	}
	cairo_stroke(p->cr);
	for (int i = 0; i < p->c->n_points; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!in_series(p, pt, pf, leading))
			continue;
		double x = plot_x(a, pt->current_a), y = plot_y(a, pt->error_pct);
		if (isfinite(pt->u_pct) && pt->u_pct > 0) {
			double ya = plot_y(a, pt->error_pct + pt->u_pct), yb = plot_y(a, pt->error_pct - pt->u_pct);
			cairo_move_to(p->cr, x, ya);
			cairo_line_to(p->cr, x, yb);
			cairo_move_to(p->cr, x - 3, ya);
			cairo_line_to(p->cr, x + 3, ya);
			cairo_move_to(p->cr, x - 3, yb);
			cairo_line_to(p->cr, x + 3, yb);
			cairo_stroke(p->cr);
		}
		cairo_arc(p->cr, x, y, 2.5, 0, 2 * M_PI);
		if (strcmp(pt->verdict, "fail") == 0)
			cairo_stroke(p->cr);
		else
			cairo_fill(p->cr);
	}
	color(p, 0, 0, 0);
}

static void plots(struct pdf *p)
{
	double done_pf[16];
	bool done_lead[16];
	int n = 0;
	for (int i = 0; i < p->c->n_points && n < 16; i++) {
		const struct store_cert_point *pt = &p->c->points[i];
		if (!cert_point_on_load_curve(p->c, pt))
			continue;
		bool leading = pt->leading && pt->pf < 1, seen = false;
		for (int k = 0; k < n; k++)
			seen |= done_pf[k] == pt->pf && done_lead[k] == leading;
		if (seen)
			continue;
		done_pf[n] = pt->pf, done_lead[n++] = leading;
		char text[160];
		snprintf(text, sizeof(text), "Error against current, pf %g%s", pt->pf,
			 pt->pf >= 1 ? "" : leading ? " lead" : " lag");
		need(p, PLOT_H + 70);
		heading(p, text);
		struct axes a;
		scale(p, pt->pf, leading, &a);
		a.top = p->y + 4;
		plot_grid(p, &a);
		plot_points(p, &a, pt->pf, leading);
		p->y = a.top + PLOT_H + 14;
		paragraph(p, "Error %, primary amps on a log scale. Shaded: the accuracy band of each point; "
			     "bars: U (95.45 %); open circles: failed points.", "DejaVu Sans 7");
	}
}

/* --- signature ------------------------------------------------------------- */

static void qr(struct pdf *p, const char *text, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return;
	/* four modules of quiet zone each side */
	double m = size / (q->width + 8);
	color(p, 1, 1, 1);
	cairo_rectangle(p->cr, x, y, size, size);
	cairo_fill(p->cr);
	color(p, 0, 0, 0);
	for (int r = 0; r < q->width; r++)
		for (int col = 0; col < q->width; col++)
			if (q->data[r * q->width + col] & 1)
				cairo_rectangle(p->cr, x + (col + 4) * m, y + (r + 4) * m, m, m);
	cairo_fill(p->cr);
	QRcode_free(q);
}

static void signature(struct pdf *p)
{
	const struct cert_pdf_seal *s = p->seal;
	heading(p, "Identification and signature");
	need(p, 150);
	double top = p->y;
	const char *rows[][2] = {
		{"Certificate identifier (run / meter serial / fingerprint of the stored results)", p->id},
		{"Seal of the run in the station's hash chain (SHA-256)",
		 s && s->seal_hex && *s->seal_hex ? s->seal_hex : "not sealed"},
		{"Station public key (Ed25519)", s && s->public_key_b64 ? s->public_key_b64 : "none (unsigned draft)"},
		{"Signature of the statement", s && s->signature_b64 ? s->signature_b64 : "none"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		color(p, 0.35, 0.35, 0.35);
		p->y += text_at(p, MARGIN, p->y, TEXT_W - 140, rows[i][0], "DejaVu Sans 7", true);
		color(p, 0, 0, 0);
		p->y += text_at(p, MARGIN, p->y, TEXT_W - 140, rows[i][1], "DejaVu Sans Mono 6", true) + 3;
	}
	p->y += text_at(p, MARGIN, p->y, TEXT_W - 140,
			"Verify with: rigctl verify CERTIFICATE.pdf (against the station's database), "
			"or check the signature with the public key above.", "DejaVu Sans 8", true);
	if (s && s->qr_text)
		qr(p, s->qr_text, PAGE_W - MARGIN - 130, top, 130);
	p->y = fmax(p->y, top + 134);
}

/* --- document -------------------------------------------------------------- */

static void document(struct pdf *p)
{
	new_page(p);
	title(p);
	cert_facts(p->c, fact_row, p);
	heading(p, "Decision rule");
	paragraph(p, cert_decision_rule, "DejaVu Sans 8");
	results_table(p);
	plots(p);
	influence_table(p);
	detection_table(p);
	budget_table(p);
	signature(p);
	cairo_show_page(p->cr);
}

static int render(struct pdf *p, cairo_write_func_t write, void *closure)
{
	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(write, closure, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Meter test certificate");
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, p->id);
	p->cr = cairo_create(surface);
	pango_cairo_update_context(p->cr, p->pango);
	p->page = 0;
	p->section = NULL;
	document(p);
	cairo_destroy(p->cr);
	cairo_surface_finish(surface);
	cairo_status_t st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

int report_certificate_pdf(const struct store_certificate *c, const struct cert_pdf_seal *seal,
			   unsigned char **ret, size_t *ret_len, struct rig_error *err)
{
	struct pdf p = {.c = c, .seal = seal, .simulated = cert_simulated(c)};
	report_certificate_id(c, p.id, sizeof(p.id));
	/* A font map of our own rather than pango's per-thread default, so
	 * that its caches are freed when the certificate is done. */
	PangoFontMap *fonts = pango_cairo_font_map_new();
	p.pango = pango_font_map_create_context(fonts);
	/* First pass counts the pages, the second draws "page x of y". */
	struct buffer b = {0};
	int rc = render(&p, discard, NULL);
	p.pages = p.page;
	if (rc == 0)
		rc = render(&p, append, &b);
	g_object_unref(p.pango);
	g_object_unref(fonts);
	cairo_debug_reset_static_data();
	FcFini();
	if (rc < 0 || b.failed) {
		free(b.data);
		return rig_error_set(err, NULL, 0, "certificate PDF: cairo failed");
	}
	*ret = b.data;
	*ret_len = b.len;
	return 0;
}
