/* Durability settings of a store connection. A store opened read-write
 * syncs FULL: a committed point survives a power cut, not only a crash of
 * the program (tests/bench/bench_db.c measures what that costs). */
#ifndef RIG_STORE_DURABILITY_H
#define RIG_STORE_DURABILITY_H

#include "rig/core/error.h"
#include "rig/store/store.h"

enum store_sync {
	STORE_SYNC_NORMAL,	/* WAL synced at checkpoints only: safe across a crash of rigd */
	STORE_SYNC_FULL,	/* WAL synced at every commit: safe across a power cut */
};

int store_set_sync(struct store *s, enum store_sync level, struct rig_error *err);

/* How long a write waits for a lock another connection holds before it
 * fails with "database is locked". */
void store_set_busy_timeout(struct store *s, int ms);

/* From now on the file may grow by at most extra_pages pages; a write that
 * needs more fails as a full disk would ("database or disk is full"). */
int store_limit_growth(struct store *s, int extra_pages, struct rig_error *err);

#endif
