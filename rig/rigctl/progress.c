#include "rig/rigctl/progress.h"

#include <stdio.h>
#include <string.h>

#include "rig/common/timeutil.h"

static double fraction_done(const struct progress_view *v)
{
	double total = v->elapsed_s + (v->remaining_s > 0 ? v->remaining_s : 0);
	if (v->remaining_s >= 0 && total > 0)
		return v->elapsed_s / total;
	if (v->n_points > 0)
		return (double)v->point / v->n_points;
	return 0;
}

void progress_bar(const struct progress_view *v, int width, char *buf, size_t len)
{
	char elapsed[16], left[16], tail[160];
	rig_format_duration(v->elapsed_s, elapsed, sizeof(elapsed));
	int n = snprintf(tail, sizeof(tail), " %d/%d %s  %s", v->point + 1,
			 v->n_points > 0 ? v->n_points : v->point + 1, v->name, elapsed);
	if (v->remaining_s >= 0 && n < (int)sizeof(tail))
		n += snprintf(tail + n, sizeof(tail) - (size_t)n, ", ~%s left",
			      rig_format_duration(v->remaining_s, left, sizeof(left)));
	if (v->u_pct >= 0 && n < (int)sizeof(tail))
		snprintf(tail + n, sizeof(tail) - (size_t)n, ", U %.3f %%", v->u_pct);

	int bar = width - (int)strlen(tail) - 2;
	if (bar > 30)
		bar = 30;
	if (bar < 5)
		bar = 5;
	double f = fraction_done(v);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	int filled = (int)(f * bar + 0.5);
	char meter[40];
	for (int i = 0; i < bar; i++)
		meter[i] = i < filled ? '#' : '.';
	meter[bar] = '\0';
	snprintf(buf, len, "[%s]%s", meter, tail);
	if (width > 0 && strlen(buf) > (size_t)width && (size_t)width < len)
		buf[width] = '\0';
}

void progress_plain(const struct progress_view *v, char *buf, size_t len)
{
	int n = snprintf(buf, len, "progress point %d/%d %s elapsed %.0f s", v->point + 1,
			 v->n_points > 0 ? v->n_points : v->point + 1, v->name, v->elapsed_s);
	if (v->remaining_s >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " remaining %.0f s", v->remaining_s);
	if (v->u_pct >= 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " U %.3f %%", v->u_pct);
}

enum rigctl_exit rigctl_exit_for_state(const char *state)
{
	if (strcmp(state, "passed") == 0)
		return RIGCTL_EXIT_PASS;
	if (strcmp(state, "failed") == 0)
		return RIGCTL_EXIT_FAIL;
	if (strcmp(state, "indeterminate") == 0)
		return RIGCTL_EXIT_INDETERMINATE;
	if (strcmp(state, "aborted") == 0 || strcmp(state, "interrupted") == 0)
		return RIGCTL_EXIT_ABORTED;
	return RIGCTL_EXIT_ERROR;
}
