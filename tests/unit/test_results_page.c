/* The results listing a page at a time (rig/store/results_page.c): pages
 * put together are the listing, the newest `limit` rows oldest first; a
 * key that this code did not make is refused. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rig/store/results_page.h"
#include "test_store_data.h"

#define T0 1795000000000LL
#define RUNS 150	/* two meters each: 300 rows */

static char dir[64], db_path[96];
static struct store *s;

/* Runs two at a time share a start time: the key must tell them apart. */
static void setup(void)
{
	tsd_tmpdir(dir, db_path);
	struct rig_error err = {0};
	s = store_open(db_path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_batch_begin(s, &err), 0);
	for (int i = 0; i < RUNS; i++) {
		char a[32], b[32], id[STORE_RUN_ID_LEN];
		snprintf(a, sizeof(a), "P%03dA", i);
		snprintf(b, sizeof(b), "P%03dB", i);
		struct tsd_bench bench;
		tsd_bench_init(&bench, a, b, T0 + (i / 2) * 1000);
		ck_assert_msg(store_begin_run(s, &bench.plan, &bench.meta, id, &err) == 0, "%s", err.msg);
	}
	ck_assert_int_eq(store_batch_commit(s, &err), 0);
}

static void teardown(void)
{
	store_close(s);
	tsd_rmdir(dir);
}

struct listing {
	char rows[RUNS * 2][48];
	int n;
};

static int add_row(const struct store_result_row *row, void *ctx)
{
	struct listing *l = ctx;
	ck_assert_int_lt(l->n, RUNS * 2);
	snprintf(l->rows[l->n++], sizeof(l->rows[0]), "%s/%d", row->run_id, row->position);
	return 0;
}

/* Every page of `page` rows of the newest `limit`, put together. */
static void walk(int limit, int page, struct listing *out, int *ret_pages)
{
	struct store_page_key key, *from = NULL;
	struct rig_error err = {0};
	bool more = true;
	*ret_pages = 0;
	while (more) {
		int before = out->n;
		ck_assert_msg(store_query_results_page(s, NULL, limit, from, page, add_row, out, &more,
						       &key, &err) == 0, "%s", err.msg);
		ck_assert_int_le(out->n - before, page);
		(*ret_pages)++;
		ck_assert_int_lt(*ret_pages, 1000);
		if (more) {
			/* through the text form, as a client hands it back */
			char text[64];
			store_page_key_format(&key, text, sizeof(text));
			ck_assert_int_eq(store_page_key_parse(text, &key), 0);
			from = &key;
		}
	}
}

START_TEST(pages_put_together_are_the_whole_listing)
{
	static struct listing all, paged;
	struct rig_error err = {0};
	all.n = paged.n = 0;
	ck_assert_int_eq(store_query_results(s, NULL, add_row, &all, &err), 0);
	ck_assert_int_eq(all.n, RUNS * 2);
	int pages;
	walk(100000, 7, &paged, &pages);
	ck_assert_int_eq(paged.n, all.n);
	ck_assert_int_eq(pages, (RUNS * 2 + 6) / 7);
	for (int i = 0; i < all.n; i++)
		ck_assert_str_eq(paged.rows[i], all.rows[i]);
}
END_TEST

START_TEST(a_limit_keeps_the_newest_rows_oldest_first)
{
	static struct listing all, paged;
	struct rig_error err = {0};
	all.n = paged.n = 0;
	ck_assert_int_eq(store_query_results(s, NULL, add_row, &all, &err), 0);
	int pages;
	walk(51, 10, &paged, &pages);
	ck_assert_int_eq(paged.n, 51);
	ck_assert_int_eq(pages, 6);
	for (int i = 0; i < 51; i++)
		ck_assert_str_eq(paged.rows[i], all.rows[all.n - 51 + i]);
}
END_TEST

START_TEST(filters_hold_on_every_page)
{
	static struct listing got;
	got.n = 0;
	struct store_filter f = {.serial = "P010B"};
	struct store_page_key key;
	struct rig_error err = {0};
	bool more = true;
	ck_assert_int_eq(store_query_results_page(s, &f, 5, NULL, 1, add_row, &got, &more, &key, &err), 0);
	ck_assert_int_eq(got.n, 1);
	ck_assert(!more);
	ck_assert_msg(strstr(got.rows[0], "/2") != NULL, "%s", got.rows[0]);	/* second position */
	/* from a time on, the newest 3 of what is left */
	got.n = 0;
	struct store_filter later = {.from_ms = T0 + 70 * 1000};
	ck_assert_int_eq(store_query_results_page(s, &later, 3, NULL, 2, add_row, &got, &more, &key, &err), 0);
	ck_assert_int_eq(got.n, 2);
	ck_assert(more);
	ck_assert_int_eq(key.left, 1);
	ck_assert_int_eq(store_query_results_page(s, &later, 3, &key, 2, add_row, &got, &more, &key, &err), 0);
	ck_assert_int_eq(got.n, 3);
	ck_assert(!more);
}
END_TEST

START_TEST(a_forged_key_is_refused)
{
	struct store_page_key k;
	const char *bad[] = {"", "1.2.3", "1.2.3.0", "-1.2.3.4", "1.2.3.4.5", "1.2.3.4x",
			     "99999999999999999999.1.0.1", "1.2.1001.4", "1.2.3.99999999999",
			     "1..3.4", " 1.2.3.4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(store_page_key_parse(bad[i], &k) < 0, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(store_page_key_parse("1795000000000.12.1.40", &k), 0);
	ck_assert_int_eq(k.run, 12);
	ck_assert_int_eq(k.position, 1);
	ck_assert_int_eq(k.left, 40);
}
END_TEST

Suite *suite_results_page(void)
{
	Suite *su = suite_create("results_page");
	TCase *tc = tcase_create("pages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pages_put_together_are_the_whole_listing);
	tcase_add_test(tc, a_limit_keeps_the_newest_rows_oldest_first);
	tcase_add_test(tc, filters_hold_on_every_page);
	tcase_add_test(tc, a_forged_key_is_refused);
	suite_add_tcase(su, tc);
	return su;
}
