/* Fixture text -> struct rig_fixture. Format for bench builders in
 * fixtures/README.md; every refusal says file:line and why. */
#include "rig/core/fixture.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rig/core/ini.h"
#include "rig/core/sha256.h"
#include "rig/core/text_file.h"

#define MAX_LINE_OFFSET 1023	/* far above any gpiochip's line count */
/* Longest settle or reply timeout: a day. They end up as int64 ns and int
 * ms; 1e300 s fits neither. */
#define MAX_DURATION_S 86400
/* Physical bounds of a meter bench's source (phase voltage, current) and
 * of a reference standard's pulse weight. */
#define MAX_SOURCE_V 1000.0
#define MAX_SOURCE_A 1000.0
#define MAX_WH_PER_PULSE 1000.0

static const char *const signal_keys[RIG_SIG_COUNT] = {
	"kh10", "kh100", "kh1000", "counter", "reverse_led", "power_led", "load_led",
};

const char *rig_signal_name(enum rig_signal s)
{
	if (s < RIG_SIG_COUNT)
		return signal_keys[s];
	return s == RIG_SIG_REFERENCE ? "reference" : "unknown";
}

enum rig_signal rig_signal_for_kh(double kh)
{
	if (kh == 10)
		return RIG_SIG_KH10;
	if (kh == 100)
		return RIG_SIG_KH100;
	if (kh == 1000)
		return RIG_SIG_KH1000;
	return RIG_SIG_COUNT;
}

int rig_fixture_route(const struct rig_fixture *f, int line, int *ret_position,
		      enum rig_signal *ret_signal)
{
	if (line < 0)
		return -1;
	if (f->reference == RIG_REF_STANDARD_PULSES && f->ref_line.line == line) {
		*ret_position = -1;
		*ret_signal = RIG_SIG_REFERENCE;
		return 0;
	}
	for (int pos = 0; pos < f->n_positions; pos++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			if (f->pos[pos][s].line == line) {
				*ret_position = pos + 1;
				*ret_signal = (enum rig_signal)s;
				return 0;
			}
	return -1;
}

enum section { SEC_NONE, SEC_FIXTURE, SEC_SOURCE, SEC_REFERENCE, SEC_EDGES, SEC_POSITION };
static const char *const section_names[] = { "", "fixture", "source", "reference", "edges", "position" };

/* Who holds a GPIO line, to refuse wiring one line to two signals. */
struct line_use {
	int line;
	int file_line;
	char what[40];
};

struct parser {
	const char *file;
	struct rig_fixture *f;
	enum section section;
	int section_first_line[6];	/* line of each non-position section header, 0 if absent */
	int position_line[RIG_MAX_POSITIONS];
	int seen_key_line[32];		/* per key in the current section */
	const char *const *keys;	/* key names of the current section */
	int n_uses;
	struct line_use uses[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 4];
	int n_names;		/* distinct line names (named_placeholder) */
	char names[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 4][RIG_LINE_NAME_MAX];
	int first_name_line;	/* file line of the first named line, 0 none */
};

/* Keys per section; index = position in the list. */
static const char *const fixture_keys[] = { "name", "description", "ambient_temperature",
					    "ambient_humidity", NULL };
static const char *const source_keys[] = {
	"driver", "transport", "element1_phase", "element2_phase", "lag_angle", "injection",
	"turns", "settle", "reply_timeout", "max_voltage", "max_current", "serial",
	"calibration_due", "stability", "comm_watchdog", "certificate", "calibration_date",
	"calibration_lab", "network", NULL,
};
enum { S_DRIVER, S_TRANSPORT, S_EL1, S_EL2, S_LAG, S_INJECTION, S_TURNS, S_SETTLE,
       S_REPLY_TIMEOUT, S_MAX_V, S_MAX_A, S_SERIAL, S_CAL_DUE, S_STABILITY, S_COMM_WATCHDOG,
       S_CERT, S_CAL_DATE, S_CAL_LAB, S_NETWORK };
static const char *const reference_keys[] = {
	"kind", "uncertainty", "wh_per_pulse", "line", "specification", "certificate",
	"identity", "calibration_date", "calibration_due", "calibration_lab", NULL,
};
enum { R_KIND, R_UNCERTAINTY, R_WH, R_LINE, R_SPEC, R_CERT, R_IDENTITY, R_CAL_DATE, R_CAL_DUE,
       R_CAL_LAB };
static const char *const edges_keys[] = {
	"input", "timing_uncertainty", "time_scale", "interlock", "update_period", "timebase",
	"heartbeat", NULL,
};
enum { E_INPUT, E_TIMING, E_TIME_SCALE, E_INTERLOCK, E_UPDATE_PERIOD, E_TIMEBASE, E_HEARTBEAT };

static const char *const *keys_of(enum section s)
{
	switch (s) {
	case SEC_FIXTURE: return fixture_keys;
	case SEC_SOURCE: return source_keys;
	case SEC_REFERENCE: return reference_keys;
	case SEC_EDGES: return edges_keys;
	case SEC_POSITION: return signal_keys;
	case SEC_NONE: break;
	}
	return NULL;
}

static int key_index(const char *const *keys, int n, const char *key)
{
	for (int i = 0; i < n && keys[i]; i++)
		if (!strcmp(keys[i], key))
			return i;
	return -1;
}

static int n_keys(enum section s)
{
	if (s == SEC_POSITION)
		return RIG_SIG_COUNT;
	int n = 0;
	const char *const *k = keys_of(s);
	while (k && k[n])
		n++;
	return n;
}

/* --- value syntax ------------------------------------------------------- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool valid_port(const char *s)
{
	return all_digits(s) && strlen(s) <= 5 && atoi(s) >= 1 && atoi(s) <= 65535;
}

static bool valid_host(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

/* "HOST:PORT" (the part after "tcp:" or "sim:"). */
static int check_host_port(const char *args, const struct rig_ini_item *it, const char *file,
			   struct rig_error *err)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s", args);
	char *colon = strrchr(buf, ':');
	if (!colon)
		return rig_error_set(err, file, it->line, "%s: '%s' needs HOST:PORT", it->key, it->value);
	*colon = '\0';
	if (!valid_host(buf))
		return rig_error_set(err, file, it->line, "%s: bad host '%s'", it->key, buf);
	if (!valid_port(colon + 1))
		return rig_error_set(err, file, it->line, "%s: port '%s' is not 1..65535", it->key,
				     colon + 1);
	return 0;
}

/* serial:PATH:BAUD:FRAMING[:FLOW], as drivers/transport/transport.h reads it. */
static int check_serial(const char *args, const struct rig_ini_item *it, const char *file,
			struct rig_error *err)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s", args);
	char *field[6] = { 0 };
	int n = 0;
	for (char *save, *tok = strtok_r(buf, ":", &save); tok && n < 6; tok = strtok_r(NULL, ":", &save))
		field[n++] = tok;
	if (n < 3 || n > 4)
		return rig_error_set(err, file, it->line,
				     "%s: '%s' is not serial:PATH:BAUD:FRAMING[:FLOW], e.g. serial:/dev/ttyUSB0:115200:8N1:rtscts",
				     it->key, it->value);
	if (field[0][0] != '/')
		return rig_error_set(err, file, it->line, "%s: serial device '%s' is not a /dev path",
				     it->key, field[0]);
	long baud = all_digits(field[1]) && strlen(field[1]) <= 8 ? strtol(field[1], NULL, 10) : 0;
	if (baud < 50 || baud > 4000000)
		return rig_error_set(err, file, it->line, "%s: baud '%s' is not 50..4000000",
				     it->key, field[1]);
	const char *fr = field[2];
	if (strlen(fr) != 3 || fr[0] < '5' || fr[0] > '8' || !strchr("NOEMS", toupper((unsigned char)fr[1])) ||
	    (fr[2] != '1' && fr[2] != '2'))
		return rig_error_set(err, file, it->line,
				     "%s: framing '%s' is not data bits 5-8, parity N/O/E/M/S, stop bits 1-2 (e.g. 8N1)",
				     it->key, fr);
	if (n == 4 && strcmp(field[3], "none") && strcmp(field[3], "rtscts") && strcmp(field[3], "xonxoff"))
		return rig_error_set(err, file, it->line, "%s: flow control '%s' is not none | rtscts | xonxoff",
				     it->key, field[3]);
	return 0;
}

static int check_transport(const struct rig_ini_item *it, const char *file, struct rig_error *err)
{
	if (!strncmp(it->value, "serial:", 7))
		return check_serial(it->value + 7, it, file, err);
	if (!strncmp(it->value, "tcp:", 4))
		return check_host_port(it->value + 4, it, file, err);
	return rig_error_set(err, file, it->line, "%s: '%s' is not serial:... or tcp:HOST:PORT",
			     it->key, it->value);
}

static int check_edge_input(const struct rig_ini_item *it, const char *file, struct rig_error *err)
{
	const char *v = it->value;
	if (!strncmp(v, "gpiod:", 6)) {
		/* a path, or the chip's label (its number may change between boots) */
		if (v[6] != '/' && (strncmp(v + 6, "label=", 6) || !v[12]))
			return rig_error_set(err, file, it->line,
					     "input: '%s' needs a chip path or label, e.g. gpiod:/dev/gpiochip0 "
					     "or gpiod:label=pinctrl-bcm2711", v);
		return 0;
	}
	if (!strncmp(v, "sim:", 4))
		return check_host_port(v + 4, it, file, err);
	if (!strncmp(v, "replay:", 7)) {
		if (!v[7])
			return rig_error_set(err, file, it->line, "input: replay: needs a capture file path");
		return 0;
	}
	return rig_error_set(err, file, it->line,
			     "input: '%s' is not gpiod:/dev/gpiochipN, sim:HOST:PORT or replay:PATH", v);
}

static int check_date(const struct rig_ini_item *it, const char *file, struct rig_error *err)
{
	const char *d = it->value;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, day;
	char tail;
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
	    sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 || y < 2000 || m < 1 || m > 12 ||
	    day < 1 || day > days[m - 1])
		return rig_error_set(err, file, it->line, "%s: '%s' is not a date YYYY-MM-DD",
				     it->key, d);
	return 0;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* A line given by the chip's name for it: the same name, the same
 * placeholder (so a name wired twice is caught like an offset). */
static int named_placeholder(struct parser *ps, const char *name)
{
	for (int i = 0; i < ps->n_names; i++)
		if (!strcmp(ps->names[i], name))
			return RIG_LINE_NAMED + i;
	snprintf(ps->names[ps->n_names], RIG_LINE_NAME_MAX, "%s", name);
	return RIG_LINE_NAMED + ps->n_names++;
}

/* "17", "line 17", "17 active-low", "GPIO17", "line GPIO17 active-low";
 * "none" when allow_none. A name is the chip's (gpioinfo lists them),
 * resolved to an offset when the chip is opened. */
static int parse_line_spec(struct parser *ps, const struct rig_ini_item *it, bool allow_none,
			   struct rig_line *ret, struct rig_error *err)
{
	const char *file = ps->file;
	const char *s = it->value;
	memset(ret, 0, sizeof(*ret));
	ret->file_line = it->line;
	if (allow_none && !strcasecmp(s, "none")) {
		ret->line = -1;
		return 0;
	}
	if (!strncasecmp(s, "line", 4) && (s[4] == ' ' || s[4] == '\t'))
		s += 5;
	while (*s == ' ' || *s == '\t')
		s++;
	char *end;
	long n = -1;
	if (isalpha((unsigned char)*s) && strncasecmp(s, "active-", 7) != 0) {
		size_t len = 0;
		while (name_char(s[len]))
			len++;
		if (len >= RIG_LINE_NAME_MAX)
			return rig_error_set(err, file, it->line, "%s: line name '%.*s' is longer than %d characters",
					     it->key, (int)len, s, RIG_LINE_NAME_MAX - 1);
		memcpy(ret->name, s, len);
		ret->name[len] = '\0';
		end = (char *)s + len;
	} else {
		errno = 0;
		n = strtol(s, &end, 10);
		if (end == s || errno || n < 0 || n > MAX_LINE_OFFSET)
			return rig_error_set(err, file, it->line,
					     "%s: '%s' is not a GPIO line: an offset 0..%d or the chip's "
					     "name for it (e.g. GPIO17)%s",
					     it->key, it->value, MAX_LINE_OFFSET, allow_none ? ", or none" : "");
	}
	while (*end == ' ' || *end == '\t')
		end++;
	bool active_low = false;
	if (!strcasecmp(end, "active-low"))
		active_low = true;
	else if (*end && strcasecmp(end, "active-high"))
		return rig_error_set(err, file, it->line,
				     "%s: '%s' after the line is not active-low", it->key, end);
	if (ret->name[0]) {
		if (!ps->first_name_line)
			ps->first_name_line = it->line;
		n = named_placeholder(ps, ret->name);
	}
	ret->line = (int)n;
	ret->active_low = active_low;
	return 0;
}

static int claim_line(struct parser *ps, const struct rig_ini_item *it, int line, const char *what,
		      struct rig_error *err)
{
	if (line < 0)
		return 0;
	for (int i = 0; i < ps->n_uses; i++)
		if (ps->uses[i].line == line)
			return line >= RIG_LINE_NAMED
				       ? rig_error_set(err, ps->file, it->line,
						       "GPIO line %s is already used by %s (line %d)",
						       ps->names[line - RIG_LINE_NAMED], ps->uses[i].what,
						       ps->uses[i].file_line)
				       : rig_error_set(err, ps->file, it->line,
						       "GPIO line %d is already used by %s (line %d)", line,
						       ps->uses[i].what, ps->uses[i].file_line);
	struct line_use *u = &ps->uses[ps->n_uses++];
	u->line = line;
	u->file_line = it->line;
	snprintf(u->what, sizeof(u->what), "%s", what);
	return 0;
}

static int positive(const struct rig_ini_item *it, const char *file, const char *unit,
		    double *ret, struct rig_error *err)
{
	double v;
	if (rig_ini_number(it, file, unit, &v, err))
		return -1;
	if (!(v > 0))
		return rig_error_set(err, file, it->line, "%s: must be above 0", it->key);
	*ret = v;
	return 0;
}

/* A positive number within what a bench can physically be: a typo such as
 * 1e308 must not become a safety limit that never trips. */
static int positive_at_most(const struct rig_ini_item *it, const char *file, const char *unit,
			    double max, double *ret, struct rig_error *err)
{
	double v = 0;
	if (positive(it, file, unit, &v, err))
		return -1;
	if (v > max)
		return rig_error_set(err, file, it->line, "%s: %g%s%s is above %g%s%s", it->key, v,
				     unit ? " " : "", unit ? unit : "", max, unit ? " " : "",
				     unit ? unit : "");
	*ret = v;
	return 0;
}

static int at_most_a_day(const struct rig_ini_item *it, const char *file, double seconds,
			 struct rig_error *err)
{
	if (seconds > MAX_DURATION_S)
		return rig_error_set(err, file, it->line, "%s: %g s is more than a day (%d s)",
				     it->key, seconds, MAX_DURATION_S);
	return 0;
}

static int phase(const struct rig_ini_item *it, const char *file, int *ret, struct rig_error *err)
{
	if (rig_ini_int(it, file, ret, err))
		return -1;
	if (*ret < 1 || *ret > 3)
		return rig_error_set(err, file, it->line, "%s: source phase %d is not 1..3", it->key, *ret);
	return 0;
}

/* --- sections ---------------------------------------------------------- */

static int set_source(struct parser *ps, int key, const struct rig_ini_item *it, struct rig_error *err)
{
	struct rig_fixture *f = ps->f;
	const char *file = ps->file;
	int choice;
	switch (key) {
	case S_DRIVER:
		return rig_ini_string(it, file, f->source_driver, sizeof(f->source_driver), err);
	case S_TRANSPORT:
		if (check_transport(it, file, err))
			return -1;
		return rig_ini_string(it, file, f->source_transport, sizeof(f->source_transport), err);
	case S_EL1:
		return phase(it, file, &f->source_phase[0], err);
	case S_EL2:
		return phase(it, file, &f->source_phase[1], err);
	case S_LAG: {
		static const char *const words[] = { "positive", "negative", NULL };
		if (rig_ini_choice(it, file, words, &choice, err))
			return -1;
		f->lag_angle_sign = choice == 0 ? 1 : -1;
		return 0;
	}
	case S_NETWORK: {
		/* guide 2.1: dual-element meters are for 240 V three-wire and
		 * "work with 208V applications as well" */
		static const char *const words[] = { "120/240", "120/208", NULL };
		if (rig_ini_choice(it, file, words, &choice, err))
			return -1;
		f->network = choice == 0 ? RIG_NET_SPLIT_PHASE : RIG_NET_WYE_208;
		return 0;
	}
	case S_INJECTION: {
		static const char *const words[] = { "ct-secondary", "primary-turns", NULL };
		if (rig_ini_choice(it, file, words, &choice, err))
			return -1;
		f->injection = (enum rig_injection)choice;
		return 0;
	}
	case S_TURNS:
		if (rig_ini_int(it, file, &f->turns, err))
			return -1;
		if (f->turns < 1 || f->turns > 1000)
			return rig_error_set(err, file, it->line, "turns: %d is not 1..1000", f->turns);
		return 0;
	case S_SETTLE:
		if (rig_ini_number(it, file, "s", &f->settle_s, err))
			return -1;
		if (f->settle_s < 0)
			return rig_error_set(err, file, it->line, "settle: negative");
		return at_most_a_day(it, file, f->settle_s, err);
	case S_REPLY_TIMEOUT:
		if (positive(it, file, "s", &f->reply_timeout_s, err))
			return -1;
		return at_most_a_day(it, file, f->reply_timeout_s, err);
	case S_MAX_V:
		return positive_at_most(it, file, "V", MAX_SOURCE_V, &f->max_voltage_v, err);
	case S_MAX_A:
		return positive_at_most(it, file, "A", MAX_SOURCE_A, &f->max_current_a, err);
	case S_SERIAL:
		return rig_ini_string(it, file, f->instrument_serial, sizeof(f->instrument_serial), err);
	case S_CAL_DUE:
		if (check_date(it, file, err))
			return -1;
		return rig_ini_string(it, file, f->instrument_cal_due, sizeof(f->instrument_cal_due), err);
	case S_CERT:
		return rig_ini_string(it, file, f->instrument_certificate,
				      sizeof(f->instrument_certificate), err);
	case S_CAL_DATE:
		if (check_date(it, file, err))
			return -1;
		return rig_ini_string(it, file, f->instrument_cal_date, sizeof(f->instrument_cal_date),
				      err);
	case S_CAL_LAB:
		return rig_ini_string(it, file, f->instrument_cal_lab, sizeof(f->instrument_cal_lab), err);
	case S_STABILITY:
		if (rig_ini_number(it, file, "%", &f->source_stability_pct, err))
			return -1;
		if (f->source_stability_pct < 0 || f->source_stability_pct > 1)
			return rig_error_set(err, file, it->line, "stability: %g %% is not 0..1 %%",
					     f->source_stability_pct);
		return 0;
	case S_COMM_WATCHDOG:
		/* The instrument's own communication watchdog: it switches the
		 * output off when no command came for this long. */
		if (!strcasecmp(it->value, "none")) {
			f->comm_watchdog_s = 0;
			return 0;
		}
		if (positive(it, file, "s", &f->comm_watchdog_s, err))
			return -1;
		if (f->comm_watchdog_s < 0.1 || f->comm_watchdog_s > 3600)
			return rig_error_set(err, file, it->line,
					     "comm_watchdog: %g s is not 0.1..3600 s (or none)",
					     f->comm_watchdog_s);
		return 0;
	}
	return -1;
}

static int set_reference(struct parser *ps, int key, const struct rig_ini_item *it,
			 struct rig_error *err)
{
	struct rig_fixture *f = ps->f;
	int choice;
	switch (key) {
	case R_KIND: {
		static const char *const words[] = { "source-power", "standard-pulses", NULL };
		if (rig_ini_choice(it, ps->file, words, &choice, err))
			return -1;
		f->reference = choice == 0 ? RIG_REF_SOURCE_POWER : RIG_REF_STANDARD_PULSES;
		return 0;
	}
	case R_UNCERTAINTY:
		if (positive(it, ps->file, "%", &f->ref_u_pct, err))
			return -1;
		if (f->ref_u_pct > 5)
			return rig_error_set(err, ps->file, it->line,
					     "uncertainty: %g %% is not a reference (at most 5 %%)",
					     f->ref_u_pct);
		return 0;
	case R_WH:
		return positive_at_most(it, ps->file, NULL, MAX_WH_PER_PULSE, &f->ref_wh_per_pulse,
					err);
	case R_LINE:
		if (parse_line_spec(ps, it, false, &f->ref_line, err))
			return -1;
		return claim_line(ps, it, f->ref_line.line, "the reference", err);
	case R_SPEC:
		return rig_ini_string(it, ps->file, f->ref_spec_file, sizeof(f->ref_spec_file), err);
	case R_CERT:
		return rig_ini_string(it, ps->file, f->ref_certificate, sizeof(f->ref_certificate), err);
	case R_IDENTITY:
		return rig_ini_string(it, ps->file, f->ref_identity, sizeof(f->ref_identity), err);
	case R_CAL_DATE:
	case R_CAL_DUE: {
		if (check_date(it, ps->file, err))
			return -1;
		char *field = key == R_CAL_DATE ? f->ref_cal_date : f->ref_cal_due;
		return rig_ini_string(it, ps->file, field, sizeof(f->ref_cal_date), err);
	}
	case R_CAL_LAB:
		return rig_ini_string(it, ps->file, f->ref_cal_lab, sizeof(f->ref_cal_lab), err);
	}
	return -1;
}

static int set_edges(struct parser *ps, int key, const struct rig_ini_item *it, struct rig_error *err)
{
	struct rig_fixture *f = ps->f;
	switch (key) {
	case E_INPUT:
		if (check_edge_input(it, ps->file, err))
			return -1;
		return rig_ini_string(it, ps->file, f->edge_input, sizeof(f->edge_input), err);
	case E_TIMING:
		return positive_at_most(it, ps->file, "s", 1.0, &f->timing_sigma_s, err);
	case E_TIME_SCALE:
		if (positive(it, ps->file, NULL, &f->time_scale, err))
			return -1;
		if (f->time_scale > 1000)
			return rig_error_set(err, ps->file, it->line, "time_scale: %g is above 1000",
					     f->time_scale);
		return 0;
	case E_INTERLOCK:
		if (parse_line_spec(ps, it, true, &f->interlock, err))
			return -1;
		return claim_line(ps, it, f->interlock.line, "the interlock", err);
	case E_UPDATE_PERIOD:
		if (rig_ini_number(it, ps->file, "s", &f->update_period_s, err))
			return -1;
		if (f->update_period_s < 0 || f->update_period_s > 1)
			return rig_error_set(err, ps->file, it->line,
					     "update_period: %g s is not 0..1 s", f->update_period_s);
		return 0;
	case E_TIMEBASE:
		if (rig_ini_number(it, ps->file, "ppm", &f->timebase_ppm, err))
			return -1;
		if (f->timebase_ppm < 0 || f->timebase_ppm > 1000)
			return rig_error_set(err, ps->file, it->line, "timebase: %g ppm is not 0..1000 ppm",
					     f->timebase_ppm);
		return 0;
	case E_HEARTBEAT:
		/* An output: rigd toggles it while alive, for a retriggerable
		 * relay in the source's enable loop. */
		if (parse_line_spec(ps, it, true, &f->heartbeat, err))
			return -1;
		if (f->heartbeat.active_low)
			return rig_error_set(err, ps->file, it->line,
					     "heartbeat: a pulse train has no active level (drop active-low)");
		return claim_line(ps, it, f->heartbeat.line, "the heartbeat", err);
	}
	return -1;
}

static int set_position(struct parser *ps, int key, const struct rig_ini_item *it,
			struct rig_error *err)
{
	int pos = ps->f->n_positions - 1;
	struct rig_line *l = &ps->f->pos[pos][key];
	if (parse_line_spec(ps, it, true, l, err))
		return -1;
	char what[40];
	snprintf(what, sizeof(what), "position %d %s", pos + 1, signal_keys[key]);
	return claim_line(ps, it, l->line, what, err);
}

static int set_key(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	if (ps->section == SEC_NONE)
		return rig_error_set(err, ps->file, it->line,
				     "'%s' before any section: start with [fixture]", it->key);
	int key = key_index(ps->keys, n_keys(ps->section), it->key);
	if (key < 0) {
		char list[256] = "";
		for (int i = 0; i < n_keys(ps->section); i++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", ps->keys[i]);
		}
		return rig_error_set(err, ps->file, it->line, "unknown key '%s' in [%s] (%s)",
				     it->key, section_names[ps->section], list);
	}
	if (ps->seen_key_line[key])
		return rig_error_set(err, ps->file, it->line, "'%s' is set twice (first at line %d)",
				     it->key, ps->seen_key_line[key]);
	ps->seen_key_line[key] = it->line;
	switch (ps->section) {
	case SEC_FIXTURE:
		if (key == 0)
			return rig_ini_string(it, ps->file, ps->f->name, sizeof(ps->f->name), err);
		if (key == 2)
			return rig_ini_string(it, ps->file, ps->f->ambient_temperature,
					      sizeof(ps->f->ambient_temperature), err);
		if (key == 3)
			return rig_ini_string(it, ps->file, ps->f->ambient_humidity,
					      sizeof(ps->f->ambient_humidity), err);
		return 0;	/* description: for people only */
	case SEC_SOURCE:
		return set_source(ps, key, it, err);
	case SEC_REFERENCE:
		return set_reference(ps, key, it, err);
	case SEC_EDGES:
		return set_edges(ps, key, it, err);
	case SEC_POSITION:
		return set_position(ps, key, it, err);
	case SEC_NONE:
		break;
	}
	return -1;
}

/* Keys that must be present, checked when their section ends. */
static int finish_section(struct parser *ps, struct rig_error *err)
{
	const char *f = ps->file;
	int line = ps->section_first_line[ps->section];
	const int *seen = ps->seen_key_line;
	switch (ps->section) {
	case SEC_FIXTURE:
		if (!seen[0])
			return rig_error_set(err, f, line, "[fixture] needs name");
		break;
	case SEC_SOURCE: {
		static const int required[] = { S_DRIVER, S_TRANSPORT, S_LAG, S_MAX_V, S_MAX_A };
		for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
			if (!seen[required[i]])
				return rig_error_set(err, f, line, "[source] needs %s", source_keys[required[i]]);
		if (ps->f->source_phase[0] == ps->f->source_phase[1])
			return rig_error_set(err, f, line,
					     "[source]: element1_phase and element2_phase are both %d",
					     ps->f->source_phase[0]);
		if (ps->f->injection == RIG_INJECT_PRIMARY_TURNS && !seen[S_TURNS])
			return rig_error_set(err, f, line, "[source]: injection = primary-turns needs turns");
		if (ps->f->injection == RIG_INJECT_CT_SECONDARY && seen[S_TURNS])
			return rig_error_set(err, f, seen[S_TURNS],
					     "turns: only for injection = primary-turns");
		break;
	}
	case SEC_REFERENCE:
		if (!seen[R_KIND])
			return rig_error_set(err, f, line, "[reference] needs kind");
		if (!seen[R_UNCERTAINTY] && !seen[R_SPEC])
			return rig_error_set(err, f, line,
					     "[reference] needs specification (an instrument specification file) or uncertainty (a flat figure)");
		if (seen[R_UNCERTAINTY] && seen[R_SPEC])
			return rig_error_set(err, f, seen[R_UNCERTAINTY],
					     "uncertainty: give either specification or uncertainty, not both");
		if (seen[R_SPEC] && !seen[R_CERT])
			return rig_error_set(err, f, seen[R_SPEC],
					     "specification: name the instrument's calibration certificate too (certificate = ID)");
		if (ps->f->reference == RIG_REF_STANDARD_PULSES && (!seen[R_WH] || !seen[R_LINE]))
			return rig_error_set(err, f, line,
					     "[reference]: standard-pulses needs wh_per_pulse and line");
		if (ps->f->reference == RIG_REF_SOURCE_POWER && (seen[R_WH] || seen[R_LINE]))
			return rig_error_set(err, f, seen[R_WH] ? seen[R_WH] : seen[R_LINE],
					     "wh_per_pulse and line are for kind = standard-pulses");
		break;
	case SEC_EDGES:
		if (!seen[E_INPUT])
			return rig_error_set(err, f, line, "[edges] needs input");
		break;
	case SEC_POSITION: {
		int pos = ps->f->n_positions - 1;
		bool any = false;
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			any |= ps->f->pos[pos][s].line >= 0;
		if (!any)
			return rig_error_set(err, f, ps->position_line[pos],
					     "[position %d] wires no line", pos + 1);
		break;
	}
	case SEC_NONE:
		break;
	}
	return 0;
}

static int begin_position(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	int n = all_digits(it->arg) && strlen(it->arg) <= 3 ? atoi(it->arg) : 0;
	struct rig_fixture *f = ps->f;
	if (n < 1 || n > RIG_MAX_POSITIONS)
		return rig_error_set(err, ps->file, it->line, "[position %s]: not a number 1..%d",
				     it->arg[0] ? it->arg : "", RIG_MAX_POSITIONS);
	if (n <= f->n_positions)
		return rig_error_set(err, ps->file, it->line, "duplicate [position %d] (first at line %d)",
				     n, ps->position_line[n - 1]);
	if (n != f->n_positions + 1)
		return rig_error_set(err, ps->file, it->line,
				     "[position %d] follows [position %d]: positions are numbered 1, 2, 3... in order",
				     n, f->n_positions);
	f->n_positions = n;
	ps->position_line[n - 1] = it->line;
	return 0;
}

static int begin_section(struct parser *ps, const struct rig_ini_item *it, struct rig_error *err)
{
	if (ps->section != SEC_NONE && finish_section(ps, err))
		return -1;
	memset(ps->seen_key_line, 0, sizeof(ps->seen_key_line));
	enum section s = SEC_NONE;
	for (int i = SEC_FIXTURE; i <= SEC_POSITION; i++)
		if (!strcmp(it->section, section_names[i]))
			s = (enum section)i;
	if (s == SEC_NONE)
		return rig_error_set(err, ps->file, it->line,
				     "unknown section [%s] (fixture, source, reference, edges, position N)",
				     it->section);
	ps->section = s;
	ps->keys = keys_of(s);
	if (s == SEC_POSITION)
		return begin_position(ps, it, err);
	if (it->arg[0])
		return rig_error_set(err, ps->file, it->line, "[%s] takes no name", it->section);
	if (ps->section_first_line[s])
		return rig_error_set(err, ps->file, it->line, "second [%s] section (first at line %d)",
				     it->section, ps->section_first_line[s]);
	ps->section_first_line[s] = it->line;
	return 0;
}

static void fixture_defaults(struct rig_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->source_phase[0] = 1;
	f->source_phase[1] = 2;
	f->lag_angle_sign = 1;
	f->injection = RIG_INJECT_CT_SECONDARY;
	f->turns = 1;
	f->settle_s = 5;
	f->reply_timeout_s = 2;
	f->reference = RIG_REF_SOURCE_POWER;
	f->ref_line.line = -1;
	f->timing_sigma_s = 50e-6;
	f->time_scale = 1;
	/* Undeclared, the meters' pulse-update period is taken as 50 ms: meters
	 * update their outputs every line cycle (16.7 / 20 ms) or more slowly,
	 * in tens of ms; a period declared too long only lengthens the gates,
	 * one too short, where no wrap of the sawtooth shows it, leaves U too
	 * small, and no estimator can see that. */
	f->update_period_s = RIG_GATE_SLOWEST_UPDATE_S;
	/* An undisciplined crystal (a Pi's, a PC's) is within +-50 ppm. */
	f->timebase_ppm = 50;
	/* A 6100A-class source holds its power within about 50 ppm over minutes. */
	f->source_stability_pct = 0.005;
	f->interlock.line = -1;
	f->heartbeat.line = -1;
	for (int p = 0; p < RIG_MAX_POSITIONS; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			f->pos[p][s].line = -1;
}

int rig_fixture_parse(const char *text, size_t len, const char *file,
		      struct rig_fixture *ret, struct rig_error *err)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return rig_error_set(err, file, 0, "out of memory");
	ps->file = file ? file : "";
	ps->f = ret;
	fixture_defaults(ret);
	snprintf(ret->source_file, sizeof(ret->source_file), "%s", ps->file);

	struct rig_ini ini;
	struct rig_ini_item it;
	rig_ini_init(&ini, text, len, ps->file);
	int r;
	while ((r = rig_ini_next(&ini, &it, err)) == 1)
		if ((it.kind == RIG_INI_SECTION ? begin_section(ps, &it, err) : set_key(ps, &it, err)))
			break;
	if (r == 0 && ps->section != SEC_NONE && finish_section(ps, err))
		r = -1;
	if (r == 0) {
		static const enum section required[] = { SEC_FIXTURE, SEC_SOURCE, SEC_REFERENCE, SEC_EDGES };
		for (size_t i = 0; i < sizeof(required) / sizeof(required[0]) && r == 0; i++)
			if (!ps->section_first_line[required[i]])
				r = rig_error_set(err, ps->file, 0, "no [%s] section",
						  section_names[required[i]]);
		if (r == 0 && ret->n_positions == 0)
			r = rig_error_set(err, ps->file, 0, "no [position 1] section: no meter is wired");
		/* Names are the chip's: only a gpio chip has them. */
		if (r == 0 && ps->first_name_line && strncmp(ret->edge_input, "gpiod:", 6) != 0)
			r = rig_error_set(err, ps->file, ps->first_name_line,
					  "a line given by name needs a gpio chip (input = gpiod:...); "
					  "%s takes line offsets", ret->edge_input);
	}
	free(ps);
	if (r != 0)
		return -1;
	rig_sha256_hex(text, len, ret->sha256);
	return 0;
}

/* The specification's path: as written when absolute, else next to the
 * fixture file. */
static int load_spec(const char *fixture_path, struct rig_fixture *f, struct rig_error *err)
{
	if (!f->ref_spec_file[0])
		return 0;
	char path[512];
	const char *slash = strrchr(fixture_path, '/');
	if (f->ref_spec_file[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", f->ref_spec_file);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - fixture_path), fixture_path,
			 f->ref_spec_file);
	char *text;
	size_t len;
	if (rig_text_file_read(path, &text, &len, err))
		return -1;
	int r = rig_fixture_use_spec(f, text, len, path, err);
	free(text);
	return r;
}

int rig_fixture_use_spec(struct rig_fixture *f, const char *text, size_t len, const char *path,
			 struct rig_error *err)
{
	if (rig_ref_spec_parse(text, len, path, &f->ref_spec, err))
		return -1;
	const struct rig_ref_spec *s = &f->ref_spec;
	if (s->range[RIG_REF_VOLTAGE][s->n[RIG_REF_VOLTAGE] - 1].upper < f->max_voltage_v ||
	    s->range[RIG_REF_CURRENT][s->n[RIG_REF_CURRENT] - 1].upper < f->max_current_a)
		return rig_error_set(err, path, 0,
				     "the ranges do not reach the fixture's max_voltage %g V and max_current %g A",
				     f->max_voltage_v, f->max_current_a);
	f->have_ref_spec = true;
	return 0;
}

int rig_fixture_load(const char *path, struct rig_fixture *ret, struct rig_error *err)
{
	char *text;
	size_t len;
	if (rig_text_file_read(path, &text, &len, err))
		return -1;
	int r = rig_fixture_parse(text, len, path, ret, err);
	free(text);
	if (r == 0)
		r = load_spec(path, ret, err);
	return r;
}

/* Only what switching the source off needs: [source] driver, transport and
 * reply_timeout, every other line skipped unread. For the off path when
 * the full fixture does not load (a missing specification file, a bad
 * value elsewhere): the source must still be told to switch off. */
int rig_fixture_load_source(const char *path, struct rig_fixture *ret, struct rig_error *err)
{
	char *text;
	size_t len;
	if (rig_text_file_read(path, &text, &len, err))
		return -1;
	struct rig_fixture f;
	memset(&f, 0, sizeof(f));
	snprintf(f.source_driver, sizeof(f.source_driver), "scpi6100");
	f.reply_timeout_s = 2;
	struct rig_ini ini;
	struct rig_ini_item it;
	rig_ini_init(&ini, text, len, path);
	bool in_source = false;
	int r;
	while ((r = rig_ini_next(&ini, &it, err)) == 1) {
		if (it.kind == RIG_INI_SECTION) {
			in_source = strcmp(it.section, "source") == 0;
			continue;
		}
		if (!in_source)
			continue;
		struct rig_error skip = {0};	/* a bad value is skipped, not fatal */
		if (strcmp(it.key, "driver") == 0)
			rig_ini_string(&it, path, f.source_driver, sizeof(f.source_driver), &skip);
		else if (strcmp(it.key, "transport") == 0)
			rig_ini_string(&it, path, f.source_transport, sizeof(f.source_transport), &skip);
		else if (strcmp(it.key, "reply_timeout") == 0 &&
			 rig_ini_number(&it, path, "s", &f.reply_timeout_s, &skip) < 0)
			f.reply_timeout_s = 2;
	}
	free(text);
	if (r < 0)
		return -1;
	if (!f.source_transport[0])
		return rig_error_set(err, path, 0, "no [source] transport: cannot reach the source");
	*ret = f;
	return 0;
}

double rig_fixture_ref_u_rel(const struct rig_fixture *f, double volts, double amps, double watts)
{
	if (f->have_ref_spec) {
		double u = rig_ref_spec_power_u_rel(&f->ref_spec, volts, amps, watts);
		if (u >= 0)
			return u;
		/* A reading the specification has no range for: its uncertainty
		 * is unknown, never zero (with a specification there is no flat
		 * figure to fall back on). */
		if (amps > 0)
			return RIG_REF_U_UNKNOWN;
	}
	return f->ref_u_pct / 2 / 100;
}
