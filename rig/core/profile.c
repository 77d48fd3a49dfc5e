/* Profile text -> struct rig_profile. The format is documented for test
 * engineers in profiles/README.md; every refusal says file:line and why. */
#include "rig/core/profile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rig/core/ini.h"
#include "rig/core/sha256.h"
#include "rig/core/text_file.h"

#define SUPPLY_MIN_V 102	/* guide 2.2: supply range, line to neutral */
#define SUPPLY_MAX_V 138
/* Longest settle or gate: a day. The sequencer turns these into int64
 * nanoseconds; 1e10 s would not fit (past 292 years it overflows). */
#define MAX_DURATION_S 86400
#define MAX_CURRENT 1000.0	/* A, or % of rated current: beyond any meter bench */

static const char *const kind_names[] = {
	"accuracy", "creep", "starting-load", "reverse-led", "output-consistency", "pulse-duty",
	"warm-up", "connection-check", "register", NULL,
};
static const char *const policy_names[] = { "retest", "fail", "report", NULL };

const char *rig_point_kind_name(enum rig_point_kind k)
{
	return k <= RIG_POINT_REGISTER ? kind_names[k] : "unknown";
}

const char *rig_indeterminate_policy_name(enum rig_indeterminate_policy policy)
{
	return policy <= RIG_INDETERMINATE_REPORT ? policy_names[policy] : "unknown";
}

enum section { SEC_NONE, SEC_PROFILE, SEC_DEFAULTS, SEC_POINT };

/* Keys of [defaults] and [point]: index into seen[] for "set twice". */
enum point_key {
	K_KIND, K_VOLTAGE, K_FREQUENCY, K_CURRENT, K_PF, K_ELEMENTS, K_REVERSED, K_OUTPUT,
	K_BAND, K_TARGET_U, K_SETTLE, K_MIN_GATE, K_MAX_GATE, K_MIN_EDGES, K_MAX_EDGES,
	K_LED, K_REQUIRES, K_REFERENCE, K_CHANGE_BAND, K_DETECT, K_ENERGY, K_RESOLUTION,
	K_READING_WAIT, K_COUNT,
};
static const char *const point_keys[] = {
	"kind", "voltage", "frequency", "current", "pf", "elements", "reversed", "output",
	"band", "target_uncertainty", "settle", "min_gate", "max_gate", "min_edges", "max_edges",
	"led", "requires", "reference", "change_band", "detect", "energy", "resolution",
	"reading_wait",
};

enum profile_key { P_NAME, P_DESCRIPTION, P_INDETERMINATE, P_MAX_RETESTS, P_WEIGHTING, P_METHOD, P_COUNT };
static const char *const profile_keys[] = { "name", "description", "indeterminate", "max_retests",
					    "weighting", "method" };

struct parser {
	const char *file;
	struct rig_profile *p;
	enum section section;
	int section_line;
	int seen[K_COUNT];		/* line where each key was set in this section */
	bool seen_profile, seen_defaults;
	struct rig_point defaults;
	struct rig_point *point;	/* the [point] being read */
	bool led_set;
};

static void builtin_defaults(struct rig_point *d)
{
	memset(d, 0, sizeof(*d));
	d->voltage_v = 120;
	d->frequency_hz = 60;
	d->current_pct = -1;
	d->pf = 1;
	d->elements = 3;
	d->all_elements = true;
	d->output_kh = 10;
	d->band_pct = 0.5;
	d->target_u_pct = 0.05;
	d->settle_s = 10;
	d->min_gate_s = 0;
	d->max_gate_s = 600;
	d->min_edges = 2;
	d->max_edges = 0;
	d->reference_point = -1;
	d->resolution_kwh = 0.1;
	d->reading_wait_s = 300;
}

static int find_key(const char *const *keys, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return i;
	return -1;
}

/* "all" or a list of element numbers "1", "2", "1,2", "1 2". */
static int parse_element_list(const struct rig_ini_item *it, const char *file, bool allow_none,
			      unsigned *ret, struct rig_error *err)
{
	if (allow_none && !strcasecmp(it->value, "none")) {
		*ret = 0;
		return 0;
	}
	unsigned mask = 0;
	const char *s = it->value;
	while (*s) {
		if (*s == ',' || *s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if ((*s == '1' || *s == '2') && (!s[1] || strchr(", \t", s[1]))) {
			mask |= 1u << (*s - '1');
			s++;
			continue;
		}
		return rig_error_set(err, file, it->line, "%s: '%s' is not %s", it->key, it->value,
				     allow_none ? "none, 1, 2 or 1,2" : "all, 1, 2 or 1,2");
	}
	if (!mask)
		return rig_error_set(err, file, it->line, "%s: no element given", it->key);
	*ret = mask;
	return 0;
}

/* "100 %" (of rated current) or "2 A" / "500 mA" (primary amps). */
static int parse_current(const struct rig_ini_item *it, const char *file, struct rig_point *pt,
			 struct rig_error *err)
{
	double v;
	const char *unit = strchr(it->value, '%') ? "%" : "A";
	char *end;
	errno = 0;
	strtod(it->value, &end);
	while (*end == ' ')
		end++;
	if (end != it->value && !*end)
		return rig_error_set(err, file, it->line,
				     "current: '%s' needs a unit: %% of rated current or A", it->value);
	if (rig_ini_number(it, file, unit, &v, err))
		return -1;
	if (v < 0)
		return rig_error_set(err, file, it->line, "current: %s is negative", it->value);
	/* Bounded before it is used anywhere: a 1e308 would overflow the
	 * products that follow (power, energy, edges expected). */
	if (v > MAX_CURRENT)
		return rig_error_set(err, file, it->line, "current: %s is above %g %s", it->value,
				     MAX_CURRENT, unit[0] == '%' ? "%" : "A");
	if (unit[0] == '%') {
		pt->current_pct = v;
		pt->current_a = 0;
	} else {
		pt->current_pct = -1;
		pt->current_a = v;
	}
	return 0;
}

/* "1", "1.0", "0.5 lag", "0.5 lagging", "0.8 lead". */
static int parse_pf(const struct rig_ini_item *it, const char *file, struct rig_point *pt,
		    struct rig_error *err)
{
	char *end;
	errno = 0;
	double pf = strtod(it->value, &end);
	if (end == it->value || errno || !isfinite(pf))
		return rig_error_set(err, file, it->line, "pf: '%s' is not a number", it->value);
	if (!(pf > 0 && pf <= 1))
		return rig_error_set(err, file, it->line, "pf: %g is outside (0, 1]", pf);
	while (*end == ' ' || *end == '\t')
		end++;
	bool leading = false;
	if (!strcasecmp(end, "lead") || !strcasecmp(end, "leading"))
		leading = true;
	else if (*end && strcasecmp(end, "lag") && strcasecmp(end, "lagging"))
		return rig_error_set(err, file, it->line, "pf: '%s' is not lag or lead", end);
	else if (!*end && pf < 1)
		return rig_error_set(err, file, it->line,
				     "pf: %g needs 'lag' or 'lead' (e.g. 0.5 lag)", pf);
	pt->pf = pf;
	pt->leading = leading;
	return 0;
}

static int parse_nonneg(const struct rig_ini_item *it, const char *file, const char *unit,
			double *ret, struct rig_error *err)
{
	double v = 0;
	if (rig_ini_number(it, file, unit, &v, err))
		return -1;
	if (v < 0)
		return rig_error_set(err, file, it->line, "%s: %s is negative", it->key, it->value);
	*ret = v;
	return 0;
}

/* settle, min_gate, max_gate: seconds, 0 .. a day. */
static int parse_duration(const struct rig_ini_item *it, const char *file, double *ret,
			  struct rig_error *err)
{
	double v = 0;
	if (parse_nonneg(it, file, "s", &v, err))
		return -1;
	if (v > MAX_DURATION_S)
		return rig_error_set(err, file, it->line, "%s: %g s is more than a day (%d s)",
				     it->key, v, MAX_DURATION_S);
	*ret = v;
	return 0;
}

/* energy, resolution: "1 kWh", "500 Wh" (a unit is required), into kWh;
 * above 0 and at most 1000 kWh. */
static int parse_kwh(const struct rig_ini_item *it, const char *file, double *ret,
		     struct rig_error *err)
{
	size_t n = strlen(it->value);
	bool kwh = n >= 3 && !strcasecmp(it->value + n - 3, "kWh");
	bool wh = !kwh && n >= 2 && !strcasecmp(it->value + n - 2, "Wh");
	if (!kwh && !wh)
		return rig_error_set(err, file, it->line, "%s: '%s' needs a unit: kWh or Wh",
				     it->key, it->value);
	struct rig_ini_item num = *it;
	num.value[n - (kwh ? 3 : 2)] = '\0';
	double v;
	if (rig_ini_number(&num, file, NULL, &v, err))
		return -1;
	v = kwh ? v : v / 1000;
	if (!(v > 0 && v <= 1000))
		return rig_error_set(err, file, it->line, "%s: %s is not above 0 and at most 1000 kWh",
				     it->key, it->value);
	*ret = v;
	return 0;
}

static int parse_count(const struct rig_ini_item *it, const char *file, int *ret,
		       struct rig_error *err)
{
	if (rig_ini_int(it, file, ret, err))
		return -1;
	if (*ret < 0)
		return rig_error_set(err, file, it->line, "%s: %d is negative", it->key, *ret);
	return 0;
}

/* reference = NAME: an earlier accuracy point, the reference conditions. */
static int set_reference(struct parser *ps, struct rig_point *pt, const struct rig_ini_item *it,
			 struct rig_error *err)
{
	if (ps->section != SEC_POINT)
		return rig_error_set(err, ps->file, it->line,
				     "reference belongs in a [point] section, not in [defaults]");
	for (int i = 0; i < ps->p->n_points - 1; i++) {
		const struct rig_point *r = &ps->p->points[i];
		if (strcmp(r->name, it->value))
			continue;
		if (r->kind != RIG_POINT_ACCURACY)
			return rig_error_set(err, ps->file, it->line,
					     "reference: point '%s' is not an accuracy point", r->name);
		pt->reference_point = i;
		return 0;
	}
	return rig_error_set(err, ps->file, it->line,
			     "reference: no earlier point named '%s'", it->value);
}

static int set_point_key(struct parser *ps, struct rig_point *pt, int key,
			 const struct rig_ini_item *it, struct rig_error *err)
{
	const char *f = ps->file;
	int choice;
	double v;
	switch ((enum point_key)key) {
	case K_KIND:
		if (ps->section != SEC_POINT)
			return rig_error_set(err, f, it->line,
					     "kind belongs in a [point] section, not in [defaults]");
		if (rig_ini_choice(it, f, kind_names, &choice, err))
			return -1;
		pt->kind = (enum rig_point_kind)choice;
		return 0;
	case K_VOLTAGE:
		if (rig_ini_number(it, f, "V", &v, err))
			return -1;
		if (!(v > 0 && v <= 600))
			return rig_error_set(err, f, it->line, "voltage: %g V is not a supply voltage", v);
		pt->voltage_v = v;
		return 0;
	case K_FREQUENCY:
		if (rig_ini_number(it, f, "Hz", &v, err))
			return -1;
		if (v < 45 || v > 65)	/* guide 2.2: 50-60 Hz; a little margin for variation tests */
			return rig_error_set(err, f, it->line,
					     "frequency: %g Hz is outside 45..65 Hz", v);
		pt->frequency_hz = v;
		return 0;
	case K_CURRENT:
		return parse_current(it, f, pt, err);
	case K_PF:
		return parse_pf(it, f, pt, err);
	case K_ELEMENTS:
		pt->all_elements = !strcasecmp(it->value, "all");
		if (pt->all_elements) {
			pt->elements = 3;
			return 0;
		}
		return parse_element_list(it, f, false, &pt->elements, err);
	case K_REVERSED:
		return parse_element_list(it, f, true, &pt->reversed, err);
	case K_OUTPUT:
		if (rig_ini_number(it, f, NULL, &v, err))
			return -1;
		if (v != 10 && v != 100 && v != 1000)
			return rig_error_set(err, f, it->line,
					     "output: %g is not an output Kh (10, 100 or 1000)", v);
		pt->output_kh = v;
		return 0;
	case K_BAND:
		if (parse_nonneg(it, f, "%", &v, err))
			return -1;
		if (v == 0 || v > 50)
			return rig_error_set(err, f, it->line, "band: %g %% is not in (0, 50] %%", v);
		pt->band_pct = v;
		return 0;
	case K_TARGET_U:
		if (parse_nonneg(it, f, "%", &v, err))
			return -1;
		if (v == 0 || v > 50)
			return rig_error_set(err, f, it->line,
					     "target_uncertainty: %g %% is not in (0, 50] %%", v);
		pt->target_u_pct = v;
		return 0;
	case K_SETTLE:
		return parse_duration(it, f, &pt->settle_s, err);
	case K_MIN_GATE:
		return parse_duration(it, f, &pt->min_gate_s, err);
	case K_MAX_GATE:
		if (parse_duration(it, f, &v, err))
			return -1;
		if (v == 0)
			return rig_error_set(err, f, it->line, "max_gate: must be above 0 s");
		pt->max_gate_s = v;
		return 0;
	case K_MIN_EDGES:
		return parse_count(it, f, &pt->min_edges, err);
	case K_MAX_EDGES:
		return parse_count(it, f, &pt->max_edges, err);
	case K_LED: {
		static const char *const led_words[] = { "off", "on", NULL };
		if (rig_ini_choice(it, f, led_words, &choice, err))
			return -1;
		pt->led_expected_on = choice == 1;
		ps->led_set = true;
		return 0;
	}
	case K_REQUIRES: {
		static const char *const req_words[] = { "any", "single", "dual", NULL };
		if (rig_ini_choice(it, f, req_words, &choice, err))
			return -1;
		pt->requires_elements = choice;
		return 0;
	}
	case K_REFERENCE:
		return set_reference(ps, pt, it, err);
	case K_CHANGE_BAND:
		if (parse_nonneg(it, f, "%", &v, err))
			return -1;
		if (v == 0 || v > 50)
			return rig_error_set(err, f, it->line, "change_band: %g %% is not in (0, 50] %%", v);
		pt->change_band_pct = v;
		return 0;
	case K_DETECT:
		if (parse_nonneg(it, f, "W", &v, err))
			return -1;
		if (v == 0)
			return rig_error_set(err, f, it->line, "detect: must be above 0 W");
		pt->detect_w = v;
		return 0;
	case K_ENERGY:
		if (parse_kwh(it, f, &v, err))
			return -1;
		pt->energy_wh = 1000 * v;
		return 0;
	case K_RESOLUTION:
		return parse_kwh(it, f, &pt->resolution_kwh, err);
	case K_READING_WAIT:
		if (parse_duration(it, f, &v, err))
			return -1;
		if (v == 0)
			return rig_error_set(err, f, it->line, "reading_wait: must be above 0 s");
		pt->reading_wait_s = v;
		return 0;
	case K_COUNT:
		break;
	}
	return rig_error_set(err, f, it->line, "internal: key %d", key);
}

static int set_profile_key(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	int key = find_key(profile_keys, P_COUNT, it->key);
	int choice;
	switch (key) {
	case P_NAME:
		return rig_ini_string(it, ps->file, ps->p->name, sizeof(ps->p->name), err);
	case P_DESCRIPTION:
		return rig_ini_string(it, ps->file, ps->p->description,
				      sizeof(ps->p->description), err);
	case P_METHOD:
		return rig_ini_string(it, ps->file, ps->p->method, sizeof(ps->p->method), err);
	case P_INDETERMINATE:
		if (rig_ini_choice(it, ps->file, policy_names, &choice, err))
			return -1;
		ps->p->indeterminate = (enum rig_indeterminate_policy)choice;
		return 0;
	case P_MAX_RETESTS:
		if (parse_count(it, ps->file, &ps->p->max_retests, err))
			return -1;
		if (ps->p->max_retests > 10)
			return rig_error_set(err, ps->file, it->line,
					     "max_retests: %d is more than 10", ps->p->max_retests);
		return 0;
	case P_WEIGHTING:
		if (rig_weighting_parse(it->value, &ps->p->weighting) < 0)
			return rig_error_set(err, ps->file, it->line,
					     "weighting: '%s' is not (4FL+LL)/5, (FL+LL)/2, (4FL+2LL+PF)/7 or none",
					     it->value);
		ps->p->has_weighting = true;
		return 0;
	}
	return rig_error_set(err, ps->file, it->line,
			     "unknown key '%s' in [profile] (name, description, method, indeterminate, max_retests, weighting)",
			     it->key);
}

static int set_key(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	if (ps->section == SEC_NONE)
		return rig_error_set(err, ps->file, it->line,
				     "'%s' before any section: start with [profile]", it->key);
	int key = ps->section == SEC_PROFILE ? find_key(profile_keys, P_COUNT, it->key)
					     : find_key(point_keys, K_COUNT, it->key);
	if (key >= 0 && ps->seen[key])
		return rig_error_set(err, ps->file, it->line, "'%s' is set twice (first at line %d)",
				     it->key, ps->seen[key]);
	if (key >= 0)
		ps->seen[key] = it->line;
	if (ps->section == SEC_PROFILE)
		return set_profile_key(ps, it, err);
	if (key < 0)
		return rig_error_set(err, ps->file, it->line, "unknown key '%s' in [%s]", it->key,
				     ps->section == SEC_DEFAULTS ? "defaults" : "point");
	return set_point_key(ps, ps->section == SEC_DEFAULTS ? &ps->defaults : ps->point, key,
			     it, err);
}

/* reference / change_band and detect, checked when the section ends: the
 * creep and starting-load window follows from the power to detect. */
static int finish_c12_keys(struct parser *ps, struct rig_error *err)
{
	struct rig_point *pt = ps->point;
	const char *f = ps->file;
	if (pt->reference_point >= 0 && pt->kind != RIG_POINT_ACCURACY)
		return rig_error_set(err, f, pt->line, "point '%s': reference is for accuracy points",
				     pt->name);
	if (ps->seen[K_CHANGE_BAND] && pt->reference_point < 0)
		return rig_error_set(err, f, ps->seen[K_CHANGE_BAND],
				     "point '%s': change_band needs a reference point", pt->name);
	if (pt->reference_point >= 0 && !(pt->change_band_pct > 0))
		pt->change_band_pct = pt->band_pct;
	bool windowed = pt->kind == RIG_POINT_CREEP || pt->kind == RIG_POINT_STARTING_LOAD;
	if (pt->detect_w > 0 && !windowed)
		return rig_error_set(err, f, pt->line,
				     "point '%s': detect is for creep and starting-load points", pt->name);
	if (!(pt->detect_w > 0))
		return 0;
	if (ps->seen[K_MAX_GATE])
		return rig_error_set(err, f, ps->seen[K_MAX_GATE],
				     "point '%s': max_gate follows from detect; set one of them",
				     pt->name);
	int edges = pt->kind == RIG_POINT_CREEP ? pt->max_edges + 1 : pt->min_edges;
	double window = edges * rig_point_wh_per_edge(pt) * 3600 / pt->detect_w;
	if (window > MAX_DURATION_S)
		return rig_error_set(err, f, pt->line,
				     "point '%s': detecting %g W needs a %.0f s window, more than a day",
				     pt->name, pt->detect_w, window);
	pt->max_gate_s = window;
	if (pt->min_gate_s > window)
		return rig_error_set(err, f, pt->line, "point '%s': min_gate %g s is above the %g s window",
				     pt->name, pt->min_gate_s, window);
	return 0;
}

double rig_point_wh_per_edge(const struct rig_point *p)
{
	return (p->output_kh > 0 ? p->output_kh : 10) / 2;
}

double rig_point_detect_limit_w(const struct rig_point *p)
{
	int edges = p->kind == RIG_POINT_CREEP ? p->max_edges + 1 : p->min_edges;
	if (!(p->max_gate_s > 0) || edges < 1)
		return 0;
	return edges * rig_point_wh_per_edge(p) * 3600 / p->max_gate_s;
}

/* What each kind needs, checked when its section ends. */
static int finish_point(struct parser *ps, struct rig_error *err)
{
	struct rig_point *pt = ps->point;
	const char *f = ps->file;
	int line = pt->line;
	bool has_current = pt->current_pct > 0 || pt->current_a > 0;
	if (!ps->seen[K_KIND])
		return rig_error_set(err, f, line, "point '%s' has no kind (%s | %s | %s | %s | %s | %s)",
				     pt->name, kind_names[0], kind_names[1], kind_names[2],
				     kind_names[3], kind_names[4], kind_names[5]);
	if (pt->kind == RIG_POINT_CREEP && has_current)
		return rig_error_set(err, f, line, "point '%s': creep runs with no current (current = 0 A)",
				     pt->name);
	/* a connection check without current is its voltage-only step */
	if (pt->kind != RIG_POINT_CREEP && pt->kind != RIG_POINT_CONNECTION_CHECK && !has_current)
		return rig_error_set(err, f, line, "point '%s' (%s) needs a current above 0",
				     pt->name, kind_names[pt->kind]);
	if (pt->kind == RIG_POINT_REVERSE_LED && !ps->led_set)
		return rig_error_set(err, f, line, "point '%s': reverse-led needs led = on | off",
				     pt->name);
	if (pt->kind != RIG_POINT_REVERSE_LED && pt->reversed)
		return rig_error_set(err, f, line, "point '%s': reversed is for reverse-led points only",
				     pt->name);
	if (pt->kind == RIG_POINT_ACCURACY && pt->min_edges < 2)
		return rig_error_set(err, f, line,
				     "point '%s': accuracy needs min_edges of at least 2", pt->name);
	if (pt->kind == RIG_POINT_STARTING_LOAD && pt->min_edges < 1)
		return rig_error_set(err, f, line,
				     "point '%s': starting-load needs min_edges of at least 1", pt->name);
	if (pt->min_gate_s > pt->max_gate_s)
		return rig_error_set(err, f, line, "point '%s': min_gate %g s is above max_gate %g s",
				     pt->name, pt->min_gate_s, pt->max_gate_s);
	if ((pt->kind == RIG_POINT_REGISTER) != (pt->energy_wh > 0))
		return rig_error_set(err, f, line, pt->kind == RIG_POINT_REGISTER
				     ? "point '%s': register needs energy = (e.g. 1 kWh)"
				     : "point '%s': energy is for register points", pt->name);
	/* a ratio check: at least two digits, so a register that stood
	 * still or counts at half or double the rate cannot pass */
	if (pt->kind == RIG_POINT_REGISTER && pt->resolution_kwh * 1000 > pt->energy_wh / 2)
		return rig_error_set(err, f, line,
				     "point '%s': energy %g kWh is less than two register digits of %g kWh",
				     pt->name, pt->energy_wh / 1000, pt->resolution_kwh);
	return finish_c12_keys(ps, err);
}

static int begin_section(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	const char *f = ps->file;
	if (ps->section == SEC_POINT && finish_point(ps, err))
		return -1;
	memset(ps->seen, 0, sizeof(ps->seen));
	ps->led_set = false;
	ps->section_line = it->line;
	bool named = it->arg[0] != '\0';
	if (!strcmp(it->section, "profile") || !strcmp(it->section, "defaults")) {
		bool is_profile = it->section[0] == 'p';
		if (named)
			return rig_error_set(err, f, it->line, "[%s] takes no name", it->section);
		if (is_profile ? ps->seen_profile : ps->seen_defaults)
			return rig_error_set(err, f, it->line, "second [%s] section", it->section);
		if (ps->p->n_points > 0)
			return rig_error_set(err, f, it->line,
					     "[%s] must come before the first [point]", it->section);
		if (is_profile)
			ps->seen_profile = true;
		else
			ps->seen_defaults = true;
		ps->section = is_profile ? SEC_PROFILE : SEC_DEFAULTS;
		return 0;
	}
	if (strcmp(it->section, "point"))
		return rig_error_set(err, f, it->line,
				     "unknown section [%s] (profile, defaults, point NAME)", it->section);
	if (!named)
		return rig_error_set(err, f, it->line, "[point] needs a name: [point full-load-pf1]");
	if (strlen(it->arg) >= RIG_NAME_LEN)
		return rig_error_set(err, f, it->line, "point name '%s' is longer than %d characters",
				     it->arg, RIG_NAME_LEN - 1);
	for (int i = 0; i < ps->p->n_points; i++)
		if (!strcmp(ps->p->points[i].name, it->arg))
			return rig_error_set(err, f, it->line,
					     "duplicate point name '%s' (first at line %d)", it->arg,
					     ps->p->points[i].line);
	if (ps->p->n_points >= RIG_PROFILE_MAX_POINTS)
		return rig_error_set(err, f, it->line, "too many points (at most %d)",
				     RIG_PROFILE_MAX_POINTS);
	ps->point = &ps->p->points[ps->p->n_points++];
	*ps->point = ps->defaults;
	snprintf(ps->point->name, sizeof(ps->point->name), "%.*s", RIG_NAME_LEN - 1, it->arg);
	ps->point->line = it->line;
	ps->section = SEC_POINT;
	return 0;
}

int rig_profile_parse(const char *text, size_t len, const char *file,
		      struct rig_profile *ret, struct rig_error *err)
{
	struct parser ps = { .file = file ? file : "", .p = ret };
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->source_file, sizeof(ret->source_file), "%s", ps.file);
	ret->indeterminate = RIG_INDETERMINATE_RETEST;
	ret->max_retests = 2;
	builtin_defaults(&ps.defaults);

	struct rig_ini ini;
	struct rig_ini_item it;
	rig_ini_init(&ini, text, len, ps.file);
	int r;
	while ((r = rig_ini_next(&ini, &it, err)) == 1) {
		int bad = it.kind == RIG_INI_SECTION ? begin_section(&ps, &it, err)
						     : set_key(&ps, &it, err);
		if (bad)
			return -1;
	}
	if (r < 0)
		return -1;
	if (ps.section == SEC_POINT && finish_point(&ps, err))
		return -1;
	if (!ps.seen_profile)
		return rig_error_set(err, ps.file, 0, "no [profile] section");
	if (!ret->name[0])
		return rig_error_set(err, ps.file, 0, "[profile] has no name");
	if (ret->n_points == 0)
		return rig_error_set(err, ps.file, 0, "no [point NAME] sections: nothing to test");
	ret->nominal_v = ps.defaults.voltage_v;
	rig_sha256_hex(text, len, ret->sha256);
	return 0;
}

int rig_profile_load(const char *path, struct rig_profile *ret, struct rig_error *err)
{
	char *text;
	size_t len;
	if (rig_text_file_read(path, &text, &len, err))
		return -1;
	int r = rig_profile_parse(text, len, path, ret, err);
	free(text);
	return r;
}

bool rig_point_applies(const struct rig_point *p, const struct rig_meter_model *m)
{
	if (p->kind == RIG_POINT_REGISTER && !m->lcd)
		return false;	/* no LCD register to read */
	return p->requires_elements == 0 || p->requires_elements == m->elements;
}

unsigned rig_point_element_mask(const struct rig_point *p, const struct rig_meter_model *m)
{
	unsigned model_mask = m->elements >= 2 ? 3u : 1u;
	return p->all_elements ? model_mask : p->elements & model_mask;
}

double rig_point_current_a(const struct rig_point *p, const struct rig_meter_model *m)
{
	return p->current_pct >= 0 ? p->current_pct / 100.0 * m->rated_current_a : p->current_a;
}

/* "138 V", or "149.5 V (138 V scaled to the 130 V rating)". */
static void describe_voltage(const struct rig_profile *p, const struct rig_point *pt, char *buf,
			     size_t len)
{
	if (p->scaled_from_v > 0)
		snprintf(buf, len, "%g V (%g V scaled to the %g V rating)", pt->voltage_v,
			 pt->voltage_v * p->scaled_from_v / p->nominal_v, p->nominal_v);
	else
		snprintf(buf, len, "%g V", pt->voltage_v);
}

static int check_point(const struct rig_profile *p, const struct rig_point *pt,
		       const struct rig_meter_model *m, struct rig_error *err)
{
	const char *f = p->source_file;
	bool uses_output = pt->kind == RIG_POINT_ACCURACY || pt->kind == RIG_POINT_STARTING_LOAD ||
			   pt->kind == RIG_POINT_CREEP || pt->kind == RIG_POINT_PULSE_DUTY;
	if (uses_output && !rig_model_has_output(m, pt->output_kh))
		return rig_error_set(err, f, pt->line, "point '%s': %s has no Kh %g output%s",
				     pt->name, m->model, pt->output_kh,
				     m->t_outputs ? " (T models have Kh 10 and 100 only)" : "");
	double amps = rig_point_current_a(pt, m);
	if (amps > m->max_current_a + 1e-9)
		return rig_error_set(err, f, pt->line,
				     "point '%s': %g A is above the %g A maximum of %s", pt->name,
				     amps, m->max_current_a, m->model);
	if (pt->voltage_v < SUPPLY_MIN_V - 1e-9 || pt->voltage_v > SUPPLY_MAX_V + 1e-9) {
		char v[96];
		describe_voltage(p, pt, v, sizeof(v));
		return rig_error_set(err, f, pt->line,
				     "point '%s': %s is outside the supply range %d..%d V",
				     pt->name, v, SUPPLY_MIN_V, SUPPLY_MAX_V);
	}
	unsigned model_mask = m->elements >= 2 ? 3u : 1u;
	if ((!pt->all_elements && (pt->elements & ~model_mask)) || (pt->reversed & ~model_mask))
		return rig_error_set(err, f, pt->line,
				     "point '%s': %s has no element 2 (single-element meter)",
				     pt->name, m->model);
	if (pt->reversed & ~rig_point_element_mask(pt, m))
		return rig_error_set(err, f, pt->line,
				     "point '%s': a reversed element carries no current", pt->name);
	return 0;
}

void rig_profile_for_rating(const struct rig_profile *p, double element_v,
			    struct rig_profile *ret)
{
	if (ret != p)
		*ret = *p;
	if (!(p->nominal_v > 0) || !(element_v > 0) || fabs(element_v - p->nominal_v) < 1e-9)
		return;
	double scale = element_v / p->nominal_v;
	for (int i = 0; i < ret->n_points; i++)
		ret->points[i].voltage_v *= scale;
	ret->scaled_from_v = ret->scaled_from_v > 0 ? ret->scaled_from_v : p->nominal_v;
	ret->nominal_v = element_v;
}

int rig_profile_check_model(const struct rig_profile *p, const struct rig_meter_model *m,
			    struct rig_error *err)
{
	/* every point's voltage is written for the profile's nominal element
	 * voltage: a meter rated otherwise is tested at its own, the points
	 * scaled (never at the profile's) */
	struct rig_profile *rated = NULL;
	if (p->nominal_v > 0 && fabs(m->element_voltage_v - p->nominal_v) > 1e-9) {
		rated = malloc(sizeof(*rated));
		if (!rated)
			return rig_error_set(err, p->source_file, 0, "out of memory");
		rig_profile_for_rating(p, m->element_voltage_v, rated);
		p = rated;
	}
	int rc = 0;
	for (int i = 0; i < p->n_points && rc == 0; i++)
		if (rig_point_applies(&p->points[i], m) && check_point(p, &p->points[i], m, err))
			rc = -1;
	free(rated);
	return rc;
}
