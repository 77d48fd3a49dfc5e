/* Shared by the store's own files only. */
#ifndef RIG_STORE_PRIVATE_H
#define RIG_STORE_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "rig/core/error.h"

struct store {
	sqlite3 *db;
	bool readonly;
	bool batch;		/* inside store_batch_begin .. store_batch_commit */
};

/* Prepares sql or sets err naming what failed. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret, struct rig_error *err);

/* Text of a column, "" for NULL. */
const char *store_column_text(sqlite3_stmt *st, int col);

/* Binds text, NULL pointers as "". */
int store_bind_text(sqlite3_stmt *st, int idx, const char *text);

/* Internal id of a run, or -1 with err. */
int64_t store_run_rowid(struct store *s, const char *run_id, struct rig_error *err);

#endif
