/* The physical limit of a point: the least bench time in which the meter's
 * own edges can carry the evidence the point needs (BENCHMARKS.md, "The
 * limit"). Pure arithmetic on the point, the fixture and the meter model. */
#ifndef RIG_BENCH_LIMITS_H
#define RIG_BENCH_LIMITS_H

#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"

struct vb_timing {
	double jitter_s;	/* edge jitter (input and meter), standard deviation */
	double quantum_s;	/* pulse-update period: each edge is late by U(0, quantum) */
};

struct vb_limit {
	double settle_s;	/* the larger of the point's and the fixture's settle */
	double edge_s;		/* time between edges of the measured output */
	double span_s;		/* the evidence: whole edge intervals */
	int intervals;
	double total_s;		/* settle + span; INFINITY when the target is below the reference */
	const char *bound;	/* what set the span: "uncertainty", "min_edges", "min_gate", "window" */
};

/* Standard uncertainty of the time between two edges. */
double vb_span_sigma_s(const struct vb_timing *t);

void vb_limit(const struct rig_point *p, const struct rig_fixture *f,
	      const struct rig_meter_model *m, const struct vb_timing *t, struct vb_limit *ret);

#endif
