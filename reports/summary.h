/* A batch or period summary for certification (store_summary_load): counts,
 * pass rate, per point n, mean error, standard deviation and Cpk against
 * the band, and the worst meters. */
#ifndef RIG_REPORTS_SUMMARY_H
#define RIG_REPORTS_SUMMARY_H

#include <stdio.h>

#include "rig/store/queries.h"

/* A table for people. title may be NULL. 0, or -1 when writing failed. */
int report_summary_text(FILE *out, const struct store_summary *s, const char *title);

/* One CSV table per file: the totals (metric,value), the points, or the
 * worst meters. */
enum report_summary_table { REPORT_SUMMARY_POINTS, REPORT_SUMMARY_TOTALS, REPORT_SUMMARY_WORST };
int report_summary_csv(FILE *out, const struct store_summary *s, enum report_summary_table t);

/* One JSON object: {"runs": {...}, "meters": {...}, "points": [...],
 * "worst": [...]}; unknown statistics are null. */
int report_summary_json(FILE *out, const struct store_summary *s);

#endif
