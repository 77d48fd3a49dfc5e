#include "rig/core/stats.h"

#include <math.h>
#include <string.h>

/* Inverts the symmetric p x p matrix m (p <= 3) by Gauss-Jordan with
 * partial pivoting. */
static int invert(int p, double m[3][3], double out[3][3])
{
	double a[3][6];
	for (int i = 0; i < p; i++)
		for (int j = 0; j < p; j++) {
			a[i][j] = m[i][j];
			a[i][p + j] = i == j;
		}
	for (int c = 0; c < p; c++) {
		int piv = c;
		for (int r = c + 1; r < p; r++)
			if (fabs(a[r][c]) > fabs(a[piv][c]))
				piv = r;
		if (!(fabs(a[piv][c]) > 1e-300))
			return -1;
		if (piv != c)
			for (int j = 0; j < 2 * p; j++) {
				double t = a[c][j];
				a[c][j] = a[piv][j];
				a[piv][j] = t;
			}
		double d = a[c][c];
		for (int j = 0; j < 2 * p; j++)
			a[c][j] /= d;
		for (int r = 0; r < p; r++) {
			if (r == c)
				continue;
			double f = a[r][c];
			for (int j = 0; j < 2 * p; j++)
				a[r][j] -= f * a[c][j];
		}
	}
	for (int i = 0; i < p; i++)
		for (int j = 0; j < p; j++)
			out[i][j] = a[i][p + j];
	return 0;
}

int rig_lsq_fit(struct rig_lsq *ret, int n, int p, rig_lsq_row_fn row, const void *ctx)
{
	memset(ret, 0, sizeof(*ret));
	ret->n = n;
	ret->p = p;
	if ((p != 2 && p != 3) || n < p)
		return -1;
	/* pass 1: means */
	double m1 = 0, m2 = 0, my = 0;
	for (int i = 0; i < n; i++) {
		double x1, x2 = 0, y;
		row(ctx, i, &x1, &x2, &y);
		m1 += x1;
		m2 += x2;
		my += y;
	}
	m1 /= n;
	m2 /= n;
	my /= n;
	/* pass 2: centred cross products; the slopes come from these alone */
	double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
	for (int i = 0; i < n; i++) {
		double x1, x2 = 0, y;
		row(ctx, i, &x1, &x2, &y);
		x1 -= m1;
		x2 -= m2;
		y -= my;
		s11 += x1 * x1;
		s12 += x1 * x2;
		s22 += x2 * x2;
		s1y += x1 * y;
		s2y += x2 * y;
	}
	int q = p - 1;	/* slope parameters */
	double sc[3][3] = { { s11, s12 }, { s12, s22 } }, sinv[3][3];
	if (invert(q, sc, sinv))
		return -1;
	double b = sinv[0][0] * s1y + (q == 2 ? sinv[0][1] * s2y : 0);
	double c = q == 2 ? sinv[1][0] * s1y + sinv[1][1] * s2y : 0;
	double a = my - b * m1 - c * m2;
	ret->beta[0] = a;
	ret->beta[1] = b;
	ret->beta[2] = c;
	/* Covariance of (a, b, c) from the centred form. */
	double mv[2] = { m1, m2 };
	double var_a = 1.0 / n;
	for (int i = 0; i < q; i++)
		for (int j = 0; j < q; j++)
			var_a += mv[i] * sinv[i][j] * mv[j];
	ret->inv[0][0] = var_a;
	for (int i = 0; i < q; i++) {
		double cov_a = 0;
		for (int j = 0; j < q; j++)
			cov_a -= sinv[i][j] * mv[j];
		ret->inv[0][i + 1] = ret->inv[i + 1][0] = cov_a;
		for (int j = 0; j < q; j++)
			ret->inv[i + 1][j + 1] = sinv[i][j];
	}
	/* pass 3: residuals */
	double rss = 0;
	for (int i = 0; i < n; i++) {
		double x1, x2 = 0, y;
		row(ctx, i, &x1, &x2, &y);
		double r = (y - my) - b * (x1 - m1) - c * (x2 - m2);
		rss += r * r;
	}
	ret->rss = rss;
	ret->dof = n - p;
	return 0;
}

double rig_student_k2(double nu)
{
	const double p = 0.977249868051821;	/* Phi(2): one side of 95.45 % */
	if (!(nu < 1e7))
		return 2.0;
	int v = nu < 1 ? 1 : (int)nu;
	if (v == 1)
		return tan(M_PI * (p - 0.5));
	if (v == 2) {
		double a = 2 * p - 1;
		return a * sqrt(2.0 / (1 - a * a));
	}
	/* Cornish-Fisher expansion about z = 2 (Abramowitz & Stegun 26.7.5);
	 * within 0.2 % of the exact quantile from nu = 3 on. */
	const double z = 2.0, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
	double g1 = (z3 + z) / 4;
	double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
	double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
	double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
	return z + g1 / v + g2 / ((double)v * v) + g3 / ((double)v * v * v) +
	       g4 / ((double)v * v * v * v);
}

double rig_welch_satterthwaite(double uc, double u, double nu)
{
	if (!(u > 0) || !(nu < 1e7))
		return INFINITY;
	double r = uc / u;
	return nu * r * r * r * r;
}
