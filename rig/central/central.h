/* The central PostgreSQL that many benches ship their records to
 * (rig-shipper) and that fleet queries read (rigctl --central). Its schema
 * is created and migrated here, like the bench's SQLite schema in
 * rig/store/schema.c: an ordered list of steps, the version in
 * rig_central_version. */
#ifndef RIG_CENTRAL_CENTRAL_H
#define RIG_CENTRAL_CENTRAL_H

#include <libpq-fe.h>

#include "rig/core/error.h"

/* Connects (conninfo or postgresql:// URL); NULL with err set. */
PGconn *central_connect(const char *url, struct rig_error *err);

int central_schema_latest_version(void);
/* The central schema's version, 0 when it has none yet; -1 on error. */
int central_schema_version(PGconn *pg, struct rig_error *err);
/* Creates or migrates the schema up to `target` (clamped to the latest);
 * refuses a schema newer than this software. Safe against a concurrent
 * migration (an advisory lock). 0 or -1. */
int central_schema_migrate_to(PGconn *pg, int target, struct rig_error *err);
int central_schema_migrate(PGconn *pg, struct rig_error *err);

/* Runs one statement without parameters and checks it returned `want`
 * (PGRES_COMMAND_OK or PGRES_TUPLES_OK). 0 or -1. */
int central_exec(PGconn *pg, const char *sql, struct rig_error *err);

#endif
