/* rigctl results, history and report with --central URL: fleet queries on
 * the central PostgreSQL the benches ship to (rig/central/fleet.h). */
#include <stdio.h>
#include <time.h>

#include "rig/central/central.h"
#include "rig/central/fleet.h"
#include "rig/rigctl/commands.h"

static const char *iso_or_null(bool has, time_t t, char buf[32])
{
	if (!has)
		return NULL;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

bool central_takes_by_default(const struct rigctl_args *a)
{
	if (a->format != RIGCTL_FMT_TABLE && a->format != RIGCTL_FMT_CSV)
		return false;
	switch (a->cmd) {
	case RIGCTL_HISTORY:
		return true;
	case RIGCTL_RESULTS:
		return a->serial && !a->model && !a->run_id && !a->has_since && !a->has_until &&
		       !a->has_verdict && !a->limit;
	case RIGCTL_REPORT:
		/* the fleet's batch figures filter by model and time only */
		return a->cal_due || (a->batch && !a->out && !a->has_verdict && !a->serial &&
				      !a->run_id);
	default:
		return false;
	}
}

/* A central database older than this rigctl lacks what its questions
 * ask for: said plainly, with the way to migrate it, instead of
 * PostgreSQL's missing column. 0, or -1 with err. */
static int central_new_enough(PGconn *pg, struct rig_error *err)
{
	int v = central_schema_version(pg, err);
	if (v < 0)
		return -1;
	int want = central_schema_latest_version();
	if (v < want)
		return rig_error_set(err, NULL, 0,
				     "the central database is at schema version %d, older than this "
				     "rigctl asks (%d): migrate it with rig-shipper --central URL "
				     "--init-central (an upgraded shipper does it when it connects)",
				     v, want);
	return 0;
}

int cmd_central(const struct rigctl_args *a)
{
	struct rig_error err = { 0 };
	PGconn *pg = central_connect(a->central, &err);
	if (!pg || central_new_enough(pg, &err) < 0) {
		fprintf(stderr, "rigctl: %s\n", err.msg);
		PQfinish(pg);
		return RIGCTL_EXIT_ERROR;
	}
	bool csv = a->format == RIGCTL_FMT_CSV;
	int rc = 0, rows = 0;
	char since[32], until[32];
	if (a->cmd == RIGCTL_REPORT && a->cal_due) {
		rc = fleet_calibration_due(pg, 30, csv, stdout, &rows, &err);
	} else if (a->cmd == RIGCTL_REPORT && (a->batch || a->summary)) {
		rc = fleet_summary(pg, iso_or_null(a->has_since, a->since, since),
				   iso_or_null(a->has_until, a->until, until), a->model, csv, stdout,
				   &err);
	} else if (a->cmd == RIGCTL_REPORT && (a->serial || a->run_id)) {
		rc = fleet_certificate(pg, a->serial, a->run_id, stdout, &err);
	} else if (a->serial) {
		rc = fleet_meter_history(pg, a->serial, csv, stdout, &rows, &err);
	} else {
		rc = rig_error_set(&err, NULL, 0,
				   "with --central: results/history --serial S, report --serial S,"
				   " report --batch, report --cal-due");
	}
	PQfinish(pg);
	if (rc < 0) {
		fprintf(stderr, "rigctl: %s\n", err.msg);
		return RIGCTL_EXIT_ERROR;
	}
	return RIGCTL_EXIT_PASS;
}
