/* Pooling the attempts of a retested point.
 *
 * Why pooling, and why a raised guard. Two honest rules were possible:
 * require every attempt to pass, or combine the attempts. Requiring every
 * attempt to pass makes a retest after an indeterminate attempt useless for
 * any good meter (that attempt never passed) and turns its chance failures
 * into FAILs; keeping the last attempt (the old rule) lets chance choose.
 * Combining uses all the evidence, as the GUM asks: the attempts' estimates
 * are weighted by the inverse variance of what is independent between them
 * (the edge scatter), and the terms every attempt shares (the reference,
 * the same instrument and range each time; the pulse-update quantization,
 * whose slow sawtooth consecutive gates share; the edge clock) are counted
 * once at full size, never averaged down.
 *
 * Pooled estimates are still looked at more than once: attempt 1 was
 * judged on its own (and found indeterminate), then attempts 1..j together.
 * At the band edge each look has its own chance of a false PASS, and
 * with independent attempts judged at k = 2 the total for three looks
 * comes to about 4.9 % instead of 2.3 %. So the looks after the first are
 * judged with a wider guard: whatever the correlation between the looks,
 * the chance that any of them passes a meter at the band edge is at most
 * the sum of their chances (Bonferroni). The first look, at k = 2, has
 * 2.275 %; the retests share the rest of RIG_RETEST_RISK (2.5 %, ILAC G8
 * with w = U) equally, each with the one-sided Student t quantile at the
 * pooled result's effective degrees of freedom. The pooled U stated with
 * the result stays the ordinary 95.45 % one; only the verdict uses the
 * guard, and the result's detail says which was used. */
#include "rig/core/retest.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

#include "rig/core/stats.h"

/* Degrees of freedom the gate's coverage factor k stands for (it is
 * rig_student_k2 of them): the smallest whole number giving k or less. */
static double nu_of_k(double k)
{
	if (!(k > 2.0 + 1e-12))
		return INFINITY;
	if (rig_student_k2(1e6) > k)
		return INFINITY;
	double lo = 1, hi = 1e6;	/* k2(lo) >= k >= k2(hi) */
	if (rig_student_k2(lo) <= k)
		return lo;
	while (hi - lo > 1) {
		double mid = floor((lo + hi) / 2);
		if (rig_student_k2(mid) > k)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

bool rig_attempt_from_expanded(int attempt, double value_pct, double u_pct, double k,
			       double shared_u_rel, struct rig_attempt *ret)
{
	/* k = 0 marks a bound (an interval with full coverage), not an estimate */
	if (!(u_pct > 0) || !(k > 0) || !isfinite(value_pct))
		return false;
	double u_c = u_pct / k;
	double shared = shared_u_rel > 0 ? shared_u_rel * (100.0 + value_pct) : 0;
	if (shared > u_c)
		shared = u_c;
	*ret = (struct rig_attempt){
		.attempt = attempt,
		.value_pct = value_pct,
		.u_c_pct = u_c,
		.u_shared_pct = shared,
		.nu = nu_of_k(k),
	};
	return true;
}

/* Coverage factor for the one-sided risk alpha at nu degrees of freedom
 * (truncated to a whole number, GUM G.4.1, as rig_student_k2 does). */
static double k_one_sided(double alpha, double nu)
{
	if (!(nu < 1e7))
		return gsl_cdf_ugaussian_Qinv(alpha);
	return gsl_cdf_tdist_Qinv(alpha, nu < 1 ? 1 : floor(nu));
}

/* The looks after the first share what the first leaves of RIG_RETEST_RISK. */
static double guard_k(double k, double nu, int look, int max_retests)
{
	if (look <= 1)
		return k;
	double first = 1 - 0.5 * (1 + erf(2 / sqrt(2.0)));	/* Phi(-2) */
	int looks = max_retests > 0 ? max_retests : 1;
	double alpha = (RIG_RETEST_RISK - first) / looks;
	return fmax(k, k_one_sided(alpha, nu));
}

int rig_retest_pool(const struct rig_attempt *a, int n, int look, int max_retests,
		    struct rig_pooled *ret)
{
	if (n < 1)
		return -1;
	double sum_w = 0, sum_wx = 0, shared = 0;
	double u_ind[n];
	for (int i = 0; i < n; i++) {
		if (!(a[i].u_c_pct > 0))
			return -1;
		double var = a[i].u_c_pct * a[i].u_c_pct - a[i].u_shared_pct * a[i].u_shared_pct;
		/* an attempt all reference still has its own resolution */
		u_ind[i] = sqrt(fmax(var, 1e-6 * a[i].u_c_pct * a[i].u_c_pct));
		double w = 1 / (u_ind[i] * u_ind[i]);
		sum_w += w;
		sum_wx += w * a[i].value_pct;
		/* fully correlated: the weighted mean carries the weighted mean
		 * of the shared errors, whole */
		shared += w * a[i].u_shared_pct;
	}
	shared /= sum_w;
	double u_mean2 = 1 / sum_w;
	double u_c = sqrt(u_mean2 + shared * shared);
	/* Welch-Satterthwaite: attempt i adds u_mean^2 / u_ind_i to the
	 * mean's uncertainty, with the dof of its independent part (the
	 * shared part having none finite) */
	double denom = 0;
	for (int i = 0; i < n; i++) {
		if (!(a[i].nu < 1e7))
			continue;
		double r = u_ind[i] / a[i].u_c_pct;
		double nu_i = a[i].nu * r * r * r * r;
		double c = u_mean2 / u_ind[i];
		denom += c * c * c * c / nu_i;
	}
	/* (1 + 1e-9): rounding must not cost a whole degree when truncated */
	double nu = denom > 0 ? u_c * u_c * u_c * u_c / denom * (1 + 1e-9) : INFINITY;

	ret->n = n;
	ret->value_pct = sum_wx / sum_w;
	ret->u_c_pct = u_c;
	ret->nu = nu;
	ret->k = rig_student_k2(nu);
	ret->u_pct = ret->k * u_c;
	ret->k_judge = guard_k(ret->k, nu, look, max_retests);
	ret->u_judge_pct = ret->k_judge * u_c;
	return 0;
}

double rig_retest_guard_k(double k, int look, int max_retests)
{
	if (!(k > 0))
		return k;
	return guard_k(k, nu_of_k(k), look, max_retests);
}
