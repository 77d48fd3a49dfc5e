/* A reference instrument's accuracy specification: % of reading + floor per
 * voltage, current and power range, from a small text file the fixture
 * names (format in fixtures/README.md). Pure parse; the fixture loader
 * reads the file. */
#ifndef RIG_CORE_REFSPEC_H
#define RIG_CORE_REFSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"

#define RIG_REF_SPEC_MAX_RANGES 12

enum rig_ref_quantity { RIG_REF_VOLTAGE, RIG_REF_CURRENT, RIG_REF_POWER, RIG_REF_QUANTITIES };

struct rig_ref_range {
	double upper;		/* top of the range, V / A / W */
	double pct;		/* % of reading */
	double floor;		/* in the range's unit */
};

struct rig_ref_spec {
	char instrument[64];
	char source_file[256];
	char sha256[65];
	double coverage_factor;	/* the figures are expanded with this k */
	int n[RIG_REF_QUANTITIES];
	struct rig_ref_range range[RIG_REF_QUANTITIES][RIG_REF_SPEC_MAX_RANGES];
};

int rig_ref_spec_parse(const char *text, size_t len, const char *file, struct rig_ref_spec *ret,
		       struct rig_error *err);

/* Relative standard uncertainty of a reading on the smallest range that
 * holds it; < 0 when no range holds it (or none is specified). */
double rig_ref_spec_u_rel(const struct rig_ref_spec *s, enum rig_ref_quantity q, double reading);

/* Of one phase's active power: the power range's figure, and never better
 * than its voltage and current readings allow (a product's relative
 * uncertainties add in quadrature). < 0 when nothing covers it. */
double rig_ref_spec_power_u_rel(const struct rig_ref_spec *s, double volts, double amps,
				double watts);

#endif
