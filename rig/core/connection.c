/* The connection check's verdict per position (connection.h). */
#include "rig/core/connection.h"

#include <stdio.h>
#include <string.h>

bool rig_connection_expected(double kh, double watts, double window_s)
{
	return kh > 0 && watts > 0 && window_s >= 2 * (kh / 2) * 3600 / watts;
}

enum rig_verdict rig_connection_judge(const struct rig_connection_line *l, int n, bool alive,
				      bool *silent, char *why, size_t len)
{
	int any = 0, missing = 0;
	char lines[160] = "";
	for (int i = 0; i < n; i++) {
		any += l[i].edges;
		if (l[i].expected && l[i].edges == 0) {
			size_t k = strlen(lines);
			snprintf(lines + k, sizeof(lines) - k, "%sKh %g", missing ? ", " : "", l[i].kh);
			missing++;
		}
	}
	*silent = any == 0 && !alive;
	if (any == 0 && alive) {
		snprintf(why, len, "no edge on any output while the meter's LEDs show it is there "
			 "(a dead meter, or a reversed CT cancelling the other element)");
		return RIG_VERDICT_FAIL;
	}
	if (*silent) {
		snprintf(why, len, "wiring: no edge on any line of this position "
			 "(an empty position or an unplugged cable)");
		return RIG_VERDICT_ERROR;
	}
	if (missing) {
		/* the meter is there and wired: a silent line is an unwired line
		 * or a dead output, which the points that gate it judge */
		snprintf(why, len, "no edge on %s: an unwired line or a dead output (not judged "
			 "here; the points that gate it are)", lines);
		return RIG_VERDICT_NONE;
	}
	snprintf(why, len, "edges on every expected line");
	return RIG_VERDICT_PASS;
}
