/* Benchmark 7 (validation): the measuring core against a meter model
 * written independently of rig-sim's (tests/bench/indep_meter.c), on
 * randomized points from 120 W to 48 kW; see valbench.h for the sets and
 * BENCHMARKS.md for the method.
 *
 * usage: bench_valbench [UNIFORM_RUNS [NEAR_BAND_RUNS [SLOW_RUNS]]]
 * VALBENCH_QUICK=1 runs a tenth of the default; VALBENCH_SEED=N draws
 * another set of points (default 2026); VALBENCH_DIAG=1 adds coverage by
 * budget term, period check, edges, k and update period. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/bench/valbench.h"

int main(int argc, char **argv)
{
	int div = getenv("VALBENCH_QUICK") && *getenv("VALBENCH_QUICK") == '1' ? 10 : 1;
	int uniform = argc > 1 ? atoi(argv[1]) : 1500 / div;
	int near = argc > 2 ? atoi(argv[2]) : 900 / div;
	int slow = argc > 3 ? atoi(argv[3]) : 200 / div;
	printf("independent meter model: register updated every q (1-50 ms, random phase), "
	       "true error e, rise/fall delays 5-1500 us, jitter 20-300 us, Kh 10/100/1000 outputs, "
	       "kernel sequence numbers, drops; source read-back with its own error\n");
	const char *seed_env = getenv("VALBENCH_SEED");
	uint64_t seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 10) : 2026;
	struct val_figures fig;
	char err[256];
	if (val_bench(seed, uniform, near, slow, stdout, true, &fig, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_valbench: %s\n", err);
		return 1;
	}
	return 0;
}
