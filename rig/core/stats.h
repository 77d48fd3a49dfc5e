/* Small statistics for the measurement core: a least-squares fit of a line
 * with an optional second regressor, and the Student t coverage factor. */
#ifndef RIG_CORE_STATS_H
#define RIG_CORE_STATS_H

/* Row i of the data: y = a + b*x1 (+ c*x2). */
typedef void (*rig_lsq_row_fn)(const void *ctx, int i, double *x1, double *x2, double *y);

struct rig_lsq {
	int n;
	int p;			/* parameters: 2 (a, b) or 3 (a, b, c) */
	double beta[3];		/* a, b, c */
	double inv[3][3];	/* (X'X)^-1; covariance = sigma^2 * inv */
	double rss;		/* residual sum of squares */
	int dof;		/* n - p */
};

/* Fits n rows with p = 2 or 3 parameters. Two passes over centred data so
 * tiny residuals on large values keep their precision. -1 when the system
 * is singular or n < p. */
int rig_lsq_fit(struct rig_lsq *ret, int n, int p, rig_lsq_row_fn row, const void *ctx);

/* Coverage factor for about 95.45 % two-sided (k = 2 for infinite dof) with
 * nu degrees of freedom; nu is truncated to an integer (GUM G.4.1 note),
 * nu < 1 is treated as 1. */
double rig_student_k2(double nu);

/* Welch-Satterthwaite: effective dof of a combined standard uncertainty uc
 * whose only finite-dof part is u (with nu dof). */
double rig_welch_satterthwaite(double uc, double u, double nu);

/* Welch-Satterthwaite over n contributions u[i] with nu[i] dof (>= 1e7 or
 * INFINITY: type B, no part in the sum). */
double rig_welch_satterthwaite_n(double uc, const double *u, const double *nu, int n);

#endif
