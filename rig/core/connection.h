/* The connection check: a short current step before the meters are
 * judged, so a wiring fault reads as one and not as a meter failure.
 * Pure code. */
#ifndef RIG_CORE_CONNECTION_H
#define RIG_CORE_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/verdict.h"

struct rig_connection_line {
	double kh;		/* Wh per pulse of the output */
	bool expected;		/* the step is long enough for it to show edges */
	int edges;
};

/* True when window_s at watts (at the meter) holds two whole edge periods
 * of an output of kh Wh per pulse (an edge every kh / 2 Wh), so an edge
 * is certain whatever its phase. */
bool rig_connection_expected(double kh, double watts, double window_s);

/* PASS when every expected line had an edge. Some lines silent while
 * others edge: NONE (no verdict), why naming them (an unwired line or a
 * dead output; the accuracy points judge the output). No edge at all:
 * ERROR, why saying "wiring: ...". *silent: no edge on any line and no
 * sign of the meter: an empty position. alive: the meter showed itself (its
 * power or reverse-phase LED lit): silent outputs are then the meter's
 * (a dead meter, or a reversed CT cancelling the other element), FAIL. */
enum rig_verdict rig_connection_judge(const struct rig_connection_line *l, int n, bool alive,
				      bool *silent, char *why, size_t len);

#endif
