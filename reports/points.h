/* Per-point results in long form (store_query_points): one row per meter,
 * run and point, one table per file; text fields neutralised against
 * spreadsheet formulas (report_csv_field). Points are numbered from 1 in
 * the profile's order, as on the certificate and in the summary; pf is
 * negative when leading; empty (null) where nothing was measured. */
#ifndef RIG_REPORTS_POINTS_H
#define RIG_REPORTS_POINTS_H

#include <stdio.h>

#include "rig/core/error.h"
#include "rig/store/queries.h"
#include "rig/store/run_record.h"

int report_points_csv(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err);
int report_points_json(FILE *out, struct store *s, const struct store_filter *f,
		       struct rig_error *err);

/* `rigctl report --batch`: yield, per point n, mean, sd and Cpk, and the
 * weighted averages of the meters (text, one CSV table, or JSON). */
int report_batch_text(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err);
int report_batch_csv(FILE *out, struct store *s, const struct store_filter *f,
		     struct rig_error *err);
int report_batch_json(FILE *out, struct store *s, const struct store_filter *f,
		      struct rig_error *err);

#endif
