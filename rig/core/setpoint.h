/* A profile point on a fixture, for a meter model, in source terms: which
 * source phase drives which element, source amps from primary amps (CT
 * secondary ratio or turns of a loop), current angles from pf with the
 * fixture's sign convention, 180 degrees more for a reversed CT.
 *
 * Angles are absolute, relative to element 1's voltage: element 2's
 * voltage is at 180 degrees (the 120/240 V three-wire service the meter's
 * two elements are wired to), and each current sits at its voltage's angle
 * plus the power-factor angle. */
#ifndef RIG_CORE_SETPOINT_H
#define RIG_CORE_SETPOINT_H

#include "rig/core/error.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"

/* Primary amps of a point for a model: current_pct of the rated current
 * when current_pct >= 0, else current_a. */
double rig_setpoint_primary_a(const struct rig_point *p, const struct rig_meter_model *m);

/* Meter (primary) energy per unit of source energy: CT primary / secondary
 * when the source drives the CT input, the turns when it drives a loop. */
double rig_setpoint_primary_per_source(const struct rig_fixture *f,
				       const struct rig_meter_model *m);

/* Fills ret for point p. -1 with err (file:line of the point) when the
 * fixture or model cannot do it: a source phase not mapped for a used
 * element, amps or volts over the fixture's limits, a bad pf. */
int rig_setpoint_for_point(const struct rig_point *p, const struct rig_meter_model *m,
			   const struct rig_fixture *f, const char *profile_file,
			   struct rig_setpoint *ret, struct rig_error *err);

/* Active power one meter sees (primary watts) for a setpoint, summed over
 * elements: V I cos(voltage angle - current angle) x primary_per_source. */
double rig_setpoint_meter_power_w(const struct rig_setpoint *sp, double primary_per_source);

#endif
