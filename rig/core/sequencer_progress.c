/* Progress reports: the U the slowest position has reached, and the time
 * the run still needs, estimated from the points left. */
#include "rig/core/sequencer_internal.h"

static double estimate_point_s(const struct rig_seq *s, int k)
{
	const struct rig_point *p = &s->prof->points[k];
	double settle = p->settle_s > s->fix->settle_s ? p->settle_s : s->fix->settle_s;
	if (!uses_gates(p))
		return settle + p->max_gate_s;
	struct rig_setpoint sp;
	double gate = p->max_gate_s;
	bool applies[RIG_MAX_POSITIONS];
	const struct rig_meter_model *m = seq_point_positions(s, k, applies);
	if (!m)
		return 0;	/* skipped */
	if (rig_setpoint_for_point(p, m, s->fix, NULL, &sp, NULL) == 0) {
		double w = rig_setpoint_meter_power_w(&sp, s->primary_per_source);
		double kh = p->kind == RIG_POINT_ACCURACY ? p->output_kh : 10;
		int edges = p->min_edges > 5 ? p->min_edges : 5;
		if (w > 0) {
			double need = (edges - 1) * kh / 2 * 3600 / w;
			if (need < p->min_gate_s)
				need = p->min_gate_s;
			if (need < gate)
				gate = need;
		}
	}
	return settle + gate;
}

static double slowest_u(const struct rig_seq *s, double *ret_remaining_s)
{
	double u_max = -1, rem = 0;
	double to_end = (double)(s->window_end_ns - s->now_ns) / RIG_NS_PER_S;
	for (int i = 0; i < s->fix->n_positions; i++) {
		const struct pos_state *ps = &s->pos[i];
		if (!ps->in_point || ps->done)
			continue;
		double r = to_end;
		for (int o = 0; o < N_OUTPUTS; o++) {
			if (!ps->gating[o] || ps->secondary[o])
				continue;
			struct rig_gate_result g;
			rig_gate_progress(&ps->gate[o], &g);
			if (g.u_pct > u_max)
				u_max = g.u_pct;
			double target = cur_point(s)->target_u_pct;
			/* U falls at least as 1 / gate time once the fit has begun */
			if (g.u_pct > 0 && g.gate_s > 0 && target > 0) {
				double more = g.gate_s * (g.u_pct / target - 1);
				if (more < r)
					r = more;
			}
		}
		if (r > rem)
			rem = r;
	}
	*ret_remaining_s = rem > 0 ? rem : 0;
	return u_max;
}

void seq_progress(struct rig_seq *s)
{
	struct rig_seq_event *ev = seq_push(s, RIG_EV_PROGRESS);
	double rem = 0;
	ev->point_u_pct = s->phase == PH_MEASURING ? slowest_u(s, &rem) : -1;
	if (s->phase != PH_MEASURING)
		rem = estimate_point_s(s, s->point);
	for (int k = s->point + 1; k < s->prof->n_points; k++)
		rem += estimate_point_s(s, k);
	ev->elapsed_s = (double)(s->now_ns - s->run_start_ns) / RIG_NS_PER_S;
	ev->remaining_s = rem;
	s->last_progress_ns = s->now_ns;
}
