/* A meter's test certificate as one self-contained HTML page (inline CSS
 * and SVG, no external assets) that prints on A4. */
#ifndef RIG_REPORTS_CERTIFICATE_H
#define RIG_REPORTS_CERTIFICATE_H

#include <stdio.h>

#include "rig/store/queries.h"

/* 0, or -1 when writing failed (errno from stdio). */
int report_certificate_html(FILE *out, const struct store_certificate *c);

/* The plot alone: error against current (log axis), bands shaded, error
 * bars, one series per power factor. Writes an <svg> element. */
void report_certificate_svg(FILE *out, const struct store_certificate *c);

/* "RUN / SERIAL / HASH": what ties a printed certificate to the stored run. */
void report_certificate_id(const struct store_certificate *c, char *buf, size_t len);

#endif
