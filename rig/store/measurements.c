#include "rig/store/measurements.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rig/store/store_private.h"

static void read_row(sqlite3_stmt *st, struct store_measurement *m)
{
	memset(m, 0, sizeof(*m));
	m->point = sqlite3_column_int(st, 0);
	m->position = sqlite3_column_int(st, 1);
	m->attempt = sqlite3_column_int(st, 2);
	m->current_a = sqlite3_column_double(st, 3);
	m->reference_w = sqlite3_column_double(st, 4);
	m->edges_used = sqlite3_column_int(st, 5);
	m->gate_s = sqlite3_column_double(st, 6);
	m->has_error = sqlite3_column_type(st, 7) != SQLITE_NULL && sqlite3_column_type(st, 8) != SQLITE_NULL;
	if (m->has_error) {
		m->error_pct = sqlite3_column_double(st, 7);
		m->u_pct = sqlite3_column_double(st, 8);
	}
	m->has_value = sqlite3_column_type(st, 9) != SQLITE_NULL;
	if (m->has_value)
		m->value = sqlite3_column_double(st, 9);
	snprintf(m->verdict, sizeof(m->verdict), "%s", store_column_text(st, 10));
	snprintf(m->detail, sizeof(m->detail), "%s", store_column_text(st, 11));
}

static double column_dof(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? INFINITY : sqlite3_column_double(st, col);
}

static int term_index(const char *name)
{
	for (int t = 0; t < RIG_U_TERMS; t++)
		if (strcmp(name, rig_u_term_name((enum rig_u_term)t)) == 0)
			return t;
	return -1;
}

/* The budget stored with measurement `id`, when there is one. */
static int read_budget(struct store *s, int64_t id, struct store_measurement *m, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT uc_rel, nu_eff, k, period_check, update_period_s, declared_period_s"
			  " FROM point_budget WHERE measurement_id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m->has_budget = true;
		m->uc_rel = sqlite3_column_double(st, 0);
		m->nu_eff = column_dof(st, 1);
		m->k = sqlite3_column_double(st, 2);
		snprintf(m->period_check, sizeof(m->period_check), "%s", store_column_text(st, 3));
		m->update_period_s = sqlite3_column_double(st, 4);
		m->declared_period_s = sqlite3_column_double(st, 5);
	}
	sqlite3_finalize(st);
	if (!m->has_budget)
		return 0;
	if (store_prepare(s,
			  "SELECT term, u, sensitivity, contribution, dof FROM point_budget_terms"
			  " WHERE measurement_id = ?1",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int t = term_index(store_column_text(st, 0));
		if (t < 0)
			continue;
		m->term[t].u = sqlite3_column_double(st, 1);
		m->term[t].sensitivity = sqlite3_column_double(st, 2);
		m->term[t].contribution = sqlite3_column_double(st, 3);
		m->term[t].dof = column_dof(st, 4);
	}
	sqlite3_finalize(st);
	return 0;
}

int store_run_measurements(struct store *s, const char *run_id, store_measurement_fn fn, void *ctx,
			   struct rig_error *err)
{
	int64_t run = store_run_rowid(s, run_id, err);
	if (run < 0)
		return -1;
	sqlite3_stmt *st;
	if (store_prepare(s,
			  "SELECT p.idx, m.position, m.attempt, m.current_a, m.reference_w, m.edges_used,"
			  " m.gate_s, m.error_pct, m.u_pct, m.value, m.verdict, m.detail, m.id,"
			  " m.reading_before_kwh, m.reading_after_kwh"
			  " FROM measurements m JOIN points p ON p.id = m.point_id"
			  " WHERE p.run_id = ?1 ORDER BY m.id",
			  &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_measurement m;
		read_row(st, &m);
		m.has_reading_before = sqlite3_column_type(st, 13) != SQLITE_NULL;
		m.reading_before_kwh = sqlite3_column_double(st, 13);
		m.has_reading_after = sqlite3_column_type(st, 14) != SQLITE_NULL;
		m.reading_after_kwh = sqlite3_column_double(st, 14);
		if (read_budget(s, sqlite3_column_int64(st, 12), &m, err) < 0 ||
		    store_read_outputs(s, sqlite3_column_int64(st, 12), &m, err) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		int stop = fn(&m, ctx);
		if (stop) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return 0;
}

/* As outputs.c keeps them: an estimate only with a U, a duty only when measured. */
static void outputs_of(const struct rig_point_result *r, struct store_measurement *ret)
{
	ret->has_reading_before = r->has_readings && r->reading_before_kwh >= 0;
	ret->reading_before_kwh = ret->has_reading_before ? r->reading_before_kwh : 0;
	ret->has_reading_after = r->has_readings && r->reading_after_kwh >= 0;
	ret->reading_after_kwh = ret->has_reading_after ? r->reading_after_kwh : 0;
	for (int i = 0; i < r->n_outputs && i < RIG_SEQ_MAX_OUTPUTS; i++) {
		const struct rig_output_result *o = &r->outputs[i];
		struct store_output *so = &ret->outputs[ret->n_outputs++];
		snprintf(so->output, sizeof(so->output), "%s", rig_signal_name(o->sig));
		so->kh = o->kh;
		snprintf(so->verdict, sizeof(so->verdict), "%s", rig_verdict_name(o->verdict));
		so->has_estimate = o->u_pct >= 0 && isfinite(o->error_pct) && isfinite(o->u_pct);
		so->error_pct = so->has_estimate ? o->error_pct : 0;
		so->u_pct = so->has_estimate ? o->u_pct : 0;
		so->bound = o->bound;
		so->lost = o->lost;
		so->edges = o->edges;
		so->has_duty = o->duty >= 0 && isfinite(o->duty);
		so->duty = so->has_duty ? o->duty : 0;
	}
}

void store_measurement_of(const struct rig_point_result *r, struct store_measurement *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->point = r->point;
	ret->position = r->position;
	ret->attempt = r->attempt;
	ret->current_a = r->current_a;
	ret->reference_w = r->reference_w;
	ret->edges_used = r->gate.edges_used ? r->gate.edges_used : r->edges_counted;
	ret->gate_s = r->gate.gate_s;
	bool has_error = r->gate.state == RIG_GATE_DONE || r->gate.state == RIG_GATE_TIMED_OUT;
	ret->has_error = has_error && isfinite(r->gate.error_pct) && isfinite(r->gate.u_pct);
	if (ret->has_error) {
		ret->error_pct = r->gate.error_pct;
		ret->u_pct = r->gate.u_pct;
	}
	ret->has_value = isfinite(r->value);
	if (ret->has_value)
		ret->value = r->value;
	snprintf(ret->verdict, sizeof(ret->verdict), "%s", rig_verdict_name(r->verdict));
	snprintf(ret->detail, sizeof(ret->detail), "%s", r->detail);
	outputs_of(r, ret);
	/* as insert_budget keeps it: only a measured budget, non-finite
	 * figures as 0, infinite degrees of freedom as NULL */
	const struct rig_gate_budget *b = &r->gate.budget;
	ret->has_budget = b->uc_rel > 0 && isfinite(b->uc_rel) && r->gate.u_pct >= 0;
	if (!ret->has_budget)
		return;
	ret->uc_rel = b->uc_rel;
	ret->nu_eff = isfinite(b->nu_eff) ? b->nu_eff : INFINITY;
	ret->k = b->k;
	snprintf(ret->period_check, sizeof(ret->period_check), "%s", rig_period_check_name(b->period_check));
	ret->update_period_s = b->update_period_s;
	ret->declared_period_s = b->declared_period_s;
	for (int t = 0; t < RIG_U_TERMS; t++) {
		const struct rig_u_component *c = &b->term[t];
		ret->term[t].u = isfinite(c->u) ? c->u : 0;
		ret->term[t].sensitivity = isfinite(c->sensitivity) ? c->sensitivity : 0;
		ret->term[t].contribution = isfinite(c->contribution) ? c->contribution : 0;
		ret->term[t].dof = isfinite(c->dof) ? c->dof : INFINITY;
	}
}

static bool same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0 || (a == 0 && b == 0);
}

static bool same_budget(const struct store_measurement *a, const struct store_measurement *b)
{
	if (a->has_budget != b->has_budget)
		return false;
	if (!a->has_budget)
		return true;
	for (int t = 0; t < RIG_U_TERMS; t++)
		if (!same(a->term[t].u, b->term[t].u) || !same(a->term[t].sensitivity, b->term[t].sensitivity) ||
		    !same(a->term[t].contribution, b->term[t].contribution) || !same(a->term[t].dof, b->term[t].dof))
			return false;
	return same(a->uc_rel, b->uc_rel) && same(a->nu_eff, b->nu_eff) && same(a->k, b->k) &&
	       same(a->update_period_s, b->update_period_s) &&
	       same(a->declared_period_s, b->declared_period_s) &&
	       strcmp(a->period_check, b->period_check) == 0;
}

static bool same_outputs(const struct store_measurement *a, const struct store_measurement *b)
{
	if (a->n_outputs != b->n_outputs || a->has_reading_before != b->has_reading_before ||
	    a->has_reading_after != b->has_reading_after ||
	    !same(a->reading_before_kwh, b->reading_before_kwh) ||
	    !same(a->reading_after_kwh, b->reading_after_kwh))
		return false;
	for (int i = 0; i < a->n_outputs; i++) {
		const struct store_output *x = &a->outputs[i], *y = &b->outputs[i];
		if (strcmp(x->output, y->output) || !same(x->kh, y->kh) ||
		    strcmp(x->verdict, y->verdict) || x->has_estimate != y->has_estimate ||
		    !same(x->error_pct, y->error_pct) || !same(x->u_pct, y->u_pct) ||
		    x->bound != y->bound || x->lost != y->lost || x->edges != y->edges ||
		    x->has_duty != y->has_duty || !same(x->duty, y->duty))
			return false;
	}
	return true;
}

bool store_measurement_equal(const struct store_measurement *a, const struct store_measurement *b)
{
	return same_budget(a, b) && same_outputs(a, b) && a->point == b->point && a->position == b->position && a->attempt == b->attempt &&
	       same(a->current_a, b->current_a) && same(a->reference_w, b->reference_w) &&
	       a->edges_used == b->edges_used && same(a->gate_s, b->gate_s) &&
	       a->has_error == b->has_error && same(a->error_pct, b->error_pct) &&
	       same(a->u_pct, b->u_pct) && a->has_value == b->has_value && same(a->value, b->value) &&
	       strcmp(a->verdict, b->verdict) == 0 && strcmp(a->detail, b->detail) == 0;
}
