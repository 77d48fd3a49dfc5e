/* Signed certificates. The signed statement is a few lines of text that
 * fix what the certificate says (run, serial, verdict, the hash of the
 * stored rows, the run's seal, each point's verdict, error and U) in the
 * form the database gives them. It is signed with the station's Ed25519
 * key; the identifier and that signature go into the QR code, and the
 * finished PDF bytes are signed too (minisign-style, "sign the final
 * bytes"). Both are appended after the PDF's %%EOF as comment lines:
 *   %RIG-STATEMENT <base64>
 *   %RIG-SIGNATURE <base64 of the statement's signature>
 *   %RIG-FILE-SIGNATURE <base64 of the signature of SHA-256(PDF) || statement>
 * Verification never re-renders: it checks the bytes, then rebuilds the
 * statement from the database and names each line that differs. */
#ifndef RIG_REPORTS_CERT_SIGN_H
#define RIG_REPORTS_CERT_SIGN_H

#include <stdio.h>

#include "rig/common/station_key.h"
#include "rig/core/error.h"
#include "rig/store/queries.h"
#include "rig/store/store.h"

#define CERT_STATEMENT_MAX 16384

/* The statement of certificate c as the database has it now. */
int cert_statement(struct store *s, const struct store_certificate *c, const char *key_b64,
		   char *buf, size_t len, struct rig_error *err);

/* Renders c to PDF, signs it with key and writes it to out_path (atomic). */
int cert_write_signed_pdf(struct store *s, const struct store_certificate *c,
			  const struct station_key *key, const char *out_path, struct rig_error *err);

/* Checks the PDF at path against its signatures and the database. Writes
 * one line per finding to out. 0: valid; 1: altered, unknown key or
 * different from the database; -1 with err when it cannot be read. */
int cert_verify_pdf(struct store *s, const char *path, FILE *out, struct rig_error *err);

#endif
