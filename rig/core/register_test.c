/* Register (LCD) test verdicts (register_test.h). */
#include "rig/core/register_test.h"

#include <math.h>
#include <stdio.h>

enum rig_verdict rig_register_judge(double before_kwh, double after_kwh, double energy_wh,
				    double energy_pm_wh, double resolution_kwh, double band_pct,
				    struct rig_register_judgement *ret, char *detail,
				    size_t detail_len)
{
	struct rig_register_judgement j = { .verdict = RIG_VERDICT_INDETERMINATE };
	j.expected_kwh = energy_wh / 1000;
	if (!(before_kwh >= 0) || !(after_kwh >= 0)) {
		snprintf(detail, detail_len, "register not read %s: not judged",
			 !(before_kwh >= 0) ? "before the energy" : "after the energy");
		*ret = j;
		return j.verdict;
	}
	j.advance_kwh = after_kwh - before_kwh;
	if (!(j.expected_kwh > 0) || !isfinite(j.expected_kwh)) {
		snprintf(detail, detail_len, "register %.4g -> %.4g kWh; no reference energy "
			 "measured: not judged", before_kwh, after_kwh);
		*ret = j;
		return j.verdict;
	}
	j.error_pct = 100 * (j.advance_kwh - j.expected_kwh) / j.expected_kwh;
	double pm_kwh = energy_pm_wh > 0 ? energy_pm_wh / 1000 : 0;
	j.tolerance_kwh = resolution_kwh + band_pct / 100 * j.expected_kwh + pm_kwh;
	double off = j.advance_kwh - j.expected_kwh;
	j.verdict = fabs(off) <= j.tolerance_kwh + 1e-9 ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
	int n = snprintf(detail, detail_len,
			 "register %.10g -> %.10g kWh: advance %.4f kWh for %.4f kWh applied "
			 "(%+.2f %%; allowed %.4f kWh: one %g kWh digit + %g %% + the "
			 "reference's %.4f kWh; a ratio check, the allowance is %.2f %%)",
			 before_kwh, after_kwh, j.advance_kwh, j.expected_kwh, j.error_pct,
			 j.tolerance_kwh, resolution_kwh, band_pct, pm_kwh,
			 100 * j.tolerance_kwh / j.expected_kwh);
	if (j.verdict == RIG_VERDICT_FAIL && n >= 0 && (size_t)n < detail_len) {
		const char *why = j.advance_kwh < 0 ? "the register went back"
				  : j.advance_kwh <= resolution_kwh ? "the register did not count"
				  : "a wrong register ratio or a misread register";
		snprintf(detail + n, detail_len - (size_t)n, ": %s, x%.3g", why,
			 j.advance_kwh / j.expected_kwh);
	}
	*ret = j;
	return j.verdict;
}
