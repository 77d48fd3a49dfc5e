/* What the positions of one run must share, or take together, because one
 * source feeds them all: one voltage rating (voltage in parallel), and a
 * flush-mount enclosure of N meters takes N consecutive positions, one
 * meter each. Pure code. */
#ifndef RIG_CORE_BATCH_CHECK_H
#define RIG_CORE_BATCH_CHECK_H

#include "rig/core/error.h"
#include "rig/core/sequencer.h"

/* 0, or -1 with err naming the positions: meters rated for different
 * voltages, or an enclosure of N meters not given as N consecutive
 * positions with its model (each with its own serial). ret_rating_v
 * (may be NULL) gets the batch's element voltage, 0 with no meter. */
int rig_batch_check(const struct rig_run_plan *plan, double *ret_rating_v,
		    struct rig_error *err);

#endif
