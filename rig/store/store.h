/* Results storage: one SQLite file (WAL, foreign keys on, busy timeout).
 *
 * The daemon writes a run as it happens: store_begin_run records the bench,
 * the meters and the profile's points; every point result is committed in
 * its own transaction as it arrives, so a crash loses at most the point in
 * progress; store_end_run closes the run. At start-up the daemon calls
 * store_mark_interrupted for runs a crash left open.
 *
 * Reports open the same file read-only (store_open_readonly) and read while
 * the daemon writes. Every statement is prepared with bound values. */
#ifndef RIG_STORE_STORE_H
#define RIG_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"
#include "rig/core/error.h"
#include "rig/core/sequencer.h"

#define STORE_RUN_ID_LEN 37	/* 36 characters of a UUID and the NUL */

struct store;	/* opaque: one connection */
struct store_run_record;

/* Opens (creating and migrating as needed) the database at path. A file
 * made by newer software is refused. NULL with err on failure. */
struct store *store_open(const char *path, struct rig_error *err);

/* Opens an existing database for reading only (reports). Refuses a file
 * whose schema is not the one this software writes. */
struct store *store_open_readonly(const char *path, struct rig_error *err);

void store_close(struct store *s);

/* What the run record needs beyond the plan. Strings may be NULL. */
struct store_run_meta {
	const char *station;		/* e.g. "bench-1" */
	const char *host;		/* host name of the controller */
	const char *instrument_idn;	/* the source's *IDN? reply */
	const char *operator_name;
	const char *notes;
	const char *software_version;
	int64_t started_ms;		/* unix milliseconds, UTC */
	/* The certification record (rig/store/run_record.h); NULL: none. */
	const struct store_run_record *record;
};

/* Records a new run in state "running": station, instrument (serial and
 * calibration due date from the fixture), every present position's meter,
 * and every point of the profile. Fills ret_run_id. One transaction. */
int store_begin_run(struct store *s, const struct rig_run_plan *plan,
		    const struct store_run_meta *meta, char ret_run_id[STORE_RUN_ID_LEN],
		    struct rig_error *err);

/* One point result for one position (from 1, as on the bench), committed
 * at once. The meter's
 * verdict becomes the worst over points of each point's last attempt. */
int store_add_point_result(struct store *s, const char *run_id,
			   const struct rig_point_result *r, struct rig_error *err);

/* Raw edges of a run (optional capture), n of them in one transaction. */
int store_add_edges(struct store *s, const char *run_id, const struct rig_edge *edges,
		    int n, struct rig_error *err);

/* The model last stored for a meter serial: 1 and model in buf, 0 when the
 * serial is not stored, -1 on a database error. */
int store_meter_model(struct store *s, const char *serial, char *buf, size_t len,
		      struct rig_error *err);

/* Closes a run: state (not RUNNING/IDLE), reason, end time, and each
 * meter's weighted average when the run's record names a rule. Positions of a
 * run that did not finish (aborted, error, interrupted) that have not
 * failed get the verdict "aborted" or "error". */
int store_end_run(struct store *s, const char *run_id, enum rig_run_state state,
		  const char *reason, int64_t ended_ms, struct rig_error *err);

/* At daemon start-up: every run still "running" becomes "interrupted".
 * Returns how many, or -1 with err. */
int store_mark_interrupted(struct store *s, int64_t now_ms, struct rig_error *err);

/* Bulk loading (imports, benchmarks): between store_batch_begin and
 * store_batch_commit every call above joins one transaction instead of
 * committing its own, which is much faster and loses the whole batch on a
 * crash. The daemon does not use it. */
int store_batch_begin(struct store *s, struct rig_error *err);
int store_batch_commit(struct store *s, struct rig_error *err);

/* PRAGMA integrity_check says "ok". */
bool store_integrity_ok(struct store *s);

/* Storage name of a run state ("running", "passed", ...). */
const char *store_run_state_name(enum rig_run_state st);

/* A v4 UUID from the system's random source. */
void store_new_run_id(char ret[STORE_RUN_ID_LEN]);

/* Unix ms as "2026-11-24T02:28:38.123Z". */
void store_format_time(int64_t unix_ms, char *buf, size_t len);

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC) to unix ms; -1 when bad. */
int store_parse_time(const char *text, int64_t *ret_ms);

#endif
