/* The certification record on certificates: reason, customer, as-found /
 * as-left, registers, ambient conditions, weighted average, the lab and
 * approver, the reference standards and any calibration override, and any
 * model override (who, why, each position it let through). The
 * facts go through cert_facts (cert_facts.h), so HTML and PDF say the same. */
#ifndef RIG_REPORTS_CERT_RECORD_H
#define RIG_REPORTS_CERT_RECORD_H

#include <stdio.h>

#include "reports/cert_facts.h"
#include "rig/store/queries.h"

/* The record's facts, sections "Record", "Laboratory", "Reference standards"
 * and, when a model override let a run through, "Overrides". */
void cert_record_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx);

/* Those sections as HTML (<h2> and fact tables, the certificate's style). */
void report_certificate_record_html(FILE *out, const struct store_certificate *c);

#endif
