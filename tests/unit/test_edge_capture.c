#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/edge/capture.h"

START_TEST(parses_edge_and_level_lines)
{
	struct capture_record r;
	char why[128];
	ck_assert_int_eq(capture_parse_line("E 1500000000 7 R 12 5", &r, why, sizeof(why)), 0);
	ck_assert_int_eq(r.kind, CAPTURE_EDGE);
	ck_assert_int_eq(r.edge.timestamp_ns, 1500000000LL);
	ck_assert_uint_eq(r.edge.line, 7);
	ck_assert_int_eq(r.edge.kind, RIG_EDGE_RISING);
	ck_assert_uint_eq(r.edge.global_seqno, 12);
	ck_assert_uint_eq(r.edge.line_seqno, 5);
	ck_assert_int_eq(capture_parse_line("V 42 3 1", &r, why, sizeof(why)), 0);
	ck_assert_int_eq(r.kind, CAPTURE_LEVEL);
	ck_assert_int_eq(r.level.timestamp_ns, 42);
	ck_assert_uint_eq(r.level.line, 3);
	ck_assert_int_eq(r.level.value, 1);
	ck_assert_int_eq(capture_parse_line("# rig edge capture v1", &r, why, sizeof(why)), 0);
	ck_assert_int_eq(r.kind, CAPTURE_SKIP);
}
END_TEST

static void assert_bad(const char *line, const char *needle)
{
	struct capture_record r;
	char why[128] = "";
	ck_assert_int_eq(capture_parse_line(line, &r, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, needle), "'%s': '%s' lacks '%s'", line, why, needle);
}

START_TEST(bad_lines_say_what_is_wrong)
{
	assert_bad("E 12x 7 R 1 1", "bad field '12x' (timestamp_ns)");
	assert_bad("E -5 7 R 1 1", "bad field '-5' (timestamp_ns)");
	assert_bad("E 10 7 U 1 1", "bad field 'U' (edge kind R or F)");
	assert_bad("E 10 7 R 0 1", "global_seqno");
	assert_bad("E 10 7 R 1", "E line needs 5 fields, has 4");
	assert_bad("E 10 7 R 1 1 9", "E line needs 5 fields, has 6");
	assert_bad("E 10 7 R 1 1 9 9", "too many fields");
	assert_bad("E 10  7 R 1 1", "exactly one space");
	assert_bad("V 10 7 2", "bad field '2' (level 0 or 1)");
	assert_bad("X 10 7 1", "bad kind 'X'");
}
END_TEST

START_TEST(reader_numbers_lines_and_refuses_time_going_back)
{
	static const char *const lines[] = {
		"# rig edge capture v1", "V 100 3 0", "E 200 3 R 1 1", "", "E 150 3 F 2 2",
	};
	struct capture_reader rd;
	struct capture_record r;
	struct rig_error err = { 0 };
	capture_reader_init(&rd, "bench.cap");
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(capture_reader_line(&rd, lines[i], &r, &err), 0);
	ck_assert_int_eq(capture_reader_line(&rd, lines[4], &r, &err), -1);
	char buf[600];
	ck_assert_str_eq(rig_error_format(&err, buf, sizeof(buf)),
			 "bench.cap:5: timestamp 150 goes backwards (previous 200)");

	capture_reader_init(&rd, "other.cap");
	ck_assert_int_eq(capture_reader_line(&rd, "V 1 3 0", &r, &err), 0);
	ck_assert_int_eq(capture_reader_line(&rd, "E 1 3 Q 1 1", &r, &err), -1);
	ck_assert_str_eq(err.file, "other.cap");
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "edge kind"));
}
END_TEST

START_TEST(writer_output_reads_back_identically)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct capture_writer w;
	struct rig_error err = { 0 };
	const char *kv[] = { "chip=/dev/gpiochip0", "station=B2" };
	ck_assert_int_eq(capture_writer_start(&w, f, kv, 2, &err), 0);
	struct capture_level v = { .timestamp_ns = 5, .line = 4, .value = 1 };
	struct rig_edge e1 = { .timestamp_ns = 1000, .line = 4, .kind = RIG_EDGE_FALLING,
			       .global_seqno = 1, .line_seqno = 1 };
	struct rig_edge e2 = { .timestamp_ns = 9223372036854775807LL, .line = 4, .kind = RIG_EDGE_RISING,
			       .global_seqno = 40, .line_seqno = 17 };
	ck_assert_int_eq(capture_write_level(&w, &v, &err), 0);
	ck_assert_int_eq(capture_write_edge(&w, &e1, &err), 0);
	ck_assert_int_eq(capture_write_edge(&w, &e2, &err), 0);
	ck_assert_int_eq(capture_writer_flush(&w, &err), 0);
	fclose(f);
	ck_assert_str_eq(text, "# rig edge capture v1\n# chip=/dev/gpiochip0\n# station=B2\n"
			       "V 5 4 1\nE 1000 4 F 1 1\nE 9223372036854775807 4 R 40 17\n");

	struct capture_reader rd;
	struct capture_record r;
	capture_reader_init(&rd, "mem");
	char *save = NULL;
	int edges = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ck_assert_int_eq(capture_reader_line(&rd, line, &r, &err), 0);
		if (r.kind == CAPTURE_EDGE) {
			const struct rig_edge *want = edges++ ? &e2 : &e1;
			ck_assert_int_eq(memcmp(&r.edge, want, sizeof(*want)), 0);
		}
	}
	ck_assert_int_eq(edges, 2);
	free(text);

	f = open_memstream(&text, &size);
	const char *bad[] = { "station" };
	ck_assert_int_eq(capture_writer_start(&w, f, bad, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "key=value"));
	fclose(f);
	free(text);
}
END_TEST

Suite *suite_edge_capture(void)
{
	Suite *s = suite_create("edge_capture");
	TCase *tc = tcase_create("capture");
	tcase_add_test(tc, parses_edge_and_level_lines);
	tcase_add_test(tc, bad_lines_say_what_is_wrong);
	tcase_add_test(tc, reader_numbers_lines_and_refuses_time_going_back);
	tcase_add_test(tc, writer_output_reads_back_identically);
	suite_add_tcase(s, tc);
	return s;
}
