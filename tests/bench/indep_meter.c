#include "tests/bench/indep_meter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- random numbers ------------------------------------------------------- */

void im_rng_seed(struct im_rng *r, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}

double im_uniform(struct im_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (double)((r->s * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

double im_normal(struct im_rng *r)
{
	double u1 = im_uniform(r), u2 = im_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

double im_between(struct im_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * im_uniform(r);
}

double im_log_between(struct im_rng *r, double lo, double hi)
{
	return exp(im_between(r, log(lo), log(hi)));
}

/* --- the source: per-phase active power, piecewise linear in time --------- */

struct im_break {
	double t;
	double p[3];		/* active watts per source phase */
};

struct im_phase {
	double v, v_deg, i, i_deg;
};

/* One output's next toggle, predicted from the present source plan. */
struct im_pending {
	bool valid;
	bool never;		/* no toggle with the present plan */
	double t_cross;		/* the register crosses the threshold */
	double t_update;	/* first update instant at or after it */
	double ts;		/* timestamp the kernel will give */
	enum rig_edge_kind kind;
};

struct im_meter_state {
	double phase_s;		/* update instants are phase_s + k q */
	double r0_j;		/* register at t = 0 */
	long toggles[IM_MAX_OUT];
	bool high[IM_MAX_OUT];
	double last_update[IM_MAX_OUT];
	uint64_t line_seqno[IM_MAX_OUT];
	struct im_pending next[IM_MAX_OUT];
};

struct im_bench {
	struct im_bench_cfg cfg;
	struct im_rng rng;
	struct im_phase ph[3];
	double ref_error[3];
	bool on;
	int n_breaks;
	struct im_break br[IM_MAX_BREAKS];
	struct im_meter_state m[IM_MAX_POS];
	uint64_t global_seqno;
};

static void power_at(const struct im_bench *b, double t, double ret[3])
{
	memset(ret, 0, 3 * sizeof(double));
	if (b->n_breaks == 0 || t < b->br[0].t)
		return;
	int i = b->n_breaks - 1;
	while (i > 0 && b->br[i].t > t)
		i--;
	const struct im_break *a = &b->br[i];
	if (i == b->n_breaks - 1 || b->br[i + 1].t <= a->t) {
		memcpy(ret, a->p, 3 * sizeof(double));
		return;
	}
	const struct im_break *c = &b->br[i + 1];
	double f = (t - a->t) / (c->t - a->t);
	for (int k = 0; k < 3; k++)
		ret[k] = a->p[k] + f * (c->p[k] - a->p[k]);
}

static double target_power(const struct im_bench *b, int k)
{
	if (!b->on)
		return 0;
	const struct im_phase *p = &b->ph[k];
	return p->v * p->i * cos((p->i_deg - p->v_deg) * M_PI / 180);
}

static void invalidate_after(struct im_bench *b, double t)
{
	for (int m = 0; m < b->cfg.n_meters; m++)
		for (int j = 0; j < b->cfg.meter[m].n_outputs; j++) {
			struct im_pending *n = &b->m[m].next[j];
			if (n->valid && (n->never || n->t_cross > t))
				n->valid = false;
		}
}

/* The power plan changes at t: it slews from what it is to the target. */
static void replan(struct im_bench *b, double t, double ramp_s)
{
	double now[3], to[3];
	power_at(b, t, now);
	for (int k = 0; k < 3; k++)
		to[k] = target_power(b, k);
	while (b->n_breaks > 0 && b->br[b->n_breaks - 1].t >= t)
		b->n_breaks--;
	if (b->n_breaks + 2 > IM_MAX_BREAKS)
		abort();	/* a harness limit: a run changes its setpoint a few times */
	struct im_break *a = &b->br[b->n_breaks++];
	a->t = t;
	memcpy(a->p, now, sizeof(now));
	struct im_break *c = &b->br[b->n_breaks++];
	c->t = t + ramp_s;
	memcpy(c->p, to, sizeof(to));
	invalidate_after(b, t);
}

void im_source_set(struct im_bench *b, int phase, double volts, double v_angle_deg, double amps,
		   double i_angle_deg)
{
	if (phase >= 1 && phase <= 3)
		b->ph[phase - 1] = (struct im_phase){volts, v_angle_deg, amps, i_angle_deg};
}

void im_source_apply(struct im_bench *b, double t)
{
	if (b->on)
		replan(b, t, b->cfg.ramp_s);
}

void im_source_output(struct im_bench *b, double t, bool on)
{
	if (on == b->on)
		return;
	b->on = on;
	replan(b, t, on ? b->cfg.ramp_s : 0);
}

void im_source_ref_error(struct im_bench *b, int phase, double rel)
{
	if (phase >= 1 && phase <= 3)
		b->ref_error[phase - 1] = rel;
}

double im_source_read_power(const struct im_bench *b, double t)
{
	double p[3], w = 0;
	power_at(b, t, p);
	for (int k = 0; k < 3; k++)
		w += p[k] * (1 + b->ref_error[k]);
	return w;
}

static double meter_share(const struct im_bench *b, int m, const double p[3])
{
	const struct im_meter_cfg *mc = &b->cfg.meter[m];
	double w = 0;
	for (int e = 0; e < mc->elements && e < 2; e++) {
		int ph = b->cfg.element_phase[e];
		if (ph >= 1 && ph <= 3)
			w += p[ph - 1];
	}
	return w * mc->primary_per_source;
}

double im_meter_power(const struct im_bench *b, int meter, double t)
{
	double p[3];
	power_at(b, t, p);
	return meter_share(b, meter, p);
}

/* Time at which meter m has seen `joules` of true energy since t = 0
 * (INFINITY when the plan never gets there). */
static double time_for_energy(const struct im_bench *b, int m, double joules)
{
	double acc = 0;
	for (int i = 0; i < b->n_breaks; i++) {
		double p0 = meter_share(b, m, b->br[i].p);
		if (i == b->n_breaks - 1) {
			if (p0 <= 0)
				return INFINITY;
			return b->br[i].t + (joules - acc) / p0;
		}
		double p1 = meter_share(b, m, b->br[i + 1].p);
		double dt = b->br[i + 1].t - b->br[i].t;
		double seg = (p0 + p1) / 2 * dt;
		if (dt > 0 && acc + seg >= joules) {
			/* p0 x + (p1 - p0) x^2 / (2 dt) = r, the root in [0, dt] */
			double r = joules - acc, a = (p1 - p0) / (2 * dt);
			double disc = p0 * p0 + 4 * a * r;
			double x = 2 * r / (p0 + sqrt(disc > 0 ? disc : 0));
			if (!isfinite(x))
				x = dt;
			return b->br[i].t + (x < dt ? x : dt);
		}
		acc += seg;
	}
	return INFINITY;
}

static void predict(struct im_bench *b, int m, int j)
{
	const struct im_meter_cfg *mc = &b->cfg.meter[m];
	struct im_meter_state *ms = &b->m[m];
	struct im_pending *n = &ms->next[j];
	double h = mc->kh_wh[j] / 2 * 3600;	/* joules per toggle */
	double thr = (floor(ms->r0_j / h) + (double)ms->toggles[j] + 1) * h;
	double t = time_for_energy(b, m, (thr - ms->r0_j) / (1 + mc->error));
	n->valid = true;
	n->never = !isfinite(t);
	if (n->never)
		return;
	double q = mc->update_s;
	double tu = ms->phase_s + ceil((t - ms->phase_s) / q) * q;
	if (ms->toggles[j] > 0 && tu < ms->last_update[j] + q / 2)
		tu = ms->last_update[j] + q;	/* one toggle per update at most */
	n->t_cross = t;
	n->t_update = tu;
	n->kind = ms->high[j] ? RIG_EDGE_FALLING : RIG_EDGE_RISING;
	double delay = n->kind == RIG_EDGE_RISING ? mc->rise_delay_s : mc->fall_delay_s;
	n->ts = tu + delay + mc->jitter_s * im_normal(&b->rng);
}

struct im_bench *im_bench_new(const struct im_bench_cfg *cfg)
{
	struct im_bench *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = *cfg;
	im_rng_seed(&b->rng, cfg->seed);
	b->global_seqno = cfg->global_base;
	for (int m = 0; m < cfg->n_meters; m++) {
		const struct im_meter_cfg *mc = &cfg->meter[m];
		struct im_meter_state *ms = &b->m[m];
		ms->phase_s = im_uniform(&b->rng) * mc->update_s;
		double kh_max = 0;
		for (int j = 0; j < mc->n_outputs; j++)
			kh_max = mc->kh_wh[j] > kh_max ? mc->kh_wh[j] : kh_max;
		ms->r0_j = im_uniform(&b->rng) * kh_max * 3600;
		for (int j = 0; j < mc->n_outputs; j++) {
			ms->line_seqno[j] = cfg->line_base[m][j];
			double h = mc->kh_wh[j] / 2 * 3600;
			ms->high[j] = fmod(floor(ms->r0_j / h), 2) == 1;
		}
	}
	return b;
}

void im_bench_free(struct im_bench *b)
{
	free(b);
}

int im_peek(struct im_bench *b, struct im_event *ret)
{
	int best_m = -1, best_j = -1;
	double best = INFINITY;
	for (int m = 0; m < b->cfg.n_meters; m++)
		for (int j = 0; j < b->cfg.meter[m].n_outputs; j++) {
			struct im_pending *n = &b->m[m].next[j];
			if (!n->valid)
				predict(b, m, j);
			if (!n->never && n->ts < best) {
				best = n->ts;
				best_m = m;
				best_j = j;
			}
		}
	if (best_m < 0)
		return 0;
	const struct im_pending *n = &b->m[best_m].next[best_j];
	memset(ret, 0, sizeof(*ret));
	ret->meter = best_m;
	ret->output = best_j;
	ret->true_s = n->t_update;
	ret->edge.timestamp_ns = llround(n->ts * RIG_NS_PER_S);
	ret->edge.line = b->cfg.meter[best_m].line[best_j];
	ret->edge.kind = n->kind;
	return 1;
}

void im_take(struct im_bench *b, struct im_event *ev)
{
	struct im_meter_state *ms = &b->m[ev->meter];
	int j = ev->output;
	ev->edge.global_seqno = ++b->global_seqno;
	ev->edge.line_seqno = ++ms->line_seqno[j];
	ms->toggles[j]++;
	ms->high[j] = !ms->high[j];
	ms->last_update[j] = ms->next[j].t_update;
	ms->next[j].valid = false;
}
