#include "rig/core/weighting.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

static const char *const names[RIG_WEIGHTING_COUNT] = {
	[RIG_WEIGHTING_NONE] = "none",
	[RIG_WEIGHTING_4FL_LL] = "(4FL+LL)/5",
	[RIG_WEIGHTING_FL_LL] = "(FL+LL)/2",
	[RIG_WEIGHTING_4FL_2LL_PF] = "(4FL+2LL+PF)/7",
};

const char *rig_weighting_name(enum rig_weighting w)
{
	return (unsigned)w < RIG_WEIGHTING_COUNT ? names[w] : "none";
}

int rig_weighting_parse(const char *text, enum rig_weighting *ret)
{
	char packed[32];
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (n + 1 >= sizeof(packed))
			return -1;
		packed[n++] = (char)toupper((unsigned char)*p);
	}
	packed[n] = '\0';
	if (n == 0 || !strcmp(packed, "NONE")) {
		*ret = RIG_WEIGHTING_NONE;
		return 0;
	}
	for (int i = 1; i < RIG_WEIGHTING_COUNT; i++)
		if (!strcmp(packed, names[i])) {
			*ret = (enum rig_weighting)i;
			return 0;
		}
	return -1;
}

double rig_weighting_apply(enum rig_weighting w, double fl, double ll, double pf)
{
	switch (w) {
	case RIG_WEIGHTING_4FL_LL:
		return (4 * fl + ll) / 5;
	case RIG_WEIGHTING_FL_LL:
		return (fl + ll) / 2;
	case RIG_WEIGHTING_4FL_2LL_PF:
		return (4 * fl + 2 * ll + pf) / 7;
	default:
		return NAN;
	}
}
