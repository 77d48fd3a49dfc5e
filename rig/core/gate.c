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
 * Uncertainty: a GUM budget per point (struct rig_gate_budget), every term
 * relative to the registration and combined in quadrature: the scatter of
 * the edges about the fit, the reference (per range, from the instrument's
 * specification), the pulse-update quantization, the duty when opposite
 * edges use a handed-in duty (sensitivity found by refitting), the edge
 * clock against the source, and the source's stability over the gate. The
 * coverage factor is Student's t (GSL) at the Welch-Satterthwaite dof.
 *
 * Pulse-update period. The meter moves its output only every q seconds, so
 * each edge is late by 0..q: a slow sawtooth the scatter cannot average.
 * q is declared (fixture); the gate checks it: every same-direction pair
 * bounds the pulse period by (span -+ (q + 6 sigma)) / periods, and when the
 * pairs admit no common period the edges contradict the declaration. Then
 * q is estimated from them (the least slack the pairs need, scaled up as a
 * uniform's range from its sample) and the result says so (period_check).
 * The slope itself is the least-squares one, which a sawtooth wrap biases
 * by up to about 1.5 q / T; its distance from the mean of the feasible
 * periods counts in full in the quantization term, so the estimate and its
 * uncertainty agree. The feasible periods are not equally likely: for a
 * period P each chain's first crossing can lie only in a stretch of
 * length slack - range(t_j - k_j P), widest where the edges agree best and
 * nil at the interval's ends, so the period's likelihood is the product of
 * the two chains' stretches (period_posterior). Its standard deviation is
 * the term's spread (for a single pair, the triangle of the two-end law);
 * counting the interval as rectangular overstated it by up to sqrt(2).
 * Only where the wraps measured q (period_check NARROWED, q at its upper
 * 3-sigma end): that shape holds only for a slack at least the true q,
 * and a declaration nothing contradicts may be too short, where the
 * rectangle's extra width is what keeps the error covered (a 40 ms meter
 * declared 20 ms: 94.3 % covered with the rectangle, 92.7 % with the
 * likelihood's spread). The jitter slack of that interval comes from the
 * observed scatter (beyond the quantization's own share), never below the
 * prior. A declared q that is too small and a gate in which the lateness
 * only drifts (no wrap) cannot be told apart from a slightly different
 * pulse period: no estimator sees it, which is why the fixture's default
 * is conservative (fixtures/README.md).
 *
 * A declared q that is too long only pads U, and the edges can show it:
 * the output moves only at update ticks, so consecutive same-direction
 * intervals fall into two groups exactly q apart once the sawtooth wraps
 * (struct update_seen). When both chains show the same gap far beyond
 * their jitter, that q (at its upper 3-sigma end) replaces a longer
 * declaration (period_check "bounded by the edges' wraps"), and the spread
 * inside the groups, free of the sawtooth, is the per-edge scatter and the
 * interval's jitter slack: the sawtooth is counted once, in the
 * quantization term, not again in the scatter. A gap beyond a shorter
 * declaration contradicts it even where the end pairs admit it, and an
 * estimate from the pairs never falls below the gap.
 *
 * Stopping. The gate stops at the first U <= target once the minimum edges,
 * gate time and residual dof are met, so U must not be able to dip because
 * the residuals happened to be small:
 * - the per-edge scatter is max(prior, observed): small residuals never
 *   shrink it below the prior; larger ones replace it with their own dof;
 * - the prior is a type B estimate known to about 25 %, so it carries
 *   RIG_GATE_PRIOR_DOF (8) dof instead of infinitely many, and k grows
 *   when that term dominates;
 * - no stop before RIG_GATE_MIN_SCATTER_DOF (2) residual dof, unless the
 *   timing terms could not reach the target even if the prior were three
 *   times too small and the lateness that of the slowest update period,
 *   each end uniform and independent (the two-end law, as U states it
 *   then; timing_cannot_matter: light loads, where the reference sets U;
 *   one dof fewer put the strata with a period declared too short below
 *   93 % in the validation bench); by then
 *   two same-direction edge pairs have been seen, the fewest in which a
 *   wrap of the sawtooth can contradict a wrong update period (a third dof
 *   lengthened gates by about a quarter for no coverage on periods
 *   declared right or long, and gained 1-9 points only where the
 *   declaration was wrong, which the default guards against);
 * - the quantization term does not shrink with the scatter at all: it
 *   comes from the edges' geometry (the feasible interval), and the
 *   two-end law caps it only from above. */
#include "rig/core/gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* --- pulse-update period --------------------------------------------------- */

/* Each true crossing lies up to one update period q before its edge (plus
 * jitter), so every pair of same-direction edges i < j bounds the true
 * pulse period from both sides: (span -+ slack) / periods, slack = q plus
 * the jitter allowance. Intersecting the bounds of the pairs gives the
 * periods consistent with all of them. Pairs from the ends only: they carry
 * the tight bounds, and a subset can only widen the interval. */
#define QUANTUM_END_EDGES 16
/* Edges per direction from which the observed spread alone estimates the
 * period (below it the estimate is floored, see quantum_u_rel). */
#define QUANTUM_ESTIMATE_EDGES 8

static bool period_interval(const struct rig_gate *g, double slack_s, double *lo, double *hi)
{
	*lo = -INFINITY;
	*hi = INFINITY;
	int n = g->n;
	bool any = false;
	if (n < 2 || !(g->t_ns[n - 1] > g->t_ns[0]))
		return false;
	/* spans in reference seconds (reference energy over the gate's mean
	 * rate): a step of the source's power, which the fit follows, must
	 * not read as lateness */
	double gate_s = (double)(g->t_ns[n - 1] - g->t_ns[0]) / RIG_NS_PER_S;
	double wh_per_s = (g->ref_wh_at[n - 1] - g->ref_wh_at[0]) / gate_s;
	if (!(wh_per_s > 0))
		return false;
	for (int i = 0; i < n && i < QUANTUM_END_EDGES; i++)
		for (int j = n - 1; j > i && j >= n - QUANTUM_END_EDGES; j--) {
			if ((j - i) % 2)
				continue;
			double periods = (j - i) / 2.0;
			double span_s = (g->ref_wh_at[j] - g->ref_wh_at[i]) / wh_per_s;
			*lo = fmax(*lo, (span_s - slack_s) / periods);
			*hi = fmin(*hi, (span_s + slack_s) / periods);
			any = true;
		}
	return any;
}

/* The least slack that the pairs allow: the observed spread of the edges'
 * lateness about the best common period (jitter and quantization alike). */
static double least_slack_s(const struct rig_gate *g, double gate_s)
{
	double a = 0, b = gate_s, lo, hi;
	for (int it = 0; it < 60; it++) {
		double mid = (a + b) / 2;
		period_interval(g, mid, &lo, &hi);
		if (hi >= lo)
			b = mid;
		else
			a = mid;
	}
	return b;
}

/* Edges taking part in the end pairs, per direction: the sample size of
 * the observed spread. */
static int end_edges_per_direction(const struct rig_gate *g)
{
	int n = g->n < 2 * QUANTUM_END_EDGES ? g->n : 2 * QUANTUM_END_EDGES;
	return n / 2;
}

/* --- the update period the edges show ------------------------------------ */

/* The meter moves its output only at its update ticks, q apart, so two
 * consecutive same-direction edges (one pulse period P apart in energy)
 * are a whole number of ticks apart: floor(P / q) or one more, plus the
 * jitter. Their intervals fall into two tight groups exactly q apart as
 * soon as the sawtooth wraps once in the gate; a lateness that only drifts
 * leaves one group and shows nothing. So the edges themselves measure q
 * when they wrap, and the spread inside the groups measures the jitter
 * free of the sawtooth. Both chains (rising, falling) must show the same
 * gap, far beyond their jitter, before it counts. */
struct update_seen {
	bool wrapped;		/* both chains show two groups a common q apart */
	double q_up_s;		/* the larger chain's gap at its upper 3-sigma end */
	double q_low_s;		/* the smaller chain's gap at its lower 3-sigma end */
	double jitter_s;	/* per-edge jitter from the spread inside the groups */
	int jitter_dof;
};

/* A gap this many times the groups' pooled scatter proves a wrap. */
#define WRAP_GAP_SIGMAS 8.0
/* Intervals per chain before the groups are looked at (12 edges): fewer
 * estimate the scatter inside the groups too poorly for the gap test. */
#define WRAP_MIN_INTERVALS 5

static double chain_interval_s(const struct rig_gate *g, int dir, int k, double wh_per_s)
{
	int i = dir + 2 * k;
	return (g->ref_wh_at[i + 2] - g->ref_wh_at[i]) / wh_per_s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct chain_groups {
	bool split;
	int cnt[2];		/* intervals in the short and the long group */
	double gap_s;		/* centre to centre */
	double gap_edge_s;	/* the widest gap between neighbours */
	double ss;		/* sum of squares inside the groups */
	int dof;
};

/* The intervals of one chain split at their widest gap. */
static void chain_groups(const struct rig_gate *g, int dir, double wh_per_s, struct chain_groups *ret)
{
	double d[RIG_GATE_MAX_EDGES / 2];
	int n = 0;
	for (int k = 0; dir + 2 * k + 2 < g->n; k++)
		d[n++] = chain_interval_s(g, dir, k, wh_per_s);
	memset(ret, 0, sizeof(*ret));
	if (n < WRAP_MIN_INTERVALS)
		return;
	qsort(d, (size_t)n, sizeof(d[0]), cmp_double);
	int cut = 1;
	for (int k = 2; k < n; k++)
		if (d[k] - d[k - 1] > d[cut] - d[cut - 1])
			cut = k;
	double mean[2] = { 0, 0 };
	ret->cnt[0] = cut;
	ret->cnt[1] = n - cut;
	for (int k = 0; k < n; k++)
		mean[k >= cut] += d[k];
	mean[0] /= ret->cnt[0];
	mean[1] /= ret->cnt[1];
	for (int k = 0; k < n; k++)
		ret->ss += (d[k] - mean[k >= cut]) * (d[k] - mean[k >= cut]);
	ret->dof = n - 2;
	ret->gap_s = mean[1] - mean[0];
	ret->gap_edge_s = d[cut] - d[cut - 1];
}

static void update_seen_of(const struct rig_gate *g, double wh_per_s, struct update_seen *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!(wh_per_s > 0))
		return;
	struct chain_groups c[2];
	for (int dir = 0; dir < 2; dir++)
		chain_groups(g, dir, wh_per_s, &c[dir]);
	if (c[0].dof < 1 || c[1].dof < 1)
		return;
	/* one jitter for both chains (the same input and meter); an interval
	 * is the difference of two edges' jitter, never below the prior's,
	 * which holds the counting of a reference standard's pulses too (its
	 * intervals, read in counted pulses, also fall into groups one pulse
	 * apart: never taken for the meter's period) */
	int dof = c[0].dof + c[1].dof;
	double count_s = g->cfg.reference == RIG_REF_STANDARD_PULSES
				 ? g->cfg.ref_wh_per_pulse * g->cfg.primary_per_source / wh_per_s
				 : 0;
	double prior_s = sqrt(g->cfg.timing_sigma_s * g->cfg.timing_sigma_s + count_s * count_s / 12);
	double sd = fmax(sqrt((c[0].ss + c[1].ss) / dof), sqrt(2.0) * prior_s);
	double u[2], up = 0, low = INFINITY;
	for (int dir = 0; dir < 2; dir++) {
		if (!(c[dir].gap_edge_s > WRAP_GAP_SIGMAS * sd))
			return;
		u[dir] = sd * sqrt(1.0 / c[dir].cnt[0] + 1.0 / c[dir].cnt[1]);
		up = fmax(up, c[dir].gap_s + 3 * u[dir]);
		low = fmin(low, c[dir].gap_s - 3 * u[dir]);
	}
	/* the same q on both chains, within their uncertainties */
	if (fabs(c[0].gap_s - c[1].gap_s) > 4 * hypot(u[0], u[1]))
		return;
	ret->wrapped = true;
	ret->q_up_s = up;
	ret->q_low_s = low;
	ret->jitter_dof = dof;
	ret->jitter_s = sqrt((c[0].ss + c[1].ss) / dof / 2);
}

/* Where in the feasible interval the period lies. Each edge is late by
 * 0..slack after its chain's true crossing (first crossing a, then one
 * pulse period P apart), so for a period P the first crossing of a chain
 * can lie anywhere in a stretch of length slack - (the range of
 * t_j - k_j P over the chain's edges), and the period's likelihood is the
 * product of the two chains' stretches: largest where the edges agree
 * best, falling to zero at the interval's ends (for one pair, the
 * triangle of the two-end law). Its mean and standard deviation replace
 * the interval's centre and rectangular spread, which overstate it by up
 * to sqrt(2). The same end edges as period_interval. */
#define POSTERIOR_STEPS 128

static bool period_posterior(const struct rig_gate *g, double slack_s, double lo, double hi,
			     double *mean, double *sd)
{
	int n = g->n;
	if (!(hi > lo) || n < 3 || !(g->t_ns[n - 1] > g->t_ns[0]))
		return false;
	double gate_s = (double)(g->t_ns[n - 1] - g->t_ns[0]) / RIG_NS_PER_S;
	double wh_per_s = (g->ref_wh_at[n - 1] - g->ref_wh_at[0]) / gate_s;
	if (!(wh_per_s > 0))
		return false;
	double w = 0, s1 = 0, s2 = 0;
	for (int step = 0; step < POSTERIOR_STEPS; step++) {
		double x = (step + 0.5) / POSTERIOR_STEPS;	/* 0..1 across the interval */
		double p = lo + (hi - lo) * x;
		double like = 1;
		for (int dir = 0; dir < 2; dir++) {
			double mn = INFINITY, mx = -INFINITY;
			for (int i = dir; i < n; i += 2) {
				if (i >= QUANTUM_END_EDGES && i < n - QUANTUM_END_EDGES)
					continue;
				double v = (g->ref_wh_at[i] - g->ref_wh_at[0]) / wh_per_s - (i / 2) * p;
				mn = fmin(mn, v);
				mx = fmax(mx, v);
			}
			double len = mx >= mn ? slack_s - (mx - mn) : slack_s;
			like *= len > 0 ? len : 0;
		}
		w += like;
		s1 += like * x;
		s2 += like * x * x;
	}
	if (!(w > 0))
		return false;
	double mx = s1 / w, var = s2 / w - mx * mx;
	*mean = lo + (hi - lo) * mx;
	*sd = (hi - lo) * sqrt(var > 0 ? var : 0);
	return *mean > 0;
}

/* Relative standard uncertainty of the slope's period from the update
 * period; fills the period check of the budget. period_s is the fitted
 * pulse period, sigma_t the jitter allowance per edge (s). */
static double quantum_u_rel(const struct rig_gate *g, double gate_s, double period_s,
			    double s_res_t, int dof, const struct update_seen *seen,
			    struct rig_gate_budget *bud)
{
	double q = g->cfg.quantum_s > 0 ? g->cfg.quantum_s : 0;
	bud->declared_period_s = q;
	bud->update_period_s = q;
	bud->period_check = RIG_PERIOD_NONE;
	if (!(gate_s > 0) || !(period_s > 0))
		return 0;
	if (dof < g->cfg.min_scatter_dof) {
		/* Too few edges for the declaration to be contradicted: a gate
		 * that stops here (timing_cannot_matter) states U for the
		 * slowest period meters use, not for a declaration nothing
		 * has checked. Two independent rectangular ends. */
		q = fmax(q, RIG_GATE_SLOWEST_UPDATE_S);
		bud->update_period_s = q;
		return q / sqrt(6.0) / gate_s;
	}
	/* checked against the prior jitter: the residuals hold the unknown
	 * sawtooth too and would hide the contradiction */
	double lo, hi;
	if (!period_interval(g, q + 6 * g->cfg.timing_sigma_s, &lo, &hi)) {
		/* one pair: the two ends, independent rectangular errors */
		return q / sqrt(6.0) / gate_s;
	}
	double q_seen_up = seen->q_up_s;
	if (hi >= lo && lo > 0 && seen->wrapped && q_seen_up < q) {
		/* The edges wrap and measure a shorter period than declared
		 * (a conservative declaration, the default): the measured one,
		 * at its upper 3-sigma end, instead of padding U. */
		q = q_seen_up;
		bud->update_period_s = q;
		bud->period_check = RIG_PERIOD_NARROWED;
	} else if (hi >= lo && lo > 0 && !(seen->wrapped && seen->q_low_s > q)) {
		bud->period_check = q > 0 || g->n >= 5 ? RIG_PERIOD_CONSISTENT : RIG_PERIOD_NONE;
	} else if (hi >= lo && lo > 0) {
		/* The pairs admit the declared period, but the wraps measure a
		 * longer one: the declaration is contradicted all the same. */
		q = q_seen_up;
		bud->update_period_s = q;
		bud->period_check = RIG_PERIOD_ESTIMATED;
	} else {
		/* The edges spread more than the declared period allows: the
		 * least slack they need is a lower bound on q + jitter spread;
		 * the spread of m uniform phases falls short of the width by
		 * 2/(m + 1) on average, so scale it up as for a uniform's range.
		 * A lateness that drifts is absorbed into the fitted period, so
		 * on few edges that bound can be far below q: there, never take
		 * less than the slowest update period meters are known to use. */
		int m = end_edges_per_direction(g);
		double spread = least_slack_s(g, gate_s);
		q = spread * (m + 1) / (m > 1 ? m - 1 : 1);
		if (m < QUANTUM_ESTIMATE_EDGES)
			q = fmax(q, RIG_GATE_SLOWEST_UPDATE_S);
		if (seen->wrapped)	/* never below what the wraps measure */
			q = fmax(q, q_seen_up);
		bud->update_period_s = q;
		bud->period_check = RIG_PERIOD_ESTIMATED;
	}
	/* The interval's jitter slack from the observed scatter beyond the
	 * quantization's own share, never below the prior. */
	double net_t = s_res_t * s_res_t - q * q / 12;
	double sigma_t = fmax(g->cfg.timing_sigma_s, net_t > 0 ? sqrt(net_t) : 0);
	if (seen->wrapped)	/* measured free of the sawtooth */
		sigma_t = fmax(g->cfg.timing_sigma_s, seen->jitter_s);
	period_interval(g, q + 6 * sigma_t, &lo, &hi);
	if (!(q > 0))
		return 0;
	double two_end = q / sqrt(6.0) / gate_s;
	if (!(hi >= lo))
		return two_end;
	/* The slope need not sit where the edges put the period (a sawtooth
	 * wrap biases it by up to about 1.5 q / T): its distance from the
	 * period's mean over the feasible set counts in full, that set's
	 * spread as its standard deviation (never more than the two-end
	 * law). */
	double mean, sd;
	if (bud->period_check != RIG_PERIOD_NARROWED ||
	    !period_posterior(g, q + 6 * sigma_t, lo, hi, &mean, &sd)) {
		mean = (hi + lo) / 2;
		sd = (hi - lo) / 2 / sqrt(3.0);
	}
	double spread = fmin(sd / mean, two_end);
	double bias = (period_s - mean) / period_s;
	return sqrt(bias * bias + spread * spread);
}

const char *rig_u_term_name(enum rig_u_term t)
{
	static const char *const names[RIG_U_TERMS] = {
		"scatter", "reference", "update period", "duty", "timebase", "source stability",
	};
	return t < RIG_U_TERMS ? names[t] : "?";
}

const char *rig_period_check_name(enum rig_period_check c)
{
	switch (c) {
	case RIG_PERIOD_NONE: return "not checked";
	case RIG_PERIOD_CONSISTENT: return "declared, consistent";
	case RIG_PERIOD_ESTIMATED: return "estimated from the edges";
	case RIG_PERIOD_NARROWED: return "bounded by the edges' wraps";
	}
	return "?";
}

static void set_term(struct rig_gate_budget *bud, enum rig_u_term t, double u, double sens, double dof)
{
	bud->term[t].u = u;
	bud->term[t].sensitivity = sens;
	bud->term[t].contribution = fabs(sens) * u;
	bud->term[t].dof = dof;
}

static void combine(struct rig_gate_budget *bud)
{
	double sum = 0, u[RIG_U_TERMS], nu[RIG_U_TERMS];
	for (int t = 0; t < RIG_U_TERMS; t++) {
		u[t] = bud->term[t].contribution;
		nu[t] = bud->term[t].dof;
		sum += u[t] * u[t];
	}
	bud->uc_rel = sqrt(sum);
	bud->nu_eff = rig_welch_satterthwaite_n(bud->uc_rel, u, nu, RIG_U_TERMS);
	bud->k = rig_student_k2(bud->nu_eff);
}

/* Per-edge scatter (reference Wh) and its dof: never below the prior; the
 * observed residual scatter replaces it when larger (Student's t on the
 * residual dof), and the prior itself is a type B estimate known to about
 * 25 %, so it carries RIG_GATE_PRIOR_DOF rather than infinite dof. When the
 * edges wrap, the residuals hold the update-period sawtooth too, which the
 * quantization term counts from the edges' geometry: the jitter is then
 * the scatter inside the interval groups (struct update_seen), so the same
 * lateness is not counted twice. */
static double edge_scatter(const struct rig_lsq *fit, double prior, const struct update_seen *seen,
			   double wh_per_s, double *nu)
{
	*nu = RIG_GATE_PRIOR_DOF;
	if (seen->wrapped && seen->jitter_dof >= 1) {
		double jitter_wh = seen->jitter_s * wh_per_s;
		if (jitter_wh > prior) {
			*nu = seen->jitter_dof;
			return jitter_wh;
		}
		return prior;
	}
	if (fit->dof >= 1) {
		double s_res = sqrt(fit->rss / fit->dof);
		if (s_res > prior) {
			*nu = fit->dof;
			return s_res;
		}
	}
	return prior;
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
	struct rig_gate_budget *bud = &r->budget;

	/* per-edge scatter in reference Wh */
	double ref_wh_per_s = r->reference_wh / r->gate_s;
	double sig_t = ref_wh_per_s * g->cfg.timing_sigma_s;
	double count_q = g->cfg.reference == RIG_REF_STANDARD_PULSES
				 ? g->cfg.ref_wh_per_pulse * g->cfg.primary_per_source
				 : 0;
	double prior = sqrt(sig_t * sig_t + count_q * count_q / 12);

	double s_res_t = fit.dof >= 1 ? sqrt(fit.rss / fit.dof) / ref_wh_per_s : 0;
	double period_s = b / ref_wh_per_s;
	struct update_seen seen;
	update_seen_of(g, ref_wh_per_s, &seen);
	double u_quantum = quantum_u_rel(g, r->gate_s, period_s, s_res_t, fit.dof, &seen, bud);
	set_term(bud, RIG_U_QUANTUM, u_quantum, 1, INFINITY);
	double q_use = bud->update_period_s;

	double nu;
	double sigma = edge_scatter(&fit, prior, &seen, ref_wh_per_s, &nu);
	set_term(bud, RIG_U_SCATTER, sigma, sqrt(fit.inv[1][1]) / b, nu);

	double last_x;
	int last_o = (n - 1) % 2;
	if (ctx.duty_known) {
		double sens = 0;
		if (g->cfg.u_duty > 0) {
			/* sensitivity of the slope to f, by refitting */
			const double df = 1e-4;
			struct fit_ctx c2 = ctx;
			c2.f += df;
			struct rig_lsq fit2;
			if (rig_lsq_fit(&fit2, n, p, fit_row, &c2) == 0)
				sens = (fit2.beta[1] - b) / df / b;
		}
		set_term(bud, RIG_U_DUTY, g->cfg.u_duty > 0 ? g->cfg.u_duty : 0, sens, INFINITY);
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
		double period1_s = r->gate_s / ((n - 1) / 2);
		double u_f_quantum = q_use / sqrt(6.0) / period1_s;
		var_f = (var_f > 0 ? var_f : 0) + u_f_quantum * u_f_quantum;
		r->duty = g->kind[0] == RIG_EDGE_RISING ? f : 1 - f;
		r->u_duty = sqrt(var_f);
	}
	set_term(bud, RIG_U_REFERENCE, g->cfg.ref_u_rel, 1, INFINITY);
	/* the edge clock and the source's own stability matter only when the
	 * reference energy is integrated from power over edge-clock time; a
	 * counted standard integrates the true power itself */
	double by_time = g->cfg.reference == RIG_REF_SOURCE_POWER ? 1 : 0;
	set_term(bud, RIG_U_TIMEBASE, g->cfg.timebase_u_rel, by_time, INFINITY);
	set_term(bud, RIG_U_SOURCE, g->cfg.source_u_rel, by_time, INFINITY);
	combine(bud);
	r->error_pct = pct_r - 100.0;
	r->u_pct = bud->k * bud->uc_rel * pct_r;
	r->registered_wh = kh * last_x;
	r->scatter_dof = fit.dof;
	r->k = bud->k;
}

/* How much the timing terms may be wrong before a stop needs no residual
 * dof to find out: a prior timing sigma this many times too small. */
#define TIMING_GUARD_FACTOR 3.0

/* Residual dof are wanted before a stop so that the scatter and the edges'
 * geometry can contradict the prior (timing sigma, declared update
 * period). They cost two more edge intervals, which at light load is most
 * of a point's time (an interval is 150 s at 120 W on Kh 10). Where U
 * would stay within the target even with the scatter TIMING_GUARD_FACTOR
 * times its prior and each end of the gate late by up to the slowest
 * update period meters use (or the declared one, if slower), uniformly and
 * independently (the two-end law: the lateness of edges whole pulse
 * periods apart is independent while the period is no multiple of q,
 * which nothing makes it), there is nothing left for them to reveal: the
 * reference and the other type B terms set U, and the stop waits for no
 * residual dof. (Counting one end as rectangular over +-q, twice that
 * variance, kept 1.2 kW gates two intervals longer for nothing: the U they
 * stated at the stop was already the two-end law's.) */
static bool timing_cannot_matter(const struct rig_gate *g, const struct rig_gate_result *r)
{
	const struct rig_gate_budget *bud = &r->budget;
	if (!(r->gate_s > 0) || !(bud->uc_rel > 0))
		return false;
	double c_scatter = bud->term[RIG_U_SCATTER].contribution;
	double c_quantum = bud->term[RIG_U_QUANTUM].contribution;
	double q_guard = fmax(bud->update_period_s, RIG_GATE_SLOWEST_UPDATE_S);
	double g_scatter = TIMING_GUARD_FACTOR * c_scatter;
	/* both ends late by 0..q_guard, independent */
	double g_quantum = fmax(c_quantum, q_guard / sqrt(6.0) / r->gate_s);
	double var = bud->uc_rel * bud->uc_rel - c_scatter * c_scatter - c_quantum * c_quantum +
		     g_scatter * g_scatter + g_quantum * g_quantum;
	double k = fmax(bud->k, 2.0);
	double u_guard_pct = k * sqrt(var > 0 ? var : 0) * (100.0 + r->error_pct);
	return u_guard_pct <= g->cfg.target_u_pct;
}

static bool point_done(const struct rig_gate *g, const struct rig_gate_result *r)
{
	if (!(r->u_pct >= 0 && r->u_pct <= g->cfg.target_u_pct && g->n >= g->cfg.min_edges &&
	      r->gate_s >= g->cfg.min_gate_s))
		return false;
	return r->scatter_dof >= g->cfg.min_scatter_dof || timing_cannot_matter(g, r);
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

	if (g->n > RIG_GATE_EVERY_EDGE_UNTIL && g->n < g->next_fit_n && g->n < RIG_GATE_MAX_EDGES)
		return g->state;
	g->next_fit_n = g->n + (int)ceil(g->n * RIG_GATE_REFIT_FRACTION);
	struct rig_gate_result *r = &g->last_fit;
	evaluate(g, r);
	if (point_done(g, r))
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

bool rig_gate_extend(struct rig_gate *g, double min_gate_s)
{
	if (g->state != RIG_GATE_DONE || !(min_gate_s > g->cfg.min_gate_s))
		return false;
	g->cfg.min_gate_s = min_gate_s;
	g->state = RIG_GATE_GATING;
	g->next_fit_n = g->n + 1;	/* the span is checked from the next edge on */
	return true;
}

void rig_gate_progress(const struct rig_gate *g, struct rig_gate_result *ret)
{
	if (g->state == RIG_GATE_GATING && g->last_fit.edges_used >= 2)
		*ret = g->last_fit;
	else
		evaluate(g, ret);
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
