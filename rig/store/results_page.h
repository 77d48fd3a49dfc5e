/* The results listing a page at a time, for the control socket: the
 * selection is the newest `limit` rows the filter matches, oldest first;
 * each call walks at most one page of it, from a key, so no call costs
 * more than a page whatever the database holds. */
#ifndef RIG_STORE_RESULTS_PAGE_H
#define RIG_STORE_RESULTS_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/store/queries.h"

/* Where a page starts: a row of the listing's order, and how many rows of
 * the selection are left from it. Text form: "started_ms.run.position.left". */
struct store_page_key {
	int64_t started_ms;
	int64_t run;		/* internal run id */
	int position;		/* 1-based */
	int left;
};

int store_page_key_parse(const char *text, struct store_page_key *ret);
void store_page_key_format(const struct store_page_key *k, char *buf, size_t len);

/* Calls fn for at most max_rows rows: from `from` when given, else from the
 * oldest of the newest `limit` rows. *ret_more tells whether rows are left,
 * and *ret_next is where the next page starts. 0, fn's non-zero value, or
 * -1 with err. */
int store_query_results_page(struct store *s, const struct store_filter *f, int limit,
			     const struct store_page_key *from, int max_rows, store_result_fn fn,
			     void *ctx, bool *ret_more, struct store_page_key *ret_next,
			     struct rig_error *err);

#endif
