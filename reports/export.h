/* The results listing (store_query_results) as CSV or JSON. */
#ifndef RIG_REPORTS_EXPORT_H
#define RIG_REPORTS_EXPORT_H

#include <stdio.h>

#include "rig/core/error.h"
#include "rig/store/queries.h"

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR, LF or
 * leading/trailing space; quotes doubled. */
void report_csv_field(FILE *out, const char *text);

/* A comma, then v as fmt writes it; nothing after the comma when v is
 * not finite (not known). */
void report_csv_number(FILE *out, const char *fmt, double v);

/* Header and one row per meter and run, oldest first; newest > 0: only the
 * newest that many rows (still oldest first). 0, or -1 with err. */
int report_export_csv(FILE *out, struct store *s, const struct store_filter *f, int newest,
		      struct rig_error *err);

/* A JSON array of objects with the same fields and rows. 0, or -1 with err. */
int report_export_json(FILE *out, struct store *s, const struct store_filter *f, int newest,
		       struct rig_error *err);

#endif
