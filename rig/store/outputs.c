/* Every output gated beside a point's own as a row of its own, and a
 * register point's readings (schema 8): what the detail text says, in
 * columns a query can use. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/sequencer.h"
#include "rig/store/measurements.h"
#include "rig/store/store_private.h"

static int insert_output(sqlite3_stmt *st, int64_t mid, const struct rig_output_result *o)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, mid);
	store_bind_text(st, 2, rig_signal_name(o->sig));
	sqlite3_bind_double(st, 3, o->kh);
	store_bind_text(st, 4, rig_verdict_name(o->verdict));
	if (o->u_pct >= 0 && isfinite(o->error_pct) && isfinite(o->u_pct)) {
		sqlite3_bind_double(st, 5, o->error_pct);
		sqlite3_bind_double(st, 6, o->u_pct);
	}
	sqlite3_bind_int(st, 7, o->bound);
	sqlite3_bind_int(st, 8, o->lost);
	sqlite3_bind_int(st, 9, o->edges);
	if (o->duty >= 0 && isfinite(o->duty))
		sqlite3_bind_double(st, 10, o->duty);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int insert_readings(struct store *s, int64_t mid, const struct rig_point_result *r,
			   struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "UPDATE measurements SET reading_before_kwh = ?2, reading_after_kwh = ?3"
			  " WHERE id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if (r->reading_before_kwh >= 0)
		sqlite3_bind_double(st, 2, r->reading_before_kwh);
	if (r->reading_after_kwh >= 0)
		sqlite3_bind_double(st, 3, r->reading_after_kwh);
	return store_step_done(s, st, err);
}

int store_insert_outputs(struct store *s, int64_t mid, const struct rig_point_result *r,
			 struct rig_error *err)
{
	if (r->has_readings && insert_readings(s, mid, r, err) < 0)
		return -1;
	if (r->n_outputs <= 0)
		return 0;
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "INSERT INTO measurement_outputs (measurement_id, output, kh, verdict,"
			  " error_pct, u_pct, bound, lost, edges, duty)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  &st, err) < 0)
		return -1;
	int rc = 0;
	for (int i = 0; rc == 0 && i < r->n_outputs && i < RIG_SEQ_MAX_OUTPUTS; i++)
		if (insert_output(st, mid, &r->outputs[i]) < 0)
			rc = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc;
}

int store_read_outputs(struct store *s, int64_t mid, struct store_measurement *m,
		       struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT output, kh, verdict, error_pct, u_pct, bound, lost, edges, duty"
			  " FROM measurement_outputs WHERE measurement_id = ?1 ORDER BY rowid",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	m->n_outputs = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && m->n_outputs < RIG_SEQ_MAX_OUTPUTS) {
		struct store_output *o = &m->outputs[m->n_outputs++];
		memset(o, 0, sizeof(*o));
		snprintf(o->output, sizeof(o->output), "%s", store_column_text(st, 0));
		o->kh = sqlite3_column_double(st, 1);
		snprintf(o->verdict, sizeof(o->verdict), "%s", store_column_text(st, 2));
		o->has_estimate = sqlite3_column_type(st, 3) != SQLITE_NULL &&
				  sqlite3_column_type(st, 4) != SQLITE_NULL;
		if (o->has_estimate) {
			o->error_pct = sqlite3_column_double(st, 3);
			o->u_pct = sqlite3_column_double(st, 4);
		}
		o->bound = sqlite3_column_int(st, 5) != 0;
		o->lost = sqlite3_column_int(st, 6) != 0;
		o->edges = sqlite3_column_int(st, 7);
		o->has_duty = sqlite3_column_type(st, 8) != SQLITE_NULL;
		if (o->has_duty)
			o->duty = sqlite3_column_double(st, 8);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return 0;
}
