/* Fleet queries on the central database: the same questions as the bench's
 * own reports, answered across every bench that ships to it. Each writes a
 * table (or CSV with csv set) to out; 0, or -1 with err. */
#ifndef RIG_CENTRAL_FLEET_H
#define RIG_CENTRAL_FLEET_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "rig/core/error.h"

/* Every test of one meter on any bench, oldest first, with its register
 * before and after the run and its register points' readings; *ret_rows
 * the count. */
int fleet_meter_history(PGconn *pg, const char *serial, bool csv, FILE *out, int *ret_rows,
			struct rig_error *err);

/* One test's figures as its certificate states them: the run (the latest of
 * the serial, or run_uuid), a model override when there was one (who, why,
 * each position it let through), its standards and every point's final
 * attempt (a register point with its readings). */
int fleet_certificate(PGconn *pg, const char *serial, const char *run_uuid, FILE *out,
		      struct rig_error *err);

/* Meters tested between since and until (ISO-8601 or a date; NULL open),
 * per bench and model and per model over all benches: count, passed, yield,
 * and the lowest Cpk over the accuracy points (final attempts) with the
 * point it belongs to. model NULL: every model. */
int fleet_summary(PGconn *pg, const char *since, const char *until, const char *model, bool csv,
		  FILE *out, struct rig_error *err);

/* Benches whose standards (as stated in their latest run) are due for
 * calibration within `days` days or overdue. *ret_rows the count. */
int fleet_calibration_due(PGconn *pg, int days, bool csv, FILE *out, int *ret_rows,
			  struct rig_error *err);

#endif
