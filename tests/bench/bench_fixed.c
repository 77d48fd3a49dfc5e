/* Benchmark 3: the rig's adaptive gating against the usual method, a fixed
 * count of 10 Kh 10 pulses per point (rising edge to rising edge, energy
 * from the reference power times the time), on the same simulated meters
 * and accuracy points, in virtual time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/source/source.h"
#include "rig/core/gate.h"
#include "rig/core/setpoint.h"
#include "tests/bench/meters.h"

#define PULSES 10

static const char *const profiles[] = {"production", "ansi-c12.1"};
static const char *const models[] = {"MMS-120-2001", "MMD-120-2001"};

struct counter {
	uint32_t line;
	double settle_end_s;
	int rises;
	double first_s, last_s;
};

static void on_edge(void *ctx, const struct rig_edge *e)
{
	struct counter *c = ctx;
	double t = (double)(e->timestamp_ns - 1000 * RIG_NS_PER_S) / RIG_NS_PER_S;
	if (e->line != c->line || e->kind != RIG_EDGE_RISING || t < c->settle_end_s || c->rises > PULSES)
		return;
	if (c->rises == 0)
		c->first_s = t;
	c->last_s = t;
	c->rises++;
}

struct method {
	double time_s, max_d, sum_d2, max_u;
	int n;
};

static void add(struct method *m, double used, double d, double u)
{
	m->time_s += used;
	m->n++;
	m->sum_d2 += d * d;
	if (fabs(d) > m->max_d)
		m->max_d = fabs(d);
	if (u > m->max_u)
		m->max_u = u;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_fixed: %s\n", what);
	exit(2);
}

/* One point by pulse counting: apply, settle, read the power, count. */
static void count_point(struct vb_bench *vb, const struct vb_config *cfg, int k, bool first,
			struct method *fixed, double *ret_used, double *ret_d)
{
	const struct rig_point *p = &cfg->profile->points[k];
	struct rig_meter_model m;
	struct rig_error e;
	char err[256];
	if (rig_model_decode(cfg->meter[0].model, &m, &e) < 0)
		die(e.msg);
	struct rig_cmd cmd = {.kind = RIG_CMD_APPLY};
	if (rig_setpoint_for_point(p, &m, &cfg->fixture, "", &cmd.sp, &e) < 0)
		die(e.msg);
	double t0 = vb_bench_now_s(vb);
	struct source_result r;
	if (vb_bench_cmd(vb, &cmd, &r, err, sizeof(err)) < 0)
		die(err);
	if (first) {
		struct rig_cmd on = {.kind = RIG_CMD_OUTPUT_ON};
		if (vb_bench_cmd(vb, &on, &r, err, sizeof(err)) < 0)
			die(err);
	}
	double settle = p->settle_s > cfg->fixture.settle_s ? p->settle_s : cfg->fixture.settle_s;
	struct counter c = {.line = (uint32_t)cfg->fixture.pos[0][RIG_SIG_KH10].line};
	c.settle_end_s = vb_bench_now_s(vb) + settle;
	vb_bench_advance(vb, c.settle_end_s, NULL, NULL);
	struct rig_cmd rp = {.kind = RIG_CMD_READ_POWER, .sp = cmd.sp};
	if (vb_bench_cmd(vb, &rp, &r, err, sizeof(err)) < 0)
		die(err);
	double watts = r.power_w * rig_setpoint_primary_per_source(&cfg->fixture, &m);
	while (c.rises <= PULSES)
		vb_bench_advance(vb, vb_bench_now_s(vb) + 0.05, on_edge, &c);
	double t = c.last_s - c.first_s;
	double err_pct = rig_percent_registration(p->output_kh, PULSES, watts, t) - 100;
	double d = err_pct - vb_bench_true_error(vb, 1);
	struct vb_timing tm = {.jitter_s = cfg->meter[0].jitter_s, .quantum_s = cfg->meter[0].update_s};
	double u_ref = cfg->fixture.ref_u_pct / 2 / 100, u_t = vb_span_sigma_s(&tm) / t;
	double u = 2 * 100 * sqrt(u_ref * u_ref + u_t * u_t);
	*ret_used = c.last_s - t0;
	*ret_d = d;
	add(fixed, *ret_used, d, u);
	printf(" | %d pulses: %7.1f s  err %+.4f diff %+.4f (U %.3f)", PULSES, *ret_used, err_pct, d, u);
}

int main(void)
{
	static struct rig_profile prof[2];
	static struct vb_run run;
	struct method adaptive = {0}, fixed = {0};
	for (int i = 0; i < 2; i++)
		vb_load_profile(profiles[i], &prof[i]);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			struct vb_config cfg;
			vb_bench_config(&cfg, &prof[i], 1);
			cfg.meter[0] = vb_typical_meter(models[j]);
			vb_run_or_die(&cfg, &run);
			char err[256];
			struct vb_bench *vb = vb_bench_open(&cfg, err, sizeof(err));
			if (!vb)
				die(err);
			printf("%s on %s, accuracy points:\n", prof[i].name, models[j]);
			bool first = true;
			for (int k = 0; k < prof[i].n_points; k++) {
				const struct vb_point *pt = &run.pt[k];
				if (prof[i].points[k].kind != RIG_POINT_ACCURACY || !pt->have[0])
					continue;
				double used = pt->end_s - pt->start_s;
				double d = pt->res[0].gate.error_pct - pt->true_error_pct[0];
				add(&adaptive, used, d, pt->res[0].gate.u_pct);
				printf("  %-20s adaptive: %6.1f s  err %+.4f diff %+.4f (U %.3f)",
				       prof[i].points[k].name, used, pt->res[0].gate.error_pct, d,
				       pt->res[0].gate.u_pct);
				double fused, fd;
				count_point(vb, &cfg, k, first, &fixed, &fused, &fd);
				first = false;
				printf("\n");
			}
			vb_bench_close(vb);
		}
	double speedup = fixed.time_s / adaptive.time_s;
	printf("\n%d accuracy points: adaptive %.0f s, largest |diff| %.4f %%, rms %.4f %%;"
	       " %d pulses %.0f s, largest |diff| %.4f %%, rms %.4f %%\n",
	       adaptive.n, adaptive.time_s, adaptive.max_d, sqrt(adaptive.sum_d2 / adaptive.n), PULSES,
	       fixed.time_s, fixed.max_d, sqrt(fixed.sum_d2 / fixed.n));
	printf("bench time, %d pulses / adaptive: %.2f; largest |diff|, %d pulses / adaptive: %.2f\n",
	       PULSES, speedup, PULSES, fixed.max_d / adaptive.max_d);
	char m[64];
	snprintf(m, sizeof(m), "%.2fx", speedup);
	bench_goal("adaptive_vs_10_pulses_speed", m, ">=3x", speedup >= 3);
	snprintf(m, sizeof(m), "%.4f%%vs%.4f%%", adaptive.max_d, fixed.max_d);
	bench_goal("adaptive_vs_10_pulses_error", m, "adaptive<=fixed", adaptive.max_d <= fixed.max_d);
	return 0;
}
