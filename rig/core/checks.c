#include "rig/core/checks.h"

#include <math.h>
#include <string.h>

/* --- creep and starting load -------------------------------------------------- */

void rig_edge_count_init(struct rig_edge_count *c, int64_t from_ns, int64_t to_ns)
{
	c->from_ns = from_ns;
	c->to_ns = to_ns;
	c->edges = 0;
}

void rig_edge_count_add(struct rig_edge_count *c, const struct rig_edge *e)
{
	if (e->timestamp_ns >= c->from_ns && e->timestamp_ns < c->to_ns)
		c->edges++;
}

enum rig_verdict rig_check_creep(const struct rig_edge_count *c, int max_edges)
{
	return c->edges <= max_edges ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
}

enum rig_verdict rig_check_starting_load(const struct rig_edge_count *c, int min_edges)
{
	return c->edges >= min_edges ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
}

/* --- duty cycle ------------------------------------------------------------------ */

void rig_duty_init(struct rig_duty *d, int64_t from_ns, double timing_sigma_s)
{
	memset(d, 0, sizeof(*d));
	d->from_ns = from_ns;
	d->timing_sigma_s = timing_sigma_s;
}

void rig_duty_edge(struct rig_duty *d, const struct rig_edge *e)
{
	if (e->timestamp_ns < d->from_ns)
		return;
	if (e->kind == RIG_EDGE_FALLING) {
		if (d->have_rise) {
			d->fall_ns = e->timestamp_ns;
			d->have_fall = true;
		}
		return;
	}
	if (d->have_rise && d->have_fall && d->fall_ns > d->rise_ns) {
		double high = (double)(d->fall_ns - d->rise_ns) / RIG_NS_PER_S;
		double period = (double)(e->timestamp_ns - d->rise_ns) / RIG_NS_PER_S;
		if (period > 0) {
			d->periods++;
			d->high_s += high;
			d->period_s += period;
			d->sum_frac += high / period;
			d->sum_frac2 += (high / period) * (high / period);
		}
	}
	d->have_rise = true;
	d->have_fall = false;
	d->rise_ns = e->timestamp_ns;
}

void rig_duty_result(const struct rig_duty *d, struct rig_duty_result *ret)
{
	ret->periods = d->periods;
	ret->duty = -1;
	ret->u_duty = 0;
	if (d->periods == 0)
		return;
	ret->duty = d->high_s / d->period_s;
	/* timing: each period's high time has two timestamps, and over the
	 * periods they add up independently */
	double u_timing = sqrt(2.0 * d->periods) * d->timing_sigma_s / d->period_s;
	double u_scatter = 0;
	int n = d->periods;
	if (n >= 3) {
		double mean = d->sum_frac / n;
		double var = (d->sum_frac2 - n * mean * mean) / (n - 1);
		u_scatter = var > 0 ? sqrt(var / n) : 0;
	}
	ret->u_duty = u_scatter > u_timing ? u_scatter : u_timing;
}

enum rig_verdict rig_check_duty(const struct rig_duty_result *r, double nominal, double band)
{
	if (r->periods == 0)
		return RIG_VERDICT_INDETERMINATE;
	return rig_verdict_accuracy(100 * (r->duty - nominal), 100 * 2 * r->u_duty, 100 * band);
}

/* --- output consistency ------------------------------------------------------------ */

enum rig_verdict rig_check_outputs_agree(const struct rig_output_reading *r, int n,
					 double band_pct, double *ret_max_diff_pct)
{
	enum rig_verdict v = RIG_VERDICT_NONE;
	double max_diff = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			if (!r[i].valid || !r[j].valid)
				continue;
			double diff = r[i].error_pct - r[j].error_pct;
			double u = sqrt(r[i].u_pct * r[i].u_pct + r[j].u_pct * r[j].u_pct);
			if (r[i].u_pct < 0 || r[j].u_pct < 0)
				u = -1;	/* unknown: indeterminate */
			v = rig_verdict_worst(v, rig_verdict_accuracy(diff, u, band_pct));
			if (fabs(diff) > max_diff)
				max_diff = fabs(diff);
		}
	if (ret_max_diff_pct)
		*ret_max_diff_pct = max_diff;
	return v;
}

/* --- LED state ------------------------------------------------------------------------ */

static int64_t clip(const struct rig_led *l, int64_t t)
{
	return t < l->from_ns ? l->from_ns : t > l->to_ns ? l->to_ns : t;
}

void rig_led_init(struct rig_led *l, int64_t from_ns, int64_t to_ns, bool on_at_from)
{
	memset(l, 0, sizeof(*l));
	l->from_ns = from_ns;
	l->to_ns = to_ns;
	l->on = on_at_from;
	l->since_ns = from_ns;
}

void rig_led_set(struct rig_led *l, int64_t t_ns, bool on)
{
	int64_t t = clip(l, t_ns);
	if (t < l->since_ns)
		t = l->since_ns;	/* never count time backwards */
	if (l->on)
		l->on_ns += t - l->since_ns;
	l->since_ns = t;
	if (on != l->on && t_ns >= l->from_ns && t_ns < l->to_ns)
		l->changes++;
	l->on = on;
}

void rig_led_edge(struct rig_led *l, const struct rig_edge *e)
{
	rig_led_set(l, e->timestamp_ns, e->kind == RIG_EDGE_RISING);
}

double rig_led_on_s(const struct rig_led *l, int64_t now_ns)
{
	int64_t on = l->on_ns;
	int64_t t = clip(l, now_ns);
	if (l->on && t > l->since_ns)
		on += t - l->since_ns;
	return (double)on / RIG_NS_PER_S;
}

bool rig_led_is_on(const struct rig_led *l)
{
	return l->on;
}

enum rig_verdict rig_check_led_on(const struct rig_led *l, int64_t now_ns, double min_on_s)
{
	return rig_led_on_s(l, now_ns) >= min_on_s ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
}

enum rig_verdict rig_check_led_off(const struct rig_led *l, int64_t now_ns, double max_on_s)
{
	return rig_led_on_s(l, now_ns) <= max_on_s ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
}

enum rig_led_expect rig_reverse_led_expected(unsigned loaded_mask, unsigned reversed_mask,
					     double primary_a)
{
	if (!(primary_a > RIG_REVERSE_LED_MIN_A) || loaded_mask == 0)
		return RIG_LED_EXPECT_EITHER;
	reversed_mask &= loaded_mask;
	if (reversed_mask == 0)
		return RIG_LED_EXPECT_OFF;
	if (reversed_mask == loaded_mask)
		return RIG_LED_EXPECT_ON;
	return RIG_LED_EXPECT_EITHER;
}
