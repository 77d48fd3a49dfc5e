/* rigd's queue of starts waiting behind a running run: first come, first
 * served; a ticket leaves on request or when its client is gone. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/rigd/run_queue.h"

static struct ctl_request start_by(const char *operator_name)
{
	struct ctl_request r;
	memset(&r, 0, sizeof(r));
	r.cmd = CTL_START;
	r.queue = true;
	snprintf(r.operator_name, sizeof(r.operator_name), "%s", operator_name);
	return r;
}

START_TEST(first_come_first_served)
{
	struct run_queue q = {0};
	struct ctl_request a = start_by("a"), b = start_by("b"), c = start_by("c");
	unsigned ta = run_queue_push(&q, 10, &a, 100);
	unsigned tb = run_queue_push(&q, 11, &b, 200);
	unsigned tc = run_queue_push(&q, 12, &c, 300);
	ck_assert_uint_ne(ta, 0);
	ck_assert(ta < tb && tb < tc);
	ck_assert_int_eq(q.n, 3);
	ck_assert_int_eq(run_queue_place(&q, ta), 1);
	ck_assert_int_eq(run_queue_place(&q, tc), 3);
	ck_assert_int_eq(run_queue_place(&q, 999), 0);

	struct run_queue_entry *e = run_queue_pop(&q);
	ck_assert_str_eq(e->req.operator_name, "a");
	ck_assert_uint_eq(e->client_id, 10);
	ck_assert_int_eq(e->since_ns, 100);
	free(e);
	ck_assert_int_eq(run_queue_place(&q, tb), 1);
	ck_assert_int_eq(run_queue_place(&q, tc), 2);
	run_queue_free(&q);
	ck_assert_int_eq(q.n, 0);
	ck_assert_ptr_null(run_queue_pop(&q));
}
END_TEST

START_TEST(a_ticket_taken_out_leaves_the_others_in_order)
{
	struct run_queue q = {0};
	struct ctl_request r = start_by("x");
	unsigned t[4];
	for (int i = 0; i < 4; i++)
		t[i] = run_queue_push(&q, (unsigned)i, &r, 0);
	/* the middle, then the last: the tail follows */
	free(run_queue_take(&q, t[1]));
	ck_assert_ptr_null(run_queue_take(&q, t[1]));
	free(run_queue_take(&q, t[3]));
	ck_assert_int_eq(q.n, 2);
	ck_assert_int_eq(run_queue_place(&q, t[2]), 2);
	/* appending after taking the tail out still links */
	unsigned t5 = run_queue_push(&q, 5, &r, 0);
	ck_assert_int_eq(run_queue_place(&q, t5), 3);
	struct run_queue_entry *e = run_queue_pop(&q);
	ck_assert_uint_eq(e->ticket, t[0]);
	free(e);
	e = run_queue_pop(&q);
	ck_assert_uint_eq(e->ticket, t[2]);
	free(e);
	e = run_queue_pop(&q);
	ck_assert_uint_eq(e->ticket, t5);
	free(e);
	ck_assert_ptr_null(q.head);
	ck_assert_ptr_null(q.tail);
	run_queue_free(&q);
}
END_TEST

static bool odd_clients_alive(const struct run_queue_entry *e, void *data)
{
	(*(int *)data)++;
	return e->client_id % 2 == 1;
}

START_TEST(entries_of_gone_clients_are_pruned)
{
	struct run_queue q = {0};
	struct ctl_request r = start_by("x");
	for (unsigned id = 0; id < 6; id++)
		run_queue_push(&q, id, &r, 0);
	int asked = 0;
	ck_assert_int_eq(run_queue_prune(&q, odd_clients_alive, &asked), 3);
	ck_assert_int_eq(asked, 6);
	ck_assert_int_eq(q.n, 3);
	unsigned expect = 1;
	for (const struct run_queue_entry *e = q.head; e; e = e->next, expect += 2)
		ck_assert_uint_eq(e->client_id, expect);
	ck_assert_uint_eq(q.tail->client_id, 5);
	run_queue_free(&q);
}
END_TEST

START_TEST(a_full_queue_refuses)
{
	struct run_queue q = {0};
	struct ctl_request r = start_by("x");
	for (int i = 0; i < RUN_QUEUE_MAX; i++)
		ck_assert_uint_ne(run_queue_push(&q, 1, &r, 0), 0);
	ck_assert_uint_eq(run_queue_push(&q, 1, &r, 0), 0);
	ck_assert_int_eq(q.n, RUN_QUEUE_MAX);
	run_queue_free(&q);
}
END_TEST

Suite *suite_run_queue(void)
{
	Suite *s = suite_create("run_queue");
	TCase *tc = tcase_create("queue");
	tcase_add_test(tc, first_come_first_served);
	tcase_add_test(tc, a_ticket_taken_out_leaves_the_others_in_order);
	tcase_add_test(tc, entries_of_gone_clients_are_pruned);
	tcase_add_test(tc, a_full_queue_refuses);
	suite_add_tcase(s, tc);
	return s;
}
