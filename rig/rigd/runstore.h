/* The daemon's use of the database (rig/store): a run begins, each point is
 * committed as it completes, the run ends with its state and reason; runs a
 * crash left open are marked interrupted at start-up. */
#ifndef RIG_RIGD_RUNSTORE_H
#define RIG_RIGD_RUNSTORE_H

#include <cjson/cJSON.h>

#include "rig/core/error.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"
#include "rig/rigd/control.h"
#include "rig/store/run_record.h"

struct run_meta {
	const char *station;
	const char *operator_name;
	const char *notes;
	const struct rig_profile *profile;
	const struct rig_fixture *fixture;
	const struct rig_run_plan *plan;
	const char *instrument_idn;
	const char *software_version;
	const struct store_run_record *record;	/* rig/store/run_record.h; NULL: none */
};

struct runstore;

struct runstore *runstore_open(const char *path, struct rig_error *err);
void runstore_close(struct runstore *rs);	/* NULL-safe */

/* The station key beside the database at db_path loads (rigd looks before
 * opening the database: the start that migrates an old chain is the only
 * one that signs its head). 0, or -1 with err. */
int runstore_key_ready(const char *db_path, struct rig_error *err);

/* Loads or creates the station's signing key beside the database at
 * db_path and records its public key with the station. */
int runstore_station_key(struct runstore *rs, const char *db_path, const char *station,
			 struct rig_error *err);

/* Runs still marked running (a crash): now interrupted. Returns how many, -1 on error. */
int runstore_mark_interrupted(struct runstore *rs, struct rig_error *err);

/* Refused while the end of an earlier run could not be stored and still
 * cannot (runstore_end keeps it and tries again here and at close). */
int runstore_begin(struct runstore *rs, const struct run_meta *meta, char *ret_run_id,
		   size_t id_len, struct rig_error *err);
int runstore_point(struct runstore *rs, const char *run_id, const struct rig_profile *profile,
		   const struct rig_point_result *r, struct rig_error *err);
/* A point that cannot be stored (full, locked beyond the busy time-out,
 * I/O) fails the run: every later point of it fails at once, and
 * runstore_failed says why until the next runstore_begin. */
int runstore_end(struct runstore *rs, const char *run_id, enum rig_run_state state,
		 const char *reason, struct rig_error *err);
/* store_meter_model through the run store. */
int runstore_meter_model(struct runstore *rs, const char *serial, char *buf, size_t len,
			 struct rig_error *err);
bool runstore_failed(const struct runstore *rs, char *why, size_t why_len);

/* Control requests "results" and "run": a JSON value for the reply, NULL with err.
 * "results" gives one page of the selection; ret_next is "" after the last
 * page, else the "after" of the request for the next one. */
cJSON *runstore_results(struct runstore *rs, const struct ctl_request *filter, char *ret_next,
			size_t next_len, struct rig_error *err);
cJSON *runstore_run(struct runstore *rs, const char *run_id, struct rig_error *err);

/* Control request "register": a meter's register reading after its run. */
int runstore_register_after(struct runstore *rs, const char *run_id, int position, double kwh,
			    struct rig_error *err);

#endif
