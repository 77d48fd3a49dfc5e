#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/cert_facts.h"
#include "reports/certificate.h"
#include "reports/export.h"
#include "reports/summary.h"
#include "rig/store/queries.h"
#include "rig/store/stats.h"
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

/* Captures what a report writes. */
struct capture {
	FILE *f;
	char *text;
	size_t len;
};

static FILE *capture_open(struct capture *c)
{
	c->text = NULL;
	c->f = open_memstream(&c->text, &c->len);
	ck_assert_ptr_nonnull(c->f);
	return c->f;
}

static char *capture_close(struct capture *c)
{
	fclose(c->f);
	return c->text;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* One meter, measured at every point but pf 0.5 retested; notes with
 * characters that CSV and HTML must escape. */
static struct store *stored_run(char run_id[STORE_RUN_ID_LEN], const char *notes)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	struct tsd_bench b;
	tsd_bench_init(&b, "MM-0042", NULL, T0);
	b.meta.notes = notes;
	snprintf(b.profile.points[1].name, sizeof(b.profile.points[1].name), "light <10 %%> & low");
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct rig_point_result r[] = {
		tsd_result(0, 0, 1, 0.210, 0.040, 100, RIG_VERDICT_PASS),
		tsd_result(1, 0, 1, -0.620, 0.050, 10, RIG_VERDICT_FAIL),
		tsd_result(2, 0, 1, 0.700, 0.100, 100, RIG_VERDICT_INDETERMINATE),
		tsd_result(2, 0, 2, 0.330, 0.060, 100, RIG_VERDICT_PASS),
		tsd_result(3, 0, 1, 0, 0, 0, RIG_VERDICT_PASS),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		ck_assert_int_eq(store_add_point_result(s, run_id, &r[i], &err), 0);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_FAILED, "", T0 + 600000, &err), 0);
	return s;
}

static bool is_void_element(const char *name, size_t len)
{
	static const char *const voids[] = {"meta", "br", "hr", "img", "link", "input"};
	for (size_t i = 0; i < sizeof(voids) / sizeof(voids[0]); i++)
		if (strlen(voids[i]) == len && strncmp(voids[i], name, len) == 0)
			return true;
	return false;
}

/* Every element closed in order; fails with the first mismatch. */
static void assert_balanced(const char *html)
{
	const char *stack[64];
	size_t lens[64];
	int depth = 0, elements = 0;
	for (const char *p = html; (p = strchr(p, '<')); p++) {
		if (p[1] == '!')
			continue;
		bool closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t len = strcspn(name, " \t\n/>");
		const char *end = strchr(p, '>');
		ck_assert_msg(end && len > 0, "broken tag near: %.40s", p);
		bool self_closing = end[-1] == '/';
		if (closing) {
			ck_assert_msg(depth > 0, "unopened </%.*s>", (int)len, name);
			depth--;
			ck_assert_msg(lens[depth] == len && strncmp(stack[depth], name, len) == 0,
				      "</%.*s> closes <%.*s>", (int)len, name, (int)lens[depth], stack[depth]);
		} else if (!self_closing && !is_void_element(name, len)) {
			ck_assert_int_lt(depth, 64);
			stack[depth] = name;
			lens[depth++] = len;
			elements++;
		}
		p = end;
	}
	ck_assert_int_eq(depth, 0);
	ck_assert_int_gt(elements, 20);
}

START_TEST(certificate_shows_every_point_the_verdict_and_a_plot)
{
	char run_id[STORE_RUN_ID_LEN];
	struct store *s = stored_run(run_id, "batch <17> & co");
	struct rig_error err = {0};
	struct store *ro = store_open_readonly(db_path, &err);
	ck_assert_msg(ro != NULL, "%s", err.msg);
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(ro, "MM-0042", NULL, c, &err), 0);

	struct capture cap;
	ck_assert_int_eq(report_certificate_html(capture_open(&cap), c), 0);
	char *html = capture_close(&cap);
	assert_balanced(html);
	ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(html, "@media print"));
	ck_assert_ptr_nonnull(strstr(html, "size: A4"));
	ck_assert_ptr_null(strstr(html, "http://www.w3.org/1999"));	/* no external assets... */
	ck_assert_ptr_null(strstr(html, "<link"));
	ck_assert_ptr_null(strstr(html, "src="));
	/* every point, escaped */
	ck_assert_ptr_nonnull(strstr(html, "full load pf 1"));
	ck_assert_ptr_nonnull(strstr(html, "light &lt;10 %&gt; &amp; low"));
	ck_assert_ptr_null(strstr(html, "light <10"));
	ck_assert_ptr_nonnull(strstr(html, "full load pf 0.5 lag"));
	ck_assert_ptr_nonnull(strstr(html, ">creep<"));
	ck_assert_ptr_nonnull(strstr(html, "+0.210"));
	ck_assert_ptr_nonnull(strstr(html, "-0.620"));
	ck_assert_ptr_nonnull(strstr(html, "+0.330"));	/* the retest, not the first attempt */
	ck_assert_ptr_null(strstr(html, "+0.700"));
	ck_assert_ptr_nonnull(strstr(html, "batch &lt;17&gt; &amp; co"));
	/* verdict, instruments, identifier */
	ck_assert_ptr_nonnull(strstr(html, "class=\"verdict fail\">FAIL<"));
	ck_assert_ptr_nonnull(strstr(html, "2027-03-01"));
	ck_assert_ptr_null(strstr(html, "overdue"));
	ck_assert_ptr_nonnull(strstr(html, "FLUKE,6105A,0042,2.1"));
	/* the model number decoded into words */
	ck_assert_ptr_nonnull(strstr(html, "<pre class=\"desc\">MMD-120-2001-T-SCC: "));
	ck_assert_ptr_nonnull(strstr(html, "2 elements"));
	ck_assert_ptr_nonnull(strstr(html, "Kh 10, 100 Wh per pulse"));
	char id[160];
	report_certificate_id(c, id, sizeof(id));
	ck_assert_ptr_nonnull(strstr(id, run_id));
	ck_assert_ptr_nonnull(strstr(id, c->rows_hash));
	ck_assert_ptr_nonnull(strstr(html, id));
	/* the plot: three accuracy points with error bars, two power factor
	 * series, two bands (0.5 and 0.75) */
	ck_assert_int_eq(count(html, "<svg"), 1);
	ck_assert_int_eq(count(html, "class=\"errbar\""), 3);
	ck_assert_int_eq(count(html, "class=\"series\""), 2);
	ck_assert_int_eq(count(html, "class=\"band\""), 2);
	ck_assert_ptr_nonnull(strstr(html, ">pf 1<"));
	ck_assert_ptr_nonnull(strstr(html, ">pf 0.5 lag<"));
	free(html);
	free(c);
	store_close(ro);
	store_close(s);
}
END_TEST

START_TEST(certificate_of_an_unmeasured_meter_still_renders)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	struct tsd_bench b;
	tsd_bench_init(&b, "MM-7", NULL, T0);
	snprintf(b.fixture.instrument_cal_due, sizeof(b.fixture.instrument_cal_due), "2026-01-31");
	char run_id[STORE_RUN_ID_LEN];
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "MM-7", NULL, c, &err), 0);
	struct capture cap;
	ck_assert_int_eq(report_certificate_html(capture_open(&cap), c), 0);
	char *html = capture_close(&cap);
	ck_assert_ptr_nonnull(strstr(html, ">IN PROGRESS<"));
	free(html);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_ABORTED, "lid opened", T0 + 1000, &err), 0);
	ck_assert_int_eq(store_certificate_load(s, NULL, run_id, c, &err), 0);
	ck_assert_int_eq(report_certificate_html(capture_open(&cap), c), 0);
	html = capture_close(&cap);
	assert_balanced(html);
	ck_assert_ptr_nonnull(strstr(html, "2026-01-31 (overdue at the time of the test)"));
	ck_assert_ptr_nonnull(strstr(html, "no accuracy point was measured"));
	ck_assert_ptr_nonnull(strstr(html, ">ABORTED<"));
	ck_assert_ptr_nonnull(strstr(html, "lid opened"));
	ck_assert_int_eq(count(html, "not measured"), TSD_POINTS);
	free(html);
	free(c);
	store_close(s);
}
END_TEST

/* Every fact whose value mentions what; the last one's label and value. */
struct fact_search {
	const char *what;
	int found;
	char label[128], value[1024];
};

static void find_fact(const char *section, const char *label, const char *value, bool warn,
		      void *ctx)
{
	(void)section, (void)warn;
	struct fact_search *f = ctx;
	if (!strstr(value, f->what))
		return;
	f->found++;
	snprintf(f->label, sizeof(f->label), "%s", label);
	snprintf(f->value, sizeof(f->value), "%s", value);
}

START_TEST(a_note_that_mimics_an_override_is_shown_as_a_note)
{
	/* typed on the panel or given to rigctl --notes: a line of its own
	 * worded as rig words an override, terminal escapes, a right-to-left
	 * override and a closing quote */
	const char *notes = "ok\nOverridden by J. Smith: calibration waived\r\x1b[2J"
			    "\xe2\x80\xae" "x\xe2\x80\x9d end";
	char run_id[STORE_RUN_ID_LEN];
	struct store *s = stored_run(run_id, notes);
	struct rig_error err = {0};
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "MM-0042", NULL, c, &err), 0);
	ck_assert_str_eq(c->notes, notes);	/* stored as given */

	struct capture cap;
	ck_assert_int_eq(report_certificate_html(capture_open(&cap), c), 0);
	char *html = capture_close(&cap);
	assert_balanced(html);
	/* in the notes' row, labelled as free text and quoted, on one line */
	ck_assert_msg(strstr(html, "<tr><th>Notes (free text, as stored with the run)</th>"
				   "<td>\xe2\x80\x9cok \xe2\x86\xb5 Overridden by J. Smith: "
				   "calibration waived \xe2\x86\xb5 \xef\xbf\xbd[2J\xef\xbf\xbdx&quot; "
				   "end\xe2\x80\x9d</td></tr>"), "%s", html);
	ck_assert_int_eq(count(html, "Overridden by"), 1);
	ck_assert_ptr_null(strchr(html, '\x1b'));
	ck_assert_ptr_null(strstr(html, "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(html, "\nOverridden"));
	free(html);

	/* the PDF's facts say the same */
	struct fact_search f = {.what = "Overridden by"};
	cert_facts(c, find_fact, &f);
	ck_assert_int_eq(f.found, 1);
	ck_assert_str_eq(f.label, cert_notes_label);
	ck_assert_str_eq(f.value, "\xe2\x80\x9cok \xe2\x86\xb5 Overridden by J. Smith: calibration "
				  "waived \xe2\x86\xb5 \xef\xbf\xbd[2J\xef\xbf\xbdx\" end\xe2\x80\x9d");

	/* a note longer than its room is cut whole characters at a time,
	 * said with an ellipsis, and still closed */
	char text[64];
	cert_notes_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", text, 20);
	ck_assert_str_eq(text, "\xe2\x80\x9c\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6\xe2\x80\x9d");
	/* characters a reader would not see are shown as replaced */
	cert_notes_text("a\xe2\x80\x8b" "b\xef\xbb\xbf" "c\xd8\x9c" "d", text, sizeof(text));
	ck_assert_str_eq(text, "\xe2\x80\x9c" "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\xe2\x80\x9d");
	free(c);
	store_close(s);
}
END_TEST

START_TEST(csv_fields_are_quoted_when_they_must_be)
{
	struct capture cap;
	FILE *f = capture_open(&cap);
	report_csv_field(f, "plain");
	fputc('|', f);
	report_csv_field(f, "a,b");
	fputc('|', f);
	report_csv_field(f, "say \"hi\"");
	fputc('|', f);
	report_csv_field(f, "two\nlines");
	fputc('|', f);
	report_csv_field(f, " padded");
	fputc('|', f);
	report_csv_field(f, NULL);
	char *text = capture_close(&cap);
	ck_assert_str_eq(text, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" padded\"|");
	free(text);
}
END_TEST

/* Formula injection: text a spreadsheet would run stays text. */
START_TEST(csv_cells_that_look_like_formulas_are_neutralised)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"=2+3", "\"'=2+3\""},
		{"+1", "\"'+1\""},
		{"-2+3", "\"'-2+3\""},
		{"@SUM(A1)", "\"'@SUM(A1)\""},
		{"\t=1", "\"'\t=1\""},
		{"\r=1", "\"'\r=1\""},
		{"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
		{"a=1", "a=1"},
		{"B-2", "B-2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capture cap;
		report_csv_field(capture_open(&cap), cases[i].in);
		char *text = capture_close(&cap);
		ck_assert_msg(strcmp(text, cases[i].out) == 0, "%s gave %s", cases[i].in, text);
		free(text);
	}
}
END_TEST

START_TEST(export_csv_and_json_carry_notes_with_commas_and_quotes)
{
	char run_id[STORE_RUN_ID_LEN];
	const char *notes = "batch 17, \"rush\" order";
	struct store *s = stored_run(run_id, notes);
	struct rig_error err = {0};
	struct capture cap;
	ck_assert_int_eq(report_export_csv(capture_open(&cap), s, NULL, 0, &err), 0);
	char *csv = capture_close(&cap);
	ck_assert_int_eq(count(csv, "\r\n"), 2);
	ck_assert(strncmp(csv, "run_id,started_at,", 18) == 0);
	ck_assert_ptr_nonnull(strstr(csv, ",\"batch 17, \"\"rush\"\" order\","));
	ck_assert_ptr_nonnull(strstr(csv, run_id));
	ck_assert_ptr_nonnull(strstr(csv, ",MM-0042,MMD-120-2001-T-SCC,1,ims-ct-production,failed,fail,"));
	free(csv);

	struct store_filter f = {.serial = "MM-0042"};
	ck_assert_int_eq(report_export_json(capture_open(&cap), s, &f, 0, &err), 0);
	char *json = capture_close(&cap);
	cJSON *root = cJSON_Parse(json);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(cJSON_GetArraySize(root), 1);
	cJSON *row = cJSON_GetArrayItem(root, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(row, "notes")->valuestring, notes);
	ck_assert_str_eq(cJSON_GetObjectItem(row, "run_id")->valuestring, run_id);
	ck_assert_str_eq(cJSON_GetObjectItem(row, "verdict")->valuestring, "fail");
	ck_assert_int_eq(cJSON_GetObjectItem(row, "position")->valueint, 1);
	cJSON_Delete(root);
	free(json);

	f.serial = "nobody";
	ck_assert_int_eq(report_export_json(capture_open(&cap), s, &f, 0, &err), 0);
	json = capture_close(&cap);
	root = cJSON_Parse(json);
	ck_assert_int_eq(cJSON_GetArraySize(root), 0);
	cJSON_Delete(root);
	free(json);
	store_close(s);
}
END_TEST

/* A summary made by hand: errors 0.1 .. 0.4 at one point, one constant
 * point, so every statistic is known. */
static void known_summary(struct store_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->runs = 2;
	s->runs_passed = 1;
	s->runs_failed = 1;
	s->meters = 4;
	s->meters_passed = 3;
	s->meters_failed = 1;
	s->pass_rate = 0.75;
	s->n_points = 2;
	struct store_point_summary *p = &s->points[0];
	snprintf(p->profile, sizeof(p->profile), "prod");
	snprintf(p->name, sizeof(p->name), "full load, pf 1");
	p->band_pct = 0.5;
	p->current_a = 100;
	p->pf = 1;
	for (int i = 1; i <= 4; i++)
		store_stats_add(&p->stats, 0.1 * i);
	p->sd = store_stats_sd(&p->stats);
	p->cpk = store_stats_cpk(&p->stats, p->band_pct);
	snprintf(p->worst_serial, sizeof(p->worst_serial), "M4");
	p->worst_error_pct = 0.4;
	p = &s->points[1];
	snprintf(p->profile, sizeof(p->profile), "prod");
	p->idx = 2;
	snprintf(p->name, sizeof(p->name), "pf 0.5");
	p->band_pct = 0.75;
	p->pf = 0.5;
	store_stats_add(&p->stats, 0.3);
	p->sd = store_stats_sd(&p->stats);
	p->cpk = store_stats_cpk(&p->stats, p->band_pct);
	s->n_worst = 1;
	snprintf(s->worst[0].serial, sizeof(s->worst[0].serial), "M4");
	s->worst[0].error_pct = 0.4;
	s->worst[0].band_pct = 0.5;
	s->worst[0].band_used = 0.8;
}

START_TEST(summary_json_has_hand_computed_statistics)
{
	struct store_summary *s = calloc(1, sizeof(*s));
	known_summary(s);
	struct capture cap;
	ck_assert_int_eq(report_summary_json(capture_open(&cap), s), 0);
	char *json = capture_close(&cap);
	cJSON *root = cJSON_Parse(json);
	ck_assert_ptr_nonnull(root);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(root, "pass_rate")->valuedouble, 0.75, 1e-12);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "meters"), "failed")->valueint, 1);
	cJSON *points = cJSON_GetObjectItem(root, "points");
	ck_assert_int_eq(cJSON_GetArraySize(points), 2);
	cJSON *p = cJSON_GetArrayItem(points, 0);
	ck_assert_int_eq(cJSON_GetObjectItem(p, "n")->valueint, 4);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(p, "mean_error_pct")->valuedouble, 0.25, 1e-12);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(p, "sd_pct")->valuedouble, sqrt(0.05 / 3), 1e-9);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(p, "cpk")->valuedouble, 0.25 / (3 * sqrt(0.05 / 3)), 1e-9);
	/* One measurement: no standard deviation, no Cpk. */
	p = cJSON_GetArrayItem(points, 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(p, "sd_pct")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(p, "cpk")));
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "worst"), 0), "serial")
				 ->valuestring,
			 "M4");
	cJSON_Delete(root);
	free(json);
	free(s);
}
END_TEST

START_TEST(summary_csv_and_text_show_the_same_numbers)
{
	struct store_summary *s = calloc(1, sizeof(*s));
	known_summary(s);
	struct capture cap;
	ck_assert_int_eq(report_summary_csv(capture_open(&cap), s, REPORT_SUMMARY_TOTALS), 0);
	char *csv = capture_close(&cap);
	ck_assert(strncmp(csv, "metric,value\r\n", 14) == 0);
	ck_assert_ptr_nonnull(strstr(csv, "pass_rate,0.75\r\n"));
	ck_assert_ptr_nonnull(strstr(csv, "meters_failed,1\r\n"));
	ck_assert_ptr_null(strstr(csv, "\r\n\r\n"));	/* one table */
	free(csv);
	ck_assert_int_eq(report_summary_csv(capture_open(&cap), s, REPORT_SUMMARY_POINTS), 0);
	csv = capture_close(&cap);
	ck_assert(strncmp(csv, "profile,point,", 14) == 0);
	ck_assert_ptr_null(strstr(csv, "\r\n\r\n"));
	/* the name has a comma: quoted; sd 0.1290994449, Cpk 0.6454972244 */
	ck_assert_ptr_nonnull(strstr(csv, "prod,1,\"full load, pf 1\",100,1,0,0.5,4,0.25,0.1290994449,0.6454972244,M4,0.4\r\n"));
	/* unknown statistics are empty fields */
	ck_assert_ptr_nonnull(strstr(csv, "prod,3,pf 0.5,0,0.5,0,0.75,1,0.3,,,,0\r\n"));
	free(csv);
	ck_assert_int_eq(report_summary_csv(capture_open(&cap), s, REPORT_SUMMARY_WORST), 0);
	csv = capture_close(&cap);
	ck_assert(strncmp(csv, "serial,run_id,point,", 20) == 0);
	ck_assert_ptr_nonnull(strstr(csv, "M4,,,0.4,0.5,0.8\r\n"));
	free(csv);

	ck_assert_int_eq(report_summary_text(capture_open(&cap), s, "Week 47"), 0);
	char *text = capture_close(&cap);
	ck_assert(strncmp(text, "Week 47\n", 8) == 0);
	ck_assert_ptr_nonnull(strstr(text, "pass rate 75.0 %"));
	ck_assert_ptr_nonnull(strstr(text, "+0.2500"));
	ck_assert_ptr_nonnull(strstr(text, "0.1291"));
	ck_assert_ptr_nonnull(strstr(text, "0.65"));
	ck_assert_ptr_nonnull(strstr(text, "80 %"));
	free(text);
	free(s);
}
END_TEST

START_TEST(summary_reports_straight_from_the_store)
{
	char run_id[STORE_RUN_ID_LEN];
	struct store *s = stored_run(run_id, "");
	struct rig_error err = {0};
	struct store_summary *sum = calloc(1, sizeof(*sum));
	ck_assert_int_eq(store_summary_load(s, NULL, sum, &err), 0);
	ck_assert_int_eq(sum->n_points, 3);	/* accuracy points only */
	ck_assert_double_eq_tol(sum->points[2].stats.mean, 0.33, 1e-12);	/* final attempt */
	struct capture cap;
	ck_assert_int_eq(report_summary_json(capture_open(&cap), sum), 0);
	char *json = capture_close(&cap);
	cJSON *root = cJSON_Parse(json);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "runs"), "failed")->valueint, 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(root, "pass_rate")) == false);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(root, "pass_rate")->valuedouble, 0, 1e-12);
	cJSON_Delete(root);
	free(json);
	free(sum);
	store_close(s);
}
END_TEST

Suite *suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, certificate_shows_every_point_the_verdict_and_a_plot);
	tcase_add_test(tc, certificate_of_an_unmeasured_meter_still_renders);
	tcase_add_test(tc, a_note_that_mimics_an_override_is_shown_as_a_note);
	tcase_add_test(tc, csv_fields_are_quoted_when_they_must_be);
	tcase_add_test(tc, csv_cells_that_look_like_formulas_are_neutralised);
	tcase_add_test(tc, export_csv_and_json_carry_notes_with_commas_and_quotes);
	tcase_add_test(tc, summary_json_has_hand_computed_statistics);
	tcase_add_test(tc, summary_csv_and_text_show_the_same_numbers);
	tcase_add_test(tc, summary_reports_straight_from_the_store);
	suite_add_tcase(s, tc);
	return s;
}
