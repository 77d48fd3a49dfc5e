/* A meter's test certificate as a vector A4 PDF (cairo + pango, fonts
 * embedded): paged, with the identifier and "page x of y" on every page. */
#ifndef RIG_REPORTS_CERTIFICATE_PDF_H
#define RIG_REPORTS_CERTIFICATE_PDF_H

#include <stddef.h>

#include "rig/core/error.h"
#include "rig/store/queries.h"

/* What ties the certificate to the station and the stored chain; any
 * field may be NULL or "" (an unsigned draft). */
struct cert_pdf_seal {
	const char *public_key_b64;
	const char *seal_hex;		/* the run's seal in the chain */
	const char *qr_text;		/* identifier and signature, drawn as a QR code */
	const char *signature_b64;	/* the signature of the statement */
	const char *issued_at;		/* date of issue (UTC) */
};

/* The PDF into a malloc'd buffer (*ret, *ret_len); 0, or -1 with err. */
int report_certificate_pdf(const struct store_certificate *c, const struct cert_pdf_seal *seal,
			   unsigned char **ret, size_t *ret_len, struct rig_error *err);

#endif
