/* The simulated bench: source + meters + reference in virtual time. */
#include "drivers/sim/bench.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINES (RIG_MAX_POSITIONS * RIG_SIG_COUNT + 1)

struct line_level {
	uint32_t line;
	bool level;
};

struct sim_bench {
	struct sim_bench_cfg cfg;
	struct sim_source source;
	struct sim_scpi scpi;
	struct sim_meter meter[RIG_MAX_POSITIONS];
	struct sim_reference ref;
	struct sim_edge_buf pending;	/* generated, not yet delivered */
	int64_t generated_to;		/* meters have run to here */
	int64_t now;			/* delivered up to here */
	struct sim_edge_request request;/* all wired lines, for sim_bench_advance */
	struct line_level level[MAX_LINES];
	size_t n_levels;
};

void sim_bench_cfg_init(struct sim_bench_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->settle_s = 2;
	cfg->seed = 1;
	cfg->ref_line = -1;
	for (int p = 0; p < RIG_MAX_POSITIONS; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			cfg->pos[p].line[s] = -1;
}

void sim_bench_cfg_layout(struct sim_bench_cfg *cfg, int base, int stride)
{
	for (int p = 0; p < cfg->n_positions && p < RIG_MAX_POSITIONS; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			cfg->pos[p].line[s] = base + p * stride + s;
}

static void add_line(struct sim_bench *b, int line)
{
	if (line < 0 || b->n_levels == MAX_LINES)
		return;
	for (size_t i = 0; i < b->n_levels; i++)
		if (b->level[i].line == (uint32_t)line)
			return;
	b->level[b->n_levels++] = (struct line_level){ .line = (uint32_t)line };
	sim_edge_request_add(&b->request, (uint32_t)line);
}

struct sim_bench *sim_bench_new(const struct sim_bench_cfg *cfg)
{
	if (cfg->n_positions < 0 || cfg->n_positions > RIG_MAX_POSITIONS)
		return NULL;
	struct sim_bench *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = *cfg;
	if (!b->cfg.idn[0])
		snprintf(b->cfg.idn, sizeof(b->cfg.idn), "RIG-SIM,6105A-SIM,SN0001,1.0");
	sim_source_init(&b->source, cfg->settle_s);
	sim_source_reset(&b->source, cfg->start_ns);
	sim_scpi_init(&b->scpi, &b->source, b->cfg.idn);
	sim_bench_set_ext(b, sim_bench_ext, b);
	sim_edge_request_init(&b->request);
	for (int p = 0; p < cfg->n_positions; p++) {
		/* each meter its own stream, so adding one changes no other */
		uint64_t seed = cfg->seed * 1000003ULL + (uint64_t)p + 1;
		sim_meter_init(&b->meter[p], &cfg->pos[p].meter, cfg->pos[p].line, seed, cfg->start_ns);
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			add_line(b, cfg->pos[p].line[s]);
	}
	sim_reference_init(&b->ref, cfg->ref_wh_per_pulse, cfg->ref_line, cfg->start_ns);
	add_line(b, cfg->ref_line);
	b->generated_to = b->now = cfg->start_ns;
	return b;
}

void sim_bench_free(struct sim_bench *b)
{
	if (!b)
		return;
	sim_edge_buf_free(&b->pending);
	free(b);
}

static int64_t horizon_ns(const struct sim_bench *b)
{
	double sigma = 0;
	for (int p = 0; p < b->cfg.n_positions; p++)
		if (b->meter[p].cfg.jitter_sigma_s > sigma)
			sigma = b->meter[p].cfg.jitter_sigma_s;
	return (int64_t)ceil(4 * sigma * 1e9) + 1;
}

static int generate(struct sim_bench *b, int64_t until_ns)
{
	if (until_ns <= b->generated_to)
		return 0;
	for (int p = 0; p < b->cfg.n_positions; p++)
		if (sim_meter_run(&b->meter[p], &b->source, until_ns, &b->pending) < 0)
			return -1;
	if (sim_reference_run(&b->ref, &b->source, until_ns, &b->pending) < 0)
		return -1;
	b->generated_to = until_ns;
	return 0;
}

static int by_time(const void *pa, const void *pb)
{
	const struct sim_raw_edge *a = pa, *c = pb;
	if (a->timestamp_ns != c->timestamp_ns)
		return a->timestamp_ns < c->timestamp_ns ? -1 : 1;
	return a->order < c->order ? -1 : a->order > c->order;
}

static void set_level(struct sim_bench *b, uint32_t line, bool level)
{
	for (size_t i = 0; i < b->n_levels; i++)
		if (b->level[i].line == line)
			b->level[i].level = level;
}

static int advance(struct sim_bench *b, int64_t until_ns, bool numbered, sim_edge_fn fn, void *ctx)
{
	if (until_ns < b->now)
		until_ns = b->now;
	if (generate(b, until_ns + horizon_ns(b)) < 0)
		return -1;
	struct sim_edge_buf *q = &b->pending;
	if (q->n > 1)
		qsort(q->e, q->n, sizeof(q->e[0]), by_time);
	size_t done = 0;
	while (done < q->n && q->e[done].timestamp_ns <= until_ns) {
		const struct sim_raw_edge *r = &q->e[done++];
		/* never earlier than what was already delivered */
		int64_t ts = r->timestamp_ns < b->now ? b->now : r->timestamp_ns;
		set_level(b, r->line, r->kind == RIG_EDGE_RISING);
		struct rig_edge e = { .timestamp_ns = ts, .line = r->line, .kind = r->kind };
		if (numbered && !sim_edge_request_number(&b->request, ts, r->line, r->kind, &e))
			continue;
		if (fn)
			fn(ctx, &e);
	}
	if (done > 0) {
		memmove(q->e, q->e + done, (q->n - done) * sizeof(q->e[0]));
		q->n -= done;
	}
	b->now = until_ns;
	return 0;
}

int sim_bench_advance(struct sim_bench *b, int64_t until_ns, sim_edge_fn fn, void *ctx)
{
	return advance(b, until_ns, true, fn, ctx);
}

int sim_bench_advance_raw(struct sim_bench *b, int64_t until_ns, sim_edge_fn fn, void *ctx)
{
	return advance(b, until_ns, false, fn, ctx);
}

int sim_bench_scpi_n(struct sim_bench *b, int64_t now_ns, const char *buf, size_t len,
		     char *reply, size_t reply_len)
{
	if (now_ns < b->now)
		now_ns = b->now;
	/* the meters see the old setpoints up to the moment of the change */
	if (generate(b, now_ns) < 0)
		return -1;
	return sim_scpi_line(&b->scpi, now_ns, buf, len, reply, reply_len);
}

int sim_bench_scpi(struct sim_bench *b, int64_t now_ns, const char *line, char *reply, size_t reply_len)
{
	return sim_bench_scpi_n(b, now_ns, line, strlen(line), reply, reply_len);
}

void sim_bench_set_ext(struct sim_bench *b, sim_scpi_ext_fn fn, void *ctx)
{
	b->scpi.ext = fn;
	b->scpi.ext_ctx = ctx;
}

int64_t sim_bench_now(const struct sim_bench *b) { return b->now; }

int sim_bench_level(const struct sim_bench *b, uint32_t line)
{
	for (size_t i = 0; i < b->n_levels; i++)
		if (b->level[i].line == line)
			return b->level[i].level;
	return -1;
}

static struct sim_meter *meter_at(const struct sim_bench *b, int position)
{
	if (position < 1 || position > b->cfg.n_positions)
		return NULL;
	return (struct sim_meter *)&b->meter[position - 1];
}

const struct sim_meter *sim_bench_meter(const struct sim_bench *b, int position)
{
	return meter_at(b, position);
}

const struct sim_source *sim_bench_source(const struct sim_bench *b) { return &b->source; }

double sim_bench_true_error(const struct sim_bench *b, int position, int64_t now_ns)
{
	const struct sim_meter *m = meter_at(b, position);
	if (!m)
		return NAN;
	struct sim_output o;
	sim_source_output(&b->source, now_ns, &o);
	double truth;
	double registered = sim_meter_power(m, &o, &truth);
	if (truth == 0)
		return NAN;
	if (registered < 0)
		registered = 0;	/* no reverse register */
	return 100 * (registered / truth - 1);
}

int sim_bench_energy(const struct sim_bench *b, int position, double *ret_registered_wh,
		     double *ret_true_wh)
{
	const struct sim_meter *m = meter_at(b, position);
	if (!m)
		return -1;
	*ret_registered_wh = m->registered_wh;
	*ret_true_wh = m->true_wh;
	return 0;
}

void sim_bench_trip(struct sim_bench *b, int64_t now_ns, int code)
{
	if (now_ns < b->now)
		now_ns = b->now;
	/* the meters see the output on up to the trip (off even without memory) */
	(void)generate(b, now_ns);
	sim_source_set_output(&b->source, false, now_ns);
	sim_scpi_push_error(&b->scpi, code);
}

void sim_bench_lose_edges(struct sim_bench *b, uint64_t n) { b->request.lose += n; }

int sim_bench_set_dead(struct sim_bench *b, int position, enum rig_signal s, bool dead)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m || (int)s < 0 || s >= RIG_SIG_COUNT)
		return -1;
	if (dead)
		m->cfg.dead_mask |= 1u << s;
	else
		m->cfg.dead_mask &= ~(1u << s);
	return 0;
}

int sim_bench_set_reversed(struct sim_bench *b, int position, int element, bool reversed)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m || element < 1 || element > 2)
		return -1;
	m->cfg.reversed_ct[element - 1] = reversed;
	return 0;
}

int sim_bench_set_error(struct sim_bench *b, int position, const struct sim_error_curve *c)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m)
		return -1;
	m->cfg.error = *c;
	return 0;
}

int sim_bench_set_stuck(struct sim_bench *b, int position, enum rig_signal s, bool stuck)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m || (int)s < 0 || s >= RIG_SIG_COUNT)
		return -1;
	if (stuck)
		m->cfg.stuck_on_mask |= 1u << s;
	else
		m->cfg.stuck_on_mask &= ~(1u << s);
	return 0;
}

int sim_bench_set_wrong_ratio(struct sim_bench *b, int position, enum rig_signal s, bool wrong)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m || (int)s < 0 || s >= RIG_SIG_COUNT)
		return -1;
	sim_meter_set_wrong_ratio(m, s, wrong);
	return 0;
}

int sim_bench_set_creep(struct sim_bench *b, int position, double watts)
{
	struct sim_meter *m = meter_at(b, position);
	if (!m || !(watts >= 0 && watts <= 1000))
		return -1;
	m->cfg.creep_w = watts;
	return 0;
}

/* ---- SIM: extension --------------------------------------------------------- */

static int signal_by_name(const char *s)
{
	for (int i = 0; i < RIG_SIG_COUNT; i++)
		if (strcasecmp(s, rig_signal_name((enum rig_signal)i)) == 0)
			return i;
	return -1;
}

/* "WORD a,b,c" -> up to 4 comma-separated arguments after the header. */
static int split_args(char *cmd, char **ret_hdr, char *arg[4])
{
	char *sp = strpbrk(cmd, " \t");
	int n = 0;
	*ret_hdr = cmd;
	if (!sp)
		return 0;
	*sp++ = '\0';
	char *save = NULL;
	for (char *tok = strtok_r(sp, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (n == 4)
			return -1;
		arg[n++] = tok;
	}
	return n;
}

static int int_arg(const char *s, int *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	/* a number past int would wrap: 4294967297 would be position 1 */
	if (end == s || *end || errno || v < INT_MIN || v > INT_MAX)
		return -1;
	*ret = (int)v;
	return 0;
}

static int want_args(int n, int want)
{
	if (n < want)
		return SCPI_ERR_MISSING_PARAM;
	return n > want ? SCPI_ERR_PARAM_NOT_ALLOWED : 0;
}

struct ext_call {
	struct sim_bench *b;
	int64_t now;
	char **arg;
	int n;
	char *reply;
	size_t len;
};

static int ext_truth(const struct ext_call *x)
{
	int pos, err;
	double reg, truth;
	if ((err = want_args(x->n, 1)))
		return err;
	if (int_arg(x->arg[0], &pos) || sim_bench_energy(x->b, pos, &reg, &truth))
		return SCPI_ERR_DATA_RANGE;
	snprintf(x->reply, x->len, "%.6f,%.9g,%.9g", sim_bench_true_error(x->b, pos, x->now), reg, truth);
	return 1;
}

static int ext_time(const struct ext_call *x)
{
	int err = want_args(x->n, 0);
	if (err)
		return err;
	snprintf(x->reply, x->len, "%lld", (long long)x->now);
	return 1;
}

static int ext_fault(const struct ext_call *x)
{
	int v, err;
	if ((err = want_args(x->n, 2)))
		return err;
	if (strcasecmp(x->arg[0], "LOSE") || int_arg(x->arg[1], &v) || v < 0)
		return SCPI_ERR_DATA_RANGE;	/* other faults are the server's */
	sim_bench_lose_edges(x->b, (uint64_t)v);
	return 0;
}

static int ext_dead(const struct ext_call *x)
{
	int pos, v, err;
	if ((err = want_args(x->n, 3)))
		return err;
	int s = signal_by_name(x->arg[1]);
	if (int_arg(x->arg[0], &pos) || s < 0 || int_arg(x->arg[2], &v) ||
	    sim_bench_set_dead(x->b, pos, (enum rig_signal)s, v != 0))
		return SCPI_ERR_DATA_RANGE;
	return 0;
}

static int ext_reverse(const struct ext_call *x)
{
	int pos, el, v, err;
	if ((err = want_args(x->n, 3)))
		return err;
	if (int_arg(x->arg[0], &pos) || int_arg(x->arg[1], &el) || int_arg(x->arg[2], &v) ||
	    sim_bench_set_reversed(x->b, pos, el, v != 0))
		return SCPI_ERR_DATA_RANGE;
	return 0;
}

static int ext_error(const struct ext_call *x)
{
	int pos, err;
	if ((err = want_args(x->n, 2)))
		return err;
	char *end;
	double pct = strtod(x->arg[1], &end);
	const struct sim_meter *m;
	/* the config's error_pct range: a huge error makes the meter register
	 * (and the bench generate) an unbounded number of edges */
	if (int_arg(x->arg[0], &pos) || *end || end == x->arg[1] || !(pct >= -100 && pct <= 100) ||
	    !(m = meter_at(x->b, pos)))
		return SCPI_ERR_DATA_RANGE;
	struct sim_error_curve curve = m->cfg.error;
	curve.base_pct = pct;
	return sim_bench_set_error(x->b, pos, &curve) ? SCPI_ERR_DATA_RANGE : 0;
}

/* SIM:STUCK and SIM:WRONGRATIO: <pos>,<signal>,1|0, like SIM:DEAD. */
static int ext_signal_fault(const struct ext_call *x,
			    int (*set)(struct sim_bench *, int, enum rig_signal, bool))
{
	int pos, v, err;
	if ((err = want_args(x->n, 3)))
		return err;
	int s = signal_by_name(x->arg[1]);
	if (int_arg(x->arg[0], &pos) || s < 0 || int_arg(x->arg[2], &v) ||
	    set(x->b, pos, (enum rig_signal)s, v != 0))
		return SCPI_ERR_DATA_RANGE;
	return 0;
}

static int ext_stuck(const struct ext_call *x) { return ext_signal_fault(x, sim_bench_set_stuck); }

static int ext_wrong_ratio(const struct ext_call *x)
{
	return ext_signal_fault(x, sim_bench_set_wrong_ratio);
}

static int ext_creep(const struct ext_call *x)
{
	int pos, err;
	if ((err = want_args(x->n, 2)))
		return err;
	char *end;
	double w = strtod(x->arg[1], &end);
	if (int_arg(x->arg[0], &pos) || *end || end == x->arg[1] ||
	    sim_bench_set_creep(x->b, pos, w))
		return SCPI_ERR_DATA_RANGE;
	return 0;
}

/* What the LCD register shows: the operator's reading, for tests and demos. */
static int ext_register(const struct ext_call *x)
{
	int pos, err;
	if ((err = want_args(x->n, 1)))
		return err;
	const struct sim_meter *m;
	if (int_arg(x->arg[0], &pos) || !(m = meter_at(x->b, pos)) || sim_meter_lcd_kwh(m) < 0)
		return SCPI_ERR_DATA_RANGE;	/* no such position, or no LCD */
	snprintf(x->reply, x->len, "%.10g", sim_meter_lcd_kwh(m));
	return 1;
}

/* A wrong register ratio from now on (1: right). */
static int ext_register_ratio(const struct ext_call *x)
{
	int pos, err;
	if ((err = want_args(x->n, 2)))
		return err;
	char *end;
	double ratio = strtod(x->arg[1], &end);
	struct sim_meter *m;
	if (int_arg(x->arg[0], &pos) || *end || end == x->arg[1] || !(ratio >= 0.001 && ratio <= 1000) ||
	    !(m = meter_at(x->b, pos)))
		return SCPI_ERR_DATA_RANGE;
	sim_meter_set_register_ratio(m, ratio);
	return 0;
}

static const struct {
	const char *header;
	int (*fn)(const struct ext_call *x);
} ext_commands[] = {
	{ "SIM:TRUTH?", ext_truth }, { "SIM:TIME?", ext_time }, { "SIM:FAULT", ext_fault },
	{ "SIM:DEAD", ext_dead }, { "SIM:REVERSE", ext_reverse }, { "SIM:ERROR", ext_error },
	{ "SIM:REGISTER?", ext_register }, { "SIM:REGRATIO", ext_register_ratio },
	{ "SIM:STUCK", ext_stuck }, { "SIM:WRONGRATIO", ext_wrong_ratio }, { "SIM:CREEP", ext_creep },
};

int sim_bench_ext(void *bench, int64_t now_ns, const char *cmd, char *reply, size_t len)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", cmd);
	char *hdr, *arg[4];
	int n = split_args(buf, &hdr, arg);
	if (n < 0)
		return SCPI_ERR_PARAM_NOT_ALLOWED;
	struct ext_call x = { .b = bench, .now = now_ns, .arg = arg, .n = n, .reply = reply, .len = len };
	for (size_t i = 0; i < sizeof(ext_commands) / sizeof(ext_commands[0]); i++)
		if (strcasecmp(hdr, ext_commands[i].header) == 0)
			return ext_commands[i].fn(&x);
	return SCPI_ERR_UNDEFINED_HEADER;
}
