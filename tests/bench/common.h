/* Shared by the benchmark programs: a monotonic clock for the figures that
 * are wall-clock by nature (database latencies, ingest rates), medians, and
 * the GOAL lines `make bench` ends with. */
#ifndef RIG_BENCH_COMMON_H
#define RIG_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in seconds. */
double bench_now_s(void);

/* Process CPU time (user + system) in seconds. */
double bench_cpu_s(void);

/* Median of n values (sorts a copy). */
double bench_median(const double *v, size_t n);

/* Prints "GOAL <name> <measured> <target> PASS|MISS"; the target is text
 * such as "<10ms" so that a reader sees the comparison. Returns pass. */
bool bench_goal(const char *name, const char *measured, const char *target, bool pass);

/* Deterministic generator (xorshift64*): uniform in [0, 1), and a normal
 * deviate (Box-Muller). */
struct bench_rng {
	uint64_t s;
};
void bench_rng_seed(struct bench_rng *r, uint64_t seed);
double bench_uniform(struct bench_rng *r);
double bench_normal(struct bench_rng *r);

#endif
