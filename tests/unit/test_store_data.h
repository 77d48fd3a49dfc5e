/* Test data for the store and report suites: a small bench, profile and
 * meters written out by hand (no parser involved), and temporary folders. */
#ifndef TEST_STORE_DATA_H
#define TEST_STORE_DATA_H

#include "rig/core/sequencer.h"
#include "rig/store/store.h"

#define TSD_POINTS 4	/* full load, light load, pf 0.5 lag, creep */

struct tsd_bench {
	struct rig_profile profile;
	struct rig_fixture fixture;
	struct rig_run_plan plan;
	struct store_run_meta meta;
};

/* Two positions with the given serials (NULL: position empty). */
void tsd_bench_init(struct tsd_bench *b, const char *serial0, const char *serial1,
		    int64_t started_ms);

/* An accuracy result (DONE gate) or, for the creep point, an edge count;
 * position is the plan's index (from 0), the result carries the bench's
 * number (from 1), as the sequencer gives it. */
struct rig_point_result tsd_result(int point, int position, int attempt, double error_pct,
				   double u_pct, double current_a, enum rig_verdict v);

/* The station key in dir (made when missing) signs s's chain head with
 * every seal, as rigd's does, and is recorded with the bench's station. */
void tsd_sign_heads(struct store *s, const char *dir);

/* mkdtemp under TMPDIR; path of "results.db" inside it into db_path. */
void tsd_tmpdir(char dir[64], char db_path[96]);
/* Removes the folder and every file in it. */
void tsd_rmdir(const char *dir);

#endif
