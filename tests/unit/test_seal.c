/* Tamper evidence: the hash chain over stored runs and the signed PDF
 * certificate, each against a database changed behind the rig's back. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/cert_sign.h"
#include "rig/common/station_key.h"
#include "rig/rigd/runstore.h"
#include "rig/rigctl/args.h"
#include "rig/store/queries.h"
#include "rig/store/seal.h"
#include "shell_capture.h"
#include "test_store_data.h"

#define T0 1795000000000LL

static char dir[64], db_path[96];

/* The seal format the tests' store makes: a store sealing in a format
 * older than 4 is software from before overrides were recorded, so its
 * runs' records hold none (test_record). */
static int sealing_format;

static void set_format(struct store *s, int format)
{
	store_set_seal_format(s, format);
	sealing_format = format;
}

static void setup(void)
{
	tsd_tmpdir(dir, db_path);
	sealing_format = 0;
}

static void teardown(void)
{
	tsd_rmdir(dir);
}

/* What a run's record holds in these tests. */
static struct store_run_record *test_record(void)
{
	static struct store_run_record rec;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.customer, sizeof(rec.customer), "Acme Flats");
	snprintf(rec.test_reason, sizeof(rec.test_reason), "complaint");
	snprintf(rec.lab_name, sizeof(rec.lab_name), "Meter Shop 3");
	snprintf(rec.method, sizeof(rec.method), "ANSI C12.1-2014 tests 1-6 and 14");
	rec.weighting = RIG_WEIGHTING_4FL_LL;
	rec.has_ambient_c = true;
	rec.ambient_c = 22.5;
	rec.n_standards = 1;
	snprintf(rec.standards[0].role, sizeof(rec.standards[0].role), "reference");
	snprintf(rec.standards[0].identity, sizeof(rec.standards[0].identity), "REF-9");
	snprintf(rec.standards[0].certificate, sizeof(rec.standards[0].certificate), "CAL-2026-117");
	rec.pos[1].has_register_before = true;
	rec.pos[1].register_before_kwh = 18234.6;
	if (sealing_format > 0 && sealing_format < 4)
		return &rec;
	snprintf(rec.model_override_by, sizeof(rec.model_override_by), "sam");
	snprintf(rec.model_override_reason, sizeof(rec.model_override_reason), "label misprint");
	rec.pos[1].model_overridden = true;
	snprintf(rec.pos[1].override_ran_as, sizeof(rec.pos[1].override_ran_as), "MMD-120-2001-T-SCC");
	snprintf(rec.pos[1].override_stored, sizeof(rec.pos[1].override_stored), "MMD-120-2001");
	return &rec;
}

static void one_run(struct store *s, const char *serial, int64_t t0, char run_id[STORE_RUN_ID_LEN])
{
	struct rig_error err = {0};
	struct tsd_bench b;
	tsd_bench_init(&b, serial, NULL, t0);
	b.meta.record = test_record();
	ck_assert_int_eq(store_begin_run(s, &b.plan, &b.meta, run_id, &err), 0);
	struct rig_point_result r[] = {
		tsd_result(0, 0, 1, 0.210, 0.040, 100, RIG_VERDICT_PASS),
		tsd_result(1, 0, 1, -0.120, 0.050, 10, RIG_VERDICT_PASS),
		tsd_result(2, 0, 1, 0.330, 0.060, 100, RIG_VERDICT_PASS),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		ck_assert_int_eq(store_add_point_result(s, run_id, &r[i], &err), 0);
	ck_assert_int_eq(store_end_run(s, run_id, RIG_RUN_PASSED, "", t0 + 60000, &err), 0);
}

/* Three sealed runs; their ids into ids. */
static void three_runs(char ids[3][STORE_RUN_ID_LEN])
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	tsd_sign_heads(s, dir);
	one_run(s, "A-1", T0, ids[0]);
	one_run(s, "A-2", T0 + 100000, ids[1]);
	one_run(s, "A-3", T0 + 200000, ids[2]);
	store_close(s);
}

/* Changes the database as an outsider would: plain SQL, no rig code. */
static void tamper(const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
	ck_assert_int_gt(sqlite3_changes(db), 0);
	sqlite3_close(db);
}

struct findings {
	char text[4096];
};

static void collect(const char *problem, void *ctx)
{
	struct findings *f = ctx;
	size_t used = strlen(f->text);
	snprintf(f->text + used, sizeof(f->text) - used, "%s\n", problem);
}

static struct store_chain_report walk(struct findings *f)
{
	struct rig_error err = {0};
	struct store *s = store_open_readonly(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	struct store_chain_report r;
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(store_verify_chain(s, collect, f, &r, &err), 0);
	store_close(s);
	return r;
}

START_TEST(an_untouched_chain_verifies)
{
	char ids[3][STORE_RUN_ID_LEN];
	three_runs(ids);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_int_eq(r.sealed, 3);
	ck_assert_msg(r.problems == 0, "%s", f.text);
}
END_TEST

START_TEST(a_byte_changed_in_a_stored_point_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], sql[400];
	three_runs(ids);
	/* the last bit of one stored error */
	snprintf(sql, sizeof(sql),
		 "UPDATE measurements SET error_pct = error_pct * (1 + 1e-15) WHERE point_id ="
		 " (SELECT p.id FROM points p JOIN runs r ON r.id = p.run_id WHERE r.run_uuid = '%s'"
		 " AND p.idx = 1)", ids[1]);
	tamper(sql);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_int_eq(r.problems, 1);
	ck_assert_ptr_nonnull(strstr(f.text, ids[1]));
	ck_assert_ptr_nonnull(strstr(f.text, "changed after it was sealed"));
}
END_TEST

START_TEST(a_deleted_run_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], sql[200];
	three_runs(ids);
	snprintf(sql, sizeof(sql), "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE run_uuid = '%s'", ids[0]);
	tamper(sql);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_int_ge(r.problems, 1);
	ck_assert_ptr_nonnull(strstr(f.text, ids[0]));
	ck_assert_ptr_nonnull(strstr(f.text, "deleted"));
}
END_TEST

START_TEST(a_run_deleted_with_its_seal_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], sql[300];
	three_runs(ids);
	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; DELETE FROM run_seals WHERE run_uuid = '%s';"
		 " DELETE FROM runs WHERE run_uuid = '%s'", ids[1], ids[1]);
	tamper(sql);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_int_ge(r.problems, 1);
	/* the run after it no longer follows its predecessor's seal */
	ck_assert_ptr_nonnull(strstr(f.text, ids[2]));
	ck_assert_ptr_nonnull(strstr(f.text, "does not follow"));
}
END_TEST

START_TEST(the_station_key_is_made_once_and_kept_private)
{
	struct rig_error err = {0};
	struct station_key a, b;
	ck_assert_int_eq(station_key_load(dir, &a, &err), -1);	/* none yet: no key made on the fly */
	ck_assert_ptr_nonnull(strstr(err.msg, "key init"));
	ck_assert_int_eq(station_key_init(dir, &a, &err), 0);
	ck_assert_int_eq(station_key_init(dir, &b, &err), -1);	/* a station keeps its key */
	ck_assert_int_eq(station_key_load(dir, &b, &err), 0);
	ck_assert_str_eq(a.pk_b64, b.pk_b64);
	ck_assert_int_eq(memcmp(a.sk, b.sk, sizeof(a.sk)), 0);
	char path[128], pub[STATION_B64_LEN];
	struct stat st;
	snprintf(path, sizeof(path), "%s/station.key", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(station_key_public(dir, pub, &err), 0);
	ck_assert_str_eq(pub, a.pk_b64);
	/* a secret key others may read is not signed with */
	const mode_t open_modes[] = {0640, 0604, 0660, 0644};
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		ck_assert_int_eq(chmod(path, open_modes[i]), 0);
		memset(&err, 0, sizeof(err));
		ck_assert_int_eq(station_key_load(dir, &b, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "lets others read"));
	}
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_int_eq(station_key_load(dir, &b, &err), 0);
	uint8_t sig[STATION_SIG_BYTES];
	station_key_sign(&a, "abc", 3, sig);
	ck_assert_int_eq(station_key_verify(b.pk, "abc", 3, sig), 0);
	ck_assert_int_eq(station_key_verify(b.pk, "abd", 3, sig), -1);
	char dbdir[64];
	station_key_dir("/var/lib/rig/rig.db", dbdir, sizeof(dbdir));
	ck_assert_str_eq(dbdir, "/var/lib/rig");
}
END_TEST

/* A signed certificate of A-2 in dir/cert.pdf; the key recorded with the station. */
static void signed_certificate(char ids[3][STORE_RUN_ID_LEN], char pdf[160])
{
	three_runs(ids);
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	struct station_key key;
	ck_assert_int_eq(station_key_load(dir, &key, &err), 0);	/* made by three_runs */
	struct store_certificate *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(store_certificate_load(s, "A-2", NULL, c, &err), 0);
	snprintf(pdf, 160, "%s/cert.pdf", dir);
	ck_assert_msg(cert_write_signed_pdf(s, c, &key, pdf, &err) == 0, "%s", err.msg);
	free(c);
	store_close(s);
}

static int verify(const char *pdf, char **out)
{
	struct rig_error err = {0};
	struct store *s = store_open_readonly(db_path, &err);
	size_t len;
	FILE *f = open_memstream(out, &len);
	int rc = cert_verify_pdf(s, pdf, f, &err);
	fclose(f);
	store_close(s);
	ck_assert_msg(rc >= 0, "%s", err.msg);
	return rc;
}

START_TEST(a_signed_certificate_verifies)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out;
	signed_certificate(ids, pdf);
	ck_assert_msg(verify(pdf, &out) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "valid"));
	free(out);
}
END_TEST

START_TEST(an_edited_pdf_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out;
	signed_certificate(ids, pdf);
	/* one byte in the middle of the PDF body */
	FILE *f = fopen(pdf, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size / 3, SEEK_SET);
	int ch = fgetc(f);
	fseek(f, size / 3, SEEK_SET);
	fputc(ch ^ 0x01, f);
	fclose(f);
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "altered after it was signed"));
	free(out);
}
END_TEST

START_TEST(a_changed_point_is_named)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out, sql[400];
	signed_certificate(ids, pdf);
	snprintf(sql, sizeof(sql),
		 "UPDATE measurements SET error_pct = 0.125 WHERE point_id ="
		 " (SELECT p.id FROM points p JOIN runs r ON r.id = p.run_id WHERE r.run_uuid = '%s'"
		 " AND p.idx = 0)", ids[1]);
	tamper(sql);
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_msg(strstr(out, "point 1 full load pf 1: verdict pass, error +0.2100 %") &&
		      strstr(out, "error +0.1250 %"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "rows "));	/* the rows' hash differs too */
	free(out);
}
END_TEST

START_TEST(a_certificate_of_a_deleted_run_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out, sql[200];
	signed_certificate(ids, pdf);
	snprintf(sql, sizeof(sql), "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE run_uuid = '%s'", ids[1]);
	tamper(sql);
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "not in the database"));
	free(out);
}
END_TEST

START_TEST(a_certificate_signed_by_another_key_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out;
	signed_certificate(ids, pdf);
	tamper("UPDATE stations SET public_key = 'AAAA'");
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "not the key of any station"));
	free(out);
}
END_TEST

START_TEST(a_file_that_is_no_signed_certificate_is_refused)
{
	char ids[3][STORE_RUN_ID_LEN], pdf[160], *out;
	signed_certificate(ids, pdf);
	/* the trailer cut off: an unsigned PDF */
	FILE *f = fopen(pdf, "r+b");
	ck_assert_ptr_nonnull(f);
	char *data = malloc(1 << 20);
	size_t n = fread(data, 1, 1 << 20, f);
	fclose(f);
	char *trailer = memmem(data, n, "%RIG-STATEMENT ", 15);
	ck_assert_ptr_nonnull(trailer);
	f = fopen(pdf, "wb");
	fwrite(data, 1, (size_t)(trailer - data), f);
	fclose(f);
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "not a signed rig certificate"));
	free(out);
	/* a damaged signature line */
	f = fopen(pdf, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
	char *sig = (char *)memmem(data, n, "%RIG-SIGNATURE ", 15) + 15;
	f = fopen(pdf, "r+b");
	fseek(f, sig - data, SEEK_SET);
	fputs("!!", f);
	fclose(f);
	ck_assert_int_eq(verify(pdf, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "damaged"));
	free(out);
	free(data);
}
END_TEST

/* Format 2 covers everything a certificate shows beyond the points: each
 * of these edits, on a fresh database, breaks the seal of run A-2. */
START_TEST(a_changed_record_standard_or_meter_description_is_found)
{
	static const char *const edits[] = {
		"UPDATE run_records SET customer = 'Other Co' WHERE run_id = %lld",
		"UPDATE run_records SET ambient_c = 23.5 WHERE run_id = %lld",
		"UPDATE run_records SET weighting = '(FL+LL)/2' WHERE run_id = %lld",
		"UPDATE run_records SET method = 'ANSI C12.1-2022' WHERE run_id = %lld",
		"UPDATE run_standards SET certificate = 'CAL-FORGED' WHERE run_id = %lld",
		"UPDATE run_positions SET model = 'MMS-120-4001' WHERE run_id = %lld",
		"UPDATE run_positions SET rated_current_a = 400 WHERE run_id = %lld",
		"UPDATE run_positions SET register_before_kwh = 18000 WHERE run_id = %lld",
		"UPDATE run_positions SET weighted_avg_pct = 0.01 WHERE run_id = %lld",
		"UPDATE run_positions SET model_source = 'backfilled' WHERE run_id = %lld",
		"DELETE FROM run_standards WHERE run_id = %lld",
		/* the model override (format 4) */
		"UPDATE run_records SET model_override_by = 'ana' WHERE run_id = %lld",
		"UPDATE run_records SET model_override_reason = 'typo' WHERE run_id = %lld",
		"UPDATE run_positions SET model_override_stored = 'MMS-120-4001' WHERE run_id = %lld",
		"UPDATE run_positions SET model_override_expected = 'MMS-120-4001' WHERE run_id = %lld",
		"UPDATE run_positions SET model_override_ran_as = NULL, model_override_stored = NULL"
		" WHERE run_id = %lld",
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		tsd_rmdir(dir);
		tsd_tmpdir(dir, db_path);
		char ids[3][STORE_RUN_ID_LEN], sql[300];
		three_runs(ids);
		struct findings f;
		ck_assert_int_eq(walk(&f).problems, 0);
		snprintf(sql, sizeof(sql), edits[i], 2LL);	/* runs.id of A-2 */
		tamper(sql);
		struct store_chain_report r = walk(&f);
		ck_assert_msg(r.problems == 1 && strstr(f.text, ids[1]) && strstr(f.text, "changed after it was sealed"),
			      "%s: %s", sql, f.text);
	}
}
END_TEST

/* The newest run deleted with its seal: every link that is left holds, but
 * the signed head names the seal that is gone. */
START_TEST(the_newest_run_deleted_with_its_seal_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], sql[300];
	three_runs(ids);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 0 && r.head_signed && r.head_seq == 3, "%s", f.text);
	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; DELETE FROM run_seals WHERE run_uuid = '%s';"
		 " DELETE FROM runs WHERE run_uuid = '%s'", ids[2], ids[2]);
	tamper(sql);
	r = walk(&f);
	ck_assert_int_eq(r.sealed, 2);
	ck_assert_msg(r.problems == 1 && strstr(f.text, "the chain was cut"), "%s", f.text);
	/* the head removed as well */
	tamper("DELETE FROM chain_head");
	r = walk(&f);
	ck_assert_msg(r.problems == 1 && strstr(f.text, "signed head is missing"), "%s", f.text);
}
END_TEST

START_TEST(a_head_moved_back_or_signed_by_another_key_is_found)
{
	char ids[3][STORE_RUN_ID_LEN], sql[300];
	three_runs(ids);
	/* the head pointed at the second seal, its signature kept */
	snprintf(sql, sizeof(sql),
		 "UPDATE chain_head SET seq = 2, seal = (SELECT seal FROM run_seals WHERE seq = 2)");
	tamper(sql);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(strstr(f.text, "does not verify") && strstr(f.text, "added without the station's key"),
		      "%s", f.text);
	/* a head signed by a key no station holds */
	tsd_rmdir(dir);
	tsd_tmpdir(dir, db_path);
	three_runs(ids);
	tamper("UPDATE stations SET public_key = 'AAAA'");
	r = walk(&f);
	ck_assert_msg(r.problems == 1 && strstr(f.text, "which no station here holds"), "%s", f.text);
}
END_TEST

/* The register after, written once the meter is off the bench, is sealed
 * as an addendum: verified, and an edit or an unsealed reading shows. */
START_TEST(the_register_after_is_sealed_as_an_addendum)
{
	char ids[3][STORE_RUN_ID_LEN], sql[300];
	three_runs(ids);
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	tsd_sign_heads(s, dir);
	ck_assert_msg(store_set_register_after(s, ids[0], 1, 18236.1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(store_set_register_after(s, ids[0], 1, 18236.2, &err), -1);	/* once */
	store_close(s);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 0 && r.head_seq == 4, "%s", f.text);
	tamper("UPDATE run_positions SET register_after_kwh = 18299 WHERE run_id = 1");
	r = walk(&f);
	ck_assert_msg(r.problems == 1 && strstr(f.text, "register-after 1 changed"), "%s", f.text);
	/* a reading after written behind the rig's back has no seal */
	tamper("UPDATE run_positions SET register_after_kwh = 18300 WHERE run_id = 2");
	r = walk(&f);
	snprintf(sql, sizeof(sql), "run %s position 1: a register reading after that was never sealed", ids[1]);
	ck_assert_msg(strstr(f.text, sql), "%s", f.text);
}
END_TEST

/* Seals keep their format: a run sealed as before (format 1) verifies
 * beside newer ones, and its record was never covered. */
START_TEST(format_1_seals_still_verify_beside_format_2)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	tsd_sign_heads(s, dir);
	char old_run[STORE_RUN_ID_LEN], new_run[STORE_RUN_ID_LEN];
	set_format(s, 1);
	one_run(s, "OLD-1", T0, old_run);
	set_format(s, 0);
	one_run(s, "NEW-1", T0 + 100000, new_run);
	store_close(s);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 0 && r.sealed == 2 && r.newest_format == STORE_SEAL_FORMAT, "%s",
		      f.text);
	tamper("UPDATE run_records SET customer = 'Other Co'");
	r = walk(&f);
	ck_assert_msg(r.problems == 1 && strstr(f.text, new_run) && !strstr(f.text, old_run), "%s", f.text);
}
END_TEST

/* Runs sealed in each older format (1 to 3) still verify beside format 4,
 * by rigctl verify too; format 4 covers the model override, and an
 * override in a run sealed in an older format was forged after it. */
START_TEST(older_formats_still_verify_beside_format_4)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	tsd_sign_heads(s, dir);
	char runs[4][STORE_RUN_ID_LEN];
	for (int format = 1; format <= 4; format++) {
		char serial[16];
		snprintf(serial, sizeof(serial), "F%d-1", format);
		set_format(s, format);
		one_run(s, serial, T0 + format * 100000, runs[format - 1]);
	}
	store_close(s);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 0 && r.sealed == 4 && r.newest_format == 4, "%s", f.text);
	ck_assert_int_ge(STORE_SEAL_FORMAT, 4);
	ck_assert_msg(test_sh("%s --db '%s' verify --db", test_rigctl_path(), db_path) == 0, "%s",
		      test_sh_out);
	ck_assert_msg(strstr(test_sh_out, "valid: 4 sealed run(s) walked, 0 problem(s)"), "%s", test_sh_out);
	/* Format 4 covers the override; an older seal does not, so an
	 * override found in a run sealed before it was forged afterwards. */
	tamper("UPDATE run_records SET model_override_by = 'ana'");
	r = walk(&f);
	ck_assert_msg(r.problems == 4, "%s", f.text);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(strstr(f.text, runs[i]), "%s", f.text);
	ck_assert_msg(strstr(f.text, "a model override was written into it after it was sealed (its seal,"
				     " format 3"), "%s", f.text);
	ck_assert_int_ne(test_sh("%s --db '%s' verify --db", test_rigctl_path(), db_path), 0);
	ck_assert_msg(strstr(test_sh_out, runs[3]) && strstr(test_sh_out, runs[0]), "%s", test_sh_out);
	tamper("UPDATE run_records SET model_override_by = ''");
	tamper("UPDATE run_positions SET model_override_ran_as = 'MMS-120-2001'");
	r = walk(&f);
	ck_assert_msg(r.problems == 4, "%s", f.text);
}
END_TEST

/* Format 2 hashes positions as the tables store them, from 1; format 1
 * keeps the 0-based form its seals were made with. */
START_TEST(format_2_hashes_the_stored_1_based_positions)
{
	char ids[3][STORE_RUN_ID_LEN];
	three_runs(ids);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	for (int format = 1; format <= STORE_SEAL_FORMAT; format++) {
		size_t n;
		const char *const *sql = store_seal_canonical_sql(format, &n);
		ck_assert_ptr_nonnull(sql);
		/* the positions table, then the measurements, budgets and terms:
		 * each has the position in its second column */
		const size_t with_position[] = {1, 3, 4, 5};
		for (size_t k = 0; k < 4; k++) {
			sqlite3_stmt *st;
			ck_assert_int_eq(sqlite3_prepare_v2(db, sql[with_position[k]], -1, &st, NULL), SQLITE_OK);
			sqlite3_bind_int64(st, 1, 1);
			int rows = 0;
			while (sqlite3_step(st) == SQLITE_ROW) {
				int pos = sqlite3_column_int(st, with_position[k] == 1 ? 0 : 1);
				ck_assert_msg(pos == (format >= 2 ? 1 : 0), "format %d table %zu: position %d", format,
					      with_position[k], pos);
				rows++;
			}
			sqlite3_finalize(st);
			if (with_position[k] <= 3)	/* budgets are optional */
				ck_assert_int_gt(rows, 0);
		}
	}
	sqlite3_close(db);
	size_t n;
	ck_assert_ptr_null(store_seal_canonical_sql(STORE_SEAL_FORMAT + 1, &n));
}
END_TEST

/* The file as schema 5 left it (before the records step made chain_head
 * and numbered seal formats), its seals all of format 1. */
static void back_to_schema_5(void)
{
	tamper("ALTER TABLE run_records DROP COLUMN model_override_by;"
	       "ALTER TABLE run_records DROP COLUMN model_override_reason;"
	       "ALTER TABLE run_positions DROP COLUMN model_override_ran_as;"
	       "ALTER TABLE run_positions DROP COLUMN model_override_expected;"
	       "ALTER TABLE run_positions DROP COLUMN model_override_stored;"
	       "DROP TRIGGER outbox_reading_insert; DROP TRIGGER outbox_reading_update;"
	       "DROP TABLE measurement_outputs;"
	       "ALTER TABLE measurements DROP COLUMN reading_before_kwh;"
	       "ALTER TABLE measurements DROP COLUMN reading_after_kwh;"
	       "DROP TRIGGER outbox_run_insert; DROP TRIGGER outbox_run_update;"
	       "DROP TRIGGER outbox_position_update; DROP TRIGGER outbox_measurement;"
	       "DROP TRIGGER outbox_seal; DROP TRIGGER outbox_chain_head;"
	       "DROP TRIGGER outbox_chain_head_update; DROP TABLE outbox;"
	       "DROP TABLE chain_head;"
	       "CREATE TABLE run_seals_old (seq INTEGER PRIMARY KEY, run_uuid TEXT NOT NULL UNIQUE,"
	       " rows_sha256 TEXT NOT NULL, prev_seal TEXT NOT NULL, seal TEXT NOT NULL UNIQUE);"
	       "INSERT INTO run_seals_old SELECT seq, run_uuid, rows_sha256, prev_seal, seal FROM run_seals;"
	       "DROP TABLE run_seals; ALTER TABLE run_seals_old RENAME TO run_seals;"
	       "ALTER TABLE run_positions DROP COLUMN model_source;"
	       "ALTER TABLE run_records DROP COLUMN method;"
	       "PRAGMA user_version = 5;");
}

/* Two runs sealed in format 1 by a store without a signer: as before heads. */
static void old_chain(void)
{
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	char a[STORE_RUN_ID_LEN], b[STORE_RUN_ID_LEN];
	set_format(s, 1);
	one_run(s, "OLD-1", T0, a);
	one_run(s, "OLD-2", T0 + 100000, b);
	store_close(s);
}

/* rigd's start: the database opened (and migrated), then the station key. */
static int rigd_start(void)
{
	struct rig_error err = {0};
	struct station_key key;
	char path[128];
	snprintf(path, sizeof(path), "%s/station.key", dir);
	if (access(path, F_OK) != 0)
		ck_assert_int_eq(station_key_init(dir, &key, &err), 0);
	struct runstore *rs = runstore_open(db_path, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	int rc = runstore_station_key(rs, db_path, "station-1", &err);
	runstore_close(rs);
	return rc == 0 ? 0 : -1;
}

/* A chain of format-1 seals without a head is reported: nothing in it
 * shows that its runs were not rewritten and resealed in full. */
START_TEST(a_missing_head_over_format_1_seals_is_reported)
{
	old_chain();
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 1 && !r.head_signed && strstr(f.text, "chain head never signed"), "%s",
		      f.text);
}
END_TEST

/* An old chain that rigd itself migrates across the records step gets its
 * head signed then, once; a later start signs nothing. */
START_TEST(an_old_chain_migrated_by_rigd_is_signed_once)
{
	old_chain();
	back_to_schema_5();
	ck_assert_int_eq(rigd_start(), 0);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 0 && r.head_signed && r.head_seq == 2, "%s", f.text);
	tamper("DELETE FROM chain_head");
	ck_assert_int_eq(rigd_start(), 0);	/* no migration now: no signing */
	r = walk(&f);
	ck_assert_msg(!r.head_signed && r.problems == 1 && strstr(f.text, "chain head never signed"), "%s",
		      f.text);
}
END_TEST

/* The attack: a stored value changed, every seal recomputed in format 1
 * (no key needed), the head deleted. rigd's next start must not sign the
 * forged chain, and verify must not call it valid. */
START_TEST(a_chain_resealed_in_format_1_without_its_head_is_never_signed)
{
	old_chain();
	back_to_schema_5();
	ck_assert_int_eq(rigd_start(), 0);	/* the honest migration: signed */
	tamper("UPDATE measurements SET error_pct = 0.01 WHERE id = 1");
	tamper("DELETE FROM run_seals; DELETE FROM chain_head");
	struct rig_error err = {0};
	struct store *s = store_open(db_path, &err);
	set_format(s, 1);
	ck_assert_int_eq(store_seal_run(s, 1, &err), 0);
	ck_assert_int_eq(store_seal_run(s, 2, &err), 0);
	store_close(s);
	ck_assert_int_eq(rigd_start(), 0);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(!r.head_signed && r.problems == 1 && strstr(f.text, "chain head never signed"), "%s",
		      f.text);
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM chain_head", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

/* A removed head over format-2 seals is reported and never signed over. */
START_TEST(a_removed_head_is_never_signed_over)
{
	char ids[3][STORE_RUN_ID_LEN], sql[300];
	three_runs(ids);
	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; DELETE FROM run_seals WHERE run_uuid = '%s';"
		 " DELETE FROM runs WHERE run_uuid = '%s'; DELETE FROM chain_head", ids[2], ids[2]);
	tamper(sql);
	ck_assert_int_eq(rigd_start(), 0);
	struct findings f;
	struct store_chain_report r = walk(&f);
	ck_assert_msg(r.problems == 1 && strstr(f.text, "signed head is missing"), "%s", f.text);
}
END_TEST

START_TEST(rigctl_key_arguments)
{
	struct rigctl_args a;
	char why[200];
	char *v1[] = {"rigctl", "--db", "x.db", "key", "init", NULL};
	ck_assert_int_eq(rigctl_parse_args(5, v1, &a, why, sizeof(why)), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_KEY);
	ck_assert_str_eq(a.key_action, "init");
	char *v2[] = {"rigctl", "key", "show", NULL};
	ck_assert_int_eq(rigctl_parse_args(3, v2, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(a.key_action, "show");
	char *v3[] = {"rigctl", "key", "rotate", NULL};
	ck_assert_int_eq(rigctl_parse_args(3, v3, &a, why, sizeof(why)), -1);
	char *v4[] = {"rigctl", "key", NULL};
	ck_assert_int_eq(rigctl_parse_args(2, v4, &a, why, sizeof(why)), -1);
}
END_TEST

START_TEST(rigctl_verify_arguments)
{
	struct rigctl_args a;
	char why[200];
	char *v1[] = {"rigctl", "verify", "--db", NULL};
	ck_assert_int_eq(rigctl_parse_args(3, v1, &a, why, sizeof(why)), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_VERIFY);
	ck_assert_ptr_null(a.file);
	char *v2[] = {"rigctl", "--db", "x.db", "verify", "c.pdf", NULL};
	ck_assert_int_eq(rigctl_parse_args(5, v2, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(a.file, "c.pdf");
	ck_assert_str_eq(a.db, "x.db");
	char *v3[] = {"rigctl", "report", "--serial", "S", "--format", "pdf", NULL};
	ck_assert_int_eq(rigctl_parse_args(6, v3, &a, why, sizeof(why)), 0);
	ck_assert_int_eq(a.format, RIGCTL_FMT_PDF);
}
END_TEST

Suite *suite_seal(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("seal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, an_untouched_chain_verifies);
	tcase_add_test(tc, a_byte_changed_in_a_stored_point_is_found);
	tcase_add_test(tc, a_deleted_run_is_found);
	tcase_add_test(tc, a_run_deleted_with_its_seal_is_found);
	tcase_add_test(tc, the_station_key_is_made_once_and_kept_private);
	tcase_add_test(tc, a_changed_record_standard_or_meter_description_is_found);
	tcase_add_test(tc, the_newest_run_deleted_with_its_seal_is_found);
	tcase_add_test(tc, a_head_moved_back_or_signed_by_another_key_is_found);
	tcase_add_test(tc, the_register_after_is_sealed_as_an_addendum);
	tcase_add_test(tc, format_1_seals_still_verify_beside_format_2);
	tcase_add_test(tc, format_2_hashes_the_stored_1_based_positions);
	tcase_add_test(tc, older_formats_still_verify_beside_format_4);
	tcase_add_test(tc, a_missing_head_over_format_1_seals_is_reported);
	tcase_add_test(tc, an_old_chain_migrated_by_rigd_is_signed_once);
	tcase_add_test(tc, a_chain_resealed_in_format_1_without_its_head_is_never_signed);
	tcase_add_test(tc, a_removed_head_is_never_signed_over);
	tcase_add_test(tc, rigctl_key_arguments);
	tcase_add_test(tc, a_signed_certificate_verifies);
	tcase_add_test(tc, an_edited_pdf_is_found);
	tcase_add_test(tc, a_changed_point_is_named);
	tcase_add_test(tc, a_certificate_of_a_deleted_run_is_found);
	tcase_add_test(tc, a_certificate_signed_by_another_key_is_found);
	tcase_add_test(tc, a_file_that_is_no_signed_certificate_is_refused);
	tcase_add_test(tc, rigctl_verify_arguments);
	suite_add_tcase(s, tc);
	return s;
}
