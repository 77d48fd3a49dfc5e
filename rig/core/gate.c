/* Percent registration from the meter's own edges.
 *
 * Estimator. Every edge j of the gate sits at a known registered energy:
 * x_j = m_j + f * o_j pulses from the first edge, m_j = j / 2 whole periods,
 * o_j = 1 for edges of the other direction than the first, and f the energy
 * fraction between the first edge's direction and the opposite one (the
 * duty d when the gate starts on a rising edge, 1 - d on a falling one).
 * The reference energy y_j at each edge (integrated source power, or counted
 * standard pulses) is fitted by least squares against it:
 *     duty known:   y = a + b x            (x uses f)
 *     duty unknown: y = a + b m + c o      (c / b measures f)
 * b is the reference energy per registered pulse, so %R = 100 Kh / b.
 * With 2 edges (or 3 with the duty unknown) this is exactly the span from
 * the first to the last same-direction edge; with many it uses every edge,
 * so jitter averages as n^-3/2 instead of n^-1, and the residuals show the
 * timing scatter the prior cannot know (the meter's pulse-update
 * quantization). Fitting against reference energy rather than time keeps
 * it right when the reference power steps during the gate.
 *
 * Uncertainty (relative, combined in quadrature): the slope's standard
 * uncertainty from the per-edge scatter, the reference (ref_u_rel), the
 * duty when opposite edges use a handed-in duty (the slope's sensitivity to
 * f, found by refitting), and the meter's declared pulse-update quantum. Per-edge scatter is the prior (timing sigma times
 * the reference power, plus the standard's count quantization) until the
 * residuals have RIG_GATE_MIN_SCATTER_DOF or more degrees of freedom and
 * exceed it; then the residual standard deviation is used and the coverage
 * factor is Student's t at the Welch-Satterthwaite dof (k = 2 otherwise). */
#include "rig/core/gate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/stats.h"

#define WH_PER_WS (1.0 / 3600.0)

void rig_gate_init(struct rig_gate *g, const struct rig_gate_config *cfg)
{
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	if (!(g->cfg.primary_per_source > 0))
		g->cfg.primary_per_source = 1;
	if (g->cfg.min_edges < 2)
		g->cfg.min_edges = 2;
	g->state = RIG_GATE_SETTLING;
	g->complete_ns = INT64_MIN;	/* nothing proven yet */
}

static bool finished(const struct rig_gate *g)
{
	return g->state == RIG_GATE_DONE || g->state == RIG_GATE_TIMED_OUT ||
	       g->state == RIG_GATE_INVALID;
}

/* Source energy (Wh) integrated from the first power given up to t_ns. */
static double source_energy_at(const struct rig_gate *g, int64_t t_ns)
{
	return g->energy_before_wh +
	       g->power_w * (double)(t_ns - g->power_since_ns) / RIG_NS_PER_S * WH_PER_WS;
}

static void open_window(struct rig_gate *g, int64_t t_ns);

static void gate_waiting_edges(struct rig_gate *g);

void rig_gate_reference_power(struct rig_gate *g, int64_t t_ns, double watts)
{
	bool first = !g->have_power;
	if (g->have_power && t_ns > g->power_since_ns)
		g->energy_before_wh = source_energy_at(g, t_ns);
	g->power_w = watts;
	g->power_since_ns = t_ns;
	g->have_power = true;
	open_window(g, t_ns);
	if (first)
		gate_waiting_edges(g);
}

void rig_gate_reference_edge(struct rig_gate *g, const struct rig_edge *e)
{
	if (e->kind == RIG_EDGE_RISING)
		g->ref_count++;
	open_window(g, e->timestamp_ns);
}

static double reference_wh_at(const struct rig_gate *g, int64_t t_ns)
{
	double source_wh = g->cfg.reference == RIG_REF_STANDARD_PULSES
				   ? (double)g->ref_count * g->cfg.ref_wh_per_pulse
				   : source_energy_at(g, t_ns);
	return source_wh * g->cfg.primary_per_source;
}

/* The window for the few-edges bound opens at the settle time once the
 * source power is known. Only with that reference: the bound needs the
 * reference energy at the window's exact ends, and counted standard pulses
 * are known only up to the last pulse read, which may lie after the end
 * (a gate with the standard-gated method and too few edges stays without
 * a result, as before). */
static void open_window(struct rig_gate *g, int64_t t_ns)
{
	if (g->window_open || t_ns < g->cfg.settle_until_ns ||
	    g->cfg.reference != RIG_REF_SOURCE_POWER || !g->have_power)
		return;
	g->window_open = true;
	g->window_start_ns = g->power_since_ns > g->cfg.settle_until_ns ? g->power_since_ns
									 : g->cfg.settle_until_ns;
	g->window_start_wh = reference_wh_at(g, g->window_start_ns);
}

static enum rig_gate_state set_invalid(struct rig_gate *g, const char *why)
{
	g->state = RIG_GATE_INVALID;
	snprintf(g->why, sizeof(g->why), "%s", why);
	return g->state;
}

/* Before the gate a loss only breaks the chain (the gate starts after it),
 * but the few-edges bound counts every edge since the settle time: a loss
 * then voids it. The input reports a loss without its time, so any loss
 * reported while settling counts. */
static void lost_before_gate(struct rig_gate *g, bool in_window)
{
	g->seen_any = false;
	g->n_waiting = 0;
	if (in_window)
		g->lost_in_window = true;
}

void rig_gate_lost(struct rig_gate *g, uint64_t count)
{
	if (finished(g) || count == 0)
		return;
	g->lost += count;
	char why[96];
	snprintf(why, sizeof(why), "%llu edges lost by the edge input",
		 (unsigned long long)count);
	if (g->state == RIG_GATE_GATING)
		set_invalid(g, why);
	else
		lost_before_gate(g, true);
}

void rig_gate_maybe_lost(struct rig_gate *g)
{
	if (!finished(g))
		g->suspect = true;
}

void rig_gate_edges_complete(struct rig_gate *g, int64_t t_ns)
{
	if (t_ns > g->complete_ns)
		g->complete_ns = t_ns;
}

/* Stream consistency: seqno gaps, repeats, reversed time, repeated kinds. */
static bool edge_consistent(struct rig_gate *g, const struct rig_edge *e)
{
	char why[96];
	/* an edge from before the set-up numbered on or after this one: the
	 * input was opened again (numbers restart), so no chain to check */
	if (g->prior_only && (e->line_seqno <= g->last_line_seqno || e->timestamp_ns < g->last_t_ns))
		g->seen_any = false;
	g->prior_only = false;
	bool chained = g->seen_any;	/* its line seqno can be checked */
	if (g->seen_any) {
		if (e->line_seqno <= g->last_line_seqno) {
			snprintf(why, sizeof(why), "line seqno %llu after %llu (repeated or backwards)",
				 (unsigned long long)e->line_seqno,
				 (unsigned long long)g->last_line_seqno);
			set_invalid(g, why);
			return false;
		}
		if (e->timestamp_ns < g->last_t_ns) {
			set_invalid(g, "edge timestamp went backwards");
			return false;
		}
		uint64_t gap = e->line_seqno - g->last_line_seqno - 1;
		if (gap > 0) {
			g->lost += gap;
			if (g->state == RIG_GATE_GATING) {
				snprintf(why, sizeof(why), "%llu edges lost (line seqno gap)",
					 (unsigned long long)gap);
				set_invalid(g, why);
				return false;
			}
			/* lost somewhere since this line's last edge: inside the
			 * window unless this edge is before it */
			lost_before_gate(g, e->timestamp_ns > g->cfg.settle_until_ns);
		} else if (e->kind == g->last_kind) {
			snprintf(why, sizeof(why), "two %s edges in a row (coalesced or misread)",
				 e->kind == RIG_EDGE_RISING ? "rising" : "falling");
			set_invalid(g, why);
			return false;
		}
	}
	g->seen_any = true;
	g->last_line_seqno = e->line_seqno;
	g->last_t_ns = e->timestamp_ns;
	g->last_kind = (uint8_t)e->kind;
	/* this line's numbers are checked up to here: a loss reported on
	 * lines not known then was not on this one, or this edge showed it */
	if (chained)
		g->suspect = false;
	rig_gate_edges_complete(g, e->timestamp_ns);
	return true;
}

void rig_gate_prior_edge(struct rig_gate *g, const struct rig_edge *e)
{
	if (g->seen_any || finished(g))
		return;
	g->seen_any = true;
	g->last_line_seqno = e->line_seqno;
	g->last_t_ns = e->timestamp_ns;
	g->last_kind = 0;	/* the chain of numbers only: no kind check across */
	g->prior_only = true;
}

/* --- the fit --------------------------------------------------------------- */

struct fit_ctx {
	const struct rig_gate *g;
	bool duty_known;
	double f;	/* energy fraction first-direction -> opposite, when known */
};

static void fit_row(const void *vctx, int i, double *x1, double *x2, double *y)
{
	const struct fit_ctx *c = vctx;
	double m = i / 2, o = i % 2;
	if (c->duty_known) {
		*x1 = m + c->f * o;
		*x2 = 0;
	} else {
		*x1 = m;
		*x2 = o;
	}
	*y = c->g->ref_wh_at[i] - c->g->ref_wh_at[0];
}

/* f from the duty d, given the first edge's direction. */
static double fraction_from_duty(const struct rig_gate *g, double d)
{
	return g->kind[0] == RIG_EDGE_RISING ? d : 1 - d;
}

static void set_nothing_yet(struct rig_gate_result *r)
{
	r->error_pct = 0;
	r->u_pct = -1;
}

/* Fewer than two edges in a window still say something: a full output
 * period (Kh) always holds a rising and a falling edge whatever the duty,
 * so with 0 or 1 edge the meter registered less than Kh there and its
 * registration is at most Kh over the reference energy. */
static double registration_bound_pct(const struct rig_gate *g, double ref_wh)
{
	return 100.0 * g->cfg.kh_wh / ref_wh;
}

/* A gate that timed out with fewer than two edges reports that bound as
 * the interval 0 .. R_max (a centre and a half-width with full coverage):
 * a dead output or a meter that does not run fails outright instead of
 * being left indeterminate. */
static void few_edges_bound(const struct rig_gate *g, struct rig_gate_result *r)
{
	if (g->state != RIG_GATE_TIMED_OUT || !g->window_open)
		return;
	double ref_wh = g->window_end_wh - g->window_start_wh;
	double window_s = (double)(g->window_end_ns - g->window_start_ns) / RIG_NS_PER_S;
	if (!(ref_wh > 0) || !(window_s > 0))
		return;
	double max_pct = registration_bound_pct(g, ref_wh);
	r->error_pct = max_pct / 2 - 100.0;
	r->u_pct = max_pct / 2;
	r->k = 0;	/* a bound, not a coverage factor */
	r->gate_s = window_s;
	r->reference_wh = ref_wh;
}

/* Pulse-update quantization. Each true crossing lies up to one quantum q
 * before its edge (and within +-3 sigma of jitter), so every pair of
 * same-direction edges i < j bounds the true period from both sides:
 * (span -+ (q + 6 sigma)) / periods. Intersecting the bounds of the pairs
 * between the first and the last edges gives the periods consistent with
 * all of them; when the edges drift through the quantum grid (most meters)
 * that interval is much narrower than the two-end rule q / (sqrt(6) T),
 * which stays the ceiling (it is the exact law for two independent ends).
 * Pairs from the ends only: they carry the tight bounds, and a subset can
 * only widen the interval, never make it wrong. */
#define QUANTUM_END_EDGES 16

static double quantum_u_rel(const struct rig_gate *g, double gate_s)
{
	double q = g->cfg.quantum_s;
	if (!(q > 0) || !(gate_s > 0))
		return 0;
	double two_end = q / sqrt(6.0) / gate_s;
	double slack_s = q + 6 * g->cfg.timing_sigma_s;
	double lo = -INFINITY, hi = INFINITY;
	int n = g->n;
	for (int i = 0; i < n && i < QUANTUM_END_EDGES; i++)
		for (int j = n - 1; j > i && j >= n - QUANTUM_END_EDGES; j--) {
			if ((j - i) % 2)
				continue;
			double periods = (j - i) / 2.0;
			double span_s = (double)(g->t_ns[j] - g->t_ns[i]) / RIG_NS_PER_S;
			lo = fmax(lo, (span_s - slack_s) / periods);
			hi = fmin(hi, (span_s + slack_s) / periods);
		}
	if (!(hi > lo) || !(lo > 0))
		return two_end;	/* no pair yet, or edges the model does not explain */
	double feasible = (hi - lo) / 2 / sqrt(3.0) / ((hi + lo) / 2);
	return fmin(two_end, feasible);
}

static void evaluate(const struct rig_gate *g, struct rig_gate_result *r)
{
	memset(r, 0, sizeof(*r));
	r->state = g->state;
	r->duty = -1;
	r->edges_used = g->n;
	r->lost_edges = g->lost;
	snprintf(r->why, sizeof(r->why), "%s", g->why);
	int n = g->n;
	set_nothing_yet(r);
	if (n < 2) {
		few_edges_bound(g, r);
		return;
	}
	const double kh = g->cfg.kh_wh;
	r->gate_s = (double)(g->t_ns[n - 1] - g->t_ns[0]) / RIG_NS_PER_S;
	r->reference_wh = g->ref_wh_at[n - 1] - g->ref_wh_at[0];

	struct fit_ctx ctx = { .g = g, .duty_known = g->cfg.duty >= 0 };
	if (ctx.duty_known)
		ctx.f = fraction_from_duty(g, g->cfg.duty);
	int p = ctx.duty_known ? 2 : 3;
	struct rig_lsq fit;
	if (rig_lsq_fit(&fit, n, p, fit_row, &ctx) || !(fit.beta[1] > 0) || !(r->gate_s > 0))
		return;
	double b = fit.beta[1];
	double pct_r = 100.0 * kh / b;

	/* per-edge scatter in reference Wh */
	double ref_wh_per_s = r->reference_wh / r->gate_s;
	double sig_t = ref_wh_per_s * g->cfg.timing_sigma_s;
	double q = g->cfg.reference == RIG_REF_STANDARD_PULSES
			   ? g->cfg.ref_wh_per_pulse * g->cfg.primary_per_source
			   : 0;
	double sigma = sqrt(sig_t * sig_t + q * q / 12);
	double nu = INFINITY;
	if (fit.dof >= RIG_GATE_MIN_SCATTER_DOF) {
		double s_res = sqrt(fit.rss / fit.dof);
		if (s_res > sigma) {
			sigma = s_res;
			nu = fit.dof;
		}
	}
	double u_scatter = sigma * sqrt(fit.inv[1][1]) / b;

	double u_duty = 0;
	double last_x;
	int last_o = (n - 1) % 2;
	if (ctx.duty_known) {
		if (n > 1 && g->cfg.u_duty > 0) {
			/* sensitivity of the slope to f, by refitting */
			const double df = 1e-4;
			struct fit_ctx c2 = ctx;
			c2.f += df;
			struct rig_lsq fit2;
			if (rig_lsq_fit(&fit2, n, p, fit_row, &c2) == 0)
				u_duty = fabs(fit2.beta[1] - b) / df * g->cfg.u_duty / b;
		}
		last_x = (n - 1) / 2 + ctx.f * last_o;
	} else {
		double c = fit.beta[2];
		double f = c / b;
		double var_f = sigma * sigma *
			       (fit.inv[2][2] / (b * b) + c * c * fit.inv[1][1] / (b * b * b * b) -
				2 * c * fit.inv[1][2] / (b * b * b));
		last_x = (n - 1) / 2 + f * last_o;
		/* the pulse-update quantum moves each edge by up to one quantum,
		 * a sawtooth the scatter does not show: count it on one period */
		double period_s = r->gate_s / ((n - 1) / 2);
		double u_f_quantum = g->cfg.quantum_s / sqrt(6.0) / period_s;
		var_f = (var_f > 0 ? var_f : 0) + u_f_quantum * u_f_quantum;
		r->duty = g->kind[0] == RIG_EDGE_RISING ? f : 1 - f;
		r->u_duty = sqrt(var_f);
	}
	double u_ref = g->cfg.ref_u_rel;
	/* pulse-update quantization: correlated from edge to edge (a sawtooth
	 * when the pulse period is nearly a multiple of the quantum), so the
	 * fit does not average it; both ends of the gate carry a rectangular
	 * error of one quantum: sqrt(2) * q / sqrt(12) over the gate. */
	double u_quantum = quantum_u_rel(g, r->gate_s);
	double uc = sqrt(u_scatter * u_scatter + u_ref * u_ref + u_duty * u_duty +
			 u_quantum * u_quantum);
	double k = rig_student_k2(rig_welch_satterthwaite(uc, u_scatter, nu));
	r->error_pct = pct_r - 100.0;
	r->u_pct = k * uc * pct_r;
	r->registered_wh = kh * last_x;
	r->scatter_dof = fit.dof;
	r->k = k;
}

static bool point_done(const struct rig_gate *g, const struct rig_gate_result *r)
{
	return r->u_pct >= 0 && r->u_pct <= g->cfg.target_u_pct && g->n >= g->cfg.min_edges &&
	       r->gate_s >= g->cfg.min_gate_s && r->scatter_dof >= g->cfg.min_scatter_dof;
}

/* The few-edges bound counts every edge of the window: it holds only when
 * the sequence numbers prove none of this line's was lost there. */
static bool bound_void(const struct rig_gate *g)
{
	return g->n < 2 && g->window_open && (g->lost_in_window || g->suspect);
}

static enum rig_gate_state bound_voided(struct rig_gate *g, const char *cause)
{
	char why[96];
	snprintf(why, sizeof(why), "%s with %d edges, but edges %s since the settle time",
		 cause, g->n, g->lost_in_window ? "were lost" : "may have been lost");
	return set_invalid(g, why);
}

static enum rig_gate_state time_out(struct rig_gate *g, const char *cause, int64_t end_ns)
{
	struct rig_gate_result r;
	open_window(g, end_ns);
	if (bound_void(g))
		return bound_voided(g, cause);
	/* the bound is stated only as far as the sequence numbers prove */
	if (g->n < 2 && g->window_open && end_ns > g->complete_ns)
		end_ns = g->complete_ns > g->window_start_ns ? g->complete_ns : g->window_start_ns;
	g->window_end_ns = end_ns;
	g->window_end_wh = reference_wh_at(g, end_ns);
	g->state = RIG_GATE_TIMED_OUT;
	evaluate(g, &r);
	if (g->n < 2 && r.u_pct >= 0)
		snprintf(g->why, sizeof(g->why), "%s with %d edges in %.0f s: registration at most %.4f %%",
			 cause, g->n, r.gate_s, r.error_pct + r.u_pct + 100.0);
	else if (g->n < 2)
		snprintf(g->why, sizeof(g->why), "%s with %d usable edges", cause, g->n);
	else
		snprintf(g->why, sizeof(g->why), "%s with %d edges: U %.4f %% (target %.4f %%)",
			 cause, g->n, r.u_pct, g->cfg.target_u_pct);
	return g->state;
}

static enum rig_gate_state add_edge(struct rig_gate *g, int64_t t_ns, int kind)
{
	int i = g->n++;
	g->t_ns[i] = t_ns;
	g->kind[i] = (uint8_t)kind;
	g->ref_wh_at[i] = reference_wh_at(g, t_ns);

	struct rig_gate_result r;
	evaluate(g, &r);
	if (point_done(g, &r))
		g->state = RIG_GATE_DONE;
	else if (g->n == RIG_GATE_MAX_EDGES)
		/* Meter outputs are slow: a full buffer means a misconfigured
		 * point (target out of reach), so stop with what there is. */
		return time_out(g, "edge buffer full", t_ns);
	return g->state;
}

static void wait_for_reference(struct rig_gate *g, const struct rig_edge *e);

enum rig_gate_state rig_gate_meter_edge(struct rig_gate *g, const struct rig_edge *e)
{
	if (finished(g))
		return g->state;
	if (!edge_consistent(g, e))
		return g->state;
	open_window(g, e->timestamp_ns < g->cfg.max_until_ns ? e->timestamp_ns : g->cfg.max_until_ns);
	if (e->timestamp_ns >= g->cfg.max_until_ns)
		return time_out(g, "timed out", g->cfg.max_until_ns);
	if (g->state == RIG_GATE_SETTLING) {
		bool reference_ready = g->cfg.reference == RIG_REF_STANDARD_PULSES || g->have_power;
		if (e->timestamp_ns < g->cfg.settle_until_ns)
			return g->state;
		if (!reference_ready) {
			wait_for_reference(g, e);
			return g->state;
		}
		g->state = RIG_GATE_GATING;
	}
	return add_edge(g, e->timestamp_ns, e->kind);
}

/* A slow power read-back: the edges that came meanwhile are evidence as
 * much as the later ones (the reference power applies from the time the
 * sequencer gives with it, the settle time), so they wait here. */
static void wait_for_reference(struct rig_gate *g, const struct rig_edge *e)
{
	if (g->n_waiting == RIG_GATE_MAX_EDGES)
		return;	/* thousands of edges during one read-back: the buffer's end stops it */
	g->t_ns[g->n_waiting] = e->timestamp_ns;
	g->kind[g->n_waiting] = (uint8_t)e->kind;
	g->n_waiting++;
}

/* The first power is known: the waiting edges from the time it applies
 * from start the gate (edges before that time are no evidence). */
static void gate_waiting_edges(struct rig_gate *g)
{
	int n = g->n_waiting;
	g->n_waiting = 0;
	if (finished(g) || g->state != RIG_GATE_SETTLING || n == 0)
		return;
	int64_t from = g->power_since_ns > g->cfg.settle_until_ns ? g->power_since_ns
								   : g->cfg.settle_until_ns;
	int first = 0;
	while (first < n && g->t_ns[first] < from)
		first++;
	/* add_edge writes entry i, never ahead of entry first + i read here */
	for (int i = 0; first + i < n && !finished(g); i++) {
		g->state = RIG_GATE_GATING;
		add_edge(g, g->t_ns[first + i], g->kind[first + i]);
	}
}

/* With fewer than two edges so far, the registration is already known to
 * be under the bound above: once that is below the band's lower edge the
 * meter fails whatever comes, and waiting out the window would only cost
 * bench time. */
static bool registration_bound_below_band(const struct rig_gate *g, int64_t known_ns)
{
	if (g->n >= 2 || !g->window_open || !(g->cfg.fail_band_pct > 0) ||
	    g->n_waiting > 0 || known_ns <= g->window_start_ns)
		return false;
	double ref_wh = reference_wh_at(g, known_ns) - g->window_start_wh;
	if (!(ref_wh > 0))
		return false;
	return registration_bound_pct(g, ref_wh) < 100.0 - g->cfg.fail_band_pct;
}

enum rig_gate_state rig_gate_tick(struct rig_gate *g, int64_t now_ns)
{
	if (finished(g))
		return g->state;
	open_window(g, now_ns < g->cfg.max_until_ns ? now_ns : g->cfg.max_until_ns);
	if (now_ns >= g->cfg.max_until_ns)
		return time_out(g, "timed out", g->cfg.max_until_ns);
	/* the bound is stated up to the time whose edges have surely arrived
	 * and whose sequence numbers a later event has checked */
	int64_t known_ns = now_ns - (int64_t)(g->cfg.edge_latency_s * RIG_NS_PER_S);
	if (g->lost_in_window && registration_bound_below_band(g, known_ns))
		return bound_voided(g, "stopped early");	/* measured again */
	if (known_ns > g->complete_ns)
		known_ns = g->complete_ns;
	if (!g->suspect && registration_bound_below_band(g, known_ns))
		return time_out(g, "stopped early", known_ns);
	return g->state;
}

void rig_gate_result(const struct rig_gate *g, struct rig_gate_result *ret)
{
	evaluate(g, ret);
}

double rig_percent_registration(double kh_wh, double pulses, double watts, double seconds)
{
	if (!(watts > 0) || !(seconds > 0))
		return NAN;
	return 100.0 * kh_wh * pulses * 3600.0 / (watts * seconds);
}
