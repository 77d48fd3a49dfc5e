/* JUnit XML for CI systems: one testcase per point and position, with the
 * measured error, band and uncertainty; <failure> for FAIL, <error> for
 * INDETERMINATE and ERROR, <skipped> for points not measured or aborted,
 * each with the detail as its text. Valid against the Jenkins xunit
 * junit-10 schema (tests/junit/junit-10.xsd): no properties inside a
 * testcase (the figures go to its system-out), no skipped on testsuites.
 * A figure not measured is left out, never written as a number. */
#ifndef RIG_RIGCTL_JUNIT_H
#define RIG_RIGCTL_JUNIT_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "rig/core/verdict.h"

struct junit_case {
	char name[64];			/* point name */
	char kind[32];
	int point;
	int position;
	char serial[64];
	char model[48];
	enum rig_verdict verdict;
	double error_pct, u_pct, band_pct;	/* NAN when not applicable */
	double gate_s;			/* bench time of the gate; 0 when none */
	double time_s;			/* real seconds the point took; NAN not measured */
	bool unmeasured;		/* no result came (junit_add_unmeasured) */
	char detail[400];
};

struct junit_report {
	char suite[128];		/* e.g. "ansi-c12.1" */
	char run_id[64];
	char station[64];		/* hostname: the station, else this host's name */
	char timestamp[32];		/* ISO 8601 */
	double time_s;			/* real seconds of the whole run; NAN unknown */
	int n, cap;
	struct junit_case *cases;
	char run_state[32];		/* "passed", "aborted", ... */
	char reason[200];
};

void junit_init(struct junit_report *r, const char *suite, const char *run_id);
void junit_free(struct junit_report *r);
/* Adds one point result; a later result for the same point and position
 * (a retest) replaces the earlier one. */
int junit_add(struct junit_report *r, const struct junit_case *c);
/* Every point of names[] at every position that has no result yet, as
 * not measured (<skipped>): the file accounts for the whole run. */
int junit_add_unmeasured(struct junit_report *r, const char *const *names, int n_names,
			 const struct junit_case *positions, int n_positions);
/* A run that did not finish (rigd died or lost the bench, the run ended in
 * error): every case not measured becomes an <error> saying why, so CI
 * does not read errors=0 failures=0 as a clean run. A point rigd reported
 * without a verdict (a warm-up: nothing judged) stays as it was. */
void junit_unfinished_as_errors(struct junit_report *r, const char *why);
/* A run that never ran (refused, rigd unreachable, still queued): one
 * <error> case named `what` carrying why, so CI sees an error, not an
 * empty or missing file. */
int junit_add_refusal(struct junit_report *r, const char *what, const char *why);
/* From the daemon's {"event":"point",...} object; numbers out of range
 * (point 0..RIG_PROFILE_MAX_POINTS-1, position 1..RIG_MAX_POSITIONS) are
 * refused. An error without its uncertainty (null, absent or negative) was
 * not measured: both NAN. time_s is NAN (the caller times the point). */
int junit_case_from_json(const cJSON *ev, struct junit_case *ret);
int junit_write(const struct junit_report *r, FILE *out);
/* Writes a new temporary beside path and renames it (rig/common/safe_file.h),
 * so a reader never sees half a file and nothing planted there is followed. */
int junit_write_file(const struct junit_report *r, const char *path);

/* XML text: & < > " ' escaped, control characters and invalid UTF-8 replaced
 * by '?'. */
void xml_escape(FILE *out, const char *text);

#endif
