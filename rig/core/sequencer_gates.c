/* The verdict of an accuracy or output-consistency point from its gates:
 * the point's own output, the outputs gated beside it, the change from a
 * reference point. */
#include <stdio.h>
#include <string.h>

#include "rig/core/influence.h"
#include "rig/core/sequencer_internal.h"

static double reference_primary_w(const struct rig_seq *s, const struct pos_state *ps,
				  const struct rig_gate_result *g)
{
	if (s->fix->reference == RIG_REF_SOURCE_POWER && s->reference_source_w >= 0)
		return s->reference_source_w * s->primary_per_source * ps->share;
	if (g && g->gate_s > 0)
		return g->reference_wh / g->gate_s * 3600;
	return rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
}

/* The load LED is an indicator for the eye (guide 2.3: 50 % duty, a 10 Wh
 * cycle), not a billing output: its rate is judged against 5 %, which any
 * wrong cycle (a factor) is far outside and a meter's own error well inside
 * (that is the isolated outputs' to show), and its duty against 50 % +/- 5
 * points, far outside what a square wave derived from the register does,
 * well inside a stuck or broken LED. Engineering choices. */
#define LOAD_LED_RATE_BAND_PCT 5.0
#define LOAD_LED_DUTY_BAND 0.05

/* One output gated beside the point's own: its registration against the
 * same reference and band, judged only when its own evidence decides (a
 * dead or wrong-ratio output is far outside); too few edges at this
 * point's power give no verdict rather than an indeterminate one. */
static void judge_secondary(const struct rig_seq *s, const struct pos_state *ps, int o,
			    struct rig_output_result *out)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate_result g;
	rig_gate_result(&ps->gate[o], &g);
	*out = (struct rig_output_result){
		.sig = output_sig[o], .kh = ps->kh[o], .verdict = RIG_VERDICT_NONE,
		.error_pct = g.error_pct, .u_pct = g.u_pct, .edges = g.edges_used, .duty = -1,
		.bound = g.u_pct >= 0 && g.k == 0, .lost = g.state == RIG_GATE_INVALID,
	};
	if (out->lost) {
		out->u_pct = -1;	/* lost edges: nothing said of it here */
		return;
	}
	double band = o == OUT_LOAD_LED ? fmax(p->band_pct, LOAD_LED_RATE_BAND_PCT) : p->band_pct;
	if (g.u_pct >= 0)
		out->verdict = rig_verdict_accuracy(g.error_pct, g.u_pct, band);
	if (out->verdict == RIG_VERDICT_INDETERMINATE)
		out->verdict = RIG_VERDICT_NONE;
	if (o == OUT_LOAD_LED && g.duty >= 0 && g.u_duty > 0) {
		out->duty = g.duty;
		if (fabs(g.duty - 0.5) - 2 * g.u_duty > LOAD_LED_DUTY_BAND)
			out->verdict = RIG_VERDICT_FAIL;
	}
}

static const char *signal_output_name(enum rig_signal sig)
{
	for (int o = 0; o < N_OUTPUTS; o++)
		if (output_sig[o] == sig)
			return output_name(o);
	return "?";
}

static void describe_output(const struct rig_output_result *out, char *buf, size_t len)
{
	const char *name = signal_output_name(out->sig);
	if (out->u_pct < 0) {
		seq_append(buf, len, "; %s: no verdict, %d edges%s", name, out->edges,
			   out->lost ? ", edges lost" : "");
		return;
	}
	if (out->bound)
		seq_append(buf, len, "; %s registers at most %.1f %% (%d edges)", name,
			   100 + out->error_pct + out->u_pct, out->edges);
	else
		seq_append(buf, len, "; %s %+.3f %% U %.3f %%", name, out->error_pct, out->u_pct);
	if (out->duty >= 0)
		seq_append(buf, len, " duty %.1f %%", 100 * out->duty);
	seq_append(buf, len, " %s", out->verdict == RIG_VERDICT_NONE ? "no verdict"
								    : rig_verdict_name(out->verdict));
}

/* The other outputs after the point's own in its detail; an output failing
 * where the point's own does not (dead, wrong ratio) is named first, so
 * that a short display still shows which one. */
void seq_describe_outputs(const struct rig_seq *s, bool own_failed, struct rig_point_result *r)
{
	char failed[120] = "";
	char rest[400] = "";
	for (int i = 0; i < r->n_outputs; i++) {
		const struct rig_output_result *out = &r->outputs[i];
		if (out->verdict == RIG_VERDICT_FAIL)
			seq_append(failed, sizeof(failed), "%s%s", failed[0] ? ", " : "",
				   signal_output_name(out->sig));
		describe_output(out, rest, sizeof(rest));
	}
	if (failed[0] && !own_failed) {
		char own[sizeof(r->detail)];
		snprintf(own, sizeof(own), "%s", r->detail);
		r->detail[0] = '\0';
		seq_append(r->detail, sizeof(r->detail), "output %s fails; Kh %g: %s", failed,
			   cur_point(s)->output_kh, own);
	}
	seq_append(r->detail, sizeof(r->detail), "%s", rest);
}

/* The point's verdict is the worst of its outputs'. */
static void judge_secondaries(const struct rig_seq *s, const struct pos_state *ps,
			      struct rig_point_result *r)
{
	bool own_failed = r->verdict == RIG_VERDICT_FAIL;
	r->n_outputs = 0;
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o] || !ps->secondary[o] || r->n_outputs >= RIG_SEQ_MAX_OUTPUTS)
			continue;
		struct rig_output_result *out = &r->outputs[r->n_outputs++];
		judge_secondary(s, ps, o, out);
		r->verdict = rig_verdict_worst(r->verdict, out->verdict);
	}
	seq_describe_outputs(s, own_failed, r);
}

enum outcome seq_judge_gates(const struct rig_seq *s, struct pos_state *ps,
			     struct rig_point_result *r, bool *final_pooled)
{
	const struct rig_point *p = cur_point(s);
	struct rig_output_reading read[N_OUTPUTS];
	struct rig_gate_result g[N_OUTPUTS];
	int n = 0;
	for (int o = 0; o < N_OUTPUTS; o++) {
		/* a secondary output's lost edges cost it its verdict, never the
		 * point a retest (judge_secondary) */
		if (!ps->gating[o] || ps->secondary[o])
			continue;
		rig_gate_result(&ps->gate[o], &g[o]);
		if (g[o].state == RIG_GATE_INVALID) {
			r->gate = g[o];
			r->verdict = RIG_VERDICT_ERROR;
			snprintf(r->detail, sizeof(r->detail), "%s: %s", output_name(o), g[o].why);
			return ps->attempt <= s->prof->max_retests ? RETRY : FINAL;
		}
	}
	ps->looks++;
	int pooled_slot = -1;
	bool own_pooled = false;
	struct rig_pooled pl = {0};
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o] || ps->secondary[o])
			continue;
		bool own = seq_pool_add_gate(ps, o, &g[o]);
		read[n] = (struct rig_output_reading){ output_kh[o], g[o].error_pct, g[o].u_pct,
						       g[o].u_pct >= 0 };
		struct rig_pooled po;
		if (seq_pooled(s, ps, o, &po)) {
			if (own) {
				read[n].error_pct = po.value_pct;
				read[n].u_pct = po.u_judge_pct;
			}
			if (pooled_slot < 0) {
				pooled_slot = o;
				pl = po;
				own_pooled = own;
			}
		}
		n++;
		if (p->kind == RIG_POINT_ACCURACY || o == 0 || r->gate.edges_used == 0)
			r->gate = g[o];
	}
	if (p->kind == RIG_POINT_ACCURACY) {
		double u_judge = seq_own_u_judge(s, ps, &r->gate);
		r->verdict = rig_verdict_accuracy(r->gate.error_pct, u_judge, p->band_pct);
		snprintf(r->detail, sizeof(r->detail), "error %+.4f %% U %.4f %% over %.1f s, %d edges%s%s",
			 r->gate.error_pct, r->gate.u_pct, r->gate.gate_s, r->gate.edges_used,
			 r->gate.state == RIG_GATE_TIMED_OUT ? "; " : "",
			 r->gate.state == RIG_GATE_TIMED_OUT ? r->gate.why : "");
		if (ps->gate_looks > 0)
			seq_append(r->detail, sizeof(r->detail), "; gate extended after %d indeterminate "
				   "look%s, judged with w %.4f %% (k %.2f)", ps->gate_looks,
				   ps->gate_looks > 1 ? "s" : "", u_judge,
				   r->gate.u_pct > 0 ? r->gate.k * u_judge / r->gate.u_pct : 0);
		if (r->verdict == RIG_VERDICT_INDETERMINATE && pooled_slot < 0 &&
		    ps->gate_looks < s->prof->max_retests &&
		    (ps->futile || seq_look_futile(s, ps, &r->gate, false))) {
			ps->futile = true;
			seq_append(r->detail, sizeof(r->detail), "; not measured longer: what a later "
				   "look keeps (the reference above all) leaves it within w of the band "
				   "edge");
		}
		if (pooled_slot >= 0) {
			/* an attempt without an estimate (a bound) cannot join the
			 * pool: then the pool and it must both pass */
			enum rig_verdict v = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct,
								  p->band_pct);
			r->verdict = own_pooled ? v : rig_verdict_worst(v, r->verdict);
			*final_pooled = true;
		}
		judge_secondaries(s, ps, r);
	} else {
		double diff = 0;
		r->verdict = rig_check_outputs_agree(read, n, p->band_pct, &diff);
		if (r->verdict == RIG_VERDICT_NONE)
			r->verdict = RIG_VERDICT_INDETERMINATE;
		r->value = diff;
		snprintf(r->detail, sizeof(r->detail), "outputs disagree by up to %.4f %% (band %.3f %%)",
			 diff, p->band_pct);
		if (pooled_slot >= 0)
			seq_append(r->detail, sizeof(r->detail), "; each output pooled over %d attempts, "
				   "judged with w at k %.2f", pl.n, pl.k_judge);
	}
	r->reference_w = reference_primary_w(s, ps, &r->gate);
	return FINAL;
}

/* A final accuracy result from a pool states the pooled estimate and U;
 * the attempt's own numbers stay in its detail's list. */
void seq_state_pooled(const struct rig_seq *s, const struct pos_state *ps,
		      struct rig_point_result *r)
{
	int o = output_index(cur_point(s)->output_kh);
	struct rig_pooled pl;
	if (o < 0 || !seq_pooled(s, ps, o, &pl))
		return;
	r->gate.error_pct = pl.value_pct;
	r->gate.u_pct = pl.u_pct;
	r->gate.k = pl.k;
	snprintf(r->detail, sizeof(r->detail), "error %+.4f %% U %.4f %% ", pl.value_pct, pl.u_pct);
	seq_describe_pool(ps, o, &pl, r->detail, sizeof(r->detail));
	bool own_failed = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct,
					       cur_point(s)->band_pct) == RIG_VERDICT_FAIL;
	seq_describe_outputs(s, own_failed, r);
}

/* An influence point: its error's change from the reference point's,
 * besides the error itself (C12.1 judges the change). Every final
 * accuracy result is kept for the points that refer to it. */
void seq_judge_change(const struct rig_seq *s, struct pos_state *ps,
		      struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	if (p->kind != RIG_POINT_ACCURACY || r->verdict == RIG_VERDICT_ERROR ||
	    r->verdict == RIG_VERDICT_NONE)
		return;
	if (r->gate.u_pct >= 0) {
		ps->point_err[s->point] = r->gate.error_pct;
		ps->point_u[s->point] = r->gate.u_pct;
		ps->point_have[s->point] = true;
	}
	/* change_band 0 (a point built without the parser): no change judged */
	int k = p->reference_point;
	if (k < 0 || k >= s->point || !(p->change_band_pct > 0))
		return;
	const char *ref = s->prof->points[k].name;
	if (!ps->point_have[k]) {
		r->verdict = rig_verdict_worst(r->verdict, RIG_VERDICT_INDETERMINATE);
		seq_append(r->detail, sizeof(r->detail), "; no result of '%s' to judge the change from",
			   ref);
		return;
	}
	/* a retested point was looked at more than once: its change is
	 * judged with the retest guard, as its error is */
	double u_judge = r->gate.u_pct;
	int o = output_index(p->output_kh);
	struct rig_pooled pl;
	if (r->attempt > 1 && o >= 0 && seq_pooled(s, ps, o, &pl))
		u_judge = pl.u_judge_pct;
	else if (ps->gate_looks > 0)
		u_judge = seq_own_u_judge(s, ps, &r->gate);
	double change, u;
	enum rig_verdict v = rig_verdict_change(r->gate.error_pct, u_judge,
						ps->point_err[k], ps->point_u[k],
						p->change_band_pct, &change, &u);
	r->verdict = rig_verdict_worst(r->verdict, v);
	r->value = change;
	seq_append(r->detail, sizeof(r->detail), "; change from %s %+.4f %% U %.4f %% (band %.3f %%): %s",
		   ref, change, u, p->change_band_pct, rig_verdict_name(v));
}
