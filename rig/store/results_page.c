#include "rig/store/results_page.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/store/store_private.h"

/* One decimal field of a key, min..max, then `sep`: strtoll checks the
 * range, so a forged key is refused rather than overflowed. */
static const char *key_field(const char *p, long long min, long long max, char sep, long long *ret)
{
	if (!p || *p < '0' || *p > '9')
		return NULL;
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (errno || v < min || v > max || *end != sep)
		return NULL;
	*ret = v;
	return sep ? end + 1 : end;
}

int store_page_key_parse(const char *text, struct store_page_key *ret)
{
	long long ms, run, pos, left;
	const char *p = key_field(text, 0, INT64_MAX, '.', &ms);
	p = key_field(p, 0, INT64_MAX, '.', &run);
	p = key_field(p, 0, 1000, '.', &pos);
	p = key_field(p, 1, INT32_MAX, '\0', &left);
	if (!p)
		return -1;
	*ret = (struct store_page_key){.started_ms = ms, .run = run, .position = (int)pos,
				       .left = (int)left};
	return 0;
}

void store_page_key_format(const struct store_page_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ".%" PRId64 ".%d.%d", k->started_ms, k->run, k->position,
		 k->left);
}

/* The listing's columns and filters (as store_results_sql), with the key
 * columns last; ?7..?9 the key to start from, in either direction. The key
 * is always there (the ends of the range when none is given): it lets the
 * planner walk runs_by_start in order instead of sorting every row. */
static void page_sql(const struct store_filter *f, bool newest_first, char *buf, size_t len)
{
	/* Walking newest first only looks for a key: no columns, and the
	 * meters only when a filter needs them. */
	size_t n = (size_t)snprintf(
		buf, len, "%s",
		!newest_first
			? "SELECT r.run_uuid, r.started_at, COALESCE(r.ended_at, ''), st.name, me.serial,"
			  " rp.model, rp.position, r.profile_name, r.state, rp.verdict, r.operator,"
			  " r.notes, r.reason, r.started_ms, r.id FROM run_positions rp"
			  " JOIN runs r ON r.id = rp.run_id JOIN meters me ON me.id = rp.meter_id"
			  " JOIN stations st ON st.id = r.station_id WHERE 1"
		: f->serial || f->model
			? "SELECT r.started_ms, r.id, rp.position FROM run_positions rp"
			  " JOIN runs r ON r.id = rp.run_id JOIN meters me ON me.id = rp.meter_id WHERE 1"
			: "SELECT r.started_ms, r.id, rp.position FROM run_positions rp"
			  " JOIN runs r ON r.id = rp.run_id WHERE 1");
	n = store_filter_sql(f, buf, len, n);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, newest_first
				      ? " AND (r.started_ms, r.id, rp.position) <= (?7, ?8, ?9)"
				      : " AND (r.started_ms, r.id, rp.position) >= (?7, ?8, ?9)");
	if (n < len)
		snprintf(buf + n, len - n, newest_first
			 ? " ORDER BY r.started_ms DESC, r.id DESC, rp.position DESC LIMIT 1 OFFSET ?10"
			 : " ORDER BY r.started_ms, r.id, rp.position LIMIT ?10");
}

static int prepare(struct store *s, const struct store_filter *f, const struct store_page_key *k,
		   bool newest_first, int64_t limit_or_offset, sqlite3_stmt **ret,
		   struct rig_error *err)
{
	char sql[1400];
	page_sql(f, newest_first, sql, sizeof(sql));
	if (store_prepare(s, sql, ret, err) < 0)
		return -1;
	sqlite3_stmt *st = *ret;
	store_bind_filter(st, f);
	struct store_page_key end = {newest_first ? INT64_MAX : INT64_MIN,
				     newest_first ? INT64_MAX : INT64_MIN,
				     newest_first ? INT32_MAX : INT32_MIN, 0};
	if (!k)
		k = &end;
	sqlite3_bind_int64(st, 7, k->started_ms);
	sqlite3_bind_int64(st, 8, k->run);
	sqlite3_bind_int(st, 9, k->position);
	sqlite3_bind_int64(st, 10, limit_or_offset);
	return 0;
}

/* The key columns: 13, 14, 6 of a page's rows; 0, 1, 2 of a key walk. */
static void key_of_row(sqlite3_stmt *st, bool walk, int left, struct store_page_key *k)
{
	k->started_ms = sqlite3_column_int64(st, walk ? 0 : 13);
	k->run = sqlite3_column_int64(st, walk ? 1 : 14);
	k->position = sqlite3_column_int(st, walk ? 2 : 6);
	k->left = left;
}

/* The oldest row of the newest `limit`: where the selection starts. Found
 * stepping over keys only; none when fewer rows match (start at the top). */
static int selection_start(struct store *s, const struct store_filter *f, int limit,
			   struct store_page_key *ret, bool *ret_found, struct rig_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, f, NULL, true, limit - 1, &st, err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	*ret_found = rc == SQLITE_ROW;
	if (*ret_found)
		key_of_row(st, true, limit, ret);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	return 0;
}

int store_query_results_page(struct store *s, const struct store_filter *f, int limit,
			     const struct store_page_key *from, int max_rows, store_result_fn fn,
			     void *ctx, bool *ret_more, struct store_page_key *ret_next,
			     struct rig_error *err)
{
	static const struct store_filter none;
	if (!f)
		f = &none;
	if (limit < 1 || max_rows < 1)
		return rig_error_set(err, NULL, 0, "results: limit and page size must be positive");
	struct store_page_key start;
	bool keyed = from != NULL;
	if (from) {
		start = *from;
	} else if (selection_start(s, f, limit, &start, &keyed, err) < 0) {
		return -1;
	}
	int left = keyed ? start.left : limit;
	int want = left < max_rows ? left : max_rows;
	sqlite3_stmt *st;
	/* One row more than the page: it is where the next page starts. */
	if (prepare(s, f, keyed ? &start : NULL, false, (int64_t)want + 1, &st, err) < 0)
		return -1;
	int rc = SQLITE_DONE, n = 0, stop = 0;
	*ret_more = false;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == want) {
			if (left > want) {
				*ret_more = true;
				key_of_row(st, false, left - want, ret_next);
			}
			break;
		}
		struct store_result_row row;
		store_result_row_read(st, &row);
		n++;
		stop = fn(&row, ctx);
	}
	if (!stop && rc != SQLITE_ROW && rc != SQLITE_DONE)
		stop = rig_error_set(err, NULL, 0, "results database: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return stop;
}
