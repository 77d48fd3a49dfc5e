/* Least squares and Student's t from GSL: a well-kept library rather than
 * hand-written inversions and series. */
#include "rig/core/stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <string.h>

/* Fits the rows centred on their means (the slopes come from the centred
 * cross products alone, so tiny residuals on large values keep their
 * precision), then puts the intercept and its covariance back. */
int rig_lsq_fit(struct rig_lsq *ret, int n, int p, rig_lsq_row_fn row, const void *ctx)
{
	memset(ret, 0, sizeof(*ret));
	ret->n = n;
	ret->p = p;
	if ((p != 2 && p != 3) || n < p)
		return -1;
	int q = p - 1;	/* slope parameters */
	double mean[3] = { 0 };
	for (int i = 0; i < n; i++) {
		double x1, x2 = 0, y;
		row(ctx, i, &x1, &x2, &y);
		mean[0] += x1;
		mean[1] += x2;
		mean[2] += y;
	}
	for (int j = 0; j < 3; j++)
		mean[j] /= n;

	gsl_error_handler_t *old = gsl_set_error_handler_off();
	gsl_matrix *X = gsl_matrix_alloc((size_t)n, (size_t)q);
	gsl_vector *y = gsl_vector_alloc((size_t)n), *w = gsl_vector_alloc((size_t)n);
	gsl_vector *c = gsl_vector_alloc((size_t)q);
	gsl_matrix *cov = gsl_matrix_alloc((size_t)q, (size_t)q);
	gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc((size_t)n, (size_t)q);
	int rc = -1;
	if (!X || !y || !w || !c || !cov || !ws)
		goto out;
	for (int i = 0; i < n; i++) {
		double x1, x2 = 0, yi;
		row(ctx, i, &x1, &x2, &yi);
		gsl_matrix_set(X, (size_t)i, 0, x1 - mean[0]);
		if (q == 2)
			gsl_matrix_set(X, (size_t)i, 1, x2 - mean[1]);
		gsl_vector_set(y, (size_t)i, yi - mean[2]);
		gsl_vector_set(w, (size_t)i, 1.0);
	}
	double chisq;
	size_t rank;
	/* weights of 1: cov is (X'X)^-1, unscaled; a rank-deficient design
	 * (all regressors equal) is refused rather than minimum-norm solved */
	if (gsl_multifit_wlinear_tsvd(X, w, y, 1e-12, c, cov, &chisq, &rank, ws) ||
	    rank < (size_t)q)
		goto out;
	double b = gsl_vector_get(c, 0), cc = q == 2 ? gsl_vector_get(c, 1) : 0;
	ret->beta[0] = mean[2] - b * mean[0] - cc * mean[1];
	ret->beta[1] = b;
	ret->beta[2] = cc;
	double var_a = 1.0 / n;
	for (int i = 0; i < q; i++)
		for (int j = 0; j < q; j++)
			var_a += mean[i] * gsl_matrix_get(cov, (size_t)i, (size_t)j) * mean[j];
	ret->inv[0][0] = var_a;
	for (int i = 0; i < q; i++) {
		double cov_a = 0;
		for (int j = 0; j < q; j++)
			cov_a -= gsl_matrix_get(cov, (size_t)i, (size_t)j) * mean[j];
		ret->inv[0][i + 1] = ret->inv[i + 1][0] = cov_a;
		for (int j = 0; j < q; j++)
			ret->inv[i + 1][j + 1] = gsl_matrix_get(cov, (size_t)i, (size_t)j);
	}
	ret->rss = chisq;
	ret->dof = n - p;
	rc = 0;
out:
	gsl_multifit_linear_free(ws);
	gsl_matrix_free(cov);
	gsl_vector_free(c);
	gsl_vector_free(w);
	gsl_vector_free(y);
	gsl_matrix_free(X);
	gsl_set_error_handler(old);
	return rc;
}

double rig_student_k2(double nu)
{
	const double p = 0.977249868051821;	/* Phi(2): one side of 95.45 % */
	if (!(nu < 1e7))
		return 2.0;
	int v = nu < 1 ? 1 : (int)nu;
	return gsl_cdf_tdist_Pinv(p, v);
}

double rig_welch_satterthwaite(double uc, double u, double nu)
{
	if (!(u > 0) || !(nu < 1e7))
		return INFINITY;
	double r = uc / u;
	return nu * r * r * r * r;
}

double rig_welch_satterthwaite_n(double uc, const double *u, const double *nu, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		if (u[i] > 0 && nu[i] < 1e7)
			sum += pow(u[i], 4) / nu[i];
	if (!(sum > 0) || !(uc > 0))
		return INFINITY;
	return pow(uc, 4) / sum;
}
