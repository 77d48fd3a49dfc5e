/* Instrument specification text -> struct rig_ref_spec; every refusal says
 * file:line and why. */
#include "rig/core/refspec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/ini.h"
#include "rig/core/sha256.h"

static const char *const quantity_sections[RIG_REF_QUANTITIES] = { "voltage", "current", "power" };
static const char *const quantity_units[RIG_REF_QUANTITIES] = { "V", "A", "W" };

/* "0.5 mA", "1uA", "2 W": a number, an optional SI prefix (k, m, u, n) and the
 * unit. Leaves *p after it. */
static bool read_quantity(const char **p, const char *unit, double *ret)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	char *end;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return false;
	s = end;
	while (*s == ' ' || *s == '\t')
		s++;
	double scale = 1;
	if (s[0] && s[1] && strchr("kmun", s[0]) && !strncmp(s + 1, unit, strlen(unit))) {
		scale = s[0] == 'k' ? 1e3 : s[0] == 'm' ? 1e-3 : s[0] == 'u' ? 1e-6 : 1e-9;
		s++;
	}
	if (strncmp(s, unit, strlen(unit)))
		return false;
	*p = s + strlen(unit);
	*ret = v * scale;
	return true;
}

static bool read_char(const char **p, char c)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != c)
		return false;
	*p = s + 1;
	return true;
}

/* range = UPPER UNIT: PCT % + FLOOR UNIT */
static int parse_range(const struct rig_ini_item *it, const char *file, enum rig_ref_quantity q,
		       struct rig_ref_spec *s, struct rig_error *err)
{
	const char *unit = quantity_units[q];
	const char *p = it->value;
	struct rig_ref_range r;
	if (!read_quantity(&p, unit, &r.upper) || !read_char(&p, ':') ||
	    !read_quantity(&p, "%", &r.pct) || !read_char(&p, '+') ||
	    !read_quantity(&p, unit, &r.floor) || *p)
		return rig_error_set(err, file, it->line,
				     "range: '%s' is not 'UPPER %s: PCT %% + FLOOR %s' (e.g. 0.5 %s: 0.02 %% + 1 u%s)",
				     it->value, unit, unit, unit, unit);
	if (!(r.upper > 0) || r.pct < 0 || r.floor < 0 || r.pct > 5)
		return rig_error_set(err, file, it->line,
				     "range: needs a range above 0 and 0 <= %% of reading <= 5, floor >= 0");
	int n = s->n[q];
	if (n == RIG_REF_SPEC_MAX_RANGES)
		return rig_error_set(err, file, it->line, "more than %d %s ranges",
				     RIG_REF_SPEC_MAX_RANGES, quantity_sections[q]);
	if (n > 0 && !(r.upper > s->range[q][n - 1].upper))
		return rig_error_set(err, file, it->line,
				     "range: %g %s is not above the previous range (%g %s): list ranges from the smallest",
				     r.upper, unit, s->range[q][n - 1].upper, unit);
	s->range[q][n] = r;
	s->n[q]++;
	return 0;
}

static int set_instrument(const struct rig_ini_item *it, const char *file, struct rig_ref_spec *s,
			  bool *seen_name, struct rig_error *err)
{
	if (!strcmp(it->key, "name")) {
		*seen_name = true;
		return rig_ini_string(it, file, s->instrument, sizeof(s->instrument), err);
	}
	if (!strcmp(it->key, "coverage_factor")) {
		if (rig_ini_number(it, file, NULL, &s->coverage_factor, err))
			return -1;
		if (!(s->coverage_factor >= 1 && s->coverage_factor <= 4))
			return rig_error_set(err, file, it->line, "coverage_factor: %g is not 1..4",
					     s->coverage_factor);
		return 0;
	}
	if (!strcmp(it->key, "description"))
		return 0;
	return rig_error_set(err, file, it->line,
			     "unknown key '%s' in [instrument] (name, description, coverage_factor)",
			     it->key);
}

int rig_ref_spec_parse(const char *text, size_t len, const char *file, struct rig_ref_spec *ret,
		       struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	file = file ? file : "";
	snprintf(ret->source_file, sizeof(ret->source_file), "%s", file);
	ret->coverage_factor = 2;
	struct rig_ini ini;
	struct rig_ini_item it;
	rig_ini_init(&ini, text, len, file);
	int section = -2;	/* -2 none, -1 [instrument], else a quantity */
	bool seen_name = false;
	int r;
	while ((r = rig_ini_next(&ini, &it, err)) == 1) {
		if (it.kind == RIG_INI_SECTION) {
			section = -3;
			if (!strcmp(it.section, "instrument"))
				section = -1;
			for (int q = 0; q < RIG_REF_QUANTITIES; q++)
				if (!strcmp(it.section, quantity_sections[q]))
					section = q;
			if (section == -3)
				return rig_error_set(err, file, it.line,
						     "unknown section [%s] (instrument, voltage, current, power)",
						     it.section);
			if (section >= 0 && ret->n[section])
				return rig_error_set(err, file, it.line, "second [%s] section",
						     it.section);
			continue;
		}
		if (section == -2)
			return rig_error_set(err, file, it.line,
					     "'%s' before any section: start with [instrument]", it.key);
		if (section == -1) {
			if (set_instrument(&it, file, ret, &seen_name, err))
				return -1;
		} else if (strcmp(it.key, "range")) {
			return rig_error_set(err, file, it.line, "unknown key '%s' in [%s] (range)",
					     it.key, quantity_sections[section]);
		} else if (parse_range(&it, file, (enum rig_ref_quantity)section, ret, err)) {
			return -1;
		}
	}
	if (r < 0)
		return -1;
	if (!seen_name)
		return rig_error_set(err, file, 0, "no [instrument] name");
	if (!ret->n[RIG_REF_VOLTAGE] || !ret->n[RIG_REF_CURRENT])
		return rig_error_set(err, file, 0, "needs [voltage] and [current] ranges");
	rig_sha256_hex(text, len, ret->sha256);
	return 0;
}

double rig_ref_spec_u_rel(const struct rig_ref_spec *s, enum rig_ref_quantity q, double reading)
{
	double x = fabs(reading);
	if (!(x > 0) || q >= RIG_REF_QUANTITIES)
		return -1;
	for (int i = 0; i < s->n[q]; i++) {
		const struct rig_ref_range *r = &s->range[q][i];
		if (x <= r->upper)
			return (r->pct / 100 + r->floor / x) / s->coverage_factor;
	}
	return -1;
}

double rig_ref_spec_power_u_rel(const struct rig_ref_spec *s, double volts, double amps,
				double watts)
{
	double uv = rig_ref_spec_u_rel(s, RIG_REF_VOLTAGE, volts);
	double ui = rig_ref_spec_u_rel(s, RIG_REF_CURRENT, amps);
	if (uv < 0 || ui < 0)
		return -1;
	double u = sqrt(uv * uv + ui * ui);
	double up = s->n[RIG_REF_POWER] ? rig_ref_spec_u_rel(s, RIG_REF_POWER, watts) : -1;
	return up > u ? up : u;
}
