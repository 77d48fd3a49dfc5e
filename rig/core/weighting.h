/* Weighted average registration: the named rules states prescribe, over
 * the errors of the full load pf 1 point (FL), light load pf 1 (LL) and
 * full load pf 0.5 lagging (PF). Pure code. */
#ifndef RIG_CORE_WEIGHTING_H
#define RIG_CORE_WEIGHTING_H

enum rig_weighting {
	RIG_WEIGHTING_NONE,
	RIG_WEIGHTING_4FL_LL,		/* (4FL+LL)/5 */
	RIG_WEIGHTING_FL_LL,		/* (FL+LL)/2 */
	RIG_WEIGHTING_4FL_2LL_PF,	/* (4FL+2LL+PF)/7 */
	RIG_WEIGHTING_COUNT,
};

/* "(4FL+LL)/5", "(FL+LL)/2", "(4FL+2LL+PF)/7" or "none". */
const char *rig_weighting_name(enum rig_weighting w);
/* The name, case and spaces ignored ("" is none); -1 when unknown. */
int rig_weighting_parse(const char *text, enum rig_weighting *ret);
/* NAN when the rule needs a figure that is NAN. */
double rig_weighting_apply(enum rig_weighting w, double fl, double ll, double pf);

#endif
