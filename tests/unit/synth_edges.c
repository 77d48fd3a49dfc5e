#include "synth_edges.h"

#include <math.h>
#include <string.h>

/* splitmix64: small, deterministic, good enough for test noise */
static uint64_t next_u64(struct synth_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void synth_rng_seed(struct synth_rng *r, uint64_t seed)
{
	r->s = seed;
}

double synth_uniform(struct synth_rng *r)
{
	return (double)(next_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double synth_gauss(struct synth_rng *r)
{
	double u1 = synth_uniform(r), u2 = synth_uniform(r);
	return sqrt(-2.0 * log(1.0 - u1)) * cos(2 * M_PI * u2);
}

void synth_meter_init(struct synth_meter *m, const struct synth_meter_cfg *cfg, uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	synth_rng_seed(&m->rng, seed);
	m->last_ns = INT64_MIN;
}

/* Time of edge number k (0 = first edge after start): edges sit at
 * registered energies (j + duty) Kh (falling) and (j + 1) Kh (rising) past
 * the phase. */
static double edge_time_s(const struct synth_meter *m, uint64_t k, enum rig_edge_kind *kind)
{
	const struct synth_meter_cfg *c = &m->cfg;
	double ph = c->phase_pulses;
	/* the output is high on [j, j + duty) in pulses */
	bool in_high = ph < c->duty;
	uint64_t j = k / 2;
	double e;
	if (in_high) {	/* next edge is falling at duty, then rising at 1 */
		e = (k % 2 == 0) ? j + c->duty : j + 1.0;
		*kind = (k % 2 == 0) ? RIG_EDGE_FALLING : RIG_EDGE_RISING;
	} else {
		e = (k % 2 == 0) ? j + 1.0 : j + 1.0 + c->duty;
		*kind = (k % 2 == 0) ? RIG_EDGE_RISING : RIG_EDGE_FALLING;
	}
	double registered_w = c->power_w * (1 + c->error_pct / 100);
	return (e - ph) * c->kh_wh * 3600.0 / registered_w;
}

void synth_meter_next(struct synth_meter *m, struct rig_edge *ret)
{
	for (;;) {
		enum rig_edge_kind kind;
		double t = edge_time_s(m, m->ordinal, &kind);
		uint64_t ordinal = m->ordinal++;
		m->line_seqno++;
		double noise = m->cfg.jitter_s * synth_gauss(&m->rng);
		if (m->cfg.lose_count && ordinal >= m->cfg.lose_from &&
		    ordinal < m->cfg.lose_from + m->cfg.lose_count)
			continue;
		if (m->cfg.quantum_s > 0)
			t = ceil(t / m->cfg.quantum_s) * m->cfg.quantum_s;
		int64_t ns = m->cfg.start_ns + (int64_t)llround((t + noise) * 1e9);
		if (ns <= m->last_ns)
			ns = m->last_ns + 1;
		m->last_ns = ns;
		ret->timestamp_ns = ns;
		ret->kind = kind;
		ret->line = m->cfg.line;
		ret->line_seqno = m->line_seqno;
		ret->global_seqno = m->line_seqno;
		return;
	}
}

void synth_standard_init(struct synth_standard *s, double wh_per_pulse, double power_w,
			 int64_t start_ns)
{
	memset(s, 0, sizeof(*s));
	s->wh_per_pulse = wh_per_pulse;
	s->power_w = power_w;
	s->start_ns = start_ns;
}

int64_t synth_standard_peek(const struct synth_standard *s)
{
	double half_s = s->wh_per_pulse * 3600.0 / s->power_w / 2;
	return s->start_ns + (int64_t)llround((double)(s->half_periods + 1) * half_s * 1e9);
}

void synth_standard_next(struct synth_standard *s, struct rig_edge *ret)
{
	ret->timestamp_ns = synth_standard_peek(s);
	s->half_periods++;
	ret->kind = s->half_periods % 2 ? RIG_EDGE_RISING : RIG_EDGE_FALLING;
	ret->line_seqno = ret->global_seqno = ++s->seqno;
	ret->line = 99;
}
