/* rigd's bench clock: real time to simulated bench time and back, and the
 * SIM:TIME? handshake over a transport. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rig/common/timeutil.h"
#include "rig/core/edge.h"
#include "rig/rigd/bench_clock.h"

START_TEST(scale_one_is_the_monotonic_clock)
{
	struct bench_clock c;
	bench_clock_init(&c, 1.0);
	ck_assert_int_eq(bench_clock_at(&c, 123456789), 123456789);
	ck_assert_int_eq(bench_clock_to_real(&c, 987654321), 987654321);
	ck_assert_int_eq(bench_clock_to_real(&c, INT64_MAX), INT64_MAX);
	bench_clock_init(&c, 0);	/* nonsense scale falls back to real time */
	ck_assert_int_eq(bench_clock_at(&c, 42), 42);
}
END_TEST

START_TEST(scaled_clock_round_trips)
{
	struct bench_clock c;
	bench_clock_init(&c, 20.0);
	c.ref_real_ns = 1000 * RIG_NS_PER_S;
	c.ref_bench_ns = 5000 * RIG_NS_PER_S;
	/* one real second later: twenty bench seconds later */
	ck_assert_int_eq(bench_clock_at(&c, 1001 * RIG_NS_PER_S), 5020 * RIG_NS_PER_S);
	ck_assert_int_eq(bench_clock_to_real(&c, 5020 * RIG_NS_PER_S), 1001 * RIG_NS_PER_S);
	/* A timer at the real time of a bench deadline never fires early. */
	int64_t deadline = 5000 * RIG_NS_PER_S + 7;
	int64_t real = bench_clock_to_real(&c, deadline);
	ck_assert_int_ge(bench_clock_at(&c, real), deadline);
	ck_assert_int_eq(bench_clock_to_real(&c, INT64_MAX), INT64_MAX);
}
END_TEST

/* A transport over one end of a socketpair. */
static int sp_write(struct transport *t, const void *buf, size_t len, struct rig_error *err)
{
	(void)err;
	return write(*(int *)t->priv, buf, len) == (ssize_t)len ? 0 : -1;
}

static ssize_t sp_read(struct transport *t, void *buf, size_t len, struct rig_error *err)
{
	ssize_t n = recv(*(int *)t->priv, buf, len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		rig_error_set(err, NULL, 0, "disconnected");
		return -1;
	}
	return n;
}

static int sp_fd(const struct transport *t)
{
	return *(int *)t->priv;
}

static const struct transport_ops sp_ops = {
	.scheme = "pair", .write = sp_write, .read = sp_read, .fd = sp_fd,
};

START_TEST(sync_reads_the_simulator_time)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct transport tr = {.ops = &sp_ops, .priv = &sv[0], .write_lock = PTHREAD_MUTEX_INITIALIZER};
	/* The "simulator" answers before being asked: the reply sits in the pipe. */
	ck_assert_int_eq(write(sv[1], "777000000000\r\n", 14), 14);
	struct bench_clock c;
	bench_clock_init(&c, 50.0);
	struct rig_error err;
	int64_t before = rig_monotonic_ns();
	ck_assert_int_eq(bench_clock_sync_sim(&c, &tr, 1.0, &err), 0);
	char asked[32] = "";
	ck_assert_int_gt(read(sv[1], asked, sizeof(asked) - 1), 0);
	ck_assert_str_eq(asked, "SIM:TIME?\n");
	ck_assert_int_eq(c.ref_bench_ns, 777000000000LL);
	ck_assert_int_ge(c.ref_real_ns, before);
	ck_assert_int_le(c.ref_real_ns, rig_monotonic_ns());

	/* Not a number: refused. Silence: refused after the timeout. */
	ck_assert_int_eq(write(sv[1], "-113,\"Undefined header\"\n", 24), 24);
	ck_assert_int_eq(bench_clock_sync_sim(&c, &tr, 1.0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a time"));
	ck_assert_int_eq(bench_clock_sync_sim(&c, &tr, 0.05, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "SIM:TIME?"));
	close(sv[0]);
	close(sv[1]);
}
END_TEST

Suite *suite_control_clock(void)
{
	Suite *s = suite_create("control_clock");
	TCase *tc = tcase_create("bench clock");
	tcase_add_test(tc, scale_one_is_the_monotonic_clock);
	tcase_add_test(tc, scaled_clock_round_trips);
	tcase_add_test(tc, sync_reads_the_simulator_time);
	suite_add_tcase(s, tc);
	return s;
}
