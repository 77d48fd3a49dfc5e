/* The certification record on the HTML certificate: reason, customer,
 * as-found / as-left, registers, ambient conditions, weighted average, the
 * lab and approver, the reference standards and any calibration override. */
#ifndef RIG_REPORTS_CERT_RECORD_H
#define RIG_REPORTS_CERT_RECORD_H

#include <stdio.h>

#include "rig/store/queries.h"

/* Writes <h2> sections with fact tables (the certificate's page style). */
void report_certificate_record_html(FILE *out, const struct store_certificate *c);

#endif
