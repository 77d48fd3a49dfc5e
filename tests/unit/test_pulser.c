/* The dead-man's pulser: toggles only while held, carries on while its
 * owner is busy, lapses when the owner stops renewing, and reports gaps
 * and failed drives. Bounds are one-sided (no toggle after the hold ended;
 * a gap at least as long as the line was kept from it), so a slow machine
 * cannot fail them. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "rig/common/timeutil.h"
#include "rig/rigd/pulser.h"

#define PERIOD_NS 20000000	/* 20 ms: quicker than rigd's, same logic */
#define MAX_TOGGLES 1024

struct line {
	int64_t at[MAX_TOGGLES];	/* when each drive happened */
	bool level[MAX_TOGGLES];
	atomic_int n;
	atomic_bool broken;
};

static int drive(void *ctx, bool level, struct rig_error *err)
{
	struct line *l = ctx;
	if (atomic_load(&l->broken))
		return rig_error_set(err, NULL, 0, "line broken");
	int i = atomic_load(&l->n);
	if (i < MAX_TOGGLES) {
		l->at[i] = rig_monotonic_ns();
		l->level[i] = level;
		atomic_store(&l->n, i + 1);
	}
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = rig_ns_to_timespec((int64_t)ms * 1000000);
	nanosleep(&ts, NULL);
}

/* A pulser on a fresh line, started. */
static void start_on(struct pulser *p, struct line *l)
{
	memset(l, 0, sizeof(*l));
	pulser_init(p, PERIOD_NS, drive, l);
	struct rig_error err = {0};
	ck_assert_int_eq(pulser_start(p, &err), 0);
}

START_TEST(no_toggle_without_a_hold)
{
	static struct line l;
	struct pulser p;
	start_on(&p, &l);
	sleep_ms(150);
	pulser_stop(&p);
	ck_assert_int_eq(atomic_load(&l.n), 0);
	ck_assert_int_eq(pulser_last_toggle_ns(&p), 0);
	pulser_destroy(&p);
}
END_TEST

START_TEST(toggles_alternate_while_held_and_stop_when_the_hold_lapses)
{
	static struct line l;
	struct pulser p;
	start_on(&p, &l);
	/* held once, never renewed: the owner hung */
	pulser_hold_until(&p, rig_monotonic_ns() + 200000000);
	sleep_ms(500);
	int n = atomic_load(&l.n);
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, 200 / 20 + 1);	/* one per period of the hold, not the 500 ms */
	for (int i = 1; i < n; i++)
		ck_assert(l.level[i] != l.level[i - 1]);
	sleep_ms(100);
	ck_assert_int_eq(atomic_load(&l.n), n);	/* nothing more */
	pulser_stop(&p);
	pulser_destroy(&p);
}
END_TEST

START_TEST(a_hold_renewed_keeps_it_going_and_zero_ends_it)
{
	static struct line l;
	struct pulser p;
	start_on(&p, &l);
	for (int i = 0; i < 10; i++) {
		pulser_hold_until(&p, rig_monotonic_ns() + 3 * PERIOD_NS);
		sleep_ms(40);
	}
	ck_assert_int_ge(atomic_load(&l.n), 1);	/* 400 ms held */
	pulser_hold_until(&p, 0);
	sleep_ms(2 * PERIOD_NS / 1000000);	/* a toggle past its check may finish */
	int after = atomic_load(&l.n);
	sleep_ms(100);
	ck_assert_int_eq(atomic_load(&l.n), after);
	pulser_stop(&p);
	pulser_destroy(&p);
}
END_TEST

/* The owner holds the lock (its device is being replaced) for 300 ms:
 * the gap is reported at least that long, and a reset forgets it. */
START_TEST(a_gap_is_reported_until_reset)
{
	static struct line l;
	struct pulser p;
	start_on(&p, &l);
	pulser_hold_until(&p, INT64_MAX);
	sleep_ms(100);
	pulser_lock(&p);
	sleep_ms(300);
	pulser_unlock(&p);
	sleep_ms(100);
	ck_assert_int_ge(pulser_worst_gap_ns(&p), 300000000);
	pulser_reset(&p);
	ck_assert_int_lt(pulser_worst_gap_ns(&p), 300000000);
	pulser_stop(&p);
	int n = atomic_load(&l.n);
	sleep_ms(60);
	ck_assert_int_eq(atomic_load(&l.n), n);	/* stopped means stopped */
	pulser_destroy(&p);
}
END_TEST

static atomic_int also_calls;

static void count_also(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&also_calls, 1);
}

/* The keep-alive beside the toggles: each held period, never unheld. */
START_TEST(the_other_duty_runs_with_the_toggles_only_while_held)
{
	static struct line l;
	memset(&l, 0, sizeof(l));
	atomic_store(&also_calls, 0);
	struct pulser p;
	pulser_init(&p, PERIOD_NS, drive, &l);
	pulser_set_also(&p, count_also);
	struct rig_error err = {0};
	ck_assert_int_eq(pulser_start(&p, &err), 0);
	sleep_ms(100);
	ck_assert_int_eq(atomic_load(&also_calls), 0);
	pulser_hold_until(&p, rig_monotonic_ns() + 200000000);
	sleep_ms(400);
	int n = atomic_load(&also_calls);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(n, atomic_load(&l.n));	/* one per toggle */
	sleep_ms(100);
	ck_assert_int_eq(atomic_load(&also_calls), n);
	pulser_stop(&p);
	pulser_destroy(&p);
}
END_TEST

START_TEST(a_failed_drive_is_reported_and_toggles_nothing)
{
	static struct line l;
	memset(&l, 0, sizeof(l));
	struct pulser p;
	pulser_init(&p, PERIOD_NS, drive, &l);
	struct rig_error err = {0};
	ck_assert_int_eq(pulser_toggle(&p, &err), 0);
	int64_t first = pulser_last_toggle_ns(&p);
	ck_assert(first > 0);
	atomic_store(&l.broken, true);
	ck_assert_int_eq(pulser_toggle(&p, &err), -1);
	ck_assert_str_eq(err.msg, "line broken");
	ck_assert(pulser_failed(&p));
	ck_assert_int_eq(pulser_last_toggle_ns(&p), first);
	atomic_store(&l.broken, false);
	pulser_reset(&p);
	ck_assert(!pulser_failed(&p));
	ck_assert_int_eq(pulser_set(&p, false, &err), 0);
	ck_assert_int_eq(pulser_last_toggle_ns(&p), first);	/* a set is no toggle */
	pulser_stop(&p);	/* never started: nothing to do */
	pulser_destroy(&p);
}
END_TEST

Suite *suite_pulser(void)
{
	Suite *s = suite_create("pulser");
	TCase *tc = tcase_create("pulser");
	tcase_add_test(tc, no_toggle_without_a_hold);
	tcase_add_test(tc, toggles_alternate_while_held_and_stop_when_the_hold_lapses);
	tcase_add_test(tc, a_hold_renewed_keeps_it_going_and_zero_ends_it);
	tcase_add_test(tc, a_gap_is_reported_until_reset);
	tcase_add_test(tc, a_failed_drive_is_reported_and_toggles_nothing);
	tcase_add_test(tc, the_other_duty_runs_with_the_toggles_only_while_held);
	suite_add_tcase(s, tc);
	return s;
}
