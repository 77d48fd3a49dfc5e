#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/edge/edge_input.h"
#include "tests/unit/fake_edge.h"

static const struct edge_input_line lines34[] = { { .offset = 3 }, { .offset = 4, .active_low = true } };

static char capture_path[64];

static void write_capture(const char *text)
{
	snprintf(capture_path, sizeof(capture_path), "/tmp/rig-capture-XXXXXX");
	int fd = mkstemp(capture_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static struct edge_input *open_replay(struct rig_error *err)
{
	char spec[96];
	snprintf(spec, sizeof(spec), "replay:%s", capture_path);
	return edge_input_open(spec, lines34, 2, err);
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0);
}

START_TEST(replay_delivers_batches_levels_and_gaps)
{
	write_capture("# rig edge capture v1\n# station=A\n"
		      "V 0 3 0\nV 0 4 1\n"
		      "E 100 3 R 1 1\n"
		      "E 150 9 R 2 1\n"		/* not requested: skipped, nothing renumbered */
		      "E 200 4 F 3 1\n"
		      "V 250 4 1\n"
		      "E 300 3 F 7 2\n");	/* global 4-6 lost: stays a gap */
	struct rig_error err = { 0 };
	struct edge_input *in = open_replay(&err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	ck_assert_int_eq(in->ops->level(in, 3, &err), 0);
	ck_assert_int_eq(in->ops->level(in, 4, &err), 0);	/* wire high, line 4 active-low */
	ck_assert_int_eq(in->ops->level(in, 9, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 9 was not requested"));
	ck_assert_int_eq(readable(in->ops->fd(in)), 1);
	ck_assert(!edge_input_replay_done(in));

	struct rig_edge e[4];
	ck_assert_int_eq(in->ops->read(in, e, 2, &err), 2);
	ck_assert_int_eq(e[0].timestamp_ns, 100);
	ck_assert_uint_eq(e[0].line, 3);
	ck_assert_int_eq(e[0].kind, RIG_EDGE_RISING);
	ck_assert_uint_eq(e[0].global_seqno, 1);
	ck_assert_uint_eq(e[1].line, 4);
	ck_assert_uint_eq(e[1].global_seqno, 3);
	ck_assert_int_eq(in->ops->level(in, 3, &err), 1);	/* from the R edge */
	ck_assert_int_eq(in->ops->level(in, 4, &err), 0);	/* the V line (wire high) after the edge */

	ck_assert_int_eq(in->ops->read(in, e, 4, &err), 1);
	ck_assert_int_eq(e[0].timestamp_ns, 300);
	ck_assert_uint_eq(e[0].global_seqno, 7);
	ck_assert_uint_eq(e[0].line_seqno, 2);
	ck_assert_int_eq(in->ops->level(in, 3, &err), 0);
	ck_assert(edge_input_replay_done(in));
	ck_assert_int_eq(in->ops->read(in, e, 4, &err), 0);
	ck_assert_int_eq(readable(in->ops->fd(in)), 0);	/* no busy loop at the end */
	edge_input_close(in);
	unlink(capture_path);
}
END_TEST

static int check_gone(struct edge_input *in, struct rig_error *err)
{
	return rig_error_set(err, NULL, 0, "edge input '%s': gpio chip disappeared", in->spec);
}

/* The daemon's periodic look at its input: an input without a check op is
 * never failed by it (a replay's unknown level is no fault); one with it
 * reports what the op says. */
START_TEST(check_uses_the_inputs_op_only)
{
	write_capture("# rig edge capture v1\nE 100 3 R 1 1\n");
	struct rig_error err = { 0 };
	struct edge_input *in = open_replay(&err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	ck_assert_int_eq(in->ops->level(in, 4, &err), -1);	/* not known yet */
	ck_assert_int_eq(edge_input_check(in, &err), 0);
	struct edge_input_ops ops = *in->ops;
	ops.check = check_gone;
	const struct edge_input_ops *saved = in->ops;
	in->ops = &ops;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(edge_input_check(in, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "gpio chip disappeared"));
	in->ops = saved;
	ck_assert(edge_input_gpiod_ops.check != NULL);	/* the input that needs it has it */
	edge_input_close(in);
	unlink(capture_path);
}
END_TEST

START_TEST(replay_refuses_a_bad_capture_with_file_and_line)
{
	write_capture("# rig edge capture v1\nV 0 3 0\nE 100 3 R 1 1\nE 90 3 F 2 2\n");
	struct rig_error err = { 0 };
	ck_assert_ptr_null(open_replay(&err));
	ck_assert_str_eq(err.file, capture_path);
	ck_assert_int_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.msg, "goes backwards"));
	unlink(capture_path);

	write_capture("V 0 3 0\nE 100 3 R 1 1 extra\n");
	ck_assert_ptr_null(open_replay(&err));
	ck_assert_int_eq(err.line, 2);
	unlink(capture_path);

	ck_assert_ptr_null(edge_input_open("replay:/nonexistent/rig.cap", lines34, 2, &err));
	ck_assert_str_eq(err.file, "/nonexistent/rig.cap");
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open capture"));
}
END_TEST

/* A v2 recording: the run record is skipped, the edges come out; the last
 * line a crash cut short is left out. */
START_TEST(replay_reads_a_v2_recording_cut_by_a_crash)
{
	write_capture("# rig edge capture v2\nrun r-1\nt name = x\\n\nseq start 5\n"
		      "E 100 3 R 1 1\nseq edge 1 kh10 100 3 R 1 1\nev started point=0\n"
		      "E 200 4 F 2 1\nE 300 3 F 3");
	struct rig_error err = { 0 };
	struct edge_input *in = open_replay(&err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	struct rig_edge e[4];
	ck_assert_int_eq(in->ops->read(in, e, 4, &err), 2);
	ck_assert_int_eq(e[0].timestamp_ns, 100);
	ck_assert_int_eq(e[1].timestamp_ns, 200);
	ck_assert(edge_input_replay_done(in));
	edge_input_close(in);
	unlink(capture_path);
}
END_TEST

/* active-low means the same on every input: as gpiod (the kernel) does it,
 * the level is inverted and rising and falling swapped. */
START_TEST(replay_applies_active_low_like_gpiod)
{
	write_capture("# rig edge capture v1\nV 0 3 1\nV 0 4 1\nE 100 4 F 1 1\nE 200 3 F 2 1\n");
	struct rig_error err = { 0 };
	struct edge_input *in = open_replay(&err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	ck_assert_int_eq(in->ops->level(in, 3, &err), 1);
	ck_assert_int_eq(in->ops->level(in, 4, &err), 0);	/* wire high: not active */
	struct rig_edge e[4];
	ck_assert_int_eq(in->ops->read(in, e, 4, &err), 2);
	ck_assert_uint_eq(e[0].line, 4);
	ck_assert_int_eq(e[0].kind, RIG_EDGE_RISING);		/* the wire fell: now active */
	ck_assert_int_eq(e[1].kind, RIG_EDGE_FALLING);		/* line 3 active-high: as is */
	ck_assert_int_eq(in->ops->level(in, 4, &err), 1);
	ck_assert_int_eq(in->ops->level(in, 3, &err), 0);
	edge_input_close(in);
	unlink(capture_path);
}
END_TEST

/* A NUL byte would cut a line short unseen: the file is refused at its line. */
START_TEST(replay_refuses_a_nul_byte)
{
	snprintf(capture_path, sizeof(capture_path), "/tmp/rig-capture-XXXXXX");
	int fd = mkstemp(capture_path);
	static const char text[] = "# rig edge capture v1\nV 0 3 0\nE 100 3 R 1 1\0junk\n";
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	struct rig_error err = { 0 };
	ck_assert_ptr_null(open_replay(&err));
	ck_assert_str_eq(err.file, capture_path);
	ck_assert_int_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL byte"));
	unlink(capture_path);
}
END_TEST

START_TEST(open_errors_are_clear)
{
	struct rig_error err = { 0 };
	ck_assert_ptr_null(edge_input_open("gpiod:/dev/rig-no-such-chip", lines34, 2, &err));
	ck_assert_msg(strstr(err.msg, "gpio chip /dev/rig-no-such-chip does not exist"), "%s", err.msg);
	ck_assert_ptr_null(edge_input_open("gpiod:/dev/null", lines34, 2, &err));
	ck_assert_msg(strstr(err.msg, "/dev/null is not a gpio chip"), "%s", err.msg);
	ck_assert_ptr_null(edge_input_open("uart:/dev/ttyS0", lines34, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown scheme 'uart'"));
	ck_assert_ptr_null(edge_input_open("gpiochip0", lines34, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected gpiod:CHIP"));
	const struct edge_input_line twice[] = { { .offset = 3 }, { .offset = 3 } };
	ck_assert_ptr_null(edge_input_open("gpiod:/dev/gpiochip0", twice, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "line 3 requested twice"));
	ck_assert_ptr_null(edge_input_open("sim:127.0.0.1:1", lines34, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot connect"));
	edge_input_close(NULL);
	ck_assert(!edge_input_replay_done(NULL));
}
END_TEST

/* Reads until want edges came or the stream failed (bounded). */
static int read_edges(struct edge_input *in, struct rig_edge *e, int want, struct rig_error *err)
{
	int got = 0;
	for (int i = 0; i < 100 && got < want; i++) {
		struct pollfd p = { .fd = in->ops->fd(in), .events = POLLIN };
		poll(&p, 1, 50);
		int n = in->ops->read(in, e + got, (size_t)(want - got), err);
		if (n < 0)
			return got ? got : -1;
		got += n;
	}
	return got;
}

START_TEST(sim_subscribes_buffers_partial_lines_and_reports_eof)
{
	static const char *const chunks[] = {
		"V 0 3 0\nV 0 4 1\n",
		"E 100 3 R 1 1\nE 200 4 F 2 1\nE 3",
		"00 3 F 5 2\n",		/* global 3-4 lost: a gap stays a gap */
		NULL,
	};
	struct fake_edge *f = fake_edge_start(chunks, 1);
	ck_assert_ptr_nonnull(f);
	struct rig_error err = { 0 };
	struct edge_input *in = edge_input_open(fake_edge_spec(f), lines34, 2, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	ck_assert_str_eq(fake_edge_sub(f), "SUB 3 4");
	ck_assert_int_eq(in->ops->level(in, 3, &err), 0);
	ck_assert_int_eq(in->ops->level(in, 4, &err), 0);	/* wire high, line 4 active-low */

	struct rig_edge e[4];
	fake_edge_next(f);
	ck_assert_int_eq(read_edges(in, e, 2, &err), 2);
	ck_assert_int_eq(e[0].timestamp_ns, 100);
	ck_assert_uint_eq(e[1].line, 4);
	ck_assert_int_eq(e[1].kind, RIG_EDGE_RISING);	/* falling on the wire: active */
	ck_assert_int_eq(in->ops->level(in, 4, &err), 1);
	ck_assert_int_eq(in->ops->read(in, e, 4, &err), 0);	/* "E 3" is not an edge yet */

	fake_edge_next(f);
	ck_assert_int_eq(read_edges(in, e, 1, &err), 1);
	ck_assert_int_eq(e[0].timestamp_ns, 300);
	ck_assert_uint_eq(e[0].global_seqno, 5);
	ck_assert_uint_eq(e[0].line_seqno, 2);
	ck_assert_int_eq(read_edges(in, e, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "simulator disconnected"), "%s", err.msg);
	edge_input_close(in);
	fake_edge_stop(f);
}
END_TEST

START_TEST(sim_refuses_garbage_and_unsubscribed_lines)
{
	static const char *const chunks[] = { "V 0 3 0\nV 0 4 0\n", "E 10 3 R 1 1\nE 20 5 R 2 1\n", NULL };
	struct fake_edge *f = fake_edge_start(chunks, 0);
	struct rig_error err = { 0 };
	struct edge_input *in = edge_input_open(fake_edge_spec(f), lines34, 2, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	fake_edge_next(f);
	struct rig_edge e[4];
	ck_assert_int_eq(read_edges(in, e, 2, &err), 1);	/* the good edge first */
	ck_assert_int_eq(read_edges(in, e, 1, &err), -1);
	ck_assert_str_eq(err.file, fake_edge_spec(f));
	ck_assert_int_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.msg, "edge on line 5, which was not subscribed"));
	edge_input_close(in);
	fake_edge_stop(f);

	static const char *const junk[] = { "V 0 3 0\nhello\n", NULL };
	f = fake_edge_start(junk, 0);
	ck_assert_ptr_null(edge_input_open(fake_edge_spec(f), lines34, 2, &err));
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad kind 'hello'"));
	fake_edge_stop(f);
}
END_TEST

Suite *suite_edge_input(void)
{
	Suite *s = suite_create("edge_input");
	TCase *tc = tcase_create("edge_input");
	tcase_add_test(tc, replay_delivers_batches_levels_and_gaps);
	tcase_add_test(tc, replay_refuses_a_bad_capture_with_file_and_line);
	tcase_add_test(tc, replay_reads_a_v2_recording_cut_by_a_crash);
	tcase_add_test(tc, check_uses_the_inputs_op_only);
	tcase_add_test(tc, open_errors_are_clear);
	tcase_add_test(tc, replay_applies_active_low_like_gpiod);
	tcase_add_test(tc, replay_refuses_a_nul_byte);
	tcase_add_test(tc, sim_subscribes_buffers_partial_lines_and_reports_eof);
	tcase_add_test(tc, sim_refuses_garbage_and_unsubscribed_lines);
	suite_add_tcase(s, tc);
	return s;
}
