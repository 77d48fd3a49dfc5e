/* Offline re-analysis of a recording (capture format v2): the sequencer is
 * walked again, in virtual time, through exactly the inputs the daemon gave
 * it, and every event it produces is compared with the event the daemon
 * took at that place, bit for bit (rig_rec_format_event). With another
 * profile or fixture the old evidence is judged again instead: no
 * bit-for-bit claim, old and new verdicts side by side.
 *
 * Pure: the caller reads the file and hands in its lines in order. */
#ifndef RIG_CORE_ANALYSE_H
#define RIG_CORE_ANALYSE_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/fixture.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"

struct rig_analysis_options {
	const char *run_id;			/* only this run; NULL: every run in the file */
	const struct rig_profile *profile;	/* judge again with this profile; NULL: the recorded one */
	const struct rig_fixture *fixture;	/* judge again with this fixture; NULL: the recorded one */
};

/* One point result (final or abandoned attempt) of a run. */
struct rig_an_point {
	int run;			/* index of its run */
	int point;			/* index in the profile */
	char name[RIG_NAME_LEN];
	int position;			/* 1-based */
	int attempt;
	bool retry;			/* an abandoned attempt (RIG_EV_POINT_RETRY) */
	int line_no;			/* of the recorded result, 0 when none */
	/* the live run's, from the recording */
	bool has_old;
	enum rig_verdict old_verdict;
	double old_error_pct, old_u_pct;
	/* the replay's */
	bool has_new;
	enum rig_verdict new_verdict;
	struct rig_point_result replayed;
	bool exact;			/* recorded and replayed results equal bit for bit */
};

struct rig_an_run {
	char run_id[64];
	int version;			/* of the recording format */
	char lacks[400];		/* evidence the recording does not hold; "" when complete */
	char profile_name[RIG_NAME_LEN], profile_sha256[65];
	char fixture_name[64], fixture_sha256[65];
	bool rejudged;			/* another profile or fixture: no bit-for-bit claim */
	char rejudge_stop[200];		/* judged again: why the evidence covers no more of it */
	int rejudge_stop_line;
	bool started;			/* the replay started */
	bool ended;			/* the recording holds the end of the run */
	bool ended_by_shell;		/* rigd's watchdog ended it, not the sequencer */
	char end_state[32];		/* as recorded */
	int n_events, n_events_exact;	/* events compared, and equal */
	int mismatch_line;		/* first event that differs; 0 none */
	char mismatch[600];
	int first_point, n_points;	/* its rows in rig_analysis_point */
};

struct rig_analysis;	/* opaque */

/* name: the file's name, for file:line in errors. NULL when out of memory. */
struct rig_analysis *rig_analysis_new(const char *name, const struct rig_analysis_options *opt);
void rig_analysis_free(struct rig_analysis *a);

/* One line, without its '\n' (and without NUL bytes: the reader refuses
 * them). -1 with err (file:line) on a line that is not the format. */
int rig_analysis_line(struct rig_analysis *a, const char *text, struct rig_error *err);
/* After the last line: closes the run in progress. */
void rig_analysis_finish(struct rig_analysis *a);

int rig_analysis_n_runs(const struct rig_analysis *a);
const struct rig_an_run *rig_analysis_run(const struct rig_analysis *a, int i);
int rig_analysis_n_points(const struct rig_analysis *a);
const struct rig_an_point *rig_analysis_point(const struct rig_analysis *a, int i);

/* True when a run was reproduced exactly: complete evidence, started, every
 * event equal, not judged again. */
bool rig_an_run_exact(const struct rig_an_run *r);

#endif
