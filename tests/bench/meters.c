#include "tests/bench/meters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vb_meter vb_typical_meter(const char *model)
{
	return (struct vb_meter){
		.model = model,
		.error = {
			.base_pct = 0.12,
			.per_decade_pct = 0.05,
			.pf_pct = 0.2,
			.per_volt_pct = 0.002,
			.per_hz_pct = 0.005,
		},
		.jitter_s = VB_JITTER_S,
		.update_s = VB_QUANTUM_S,
	};
}

void vb_load_profile(const char *name, struct rig_profile *ret)
{
	char path[256];
	snprintf(path, sizeof(path), "profiles/%s.profile", name);
	struct rig_error err = { 0 };
	if (rig_profile_load(path, ret, &err) < 0) {
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
		exit(2);
	}
}

void vb_bench_config(struct vb_config *cfg, const struct rig_profile *p, int n_positions)
{
	memset(cfg, 0, sizeof(*cfg));
	char err[256];
	if (vb_fixture(&cfg->fixture, n_positions, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	cfg->fixture.timing_sigma_s = VB_JITTER_S;
	cfg->profile = p;
	cfg->n_positions = n_positions;
	cfg->seed = 1;
	cfg->cmd_line_s = VB_CMD_LINE_S;
}

void vb_run_or_die(const struct vb_config *cfg, struct vb_run *run)
{
	char err[256];
	if (vb_run(cfg, run, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtual bench: %s\n", err);
		exit(2);
	}
}

void vb_point_limit(const struct vb_config *cfg, int point, int i, struct vb_limit *ret)
{
	struct rig_meter_model m;
	struct rig_error err;
	if (rig_model_decode(cfg->meter[i].model, &m, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	struct vb_timing t = { .jitter_s = cfg->meter[i].jitter_s, .quantum_s = cfg->meter[i].update_s };
	vb_limit(&cfg->profile->points[point], &cfg->fixture, &m, &t, ret);
}
