/* A profile point on a fixture, for a meter model, in source terms: which
 * source phase drives which element, source amps from primary amps (CT
 * secondary ratio or turns of a loop), current angles from pf with the
 * fixture's sign convention, 180 degrees more for a reversed CT.
 *
 * Angles are absolute, relative to element 1's voltage: element 2's
 * voltage is at 180 degrees on a 120/240 V three-wire service, 120 degrees
 * behind on two phases of a 120/208 V wye (the fixture's network), and
 * each current sits at its voltage's angle plus the power-factor angle. */
#ifndef RIG_CORE_SETPOINT_H
#define RIG_CORE_SETPOINT_H

#include "rig/core/error.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"

/* Element 2's voltage angle on the fixture's network, in the source's
 * sign convention: 180, or 120 degrees behind element 1 on a 208 V wye. */
double rig_setpoint_element2_angle_deg(const struct rig_fixture *f);

/* Meter (primary) energy per unit of source energy: CT primary / secondary
 * when the source drives the CT input, the turns when it drives a loop. */
double rig_setpoint_primary_per_source(const struct rig_fixture *f,
				       const struct rig_meter_model *m);

/* Fills ret for point p. -1 with err (file:line of the point) when the
 * fixture or model cannot do it: a source phase not mapped for a used
 * element, amps or volts over the fixture's limits, a bad pf. Current
 * comes from rig_point_current_a, elements from rig_point_element_mask. */
int rig_setpoint_for_point(const struct rig_point *p, const struct rig_meter_model *m,
			   const struct rig_fixture *f, const char *profile_file,
			   struct rig_setpoint *ret, struct rig_error *err);

/* Active power one meter sees (primary watts) for a setpoint, summed over
 * elements: V I cos(voltage angle - current angle) x primary_per_source. */
double rig_setpoint_meter_power_w(const struct rig_setpoint *sp, double primary_per_source);

/* The share of the setpoint's total power that a meter with `elements`
 * elements sees (a single-element meter on a bench driving both elements
 * sees element 1 only); 1 when the total is zero. */
double rig_setpoint_power_share(const struct rig_setpoint *sp, int elements);

#endif
