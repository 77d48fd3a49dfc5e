#include "tests/bench/limits.h"

#include <math.h>

#include "tests/bench/vbench.h"

double vb_span_sigma_s(const struct vb_timing *t)
{
	/* Each end: jitter plus a uniform lateness of up to one quantum. */
	return sqrt(2 * (t->jitter_s * t->jitter_s + t->quantum_s * t->quantum_s / 12));
}

static double coarsest_kh(const struct rig_meter_model *m)
{
	return m->n_outputs > 0 ? m->outputs_kh[m->n_outputs - 1] : 10;
}

/* Span whose end-point timing gives an expanded (k = 2) uncertainty of
 * target_pct together with a reference of relative standard uncertainty
 * u_ref; INFINITY when the reference alone exceeds the target. */
static double span_for_target(double target_pct, double u_ref, const struct vb_timing *t)
{
	double u_total = target_pct / 2 / 100;
	double u_time2 = u_total * u_total - u_ref * u_ref;
	if (!(u_time2 > 0))
		return INFINITY;
	return vb_span_sigma_s(t) / sqrt(u_time2);
}

static int intervals_for(double span_s, double edge_s)
{
	if (!isfinite(span_s))
		return -1;
	return (int)ceil(span_s / edge_s - 1e-9);
}

void vb_limit(const struct rig_point *p, const struct rig_fixture *f,
	      const struct rig_meter_model *m, const struct vb_timing *t, struct vb_limit *ret)
{
	ret->settle_s = p->settle_s > f->settle_s ? p->settle_s : f->settle_s;
	double watts = vb_point_power_w(p, m);
	double kh = p->kind == RIG_POINT_OUTPUT_CONSISTENCY ? coarsest_kh(m) : p->output_kh;
	/* a 50 % duty output: an edge every Kh / 2 Wh */
	ret->edge_s = watts > 0 ? kh / 2 * 3600 / watts : INFINITY;
	ret->bound = "min_edges";
	int n = p->min_edges > 1 ? p->min_edges - 1 : 1;
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY: {
		/* outputs compared share the reference: only timing counts there */
		double u_ref = p->kind == RIG_POINT_ACCURACY ? f->ref_u_pct / 2 / 100 : 0;
		int nu = intervals_for(span_for_target(p->target_u_pct, u_ref, t), ret->edge_s);
		if (nu < 0) {
			ret->intervals = -1;
			ret->span_s = ret->total_s = INFINITY;
			ret->bound = "reference";
			return;
		}
		if (nu > n) {
			n = nu;
			ret->bound = "uncertainty";
		}
		break;
	}
	case RIG_POINT_CREEP:
		/* no edges is the evidence: the whole window */
		ret->intervals = 0;
		ret->span_s = p->max_gate_s;
		ret->total_s = ret->settle_s + ret->span_s;
		ret->bound = "window";
		return;
	case RIG_POINT_REVERSE_LED:
		ret->intervals = 0;
		ret->span_s = p->min_gate_s;
		ret->total_s = ret->settle_s + ret->span_s;
		ret->bound = "min_gate";
		return;
	case RIG_POINT_WARM_UP:
		/* the load applied for the window: that is the point */
		ret->intervals = 0;
		ret->span_s = p->max_gate_s;
		ret->total_s = ret->settle_s + ret->span_s;
		ret->bound = "window";
		return;
	case RIG_POINT_CONNECTION_CHECK:
		/* a first edge on the finest output shows the wiring */
		ret->intervals = 1;
		ret->span_s = fmin(ret->edge_s, p->max_gate_s);
		ret->total_s = ret->settle_s + ret->span_s;
		ret->bound = "first edge";
		return;
	case RIG_POINT_REGISTER:
		/* the energy at the point's power, a settle on and one off; the
		 * readings are the operator's time, not the bench's */
		ret->intervals = 0;
		ret->span_s = watts > 0 ? p->energy_wh * 3600 / watts : INFINITY;
		ret->total_s = 2 * ret->settle_s + ret->span_s;
		ret->bound = "energy";
		return;
	case RIG_POINT_STARTING_LOAD:
	case RIG_POINT_PULSE_DUTY:
		break;
	}
	int ng = intervals_for(p->min_gate_s, ret->edge_s);
	if (p->kind != RIG_POINT_STARTING_LOAD && ng > n) {
		n = ng;
		ret->bound = "min_gate";
	}
	ret->intervals = n;
	ret->span_s = n * ret->edge_s;
	ret->total_s = ret->settle_s + ret->span_s;
}
