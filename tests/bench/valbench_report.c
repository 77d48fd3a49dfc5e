/* The validation benchmark's figures: runs the sets of valbench.h and
 * judges every final result against the meter's true error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/valbench.h"

static bool measured(const struct val_rec *r)
{
	enum rig_verdict v = r->res.verdict;
	return r->have && r->res.gate.u_pct > 0 &&
	       (v == RIG_VERDICT_PASS || v == RIG_VERDICT_FAIL || v == RIG_VERDICT_INDETERMINATE);
}

static double true_err(const struct val_rec *r)
{
	return r->run.m[r->pos].error_pct;
}

static double d_over_u(const struct val_rec *r)
{
	return fabs(r->res.gate.error_pct - true_err(r)) / r->res.gate.u_pct;
}

/* A meter that runs judged not to: the early stop's signature. */
static bool dead_meter_fail(const struct val_rec *r)
{
	return r->have && r->res.verdict == RIG_VERDICT_FAIL && r->res.gate.error_pct < -20 &&
	       fabs(true_err(r)) < 1.7;
}

/* --- strata --------------------------------------------------------------- */

struct stratum {
	const char *name;
	bool (*in)(const struct val_rec *r);
};

#define Q(r) ((r)->run.m[(r)->pos].update_s)
#define J(r) ((r)->run.m[(r)->pos].jitter_s)
#define W(r) ((r)->true_power_w)
#define SKEW(r) fabs((r)->run.m[(r)->pos].rise_s - (r)->run.m[(r)->pos].fall_s)
#define DEF(id, cond) \
	static bool id(const struct val_rec *r) { (void)r; return (cond); }
DEF(s_all, true)
DEF(s_w1, W(r) < 500)
DEF(s_w2, W(r) >= 500 && W(r) < 2000)
DEF(s_w3, W(r) >= 2000 && W(r) < 8000)
DEF(s_w4, W(r) >= 8000)
DEF(s_pf1, r->run.pf == 1)
DEF(s_lag, r->run.pf < 1 && !r->run.lead)
DEF(s_lead, r->run.pf < 1 && r->run.lead)
DEF(s_one, r->run.elements != 3)
DEF(s_both, r->run.elements == 3)
DEF(s_q1, Q(r) < 0.0083)
DEF(s_q2, Q(r) >= 0.0083 && Q(r) <= 1.0 / 60 + 1e-9)
DEF(s_q3, Q(r) > 1.0 / 60 + 1e-9 && Q(r) < 0.033)
DEF(s_q4, Q(r) >= 0.033)
DEF(s_qdecl_ok, Q(r) <= (r)->declared_s + 1e-6)
DEF(s_qdecl_short, Q(r) > (r)->declared_s + 1e-6)
DEF(s_j1, J(r) < 80e-6)
DEF(s_j2, J(r) >= 80e-6)
DEF(s_d1, SKEW(r) < 0.5e-3)
DEF(s_d2, SKEW(r) >= 0.5e-3)
DEF(s_uni, r->run.set == VAL_UNIFORM)
DEF(s_near, r->run.set == VAL_NEAR_BAND)
DEF(s_noloss, r->drops_kh10 == 0)
DEF(s_loss, r->drops_kh10 > 0)
DEF(s_single, r->run.n_pos == 1)
DEF(s_multi, r->run.n_pos > 1)
DEF(s_prod, r->run.profile == 0)
DEF(s_ansi, r->run.profile == 1)
DEF(s_mms, r->run.model == 0)
DEF(s_mmd, r->run.model == 1)

static const struct stratum strata[] = {
	{"all", s_all},
	{"120-500 W", s_w1}, {"0.5-2 kW", s_w2}, {"2-8 kW", s_w3}, {"8-48 kW", s_w4},
	{"pf 1", s_pf1}, {"pf 0.5 lag", s_lag}, {"pf 0.5 lead", s_lead},
	{"one element", s_one}, {"both elements", s_both},
	{"q 1-8.3 ms", s_q1}, {"q 8.3-16.7 ms", s_q2}, {"q 16.7-33 ms", s_q3}, {"q 33-50 ms", s_q4},
	{"q <= declared", s_qdecl_ok}, {"q > declared", s_qdecl_short},
	{"jitter 20-80 us", s_j1}, {"jitter 80-300 us", s_j2},
	{"rise-fall < 0.5 ms", s_d1}, {"rise-fall >= 0.5 ms", s_d2},
	{"uniform set", s_uni}, {"near-band set", s_near},
	{"no loss", s_noloss}, {"Kh 10 event lost", s_loss},
	{"one position", s_single}, {"2-4 positions", s_multi},
	{"production", s_prod}, {"ansi-c12.1", s_ansi},
	{"MMS-120-2001", s_mms}, {"MMD-120-2001", s_mmd},
};
#define N_STRATA (sizeof(strata) / sizeof(strata[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double p99(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	int i = (int)ceil(0.99 * n) - 1;
	return v[i < 0 ? 0 : i];
}

/* Coverage and the shape of |d|/U in one stratum of the measured records. */
static void stratum_line(FILE *out, const struct stratum *s, const struct val_rec *r, int n,
			 double *scratch, struct val_figures *fig)
{
	int m = 0, inside = 0, m_kept = 0, inside_kept = 0;
	double ss = 0, sum_u = 0;
	for (int i = 0; i < n; i++) {
		if (r[i].run.set == VAL_SLOW || !measured(&r[i]) || !s->in(&r[i]))
			continue;
		double z = d_over_u(&r[i]);
		scratch[m++] = z;
		inside += z <= 1;
		if (r[i].drops_kh10 == 0) {
			m_kept++;
			inside_kept += z <= 1;
			ss += 4 * z * z;	/* (d / u)^2 with u = U / 2 */
			sum_u += r[i].res.gate.u_pct;
		}
	}
	if (m == 0)
		return;
	double pct = 100.0 * inside / m;
	if (out)
		fprintf(out, "  %-20s %5d  %5.1f %%  %5.2f   | %5d  %5.1f %%  %5.2f  %6.3f %%\n", s->name, m,
			pct, p99(scratch, m), m_kept, m_kept ? 100.0 * inside_kept / m_kept : 0,
			m_kept ? sqrt(ss / m_kept) : 0, m_kept ? sum_u / m_kept : 0);
	if (s->in != s_all && m >= 20 && pct < fig->worst_stratum_pct) {
		fig->worst_stratum_pct = pct;
		snprintf(fig->worst_stratum, sizeof(fig->worst_stratum), "%s", s->name);
	}
}

static void goal(FILE *out, bool goals, const char *name, const char *measured_text,
		 const char *target, bool pass)
{
	if (out && goals)
		fprintf(out, "GOAL %s %s %s %s\n", name, measured_text, target, pass ? "PASS" : "MISS");
}

static void coverage(FILE *out, const struct val_rec *r, int n, double *scratch,
		     struct val_figures *fig)
{
	int m = 0, inside = 0, inside_kept = 0;
	for (int i = 0; i < n; i++) {
		if (r[i].run.set == VAL_SLOW || !measured(&r[i]))
			continue;
		double z = d_over_u(&r[i]);
		scratch[m++] = z;
		inside += z <= 1;
		if (r[i].drops_kh10 == 0) {
			fig->n_no_loss++;
			inside_kept += z <= 1;
		}
		if (r[i].res.verdict == RIG_VERDICT_PASS &&
		    fabs(true_err(&r[i])) > r[i].band_pct + r[i].res.gate.u_pct)
			fig->false_pass_beyond_u++;
		if (r[i].run.set == VAL_NEAR_BAND && fabs(true_err(&r[i])) > r[i].band_pct) {
			fig->near_outside++;
			fig->near_outside_pass += r[i].res.verdict == RIG_VERDICT_PASS;
		}
	}
	fig->n = m;
	fig->coverage_pct = m ? 100.0 * inside / m : 0;
	fig->coverage_no_loss_pct = fig->n_no_loss ? 100.0 * inside_kept / fig->n_no_loss : 0;
	fig->p99_d_over_u = p99(scratch, m);
	fig->worst_stratum_pct = 101;
	if (out)
		fprintf(out, "coverage of the true error by +/-U, per stratum (final results with a U):\n"
			     "  %-20s %5s  %7s  %9s | without a lost Kh 10 event: n, inside, rms d/u, mean U\n",
			"stratum", "n", "inside", "p99 |d|/U");
	for (size_t k = 0; k < N_STRATA; k++)
		stratum_line(out, &strata[k], r, n, scratch, fig);
	if (out)
		fprintf(out, "  (rms d/u is 1 for an honest u = U/2; below 1 the U is padded, above"
			     " it overconfident)\n");
}

static void losses(FILE *out, const struct val_rec *r, int n, struct val_figures *fig)
{
	int verdicts[RIG_VERDICT_ERROR + 1] = {0};
	for (int i = 0; i < n; i++) {
		if (r[i].drops_kh10 == 0)
			continue;
		fig->loss_points++;
		fig->loss_noticed += r[i].retries > 0 || r[i].res.gate.lost_edges > 0;
		fig->loss_measured_through += r[i].measured_through;
		fig->loss_span_known += r[i].span_known;
		fig->loss_dead_meter_fail += dead_meter_fail(&r[i]);
		verdicts[r[i].have ? r[i].res.verdict : RIG_VERDICT_NONE]++;
	}
	for (int i = 0; i < n; i++) {
		fig->dead_meter_fail_all += dead_meter_fail(&r[i]);
		fig->dead_meter_fail_plain += dead_meter_fail(&r[i]) && r[i].drops_kh10 == 0 &&
					      r[i].run.set != VAL_SLOW;
		fig->rig_errors += !r[i].have || r[i].res.verdict == RIG_VERDICT_ERROR ||
				   r[i].res.verdict == RIG_VERDICT_NONE;
	}
	if (!out)
		return;
	fprintf(out, "lost Kh 10 events: %d meters had one dropped while their point ran; "
		     "%d measured again or reported lost, %d measured through, %d dead-meter FAIL\n",
		fig->loss_points, fig->loss_noticed, fig->loss_measured_through,
		fig->loss_dead_meter_fail);
	fprintf(out, "  final gates located among the delivered edges (for measured through): %d\n",
		fig->loss_span_known);
	fprintf(out, "  their final verdicts: pass %d, fail %d, indeterminate %d, error %d, none %d\n",
		verdicts[RIG_VERDICT_PASS], verdicts[RIG_VERDICT_FAIL],
		verdicts[RIG_VERDICT_INDETERMINATE], verdicts[RIG_VERDICT_ERROR],
		verdicts[RIG_VERDICT_NONE]);
	fprintf(out, "dead-meter FAIL on a meter within +/-1.7 %%, all sets: %d (%d with no loss and a usual "
		     "read-back); no result or rig error: %d of %d\n",
		fig->dead_meter_fail_all, fig->dead_meter_fail_plain, fig->rig_errors, n);
}

/* Bench time against the limit, per profile and model: the uniform set's
 * runs without any lost event, each run once. */
static void bench_time(FILE *out, const struct val_rec *r, int n, struct val_figures *fig)
{
	double t[VAL_PROFILES][VAL_MODELS][3] = {{{0}}};	/* bench, limit, limit + phase wait */
	double low[3] = {0};
	int runs[VAL_PROFILES][VAL_MODELS] = {{0}};
	for (int i = 0; i < n; i++) {
		const struct val_run_cfg *c = &r[i].run;
		if (r[i].pos != 0 || c->set != VAL_UNIFORM)
			continue;
		bool loss = false;
		for (int p = 0; p < c->n_pos; p++)
			loss |= c->m[p].loss != VAL_LOSS_NONE || c->m[p].loss_other;
		if (loss)
			continue;
		double *x = t[c->profile][c->model];
		x[0] += r[i].bench_s;
		x[1] += r[i].limit_s;
		x[2] += r[i].limit_s + r[i].phase_wait_s;
		runs[c->profile][c->model]++;
		if (r[i].true_power_w <= 1200) {
			low[0] += r[i].bench_s;
			low[1] += r[i].limit_s;
			low[2] += r[i].limit_s + r[i].phase_wait_s;
		}
	}
	if (out)
		fprintf(out, "bench time against the limit (true q and jitter), uniform set, runs without loss:\n");
	for (int p = 0; p < VAL_PROFILES; p++)
		for (int m = 0; m < VAL_MODELS; m++) {
			double *x = t[p][m];
			fig->time_ratio[p][m] = x[1] > 0 ? x[0] / x[1] : 0;
			if (out)
				fprintf(out, "  %-10s on %s: %3d runs, %8.0f s against %8.0f s: %.2fx "
					     "(%.2fx of the limit plus the mean wait for a first edge)\n",
					val_profile_names[p], val_model_names[m], runs[p][m], x[0], x[1],
					fig->time_ratio[p][m], x[2] > 0 ? x[0] / x[2] : 0);
		}
	if (out && low[1] > 0)
		fprintf(out, "  at 1.2 kW and below: %.2fx (%.2fx with the mean wait)\n", low[0] / low[1],
			low[0] / low[2]);
}

static void slow_set(FILE *out, const struct val_rec *r, int n, struct val_figures *fig)
{
	int meter_fail = 0;
	for (int i = 0; i < n; i++) {
		if (r[i].run.set != VAL_SLOW || r[i].drops_kh10 > 0)
			continue;
		fig->slow_n++;
		if (measured(&r[i]))
			fig->slow_inside += d_over_u(&r[i]) <= 1;
		/* a meter within the band judged out of it by far */
		meter_fail += r[i].have && r[i].res.verdict == RIG_VERDICT_FAIL &&
			      fabs(r[i].res.gate.error_pct - true_err(&r[i])) > 1;
	}
	fig->slow_meter_fail = meter_fail;
	if (out && fig->slow_n)
		fprintf(out, "slow power read-back (0.5-1.5 s), no loss: %d meters, true error inside U %d, "
			     "FAIL off the truth by more than 1 %%: %d\n",
			fig->slow_n, fig->slow_inside, meter_fail);
}

/* VALBENCH_DUMP=1: one line per meter, for looking into a figure. */
static void dump(FILE *out, const struct val_rec *r, int n)
{
	const char *d = getenv("VALBENCH_DUMP");
	if (!out || !d || *d != '1')
		return;
	for (int i = 0; i < n; i++) {
		const struct val_meter *m = &r[i].run.m[r[i].pos];
		fprintf(out, "meter seed %llu set %d %s %s %.0f W pf %.1f%s el %d pos %d/%d q %.1f ms j %.0f us "
			     "decl %.1f ms r/f %.0f/%.0f us e %+.3f %% | %s %+.4f U %.4f k %.2f gate %.1f s edges %d lost %llu "
			     "retries %d drops %d%s%s bench %.0f limit %.0f | %s\n",
			(unsigned long long)r[i].run.seed, r[i].run.set, val_profile_names[r[i].run.profile], val_model_names[r[i].run.model],
			r[i].true_power_w, r[i].run.pf, r[i].run.lead ? "ld" : "", r[i].run.elements,
			r[i].pos + 1, r[i].run.n_pos, m->update_s * 1e3, m->jitter_s * 1e6, r[i].declared_s * 1e3, m->rise_s * 1e6,
			m->fall_s * 1e6, m->error_pct, r[i].have ? rig_verdict_name(r[i].res.verdict) : "-",
			r[i].res.gate.error_pct, r[i].res.gate.u_pct, r[i].res.gate.k, r[i].res.gate.gate_s,
			r[i].res.gate.edges_used, (unsigned long long)r[i].res.gate.lost_edges, r[i].retries,
			r[i].drops_kh10, m->loss == VAL_LOSS_AFTER_FIRST ? " after-first" : "",
			r[i].measured_through ? " THROUGH" : "", r[i].bench_s, r[i].limit_s, r[i].res.detail);
		const struct rig_gate_budget *b = &r[i].res.gate.budget;
		fprintf(out, "  budget %%: scatter %.4f update period %.4f reference %.4f (q %.1f ms, %s) dof %d\n",
			100 * b->term[RIG_U_SCATTER].contribution, 100 * b->term[RIG_U_QUANTUM].contribution,
			100 * b->term[RIG_U_REFERENCE].contribution, 1e3 * b->update_period_s,
			rig_period_check_name(b->period_check), r[i].res.gate.scatter_dof);
	}
}


/* --- VALBENCH_DIAG=1: where U is padded or short ---------------------------
 * Coverage and rms d/u of the measured records grouped by one property of
 * the result at a time: the budget term that dominates, the period check,
 * the edges used, k, the declared against the true update period. */

#define DIAG_MAX_GROUPS 8

struct diag_key {
	const char *title;
	int n_groups;
	const char *label[DIAG_MAX_GROUPS];
	int (*group)(const struct val_rec *r);
};

static int dg_dominant(const struct val_rec *r)
{
	const struct rig_gate_budget *b = &r->res.gate.budget;
	int best = 0;
	for (int t = 1; t < RIG_U_TERMS; t++)
		if (b->term[t].contribution > b->term[best].contribution)
			best = t;
	return b->uc_rel > 0 ? best : RIG_U_TERMS;
}

static int dg_check(const struct val_rec *r)
{
	return r->res.gate.budget.uc_rel > 0 ? (int)r->res.gate.budget.period_check : 4;
}

static int dg_edges(const struct val_rec *r)
{
	int e = r->res.gate.edges_used;
	return e <= 3 ? 0 : e <= 5 ? 1 : e <= 11 ? 2 : e <= 31 ? 3 : e <= 127 ? 4 : 5;
}

static int dg_k(const struct val_rec *r)
{
	double k = r->res.gate.k;
	return k <= 2.0001 ? 0 : k < 2.1 ? 1 : k < 2.3 ? 2 : k < 2.6 ? 3 : 4;
}

/* the period the budget used against the meter's true one */
static int dg_q_used(const struct val_rec *r)
{
	double q = Q(r), u = r->res.gate.budget.update_period_s;
	if (!(r->res.gate.budget.uc_rel > 0))
		return 5;
	double x = u / q;
	return x < 0.9 ? 0 : x < 1.1 ? 1 : x < 2 ? 2 : x < 4 ? 3 : 4;
}

static int dg_attempt(const struct val_rec *r)
{
	return r->res.attempt > 1 || r->retries > 0 ? 1 : 0;
}

static int dg_dof(const struct val_rec *r)
{
	int d = r->res.gate.scatter_dof;
	return d <= 0 ? 0 : d == 1 ? 1 : d <= 3 ? 2 : d <= 9 ? 3 : 4;
}

static const struct diag_key diag_keys[] = {
	{"dominant budget term", RIG_U_TERMS + 1,
	 {"scatter", "reference", "update period", "duty", "timebase", "source", "no budget"}, dg_dominant},
	{"period check", 5,
	 {"not checked", "consistent", "estimated", "narrowed", "no budget"}, dg_check},
	{"edges used", 6, {"2-3", "4-5", "6-11", "12-31", "32-127", ">=128"}, dg_edges},
	{"k", 5, {"2.00", "2.00-2.10", "2.10-2.30", "2.30-2.60", ">=2.60"}, dg_k},
	{"q used / true q", 6, {"<0.9", "0.9-1.1", "1.1-2", "2-4", ">=4", "no budget"}, dg_q_used},
	{"residual dof", 5, {"0", "1", "2-3", "4-9", ">=10"}, dg_dof},
	{"attempts", 2, {"first only", "retested/pooled"}, dg_attempt},
};

static void diag(FILE *out, const struct val_rec *r, int n)
{
	const char *d = getenv("VALBENCH_DIAG");
	if (!out || !d || *d != '1')
		return;
	for (size_t k = 0; k < sizeof(diag_keys) / sizeof(diag_keys[0]); k++) {
		const struct diag_key *key = &diag_keys[k];
		for (int sub = 0; sub < 2; sub++) {
			int m[DIAG_MAX_GROUPS] = {0}, in[DIAG_MAX_GROUPS] = {0};
			double ss[DIAG_MAX_GROUPS] = {0}, su[DIAG_MAX_GROUPS] = {0};
			for (int i = 0; i < n; i++) {
				if (r[i].run.set == VAL_SLOW || !measured(&r[i]))
					continue;
				if (sub != s_qdecl_short(&r[i]))
					continue;
				int g = key->group(&r[i]);
				double z = d_over_u(&r[i]);
				m[g]++;
				in[g] += z <= 1;
				ss[g] += 4 * z * z;
				su[g] += r[i].res.gate.u_pct;
			}
			fprintf(out, "diag %s (%s):\n", key->title, sub ? "q > declared" : "q <= declared");
			for (int g = 0; g < key->n_groups; g++)
				if (m[g])
					fprintf(out, "  %-16s %5d  inside %5.1f %%  rms d/u %5.2f  mean U %.4f %%\n",
						key->label[g], m[g], 100.0 * in[g] / m[g], sqrt(ss[g] / m[g]),
						su[g] / m[g]);
		}
	}
}

static void goals_out(FILE *out, bool goals, const struct val_figures *f)
{
	char m[64];
	snprintf(m, sizeof(m), "%.1f%%", f->coverage_pct);
	goal(out, goals, "valbench_coverage", m, "95+-2%", fabs(f->coverage_pct - 95) <= 2);
	snprintf(m, sizeof(m), "%.1f%%(%s)", f->worst_stratum_pct, f->worst_stratum);
	for (char *p = m; *p; p++)
		if (*p == ' ')
			*p = '_';
	goal(out, goals, "valbench_coverage_every_stratum", m, ">=93%", f->worst_stratum_pct >= 93);
	snprintf(m, sizeof(m), "%.2f", f->p99_d_over_u);
	goal(out, goals, "valbench_p99_d_over_U", m, "<=1.35", f->p99_d_over_u <= 1.35);
	snprintf(m, sizeof(m), "%d", f->false_pass_beyond_u);
	goal(out, goals, "valbench_false_pass_beyond_U", m, "0", f->false_pass_beyond_u == 0);
	double edge = f->near_outside ? 100.0 * f->near_outside_pass / f->near_outside : 0;
	snprintf(m, sizeof(m), "%.1f%%(%d/%d)", edge, f->near_outside_pass, f->near_outside);
	goal(out, goals, "valbench_false_pass_band_edge", m, "<=2.5%", edge <= 2.5);
	snprintf(m, sizeof(m), "%d/%d", f->loss_measured_through, f->loss_points);
	goal(out, goals, "valbench_lost_measured_through", m, "0", f->loss_measured_through == 0);
	snprintf(m, sizeof(m), "%d/%d", f->loss_dead_meter_fail, f->loss_points);
	goal(out, goals, "valbench_lost_dead_meter_fail", m, "0", f->loss_dead_meter_fail == 0);
	for (int p = 0; p < VAL_PROFILES; p++)
		for (int k = 0; k < VAL_MODELS; k++) {
			char name[96];
			snprintf(name, sizeof(name), "valbench_time_%s_%s", val_profile_names[p],
				 val_model_names[k]);
			snprintf(m, sizeof(m), "%.2fx", f->time_ratio[p][k]);
			goal(out, goals, name, m, "<=1.25x", f->time_ratio[p][k] <= 1.25);
		}
}

int val_bench(uint64_t seed, int n_uniform, int n_near, int n_slow, FILE *out, bool goals,
	      struct val_figures *fig, char *err, size_t len)
{
	memset(fig, 0, sizeof(*fig));
	int n_runs[VAL_N_SETS] = {n_uniform, n_near, n_slow};
	int cap = (n_uniform + n_near + n_slow) * IM_MAX_POS;
	struct val_rec *r = calloc((size_t)cap + 1, sizeof(*r));
	double *scratch = calloc((size_t)cap + 1, sizeof(double));
	if (!r || !scratch) {
		free(r);
		free(scratch);
		snprintf(err, len, "out of memory");
		return -1;
	}
	int n = 0, rc = 0;
	for (int set = 0; set < VAL_N_SETS && rc == 0; set++)
		for (int i = 0; i < n_runs[set] && rc == 0; i++) {
			struct val_run_cfg c;
			val_draw_run((enum val_set)set, seed, i, &c);
			rc = val_run(&c, r + n, err, len);
			n += rc == 0 ? c.n_pos : 0;
		}
	if (rc == 0) {
		if (out)
			fprintf(out, "%d runs, %d meters (uniform %d runs, near-band %d, slow read-back %d), seed %llu\n",
				n_uniform + n_near + n_slow, n, n_uniform, n_near, n_slow,
				(unsigned long long)seed);
		dump(out, r, n);
		diag(out, r, n);
		coverage(out, r, n, scratch, fig);
		losses(out, r, n, fig);
		bench_time(out, r, n, fig);
		slow_set(out, r, n, fig);
		goals_out(out, goals, fig);
	}
	free(r);
	free(scratch);
	return rc;
}
