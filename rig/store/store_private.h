/* Shared by the store's own files only. */
#ifndef RIG_STORE_PRIVATE_H
#define RIG_STORE_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "rig/core/error.h"
#include "rig/store/run_record.h"

struct store {
	sqlite3 *db;
	bool readonly;
	bool batch;		/* inside store_batch_begin .. store_batch_commit */
	int seal_format;	/* 0: STORE_SEAL_FORMAT (seal.h) */
	/* signs the chain head with each seal (store_set_head_signer) */
	void (*head_sign)(const void *msg, size_t len, unsigned char ret_sig[64], void *ctx);
	void *head_sign_ctx;
	char head_key[100];
	/* this open migrated the file across the records step: its old
	 * chain may get its head signed once (store_sign_migrated_head) */
	bool migrated_unheaded;
};

/* Prepares sql or sets err naming what failed. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret, struct rig_error *err);
/* Runs sql (no results): 0, or -1 with err. */
int store_exec(struct store *s, const char *sql, struct rig_error *err);
/* Steps st once and finalizes it: 0 when it ran, -1 with err otherwise. */
int store_step_done(struct store *s, sqlite3_stmt *st, struct rig_error *err);

/* Text of a column, "" for NULL. */
const char *store_column_text(sqlite3_stmt *st, int col);

/* Binds text, NULL pointers as "". */
int store_bind_text(sqlite3_stmt *st, int idx, const char *text);

/* Internal id of a run, or -1 with err. */
int64_t store_run_rowid(struct store *s, const char *run_id, struct rig_error *err);

/* The run's record (run_record.c), inside store_begin_run's transaction. */
int store_record_write(struct store *s, int64_t run, const struct store_run_record *r,
		       struct rig_error *err);
/* Each position's weighted average by the run's rule, at its end. */
int store_record_weighted(struct store *s, int64_t run, struct rig_error *err);

/* A measurement's output rows and register readings (outputs.c):
 * written right after it (mid: its rowid), read back with it. */
struct rig_point_result;
struct store_measurement;
int store_insert_outputs(struct store *s, int64_t mid, const struct rig_point_result *r,
			 struct rig_error *err);
int store_read_outputs(struct store *s, int64_t mid, struct store_measurement *m,
		       struct rig_error *err);

#endif
