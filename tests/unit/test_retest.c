/* Pooling a retested point's attempts (rig/core/retest.c). */
#include <check.h>
#include <math.h>

#include "rig/core/retest.h"
#include "rig/core/stats.h"

START_TEST(equal_attempts_pool_the_independent_part_only)
{
	/* two attempts, each u 0.05 % of which the reference is 0.03 % */
	struct rig_attempt a[2];
	ck_assert(rig_attempt_from_expanded(1, 0.30, 0.10, 2.0, 0.0003, &a[0]));
	ck_assert(rig_attempt_from_expanded(2, 0.40, 0.10, 2.0, 0.0003, &a[1]));
	ck_assert_double_eq_tol(a[0].u_shared_pct, 0.0003 * 100.30, 1e-12);
	struct rig_pooled p;
	ck_assert_int_eq(rig_retest_pool(a, 2, 2, 2, &p), 0);
	ck_assert_int_eq(p.n, 2);
	ck_assert_double_eq_tol(p.value_pct, 0.35, 1e-4);
	/* independent parts sqrt(0.05^2 - 0.0301^2) halve in variance; the
	 * reference stays whole */
	double ui0 = sqrt(0.05 * 0.05 - a[0].u_shared_pct * a[0].u_shared_pct);
	double ui1 = sqrt(0.05 * 0.05 - a[1].u_shared_pct * a[1].u_shared_pct);
	double w0 = 1 / (ui0 * ui0), w1 = 1 / (ui1 * ui1);
	double u_mean2 = 1 / (w0 + w1);
	/* the shared errors, fully correlated, carry into the mean whole */
	double shared = (w0 * a[0].u_shared_pct + w1 * a[1].u_shared_pct) / (w0 + w1);
	ck_assert_double_eq_tol(p.u_c_pct, sqrt(u_mean2 + shared * shared), 1e-12);
	ck_assert(p.u_c_pct > 0.05 / sqrt(2.0));	/* the reference is not averaged down */
	ck_assert_double_eq_tol(p.k, 2.0, 1e-12);
	/* the second look: (2.5 % - 2.275 %) / 2 retests, one-sided: z = 3.05 */
	ck_assert_double_eq_tol(p.k_judge, 3.054, 0.005);
	ck_assert_double_eq_tol(p.u_judge_pct, p.k_judge * p.u_c_pct, 1e-12);
}
END_TEST

START_TEST(degrees_of_freedom_and_bounds)
{
	/* a bound (k = 0) and nothing measured (u < 0) are not estimates */
	struct rig_attempt a[2];
	ck_assert(!rig_attempt_from_expanded(1, -50, 50, 0, 0, &a[0]));
	ck_assert(!rig_attempt_from_expanded(1, 0, -1, 2, 0, &a[0]));
	/* the dof behind a Student factor come back from it */
	ck_assert(rig_attempt_from_expanded(1, 0.1, rig_student_k2(2) * 0.02, rig_student_k2(2), 0,
					    &a[0]));
	ck_assert_double_eq_tol(a[0].nu, 2, 1e-12);
	ck_assert(rig_attempt_from_expanded(2, 0.1, 2.0 * 0.02, 2.0, 0, &a[1]));
	ck_assert(isinf(a[1].nu));
	struct rig_pooled p;
	ck_assert_int_eq(rig_retest_pool(a, 2, 2, 2, &p), 0);
	/* Welch-Satterthwaite: half of the variance from 2 dof: nu = 2 * 4 = 8 */
	ck_assert_double_eq_tol(p.nu, 8, 1e-6);
	ck_assert_double_eq_tol(p.k, rig_student_k2(8), 1e-12);
	ck_assert(p.k_judge > p.k);
	/* the first look is judged as it always was */
	ck_assert_int_eq(rig_retest_pool(a, 1, 1, 2, &p), 0);
	ck_assert_double_eq(p.k_judge, p.k);
	ck_assert_int_eq(rig_retest_pool(a, 0, 1, 2, &p), -1);
}
END_TEST

/* A gate extended instead of retested is judged by the pool's rule. */
START_TEST(guard_for_a_single_extended_estimate)
{
	ck_assert_double_eq(rig_retest_guard_k(2.0, 1, 2), 2.0);
	ck_assert_double_eq_tol(rig_retest_guard_k(2.0, 2, 2), 3.054, 0.005);
	ck_assert_double_eq_tol(rig_retest_guard_k(2.0, 3, 2), 3.054, 0.005);
	/* one retest allowed: it alone has the 0.225 % left */
	ck_assert_double_eq_tol(rig_retest_guard_k(2.0, 2, 1), 2.84, 0.005);
	/* few dof: Student's t, never below the estimate's own k */
	double k4 = rig_student_k2(4);
	ck_assert(rig_retest_guard_k(k4, 2, 2) > rig_retest_guard_k(2.0, 2, 2));
	ck_assert(rig_retest_guard_k(k4, 2, 2) >= k4);
	/* a bound is not an estimate */
	ck_assert_double_eq(rig_retest_guard_k(0, 2, 2), 0);
}
END_TEST

Suite *suite_retest(void)
{
	Suite *s = suite_create("retest");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, equal_attempts_pool_the_independent_part_only);
	tcase_add_test(tc, degrees_of_freedom_and_bounds);
	tcase_add_test(tc, guard_for_a_single_extended_estimate);
	suite_add_tcase(s, tc);
	return s;
}
