/* Running statistics of percent errors (Welford), and process capability
 * against a symmetric band. Pure code. */
#ifndef RIG_STORE_STATS_H
#define RIG_STORE_STATS_H

struct store_stats {
	int n;
	double mean;
	double m2;		/* sum of squared deviations from the mean */
};

void store_stats_add(struct store_stats *s, double x);

/* Sample standard deviation (n - 1); NAN when n < 2. */
double store_stats_sd(const struct store_stats *s);

/* Cpk = min(band - mean, mean + band) / (3 sd) for limits -band..+band;
 * NAN when the standard deviation is not known or zero. */
double store_stats_cpk(const struct store_stats *s, double band_pct);

#endif
