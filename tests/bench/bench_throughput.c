/* Benchmark 4: meters per hour with 1, 4 and 8 positions on one source
 * (voltage in parallel, current in series), whole profile, virtual time.
 * Every position holds a different meter (model and error curve), so a
 * point lasts as long as its slowest position. Loading and unloading the
 * meters is not counted. */
#include <stdio.h>
#include <string.h>

#include "tests/bench/meters.h"

static const char *const models[] = {"MMS-120-2001", "MMD-120-2001"};

int main(void)
{
	static struct rig_profile prof;
	static struct vb_run run;
	const char *names[] = {"production", "ansi-c12.1"};
	const int sizes[] = {1, 4, 8};
	for (int i = 0; i < 2; i++) {
		vb_load_profile(names[i], &prof);
		double per_hour_1 = 0;
		for (int s = 0; s < 3; s++) {
			struct vb_config cfg;
			vb_bench_config(&cfg, &prof, sizes[s]);
			for (int p = 0; p < sizes[s]; p++) {
				cfg.meter[p] = vb_typical_meter(models[p % 2]);
				cfg.meter[p].error.base_pct = -0.2 + 0.05 * p;
			}
			vb_run_or_die(&cfg, &run);
			int passed = 0;
			for (int p = 0; p < sizes[s]; p++) {
				bool ok = true;
				for (int k = 0; k < prof.n_points; k++)
					if (run.pt[k].have[p] && run.pt[k].res[p].verdict != RIG_VERDICT_PASS)
						ok = false;
				passed += ok;
			}
			double per_hour = sizes[s] * 3600.0 / run.total_s;
			if (s == 0)
				per_hour_1 = per_hour;
			printf("%-11s %d position%s: run %s in %6.1f s, %d of %d meters pass, %6.1f meters/h"
			       " (%.2f x one position)\n",
			       names[i], sizes[s], sizes[s] > 1 ? "s" : " ", rig_run_state_name(run.state),
			       run.total_s, passed, sizes[s], per_hour, per_hour / per_hour_1);
		}
	}
	return 0;
}
