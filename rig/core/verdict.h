/* Verdicts with a guard band, and how verdicts combine. */
#ifndef RIG_CORE_VERDICT_H
#define RIG_CORE_VERDICT_H

/* Ordered: the worst wins when verdicts combine. */
enum rig_verdict {
	RIG_VERDICT_NONE = 0,		/* not measured */
	RIG_VERDICT_PASS,
	RIG_VERDICT_INDETERMINATE,
	RIG_VERDICT_FAIL,
	RIG_VERDICT_ABORTED,
	RIG_VERDICT_ERROR,		/* rig or instrument fault */
};

/* PASS when |error| + U <= band, FAIL when |error| - U > band, else INDETERMINATE. */
enum rig_verdict rig_verdict_accuracy(double error_pct, double u_pct, double band_pct);

enum rig_verdict rig_verdict_worst(enum rig_verdict a, enum rig_verdict b);

const char *rig_verdict_name(enum rig_verdict v);	/* "pass", "fail", ... */
int rig_verdict_parse(const char *name, enum rig_verdict *ret);

#endif
