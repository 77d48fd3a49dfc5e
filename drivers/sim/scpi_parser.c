/* SCPI parsing and the emulated source's command set. */
#include "drivers/sim/scpi_parser.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NODES 8
#define MAX_PARAMS 4

/* ---- error queue ---------------------------------------------------------- */

const char *sim_scpi_error_text(int code)
{
	switch (code) {
	case SCPI_ERR_NONE: return "No error";
	case SCPI_ERR_COMMAND: return "Command error";
	case SCPI_ERR_SYNTAX: return "Syntax error";
	case SCPI_ERR_DATA_TYPE: return "Data type error";
	case SCPI_ERR_PARAM_NOT_ALLOWED: return "Parameter not allowed";
	case SCPI_ERR_MISSING_PARAM: return "Missing parameter";
	case SCPI_ERR_UNDEFINED_HEADER: return "Undefined header";
	case SCPI_ERR_SUFFIX_RANGE: return "Header suffix out of range";
	case SCPI_ERR_SETTINGS_CONFLICT: return "Settings conflict";
	case SCPI_ERR_DATA_RANGE: return "Data out of range";
	case SCPI_ERR_QUEUE_OVERFLOW: return "Queue overflow";
	case SCPI_ERR_INPUT_OVERRUN: return "Input buffer overrun";
	case SIM_ERR_COMM_WATCHDOG: return "Output off: communication watchdog expired";
	case SIM_ERR_ENABLE_LOOP: return "Output off: enable loop opened (heartbeat lost)";
	default: return "Command error";
	}
}

void sim_scpi_push_error(struct sim_scpi *p, int code)
{
	if (p->queue_count == SIM_SCPI_QUEUE_LEN) {
		int last = (p->queue_head + SIM_SCPI_QUEUE_LEN - 1) % SIM_SCPI_QUEUE_LEN;
		p->queue[last] = SCPI_ERR_QUEUE_OVERFLOW;
		return;
	}
	p->queue[(p->queue_head + p->queue_count) % SIM_SCPI_QUEUE_LEN] = code;
	p->queue_count++;
}

int sim_scpi_pop_error(struct sim_scpi *p)
{
	if (p->queue_count == 0)
		return 0;
	int code = p->queue[p->queue_head];
	p->queue_head = (p->queue_head + 1) % SIM_SCPI_QUEUE_LEN;
	p->queue_count--;
	return code;
}

void sim_scpi_init(struct sim_scpi *p, struct sim_source *src, const char *idn)
{
	memset(p, 0, sizeof(*p));
	p->src = src;
	snprintf(p->idn, sizeof(p->idn), "%s", idn);
}

/* ---- one parsed command --------------------------------------------------- */

struct command {
	char path[96];		/* canonical short form, e.g. "SOUR:PHAS:VOLT:RANG" */
	int suffix[MAX_NODES];	/* numeric suffixes in node order (1 when absent) */
	int n_nodes;
	bool query;
	char *param[MAX_PARAMS];
	int n_params;
};

struct keyword {
	const char *lng;	/* long form; its upper-case prefix is the short form */
	bool suffix;		/* takes a numeric suffix */
};

static const struct keyword keywords[] = {
	{ "SOURce", false }, { "PHASe", true }, { "VOLTage", false }, { "CURRent", false },
	{ "MHARmonic", false }, { "HARMonic", true }, { "RANGe", false }, { "STATe", false },
	{ "FREQuency", false }, { "OUTPut", false }, { "POWer", false }, { "WATT", false },
	{ "SYSTem", false }, { "ERRor", false }, { "NEXT", false }, { "COUNt", false },
	{ "FITTed", false }, { "SIM", false }, { "PROTection", false }, { "WDOG", false },
	{ "DELay", false },
};

static size_t short_len(const char *lng)
{
	size_t n = 0;
	while (lng[n] && isupper((unsigned char)lng[n]))
		n++;
	return n;
}

/* Matches a node's letters against the keywords: short or long form. */
static const struct keyword *find_keyword(const char *s, size_t n)
{
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		const char *lng = keywords[k].lng;
		size_t sl = short_len(lng);
		if ((n == sl || n == strlen(lng)) && strncasecmp(s, lng, n) == 0)
			return &keywords[k];
	}
	return NULL;
}

static int parse_header(char *hdr, struct command *c)
{
	size_t len = strlen(hdr);
	c->query = len > 0 && hdr[len - 1] == '?';
	if (c->query)
		hdr[--len] = '\0';
	char *s = hdr;
	if (*s == ':')
		s++;
	c->path[0] = '\0';
	c->n_nodes = 0;
	for (;;) {
		char *end = strchr(s, ':');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		size_t letters = 0;
		while (letters < n && isalpha((unsigned char)s[letters]))
			letters++;
		if (letters == 0)
			return SCPI_ERR_SYNTAX;
		for (size_t i = letters; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return SCPI_ERR_SYNTAX;
		const struct keyword *kw = find_keyword(s, letters);
		if (!kw || c->n_nodes == MAX_NODES)
			return SCPI_ERR_UNDEFINED_HEADER;
		int suffix = 1;
		if (n > letters) {
			if (!kw->suffix || n - letters > 3)
				return SCPI_ERR_SUFFIX_RANGE;
			suffix = atoi(s + letters);
		}
		c->suffix[c->n_nodes++] = suffix;
		size_t used = strlen(c->path);
		snprintf(c->path + used, sizeof(c->path) - used, "%s%.*s", used ? ":" : "",
			 (int)short_len(kw->lng), kw->lng);
		if (!end)
			return 0;
		s = end + 1;
	}
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int split_params(char *args, struct command *c)
{
	c->n_params = 0;
	args = trim(args);
	if (*args == '\0')
		return 0;
	for (;;) {
		char *comma = strchr(args, ',');
		if (comma)
			*comma = '\0';
		char *p = trim(args);
		if (*p == '\0')
			return SCPI_ERR_MISSING_PARAM;
		if (c->n_params == MAX_PARAMS)
			return SCPI_ERR_PARAM_NOT_ALLOWED;
		c->param[c->n_params++] = p;
		if (!comma)
			return 0;
		args = comma + 1;
	}
}

static int want_params(const struct command *c, int n)
{
	if (c->n_params < n)
		return SCPI_ERR_MISSING_PARAM;
	if (c->n_params > n)
		return SCPI_ERR_PARAM_NOT_ALLOWED;
	return 0;
}

static int number(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno || !isfinite(v))
		return isalpha((unsigned char)*s) ? SCPI_ERR_DATA_TYPE : SCPI_ERR_SYNTAX;
	*ret = v;
	return 0;
}

static int boolean(const char *s, bool *ret)
{
	if (strcasecmp(s, "ON") == 0 || strcmp(s, "1") == 0)
		*ret = true;
	else if (strcasecmp(s, "OFF") == 0 || strcmp(s, "0") == 0)
		*ret = false;
	else
		return SCPI_ERR_DATA_TYPE;
	return 0;
}

/* ---- the command set ------------------------------------------------------ */

struct ctx {
	struct sim_scpi *p;
	int64_t now;
	char *reply;
	size_t len;
};

static int reply(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reply, x->len, fmt, ap);
	va_end(ap);
	return 1;
}

static struct sim_phase_setting *phase_of(struct ctx *x, const struct command *c, int *ret_err)
{
	int n = c->suffix[1];	/* SOUR:PHAS<n>:... */
	if (n < 1 || n > SIM_PHASES) {
		*ret_err = SCPI_ERR_SUFFIX_RANGE;
		return NULL;
	}
	*ret_err = 0;
	return &x->p->src->set[n - 1];
}

static int cmd_harmonic(struct ctx *x, const struct command *c, bool volt)
{
	int err;
	struct sim_phase_setting *ph = phase_of(x, c, &err);
	if (!ph)
		return err;
	if (c->suffix[4] != 1)	/* only the fundamental is emulated */
		return SCPI_ERR_SUFFIX_RANGE;
	double *rms = volt ? &ph->volt_rms : &ph->curr_rms;
	double *deg = volt ? &ph->volt_deg : &ph->curr_deg;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%.9g,%.9g", *rms, *deg);
	}
	double a, d;
	if ((err = want_params(c, 2)) || (err = number(c->param[0], &a)) ||
	    (err = number(c->param[1], &d)))
		return err;
	double full = volt ? sim_volt_ranges[ph->volt_range] : sim_curr_ranges[ph->curr_range];
	if (a < 0 || a > full || d < -360 || d > 360)
		return SCPI_ERR_DATA_RANGE;
	if (a != *rms || d != *deg) {
		sim_source_before_change(x->p->src, x->now);
		*rms = a;
		*deg = d;
	}
	return 0;
}

static int cmd_range(struct ctx *x, const struct command *c, bool volt)
{
	int err;
	struct sim_phase_setting *ph = phase_of(x, c, &err);
	if (!ph)
		return err;
	int *range = volt ? &ph->volt_range : &ph->curr_range;
	double *min = volt ? &ph->volt_range_min : &ph->curr_range_min;
	const double *table = volt ? sim_volt_ranges : sim_curr_ranges;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%.9g,%.9g", *min, table[*range]);
	}
	double lo, hi;
	if ((err = want_params(c, 2)) || (err = number(c->param[0], &lo)) ||
	    (err = number(c->param[1], &hi)))
		return err;
	int r = volt ? sim_volt_range_for(hi) : sim_curr_range_for(hi);
	if (lo < 0 || lo > hi || r < 0)
		return SCPI_ERR_DATA_RANGE;
	double *amp = volt ? &ph->volt_rms : &ph->curr_rms;
	if (r != *range) {
		sim_source_before_change(x->p->src, x->now);
		*range = r;
		if (*amp > table[r])	/* documented: a smaller range zeroes a bigger amplitude */
			*amp = 0;
	}
	*min = lo;
	return 0;
}

static int cmd_bool(struct ctx *x, const struct command *c, bool *state)
{
	int err;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%d", *state ? 1 : 0);
	}
	bool v;
	if ((err = want_params(c, 1)) || (err = boolean(c->param[0], &v)))
		return err;
	if (v != *state) {
		sim_source_before_change(x->p->src, x->now);
		*state = v;
	}
	return 0;
}

static int cmd_phase_state(struct ctx *x, const struct command *c, bool volt, bool harm)
{
	int err;
	struct sim_phase_setting *ph = phase_of(x, c, &err);
	if (!ph)
		return err;
	bool *state = volt ? (harm ? &ph->volt_harm_on : &ph->volt_on)
			   : (harm ? &ph->curr_harm_on : &ph->curr_on);
	return cmd_bool(x, c, state);
}

static int cmd_output(struct ctx *x, const struct command *c)
{
	int err;
	struct sim_source *s = x->p->src;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%d", s->output_on ? 1 : 0);
	}
	bool on;
	if ((err = want_params(c, 1)) || (err = boolean(c->param[0], &on)))
		return err;
	sim_source_set_output(s, on, x->now);
	return 0;
}

/* The communication watchdog's settings; the timing is rig-sim's (real
 * time, sim_server.c). */
static int cmd_wdog(struct ctx *x, const struct command *c)
{
	struct sim_source *s = x->p->src;
	int err;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%d", s->wdog_on ? 1 : 0);
	}
	bool on;
	if ((err = want_params(c, 1)) || (err = boolean(c->param[0], &on)))
		return err;
	s->wdog_on = on;
	return 0;
}

static int cmd_wdog_delay(struct ctx *x, const struct command *c)
{
	struct sim_source *s = x->p->src;
	int err;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%.9g", s->wdog_delay_s);
	}
	double d;
	if ((err = want_params(c, 1)) || (err = number(c->param[0], &d)))
		return err;
	if (d < 0.1 || d > 3600)
		return SCPI_ERR_DATA_RANGE;
	s->wdog_delay_s = d;
	return 0;
}

static int cmd_freq(struct ctx *x, const struct command *c)
{
	int err;
	struct sim_source *s = x->p->src;
	if (c->query) {
		if ((err = want_params(c, 0)))
			return err;
		return reply(x, "%.9g", s->freq_hz);
	}
	double f;
	if ((err = want_params(c, 1)) || (err = number(c->param[0], &f)))
		return err;
	if (f < 45 || f > 65)
		return SCPI_ERR_DATA_RANGE;
	if (f != s->freq_hz) {
		sim_source_before_change(s, x->now);
		s->freq_hz = f;
	}
	return 0;
}

static int query_only(const struct command *c)
{
	if (!c->query)
		return SCPI_ERR_UNDEFINED_HEADER;
	return want_params(c, 0);
}

static int cmd_phase_watts(struct ctx *x, const struct command *c)
{
	int err;
	if (!phase_of(x, c, &err))
		return err;
	if ((err = query_only(c)))
		return err;
	struct sim_output o;
	sim_source_output(x->p->src, x->now, &o);
	return reply(x, "%.9g", sim_output_phase_watts(&o, c->suffix[1] - 1));
}

static int cmd_total_watts(struct ctx *x, const struct command *c)
{
	int err;
	if ((err = query_only(c)))
		return err;
	struct sim_output o;
	sim_source_output(x->p->src, x->now, &o);
	return reply(x, "%.9g", sim_output_total_watts(&o));
}

static int cmd_fitted(struct ctx *x, const struct command *c)
{
	int err;
	if (!phase_of(x, c, &err))
		return err;
	if ((err = query_only(c)))
		return err;
	return reply(x, "1");
}

static int cmd_error(struct ctx *x, const struct command *c)
{
	int err;
	if ((err = query_only(c)))
		return err;
	int code = sim_scpi_pop_error(x->p);
	return reply(x, "%d,\"%s\"", code, sim_scpi_error_text(code));
}

static int cmd_error_count(struct ctx *x, const struct command *c)
{
	int err;
	if ((err = query_only(c)))
		return err;
	return reply(x, "%d", x->p->queue_count);
}

struct route {
	const char *path;
	int (*fn)(struct ctx *x, const struct command *c, int arg);
	int arg;
};

static int r_harm(struct ctx *x, const struct command *c, int volt) { return cmd_harmonic(x, c, volt); }
static int r_range(struct ctx *x, const struct command *c, int volt) { return cmd_range(x, c, volt); }
static int r_stat(struct ctx *x, const struct command *c, int volt) { return cmd_phase_state(x, c, volt, false); }
static int r_mstat(struct ctx *x, const struct command *c, int volt) { return cmd_phase_state(x, c, volt, true); }
static int r_output(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_output(x, c); }
static int r_wdog(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_wdog(x, c); }
static int r_wdog_del(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_wdog_delay(x, c); }
static int r_freq(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_freq(x, c); }
static int r_pwatt(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_phase_watts(x, c); }
static int r_twatt(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_total_watts(x, c); }
static int r_fitted(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_fitted(x, c); }
static int r_error(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_error(x, c); }
static int r_errcount(struct ctx *x, const struct command *c, int a) { (void)a; return cmd_error_count(x, c); }

static const struct route routes[] = {
	{ "SOUR:PHAS:VOLT:MHAR:HARM", r_harm, 1 },
	{ "SOUR:PHAS:CURR:MHAR:HARM", r_harm, 0 },
	{ "SOUR:PHAS:VOLT:RANG", r_range, 1 },
	{ "SOUR:PHAS:CURR:RANG", r_range, 0 },
	{ "SOUR:PHAS:VOLT:STAT", r_stat, 1 },
	{ "SOUR:PHAS:CURR:STAT", r_stat, 0 },
	{ "SOUR:PHAS:VOLT:MHAR:STAT", r_mstat, 1 },
	{ "SOUR:PHAS:CURR:MHAR:STAT", r_mstat, 0 },
	{ "SOUR:PHAS:POW:WATT", r_pwatt, 0 },
	{ "SOUR:PHAS:FITT", r_fitted, 0 },
	{ "SOUR:POW:WATT", r_twatt, 0 },
	{ "SOUR:FREQ", r_freq, 0 },
	{ "OUTP:STAT", r_output, 0 },
	{ "OUTP", r_output, 0 },
	{ "OUTP:PROT:WDOG", r_wdog, 0 },
	{ "OUTP:PROT:WDOG:DEL", r_wdog_del, 0 },
	{ "SYST:ERR", r_error, 0 },
	{ "SYST:ERR:NEXT", r_error, 0 },
	{ "SYST:ERR:COUN", r_errcount, 0 },
};

static int common_command(struct ctx *x, const char *hdr, const struct command *c)
{
	struct sim_scpi *p = x->p;
	int err;
	if (strcasecmp(hdr, "*IDN?") == 0)
		return (err = want_params(c, 0)) ? err : reply(x, "%s", p->idn);
	if (strcasecmp(hdr, "*OPC?") == 0)
		return (err = want_params(c, 0)) ? err : reply(x, "1");
	if (strcasecmp(hdr, "*OPT?") == 0)
		return (err = want_params(c, 0)) ? err : reply(x, "0");
	if (strcasecmp(hdr, "*RST") == 0) {
		if ((err = want_params(c, 0)))
			return err;
		sim_source_reset(p->src, x->now);
		return 0;
	}
	if (strcasecmp(hdr, "*CLS") == 0) {
		if ((err = want_params(c, 0)))
			return err;
		p->queue_count = 0;
		return 0;
	}
	if (strcasecmp(hdr, "*OPC") == 0 || strcasecmp(hdr, "*WAI") == 0)
		return want_params(c, 0);
	return SCPI_ERR_UNDEFINED_HEADER;
}

/* One command of a line (text between ';'), modified in place. Returns 1
 * with a reply, 0, or a negative SCPI error. */
static int one_command(struct ctx *x, char *text)
{
	text = trim(text);
	if (*text == '\0')
		return 0;
	char whole[SIM_SCPI_MAX_LINE + 1];
	snprintf(whole, sizeof(whole), "%s", text);
	struct command c;
	memset(&c, 0, sizeof(c));
	size_t hlen = strcspn(text, " \t");
	char *args = text + hlen;
	if (*args)
		*args++ = '\0';
	int err = split_params(args, &c);
	if (err)
		return err;
	if (text[0] == '*')
		return common_command(x, text, &c);
	const char *h = text[0] == ':' ? text + 1 : text;
	if (strncasecmp(h, "SIM:", 4) == 0 || strcasecmp(h, "SIM") == 0) {
		if (!x->p->ext)
			return SCPI_ERR_UNDEFINED_HEADER;
		return x->p->ext(x->p->ext_ctx, x->now, whole[0] == ':' ? whole + 1 : whole,
				 x->reply, x->len);
	}
	if ((err = parse_header(text, &c)))
		return err;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, c.path) == 0)
			return routes[i].fn(x, &c, routes[i].arg);
	return SCPI_ERR_UNDEFINED_HEADER;
}

static bool printable(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\t')
			continue;
		if (ch < 0x20 || ch > 0x7e)
			return false;
	}
	return true;
}

int sim_scpi_line(struct sim_scpi *p, int64_t now_ns, const char *buf, size_t len,
		  char *reply_buf, size_t reply_len)
{
	if (reply_len > 0)
		reply_buf[0] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > SIM_SCPI_MAX_LINE) {
		sim_scpi_push_error(p, SCPI_ERR_INPUT_OVERRUN);
		return 0;
	}
	if (!printable(buf, len)) {
		sim_scpi_push_error(p, SCPI_ERR_SYNTAX);
		return 0;
	}
	char line[SIM_SCPI_MAX_LINE + 1];
	memcpy(line, buf, len);
	line[len] = '\0';

	size_t used = 0;
	char one[256];
	char *rest = line;
	while (rest) {
		char *semi = strchr(rest, ';');
		if (semi)
			*semi = '\0';
		struct ctx x = { .p = p, .now = now_ns, .reply = one, .len = sizeof(one) };
		one[0] = '\0';
		int r = one_command(&x, rest);
		if (r < 0) {
			/* the rest of the line is not executed: nothing after a
			 * bad command (an OUTP ON, say) takes effect */
			sim_scpi_push_error(p, r);
			break;
		}
		if (r == 1 && reply_len > 0) {
			int n = snprintf(reply_buf + used, reply_len - used, "%s%s",
					 used ? ";" : "", one);
			if (n > 0)
				used = used + (size_t)n < reply_len ? used + (size_t)n : reply_len - 1;
		}
		rest = semi ? semi + 1 : NULL;
	}
	return used > 0;
}
