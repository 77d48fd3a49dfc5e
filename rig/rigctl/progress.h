/* What `rigctl run` shows while a run goes on: a one-line bar redrawn on a
 * terminal, plain lines otherwise. Formatting only (pure). */
#ifndef RIG_RIGCTL_PROGRESS_H
#define RIG_RIGCTL_PROGRESS_H

#include <stddef.h>

#include "rig/rigctl/args.h"

struct progress_view {
	int point;		/* 0-based index */
	int n_points;		/* 0 when not known */
	char name[64];
	double elapsed_s;
	double remaining_s;	/* < 0 when not known */
	double u_pct;		/* < 0 when not known */
};

/* "[#####.....] 3/9 light-load  2m10s elapsed, ~4m00s left, U 0.12 %", at most width columns. */
void progress_bar(const struct progress_view *v, int width, char *buf, size_t len);
/* "progress point 3/9 light-load elapsed 130 s remaining 240 s U 0.120 %". */
void progress_plain(const struct progress_view *v, char *buf, size_t len);

/* Exit code for a run's final state name ("passed", "failed", ...). */
enum rigctl_exit rigctl_exit_for_state(const char *state);

#endif
