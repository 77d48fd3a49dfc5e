/* Shipping a bench's outbox (rig/store/schema.c, the outbox step) to the
 * central database: one batch per PostgreSQL transaction, in outbox order,
 * the bench's progress (ship_state) moved in the same transaction. Each
 * entry names a record; its rows are read from SQLite when shipped and
 * written under their natural keys, so a repeated delivery changes nothing
 * and a later state of a run (ended, verdicts, register after) replaces an
 * earlier one. Shipped entries are then deleted from the outbox. */
#ifndef RIG_CENTRAL_SHIP_H
#define RIG_CENTRAL_SHIP_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>

#include "rig/core/error.h"

struct ship_batch_stats {
	int entries;		/* outbox entries shipped */
	int64_t last_seq;	/* the bench's progress after the batch */
	int64_t oldest_queued_ms;	/* queue time of the batch's first entry, 0 none */
};

/* Opens a bench's SQLite for shipping (it must exist and have an outbox);
 * NULL with err set. */
sqlite3 *ship_open_bench(const char *path, struct rig_error *err);

/* The bench's name for ship_state: "station@host" of its newest station;
 * 0, or 1 when the database has no station yet; -1 on error. */
int ship_default_bench_name(sqlite3 *db, char *buf, size_t len, struct rig_error *err);

/* Ships up to `max_entries` outbox entries. 0 with stats (entries 0: the
 * outbox is empty); -1 with err when the central database or the bench's
 * file failed (nothing is marked shipped; the caller retries). */
int ship_batch(sqlite3 *db, PGconn *pg, const char *bench, int max_entries,
	       struct ship_batch_stats *stats, struct rig_error *err);

/* Queues every committed record of the bench again, oldest first (runs,
 * measurements with their outputs, register readings, seals, the chain
 * head), in one transaction: for a bench whose records went to a central
 * database that was replaced, or were shipped by a shipper that did not
 * know a table yet. Shipping them again is harmless (natural keys). The
 * number of entries queued, or -1 with err. */
int64_t ship_requeue_all(sqlite3 *db, struct rig_error *err);

/* Entries still waiting in the outbox; -1 on error. */
int64_t ship_pending(sqlite3 *db, struct rig_error *err);

#endif
