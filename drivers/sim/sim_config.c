/* Parsing rig-sim's configuration text. */
#include "drivers/sim/sim_config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sim_signal_by_name(const char *name)
{
	for (int i = 0; i < RIG_SIG_COUNT; i++)
		if (strcasecmp(name, rig_signal_name((enum rig_signal)i)) == 0)
			return i;
	return -1;
}

const char *sim_signal_name(int signal)
{
	return signal >= 0 && signal < RIG_SIG_COUNT ? rig_signal_name((enum rig_signal)signal) : "?";
}

/* A meter until the file says otherwise. */
#define SIM_DEFAULT_MODEL "MMS-120-2001-SCC"
#define MAX_LINE 65535		/* highest line number in the file (reference_line, lines) */
#define MAX_CT_A 10000		/* a CT side above this is a typo, not a CT */

static void default_model(struct rig_meter_model *m)
{
	struct rig_error err;
	if (rig_model_decode(SIM_DEFAULT_MODEL, m, &err) < 0)
		memset(m, 0, sizeof(*m));	/* cannot happen: the model number is valid */
}

void sim_config_init(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	sim_bench_cfg_init(&c->bench);
	snprintf(c->bind, sizeof(c->bind), "127.0.0.1");
	c->scpi_port = 5025;
	c->edge_port = 5026;
	c->time_scale = 1;
	c->heartbeat_line = -1;
	c->heartbeat_hold_ms = 600;
	c->bench.ref_line = 255;
	for (int p = 0; p < RIG_MAX_POSITIONS; p++) {
		struct sim_meter_cfg *m = &c->bench.pos[p].meter;
		default_model(&m->model);
		snprintf(m->serial, sizeof(m->serial), "SIM%04d", p + 1);
		m->update_period_s = 1.0 / 60;
		m->duty = 0.5;
	}
	c->bench.n_positions = RIG_MAX_POSITIONS;	/* layout all, trimmed later */
	sim_bench_cfg_layout(&c->bench, 0, 8);
	c->bench.n_positions = 0;
}

static int port_of(const char *spec, const char *scheme)
{
	size_t n = strlen(scheme);
	if (strncmp(spec, scheme, n) != 0)
		return -1;
	const char *colon = strrchr(spec + n, ':');
	if (!colon)
		return -1;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	return *end || end == colon + 1 || port < 0 || port > 65535 ? -1 : (int)port;
}

void sim_config_from_fixture(struct sim_config *c, const struct rig_fixture *f)
{
	struct sim_bench_cfg *b = &c->bench;
	b->n_positions = f->n_positions < RIG_MAX_POSITIONS ? f->n_positions : RIG_MAX_POSITIONS;
	for (int p = 0; p < b->n_positions; p++) {
		struct sim_meter_cfg *m = &b->pos[p].meter;
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			b->pos[p].line[s] = f->pos[p][s].line;
		m->source_phase[0] = f->source_phase[0];
		m->source_phase[1] = f->source_phase[1];
		m->injection = f->injection;
		m->turns = f->turns;
	}
	if (f->reference == RIG_REF_STANDARD_PULSES) {
		b->ref_wh_per_pulse = f->ref_wh_per_pulse;
		b->ref_line = f->ref_line.line;
	}
	if (f->time_scale > 0)
		c->time_scale = f->time_scale;
	c->heartbeat_line = f->heartbeat.line;
	int port = port_of(f->source_transport, "tcp:");
	if (port >= 0)
		c->scpi_port = port;
	port = port_of(f->edge_input, "sim:");
	if (port >= 0)
		c->edge_port = port;
}

/* ---- values --------------------------------------------------------------- */

struct where {
	const char *file;
	int line;
	struct rig_error *err;
};

static int bad(const struct where *w, const char *key, const char *value, const char *why)
{
	return rig_error_set(w->err, w->file, w->line, "%s = %s: %s", key, value, why);
}

static int to_double(const struct where *w, const char *key, const char *v, double lo, double hi,
		     double *ret)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(d))
		return bad(w, key, v, "not a number");
	if (d < lo || d > hi) {
		char why[96];
		snprintf(why, sizeof(why), "out of range %g..%g", lo, hi);
		return bad(w, key, v, why);
	}
	*ret = d;
	return 0;
}

static int to_int(const struct where *w, const char *key, const char *v, int lo, int hi, int *ret)
{
	double d;
	if (to_double(w, key, v, lo, hi, &d))
		return -1;
	if (d != floor(d))
		return bad(w, key, v, "not a whole number");
	*ret = (int)d;
	return 0;
}

/* "a,b,c" (spaces allowed) into up to max tokens in a scratch copy. */
static int split_list(char *s, char **tok, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

static int to_string(const struct where *w, const char *key, const char *v, char *dst, size_t size)
{
	size_t n = strlen(v);
	if (n >= size)
		return bad(w, key, v, "too long");
	memcpy(dst, v, n + 1);
	return 0;
}

/* ---- keys ----------------------------------------------------------------- */

static int bench_key(struct sim_config *c, const struct where *w, const char *k, const char *v,
		     int *ret_positions)
{
	struct sim_bench_cfg *b = &c->bench;
	double d;
	if (!strcmp(k, "positions"))
		return to_int(w, k, v, 0, RIG_MAX_POSITIONS, ret_positions);
	if (!strcmp(k, "settle_s"))
		return to_double(w, k, v, 0, 600, &b->settle_s);
	if (!strcmp(k, "seed")) {
		if (to_double(w, k, v, 0, 1e15, &d))
			return -1;
		b->seed = (uint64_t)d;
		return 0;
	}
	if (!strcmp(k, "time_scale"))
		return to_double(w, k, v, 0.001, 100000, &c->time_scale);
	if (!strcmp(k, "scpi_port"))
		return to_int(w, k, v, 0, 65535, &c->scpi_port);
	if (!strcmp(k, "edge_port"))
		return to_int(w, k, v, 0, 65535, &c->edge_port);
	if (!strcmp(k, "bind"))
		return to_string(w, k, v, c->bind, sizeof(c->bind));
	if (!strcmp(k, "heartbeat_line"))
		return to_int(w, k, v, -1, MAX_LINE, &c->heartbeat_line);
	if (!strcmp(k, "heartbeat_hold_ms"))
		return to_double(w, k, v, 10, 60000, &c->heartbeat_hold_ms);
	if (!strcmp(k, "idn"))
		return to_string(w, k, v, b->idn, sizeof(b->idn));
	if (!strcmp(k, "reference_wh_per_pulse"))
		return to_double(w, k, v, 0, 1e6, &b->ref_wh_per_pulse);
	if (!strcmp(k, "reference_line"))
		return to_int(w, k, v, -1, MAX_LINE, &b->ref_line);
	if (!strcmp(k, "lines")) {
		int base, stride;
		char extra;
		if (sscanf(v, "%d:%d%c", &base, &stride, &extra) != 2 || base < 0 || stride < RIG_SIG_COUNT)
			return bad(w, k, v, "want BASE:STRIDE with STRIDE >= 7");
		/* every position's lines must be line numbers (and fit an int) */
		if ((long long)base + (long long)(RIG_MAX_POSITIONS - 1) * stride + RIG_SIG_COUNT - 1 >
		    MAX_LINE)
			return bad(w, k, v, "the last position's lines would be above 65535");
		int n = b->n_positions;
		b->n_positions = RIG_MAX_POSITIONS;
		sim_bench_cfg_layout(b, base, stride);
		b->n_positions = n;
		return 0;
	}
	return rig_error_set(w->err, w->file, w->line, "unknown key '%s'", k);
}

static int model_key(struct sim_meter_cfg *m, const struct where *w, const char *v,
		     sim_model_decode_fn decode)
{
	if (!decode)
		return bad(w, "model", v, "model numbers cannot be decoded in this build; "
					  "give elements, voltage_v, ct, outputs, counter_kh");
	struct rig_error e;
	memset(&e, 0, sizeof(e));
	if (decode(v, &m->model, &e) < 0)
		return bad(w, "model", v, e.msg);
	return 0;
}

static int list_of_signals(const struct where *w, const char *k, const char *v, unsigned *ret)
{
	char tmp[256], *tok[RIG_SIG_COUNT + 1];
	snprintf(tmp, sizeof(tmp), "%s", v);
	int n = split_list(tmp, tok, RIG_SIG_COUNT + 1);
	*ret = 0;
	for (int i = 0; i < n; i++) {
		if (!strcasecmp(tok[i], "none"))
			continue;
		int s = sim_signal_by_name(tok[i]);
		if (s < 0)
			return bad(w, k, v, "signals are kh10, kh100, kh1000, counter, reverse_led, power_led, load_led");
		*ret |= 1u << s;
	}
	return n < 0 ? bad(w, k, v, "too many signals") : 0;
}

static int lines_key(struct sim_position_cfg *p, const struct where *w, const char *k, const char *v)
{
	char tmp[512], *tok[RIG_SIG_COUNT + 1];
	snprintf(tmp, sizeof(tmp), "%s", v);
	int n = split_list(tmp, tok, RIG_SIG_COUNT + 1);
	if (n < 0)
		return bad(w, k, v, "too many entries");
	for (int i = 0; i < n; i++) {
		char *colon = strchr(tok[i], ':');
		if (!colon)
			return bad(w, k, v, "want signal:line entries, e.g. kh10:0,kh100:1");
		*colon = '\0';
		int s = sim_signal_by_name(tok[i]), line;
		if (s < 0)
			return bad(w, k, v, "unknown signal");
		if (to_int(w, k, colon + 1, -1, MAX_LINE, &line))
			return -1;
		p->line[s] = line;
	}
	return 0;
}

static int position_key(struct sim_position_cfg *p, const struct where *w, const char *k,
			const char *v, sim_model_decode_fn decode)
{
	struct sim_meter_cfg *m = &p->meter;
	struct rig_meter_model *mm = &m->model;
	double d;
	if (!strcmp(k, "model"))
		return model_key(m, w, v, decode);
	if (!strcmp(k, "serial"))
		return to_string(w, k, v, m->serial, sizeof(m->serial));
	if (!strcmp(k, "error_pct"))
		return to_double(w, k, v, -100, 100, &m->error.base_pct);
	if (!strcmp(k, "error_per_decade_pct"))
		return to_double(w, k, v, -100, 100, &m->error.per_decade_pct);
	if (!strcmp(k, "error_pf_pct"))
		return to_double(w, k, v, -100, 100, &m->error.pf_pct);
	if (!strcmp(k, "error_per_volt_pct"))
		return to_double(w, k, v, -100, 100, &m->error.per_volt_pct);
	if (!strcmp(k, "error_per_hz_pct"))
		return to_double(w, k, v, -100, 100, &m->error.per_hz_pct);
	if (!strcmp(k, "jitter_us")) {
		if (to_double(w, k, v, 0, 1e6, &d))
			return -1;
		m->jitter_sigma_s = d / 1e6;
		return 0;
	}
	if (!strcmp(k, "update_ms")) {
		if (to_double(w, k, v, 0.001, 10000, &d))
			return -1;
		m->update_period_s = d / 1e3;
		return 0;
	}
	if (!strcmp(k, "duty"))
		return to_double(w, k, v, 0.01, 0.99, &m->duty);
	if (!strcmp(k, "creep_w"))
		return to_double(w, k, v, 0, 1000, &m->creep_w);
	if (!strcmp(k, "starting_a"))
		return to_double(w, k, v, 0, 1000, &m->starting_a);
	if (!strcmp(k, "register_kwh"))
		return to_double(w, k, v, 0, 99999999, &m->register_kwh);
	if (!strcmp(k, "register_ratio"))
		return to_double(w, k, v, 0.001, 1000, &m->register_ratio);
	if (!strcmp(k, "register_resolution_kwh"))
		return to_double(w, k, v, 0.001, 10, &m->register_resolution_kwh);
	if (!strcmp(k, "dead"))
		return list_of_signals(w, k, v, &m->dead_mask);
	if (!strcmp(k, "stuck_on"))
		return list_of_signals(w, k, v, &m->stuck_on_mask);
	if (!strcmp(k, "wrong_ratio"))
		return list_of_signals(w, k, v, &m->wrong_ratio_mask);
	if (!strcmp(k, "reversed_ct")) {
		char tmp[64], *tok[3];
		snprintf(tmp, sizeof(tmp), "%s", v);
		int n = split_list(tmp, tok, 3);
		m->reversed_ct[0] = m->reversed_ct[1] = false;
		for (int i = 0; i < n; i++) {
			int el;
			if (!strcasecmp(tok[i], "none"))
				continue;
			if (to_int(w, k, tok[i], 1, 2, &el))
				return -1;
			m->reversed_ct[el - 1] = true;
		}
		return n < 0 ? bad(w, k, v, "elements are 1 and 2") : 0;
	}
	if (!strcmp(k, "source_phases")) {
		int a = 0, b = 0;
		char extra;
		int n = sscanf(v, "%d,%d%c", &a, &b, &extra);
		if (n < 1 || n > 2 || a < 1 || a > SIM_PHASES || (n == 2 && (b < 1 || b > SIM_PHASES)))
			return bad(w, k, v, "want one or two source phases 1..3, e.g. 1,2");
		m->source_phase[0] = a;
		m->source_phase[1] = n == 2 ? b : 0;
		return 0;
	}
	if (!strcmp(k, "injection")) {
		if (!strcasecmp(v, "ct_secondary"))
			m->injection = RIG_INJECT_CT_SECONDARY;
		else if (!strcasecmp(v, "primary_turns"))
			m->injection = RIG_INJECT_PRIMARY_TURNS;
		else
			return bad(w, k, v, "want ct_secondary or primary_turns");
		return 0;
	}
	if (!strcmp(k, "turns"))
		return to_int(w, k, v, 1, 1000, &m->turns);
	if (!strcmp(k, "lines"))
		return lines_key(p, w, k, v);
	/* explicit model fields */
	if (!strcmp(k, "elements")) {
		int e;
		if (to_int(w, k, v, 1, 2, &e))
			return -1;
		mm->elements = e;
		mm->wiring = e == 2 ? "1 or 2-phase 3-wire" : "1-phase 2-wire";
		return 0;
	}
	if (!strcmp(k, "voltage_v")) {
		if (to_double(w, k, v, 1, 1000, &mm->element_voltage_v))
			return -1;
		mm->voltage_v = mm->element_voltage_v;
		return 0;
	}
	if (!strcmp(k, "ct")) {
		double pa, sa;
		char extra;
		/* not "!(x > 0)" only: strtod reads "nan" and "inf" */
		if (sscanf(v, "%lf:%lf%c", &pa, &sa, &extra) != 2 || !(pa > 0 && pa <= MAX_CT_A) ||
		    !(sa > 0 && sa <= MAX_CT_A))
			return bad(w, k, v, "want PRIMARY:SECONDARY amps, each above 0 and at most 10000, e.g. 200:0.1");
		mm->ct_primary_a = mm->rated_current_a = pa;
		mm->max_current_a = 1.1 * pa;
		mm->ct_secondary_a = sa;
		return 0;
	}
	if (!strcmp(k, "outputs")) {
		char tmp[64], *tok[RIG_MODEL_MAX_OUTPUTS + 1];
		snprintf(tmp, sizeof(tmp), "%s", v);
		int n = split_list(tmp, tok, RIG_MODEL_MAX_OUTPUTS);
		if (n < 0)
			return bad(w, k, v, "at most 3 outputs");
		mm->n_outputs = 0;
		for (int i = 0; i < n; i++)
			if (to_double(w, k, tok[i], 1, 1000, &mm->outputs_kh[mm->n_outputs++]))
				return -1;
		return 0;
	}
	if (!strcmp(k, "counter_kh"))
		return to_double(w, k, v, 0, 10000, &mm->counter_kh);
	return rig_error_set(w->err, w->file, w->line, "unknown key '%s'", k);
}

/* ---- file ----------------------------------------------------------------- */

enum section { SEC_BENCH, SEC_DEFAULTS, SEC_POSITION };

struct entry {
	enum section sec;
	int position;
	char key[64];
	char value[512];
	int line;
};

static int parse_section(const char *s, const struct where *w, enum section *ret, int *ret_pos)
{
	int p;
	char extra;
	if (!strcasecmp(s, "[bench]"))
		*ret = SEC_BENCH;
	else if (!strcasecmp(s, "[defaults]"))
		*ret = SEC_DEFAULTS;
	else if (sscanf(s, "[position %d]%c", &p, &extra) == 1) {
		if (p < 1 || p > RIG_MAX_POSITIONS)
			return rig_error_set(w->err, w->file, w->line, "position %d: positions are 1..%d",
					     p, RIG_MAX_POSITIONS);
		*ret = SEC_POSITION;
		*ret_pos = p;
	} else
		return rig_error_set(w->err, w->file, w->line,
				     "unknown section %s (want [bench], [defaults], [position N])", s);
	return 0;
}

static char *strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Splits text into entries: sections, then "key = value", '#' comments. */
static int read_entries(const char *text, size_t len, const char *file, struct entry **ret,
			size_t *ret_n, struct rig_error *err)
{
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	enum section sec = SEC_BENCH;
	int pos = 0, lineno = 0;
	size_t at = 0;
	while (at < len) {
		size_t end = at;
		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		struct where w = { file, lineno, err };
		char buf[700];
		if (end - at >= sizeof(buf)) {
			free(e);
			return rig_error_set(err, file, lineno, "line too long");
		}
		if (memchr(text + at, '\0', end - at)) {
			free(e);
			return rig_error_set(err, file, lineno, "NUL byte: not a text file");
		}
		memcpy(buf, text + at, end - at);
		buf[end - at] = '\0';
		at = end + 1;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *s = strip(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			if (parse_section(s, &w, &sec, &pos)) {
				free(e);
				return -1;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			free(e);
			return rig_error_set(err, file, lineno, "expected key = value: '%s'", s);
		}
		*eq = '\0';
		char *k = strip(s), *v = strip(eq + 1);
		if (!*k || strlen(k) >= sizeof(e->key) || strlen(v) >= sizeof(e->value)) {
			free(e);
			return rig_error_set(err, file, lineno, "bad key or value");
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			struct entry *ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				free(e);
				return rig_error_set(err, file, lineno, "out of memory");
			}
			e = ne;
		}
		e[n].sec = sec;
		e[n].position = pos;
		e[n].line = lineno;
		snprintf(e[n].key, sizeof(e[n].key), "%s", k);
		snprintf(e[n].value, sizeof(e[n].value), "%s", v);
		n++;
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

int sim_config_parse(struct sim_config *c, const char *text, size_t len, const char *file,
		     sim_model_decode_fn decode, struct rig_error *err)
{
	struct entry *e = NULL;
	size_t n = 0;
	if (read_entries(text, len, file, &e, &n, err))
		return -1;
	int positions = c->bench.n_positions, rc = -1;
	/* bench keys first: they say how many positions there are */
	for (size_t i = 0; i < n; i++) {
		struct where w = { file, e[i].line, err };
		if (e[i].sec == SEC_BENCH && bench_key(c, &w, e[i].key, e[i].value, &positions))
			goto out;
		if (e[i].sec == SEC_POSITION && e[i].position > positions)
			positions = e[i].position;
	}
	/* then defaults for every position, then each position's own */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			struct where w = { file, e[i].line, err };
			if (pass == 0 && e[i].sec == SEC_DEFAULTS) {
				/* checked even when there are no positions */
				struct sim_position_cfg scratch = c->bench.pos[0];
				if (position_key(&scratch, &w, e[i].key, e[i].value, decode))
					goto out;
				for (int p = 0; p < positions; p++)
					if (position_key(&c->bench.pos[p], &w, e[i].key, e[i].value, decode))
						goto out;
			} else if (pass == 1 && e[i].sec == SEC_POSITION) {
				if (position_key(&c->bench.pos[e[i].position - 1], &w, e[i].key,
						 e[i].value, decode))
					goto out;
			}
		}
	c->bench.n_positions = positions;
	rc = 0;
out:
	free(e);
	return rc;
}
