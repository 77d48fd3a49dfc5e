/* Setpoints and a settling output for the emulated source. */
#include "drivers/sim/source_model.h"

#include <math.h>
#include <string.h>

const double sim_volt_ranges[SIM_N_VOLT_RANGES] = { 23, 45, 90, 180, 360, 650, 1008 };
const double sim_curr_ranges[SIM_N_CURR_RANGES] = { 0.25, 0.5, 1, 2, 5, 10, 21 };

static int range_for(const double *table, int n, double max)
{
	for (int i = 0; i < n; i++)
		if (max <= table[i])
			return i;
	return -1;
}

int sim_volt_range_for(double max_v) { return range_for(sim_volt_ranges, SIM_N_VOLT_RANGES, max_v); }
int sim_curr_range_for(double max_a) { return range_for(sim_curr_ranges, SIM_N_CURR_RANGES, max_a); }

void sim_source_init(struct sim_source *s, double settle_s)
{
	memset(s, 0, sizeof(*s));
	s->settle_ns = (int64_t)(settle_s * 1e9);
	sim_source_reset(s, 0);
}

void sim_source_reset(struct sim_source *s, int64_t now_ns)
{
	for (int p = 0; p < SIM_PHASES; p++) {
		struct sim_phase_setting *ph = &s->set[p];
		memset(ph, 0, sizeof(*ph));
		/* largest ranges: any amplitude fits until a range is chosen */
		ph->volt_range = SIM_N_VOLT_RANGES - 1;
		ph->curr_range = SIM_N_CURR_RANGES - 1;
		ph->volt_harm_on = true;
		ph->curr_harm_on = true;
	}
	s->freq_hz = 60;
	s->output_on = false;
	s->wdog_on = false;	/* volatile, as on instruments that have one */
	s->wdog_delay_s = 60;
	sim_source_target(s, &s->from);
	s->t0_ns = s->t1_ns = now_ns;
}

void sim_source_target(const struct sim_source *s, struct sim_output *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->freq_hz = s->freq_hz;
	ret->on = s->output_on;
	for (int p = 0; p < SIM_PHASES; p++) {
		const struct sim_phase_setting *ph = &s->set[p];
		struct sim_phase_output *o = &ret->phase[p];
		bool v = s->output_on && ph->volt_on && ph->volt_harm_on;
		bool i = s->output_on && ph->curr_on && ph->curr_harm_on;
		o->volt_rms = v ? ph->volt_rms : 0;
		o->curr_rms = i ? ph->curr_rms : 0;
		o->volt_deg = ph->volt_deg;
		o->curr_deg = ph->curr_deg;
	}
}

static double lerp(double a, double b, double f) { return a + (b - a) * f; }

/* Angles move the short way round. */
static double lerp_deg(double a, double b, double f)
{
	double d = fmod(b - a, 360.0);
	if (d > 180)
		d -= 360;
	else if (d < -180)
		d += 360;
	return f >= 1 ? b : a + d * f;
}

void sim_source_output(const struct sim_source *s, int64_t t_ns, struct sim_output *ret)
{
	struct sim_output to;
	sim_source_target(s, &to);
	if (t_ns >= s->t1_ns || s->t1_ns <= s->t0_ns) {
		*ret = to;
		return;
	}
	double f = t_ns <= s->t0_ns ? 0 : (double)(t_ns - s->t0_ns) / (double)(s->t1_ns - s->t0_ns);
	*ret = to;
	ret->freq_hz = lerp(s->from.freq_hz, to.freq_hz, f);
	for (int p = 0; p < SIM_PHASES; p++) {
		const struct sim_phase_output *a = &s->from.phase[p];
		const struct sim_phase_output *b = &to.phase[p];
		struct sim_phase_output *o = &ret->phase[p];
		o->volt_rms = lerp(a->volt_rms, b->volt_rms, f);
		o->curr_rms = lerp(a->curr_rms, b->curr_rms, f);
		o->volt_deg = lerp_deg(a->volt_deg, b->volt_deg, f);
		o->curr_deg = lerp_deg(a->curr_deg, b->curr_deg, f);
	}
}

bool sim_source_settled(const struct sim_source *s, int64_t t_ns)
{
	return t_ns >= s->t1_ns;
}

void sim_source_before_change(struct sim_source *s, int64_t now_ns)
{
	struct sim_output now;
	sim_source_output(s, now_ns, &now);
	s->from = now;
	s->t0_ns = now_ns;
	s->t1_ns = now_ns + s->settle_ns;
}

void sim_source_set_output(struct sim_source *s, bool on, int64_t now_ns)
{
	if (on) {
		if (!s->output_on) {
			sim_source_before_change(s, now_ns);
			s->output_on = true;
		}
		return;
	}
	s->output_on = false;
	sim_source_target(s, &s->from);
	s->t0_ns = s->t1_ns = now_ns;
}

double sim_output_phase_watts(const struct sim_output *o, int phase)
{
	const struct sim_phase_output *p = &o->phase[phase];
	return p->volt_rms * p->curr_rms * cos((p->volt_deg - p->curr_deg) * M_PI / 180.0);
}

double sim_output_total_watts(const struct sim_output *o)
{
	double w = 0;
	for (int p = 0; p < SIM_PHASES; p++)
		w += sim_output_phase_watts(o, p);
	return w;
}
