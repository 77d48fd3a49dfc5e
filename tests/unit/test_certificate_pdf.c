/* Certificates as a quality manager reads them: the signed PDF checked by
 * extracting its text (pdftotext) and rendering its pages (pdftoppm), and
 * the HTML for the screen, against the values stored. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/cert_sign.h"
#include "reports/certificate.h"
#include "rig/common/station_key.h"
#include "rig/store/queries.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static char dir[64], db_path[96];

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Two meters: position 1 a single-element meter that passes, position 2
 * one that fails, so the run fails. Point 2 (light load) is moved to
 * 102 V: a voltage influence point. Creep carries a band in the profile
 * that does not apply to it. */
static struct store *two_meter_run(const char *idn, char run_id[STORE_RUN_ID_LEN])
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	struct tsd_bench b;
	tsd_bench_init(&b, "SE-0001", "DE-0002", T0);
	b.meta.instrument_idn = idn;
	struct rig_meter_model *m = &b.plan.pos[0].model;
	snprintf(m->model, sizeof(m->model), "MMS-120-2001");
	m->elements = 1;
	b.profile.points[1].voltage_v = 102;
	b.profile.points[3].band_pct = 0.5;
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct rig_point_result r[] = {
		tsd_result(0, 0, 1, 0.210, 0.040, 100, RIG_VERDICT_PASS),
		tsd_result(1, 0, 1, -0.120, 0.050, 10, RIG_VERDICT_PASS),
		tsd_result(2, 0, 1, 0.330, 0.060, 100, RIG_VERDICT_PASS),
		tsd_result(3, 0, 1, 0, 0, 0, RIG_VERDICT_PASS),
		tsd_result(0, 1, 1, 0.910, 0.040, 100, RIG_VERDICT_FAIL),
	};
	/* the first point's budget: scatter dominates */
	struct rig_gate_budget *bu = &r[0].gate.budget;
	for (int t = 0; t < RIG_U_TERMS; t++) {
		bu->term[t].u = t == RIG_U_SCATTER ? 1.8e-4 : 2e-5;
		bu->term[t].sensitivity = 1;
		bu->term[t].contribution = bu->term[t].u;
		bu->term[t].dof = t == RIG_U_SCATTER ? 9 : INFINITY;
	}
	bu->uc_rel = 2e-4;
	bu->nu_eff = 12;
	bu->k = 2.03;
	bu->period_check = RIG_PERIOD_CONSISTENT;
	bu->update_period_s = 0.02;
	bu->declared_period_s = 0.02;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		ck_assert_int_eq(store_add_point_result(s, run_id, &r[i], &err), 0);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_FAILED, "profile complete", T0 + 600000, &err), 0);
	return s;
}

static char *run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, out);
	fclose(out);
	ck_assert_int_eq(pclose(p), 0);
	return text;
}

/* The signed PDF of the single-element meter; its text, one page per \f. */
static char *signed_pdf_text(const char *idn, char pdf[160], struct station_key *key,
			     struct store_certificate *c)
{
	char run_id[STORE_RUN_ID_LEN];
	struct store *s = two_meter_run(idn, run_id);
	struct rig_error err = {0};
	ck_assert_int_eq(station_key_init(dir, key, &err), 0);
	ck_assert_int_eq(store_certificate_load(s, "SE-0001", NULL, c, &err), 0);
	snprintf(pdf, 160, "%s/cert.pdf", dir);
	ck_assert_msg(cert_write_signed_pdf(s, c, key, pdf, &err) == 0, "%s", err.msg);
	store_close(s);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "pdftotext -layout '%s' -", pdf);
	return run_capture(cmd);
}

static int pdf_pages(const char *pdf)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "pdfinfo '%s' | sed -n 's/^Pages: *//p'", pdf);
	char *t = run_capture(cmd);
	int n = atoi(t);
	free(t);
	return n;
}

START_TEST(pdf_states_the_stored_values_on_numbered_pages)
{
	char pdf[160];
	struct station_key key;
	struct store_certificate *c = calloc(1, sizeof(*c));
	char *text = signed_pdf_text("FLUKE,6105A,0042,2.1", pdf, &key, c);
	int pages = pdf_pages(pdf);
	ck_assert_int_ge(pages, 2);
	/* every page: page x of y and the identifier */
	char id[160];
	report_certificate_id(c, id, sizeof(id));
	char *page = text;
	for (int i = 1; i <= pages; i++) {
		char *end = strchr(page, '\f');
		ck_assert_ptr_nonnull(end);
		*end = 0;
		char want[40];
		snprintf(want, sizeof(want), "Page %d of %d", i, pages);
		ck_assert_msg(strstr(page, want), "page %d lacks \"%s\"", i, want);
		ck_assert_msg(strstr(page, c->run_id) && strstr(page, c->rows_hash), "page %d lacks the identifier", i);
		*end = '\f';
		page = end + 1;
	}
	/* the stored values, the decision rule, the key */
	ck_assert_ptr_nonnull(strstr(text, "SE-0001"));
	ck_assert_ptr_nonnull(strstr(text, "+0.210"));
	ck_assert_ptr_nonnull(strstr(text, "0.040"));
	ck_assert_ptr_nonnull(strstr(text, "+0.330"));
	ck_assert_ptr_nonnull(strstr(text, "-0.120"));
	ck_assert_ptr_nonnull(strstr(text, "Decision rule"));
	ck_assert_ptr_nonnull(strstr(text, "coverage probability of 95.45 %"));
	ck_assert_ptr_nonnull(strstr(text, "FLUKE,6105A,0042,2.1"));
	ck_assert_ptr_nonnull(strstr(text, "2027-03-01"));
	ck_assert_ptr_nonnull(strstr(text, key.pk_b64));
	ck_assert_ptr_nonnull(strstr(text, "Issued (UTC): "));
	ck_assert_ptr_nonnull(strstr(text, "MMS-120-2001: "));	/* the model decoded */
	/* the budget summary of the one point that has a budget */
	ck_assert_ptr_nonnull(strstr(text, "Uncertainty budget summary"));
	char budget_row[200];
	snprintf(budget_row, sizeof(budget_row), "%s 0.0180 %%", rig_u_term_name(RIG_U_SCATTER));
	ck_assert_msg(strstr(text, budget_row), "no \"%s\"", budget_row);
	ck_assert_ptr_nonnull(strstr(text, "0.0200"));
	ck_assert_ptr_nonnull(strstr(text, "2.030"));
	/* the reference's own standard uncertainty as it entered the point */
	ck_assert_ptr_nonnull(strstr(text, "Ref. u: the standard uncertainty"));
	ck_assert_ptr_nonnull(strstr(text, "0.0020"));
	ck_assert_ptr_null(strstr(text, "SIMULATED"));
	/* no contradiction: the meter passed, the run failed elsewhere */
	ck_assert_ptr_nonnull(strstr(text, "Verdict for this meter: PASS"));
	ck_assert_ptr_nonnull(strstr(text, "failed at another position"));
	ck_assert_ptr_null(strstr(text, "Overall verdict"));
	/* a single-element meter has no "elements 1+2" */
	ck_assert_ptr_null(strstr(text, "1+2"));
	/* no band on the creep row */
	char *creep = strstr(text, "creep");
	ck_assert_ptr_nonnull(creep);
	char line[300];
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(creep, "\n"), creep);
	ck_assert_msg(!strstr(line, "\u00b1"), "creep row shows a band: %s", line);
	/* the 102 V point is an influence point, the load curves per pf */
	ck_assert_ptr_nonnull(strstr(text, "Influence points"));
	ck_assert_ptr_nonnull(strstr(text, "Error against current, pf 1"));
	ck_assert_ptr_nonnull(strstr(text, "Error against current, pf 0.5 lag"));
	free(text);
	free(c);
}
END_TEST

/* Shares of a PPM page rendered by pdftoppm: dark pixels (text and
 * lines), and the pale red of the watermark. */
static void shares(const char *ppm, double *dark, double *pink)
{
	FILE *f = fopen(ppm, "rb");
	ck_assert_ptr_nonnull(f);
	int w, h, max;
	ck_assert_int_eq(fscanf(f, "P6 %d %d %d", &w, &h, &max), 3);
	fgetc(f);
	long n_dark = 0, n_pink = 0;
	for (long i = 0; i < (long)w * h; i++) {
		int r = fgetc(f), g = fgetc(f), b = fgetc(f);
		ck_assert_int_ne(b, EOF);
		n_dark += r + g + b < 300;
		n_pink += r > 200 && r - g > 25 && r - b > 25;
	}
	fclose(f);
	*dark = (double)n_dark / ((double)w * h);
	*pink = (double)n_pink / ((double)w * h);
}

/* Renders pages first..last of pdf into dir as page-N.ppm. */
static void render_pages(const char *pdf, int first, int last)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "pdftoppm -r 30 -f %d -l %d '%s' '%s/page'", first, last, pdf, dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void page_file(int i, int pages, char *buf, size_t len)
{
	/* pdftoppm pads the number to the width of the page count */
	snprintf(buf, len, "%s/page-%0*d.ppm", dir, pages >= 10 ? 2 : 1, i);
}

START_TEST(simulated_bench_is_marked_on_every_page)
{
	char pdf[160];
	struct station_key key;
	struct store_certificate *c = calloc(1, sizeof(*c));
	char *text = signed_pdf_text("RIG-SIM,6105A-SIM,SN0001,1.0", pdf, &key, c);
	int pages = pdf_pages(pdf);
	/* in each page's text */
	int marked = 0;
	for (char *page = text; *page;) {
		char *end = strchr(page, '\f');
		if (!end)
			break;
		*end = 0;
		marked += strstr(page, "SIMULATED BENCH") != NULL;
		page = end + 1;
	}
	ck_assert_int_eq(marked, pages);
	free(text);
	/* and drawn: every rendered page has content and the pale red of the
	 * watermark across it */
	render_pages(pdf, 1, pages);
	for (int i = 1; i <= pages; i++) {
		char ppm[200];
		double dark, pink;
		page_file(i, pages, ppm, sizeof(ppm));
		shares(ppm, &dark, &pink);
		ck_assert_msg(dark > 0.002, "page %d: nothing drawn (%g)", i, dark);
		ck_assert_msg(pink > 0.01, "page %d: no watermark (%g)", i, pink);
	}
	free(c);
}
END_TEST

START_TEST(real_bench_pages_carry_no_watermark)
{
	char pdf[160];
	struct station_key key;
	struct store_certificate *c = calloc(1, sizeof(*c));
	free(signed_pdf_text("FLUKE,6105A,0042,2.1", pdf, &key, c));
	int pages = pdf_pages(pdf);
	render_pages(pdf, 1, pages);
	for (int i = 1; i <= pages; i++) {
		char ppm[200];
		double dark, pink;
		page_file(i, pages, ppm, sizeof(ppm));
		shares(ppm, &dark, &pink);
		ck_assert_msg(dark > 0.002, "page %d: nothing drawn (%g)", i, dark);
		ck_assert_msg(pink < 0.002, "page %d: tinted (%g)", i, pink);
	}
	free(c);
}
END_TEST

START_TEST(html_does_not_contradict_itself)
{
	char run_id[STORE_RUN_ID_LEN];
	struct store *s = two_meter_run("RIG-SIM,6105A-SIM,SN0001,1.0", run_id);
	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "SE-0001", NULL, c, &err), 0);
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	ck_assert_int_eq(report_certificate_html(f, c), 0);
	fclose(f);
	ck_assert_ptr_null(strstr(html, "Overall verdict"));
	ck_assert_ptr_nonnull(strstr(html, "failed at another position"));
	ck_assert_ptr_null(strstr(html, "elements 1+2"));
	ck_assert_ptr_nonnull(strstr(html, "SIMULATED BENCH"));
	/* creep: no band */
	char *creep = strstr(html, ">creep<");
	ck_assert_ptr_nonnull(creep);
	char row[600];
	snprintf(row, sizeof(row), "%.*s", (int)(strstr(creep, "</tr>") - creep), creep);
	ck_assert_msg(!strstr(row, "&#177;"), "creep row shows a band: %s", row);
	/* the 102 V point is not drawn into the pf 1 curve: two points with
	 * error bars (full load pf 1, pf 0.5), not three */
	ck_assert_int_eq(count(html, "class=\"errbar\""), 2);
	free(html);
	free(c);
	store_close(s);
}
END_TEST

Suite *suite_certificate_pdf(void)
{
	Suite *s = suite_create("certificate_pdf");
	TCase *tc = tcase_create("certificate_pdf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pdf_states_the_stored_values_on_numbered_pages);
	tcase_add_test(tc, simulated_bench_is_marked_on_every_page);
	tcase_add_test(tc, real_bench_pages_carry_no_watermark);
	tcase_add_test(tc, html_does_not_contradict_itself);
	suite_add_tcase(s, tc);
	return s;
}
