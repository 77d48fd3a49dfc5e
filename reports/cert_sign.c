#include "reports/cert_sign.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/certificate.h"
#include "reports/certificate_pdf.h"
#include "rig/common/safe_file.h"
#include "rig/core/sha256.h"
#include "rig/store/seal.h"
#include "rig/store/store_private.h"

#define STATEMENT_TAG "\n%RIG-STATEMENT "
#define SIG_TAG "%RIG-SIGNATURE "
#define FILE_SIG_TAG "%RIG-FILE-SIGNATURE "

static size_t add(char *buf, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t add(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	if (used >= len)
		return used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n;
}

int cert_statement(struct store *s, const struct store_certificate *c, const char *key_b64,
		   char *buf, size_t len, struct rig_error *err)
{
	char rows[STORE_SEAL_HEX], seal[STORE_SEAL_HEX] = "none", id[160];
	if (store_run_rows_hash(s, c->run_id, rows, err) < 0 || store_run_seal(s, c->run_id, seal, err) < 0)
		return -1;
	report_certificate_id(c, id, sizeof(id));
	size_t u = 0;
	u = add(buf, len, u, "rig certificate 1\nid %s\nrun %s\nserial %s\nmodel %s\n", id, c->run_id,
		c->serial, c->model);
	u = add(buf, len, u, "verdict %s\nstate %s\nstarted %s\nended %s\n", c->verdict, c->state,
		c->started_at, c->ended_at);
	u = add(buf, len, u, "rows %s\nseal %s\nkey %s\n", rows, seal, key_b64);
	if (c->model_backfilled)
		u = add(buf, len, u, "model-source backfilled\n");
	for (int i = 0; i < c->n_points; i++) {
		const struct store_cert_point *p = &c->points[i];
		char e[32] = "-", uu[32] = "-";
		if (p->has_error) {
			snprintf(e, sizeof(e), "%+.4f", p->error_pct);
			snprintf(uu, sizeof(uu), "%.4f", p->u_pct);
		}
		u = add(buf, len, u, "point %d %s: verdict %s, error %s %%, U %s %%\n", p->idx + 1, p->name,
			p->verdict, e, uu);
	}
	if (u >= len)
		return rig_error_set(err, NULL, 0, "certificate statement too long");
	return 0;
}

static void file_digest(const unsigned char *pdf, size_t n, const char *statement, uint8_t **ret,
			size_t *ret_len)
{
	size_t sl = strlen(statement);
	uint8_t *m = malloc(32 + sl);
	if (!m) {
		*ret = NULL;
		return;
	}
	struct rig_sha256 h;
	rig_sha256_init(&h);
	rig_sha256_update(&h, pdf, n);
	rig_sha256_final(&h, m);
	memcpy(m + 32, statement, sl);
	*ret = m;
	*ret_len = 32 + sl;
}

static int sign_and_write(struct store *s, const struct store_certificate *c,
			  const struct station_key *key, const char *out_path, char *statement,
			  struct rig_error *err);

int cert_write_signed_pdf(struct store *s, const struct store_certificate *c,
			  const struct station_key *key, const char *out_path, struct rig_error *err)
{
	char *statement = malloc(CERT_STATEMENT_MAX);
	if (!statement)
		return rig_error_set(err, NULL, 0, "out of memory");
	int rc = sign_and_write(s, c, key, out_path, statement, err);
	free(statement);
	return rc;
}

static int sign_and_write(struct store *s, const struct store_certificate *c,
			  const struct station_key *key, const char *out_path, char *statement,
			  struct rig_error *err)
{
	if (cert_statement(s, c, key->pk_b64, statement, CERT_STATEMENT_MAX, err) < 0)
		return -1;
	uint8_t sig[STATION_SIG_BYTES], file_sig[STATION_SIG_BYTES];
	station_key_sign(key, statement, strlen(statement), sig);
	char sig_b64[STATION_B64_LEN], file_sig_b64[STATION_B64_LEN], id[160], qr[300];
	station_b64_encode(sig, sizeof(sig), sig_b64, sizeof(sig_b64));
	report_certificate_id(c, id, sizeof(id));
	snprintf(qr, sizeof(qr), "RIGCERT1 %s %s", id, sig_b64);
	char seal[STORE_SEAL_HEX] = "";
	if (store_run_seal(s, c->run_id, seal, err) < 0)
		return -1;
	char issued[32];
	store_format_time((int64_t)time(NULL) * 1000, issued, sizeof(issued));
	struct cert_pdf_seal ps = {.public_key_b64 = key->pk_b64, .seal_hex = seal, .qr_text = qr,
				   .signature_b64 = sig_b64, .issued_at = issued};
	unsigned char *pdf;
	size_t n;
	if (report_certificate_pdf(c, &ps, &pdf, &n, err) < 0)
		return -1;
	/* The signed bytes end with a newline, so the trailer starts a line. */
	if (n == 0 || pdf[n - 1] != '\n') {
		unsigned char *more = realloc(pdf, n + 1);
		if (!more) {
			free(pdf);
			return rig_error_set(err, NULL, 0, "out of memory");
		}
		pdf = more;
		pdf[n++] = '\n';
	}
	uint8_t *msg;
	size_t msg_len;
	file_digest(pdf, n, statement, &msg, &msg_len);
	if (!msg) {
		free(pdf);
		return rig_error_set(err, NULL, 0, "out of memory");
	}
	station_key_sign(key, msg, msg_len, file_sig);
	free(msg);
	station_b64_encode(file_sig, sizeof(file_sig), file_sig_b64, sizeof(file_sig_b64));
	size_t b64_len = sodium_base64_ENCODED_LEN(strlen(statement), sodium_base64_VARIANT_ORIGINAL);
	char *st_b64 = malloc(b64_len);
	if (!st_b64) {
		free(pdf);
		return rig_error_set(err, NULL, 0, "out of memory");
	}
	station_b64_encode((const uint8_t *)statement, strlen(statement), st_b64, b64_len);
	struct safe_file sf;
	FILE *f = safe_file_open(&sf, out_path);
	int rc = -1;
	if (f) {
		fwrite(pdf, 1, n, f);
		/* cairo ends the file with a newline after %%EOF */
		fprintf(f, "%s%s\n%s%s\n%s%s\n", STATEMENT_TAG + 1, st_b64, SIG_TAG, sig_b64, FILE_SIG_TAG,
			file_sig_b64);
		rc = safe_file_close(&sf, ferror(f) ? -1 : 0);
	}
	free(st_b64);
	free(pdf);
	if (rc < 0)
		return rig_error_set(err, out_path, 0, "writing: %s", strerror(errno));
	return 0;
}

/* --- verification ---------------------------------------------------------- */

struct signed_pdf {
	unsigned char *data;
	size_t body_len;		/* the signed PDF bytes */
	char statement[CERT_STATEMENT_MAX];
	uint8_t sig[STATION_SIG_BYTES], file_sig[STATION_SIG_BYTES];
};

static int read_all(const char *path, unsigned char **ret, size_t *ret_len, struct rig_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return rig_error_set(err, path, 0, "%s", strerror(errno));
	size_t cap = 1 << 16, n = 0;
	unsigned char *d = malloc(cap + 1);
	size_t got;
	while (d && (got = fread(d + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			unsigned char *more = realloc(d, 2 * cap + 1);
			if (!more)
				free(d);
			d = more, cap *= 2;
		}
	}
	fclose(f);
	if (!d)
		return rig_error_set(err, path, 0, "out of memory");
	d[n] = 0;
	*ret = d, *ret_len = n;
	return 0;
}

/* The value after tag on the line at *at, NUL-terminated in place. */
static char *trailer_line(char **at, const char *tag)
{
	if (!*at || strncmp(*at, tag, strlen(tag)) != 0)
		return NULL;
	char *v = *at + strlen(tag), *nl = strchr(v, '\n');
	if (nl)
		*nl = 0;
	*at = nl ? nl + 1 : NULL;
	return v;
}

/* 0 when the trailer parsed; -1 with why. */
static int parse_signed(unsigned char *d, size_t n, struct signed_pdf *sp, char *why, size_t why_len)
{
	char *start = NULL;
	for (size_t i = n; i-- > 1;)
		if (d[i - 1] == '\n' && strncmp((char *)d + i, STATEMENT_TAG + 1, strlen(STATEMENT_TAG) - 1) == 0) {
			start = (char *)d + i;
			break;
		}
	if (!start) {
		snprintf(why, why_len, "not a signed rig certificate (no %%RIG-STATEMENT trailer)");
		return -1;
	}
	sp->data = d;
	sp->body_len = (size_t)((unsigned char *)start - d);
	char *at = start;
	char *st = trailer_line(&at, STATEMENT_TAG + 1), *sig = trailer_line(&at, SIG_TAG);
	char *fsig = trailer_line(&at, FILE_SIG_TAG);
	int sl = st ? station_b64_decode(st, (uint8_t *)sp->statement, sizeof(sp->statement) - 1) : -1;
	if (sl < 0 || !sig || !fsig || station_b64_decode(sig, sp->sig, sizeof(sp->sig)) != STATION_SIG_BYTES ||
	    station_b64_decode(fsig, sp->file_sig, sizeof(sp->file_sig)) != STATION_SIG_BYTES) {
		snprintf(why, why_len, "the signature trailer is damaged");
		return -1;
	}
	sp->statement[sl] = 0;
	return 0;
}

/* The value of "name " in a statement, into buf ("" when absent). */
static void statement_value(const char *statement, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	buf[0] = 0;
	for (const char *line = statement; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, name, nl) == 0 && line[nl] == ' ') {
			snprintf(buf, len, "%.*s", (int)strcspn(line + nl + 1, "\n"), line + nl + 1);
			return;
		}
}

/* Each line of the signed statement that the database no longer says. */
static int compare_lines(const char *signed_st, const char *db_st, FILE *out)
{
	int diffs = 0;
	for (const char *line = signed_st; *line;) {
		size_t len = strcspn(line, "\n");
		bool found = false;
		for (const char *d = db_st; *d && !found;) {
			size_t dl = strcspn(d, "\n");
			found = dl == len && strncmp(d, line, len) == 0;
			d += dl + (d[dl] == '\n');
		}
		if (!found) {
			/* the database's line with the same key, if any */
			char key[96], now[400] = "";
			size_t kl = strcspn(line, line[0] == 'p' ? ":" : " ");
			snprintf(key, sizeof(key), "%.*s", (int)(kl < sizeof(key) ? kl : sizeof(key) - 1), line);
			for (const char *d = db_st; *d;) {
				size_t dl = strcspn(d, "\n");
				if (strncmp(d, key, strlen(key)) == 0 && (d[strlen(key)] == ' ' || d[strlen(key)] == ':'))
					snprintf(now, sizeof(now), "%.*s", (int)dl, d);
				d += dl + (d[dl] == '\n');
			}
			fprintf(out, "differs: certificate says \"%.*s\"; database says \"%s\"\n", (int)len,
				line, now[0] ? now : "(nothing)");
			diffs++;
		}
		line += len + (line[len] == '\n');
	}
	return diffs;
}

static int check_against_db(struct store *s, const struct signed_pdf *sp, FILE *out, struct rig_error *err)
{
	char run[128], serial[128], key[STATION_B64_LEN];
	statement_value(sp->statement, "run", run, sizeof(run));
	statement_value(sp->statement, "serial", serial, sizeof(serial));
	statement_value(sp->statement, "key", key, sizeof(key));
	int problems = 0;
	if (!store_station_key_known(s, key)) {
		fprintf(out, "signed by key %s, which is not the key of any station in this database\n", key);
		problems++;
	}
	struct store_certificate *c = malloc(sizeof(*c));
	char *now = malloc(CERT_STATEMENT_MAX);
	struct rig_error lookup = {0};
	if (!c || !now) {
		free(c);
		free(now);
		return rig_error_set(err, NULL, 0, "out of memory");
	}
	if (store_certificate_load(s, serial, run, c, &lookup) < 0) {
		fprintf(out, "run %s, meter %s: not in the database (%s): deleted, or another database\n",
			run, serial, lookup.msg);
		free(c);
		free(now);
		return problems + 1;
	}
	int rc = cert_statement(s, c, key, now, CERT_STATEMENT_MAX, err);
	if (rc == 0)
		rc = problems + compare_lines(sp->statement, now, out);
	free(c);
	free(now);
	return rc;
}

int cert_verify_pdf(struct store *s, const char *path, FILE *out, struct rig_error *err)
{
	unsigned char *d = NULL;
	size_t n = 0;
	if (read_all(path, &d, &n, err) < 0)
		return -1;
	struct signed_pdf *sp = calloc(1, sizeof(*sp));
	char why[200];
	if (!sp) {
		free(d);
		return rig_error_set(err, NULL, 0, "out of memory");
	}
	int problems = 0;
	if (parse_signed(d, n, sp, why, sizeof(why)) < 0) {
		fprintf(out, "%s: %s\n", path, why);
		free(sp);
		free(d);
		return 1;
	}
	char key_b64[STATION_B64_LEN];
	uint8_t pk[STATION_PK_BYTES];
	statement_value(sp->statement, "key", key_b64, sizeof(key_b64));
	if (station_b64_decode(key_b64, pk, sizeof(pk)) != STATION_PK_BYTES) {
		fprintf(out, "the statement names no valid public key\n");
		problems++;
	} else {
		if (station_key_verify(pk, sp->statement, strlen(sp->statement), sp->sig) < 0) {
			fprintf(out, "the statement's signature is not valid for key %s\n", key_b64);
			problems++;
		}
		uint8_t *msg;
		size_t msg_len;
		file_digest(d, sp->body_len, sp->statement, &msg, &msg_len);
		if (msg && station_key_verify(pk, msg, msg_len, sp->file_sig) < 0) {
			fprintf(out, "the PDF was altered after it was signed: its bytes do not match the file signature\n");
			problems++;
		}
		free(msg);
	}
	int db = check_against_db(s, sp, out, err);
	if (db < 0) {
		free(sp);
		free(d);
		return -1;
	}
	problems += db;
	if (!problems) {
		char id[200];
		statement_value(sp->statement, "id", id, sizeof(id));
		fprintf(out, "%s: valid: signed by %s, matches the database (certificate %s)\n", path, key_b64, id);
	}
	free(sp);
	free(d);
	return problems ? 1 : 0;
}
