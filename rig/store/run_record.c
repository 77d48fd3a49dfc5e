#include "rig/store/run_record.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/weighting.h"
#include "rig/store/queries.h"
#include "rig/store/seal.h"
#include "rig/store/store_private.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}
#define COPY(dst, src) copy((dst), sizeof(dst), (src))

/* --- rules and checks ------------------------------------------------------ */

static bool one_of(const char *text, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(text, *words))
			return true;
	return false;
}

bool store_test_reason_ok(const char *reason)
{
	static const char *const words[] = {"", "new", "periodic", "complaint", "repair", "sample",
					    "other", NULL};
	return one_of(reason, words);
}

bool store_test_state_ok(const char *state)
{
	static const char *const words[] = {"", "as-found", "as-left", NULL};
	return one_of(state, words);
}

static bool date_ok(const char *d)
{
	int64_t ms;
	return !d[0] || (strlen(d) == 10 && store_parse_time(d, &ms) == 0);
}

static bool text_ok(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int check_texts(const struct store_run_record *r, struct rig_error *err)
{
	const struct {
		const char *name, *value;
	} texts[] = {
		{"customer", r->customer},	       {"lab name", r->lab_name},
		{"lab address", r->lab_address},       {"lab accreditation", r->lab_accreditation},
		{"approver name", r->approver_name},   {"approver role", r->approver_role},
		{"override by", r->cal_override_by},   {"override reason", r->cal_override_reason},
		{"ambient source", r->ambient_source}, {"method", r->method},
		{"model override by", r->model_override_by},
		{"model override reason", r->model_override_reason},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!text_ok(texts[i].value))
			return rig_error_set(err, NULL, 0, "%s has control characters", texts[i].name);
	return 0;
}

static int check_standards(const struct store_run_record *r, struct rig_error *err)
{
	if (r->n_standards < 0 || r->n_standards > STORE_MAX_STANDARDS)
		return rig_error_set(err, NULL, 0, "%d reference standards (at most %d)", r->n_standards,
				     STORE_MAX_STANDARDS);
	for (int i = 0; i < r->n_standards; i++) {
		const struct store_standard *sd = &r->standards[i];
		if (strcmp(sd->role, "source") && strcmp(sd->role, "reference"))
			return rig_error_set(err, NULL, 0, "standard role \"%s\" (source or reference)",
					     sd->role);
		if (!date_ok(sd->cal_date) || !date_ok(sd->cal_due))
			return rig_error_set(err, NULL, 0, "%s calibration dates must be YYYY-MM-DD",
					     sd->role);
		if (sd->cal_date[0] && sd->cal_due[0] && strcmp(sd->cal_date, sd->cal_due) > 0)
			return rig_error_set(err, NULL, 0, "%s calibrated %s, due before that (%s)",
					     sd->role, sd->cal_date, sd->cal_due);
	}
	return 0;
}

static int check_registers(const struct store_run_record *r, struct rig_error *err)
{
	for (int p = 1; p <= RIG_MAX_POSITIONS; p++) {
		const struct store_position_record *pr = &r->pos[p];
		if ((pr->has_register_before &&
		     !(pr->register_before_kwh >= 0 && pr->register_before_kwh < 1e9)) ||
		    (pr->has_register_after &&
		     !(pr->register_after_kwh >= 0 && pr->register_after_kwh < 1e9)))
			return rig_error_set(err, NULL, 0,
					     "position %d: a register reading is 0 .. 999999999 kWh", p);
	}
	return 0;
}

/* A position overridden names the model it ran as, under an override that
 * names who and why. */
static int check_model_override(const struct store_run_record *r, struct rig_error *err)
{
	if (r->model_override_by[0] && !r->model_override_reason[0])
		return rig_error_set(err, NULL, 0, "a model override needs a reason");
	if (!r->model_override_by[0] && r->model_override_reason[0])
		return rig_error_set(err, NULL, 0, "a model override needs who overrode it");
	for (int p = 1; p <= RIG_MAX_POSITIONS; p++) {
		const struct store_position_record *pr = &r->pos[p];
		if (!pr->model_overridden)
			continue;
		if (!r->model_override_by[0])
			return rig_error_set(err, NULL, 0,
					     "position %d: a model overridden without who overrode it", p);
		if (!pr->override_ran_as[0] || !text_ok(pr->override_ran_as) ||
		    !text_ok(pr->override_expected) || !text_ok(pr->override_stored))
			return rig_error_set(err, NULL, 0,
					     "position %d: an overridden model needs the model it ran as", p);
	}
	return 0;
}

int store_run_record_check(const struct store_run_record *r, struct rig_error *err)
{
	if (!store_test_reason_ok(r->test_reason))
		return rig_error_set(err, NULL, 0,
				     "reason for test \"%s\": new, periodic, complaint, repair, sample or other",
				     r->test_reason);
	if (!store_test_state_ok(r->test_state))
		return rig_error_set(err, NULL, 0, "test \"%s\": as-found or as-left", r->test_state);
	if (r->follows_run[0] && strcmp(r->test_state, "as-left"))
		return rig_error_set(err, NULL, 0, "only an as-left test follows another run");
	if (r->has_ambient_c && !(r->ambient_c >= -40 && r->ambient_c <= 85))
		return rig_error_set(err, NULL, 0, "ambient temperature %g C is not -40 .. 85 C",
				     r->ambient_c);
	if (r->has_humidity_pct && !(r->humidity_pct >= 0 && r->humidity_pct <= 100))
		return rig_error_set(err, NULL, 0, "relative humidity %g %% is not 0 .. 100 %%",
				     r->humidity_pct);
	if ((unsigned)r->weighting >= (unsigned)RIG_WEIGHTING_COUNT)
		return rig_error_set(err, NULL, 0, "unknown weighting rule");
	if (r->cal_override_by[0] && !r->cal_override_reason[0])
		return rig_error_set(err, NULL, 0, "a calibration override needs a reason");
	if (check_texts(r, err) < 0 || check_standards(r, err) < 0 ||
	    check_model_override(r, err) < 0)
		return -1;
	return check_registers(r, err);
}

/* --- writing --------------------------------------------------------------- */

/* The run followed must exist, be earlier, and share a meter with this one. */
static int check_follows(struct store *s, int64_t run, const char *follows, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT COUNT(*) FROM runs f JOIN run_positions fp ON fp.run_id = f.id"
			  " JOIN run_positions rp ON rp.run_id = ?1 AND rp.meter_id = fp.meter_id"
			  " WHERE f.run_uuid = ?2 AND f.id <> ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	store_bind_text(st, 2, follows);
	int shared = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (shared == 0)
		return rig_error_set(err, NULL, 0,
				     "run %s (followed) is not stored or tested none of these meters",
				     follows);
	return 0;
}

static int write_standards(struct store *s, int64_t run, const struct store_run_record *r,
			   struct rig_error *err)
{
	for (int i = 0; i < r->n_standards; i++) {
		const struct store_standard *sd = &r->standards[i];
		sqlite3_stmt *st;
		if (store_prepare(s,
				  "INSERT INTO run_standards (run_id, role, identity, certificate, lab,"
				  " cal_date, cal_due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				  &st, err) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, run);
		store_bind_text(st, 2, sd->role);
		store_bind_text(st, 3, sd->identity);
		store_bind_text(st, 4, sd->certificate);
		store_bind_text(st, 5, sd->lab);
		store_bind_text(st, 6, sd->cal_date);
		store_bind_text(st, 7, sd->cal_due);
		if (store_step_done(s, st, err) < 0)
			return -1;
	}
	return 0;
}

int store_record_write(struct store *s, int64_t run, const struct store_run_record *r,
		       struct rig_error *err)
{
	if (r->follows_run[0] && check_follows(s, run, r->follows_run, err) < 0)
		return -1;
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT INTO run_records (run_id, test_reason, customer, test_state,"
			  " follows_run, ambient_c, humidity_pct, ambient_source, lab_name, lab_address,"
			  " lab_accreditation, approver_name, approver_role, weighting, cal_override_by,"
			  " cal_override_reason, simulated, method, model_override_by,"
			  " model_override_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			  " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	store_bind_text(st, 2, r->test_reason);
	store_bind_text(st, 3, r->customer);
	store_bind_text(st, 4, r->test_state);
	store_bind_text(st, 5, r->follows_run);
	if (r->has_ambient_c)
		sqlite3_bind_double(st, 6, r->ambient_c);
	if (r->has_humidity_pct)
		sqlite3_bind_double(st, 7, r->humidity_pct);
	store_bind_text(st, 8, r->ambient_source);
	store_bind_text(st, 9, r->lab_name);
	store_bind_text(st, 10, r->lab_address);
	store_bind_text(st, 11, r->lab_accreditation);
	store_bind_text(st, 12, r->approver_name);
	store_bind_text(st, 13, r->approver_role);
	store_bind_text(st, 14, r->weighting ? rig_weighting_name(r->weighting) : "");
	store_bind_text(st, 15, r->cal_override_by);
	store_bind_text(st, 16, r->cal_override_reason);
	sqlite3_bind_int(st, 17, r->simulated);
	store_bind_text(st, 18, r->method);
	store_bind_text(st, 19, r->model_override_by);
	store_bind_text(st, 20, r->model_override_reason);
	if (store_step_done(s, st, err) < 0)
		return -1;
	return write_standards(s, run, r, err);
}

/* --- weighted average ------------------------------------------------------ */

/* Which figure of the rule a point gives: 0 FL (100 % of rated, pf 1),
 * 1 LL (10 %, pf 1), 2 PF (100 %, pf 0.5 lagging); -1 none. The first
 * point of each in the profile's order counts: influence points (another
 * voltage, frequency, one element) come after the load points. */
static int weighting_role(double current_a, double current_pct, double rated_a, double pf,
			  bool leading, unsigned elements, int meter_elements)
{
	double pct = current_pct >= 0 ? current_pct : rated_a > 0 ? 100 * current_a / rated_a : -1;
	bool all = meter_elements <= 0 || elements == 0 ||
		   elements == ((1u << meter_elements) - 1) || elements == 3;
	if (!all)
		return -1;
	bool unity = fabs(pf - 1) < 1e-9;
	if (unity && fabs(pct - 100) < 0.5)
		return 0;
	if (unity && fabs(pct - 10) < 0.05)
		return 1;
	if (fabs(pf - 0.5) < 1e-9 && !leading && fabs(pct - 100) < 0.5)
		return 2;
	return -1;
}

static const char *const sql_weighting_points =
	"SELECT rp.position, p.current_a, p.current_pct, rp.rated_current_a, p.pf, p.leading,"
	" p.elements, rp.elements, m.error_pct FROM run_positions rp"
	" JOIN points p ON p.run_id = rp.run_id AND p.kind = 'accuracy'"
	" LEFT JOIN measurements m ON m.point_id = p.id AND m.position = rp.position"
	" AND m.attempt = (SELECT MAX(m2.attempt) FROM measurements m2"
	"   WHERE m2.point_id = p.id AND m2.position = rp.position)"
	" WHERE rp.run_id = ?1 ORDER BY rp.position, p.idx";

static enum rig_weighting run_weighting(struct store *s, int64_t run)
{
	sqlite3_stmt *st;
	enum rig_weighting w = RIG_WEIGHTING_NONE;
	if (store_prepare(s, "SELECT weighting FROM run_records WHERE run_id = ?1", &st, NULL) < 0)
		return w;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW && rig_weighting_parse(store_column_text(st, 0), &w) < 0)
		w = RIG_WEIGHTING_NONE;
	sqlite3_finalize(st);
	return w;
}

static int store_weighted(struct store *s, int64_t run, int position, double value,
			  struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "UPDATE run_positions SET weighted_avg_pct = ?3 WHERE run_id = ?1 AND position = ?2",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, position);
	if (isfinite(value))
		sqlite3_bind_double(st, 3, value);
	return store_step_done(s, st, err);
}

int store_record_weighted(struct store *s, int64_t run, struct rig_error *err)
{
	enum rig_weighting w = run_weighting(s, run);
	if (w == RIG_WEIGHTING_NONE)
		return 0;
	sqlite3_stmt *st;
	if (store_prepare(s, sql_weighting_points, &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int rc, position = -1, n = 0, positions[RIG_MAX_POSITIONS];
	double fig[RIG_MAX_POSITIONS][3];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int pos = sqlite3_column_int(st, 0);
		if (pos != position) {
			if (n == RIG_MAX_POSITIONS)
				break;
			position = pos;
			positions[n] = pos;
			fig[n][0] = fig[n][1] = fig[n][2] = NAN;
			n++;
		}
		int role = weighting_role(sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
					  sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
					  sqlite3_column_int(st, 5) != 0,
					  (unsigned)sqlite3_column_int(st, 6), sqlite3_column_int(st, 7));
		/* the first point of each role, measured or not: a later one
		 * never stands in for a load point that gave no error */
		if (role >= 0 && isnan(fig[n - 1][role]) && sqlite3_column_type(st, 8) != SQLITE_NULL)
			fig[n - 1][role] = sqlite3_column_double(st, 8);
		else if (role >= 0 && isnan(fig[n - 1][role]))
			fig[n - 1][role] = INFINITY;	/* taken, without a figure */
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	for (int i = 0; i < n; i++) {
		double v = rig_weighting_apply(w, fig[i][0], fig[i][1], fig[i][2]);
		if (store_weighted(s, run, positions[i], isfinite(v) ? v : NAN, err) < 0)
			return -1;
	}
	return 0;
}

/* --- reading --------------------------------------------------------------- */

static const char *const sql_record =
	"SELECT rr.test_reason, rr.customer, rr.test_state, rr.follows_run, rr.ambient_c,"
	" rr.humidity_pct, rr.ambient_source, rr.lab_name, rr.lab_address, rr.lab_accreditation,"
	" rr.approver_name, rr.approver_role, rr.weighting, rr.cal_override_by,"
	" rr.cal_override_reason, rr.simulated, rr.method, rr.model_override_by,"
	" rr.model_override_reason FROM run_records rr WHERE rr.run_id = ?1";

static void read_record(sqlite3_stmt *st, struct store_run_record *r)
{
	int i = 0;
	COPY(r->test_reason, store_column_text(st, i++));
	COPY(r->customer, store_column_text(st, i++));
	COPY(r->test_state, store_column_text(st, i++));
	COPY(r->follows_run, store_column_text(st, i++));
	r->has_ambient_c = sqlite3_column_type(st, i) != SQLITE_NULL;
	r->ambient_c = sqlite3_column_double(st, i++);
	r->has_humidity_pct = sqlite3_column_type(st, i) != SQLITE_NULL;
	r->humidity_pct = sqlite3_column_double(st, i++);
	COPY(r->ambient_source, store_column_text(st, i++));
	COPY(r->lab_name, store_column_text(st, i++));
	COPY(r->lab_address, store_column_text(st, i++));
	COPY(r->lab_accreditation, store_column_text(st, i++));
	COPY(r->approver_name, store_column_text(st, i++));
	COPY(r->approver_role, store_column_text(st, i++));
	if (rig_weighting_parse(store_column_text(st, i++), &r->weighting) < 0)
		r->weighting = RIG_WEIGHTING_NONE;
	COPY(r->cal_override_by, store_column_text(st, i++));
	COPY(r->cal_override_reason, store_column_text(st, i++));
	r->simulated = sqlite3_column_int(st, i++) != 0;
	COPY(r->method, store_column_text(st, i++));
	COPY(r->model_override_by, store_column_text(st, i++));
	COPY(r->model_override_reason, store_column_text(st, i++));
}

static int load_standards(struct store *s, int64_t run, struct store_run_record *r,
			  struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT role, identity, certificate, lab, cal_date, cal_due FROM run_standards"
			  " WHERE run_id = ?1 ORDER BY role DESC",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW && r->n_standards < STORE_MAX_STANDARDS) {
		struct store_standard *sd = &r->standards[r->n_standards++];
		COPY(sd->role, store_column_text(st, 0));
		COPY(sd->identity, store_column_text(st, 1));
		COPY(sd->certificate, store_column_text(st, 2));
		COPY(sd->lab, store_column_text(st, 3));
		COPY(sd->cal_date, store_column_text(st, 4));
		COPY(sd->cal_due, store_column_text(st, 5));
	}
	sqlite3_finalize(st);
	return 0;
}

static int load_positions(struct store *s, int64_t run, struct store_run_record *r,
			  struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT position, register_before_kwh, register_after_kwh,"
			  " model_override_ran_as, model_override_expected, model_override_stored"
			  " FROM run_positions WHERE run_id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int p = sqlite3_column_int(st, 0);
		if (p < 1 || p > RIG_MAX_POSITIONS)
			continue;
		struct store_position_record *pr = &r->pos[p];
		pr->has_register_before = sqlite3_column_type(st, 1) != SQLITE_NULL;
		pr->register_before_kwh = sqlite3_column_double(st, 1);
		pr->has_register_after = sqlite3_column_type(st, 2) != SQLITE_NULL;
		pr->register_after_kwh = sqlite3_column_double(st, 2);
		pr->model_overridden = sqlite3_column_type(st, 3) != SQLITE_NULL;
		COPY(pr->override_ran_as, store_column_text(st, 3));
		COPY(pr->override_expected, store_column_text(st, 4));
		COPY(pr->override_stored, store_column_text(st, 5));
	}
	sqlite3_finalize(st);
	return 0;
}

int store_run_record_load(struct store *s, const char *run_id, struct store_run_record *ret,
			  struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	int64_t run = store_run_rowid(s, run_id, err);
	if (run < 0)
		return -1;
	sqlite3_stmt *st;
	if (store_prepare(s, sql_record, &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW)
		read_record(st, ret);
	sqlite3_finalize(st);
	if (load_standards(s, run, ret, err) < 0)
		return -1;
	return load_positions(s, run, ret, err);
}

static int write_register_after(struct store *s, int64_t run, const char *run_id, int position,
				double kwh, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "UPDATE run_positions SET register_after_kwh = ?3 WHERE run_id = ?1"
			  " AND position = ?2 AND register_after_kwh IS NULL",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, position);
	sqlite3_bind_double(st, 3, kwh);
	if (store_step_done(s, st, err) < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return rig_error_set(err, NULL, 0,
				     "run %s has no meter at position %d, or its reading after is stored already",
				     run_id, position);
	/* sealed with the reading, as an addendum to the run's seal */
	return store_seal_register_after(s, run, position, err);
}

int store_set_register_after(struct store *s, const char *run_id, int position, double kwh,
			     struct rig_error *err)
{
	if (!(kwh >= 0 && kwh < 1e9))
		return rig_error_set(err, NULL, 0, "a register reading is 0 .. 999999999 kWh");
	int64_t run = store_run_rowid(s, run_id, err);
	if (run < 0 || store_exec(s, "SAVEPOINT register_after", err) < 0)
		return -1;
	if (write_register_after(s, run, run_id, position, kwh, err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK TO register_after; RELEASE register_after", NULL, NULL, NULL);
		return -1;
	}
	return store_exec(s, "RELEASE register_after", err);
}
