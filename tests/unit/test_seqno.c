#include <check.h>

#include "rig/core/seqno.h"

static struct rig_edge ev(uint64_t global, uint64_t line_seq, uint32_t line)
{
	struct rig_edge e = { (int64_t)global * 1000, global, line_seq, line, RIG_EDGE_RISING };
	return e;
}

START_TEST(in_order_events_are_ok)
{
	struct rig_seqno t;
	rig_seqno_init(&t);
	struct rig_edge a = ev(1, 1, 4), b = ev(2, 1, 7), c = ev(3, 2, 4);
	ck_assert_int_eq(rig_seqno_check(&t, &a, NULL), RIG_SEQNO_OK);
	ck_assert_int_eq(rig_seqno_check(&t, &b, NULL), RIG_SEQNO_OK);
	ck_assert_int_eq(rig_seqno_check(&t, &c, NULL), RIG_SEQNO_OK);
	ck_assert_uint_eq(t.total_lost, 0);
}
END_TEST

START_TEST(gaps_report_lost_counts_per_line)
{
	struct rig_seqno t;
	rig_seqno_init(&t);
	struct rig_seqno_report r;
	struct rig_edge a = ev(1, 1, 4), b = ev(2, 1, 7);
	rig_seqno_check(&t, &a, &r);
	rig_seqno_check(&t, &b, &r);
	/* events 3..5 lost: two on line 4, one on line 7 */
	struct rig_edge c = ev(6, 4, 4);
	ck_assert_int_eq(rig_seqno_check(&t, &c, &r), RIG_SEQNO_GAP);
	ck_assert_uint_eq(r.lost_global, 3);
	ck_assert_uint_eq(r.lost_line, 2);
	struct rig_edge d = ev(7, 3, 7);
	ck_assert_int_eq(rig_seqno_check(&t, &d, &r), RIG_SEQNO_GAP);
	ck_assert_uint_eq(r.lost_global, 0);
	ck_assert_uint_eq(r.lost_line, 1);
	ck_assert_uint_eq(t.total_lost, 3);
	ck_assert_uint_eq(rig_seqno_lost_on_line(&t, 4), 2);
	ck_assert_uint_eq(rig_seqno_lost_on_line(&t, 7), 1);
	ck_assert_uint_eq(rig_seqno_lost_on_line(&t, 9), 0);
	/* a first event numbered above 1 means earlier ones were lost */
	rig_seqno_init(&t);
	struct rig_edge late = ev(3, 3, 4);
	ck_assert_int_eq(rig_seqno_check(&t, &late, &r), RIG_SEQNO_GAP);
	ck_assert_uint_eq(r.lost_global, 2);
}
END_TEST

START_TEST(repeated_and_backwards_numbers_are_flagged)
{
	struct rig_seqno t;
	rig_seqno_init(&t);
	struct rig_edge a = ev(1, 1, 4), b = ev(2, 2, 4);
	rig_seqno_check(&t, &a, NULL);
	rig_seqno_check(&t, &b, NULL);
	ck_assert_int_eq(rig_seqno_check(&t, &b, NULL), RIG_SEQNO_REPEAT);
	ck_assert_int_eq(rig_seqno_check(&t, &a, NULL), RIG_SEQNO_REPEAT);
	/* global fine but the line number went backwards */
	struct rig_edge c = ev(3, 1, 4);
	ck_assert_int_eq(rig_seqno_check(&t, &c, NULL), RIG_SEQNO_REPEAT);
	ck_assert_uint_eq(t.total_repeats, 3);
	/* a repeat does not move the marks: the next good event is in order */
	struct rig_edge d = ev(3, 3, 4);
	ck_assert_int_eq(rig_seqno_check(&t, &d, NULL), RIG_SEQNO_OK);
}
END_TEST

Suite *suite_seqno(void)
{
	Suite *s = suite_create("seqno");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, in_order_events_are_ok);
	tcase_add_test(tc, gaps_report_lost_counts_per_line);
	tcase_add_test(tc, repeated_and_backwards_numbers_are_flagged);
	suite_add_tcase(s, tc);
	return s;
}
