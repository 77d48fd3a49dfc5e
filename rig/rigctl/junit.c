#include "rig/rigctl/junit.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rig/common/jsonl.h"
#include "rig/common/safe_file.h"
#include "rig/core/fixture.h"
#include "rig/core/profile.h"

void junit_init(struct junit_report *r, const char *suite, const char *run_id)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->suite, sizeof(r->suite), "%s", suite ? suite : "rig");
	snprintf(r->run_id, sizeof(r->run_id), "%s", run_id ? run_id : "");
	r->time_s = NAN;
	if (gethostname(r->station, sizeof(r->station)) < 0 || !r->station[0])
		snprintf(r->station, sizeof(r->station), "localhost");
	r->station[sizeof(r->station) - 1] = '\0';
}

void junit_free(struct junit_report *r)
{
	free(r->cases);
	r->cases = NULL;
	r->n = r->cap = 0;
}

int junit_add(struct junit_report *r, const struct junit_case *c)
{
	for (int i = 0; i < r->n; i++) {
		if (r->cases[i].point == c->point && r->cases[i].position == c->position) {
			r->cases[i] = *c;
			return 0;
		}
	}
	if (r->n == r->cap) {
		int ncap = r->cap ? r->cap * 2 : 32;
		struct junit_case *nc = realloc(r->cases, (size_t)ncap * sizeof(*nc));
		if (!nc)
			return -1;
		r->cases = nc;
		r->cap = ncap;
	}
	r->cases[r->n++] = *c;
	return 0;
}

int junit_add_unmeasured(struct junit_report *r, const char *const *names, int n_names,
			 const struct junit_case *positions, int n_positions)
{
	for (int pt = 0; pt < n_names; pt++) {
		for (int k = 0; k < n_positions; k++) {
			bool have = false;
			for (int i = 0; i < r->n && !have; i++)
				have = r->cases[i].point == pt && r->cases[i].position == positions[k].position;
			if (have)
				continue;
			struct junit_case c = positions[k];
			c.point = pt;
			snprintf(c.name, sizeof(c.name), "%s", names[pt]);
			c.kind[0] = '\0';
			c.verdict = RIG_VERDICT_NONE;
			c.error_pct = c.u_pct = c.band_pct = NAN;
			c.gate_s = 0;
			c.time_s = NAN;
			c.unmeasured = true;
			snprintf(c.detail, sizeof(c.detail), "not measured");
			if (junit_add(r, &c) < 0)
				return -1;
		}
	}
	return 0;
}

void junit_unfinished_as_errors(struct junit_report *r, const char *why)
{
	for (int i = 0; i < r->n; i++) {
		struct junit_case *c = &r->cases[i];
		if (!c->unmeasured)
			continue;
		c->verdict = RIG_VERDICT_ERROR;
		snprintf(c->detail, sizeof(c->detail), "not measured: the run did not finish (%.150s)",
			 why && why[0] ? why : "unknown reason");
	}
}

int junit_add_refusal(struct junit_report *r, const char *what, const char *why)
{
	struct junit_case c;
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", what);
	c.point = -1;
	c.verdict = RIG_VERDICT_ERROR;
	c.error_pct = c.u_pct = c.band_pct = NAN;
	c.time_s = NAN;
	snprintf(c.detail, sizeof(c.detail), "%s", why && why[0] ? why : "unknown reason");
	return junit_add(r, &c);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int junit_case_from_json(const cJSON *ev, struct junit_case *ret)
{
	memset(ret, 0, sizeof(*ret));
	copy(ret->name, sizeof(ret->name), rig_json_str(ev, "name", "?"));
	copy(ret->kind, sizeof(ret->kind), rig_json_str(ev, "kind", ""));
	copy(ret->serial, sizeof(ret->serial), rig_json_str(ev, "serial", ""));
	copy(ret->model, sizeof(ret->model), rig_json_str(ev, "model", ""));
	copy(ret->detail, sizeof(ret->detail), rig_json_str(ev, "detail", ""));
	/* Range-checked as doubles: casting one beyond int is undefined. */
	double point = rig_json_num(ev, "point", -1);
	double position = rig_json_num(ev, "position", 0);
	if (!(point >= 0 && point < RIG_PROFILE_MAX_POINTS) ||
	    !(position >= 1 && position <= RIG_MAX_POSITIONS))
		return -1;
	ret->point = (int)point;
	ret->position = (int)position;
	ret->error_pct = rig_json_num(ev, "error_pct", NAN);
	ret->u_pct = rig_json_num(ev, "u_pct", NAN);
	ret->band_pct = rig_json_num(ev, "band_pct", NAN);
	ret->gate_s = rig_json_num(ev, "gate_s", 0);
	ret->time_s = NAN;
	if (!(ret->u_pct >= 0) || !isfinite(ret->error_pct))
		ret->error_pct = ret->u_pct = NAN;	/* nothing was measured */
	if (rig_verdict_parse(rig_json_str(ev, "verdict", "none"), &ret->verdict) < 0)
		return -1;
	return ret->point < 0 || ret->position < 1 ? -1 : 0;
}

/* Length of a valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_for_len[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void xml_escape(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		switch (*s) {
		case '&': fputs("&amp;", out); s++; continue;
		case '<': fputs("&lt;", out); s++; continue;
		case '>': fputs("&gt;", out); s++; continue;
		case '"': fputs("&quot;", out); s++; continue;
		case '\'': fputs("&apos;", out); s++; continue;
		default: break;
		}
		if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') {
			fputc('?', out);	/* not allowed in XML 1.0 at all */
			s++;
			continue;
		}
		size_t n = utf8_len(s);
		if (n == 0) {
			fputc('?', out);
			s++;
			continue;
		}
		fwrite(s, 1, n, out);
		s += n;
	}
}

static void case_message(const struct junit_case *c, char *buf, size_t len)
{
	if (isfinite(c->error_pct) && isfinite(c->u_pct) && isfinite(c->band_pct))
		snprintf(buf, len, "%s: error %+.3f %% (U %.3f %%, k=2) against band +/-%.2f %%%s%s",
			 rig_verdict_name(c->verdict), c->error_pct, c->u_pct, c->band_pct,
			 c->detail[0] ? "; " : "", c->detail);
	else
		snprintf(buf, len, "%s%s%s", rig_verdict_name(c->verdict), c->detail[0] ? ": " : "",
			 c->detail);
}

static const char *case_tag(enum rig_verdict v)
{
	switch (v) {
	case RIG_VERDICT_PASS: return NULL;
	case RIG_VERDICT_FAIL: return "failure";
	case RIG_VERDICT_INDETERMINATE:
	case RIG_VERDICT_ERROR: return "error";
	case RIG_VERDICT_NONE:
	case RIG_VERDICT_ABORTED: return "skipped";
	}
	return "error";
}

/* The figures, one per line, only those measured; the schema has no
 * properties inside a testcase. */
static void write_figures(const struct junit_case *c, FILE *out)
{
	fputs("      <system-out>", out);
	xml_escape(out, rig_verdict_name(c->verdict));
	if (c->point >= 0)
		fprintf(out, "\npoint=%d\nposition=%d", c->point + 1, c->position);
	const struct { const char *name; double v; } figures[] = {
		{"error_pct", c->error_pct}, {"u_pct", c->u_pct}, {"band_pct", c->band_pct},
		{"gate_s", c->gate_s > 0 ? c->gate_s : NAN},
	};
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		if (isfinite(figures[i].v))
			fprintf(out, "\n%s=%.4f", figures[i].name, figures[i].v);
	if (c->detail[0]) {
		fputs("\ndetail=", out);
		xml_escape(out, c->detail);
	}
	fputs("</system-out>\n", out);
}

static void write_case(const struct junit_case *c, FILE *out)
{
	char classname[160], message[512];
	if (c->point >= 0)
		snprintf(classname, sizeof(classname), "position%d.%s.%s", c->position, c->model,
			 c->serial);
	else
		snprintf(classname, sizeof(classname), "rig");
	fputs("    <testcase classname=\"", out);
	xml_escape(out, classname);
	fputs("\" name=\"", out);
	xml_escape(out, c->name);
	fputc('"', out);
	if (isfinite(c->time_s))
		fprintf(out, " time=\"%.3f\"", c->time_s > 0 ? c->time_s : 0.0);
	fputs(">\n", out);

	case_message(c, message, sizeof(message));
	const char *tag = case_tag(c->verdict);
	if (tag) {
		/* message for one-line views, the same text as the body for
		 * consumers that show only the body */
		fprintf(out, "      <%s type=\"%s\" message=\"", tag, rig_verdict_name(c->verdict));
		xml_escape(out, message);
		fputs("\">", out);
		xml_escape(out, message);
		fprintf(out, "</%s>\n", tag);
	}
	write_figures(c, out);
	fputs("    </testcase>\n", out);
}

static void write_time_attr(FILE *out, double t)
{
	if (isfinite(t))
		fprintf(out, " time=\"%.3f\"", t > 0 ? t : 0.0);
}

int junit_write(const struct junit_report *r, FILE *out)
{
	int failures = 0, errors = 0, skipped = 0;
	double total = 0;
	bool timed = false;
	for (int i = 0; i < r->n; i++) {
		enum rig_verdict v = r->cases[i].verdict;
		failures += v == RIG_VERDICT_FAIL;
		errors += v == RIG_VERDICT_INDETERMINATE || v == RIG_VERDICT_ERROR;
		skipped += v == RIG_VERDICT_NONE || v == RIG_VERDICT_ABORTED;
		if (isfinite(r->cases[i].time_s)) {
			total += r->cases[i].time_s;
			timed = true;
		}
	}
	/* The run's own duration when known: positions are measured together,
	 * so the cases' times overlap. */
	double t = isfinite(r->time_s) ? r->time_s : timed ? total : NAN;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites tests=\"%d\" failures=\"%d\" errors=\"%d\"", r->n, failures,
		errors);
	write_time_attr(out, t);
	fputs(">\n  <testsuite name=\"", out);
	xml_escape(out, r->suite);
	fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\"", r->n,
		failures, errors, skipped);
	write_time_attr(out, t);
	if (r->timestamp[0]) {
		fputs(" timestamp=\"", out);
		xml_escape(out, r->timestamp);
		fputc('"', out);
	}
	fputs(" hostname=\"", out);
	xml_escape(out, r->station[0] ? r->station : "localhost");
	fputs("\">\n", out);
	fputs("    <properties>\n", out);
	const struct { const char *name; const char *value; } props[] = {
		{"run", r->run_id}, {"run_state", r->run_state}, {"reason", r->reason},
	};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (!props[i].value[0])
			continue;
		fprintf(out, "      <property name=\"%s\" value=\"", props[i].name);
		xml_escape(out, props[i].value);
		fputs("\"/>\n", out);
	}
	fputs("    </properties>\n", out);
	for (int i = 0; i < r->n; i++)
		write_case(&r->cases[i], out);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}

int junit_write_file(const struct junit_report *r, const char *path)
{
	struct safe_file sf;
	FILE *f = safe_file_open(&sf, path);
	if (!f)
		return -1;
	return safe_file_close(&sf, junit_write(r, f));
}
