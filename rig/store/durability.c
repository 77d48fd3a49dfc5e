/* How hard the store tries to keep a commit: the sync level, how long a
 * writer waits for another's lock, and a cap on growth (tests use it to
 * make a database "full" without a full disk). */
#include "rig/store/durability.h"

#include <stdio.h>

#include "rig/store/store_private.h"

int store_set_sync(struct store *s, enum store_sync level, struct rig_error *err)
{
	return store_exec(s, level == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
						  : "PRAGMA synchronous = NORMAL",
		      err);
}

void store_set_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

static int64_t single_int(struct store *s, const char *sql, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, sql, &st, err) < 0)
		return -1;
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (v < 0)
		rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return v;
}

int store_limit_growth(struct store *s, int extra_pages, struct rig_error *err)
{
	if (extra_pages < 0)
		return rig_error_set(err, NULL, 0, "store_limit_growth: negative page count");
	int64_t now = single_int(s, "PRAGMA page_count", err);
	if (now < 0)
		return -1;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)(now + extra_pages));
	return single_int(s, sql, err) < 0 ? -1 : 0;
}
