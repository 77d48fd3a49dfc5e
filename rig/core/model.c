/* Model-number decoding, installation guide section 2.1.
 *
 * Readings of the guide that are ours, not its words:
 * - Individual meters: outputs 10/100/1000 Wh per pulse and a 1 kWh counter
 *   output; T models drop the 1000 output and count 0.1 kWh (100 Wh). SCC
 *   means the built-in LCD counter.
 * - Enclosures carry no T option, so all three isolated outputs are present.
 *   Their "counter type" field is read as: SO = self-contained LCD counting
 *   1 kWh (counter_kh 1000, lcd true); XO = no counter at all (counter_kh 0,
 *   lcd false).
 * - Enclosure voltage is 120 phase-to-neutral for MS and 240 phase-to-phase
 *   for MD; either way one element sees 120 V line to neutral.
 * - "Number of meters enclosed" is one digit, 1..9 (the field is a single
 *   character in the guide's example). */
#include "rig/core/model.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUPPLY_MIN_V 102
#define SUPPLY_MAX_V 138

struct ct_code {
	const char *code;
	double primary_a;
	double secondary_a;
};

static const struct ct_code individual_ct[] = {
	{ "1001", 100, 0.1 }, { "2001", 200, 0.1 }, { "2002", 200, 0.2 }, { "4001", 400, 0.1 },
};
static const struct ct_code enclosure_ct[] = {
	{ "011", 100, 0.1 }, { "021", 200, 0.1 }, { "022", 200, 0.2 }, { "041", 400, 0.1 },
};

/* A cursor over the model text that skips the separators people type. */
struct cursor {
	const char *p;
	char token[32];
};

static bool is_separator(char c)
{
	return c == '-' || c == ' ' || c == '_' || c == '\t';
}

static void skip_separators(struct cursor *c)
{
	while (is_separator(*c->p))
		c->p++;
}

/* Next run of digits (or letters) up to a separator or a change of kind. */
static const char *next_run(struct cursor *c, int (*is_kind)(int))
{
	skip_separators(c);
	size_t n = 0;
	while (is_kind((unsigned char)*c->p) && n + 1 < sizeof(c->token))
		c->token[n++] = (char)toupper((unsigned char)*c->p++);
	c->token[n] = '\0';
	return c->token;
}

/* What is left at the cursor, for messages. */
static const char *rest(const struct cursor *c)
{
	return *c->p ? c->p : "(end)";
}

static const struct ct_code *find_ct(const struct ct_code *table, const char *code)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(table[i].code, code))
			return &table[i];
	return NULL;
}

static void set_ct(struct rig_meter_model *m, const struct ct_code *ct)
{
	m->ct_primary_a = ct->primary_a;
	m->ct_secondary_a = ct->secondary_a;
	m->rated_current_a = ct->primary_a;
	m->max_current_a = ct->primary_a * 11 / 10;	/* guide 2.2: 110/220/440 A */
}

static void set_outputs(struct rig_meter_model *m, bool t_outputs)
{
	m->t_outputs = t_outputs;
	m->n_outputs = t_outputs ? 2 : 3;
	m->outputs_kh[0] = 10;
	m->outputs_kh[1] = 100;
	m->outputs_kh[2] = t_outputs ? 0 : 1000;
}

static void set_elements(struct rig_meter_model *m, int elements)
{
	m->elements = elements;
	m->wiring = elements == 1 ? "1-phase 2-wire" : "1 or 2-phase 3-wire";
}

static int decode_individual(struct cursor *c, struct rig_meter_model *m, struct rig_error *err)
{
	skip_separators(c);
	char type = (char)toupper((unsigned char)*c->p);
	if (type != 'S' && type != 'D')
		return rig_error_set(err, "", 0,
				     "element type: '%.1s' is not S (single) or D (dual) after MM",
				     rest(c));
	c->p++;
	set_elements(m, type == 'S' ? 1 : 2);

	const char *digits = next_run(c, isdigit);
	char voltage[8], ct[8];
	size_t n = strlen(digits);
	if (n == 0)
		return rig_error_set(err, "", 0, "voltage: expected the rated voltage, got '%s'",
				     rest(c));
	if (n > 4 && !is_separator(*c->p) && n <= 8) {
		/* voltage and CT code written together: the CT code is the last four */
		snprintf(voltage, sizeof(voltage), "%.*s", (int)(n - 4), digits);
		snprintf(ct, sizeof(ct), "%s", digits + n - 4);
	} else {
		if (n > 6)
			return rig_error_set(err, "", 0, "voltage: '%s' is not a voltage", digits);
		snprintf(voltage, sizeof(voltage), "%s", digits);
		snprintf(ct, sizeof(ct), "%.7s", next_run(c, isdigit));
	}
	int volts = (int)strtol(voltage, NULL, 10);
	if (volts < SUPPLY_MIN_V || volts > SUPPLY_MAX_V)
		return rig_error_set(err, "", 0,
				     "voltage: %s V is outside the supply range %d..%d V (line to neutral)",
				     voltage, SUPPLY_MIN_V, SUPPLY_MAX_V);
	m->voltage_v = volts;
	m->voltage_between = "line-to-neutral";
	m->element_voltage_v = volts;	/* the rating, written line to neutral */

	const struct ct_code *code = find_ct(individual_ct, ct);
	if (!code)
		return rig_error_set(err, "", 0,
				     "CT ratio: '%s' is not a CT code (1001, 2001, 2002 or 4001)",
				     ct[0] ? ct : rest(c));
	set_ct(m, code);

	const char *options = next_run(c, isalpha);
	bool t = false, scc = false;
	if (!strcmp(options, "T") || !strcmp(options, "TSCC")) {
		t = true;
		options = options[1] ? "SCC" : next_run(c, isalpha);
	}
	if (!strcmp(options, "SCC")) {
		scc = true;
		options = next_run(c, isalpha);
	}
	skip_separators(c);
	if (options[0] || *c->p)
		return rig_error_set(err, "", 0,
				     "options: unexpected '%s%s' after the CT ratio (only T and SCC)",
				     options, *c->p ? c->p : "");
	set_outputs(m, t);
	m->counter_kh = t ? 100 : 1000;
	m->lcd = scc;
	m->meters_enclosed = 1;
	snprintf(m->model, sizeof(m->model), "MM%c-%d-%s%s%s", type, volts, code->code,
		 t ? "-T" : "", scc ? "-SCC" : "");
	return 0;
}

static int decode_enclosure(struct cursor *c, char type, struct rig_meter_model *m,
			    struct rig_error *err)
{
	set_elements(m, type == 'S' ? 1 : 2);
	char voltage[8];
	snprintf(voltage, sizeof(voltage), "%.7s", next_run(c, isdigit));
	if (strcmp(voltage, "120") && strcmp(voltage, "240"))
		return rig_error_set(err, "", 0, "voltage: '%s' is not 120 or 240",
				     voltage[0] ? voltage : rest(c));
	if (type == 'S' && !strcmp(voltage, "240"))
		return rig_error_set(err, "", 0,
				     "voltage: 240 V is for dual-element (MD) enclosures; MS is 120 V phase-to-neutral");
	if (type == 'D' && !strcmp(voltage, "120"))
		return rig_error_set(err, "", 0,
				     "voltage: 120 V on a dual-element (MD) enclosure; MD is 240 V phase-to-phase");
	m->voltage_v = type == 'S' ? 120 : 240;
	m->voltage_between = type == 'S' ? "line-to-neutral" : "line-to-line";
	m->element_voltage_v = 120;

	const char *letters = next_run(c, isalpha);
	/* "F" may run into the counter type when the count is missing: say so */
	if (strcmp(letters, "F"))
		return rig_error_set(err, "", 0,
				     "enclosure type: '%s' is not F (indoor flush mount)",
				     letters[0] ? letters : rest(c));
	const char *count = next_run(c, isdigit);
	if (strlen(count) != 1 || count[0] == '0')
		return rig_error_set(err, "", 0, "meters enclosed: '%s' is not 1..9",
				     count[0] ? count : rest(c));
	m->meters_enclosed = count[0] - '0';

	char counter[8];
	snprintf(counter, sizeof(counter), "%.7s", next_run(c, isalpha));
	if (strcmp(counter, "SO") && strcmp(counter, "XO"))
		return rig_error_set(err, "", 0,
				     "counter type: '%s' is not SO (LCD) or XO (no counter)",
				     counter[0] ? counter : rest(c));
	bool lcd = !strcmp(counter, "SO");

	char ct[8], options[8] = "";
	const char *digits = next_run(c, isdigit);
	if (strlen(digits) == 5) {	/* CT code and options written together */
		snprintf(ct, sizeof(ct), "%.3s", digits);
		snprintf(options, sizeof(options), "%s", digits + 3);
	} else {
		snprintf(ct, sizeof(ct), "%.7s", digits);
	}
	const struct ct_code *code = find_ct(enclosure_ct, ct);
	if (!code)
		return rig_error_set(err, "", 0,
				     "CT ratio: '%s' is not a CT code (011, 021, 022 or 041)",
				     ct[0] ? ct : rest(c));
	set_ct(m, code);
	if (!options[0])
		snprintf(options, sizeof(options), "%.7s", next_run(c, isdigit));
	if (strcmp(options, "00"))
		return rig_error_set(err, "", 0, "options: '%s' is not 00 (no options)",
				     options[0] ? options : rest(c));
	skip_separators(c);
	if (*c->p)
		return rig_error_set(err, "", 0, "options: unexpected '%s' after 00", c->p);

	set_outputs(m, false);
	m->counter_kh = lcd ? 1000 : 0;
	m->lcd = lcd;
	snprintf(m->model, sizeof(m->model), "M%c-%s-F-%d-%s-%s-00", type, voltage,
		 m->meters_enclosed, counter, code->code);
	return 0;
}

int rig_model_decode(const char *text, struct rig_meter_model *ret, struct rig_error *err)
{
	struct rig_meter_model m;
	memset(&m, 0, sizeof(m));
	struct cursor c = { .p = text ? text : "" };
	skip_separators(&c);
	if (!*c.p)
		return rig_error_set(err, "", 0, "model: the model number is empty");
	char a = (char)toupper((unsigned char)c.p[0]);
	char b = a ? (char)toupper((unsigned char)c.p[1]) : 0;
	int r;
	if (a == 'M' && b == 'M') {
		c.p += 2;
		m.format = RIG_MODEL_INDIVIDUAL;
		r = decode_individual(&c, &m, err);
	} else if (a == 'M' && (b == 'S' || b == 'D')) {
		c.p += 2;
		m.format = RIG_MODEL_ENCLOSURE;
		r = decode_enclosure(&c, b, &m, err);
	} else {
		return rig_error_set(err, "", 0,
				     "model: '%s' starts with neither MM (meter) nor MS/MD (enclosure)",
				     c.p);
	}
	if (r == 0)
		*ret = m;
	return r;
}

bool rig_model_has_output(const struct rig_meter_model *m, double kh)
{
	for (int i = 0; i < m->n_outputs; i++)
		if (fabs(m->outputs_kh[i] - kh) < 1e-9)
			return true;
	return false;
}

/* snprintf that keeps count of what would have been written. */
#define APPEND(buf, len, n, ...)                                                    \
	do {                                                                        \
		size_t at_ = (size_t)(n) < (len) ? (size_t)(n) : (len);             \
		(n) += snprintf((buf) + at_, (len) - at_, __VA_ARGS__); \
	} while (0)

int rig_model_to_json(const struct rig_meter_model *m, char *buf, size_t len)
{
	int n = 0;
	char none[1];
	if (!buf) {
		buf = none;
		len = 0;
	}
	APPEND(buf, len, n,
	       "{\"model\":\"%s\",\"format\":\"%s\",\"elements\":%d,\"wiring\":\"%s\","
	       "\"voltage_v\":%g,\"voltage_between\":\"%s\",\"element_voltage_v\":%g,"
	       "\"ct_primary_a\":%g,\"ct_secondary_a\":%g,\"rated_current_a\":%g,"
	       "\"max_current_a\":%g,\"outputs_kh\":[",
	       m->model, m->format == RIG_MODEL_INDIVIDUAL ? "individual" : "enclosure",
	       m->elements, m->wiring, m->voltage_v, m->voltage_between, m->element_voltage_v,
	       m->ct_primary_a, m->ct_secondary_a, m->rated_current_a, m->max_current_a);
	for (int i = 0; i < m->n_outputs; i++)
		APPEND(buf, len, n, "%s%g", i ? "," : "", m->outputs_kh[i]);
	if (m->counter_kh > 0)
		APPEND(buf, len, n, "],\"counter_kh\":%g", m->counter_kh);
	else
		APPEND(buf, len, n, "],\"counter_kh\":null");
	APPEND(buf, len, n, ",\"lcd\":%s,\"meters_enclosed\":%d}", m->lcd ? "true" : "false",
	       m->meters_enclosed);
	return n;
}

int rig_model_describe(const struct rig_meter_model *m, char *buf, size_t len)
{
	int n = 0;
	char none[1];
	if (!buf) {
		buf = none;
		len = 0;
	}
	APPEND(buf, len, n, "%s: %s, %d element%s, %s\n", m->model,
	       m->format == RIG_MODEL_INDIVIDUAL ? "Mini Meter" : "flush-mount enclosure",
	       m->elements, m->elements == 1 ? "" : "s", m->wiring);
	APPEND(buf, len, n, "  voltage %g V %s (%g V per element, line to neutral)\n",
	       m->voltage_v, m->voltage_between, m->element_voltage_v);
	APPEND(buf, len, n, "  CT %g:%g, rated %g A primary, max %g A\n", m->ct_primary_a,
	       m->ct_secondary_a, m->rated_current_a, m->max_current_a);
	APPEND(buf, len, n, "  outputs Kh");
	for (int i = 0; i < m->n_outputs; i++)
		APPEND(buf, len, n, " %g", m->outputs_kh[i]);
	if (m->counter_kh > 0)
		APPEND(buf, len, n, "; counter %g Wh per pulse", m->counter_kh);
	else
		APPEND(buf, len, n, "; no counter");
	APPEND(buf, len, n, "; %s\n", m->lcd ? "LCD" : "no LCD");
	if (m->format == RIG_MODEL_ENCLOSURE)
		APPEND(buf, len, n, "  %d meter%s enclosed\n", m->meters_enclosed,
		       m->meters_enclosed == 1 ? "" : "s");
	return n;
}
