/* Retests: the attempts of a point pooled for its verdict, and the
 * accuracy point's own gate extended instead of measured again. */
#include <stdio.h>

#include "rig/core/sequencer_internal.h"

/* --- retests: every attempt with an estimate is pooled (retest.c says why) --- */

/* Adds this attempt's estimate to a pool; false when it has none (nothing
 * measured, or a bound). */
static bool pool_add(struct pos_state *ps, int slot, double value_pct, double u_pct, double k,
		     double shared_u_rel)
{
	struct rig_attempt a;
	if (ps->n_pool[slot] >= MAX_ATTEMPTS ||
	    !rig_attempt_from_expanded(ps->attempt, value_pct, u_pct, k, shared_u_rel, &a))
		return false;
	ps->pool[slot][ps->n_pool[slot]++] = a;
	return true;
}

/* An output's attempt from its gate. The terms that repeat from attempt to
 * attempt count once in the pool, at full size: the reference (the same
 * instrument and range), the pulse-update quantization (a slow sawtooth:
 * consecutive gates share its phase), the edge clock, the source's
 * stability and a handed-in duty. Only the edge scatter is new with every
 * attempt. Without a budget (no fit) the reference alone is shared. */
bool seq_pool_add_gate(struct pos_state *ps, int o, const struct rig_gate_result *g)
{
	const struct rig_gate_budget *b = &g->budget;
	if (!(b->uc_rel > 0) || !(g->u_pct > 0) || !(g->k > 0) || ps->n_pool[o] >= MAX_ATTEMPTS)
		return pool_add(ps, o, g->error_pct, g->u_pct, g->k, ps->gate[o].cfg.ref_u_rel);
	double shared2 = 0;
	for (int t = 0; t < RIG_U_TERMS; t++)
		if (t != RIG_U_SCATTER)
			shared2 += b->term[t].contribution * b->term[t].contribution;
	double pct_r = 100.0 + g->error_pct;
	ps->pool[o][ps->n_pool[o]++] = (struct rig_attempt){
		.attempt = ps->attempt,
		.value_pct = g->error_pct,
		.u_c_pct = b->uc_rel * pct_r,
		.u_shared_pct = sqrt(shared2) * pct_r,
		.nu = b->nu_eff,
	};
	return true;
}

/* --- an indeterminate gate extended rather than measured again ---------------
 *
 * A retest starts a new gate and pools it with the first, but the pulse-
 * update quantization (a slow sawtooth the gates share) counts whole in
 * the pool: at light load, where it sets U, a retest rarely decides and
 * costs a first-edge wait besides. The same gate kept open instead spans
 * longer, and that term falls with the span. Its looks (1 + j EXTEND_STEP
 * times the first look's span, j up to max_retests) take the retests' place and
 * their guard (retest.c): each later look could pass a meter at the band
 * edge too, so together they keep the specific risk under
 * RIG_RETEST_RISK. */

/* Each later look of an extended gate comes after this share of the first
 * look's span more (the looks at 1.5, 2, ... times it). A trade: a longer
 * step decides more of the points near the band edge and costs each point
 * that stays undecided more bench time. On the validation bench (see
 * BENCHMARKS.md) 0.5 cut bench time on every profile and model and still
 * left fewer points indeterminate than the pooled retests did. */
#define EXTEND_STEP 0.5

/* The half-width the verdict of the point's own gate uses at its next look. */
double seq_own_u_judge(const struct rig_seq *s, const struct pos_state *ps,
		       const struct rig_gate_result *g)
{
	if (ps->gate_looks == 0 || !(g->k > 0) || !(g->u_pct > 0))
		return g->u_pct;
	return rig_retest_guard_k(g->k, ps->gate_looks + 1, s->prof->max_retests) * g->u_pct / g->k;
}

/* Could a later look decide an indeterminate result? Its half-width w
 * never falls below the guard's k (at infinite dof) times what the later
 * look keeps: the reference, the edge clock, the source and the duty
 * whole; for a retest also the update quantization, which the pool counts
 * whole, while an extended gate shrinks it as 1 / span and the scatter as
 * span^-1.5 (the last look spans 1 + max_retests times the first). The
 * estimate moves only by what the later look averages away: allowed 2.5
 * standard deviations of that change. Where |error| stays within the
 * later w of the band edge even so, a decision is unlikely (about 1 %)
 * and the later looks are bench time spent for nothing: the result is
 * final. Stopping never passes anything, so it costs no false-PASS risk. */
bool seq_look_futile(const struct rig_seq *s, const struct pos_state *ps,
		     const struct rig_gate_result *g, bool extending)
{
	const struct rig_gate_budget *b = &g->budget;
	if (!(b->uc_rel > 0) || !(g->k > 0) || !(g->u_pct > 0))
		return false;
	double pct_r = 100.0 + g->error_pct;
	double c_sc = b->term[RIG_U_SCATTER].contribution;
	double c_q = b->term[RIG_U_QUANTUM].contribution;
	double kept2 = b->uc_rel * b->uc_rel - c_sc * c_sc - c_q * c_q;
	double moving_now2 = c_sc * c_sc, moving_last2 = 0;
	if (extending) {
		double ratio = (1.0 + EXTEND_STEP * s->prof->max_retests) /
			       (1.0 + EXTEND_STEP * ps->gate_looks);
		double sc_last = c_sc / pow(ratio, 1.5), q_last = c_q / ratio;
		moving_now2 += c_q * c_q;
		moving_last2 = sc_last * sc_last + q_last * q_last;
	} else {
		kept2 += c_q * c_q;
	}
	double kept_last = sqrt(fmax(kept2, 0) + moving_last2);
	double change = sqrt(fmax(moving_now2 - moving_last2, 0));
	int last_look = 1 + s->prof->max_retests;
	double w_last = rig_retest_guard_k(2.0, last_look, s->prof->max_retests) * kept_last;
	double from_edge = fabs(fabs(g->error_pct) - cur_point(s)->band_pct);
	return from_edge + 2.5 * change * pct_r <= w_last * pct_r;
}

/* The own gate of an accuracy point, done but deciding nothing: kept open
 * for the next look where the profile would measure again, unless no
 * later look could decide it. */
bool seq_extend_indeterminate(const struct rig_seq *s, struct pos_state *ps, int o)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate *g = &ps->gate[o];
	if (p->kind != RIG_POINT_ACCURACY || g->state != RIG_GATE_DONE || ps->looks > 0 ||
	    s->prof->indeterminate != RIG_INDETERMINATE_RETEST ||
	    ps->gate_looks >= s->prof->max_retests)
		return false;
	struct rig_gate_result r;
	rig_gate_result(g, &r);
	if (!(r.k > 0) || rig_verdict_accuracy(r.error_pct, seq_own_u_judge(s, ps, &r), p->band_pct) !=
				  RIG_VERDICT_INDETERMINATE)
		return false;
	if (seq_look_futile(s, ps, &r, true)) {
		ps->futile = true;
		return false;
	}
	if (!(ps->first_look_s > 0))
		ps->first_look_s = r.gate_s;
	if (!rig_gate_extend(g, (1 + EXTEND_STEP * (ps->gate_looks + 1)) * ps->first_look_s))
		return false;
	ps->gate_looks++;
	return true;
}

/* The pool's result at this look: only from the second attempt judged on. */
bool seq_pooled(const struct rig_seq *s, const struct pos_state *ps, int slot,
		struct rig_pooled *ret)
{
	return ps->looks > 1 && ps->n_pool[slot] > 0 &&
	       rig_retest_pool(ps->pool[slot], ps->n_pool[slot], ps->looks, s->prof->max_retests,
			       ret) == 0;
}

/* What the pooled verdict rests on: the attempts and the guard. */
void seq_describe_pool(const struct pos_state *ps, int slot, const struct rig_pooled *pl,
		       char *buf, size_t len)
{
	seq_append(buf, len, "pooled from %d of %d attempts (", pl->n, ps->looks);
	for (int i = 0; i < ps->n_pool[slot]; i++) {
		const struct rig_attempt *a = &ps->pool[slot][i];
		seq_append(buf, len, "%s#%d %+.4f u %.4f", i ? ", " : "", a->attempt, a->value_pct,
			   a->u_c_pct);
	}
	seq_append(buf, len, "; only the scatter averaged), judged with w %.4f %% (k %.2f)",
		   pl->u_judge_pct, pl->k_judge);
}

/* The duty's attempts pool like the gates' (deviation from 50 %, k = 2). */
void seq_judge_duty_pooled(const struct rig_seq *s, struct pos_state *ps,
			   const struct rig_duty_result *d, struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	ps->looks++;
	struct rig_pooled pl;
	if (d->periods == 0 ||
	    !pool_add(ps, DUTY_POOL, 100 * (d->duty - 0.5), 200 * d->u_duty, 2, 0) ||
	    !seq_pooled(s, ps, DUTY_POOL, &pl))
		return;
	r->verdict = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct, p->band_pct);
	r->value = 50 + pl.value_pct;
	snprintf(r->detail, sizeof(r->detail), "duty %.3f %% +- %.3f %% ", r->value, pl.u_pct);
	seq_describe_pool(ps, DUTY_POOL, &pl, r->detail, sizeof(r->detail));
}
