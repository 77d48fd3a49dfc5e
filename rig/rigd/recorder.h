/* rigd's recorder: every call rigd makes into the sequencer goes through
 * the rigd_seq_* functions below, which write it to the recording (when
 * record_edges is set) as one line of the capture format v2 and then make
 * the call, so the recording holds the inputs in exactly the order the
 * sequencer got them, and every event rigd took from it. At the start of a
 * run the profile and fixture text and the run plan are written first.
 * Format: drivers/edge/CAPTURE.md. */
#ifndef RIG_RIGD_RECORDER_H
#define RIG_RIGD_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/sequencer.h"

struct rigd;

struct recorder {
	bool active;			/* a run is being recorded */
	bool failed;			/* a write failed (said once per run) */
	char *fixture_text;		/* the fixture file as loaded, for the run header */
	size_t fixture_len;
	char *spec_text;		/* the reference specification it names, as loaded */
	size_t spec_len;
};

/* After the fixture was loaded: keeps its text and its reference
 * specification's (when they still hash to what was loaded) for the runs'
 * records. */
void recorder_keep_fixture(struct rigd *d);
void recorder_free(struct recorder *r);

/* The sequencer calls of rig/core/sequencer.h, recorded. */
int rigd_seq_start(struct rigd *d, int64_t now_ns, struct rig_error *err);
void rigd_seq_command_done(struct rigd *d, int64_t now_ns, bool ok, const char *error_text,
			   double power_w);
void rigd_seq_edge(struct rigd *d, int position, enum rig_signal sig, const struct rig_edge *e);
void rigd_seq_lost(struct rigd *d, int position, enum rig_signal sig, uint64_t count);
void rigd_seq_level(struct rigd *d, int position, enum rig_signal sig, bool high);
void rigd_seq_tick(struct rigd *d, int64_t now_ns);
void rigd_seq_edges_complete(struct rigd *d, int64_t now_ns);
void rigd_seq_abort(struct rigd *d, int64_t now_ns, const char *reason);
void rigd_seq_fault(struct rigd *d, int64_t now_ns, const char *reason);
int rigd_seq_reading(struct rigd *d, int64_t now_ns, int position, double kwh,
		     struct rig_error *err);
int rigd_seq_next_event(struct rigd *d, struct rig_seq_event *ev);

/* The watchdog ended the run in the sequencer's place: an `end` line. */
void recorder_watchdog_end(struct rigd *d, const struct rig_seq_event *ev);

#endif
