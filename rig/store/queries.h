/* Reading results: the listing behind `rigctl results`, one meter's
 * certificate data, and a period summary. Each is an index lookup (see
 * tests/unit/test_store.c, which checks the query plans). */
#ifndef RIG_STORE_QUERIES_H
#define RIG_STORE_QUERIES_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "rig/core/error.h"
#include "rig/core/profile.h"
#include "rig/store/run_record.h"
#include "rig/store/stats.h"
#include "rig/store/measurements.h"
#include "rig/store/store.h"

/* Every field optional: NULL (or 0 for times) matches anything. */
struct store_filter {
	const char *serial;
	const char *model;		/* normalised model number */
	int64_t from_ms;		/* runs started at or after (unix ms) */
	int64_t to_ms;			/* runs started before; 0: no limit */
	const char *verdict;		/* meter verdict: "pass", "fail", ... */
	const char *run_id;
};

/* One meter in one run. The strings live until the callback returns. */
struct store_result_row {
	const char *run_id;
	const char *started_at;
	const char *ended_at;		/* "" while running */
	const char *station;
	const char *serial;
	const char *model;
	int position;			/* 1-based */
	const char *profile;
	const char *state;		/* the run's state */
	const char *verdict;		/* the meter's verdict */
	const char *operator_name;
	const char *notes;
	const char *reason;
};

/* Called once per row, oldest run first; a non-zero return stops the walk
 * and is returned. */
typedef int (*store_result_fn)(const struct store_result_row *row, void *ctx);

/* 0 after the last row, the callback's non-zero value, or -1 with err. */
int store_query_results(struct store *s, const struct store_filter *f, store_result_fn fn,
			void *ctx, struct rig_error *err);

/* --- certificate --------------------------------------------------------- */

struct store_cert_point {
	int idx;
	char name[RIG_NAME_LEN];
	char kind[24];			/* "accuracy", "creep", ... */
	double voltage_v;
	double current_a;		/* applied primary amps when measured, else the setpoint */
	double current_pct;		/* -1 when the setpoint was in amps */
	double pf;
	bool leading;
	double frequency_hz;
	unsigned elements;
	double output_kh;
	double band_pct;
	double target_u_pct;
	/* the final attempt, when measured */
	bool measured;
	int attempt;
	bool has_error;
	double error_pct;
	double u_pct;
	bool has_value;
	double value;
	int edges_used;
	double gate_s;
	double reference_w;
	char verdict[16];		/* "none" when not measured */
	char detail[400];
	bool has_budget;		/* the uncertainty budget, stored from schema 3 on */
	struct rig_gate_budget budget;
	/* schema 8: the outputs gated with it, and a register point's readings
	 * (not in the certificate's fingerprint, which predates them) */
	int n_outputs;
	struct store_output outputs[RIG_SEQ_MAX_OUTPUTS];
	bool has_reading_before, has_reading_after;
	double reading_before_kwh, reading_after_kwh;
};

struct store_certificate {
	char run_id[STORE_RUN_ID_LEN];
	char serial[64];
	int position;
	char verdict[16];		/* the meter's overall verdict */
	char state[16];			/* the run's state */
	char reason[200];
	char station[64];
	char host[64];
	char instrument_idn[160];
	char instrument_serial[64];
	char instrument_cal_due[16];
	char profile_name[RIG_NAME_LEN];
	char profile_sha256[65];
	char fixture_name[64];
	char fixture_sha256[65];
	char operator_name[64];
	char notes[256];
	char software_version[64];
	char started_at[32];
	char ended_at[32];
	/* the meter */
	char model[48];
	int elements;
	double voltage_v;
	char voltage_between[24];
	double ct_primary_a;
	double ct_secondary_a;
	double rated_current_a;
	double max_current_a;
	char outputs[64];		/* "10,100,1000" Wh per pulse */
	/* as stored with the run (schema 4): the meter's register readings,
	 * its weighted average by the record's rule, and the record */
	bool has_register_before, has_register_after, has_weighted;
	double register_before_kwh, register_after_kwh, weighted_avg_pct;
	/* the model and ratings were not recorded with the run (stored before
	 * schema 5) but copied from the serial's later description */
	bool model_backfilled;
	struct store_run_record record;
	int n_points;
	struct store_cert_point points[RIG_PROFILE_MAX_POINTS];
	/* First 16 hex digits of the SHA-256 of the rows above as stored: ties
	 * a printed certificate to the database (a fingerprint, not a signature). */
	char rows_hash[17];
};

/* Latest run of `serial` when run_id is NULL; that run's meter `serial`
 * otherwise (serial may be NULL when the run tested one meter). */
int store_certificate_load(struct store *s, const char *serial, const char *run_id,
			   struct store_certificate *ret, struct rig_error *err);

/* --- period summary ------------------------------------------------------ */

#define STORE_SUMMARY_MAX_POINTS 128
#define STORE_SUMMARY_WORST 10

struct store_point_summary {
	char profile[RIG_NAME_LEN];
	int idx;
	char name[RIG_NAME_LEN];
	double band_pct;
	double current_a;		/* of the first measurement (same for one model) */
	double pf;
	bool leading;
	struct store_stats stats;	/* final attempts' errors */
	double sd;			/* NAN when n < 2 */
	double cpk;			/* NAN when sd is not known or zero */
	char worst_serial[64];		/* largest |error| at this point */
	double worst_error_pct;
};

struct store_worst_meter {
	char serial[64];
	char run_id[STORE_RUN_ID_LEN];
	char point[RIG_NAME_LEN];
	double error_pct;
	double band_pct;
	double band_used;		/* |error| / band */
};

struct store_summary {
	int runs;
	int runs_passed, runs_failed, runs_indeterminate, runs_aborted, runs_error,
		runs_interrupted, runs_running;
	int meters;			/* meter tests (a meter tested twice counts twice) */
	int meters_passed, meters_failed, meters_other;
	double pass_rate;		/* meters_passed / meters; NAN when none */
	int n_points;
	struct store_point_summary points[STORE_SUMMARY_MAX_POINTS];
	int n_worst;
	struct store_worst_meter worst[STORE_SUMMARY_WORST];	/* by band used, worst first */
};

/* Summary of the runs the filter selects (from_ms, to_ms, model). */
int store_summary_load(struct store *s, const struct store_filter *f, struct store_summary *ret,
		       struct rig_error *err);

/* --- a meter's history, points in long form, weighted averages ---------- */

/* One test of a meter, as stored with the run (its model as typed then). */
struct store_history_row {
	const char *run_id;
	const char *started_at;
	const char *station;
	int position;			/* 1-based */
	const char *model;
	double rated_current_a;
	const char *profile;
	const char *state;		/* the run's */
	const char *verdict;		/* the meter's */
	const char *test_reason;
	const char *customer;
	const char *test_state;
	const char *follows_run;
	bool has_weighted;
	double weighted_avg_pct;
	const char *weighting;
	bool model_backfilled;		/* model inferred, not recorded (before schema 5) */
};
typedef int (*store_history_fn)(const struct store_history_row *row, void *ctx);

/* Every run of one meter, oldest first (by serial: an index lookup). Its
 * SQL is store_sql_history, for plan checks. */
extern const char *const store_sql_history;
int store_history(struct store *s, const char *serial, store_history_fn fn, void *ctx,
		  struct rig_error *err);

/* One measured point of one meter in long form, for exports. */
struct store_point_row {
	const char *run_id;
	const char *serial;
	const char *model;
	int position;			/* 1-based */
	int point;			/* index in the profile */
	const char *name;
	const char *kind;
	double voltage_v, current_a, current_pct, pf;
	bool leading;
	double frequency_hz;
	bool has_error;
	double error_pct, u_pct, k;	/* k NAN without a stored budget */
	double band_pct;
	const char *verdict;
	const char *test_state;
	const char *output;		/* the point's own output (kh10 ...), "" when none */
	double output_kh;		/* NAN when none */
	int edges;			/* edges used; < 0 when not measured */
	/* every output gated beside it (schema 8), in stored order */
	int n_outputs;
	const struct store_output *outputs;
};
typedef int (*store_point_fn)(const struct store_point_row *row, void *ctx);

/* Final attempts of every point of the runs the filter selects (serial,
 * model, from_ms, to_ms, run_id). */
int store_query_points(struct store *s, const struct store_filter *f, store_point_fn fn,
		       void *ctx, struct rig_error *err);

/* Each meter test's weighted average in the runs the filter selects
 * (model, from_ms, to_ms): serial, run, rule name; has false when the
 * run named no rule or a figure was missing. */
struct store_weighted_row {
	const char *run_id;
	const char *serial;
	const char *model;
	const char *verdict;
	const char *weighting;
	bool has_value;
	double weighted_avg_pct;
};
typedef int (*store_weighted_fn)(const struct store_weighted_row *row, void *ctx);
int store_query_weighted(struct store *s, const struct store_filter *f, store_weighted_fn fn,
			 void *ctx, struct rig_error *err);

/* The SQL of the certificate and summary queries, for plan checks. */
extern const char *const store_sql_certificate_latest;
extern const char *const store_sql_certificate_points;
extern const char *const store_sql_summary_errors;
extern const char *const store_sql_summary_meters;

/* Builds the results query for filter f (from constant fragments). */
void store_results_sql(const struct store_filter *f, char *buf, size_t len);
/* One row of the listing store_results_sql selects (texts point into st). */
void store_result_row_read(sqlite3_stmt *st, struct store_result_row *ret);
/* Appends to buf (n of len used) the " AND ..." fragments of the filters f
 * sets, with parameters ?1..?6; returns the new n. */
size_t store_filter_sql(const struct store_filter *f, char *buf, size_t len, size_t n);
/* Binds f's values to the numbered parameters store_filter_sql uses. */
void store_bind_filter(sqlite3_stmt *st, const struct store_filter *f);

#endif
