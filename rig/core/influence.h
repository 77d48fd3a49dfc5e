/* C12.1 influence tests (power factor, voltage, frequency) judge the change
 * of a meter's error from its error at the reference conditions, besides
 * the error itself. Pure code. */
#ifndef RIG_CORE_INFLUENCE_H
#define RIG_CORE_INFLUENCE_H

#include "rig/core/verdict.h"

/* The change error - ref_error judged like an accuracy error against
 * band_pct, with U = sqrt(U^2 + U_ref^2) (expanded, percent): conservative,
 * since the reference terms the two points share would cancel. Either U
 * below 0 (none) gives INDETERMINATE. ret_change and ret_u may be NULL. */
enum rig_verdict rig_verdict_change(double error_pct, double u_pct, double ref_error_pct,
				    double ref_u_pct, double band_pct, double *ret_change_pct,
				    double *ret_u_pct);

#endif
