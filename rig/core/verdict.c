#include "rig/core/verdict.h"

#include <math.h>
#include <string.h>

enum rig_verdict rig_verdict_accuracy(double error_pct, double u_pct, double band_pct)
{
	if (!isfinite(error_pct) || !isfinite(u_pct) || u_pct < 0)
		return RIG_VERDICT_INDETERMINATE;
	double magnitude = fabs(error_pct);
	if (magnitude + u_pct <= band_pct)
		return RIG_VERDICT_PASS;
	if (magnitude - u_pct > band_pct)
		return RIG_VERDICT_FAIL;
	return RIG_VERDICT_INDETERMINATE;
}

enum rig_verdict rig_verdict_worst(enum rig_verdict a, enum rig_verdict b)
{
	return a > b ? a : b;
}

static const char *const verdict_names[] = {
	[RIG_VERDICT_NONE] = "none",
	[RIG_VERDICT_PASS] = "pass",
	[RIG_VERDICT_INDETERMINATE] = "indeterminate",
	[RIG_VERDICT_FAIL] = "fail",
	[RIG_VERDICT_ABORTED] = "aborted",
	[RIG_VERDICT_ERROR] = "error",
};

const char *rig_verdict_name(enum rig_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "?";
	return verdict_names[v];
}

int rig_verdict_parse(const char *name, enum rig_verdict *ret)
{
	for (unsigned i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++) {
		if (strcmp(name, verdict_names[i]) == 0) {
			*ret = (enum rig_verdict)i;
			return 0;
		}
	}
	return -1;
}
