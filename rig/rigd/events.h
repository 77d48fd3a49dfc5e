/* The daemon's messages to control clients as JSON objects: progress,
 * point results, the end of a run, status. Documented in rig/README.md. */
#ifndef RIG_RIGD_EVENTS_H
#define RIG_RIGD_EVENTS_H

#include <cjson/cJSON.h>

#include "rig/core/profile.h"
#include "rig/core/sequencer.h"

/* What a point event needs beyond the sequencer's event. */
struct run_context {
	char run_id[64];
	const struct rig_profile *profile;
	const struct rig_run_plan *plan;
};

/* {"event":"point_started",...} / "progress" / "point" / "done"; NULL for
 * command events (not for clients). */
cJSON *event_to_json(const struct run_context *ctx, const struct rig_seq_event *ev);

/* One point result as stored and as sent: shared by the "point" event. */
cJSON *point_result_to_json(const struct run_context *ctx, const struct rig_point_result *r);

#endif
