#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/profile.h"
#include "rig/core/sha256.h"
#include "rig/core/text_file.h"
#include "tests/unit/robustness.h"

static const char *top(void)
{
	const char *t = getenv("RIG_TOP");
	return t ? t : ".";
}

static struct rig_meter_model model(const char *text)
{
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_msg(rig_model_decode(text, &m, &err) == 0, "%s", err.msg);
	return m;
}

static const struct rig_point *find_point(const struct rig_profile *p, const char *name)
{
	for (int i = 0; i < p->n_points; i++)
		if (!strcmp(p->points[i].name, name))
			return &p->points[i];
	ck_abort_msg("no point %s", name);
	return NULL;
}

static struct rig_profile *load_shipped(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/profiles/%s", top(), name);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	char buf[800];
	ck_assert_msg(rig_profile_load(path, p, &err) == 0, "%s",
		      rig_error_format(&err, buf, sizeof(buf)));
	/* the stored hash is the hash of the file's bytes */
	char *text;
	size_t len;
	ck_assert_int_eq(rig_text_file_read(path, &text, &len, &err), 0);
	char hex[65];
	rig_sha256_hex(text, len, hex);
	ck_assert_str_eq(p->sha256, hex);
	free(text);
	ck_assert_str_eq(p->source_file, path);
	return p;
}

START_TEST(ansi_profile_loads_and_fits_every_model)
{
	struct rig_profile *p = load_shipped("ansi-c12.1.profile");
	ck_assert_str_eq(p->name, "ansi-c12.1");
	ck_assert_int_eq(p->indeterminate, RIG_INDETERMINATE_RETEST);
	ck_assert_int_eq(p->max_retests, 2);

	const struct rig_point *fl = find_point(p, "full-load-pf1");
	ck_assert_int_eq(fl->kind, RIG_POINT_ACCURACY);
	ck_assert_double_eq(fl->current_pct, 100);
	ck_assert_double_eq(fl->pf, 1);
	ck_assert_double_eq(fl->band_pct, 0.5);
	ck_assert_double_eq(fl->voltage_v, 120);
	ck_assert_double_eq(fl->frequency_hz, 60);
	ck_assert_double_eq(fl->settle_s, 10);
	ck_assert(fl->all_elements);

	const struct rig_point *lag = find_point(p, "low-end-pf05-lag");
	ck_assert_double_eq(lag->current_a, 2);
	ck_assert_double_eq(lag->current_pct, -1);
	ck_assert_double_eq(lag->pf, 0.5);
	ck_assert(!lag->leading);
	ck_assert_double_eq(lag->band_pct, 0.75);
	ck_assert_double_eq(lag->max_gate_s, 900);
	ck_assert(find_point(p, "full-load-pf05-lead")->leading);
	ck_assert_double_eq(find_point(p, "voltage-102v")->voltage_v, 102);
	ck_assert_double_eq(find_point(p, "voltage-138v")->voltage_v, 138);
	ck_assert_double_eq(find_point(p, "frequency-50hz")->frequency_hz, 50);

	const struct rig_point *e2 = find_point(p, "element-2-alone");
	ck_assert_uint_eq(e2->elements, 2);
	ck_assert_int_eq(e2->requires_elements, 2);
	const struct rig_point *creep = find_point(p, "creep");
	ck_assert_int_eq(creep->kind, RIG_POINT_CREEP);
	ck_assert_int_eq(creep->max_edges, 1);
	ck_assert_double_eq(creep->voltage_v, 138);
	const struct rig_point *on = find_point(p, "reverse-ct1");
	ck_assert_uint_eq(on->reversed, 1);
	ck_assert_uint_eq(on->elements, 1);	/* element 2 unloaded (guide 5.3) */
	ck_assert(on->led_expected_on);
	const struct rig_point *ct2 = find_point(p, "reverse-ct2");
	ck_assert_uint_eq(ct2->reversed, 2);
	ck_assert_uint_eq(ct2->elements, 2);
	ck_assert_uint_eq(find_point(p, "ct-swap")->reversed, 3);
	const struct rig_point *off = find_point(p, "reverse-led-off");
	ck_assert_uint_eq(off->reversed, 0);
	ck_assert(!off->led_expected_on);
	ck_assert_int_eq(find_point(p, "output-consistency")->kind, RIG_POINT_OUTPUT_CONSISTENCY);
	ck_assert_int_eq(find_point(p, "pulse-duty")->kind, RIG_POINT_PULSE_DUTY);
	ck_assert_int_eq(find_point(p, "starting-load")->kind, RIG_POINT_STARTING_LOAD);

	const char *models[] = { "MMS-120-1001", "MMD-120-2001-T-SCC", "MMD-120-4001",
				 "MS-120-F-1-SO-011-00", "MD-240-F-2-XO-022-00" };
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		struct rig_meter_model m = model(models[i]);
		struct rig_error err = { 0 };
		ck_assert_msg(rig_profile_check_model(p, &m, &err) == 0, "%s: %s", models[i], err.msg);
	}
	free(p);
}
END_TEST

START_TEST(production_profile_loads)
{
	struct rig_profile *p = load_shipped("production.profile");
	ck_assert_str_eq(p->name, "production");
	ck_assert_int_eq(p->max_retests, 1);
	ck_assert_int_ge(p->n_points, 4);
	ck_assert_int_le(p->n_points, 9);
	/* wiring before meters: voltage only, then a short current step */
	ck_assert_int_eq(find_point(p, "connection-voltage")->kind, RIG_POINT_CONNECTION_CHECK);
	ck_assert_int_eq(find_point(p, "connection-check")->kind, RIG_POINT_CONNECTION_CHECK);
	ck_assert_double_eq(find_point(p, "connection-voltage")->current_a, 0);
	ck_assert_int_eq(find_point(p, "creep-short")->kind, RIG_POINT_CREEP);
	ck_assert_double_eq(find_point(p, "creep-short")->max_gate_s, 120);
	struct rig_meter_model m = model("MMS-120-2002-T");
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_check_model(p, &m, &err), 0);
	free(p);
}
END_TEST

static const char header[] = "[profile]\nname = t\n";	/* two lines */

/* Parses header + body; asserts refusal at `line` with `what` in the message. */
static void assert_refused(const char *body, int line, const char *what)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", header, body);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	int r = rig_profile_parse(text, strlen(text), "t.profile", p, &err);
	free(p);
	ck_assert_msg(r == -1, "accepted: %s", body);
	ck_assert_str_eq(err.file, "t.profile");
	ck_assert_msg(err.line == line, "'%s': line %d, expected %d (%s)", body, err.line, line,
		      err.msg);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
	char buf[800];
	char want[32];
	snprintf(want, sizeof(want), "t.profile:%d: ", line);
	if (line > 0)
		ck_assert_msg(strncmp(rig_error_format(&err, buf, sizeof(buf)), want, strlen(want)) == 0,
			      "%s", buf);
}

#define POINT "[point p]\nkind = accuracy\ncurrent = 100 %\n"	/* lines 3..5 */

START_TEST(errors_name_file_line_and_reason)
{
	assert_refused(POINT "colour = red\n", 6, "unknown key 'colour'");
	assert_refused("[extras]\n", 3, "unknown section [extras]");
	assert_refused(POINT "voltage = lots\n", 6, "not a number");
	assert_refused(POINT "voltage = 120 A\n", 6, "unit 'A'");
	assert_refused(POINT "settle = 10 min\n", 6, "unit 'min'");
	assert_refused(POINT "pf = 1.5\n", 6, "outside (0, 1]");
	assert_refused(POINT "pf = 0\n", 6, "outside (0, 1]");
	assert_refused(POINT "pf = 0.5\n", 6, "lag' or 'lead");
	assert_refused(POINT "pf = 0.5 sideways\n", 6, "not lag or lead");
	assert_refused("[point p]\ncurrent = 1 A\n[point q]\n", 3, "no kind");
	assert_refused("[point p]\ncurrent = 1 A\n", 3, "no kind");
	assert_refused(POINT "[point p]\nkind = creep\ncurrent = 0 A\n", 6, "duplicate point name 'p' (first at line 3)");
	assert_refused(POINT "kind = creep\n", 6, "set twice (first at line 4)");
	assert_refused(POINT "current\n", 6, "key = value");
	assert_refused("[point p\n", 3, "closing ']'");
	assert_refused(POINT "band = \x01\x02\n", 6, "binary");
	assert_refused("[point p]\nkind = accuracy\ncurrent = 1e308 A\n", 5,
		       "current: 1e308 A is above 1000 A");
	assert_refused("[point p]\nkind = accuracy\ncurrent = 1e300 %\n", 5, "is above 1000 %");
	assert_refused(POINT "target_uncertainty = 1e308 %\n", 6, "not in (0, 50]");
	assert_refused(POINT "current = 100\n", 6, "set twice (first at line 5)");
	assert_refused(POINT "band =", 6, "'band' has no value");
	assert_refused("[point p]\nkind = accuracy\ncurrent = 100\n", 5, "needs a unit");
	assert_refused("[point p]\nkind = accuracy\ncurrent = 2 V\n", 5, "unit 'V'");
	assert_refused("[point p]\nkind = accuracy\ncurrent = -2 A\n", 5, "negative");
	assert_refused("[point p]\nkind = accuracy\n", 3, "needs a current");
	assert_refused("[point p]\nkind = creep\ncurrent = 1 A\n", 3, "no current");
	assert_refused("[point p]\nkind = reverse-led\ncurrent = 5 A\n", 3, "led = on | off");
	assert_refused(POINT "reversed = 1\n", 3, "reverse-led points only");
	assert_refused(POINT "kind = sprint\n", 6, "set twice");
	assert_refused("[point p]\nkind = sprint\n", 4, "not one of accuracy");
	assert_refused(POINT "elements = 3\n", 6, "all, 1, 2 or 1,2");
	assert_refused(POINT "output = 50\n", 6, "not an output Kh");
	assert_refused(POINT "frequency = 400 Hz\n", 6, "45..65");
	assert_refused(POINT "min_edges = 1\n", 3, "at least 2");
	assert_refused(POINT "min_gate = 700 s\n", 3, "above max_gate");
	assert_refused(POINT "requires = triple\n", 6, "any | single | dual");
	assert_refused(POINT "led = blinking\n", 6, "off | on");
	assert_refused("[defaults]\nkind = accuracy\n", 4, "belongs in a [point]");
	assert_refused(POINT "[defaults]\n", 6, "before the first [point]");
	assert_refused("[profile]\n", 3, "second [profile]");
	assert_refused("[point]\n", 3, "needs a name");
	assert_refused("[point aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 3, "longer than 47");
	assert_refused("max_retests = 2.5\n", 3, "whole number");
	assert_refused("indeterminate = shrug\n", 3, "retest | fail | report");
	assert_refused("speed = fast\n", 3, "unknown key 'speed' in [profile]");
	assert_refused("", 0, "no [point");
}
END_TEST

START_TEST(file_level_errors)
{
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	const char *t1 = "name = x\n";
	ck_assert_int_eq(rig_profile_parse(t1, strlen(t1), "a", p, &err), -1);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "start with [profile]"));
	const char *t2 = "[profile]\n[point p]\nkind = creep\ncurrent = 0 A\n";
	ck_assert_int_eq(rig_profile_parse(t2, strlen(t2), "a", p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no name"));
	const char *t3 = "[point p]\nkind = creep\ncurrent = 0 A\n";
	ck_assert_int_eq(rig_profile_parse(t3, strlen(t3), "a", p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no [profile]"));
	const char t4[] = "[profile]\nname = x\n\x7f\x45\x4c\x46\0\0\n";	/* an ELF header */
	ck_assert_int_eq(rig_profile_parse(t4, sizeof(t4) - 1, "a", p, &err), -1);
	ck_assert_int_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "binary"));
	const char t5[] = "[profile]\nname = x\n[point p]\nkind = creep\0\n";
	ck_assert_int_eq(rig_profile_parse(t5, sizeof(t5) - 1, "a", p, &err), -1);
	ck_assert_int_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.msg, "binary"));
	ck_assert_int_eq(rig_profile_load("/nonexistent/x.profile", p, &err), -1);
	ck_assert_str_eq(err.file, "/nonexistent/x.profile");
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	free(p);
}
END_TEST

START_TEST(too_many_points)
{
	size_t cap = 64 * 1024;
	char *text = malloc(cap);
	int n = snprintf(text, cap, "%s", header);
	for (int i = 0; i <= RIG_PROFILE_MAX_POINTS; i++)
		n += snprintf(text + n, cap - n, "[point p%d]\nkind = creep\ncurrent = 0 A\n", i);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_parse(text, (size_t)n, "big", p, &err), -1);
	ck_assert_int_eq(err.line, 3 + 3 * RIG_PROFILE_MAX_POINTS);
	ck_assert_ptr_nonnull(strstr(err.msg, "too many points"));
	free(p);
	free(text);
}
END_TEST

static struct rig_profile *parse_ok(const char *body)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", header, body);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_profile_parse(text, strlen(text), "t.profile", p, &err) == 0, "%s",
		      err.msg);
	return p;
}

START_TEST(defaults_are_inherited_and_overridden)
{
	struct rig_profile *p = parse_ok("[defaults]\nvoltage = 110\nsettle = 250 ms\nband = 0.3 %\n"
					 "[point a]\nkind = accuracy\ncurrent = 500 mA\n"
					 "[point b]\nkind = accuracy\ncurrent = 20 %\nvoltage = 130 V\n"
					 "elements = 1,2\n");
	ck_assert_int_eq(p->n_points, 2);
	ck_assert_double_eq(p->points[0].voltage_v, 110);
	ck_assert_double_eq_tol(p->points[0].settle_s, 0.25, 1e-12);
	ck_assert_double_eq_tol(p->points[0].current_a, 0.5, 1e-12);
	ck_assert_double_eq(p->points[0].band_pct, 0.3);
	ck_assert_int_eq(p->points[0].line, 7);
	ck_assert_double_eq(p->points[1].voltage_v, 130);
	ck_assert_double_eq(p->points[1].current_pct, 20);
	ck_assert(!p->points[1].all_elements);
	ck_assert_uint_eq(p->points[1].elements, 3);
	ck_assert_str_eq(rig_point_kind_name(p->points[1].kind), "accuracy");
	free(p);
}
END_TEST

START_TEST(percent_current_resolves_per_model)
{
	struct rig_profile *p = parse_ok("[point fl]\nkind = accuracy\ncurrent = 100 %\n"
					 "[point ll]\nkind = accuracy\ncurrent = 10 %\n"
					 "[point amps]\nkind = accuracy\ncurrent = 2 A\n");
	static const struct { const char *model; double fl, ll; } cases[] = {
		{ "MMS-120-1001", 100, 10 }, { "MMS-120-2002", 200, 20 }, { "MMD-120-4001", 400, 40 },
		{ "MD-240-F-1-SO-041-00", 400, 40 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig_meter_model m = model(cases[i].model);
		ck_assert_double_eq_tol(rig_point_current_a(&p->points[0], &m), cases[i].fl, 1e-9);
		ck_assert_double_eq_tol(rig_point_current_a(&p->points[1], &m), cases[i].ll, 1e-9);
		ck_assert_double_eq(rig_point_current_a(&p->points[2], &m), 2);
	}
	free(p);
}
END_TEST

static void assert_model_refused(const char *body, const char *model_text, int line,
				 const char *what)
{
	struct rig_profile *p = parse_ok(body);
	struct rig_meter_model m = model(model_text);
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_check_model(p, &m, &err), -1);
	ck_assert_str_eq(err.file, "t.profile");
	ck_assert_int_eq(err.line, line);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
	ck_assert_msg(strstr(err.msg, "point 'bad'"), "'%s' does not name the point", err.msg);
	free(p);
}

#define OK_POINT "[point ok]\nkind = accuracy\ncurrent = 100 %\n"	/* lines 3..5; bad at 6 */

START_TEST(check_model_refusals)
{
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 1 A\noutput = 1000\n",
			     "MMS-120-2001-T", 6, "no Kh 1000 output");
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 111 A\n",
			     "MMS-120-1001", 6, "above the 110 A maximum");
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 111 %\n",
			     "MMS-120-4001", 6, "444 A is above the 440 A");
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 1 A\nvoltage = 101 V\n",
			     "MMS-120-1001", 6, "102..138");
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 1 A\nvoltage = 139 V\n",
			     "MMD-120-1001", 6, "139 V");
	assert_model_refused(OK_POINT "[point bad]\nkind = accuracy\ncurrent = 1 A\nelements = 2\n",
			     "MMS-120-1001", 6, "no element 2");
	assert_model_refused(OK_POINT "[point bad]\nkind = reverse-led\ncurrent = 5 A\nreversed = 2\nled = on\n",
			     "MS-120-F-1-SO-011-00", 6, "no element 2");
	assert_model_refused(OK_POINT "[point bad]\nkind = reverse-led\ncurrent = 5 A\nelements = 1\nreversed = 2\nled = on\n",
			     "MMD-120-1001", 6, "carries no current");

	/* the same points are fine where the model allows them */
	struct rig_profile *p = parse_ok("[point a]\nkind = accuracy\ncurrent = 110 A\noutput = 1000\n"
					 "elements = 2\n");
	struct rig_meter_model m = model("MMD-120-1001");
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_check_model(p, &m, &err), 0);
	free(p);
}
END_TEST

START_TEST(applies_and_element_mask)
{
	struct rig_profile *p = parse_ok("[point dual]\nkind = accuracy\ncurrent = 1 A\nrequires = dual\nelements = 2\n"
					 "[point any]\nkind = accuracy\ncurrent = 1 A\n"
					 "[point single]\nkind = accuracy\ncurrent = 1 A\nrequires = single\n");
	struct rig_meter_model s = model("MMS-120-1001");
	struct rig_meter_model d = model("MD-240-F-1-SO-011-00");
	ck_assert(!rig_point_applies(&p->points[0], &s));
	ck_assert(rig_point_applies(&p->points[0], &d));
	ck_assert(rig_point_applies(&p->points[1], &s));
	ck_assert(rig_point_applies(&p->points[1], &d));
	ck_assert(rig_point_applies(&p->points[2], &s));
	ck_assert(!rig_point_applies(&p->points[2], &d));
	/* a skipped point is not checked: element 2 on a single meter is fine there */
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_profile_check_model(p, &s, &err), 0);
	ck_assert_uint_eq(rig_point_element_mask(&p->points[1], &s), 1);
	ck_assert_uint_eq(rig_point_element_mask(&p->points[1], &d), 3);
	ck_assert_uint_eq(rig_point_element_mask(&p->points[0], &d), 2);
	free(p);
}
END_TEST

/* Every prefix of a shipped profile (a file cut short anywhere) and a few
 * thousand corrupted copies either parse or fail with a message; never crash. */
static int parse_profile(const char *text, size_t len, const char *file, void *ret,
			 struct rig_error *err)
{
	return rig_profile_parse(text, len, file, ret, err);
}

START_TEST(truncated_and_corrupted_files_fail_cleanly)
{
	struct rig_profile *x = malloc(sizeof(*x));
	robustness_check_damaged_copies("profiles/ansi-c12.1.profile", parse_profile, x, 12345);
	free(x);
}
END_TEST

/* Seen following the fuzzed profile values into the sequencer: settle and
 * the gates were unbounded, and the sequencer's int64 nanoseconds end at
 * 292 years: llround(1e10 s * 1e9) gives INT64_MIN (a window that ends
 * before it starts), and just below that now + settle + window overflows.
 * A day is the limit now. */
START_TEST(durations_longer_than_a_day_are_refused)
{
	assert_refused(POINT "max_gate = 1e10 s\n", 6, "max_gate: 1e+10 s is more than a day (86400 s)");
	assert_refused(POINT "settle = 1e300 s\n", 6, "settle: 1e+300 s is more than a day");
	assert_refused(POINT "min_gate = 86401 s\n", 6, "min_gate: 86401 s is more than a day");
	char text[512];
	snprintf(text, sizeof(text), "%s%s", header, POINT "settle = 86400 s\nmax_gate = 86400000 ms\n");
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_profile_parse(text, strlen(text), "t.profile", p, &err) == 0, "%s", err.msg);
	ck_assert_double_eq(p->points[0].max_gate_s, 86400);
	free(p);
}
END_TEST

Suite *suite_profile(void)
{
	Suite *s = suite_create("profile");
	TCase *t = tcase_create("profile");
	tcase_add_test(t, ansi_profile_loads_and_fits_every_model);
	tcase_add_test(t, production_profile_loads);
	tcase_add_test(t, errors_name_file_line_and_reason);
	tcase_add_test(t, file_level_errors);
	tcase_add_test(t, too_many_points);
	tcase_add_test(t, durations_longer_than_a_day_are_refused);
	tcase_add_test(t, defaults_are_inherited_and_overridden);
	tcase_add_test(t, percent_current_resolves_per_model);
	tcase_add_test(t, check_model_refusals);
	tcase_add_test(t, applies_and_element_mask);
	tcase_add_test(t, truncated_and_corrupted_files_fail_cleanly);
	suite_add_tcase(s, t);
	return s;
}
