/* Measuring a point: its gates, counters and windows set up for every
 * position in it, and when each position has done. */
#include <string.h>

#include "rig/core/sequencer_internal.h"

#define EDGE_LATENCY_REAL_S 0.05

/* The reference's relative standard uncertainty at this setpoint: per
 * phase on the ranges its readings fall in, the worst phase for the sum
 * (taken as fully correlated: one instrument). */
static double reference_u_rel(const struct rig_seq *s)
{
	double worst = -1;
	for (int i = 0; i < 2; i++) {
		const typeof(s->sp.ph[0]) *ph = &s->sp.ph[i];
		if (ph->phase <= 0 || !(ph->current_a > 0))
			continue;
		double w = ph->voltage_v * ph->current_a *
			   fabs(cos((ph->current_angle_deg - ph->voltage_angle_deg) * M_PI / 180));
		double u = rig_fixture_ref_u_rel(s->fix, ph->voltage_v, ph->current_a, w);
		worst = fmax(worst, u);
	}
	return worst >= 0 ? worst : s->fix->ref_u_pct / 2 / 100;
}

static struct rig_gate_config gate_config(const struct rig_seq *s, const struct pos_state *ps,
					  int o)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate_config c = {
		.kh_wh = ps->kh[o],
		.duty = -1,
		.settle_until_ns = s->settle_until_ns,
		.max_until_ns = s->window_end_ns,
		.min_gate_s = p->min_gate_s,
		.min_edges = p->min_edges,
		.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF,
		.target_u_pct = p->target_u_pct,
		.fail_band_pct = p->kind == RIG_POINT_ACCURACY ||
					 ps->secondary[o] ? p->band_pct : 0,
		/* edges reach the rig within milliseconds of real time; a
		 * simulated bench stretches that by its time scale */
		.edge_latency_s = fmax(1.0, EDGE_LATENCY_REAL_S * s->fix->time_scale),
		.timing_sigma_s = s->fix->timing_sigma_s,
		/* declared by the fixture (a conservative default when not);
		 * the gate checks it against the edges */
		.quantum_s = s->fix->update_period_s,
		.reference = s->fix->reference,
		.ref_u_rel = reference_u_rel(s),
		/* both bounds, as rectangular distributions */
		.timebase_u_rel = s->fix->timebase_ppm * 1e-6 / sqrt(3.0),
		.source_u_rel = s->fix->source_stability_pct / 100 / sqrt(3.0),
		.ref_wh_per_pulse = s->fix->ref_wh_per_pulse,
		.primary_per_source = s->primary_per_source * ps->share,
	};
	/* a duty measured well on an earlier point lets gates end on either edge */
	if (ps->known_duty[o] >= 0 && ps->known_u_duty[o] <= 0.002) {
		c.duty = ps->known_duty[o];
		c.u_duty = ps->known_u_duty[o];
	}
	if (p->kind == RIG_POINT_OUTPUT_CONSISTENCY)
		c.ref_u_rel = 0;	/* shared by the outputs compared */
	return c;
}

/* An output this position's meter has and the fixture wires. */
static bool customer_output(const struct rig_seq *s, int i, int o)
{
	const struct rig_meter_model *m = &s->plan.pos[i].model;
	if (s->fix->pos[i][output_sig[o]].line < 0)
		return false;
	if (o < N_KH_OUTPUTS)
		return rig_model_has_output(m, output_kh[o]);
	return o == OUT_LOAD_LED || m->counter_kh > 0;
}

static void init_measurement(struct rig_seq *s, int i)
{
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	const struct rig_meter_model *m = &s->plan.pos[i].model;
	ps->done = false;
	memset(ps->gating, 0, sizeof(ps->gating));
	memset(ps->secondary, 0, sizeof(ps->secondary));
	ps->own_done_ns = 0;
	ps->first_look_s = 0;
	ps->power_led_dark = false;
	for (int o = 0; o < N_OUTPUTS; o++)
		ps->kh[o] = o == OUT_COUNTER ? m->counter_kh : output_kh[o];
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		for (int o = 0; o < N_OUTPUTS; o++) {
			bool want = p->kind == RIG_POINT_ACCURACY
					    ? o == output_index(p->output_kh)
					    : o < N_KH_OUTPUTS && rig_model_has_output(m, output_kh[o]);
			if (!want && p->kind == RIG_POINT_ACCURACY && customer_output(s, i, o))
				want = ps->secondary[o] = true;
			if (!want)
				continue;
			struct rig_gate_config c = gate_config(s, ps, o);
			rig_gate_init(&ps->gate[o], &c);
			if (ps->have_last_edge[o])
				rig_gate_prior_edge(&ps->gate[o], &ps->last_edge[o]);
			rig_gate_edges_complete(&ps->gate[o], s->edges_complete_ns);
			ps->gating[o] = true;
		}
		break;
	case RIG_POINT_CREEP:
	case RIG_POINT_STARTING_LOAD:
		rig_edge_count_init(&ps->count, s->settle_until_ns, s->window_end_ns);
		break;
	case RIG_POINT_PULSE_DUTY:
		rig_duty_init(&ps->duty, s->settle_until_ns, s->fix->timing_sigma_s);
		break;
	case RIG_POINT_REVERSE_LED:
		rig_led_init(&ps->led, s->settle_until_ns, s->window_end_ns, ps->led_level);
		break;
	case RIG_POINT_WARM_UP:
	case RIG_POINT_REGISTER:
		break;
	case RIG_POINT_CONNECTION_CHECK:
		for (int o = 0; o < N_OUTPUTS; o++) {
			ps->line_watched[o] = rig_model_has_output(m, output_kh[o]) &&
					      s->fix->pos[i][output_sig[o]].line >= 0;
			rig_edge_count_init(&ps->line_count[o], s->settle_until_ns, s->window_end_ns);
		}
		break;
	}
}

/* Settles (or not, for a retry on an unchanged load) and starts measuring. */
void seq_start_measuring(struct rig_seq *s, double settle)
{
	const struct rig_point *p = cur_point(s);
	s->settle_until_ns = s->now_ns + (int64_t)llround(settle * RIG_NS_PER_S);
	s->window_end_ns = s->settle_until_ns + (int64_t)llround(window_s(p) * RIG_NS_PER_S);
	s->reference_source_w = -1;
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			init_measurement(s, i);
	bool read_power = uses_gates(p) && s->fix->reference == RIG_REF_SOURCE_POWER;
	s->phase = read_power ? PH_SETTLING : PH_MEASURING;
	s->last_progress_ns = s->now_ns;
}

/* The meter's power at the point (primary watts), from the setpoint. */
static double point_power_w(const struct rig_seq *s, const struct pos_state *ps)
{
	return rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
}

static bool secondaries_done(struct rig_seq *s, struct pos_state *ps);

static void update_done(struct rig_seq *s, int i)
{
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	bool window_over = s->now_ns >= s->window_end_ns;
	struct rig_duty_result d;
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		ps->done = true;
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o]) {
				rig_gate_tick(&ps->gate[o], s->now_ns);
				if (!ps->secondary[o] && !gate_finished(&ps->gate[o]))
					ps->done = false;
			}
		if (ps->done)
			ps->done = secondaries_done(s, ps);
		break;
	case RIG_POINT_CREEP:
		ps->done = window_over || ps->count.edges > p->max_edges;
		break;
	case RIG_POINT_STARTING_LOAD:
		ps->done = window_over || ps->count.edges >= p->min_edges;
		break;
	case RIG_POINT_PULSE_DUTY:
		rig_duty_result(&ps->duty, &d);
		ps->done = window_over ||
			   (d.periods >= 3 && 2 * d.periods >= p->min_edges &&
			    s->now_ns - s->settle_until_ns >= (int64_t)(p->min_gate_s * RIG_NS_PER_S) &&
			    rig_check_duty(&d, 0.5, p->band_pct / 100) != RIG_VERDICT_INDETERMINATE);
		break;
	case RIG_POINT_REVERSE_LED:
	case RIG_POINT_WARM_UP:
	case RIG_POINT_REGISTER:
		ps->done = window_over;
		break;
	case RIG_POINT_CONNECTION_CHECK:
		ps->done = window_over || seq_connection_complete(s, ps);
		break;
	}
}

/* Share of the time the point has already gated that it may wait for a
 * slower output's own evidence. The point ends when its own output is done
 * unless a slower output's evidence (its next edge of the same direction
 * as its first, a full cycle; with no edge yet, the energy of one cycle,
 * which bounds a dead output) comes within this: bench time grows by at
 * most a quarter, the margin the production profile's time goal (1.25
 * times its physical limit) leaves. Beyond it the output is judged on
 * what it has, and says so where that decides nothing. */
#define REACH_FRACTION 0.25

/* Ends a secondary gate where it stands: as far as its edges are surely in. */
static void stop_secondary(struct rig_seq *s, struct rig_gate *g)
{
	int64_t known = s->now_ns - (int64_t)(g->cfg.edge_latency_s * RIG_NS_PER_S);
	if (known > s->edges_complete_ns)
		known = s->edges_complete_ns;
	if (known < s->settle_until_ns)
		known = s->settle_until_ns;
	if (known < g->cfg.max_until_ns)
		g->cfg.max_until_ns = known;
	rig_gate_tick(g, s->now_ns);
}

/* When a secondary output's own evidence is due, from its edges so far. */
static int64_t evidence_due_ns(const struct rig_seq *s, const struct pos_state *ps, int o)
{
	const struct rig_gate *g = &ps->gate[o];
	double w = point_power_w(s, ps), band = cur_point(s)->band_pct / 100;
	if (!(w > 0) || !(band < 1))
		return INT64_MAX;
	double cycle_s = ps->kh[o] * 3600 / w;
	double after_s = g->n > 0 ? cycle_s * (1 + band) : cycle_s / (1 - band);
	int64_t from = g->n > 0 ? g->t_ns[0] : s->settle_until_ns;
	return from + (int64_t)((after_s + g->cfg.edge_latency_s) * RIG_NS_PER_S);
}

static bool secondaries_done(struct rig_seq *s, struct pos_state *ps)
{
	if (ps->own_done_ns == 0)
		ps->own_done_ns = s->now_ns;
	double taken_ns = (double)(ps->own_done_ns - s->settle_until_ns);
	double cap = (double)ps->own_done_ns + REACH_FRACTION * (taken_ns > 0 ? taken_ns : 0);
	bool done = true;
	for (int o = 0; o < N_OUTPUTS; o++) {
		struct rig_gate *g = &ps->gate[o];
		if (!ps->gating[o] || !ps->secondary[o] || gate_finished(g))
			continue;
		int64_t due = evidence_due_ns(s, ps, o);
		if (s->now_ns < due && (double)due <= cap && due <= s->window_end_ns) {
			done = false;
			continue;
		}
		stop_secondary(s, g);
	}
	return done;
}

void seq_check_point_done(struct rig_seq *s)
{
	if (s->phase != PH_MEASURING)
		return;
	/* every position, before any waits on another: a done gate takes no
	 * edges, so one extended later would miss those that came meanwhile */
	for (int i = 0; i < s->fix->n_positions; i++)
		for (int o = 0; o < N_OUTPUTS; o++)
			if (s->pos[i].in_point && s->pos[i].gating[o] && !s->pos[i].secondary[o])
				seq_extend_indeterminate(s, &s->pos[i], o);
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (!s->pos[i].in_point)
			continue;
		update_done(s, i);
		if (!s->pos[i].done)
			return;
	}
	seq_finish_point(s);
}
