/* Change-from-reference verdicts for influence points (influence.h). */
#include "rig/core/influence.h"

#include <math.h>

enum rig_verdict rig_verdict_change(double error_pct, double u_pct, double ref_error_pct,
				    double ref_u_pct, double band_pct, double *ret_change_pct,
				    double *ret_u_pct)
{
	double change = error_pct - ref_error_pct;
	double u = (u_pct >= 0 && ref_u_pct >= 0) ? hypot(u_pct, ref_u_pct) : -1;
	if (ret_change_pct)
		*ret_change_pct = change;
	if (ret_u_pct)
		*ret_u_pct = u;
	if (!isfinite(change) || !(u >= 0))
		return RIG_VERDICT_INDETERMINATE;
	return rig_verdict_accuracy(change, u, band_pct);
}
