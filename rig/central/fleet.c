#include "rig/central/fleet.h"

#include <stdlib.h>
#include <string.h>

/* A result as an aligned table or as CSV (fields quoted when needed). */
static void print_result(PGresult *r, bool csv, FILE *out)
{
	int rows = PQntuples(r), cols = PQnfields(r);
	int width[32] = { 0 };
	if (cols > 32)
		cols = 32;
	for (int c = 0; c < cols; c++) {
		width[c] = (int)strlen(PQfname(r, c));
		for (int i = 0; i < rows; i++)
			if (PQgetlength(r, i, c) > width[c])
				width[c] = PQgetlength(r, i, c);
	}
	for (int i = -1; i < rows; i++) {
		for (int c = 0; c < cols; c++) {
			const char *v = i < 0 ? PQfname(r, c) : PQgetvalue(r, i, c);
			if (!csv) {
				fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < cols ? width[c] : 0, v);
				continue;
			}
			if (c)
				fputc(',', out);
			if (strpbrk(v, ",\"\n")) {
				fputc('"', out);
				for (; *v; v++)
					fputs(*v == '"' ? "\"\"" : (char[]){ *v, 0 }, out);
				fputc('"', out);
			} else {
				fputs(v, out);
			}
		}
		fputc('\n', out);
	}
}

static int query(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **ret,
		 struct rig_error *err)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(r);
		return rig_error_set(err, NULL, 0, "central database: %s", msg);
	}
	*ret = r;
	return 0;
}

static int run_and_print(PGconn *pg, const char *sql, int n, const char *const *params, bool csv,
			 FILE *out, int *ret_rows, struct rig_error *err)
{
	PGresult *r;
	if (query(pg, sql, n, params, &r, err) < 0)
		return -1;
	print_result(r, csv, out);
	if (ret_rows)
		*ret_rows = PQntuples(r);
	PQclear(r);
	return 0;
}

int fleet_meter_history(PGconn *pg, const char *serial, bool csv, FILE *out, int *ret_rows,
			struct rig_error *err)
{
	const char *p[1] = { serial };
	return run_and_print(pg,
			     "SELECT to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
			     " AS started, r.station, r.run_uuid AS run, p.position AS pos,"
			     " p.model, r.profile_name AS profile, coalesce(r.test_state, '') AS test,"
			     " r.state AS run_state, p.verdict,"
			     " coalesce(round(p.weighted_avg_pct::numeric, 3)::text, '') AS wavg_pct,"
			     /* the register before and after the run, and each register
			      * point's readings at its final attempt (the one that
			      * counts, as on the certificate): "before>after" kWh, "-"
			      * for one not read then, even if an earlier attempt was */
			     " coalesce(p.register_before_kwh::text, '') AS reg_before_kwh,"
			     " coalesce(p.register_after_kwh::text, '') AS reg_after_kwh,"
			     " coalesce((SELECT string_agg(coalesce(g.reading_before_kwh::text, '-') || '>'"
			     "  || coalesce(g.reading_after_kwh::text, '-'), ' ' ORDER BY f.point_idx)"
			     "  FROM (SELECT DISTINCT ON (m.point_idx) m.point_idx, m.attempt FROM measurements m"
			     "   WHERE m.run_uuid = r.run_uuid AND m.position = p.position"
			     "   ORDER BY m.point_idx, m.attempt DESC) f"
			     "  LEFT JOIN register_readings g ON g.run_uuid = r.run_uuid"
			     "   AND g.position = p.position AND g.point_idx = f.point_idx AND g.attempt = f.attempt"
			     "  WHERE EXISTS (SELECT 1 FROM register_readings h WHERE h.run_uuid = r.run_uuid"
			     "   AND h.position = p.position AND h.point_idx = f.point_idx)), '')"
			     " AS register_points_kwh"
			     " FROM run_positions p JOIN runs r USING (run_uuid)"
			     " WHERE p.serial = $1 ORDER BY r.started_at, p.position",
			     1, p, csv, out, ret_rows, err);
}

/* A model override of the run (bench schema 10), when there was one: who,
 * why, and each position it let run as another model; nothing otherwise. */
static int print_model_override(PGconn *pg, const char *const *run, FILE *out,
				struct rig_error *err)
{
	PGresult *r;
	if (query(pg, "SELECT r.model_override_by AS model_override_by,"
		  " r.model_override_reason AS reason, coalesce(p.position::text, '') AS pos,"
		  " coalesce(p.model_override_ran_as, '') AS ran_as,"
		  " coalesce(p.model_override_expected, '') AS expected,"
		  " coalesce(p.model_override_stored, '') AS stored FROM runs r"
		  " LEFT JOIN run_positions p ON p.run_uuid = r.run_uuid"
		  " AND p.model_override_ran_as IS NOT NULL"
		  " WHERE r.run_uuid::text = $1 AND r.model_override_by IS NOT NULL ORDER BY p.position",
		  1, run, &r, err) < 0)
		return -1;
	if (PQntuples(r) > 0) {
		fputc('\n', out);
		print_result(r, false, out);
	}
	PQclear(r);
	return 0;
}

int fleet_certificate(PGconn *pg, const char *serial, const char *run_uuid, FILE *out,
		      struct rig_error *err)
{
	const char *p[2] = { serial ? serial : "", run_uuid ? run_uuid : "" };
	PGresult *r;
	if (query(pg, "SELECT r.run_uuid::text, p.position, r.station, r.host FROM run_positions p"
		  " JOIN runs r USING (run_uuid) WHERE ($1 = '' OR p.serial = $1)"
		  " AND ($2 = '' OR r.run_uuid::text = $2) ORDER BY r.started_at DESC LIMIT 1",
		  2, p, &r, err) < 0)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return rig_error_set(err, NULL, 0, "no test of %s%s%s in the central database",
				     serial ? serial : "", run_uuid ? " in run " : "",
				     run_uuid ? run_uuid : "");
	}
	char run[64], pos[8];
	snprintf(run, sizeof(run), "%s", PQgetvalue(r, 0, 0));
	snprintf(pos, sizeof(pos), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	const char *q[2] = { run, pos };
	int rc = run_and_print(pg,
			       "SELECT p.serial, p.model, r.station, r.host, r.run_uuid AS run,"
			       " p.position AS pos, r.started_at, r.ended_at, r.profile_name AS profile,"
			       " r.operator, p.verdict, r.state AS run_state, r.lab_name AS lab,"
			       " r.approver_name AS approver, s.public_key AS station_key,"
			       " (SELECT seal FROM seals se WHERE se.run_uuid = r.run_uuid"
			       "  AND coalesce(se.subject, 'run') = 'run' ORDER BY se.seq LIMIT 1) AS seal"
			       " FROM run_positions p JOIN runs r USING (run_uuid)"
			       " JOIN stations s ON s.name = r.station AND s.host = r.host"
			       " WHERE r.run_uuid::text = $1 AND p.position = $2::smallint",
			       2, q, false, out, NULL, err);
	if (rc == 0)
		rc = print_model_override(pg, q, out, err);
	if (rc == 0) {
		fputc('\n', out);
		rc = run_and_print(pg, "SELECT role, identity, certificate, lab, cal_date, cal_due"
				   " FROM run_standards WHERE run_uuid::text = $1 ORDER BY role",
				   1, q, false, out, NULL, err);
	}
	if (rc == 0) {
		fputc('\n', out);
		rc = run_and_print(pg,
				   "SELECT DISTINCT ON (m.point_idx) pt.name AS point, pt.kind,"
				   " m.attempt, round(m.error_pct::numeric, 4) AS error_pct,"
				   " round(m.u_pct::numeric, 4) AS u_pct, pt.band_pct, m.verdict, m.detail,"
				   " CASE WHEN g.run_uuid IS NULL THEN '' ELSE"
				   "  coalesce(g.reading_before_kwh::text, '-') || '>'"
				   "  || coalesce(g.reading_after_kwh::text, '-') END AS register_kwh"
				   " FROM measurements m JOIN points pt ON pt.run_uuid = m.run_uuid"
				   " AND pt.idx = m.point_idx LEFT JOIN register_readings g"
				   " ON g.run_uuid = m.run_uuid AND g.point_idx = m.point_idx"
				   " AND g.position = m.position AND g.attempt = m.attempt"
				   " WHERE m.run_uuid::text = $1"
				   " AND m.position = $2::smallint ORDER BY m.point_idx, m.attempt DESC",
				   2, q, false, out, NULL, err);
	}
	return rc;
}

int fleet_summary(PGconn *pg, const char *since, const char *until, const char *model, bool csv,
		  FILE *out, struct rig_error *err)
{
	const char *p[3] = { since ? since : "-infinity", until ? until : "infinity",
			     model ? model : "" };
	/* Yield from the meters' verdicts; Cpk from the day sums the shipper
	 * keeps (final attempts only), so by whole UTC days. */
	return run_and_print(pg,
		"WITH pos AS (SELECT r.station, p.model, p.verdict"
		"  FROM runs r JOIN run_positions p USING (run_uuid)"
		"  WHERE r.started_at >= $1::timestamptz AND r.started_at < $2::timestamptz"
		"  AND ($3 = '' OR p.model = $3)),"
		" yield AS (SELECT station, model, count(*) AS meters,"
		"  count(*) FILTER (WHERE verdict = 'pass') AS passed"
		"  FROM pos GROUP BY GROUPING SETS ((station, model), (model))),"
		" sums AS (SELECT station, model, point_name, min(band_pct) AS band, sum(n) AS n,"
		"  sum(sum_e) AS s1, sum(sum_e2) AS s2 FROM point_stats"
		"  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date"
		"  AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date"
		"  AND ($3 = '' OR model = $3)"
		"  GROUP BY GROUPING SETS ((station, model, point_name), (model, point_name))),"
		" cpk AS (SELECT station, model, point_name, (band - abs(s1 / n))"
		"  / nullif(3 * sqrt(greatest(s2 - s1 * s1 / n, 0) / nullif(n - 1, 0)), 0) AS cpk"
		"  FROM sums WHERE n > 1),"
		" worst AS (SELECT DISTINCT ON (station, model) station, model, point_name, cpk FROM cpk"
		"  WHERE cpk IS NOT NULL ORDER BY station, model, cpk)"
		" SELECT coalesce(y.station, '(all benches)') AS bench, y.model, y.meters, y.passed,"
		"  round(100.0 * y.passed / y.meters, 2) AS yield_pct,"
		"  round(w.cpk::numeric, 2) AS min_cpk, coalesce(w.point_name, '') AS at_point"
		" FROM yield y LEFT JOIN worst w ON w.station IS NOT DISTINCT FROM y.station"
		"  AND w.model = y.model"
		" ORDER BY y.model, y.station NULLS LAST",
		3, p, csv, out, NULL, err);
}

int fleet_calibration_due(PGconn *pg, int days, bool csv, FILE *out, int *ret_rows,
			  struct rig_error *err)
{
	char d[16];
	snprintf(d, sizeof(d), "%d", days);
	const char *p[1] = { d };
	return run_and_print(pg,
		"SELECT st.name AS bench, st.host, s.role, s.identity, s.cal_due,"
		" (s.cal_due::date - current_date) AS days_left,"
		" to_char(lr.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last_run"
		" FROM stations st CROSS JOIN LATERAL (SELECT run_uuid, started_at FROM runs"
		"  WHERE station = st.name AND host = st.host ORDER BY started_at DESC LIMIT 1) lr"
		" JOIN run_standards s ON s.run_uuid = lr.run_uuid"
		" WHERE s.cal_due ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'"
		" AND s.cal_due::date <= current_date + $1::int"
		" ORDER BY s.cal_due, st.name",
		1, p, csv, out, ret_rows, err);
}
