/* The certification record of a run beyond its measurements (schema 4):
 * why and for whom the meters were tested, as-found / as-left and the run a
 * run follows, register readings, ambient conditions, the lab and the
 * approver, the weighting rule and each meter's weighted average, the
 * reference standards with their calibration, a calibration override, a
 * model override (schema 10), and the meter as it was described in that
 * run. Written once with the run; never rewritten by a later run. */
#ifndef RIG_STORE_RUN_RECORD_H
#define RIG_STORE_RUN_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/error.h"
#include "rig/core/weighting.h"
#include "rig/store/store.h"

/* The weighting rule is the core's (rig/core/weighting.h), stored by its
 * rig_weighting_name(). */

/* Why the meters were tested: "new", "periodic", "complaint", "repair",
 * "sample", "other", or "" (not stated). */
bool store_test_reason_ok(const char *reason);
/* "as-found", "as-left" or "" (a single test). */
bool store_test_state_ok(const char *state);

/* A reference standard or the source, from the fixture. Dates YYYY-MM-DD
 * or "" when the fixture does not give them. */
struct store_standard {
	char role[16];			/* "source" or "reference" */
	char identity[64];		/* serial number or asset tag */
	char certificate[64];		/* its calibration certificate */
	char lab[96];			/* the calibrating lab */
	char cal_date[16];
	char cal_due[16];
};

#define STORE_MAX_STANDARDS 2

/* Per position (1-based), what the operator entered for that meter, and
 * the model disagreement a model override let through there. */
struct store_position_record {
	bool has_register_before, has_register_after;
	double register_before_kwh, register_after_kwh;
	bool model_overridden;		/* ran past a disagreement by the override */
	char override_ran_as[48];	/* the model it ran as */
	char override_expected[48];	/* the batch's expected model, "" none */
	char override_stored[48];	/* the model stored for its serial, "" none */
};

struct store_run_record {
	char test_reason[16];
	char customer[96];
	char test_state[16];		/* "as-found", "as-left", "" */
	char follows_run[64];		/* the run id this one follows, "" */
	bool has_ambient_c, has_humidity_pct;
	double ambient_c, humidity_pct;
	char ambient_source[160];	/* sensor path, or "operator" */
	char lab_name[96];
	char lab_address[160];
	char lab_accreditation[96];
	char approver_name[64];
	char approver_role[64];
	enum rig_weighting weighting;
	char method[160];		/* the method by reference (the profile's), "" */
	char cal_override_by[64];	/* who ran past an overdue calibration, "" */
	char cal_override_reason[160];
	char model_override_by[64];	/* who ran past a model disagreement, "" */
	char model_override_reason[160];
	bool simulated;			/* the run was on a simulated bench */
	int n_standards;
	struct store_standard standards[STORE_MAX_STANDARDS];
	struct store_position_record pos[RIG_MAX_POSITIONS + 1];	/* [1..n] */
};

/* Refuses values a record may not hold (unknown reason or state, a run
 * following itself, ambient or register readings out of range, bad
 * dates). 0, or -1 with err naming the field. */
int store_run_record_check(const struct store_run_record *r, struct rig_error *err);

/* The record of a run (defaults for a run stored before schema 4), and its
 * positions' register readings. */
int store_run_record_load(struct store *s, const char *run_id, struct store_run_record *ret,
			  struct rig_error *err);

/* The reading after the test, given when the meter is off the bench. */
int store_set_register_after(struct store *s, const char *run_id, int position, double kwh,
			     struct rig_error *err);

#endif
