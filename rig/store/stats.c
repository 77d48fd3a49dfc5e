#include "rig/store/stats.h"

#include <math.h>

void store_stats_add(struct store_stats *s, double x)
{
	s->n++;
	double delta = x - s->mean;
	s->mean += delta / s->n;
	s->m2 += delta * (x - s->mean);
}

double store_stats_sd(const struct store_stats *s)
{
	if (s->n < 2)
		return NAN;
	return sqrt(s->m2 / (s->n - 1));
}

double store_stats_cpk(const struct store_stats *s, double band_pct)
{
	double sd = store_stats_sd(s);
	if (!isfinite(sd) || sd <= 0)
		return NAN;
	double upper = band_pct - s->mean;
	double lower = s->mean + band_pct;
	return (upper < lower ? upper : lower) / (3 * sd);
}
