/* The results database's schema: an ordered list of migration steps, the
 * version kept in PRAGMA user_version. Step i takes a database at version i
 * to version i + 1 inside one transaction, so a file is always at a version
 * the code knows how to read. */
#ifndef RIG_STORE_SCHEMA_H
#define RIG_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stdbool.h>

#include "rig/core/error.h"

/* Version a fresh database ends at (number of migration steps). */
int store_schema_latest_version(void);

/* PRAGMA user_version; -1 with err on failure. */
int store_schema_version(sqlite3 *db, struct rig_error *err);

/* Applies the steps up to `target` (<= store_schema_latest_version()). Refuses a
 * file newer than the code. 0, or -1 with err and the file unchanged by the
 * failed step. */
int store_schema_migrate_to(sqlite3 *db, int target, struct rig_error *err);

/* Same, to the latest version. */
int store_schema_migrate(sqlite3 *db, struct rig_error *err);

/* The version whose step (the records step) made the chain_head table. */
#define STORE_SCHEMA_CHAIN_HEAD 6

/* store_schema_migrate, telling whether this very call applied the step to
 * STORE_SCHEMA_CHAIN_HEAD: a chain sealed before heads began was migrated
 * here and now (store_sign_migrated_head), known from this process, never
 * from anything in the file that its writer could forge. */
int store_schema_migrate_noting(sqlite3 *db, bool *ret_crossed_chain_head, struct rig_error *err);

#endif
