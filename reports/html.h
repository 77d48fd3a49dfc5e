/* Escaping for HTML text and attribute values. */
#ifndef RIG_REPORTS_HTML_H
#define RIG_REPORTS_HTML_H

#include <stdio.h>

void report_html_text(FILE *out, const char *text);

#endif
