/* Retests: how the attempts of one point combine into its final result.
 *
 * Keeping only the last attempt of an indeterminate point lets chance pick
 * the verdict: a meter just outside the band is measured until one attempt
 * happens to pass. Instead every attempt with an estimate is pooled, and
 * the pooled result is judged with a guard that keeps the specific risk of
 * a false PASS at the band edge under RIG_RETEST_RISK over all the looks
 * together (see retest.c for why this rule and not another). */
#ifndef RIG_CORE_RETEST_H
#define RIG_CORE_RETEST_H

#include <stdbool.h>

/* Specific false-accept risk allowed at the band edge over all attempts of
 * a point (ILAC G8 with w = U allows 2.5 %; one look at k = 2 uses 2.275 %). */
#define RIG_RETEST_RISK 0.025

/* One attempt as the pool takes it: an estimate (percent), its combined
 * standard uncertainty, the part of it every attempt shares (the reference,
 * the update quantization, ...: counted once in the pool, never averaged
 * down; taken to have infinite dof) and the effective degrees of freedom
 * of the combined uncertainty (INFINITY when none are finite). */
struct rig_attempt {
	int attempt;		/* 1-based, for the record */
	double value_pct;
	double u_c_pct;
	double u_shared_pct;
	double nu;
};

struct rig_pooled {
	int n;			/* attempts pooled */
	double value_pct;	/* inverse-variance weighted mean */
	double u_c_pct;		/* combined standard uncertainty of the mean */
	double nu;		/* Welch-Satterthwaite */
	double k;		/* coverage factor, 95.45 % (as the gate's) */
	double u_pct;		/* expanded: k * u_c_pct */
	double k_judge;		/* the guard's coverage factor for this look */
	double u_judge_pct;	/* the guard w = k_judge * u_c_pct the verdict uses */
};

/* The attempt from a gate-like result: expanded U and its coverage factor
 * k (k > 0; k = 2 means infinite dof), the shared part as a relative
 * standard uncertainty of the registration. false when it has no estimate
 * to pool (nothing measured, or a bound rather than a measurement). */
bool rig_attempt_from_expanded(int attempt, double value_pct, double u_pct, double k,
			       double shared_u_rel, struct rig_attempt *ret);

/* Pools n >= 1 attempts. look is the attempt being judged (1-based; the
 * first look is judged at k), max_retests the profile's: the looks after
 * the first share what is left of RIG_RETEST_RISK. -1 when n < 1 or an
 * attempt has no positive uncertainty. */
int rig_retest_pool(const struct rig_attempt *a, int n, int look, int max_retests,
		    struct rig_pooled *ret);

/* The guard's coverage factor for a look at one estimate (a gate extended
 * rather than measured again: its later looks see the earlier evidence and
 * more), by the same rule as the pool's: look 1 is judged at k, the later
 * looks share what is left of RIG_RETEST_RISK. k is the estimate's own
 * 95.45 % coverage factor (2 for infinite dof); k <= 0 (a bound) is
 * returned as it is. */
double rig_retest_guard_k(double k, int look, int max_retests);

#endif
