/* Emulated meter registration, pulse outputs, LEDs and reference standard. */
#include "drivers/sim/meter_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG ----------------------------------------------------------------- */

void sim_prng_seed(struct sim_prng *r, uint64_t seed) { r->state = seed; }

uint64_t sim_prng_next(struct sim_prng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_prng_uniform(struct sim_prng *r)
{
	return (double)(sim_prng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double sim_prng_gauss(struct sim_prng *r)
{
	double u1 = sim_prng_uniform(r), u2 = sim_prng_uniform(r);
	return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

/* ---- edge buffer ---------------------------------------------------------- */

int sim_edge_buf_push(struct sim_edge_buf *b, int64_t ts, uint32_t line, enum rig_edge_kind kind)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct sim_raw_edge *e = realloc(b->e, cap * sizeof(*e));
		if (!e)
			return -1;
		b->e = e;
		b->cap = cap;
	}
	b->e[b->n++] = (struct sim_raw_edge){ .timestamp_ns = ts, .line = line, .kind = kind,
					       .order = b->pushed++ };
	return 0;
}

void sim_edge_buf_free(struct sim_edge_buf *b)
{
	free(b->e);
	memset(b, 0, sizeof(*b));
}

/* ---- error curve ---------------------------------------------------------- */

double sim_error_pct(const struct sim_error_curve *c, const struct rig_meter_model *m,
		     double primary_a, double pf, double volts, double hz)
{
	double e = c->base_pct + c->pf_pct * (1 - fabs(pf)) + c->per_hz_pct * (hz - 60);
	if (primary_a > 0 && m->rated_current_a > 0)
		e += c->per_decade_pct * log10(m->rated_current_a / primary_a);
	if (m->element_voltage_v > 0)
		e += c->per_volt_pct * 100 * (volts / m->element_voltage_v - 1);
	return e;
}

/* ---- pulse outputs -------------------------------------------------------- */

static void pulse_init(struct sim_pulse_out *o, double kh, double duty)
{
	memset(o, 0, sizeof(*o));
	o->kh = kh;
	o->duty = duty;
}

static double next_rise(const struct sim_pulse_out *o) { return ((double)o->rises + 1 - o->duty) * o->kh; }
static double next_fall(const struct sim_pulse_out *o) { return ((double)o->falls + 1) * o->kh; }

/* Energy threshold of the next edge of o, or INFINITY for no output. */
static double next_threshold(const struct sim_pulse_out *o, enum rig_edge_kind *ret_kind)
{
	if (o->kh <= 0)
		return INFINITY;
	double r = next_rise(o), f = next_fall(o);
	*ret_kind = r < f ? RIG_EDGE_RISING : RIG_EDGE_FALLING;
	return r < f ? r : f;
}

static void pass_threshold(struct sim_pulse_out *o, enum rig_edge_kind kind)
{
	if (kind == RIG_EDGE_RISING)
		o->rises++;
	else
		o->falls++;
	o->level = kind == RIG_EDGE_RISING;
}

/* ---- meter ---------------------------------------------------------------- */

double sim_meter_current_ratio(const struct sim_meter_cfg *cfg)
{
	if (cfg->injection == RIG_INJECT_PRIMARY_TURNS)
		return cfg->turns > 0 ? cfg->turns : 1;
	const struct rig_meter_model *m = &cfg->model;
	return m->ct_secondary_a > 0 ? m->ct_primary_a / m->ct_secondary_a : 1;
}

static int source_phase_of(const struct sim_meter_cfg *cfg, int element)
{
	int p = cfg->source_phase[element];
	if (p < 1 || p > SIM_PHASES)
		p = element + 1;
	return p - 1;
}

static int n_elements(const struct sim_meter_cfg *cfg)
{
	return cfg->model.elements == 2 ? 2 : 1;
}

void sim_meter_init(struct sim_meter *m, const struct sim_meter_cfg *cfg,
		    const int line[RIG_SIG_COUNT], uint64_t seed, int64_t start_ns)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (m->cfg.duty <= 0 || m->cfg.duty >= 1)
		m->cfg.duty = 0.5;
	if (m->cfg.update_period_s <= 0)
		m->cfg.update_period_s = 1.0 / 60;
	m->period_ns = (int64_t)llround(m->cfg.update_period_s * 1e9);
	if (m->period_ns < 1000)
		m->period_ns = 1000;
	m->next_step_ns = start_ns + m->period_ns;
	for (int s = 0; s < RIG_SIG_COUNT; s++) {
		m->line[s] = line ? line[s] : -1;
		m->last_ts[s] = start_ns;
	}
	const struct rig_meter_model *mm = &m->cfg.model;
	double d = m->cfg.duty;
	pulse_init(&m->out[RIG_SIG_KH10], rig_model_has_output(mm, 10) ? 10 : 0, d);
	pulse_init(&m->out[RIG_SIG_KH100], rig_model_has_output(mm, 100) ? 100 : 0, d);
	pulse_init(&m->out[RIG_SIG_KH1000], rig_model_has_output(mm, 1000) ? 1000 : 0, d);
	pulse_init(&m->out[RIG_SIG_COUNTER], mm->counter_kh, d);
	pulse_init(&m->out[RIG_SIG_LOAD_LED], SIM_LOAD_LED_KH, 0.5);
	for (int s = 0; s < RIG_SIG_COUNT; s++)
		if (m->cfg.wrong_ratio_mask & (1u << s))
			m->out[s].kh *= 10;
	sim_prng_seed(&m->rng, seed);
}

double sim_meter_power(const struct sim_meter *m, const struct sim_output *o, double *ret_true_w)
{
	double ratio = sim_meter_current_ratio(&m->cfg);
	double registered = 0, truth = 0;
	for (int el = 0; el < n_elements(&m->cfg); el++) {
		const struct sim_phase_output *ph = &o->phase[source_phase_of(&m->cfg, el)];
		double amps = ph->curr_rms * ratio;
		double pf = cos((ph->volt_deg - ph->curr_deg) * M_PI / 180.0);
		double p = ph->volt_rms * amps * pf;
		truth += p;
		if (m->cfg.reversed_ct[el])
			p = -p;
		double e = sim_error_pct(&m->cfg.error, &m->cfg.model, amps, pf, ph->volt_rms, o->freq_hz);
		registered += p * (1 + e / 100);
	}
	if (ret_true_w)
		*ret_true_w = truth;
	return registered;
}

/* ret_current: any current at all; ret_started: some element at or above
 * the starting current; ret_led_defined: some element above the reverse
 * LED's 1 A, and then ret_reversed says whether the net power is negative. */
static void element_state(const struct sim_meter *m, const struct sim_output *o,
			  bool *ret_voltage, bool *ret_reversed, bool *ret_current, bool *ret_started,
			  bool *ret_led_defined)
{
	double ratio = sim_meter_current_ratio(&m->cfg);
	double v_min = SIM_POWER_LED_MIN_FRACTION * m->cfg.model.element_voltage_v;
	double net = 0;
	*ret_voltage = *ret_reversed = *ret_current = *ret_started = *ret_led_defined = false;
	for (int el = 0; el < n_elements(&m->cfg); el++) {
		const struct sim_phase_output *ph = &o->phase[source_phase_of(&m->cfg, el)];
		double amps = ph->curr_rms * ratio;
		double p = ph->volt_rms * amps * cos((ph->volt_deg - ph->curr_deg) * M_PI / 180.0);
		if (m->cfg.reversed_ct[el])
			p = -p;
		if (ph->volt_rms > 0 && ph->volt_rms >= v_min)
			*ret_voltage = true;
		if (amps > 0)
			*ret_current = true;
		if (amps > 0 && amps >= m->cfg.starting_a)
			*ret_started = true;
		if (amps > SIM_REVERSE_LED_MIN_A)
			*ret_led_defined = true;
		net += p;
	}
	/* a margin, so that two equal elements in opposition read as zero */
	*ret_reversed = *ret_led_defined && net < -1e-6;
}

static int64_t jittered(struct sim_meter *m, int64_t t)
{
	double sigma = m->cfg.jitter_sigma_s;
	if (sigma <= 0)
		return t;
	double g = sim_prng_gauss(&m->rng);
	if (g > 4)
		g = 4;
	else if (g < -4)
		g = -4;
	return t + (int64_t)llround(g * sigma * 1e9);
}

static int emit(struct sim_meter *m, enum rig_signal s, int64_t t, enum rig_edge_kind kind,
		struct sim_edge_buf *out)
{
	m->level[s] = kind == RIG_EDGE_RISING;
	if (m->line[s] < 0)
		return 0;
	/* one line's edges stay in order whatever the jitter */
	if (t < m->last_ts[s])
		t = m->last_ts[s];
	m->last_ts[s] = t;
	return sim_edge_buf_push(out, t, (uint32_t)m->line[s], kind);
}

static int set_led(struct sim_meter *m, enum rig_signal s, bool on, int64_t t, struct sim_edge_buf *out)
{
	if (m->cfg.stuck_on_mask & (1u << s))
		on = true;
	if (m->level[s] == on || (m->cfg.dead_mask & (1u << s)))
		return 0;
	return emit(m, s, t, on ? RIG_EDGE_RISING : RIG_EDGE_FALLING, out);
}

static int register_energy(struct sim_meter *m, double wh, int64_t t, struct sim_edge_buf *out)
{
	m->registered_wh += wh;
	static const enum rig_signal driven[] = { RIG_SIG_KH10, RIG_SIG_KH100, RIG_SIG_KH1000,
						  RIG_SIG_COUNTER, RIG_SIG_LOAD_LED };
	for (size_t i = 0; i < sizeof(driven) / sizeof(driven[0]); i++) {
		enum rig_signal s = driven[i];
		struct sim_pulse_out *o = &m->out[s];
		enum rig_edge_kind kind = RIG_EDGE_RISING;
		while (next_threshold(o, &kind) <= m->registered_wh) {
			pass_threshold(o, kind);
			if (m->cfg.dead_mask & (1u << s))
				continue;
			if (m->cfg.stuck_on_mask & (1u << s)) {
				if (set_led(m, s, true, t, out) < 0)
					return -1;
				continue;
			}
			int64_t ts = s == RIG_SIG_LOAD_LED ? t : jittered(m, t);
			if (emit(m, s, ts, kind, out) < 0)
				return -1;
		}
	}
	return 0;
}

int sim_meter_run(struct sim_meter *m, const struct sim_source *src, int64_t until_ns,
		  struct sim_edge_buf *out)
{
	while (m->next_step_ns <= until_ns) {
		int64_t end = m->next_step_ns;
		double dt = m->period_ns / 1e9;
		struct sim_output o;
		sim_source_output(src, end - m->period_ns / 2, &o);

		double truth;
		double watts = sim_meter_power(m, &o, &truth);
		bool voltage, reversed, current, started, led_defined;
		element_state(m, &o, &voltage, &reversed, &current, &started, &led_defined);
		if (voltage && !current)
			watts = m->cfg.creep_w;
		else if (!started)
			watts = 0;	/* below the starting current */
		if (!voltage)
			watts = 0;	/* the meter is not powered */
		m->true_wh += truth * dt / 3600;
		if (watts > 0 && register_energy(m, watts * dt / 3600, end, out) < 0)
			return -1;
		if (set_led(m, RIG_SIG_POWER_LED, voltage, end, out) < 0 ||
		    set_led(m, RIG_SIG_REVERSE_LED,
			    voltage && (led_defined ? reversed : m->level[RIG_SIG_REVERSE_LED]), end,
			    out) < 0)
			return -1;
		m->next_step_ns += m->period_ns;
	}
	return 0;
}

/* ---- reference standard --------------------------------------------------- */

#define SIM_REFERENCE_STEP_NS 1000000	/* power is taken as constant over 1 ms */

void sim_reference_init(struct sim_reference *r, double wh_per_pulse, int line, int64_t start_ns)
{
	memset(r, 0, sizeof(*r));
	r->wh_per_pulse = wh_per_pulse;
	r->line = line;
	pulse_init(&r->out, wh_per_pulse, 0.5);
	r->period_ns = SIM_REFERENCE_STEP_NS;
	r->next_step_ns = start_ns + r->period_ns;
	r->last_ts = start_ns;
}

int sim_reference_run(struct sim_reference *r, const struct sim_source *src, int64_t until_ns,
		      struct sim_edge_buf *out)
{
	if (r->wh_per_pulse <= 0) {
		if (r->next_step_ns <= until_ns)
			r->next_step_ns = until_ns + 1;
		return 0;
	}
	while (r->next_step_ns <= until_ns) {
		int64_t start = r->next_step_ns - r->period_ns;
		struct sim_output o;
		sim_source_output(src, start + r->period_ns / 2, &o);
		double watts = sim_output_total_watts(&o);
		double e0 = r->wh;
		if (watts > 0) {
			double de = watts * (r->period_ns / 1e9) / 3600;
			r->wh = e0 + de;
			enum rig_edge_kind kind = RIG_EDGE_RISING;
			double th;
			while ((th = next_threshold(&r->out, &kind)) <= r->wh) {
				pass_threshold(&r->out, kind);
				/* exact crossing time inside the step */
				int64_t ts = start + (int64_t)llround((th - e0) / de * (double)r->period_ns);
				if (ts < r->last_ts)
					ts = r->last_ts;
				r->last_ts = ts;
				if (r->line >= 0 && sim_edge_buf_push(out, ts, (uint32_t)r->line, kind) < 0)
					return -1;
			}
		}
		r->next_step_ns += r->period_ns;
	}
	return 0;
}

static double register_ratio(const struct sim_meter *m)
{
	return m->cfg.register_ratio > 0 ? m->cfg.register_ratio : 1;
}

double sim_meter_lcd_kwh(const struct sim_meter *m)
{
	if (!m->cfg.model.lcd)
		return -1;
	double res = m->cfg.register_resolution_kwh > 0 ? m->cfg.register_resolution_kwh : 0.1;
	double kwh = m->cfg.register_kwh + register_ratio(m) * m->registered_wh / 1000;
	/* the last digit truncated, as a counter shows it; a hair of rounding
	 * noise is not a digit */
	return floor(kwh / res + 1e-9) * res;
}

void sim_meter_set_register_ratio(struct sim_meter *m, double ratio)
{
	m->cfg.register_kwh += (register_ratio(m) - ratio) * m->registered_wh / 1000;
	m->cfg.register_ratio = ratio;
}

/* Wh per cycle of output s as the model has it (0: none). */
static double model_kh(const struct sim_meter *m, enum rig_signal s)
{
	const struct rig_meter_model *mm = &m->cfg.model;
	switch (s) {
	case RIG_SIG_KH10:
	case RIG_SIG_KH100:
	case RIG_SIG_KH1000: {
		double kh = s == RIG_SIG_KH10 ? 10 : s == RIG_SIG_KH100 ? 100 : 1000;
		return rig_model_has_output(mm, kh) ? kh : 0;
	}
	case RIG_SIG_COUNTER:
		return mm->counter_kh;
	case RIG_SIG_LOAD_LED:
		return SIM_LOAD_LED_KH;
	default:
		return 0;
	}
}

void sim_meter_set_wrong_ratio(struct sim_meter *m, enum rig_signal s, bool wrong)
{
	if ((int)s < 0 || s >= RIG_SIG_COUNT)
		return;
	if (wrong)
		m->cfg.wrong_ratio_mask |= 1u << s;
	else
		m->cfg.wrong_ratio_mask &= ~(1u << s);
	struct sim_pulse_out *o = &m->out[s];
	o->kh = model_kh(m, s) * (wrong ? 10 : 1);
	if (o->kh <= 0)
		return;
	/* whole cycles of the new ratio so far: the next edges follow from here */
	uint64_t cycles = (uint64_t)floor(m->registered_wh / o->kh);
	o->rises = o->falls = cycles;
}
