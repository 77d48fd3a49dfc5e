#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rig/common/jsonl.h"
#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/control.h"
#include "rig/rigctl/args.h"
#include "rig/rigd/ctl_server.h"
#include "rig/rigd/loop.h"
#include "rig/rigd/notify.h"

/* --- request parsing ------------------------------------------------------ */

static int parse(const char *line, struct ctl_request *r, char *why)
{
	return ctl_parse_request(line, r, why, 200);
}

START_TEST(start_request_is_parsed)
{
	struct ctl_request r;
	char why[200];
	const char *line = "{\"cmd\":\"start\",\"profile\":\"ansi-c12.1\",\"operator\":\"Ana\","
			   "\"notes\":\"lot 7\",\"positions\":[{\"position\":1,\"model\":\"MMS-120-2001\","
			   "\"serial\":\"A123\"},{\"position\":3,\"model\":\"MMD-120-2001\",\"serial\":\"B9\"}]}";
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert_int_eq(r.cmd, CTL_START);
	ck_assert_str_eq(r.profile, "ansi-c12.1");
	ck_assert_str_eq(r.operator_name, "Ana");
	ck_assert_str_eq(r.notes, "lot 7");
	ck_assert_int_eq(r.n_positions, 2);
	ck_assert_int_eq(r.pos[1].position, 3);
	ck_assert_str_eq(r.pos[1].model, "MMD-120-2001");
	ck_assert_str_eq(r.pos[1].serial, "B9");
}
END_TEST

/* A register point's reading: a position and a reading, the run optional;
 * rigctl's reading command and --readings option parse alike. */
START_TEST(reading_request_is_parsed)
{
	struct ctl_request r;
	char why[200];
	ck_assert_int_eq(parse("{\"cmd\":\"reading\",\"position\":3,\"reading\":18234.6}", &r, why), 0);
	ck_assert_int_eq(r.cmd, CTL_READING);
	ck_assert_int_eq(r.position, 3);
	ck_assert_double_eq(r.reading_kwh, 18234.6);
	ck_assert_str_eq(r.run_id, "");
	ck_assert_int_eq(parse("{\"cmd\":\"reading\",\"run\":\"R\",\"position\":1,\"reading\":0}", &r, why), 0);
	ck_assert_str_eq(r.run_id, "R");
	ck_assert_int_eq(parse("{\"cmd\":\"reading\",\"position\":1}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"reading\",\"position\":17,\"reading\":1}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"reading\",\"position\":1,\"reading\":-1}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"register\",\"position\":1,\"reading\":1}", &r, why), -1);

	struct rigctl_args a;
	char *argv1[] = { "rigctl", "reading", "2", "1234.5", "--run", "X", NULL };
	ck_assert_int_eq(rigctl_parse_args(6, argv1, &a, why, sizeof(why)), 0);
	ck_assert_int_eq(a.cmd, RIGCTL_READING);
	ck_assert_int_eq(a.reg_position, 2);
	ck_assert_double_eq(a.reg_kwh, 1234.5);
	char *argv2[] = { "rigctl", "reading", "2", NULL };
	ck_assert_int_eq(rigctl_parse_args(3, argv2, &a, why, sizeof(why)), -1);
	char *argv3[] = { "rigctl", "run", "--profile", "p", "--operator", "o", "--position",
			  "1:MMS-120-2001:A", "--readings", "ask", NULL };
	ck_assert_int_eq(rigctl_parse_args(10, argv3, &a, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "prompt, none or sim:HOST:PORT"), "%s", why);
	argv3[9] = "sim:127.0.0.1:5025";
	ck_assert_int_eq(rigctl_parse_args(10, argv3, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(a.readings, "sim:127.0.0.1:5025");
}
END_TEST

/* Model safety travels with the request: the batch's expected model and
 * an explicit override (a bool, nothing else), with who and why. */
START_TEST(start_request_carries_the_expected_model)
{
	struct ctl_request r;
	char why[200];
	const char *pos = "\"positions\":[{\"position\":1,\"model\":\"MMS-120-2001\",\"serial\":\"A\"}]";
	char line[512];
	snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\","
		 "\"expected_model\":\"MMS-120-2001\",\"model_override\":true,"
		 "\"model_override_reason\":\"label misprint\",\"override_by\":\"Sam\",%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert_str_eq(r.expected_model, "MMS-120-2001");
	ck_assert(r.model_override);
	ck_assert_str_eq(r.override_by, "Sam");
	ck_assert_str_eq(r.model_override_reason, "label misprint");
	snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\",%s}",
		 pos);
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert_str_eq(r.expected_model, "");
	ck_assert(!r.model_override);
	snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\","
		 "\"model_override\":\"yes\",%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), -1);
	ck_assert_msg(strstr(why, "model_override"), "%s", why);
}
END_TEST

/* An override names who gives it: without "override_by" it is refused,
 * never recorded under the operator's name; and a model override says
 * why. */
START_TEST(an_override_without_who_is_refused)
{
	struct ctl_request r;
	char why[200];
	const char *pos = "\"positions\":[{\"position\":1,\"model\":\"MMS-120-2001\",\"serial\":\"A\"}]";
	const struct {
		const char *fields, *says;
	} bad[] = {
		{"\"override_reason\":\"standard away\"", "override_by"},
		{"\"model_override\":true,\"model_override_reason\":\"misprint\"", "override_by"},
		{"\"model_override\":true,\"override_by\":\"Sam\"", "model_override_reason"},
		{"\"override_by\":\"Sam\"", "is for an override"},
		{"\"override_by\":\"\",\"override_reason\":\"standard away\"", "override_by"},
		{"\"override_by\":7,\"override_reason\":\"standard away\"", "override_by"},
		{"\"model_override_reason\":\"misprint\",\"override_by\":\"Sam\"", "model_override"},
	};
	char line[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\","
			 "%s,%s}", bad[i].fields, pos);
		ck_assert_msg(parse(line, &r, why) == -1, "accepted: %s", bad[i].fields);
		ck_assert_msg(strstr(why, bad[i].says), "%s: %s", bad[i].fields, why);
	}
	snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\","
		 "\"override_reason\":\"standard away\",\"override_by\":\"Sam\",%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert_str_eq(r.override_by, "Sam");
	ck_assert_str_eq(r.override_reason, "standard away");
	ck_assert_str_eq(r.operator_name, "Ana");
}
END_TEST

START_TEST(bad_start_requests_say_why)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{"{\"cmd\":\"start\",\"operator\":\"a\",\"positions\":[]}", "\"profile\" is required"},
		{"{\"cmd\":\"start\",\"profile\":\"../etc/passwd\",\"operator\":\"a\","
		 "\"positions\":[{\"position\":1,\"model\":\"m\",\"serial\":\"s\"}]}",
		 "not a valid profile name"},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\",\"positions\":[]}",
		 "non-empty array"},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\","
		 "\"positions\":[{\"position\":0,\"model\":\"m\",\"serial\":\"s\"}]}",
		 "integer 1.."},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\","
		 "\"positions\":[{\"position\":1.5,\"model\":\"m\",\"serial\":\"s\"}]}",
		 "integer 1.."},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\","
		 "\"positions\":[{\"position\":2,\"model\":\"m\"}]}",
		 "position 2: \"serial\" is required"},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\","
		 "\"positions\":[{\"position\":2,\"model\":\"m\",\"serial\":\"x\"},"
		 "{\"position\":2,\"model\":\"m\",\"serial\":\"y\"}]}",
		 "position 2 given twice"},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"a\\nb\","
		 "\"positions\":[{\"position\":1,\"model\":\"m\",\"serial\":\"s\"}]}",
		 "control characters"},
		{"{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":7,"
		 "\"positions\":[{\"position\":1,\"model\":\"m\",\"serial\":\"s\"}]}",
		 "must be a string"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_request r;
		char why[200] = "";
		ck_assert_msg(parse(cases[i].line, &r, why) == -1, "case %zu accepted", i);
		ck_assert_msg(strstr(why, cases[i].why) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
			      why, cases[i].why);
	}
}
END_TEST

START_TEST(malformed_and_unknown_requests)
{
	struct ctl_request r;
	char why[200];
	ck_assert_int_eq(parse("{\"cmd\":", &r, why), -1);
	ck_assert_str_eq(why, "malformed JSON");
	ck_assert_int_eq(parse("[1,2]", &r, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "object"));
	ck_assert_int_eq(parse("{\"command\":\"status\"}", &r, why), -1);
	ck_assert_str_eq(why, "missing \"cmd\"");
	ck_assert_int_eq(parse("{\"cmd\":\"launch\"}", &r, why), -1);
	ck_assert_str_eq(why, "unknown cmd \"launch\"");
	ck_assert_int_eq(parse("", &r, why), -1);
}
END_TEST

START_TEST(simple_commands_and_filters)
{
	struct ctl_request r;
	char why[200];
	ck_assert_int_eq(parse("{\"cmd\":\"status\"}", &r, why), 0);
	ck_assert_int_eq(r.cmd, CTL_STATUS);
	ck_assert_int_eq(parse("{\"cmd\":\"subscribe\"}", &r, why), 0);
	ck_assert_int_eq(r.cmd, CTL_SUBSCRIBE);
	ck_assert_int_eq(parse("{\"cmd\":\"abort\",\"reason\":\"lid\"}", &r, why), 0);
	ck_assert_str_eq(r.reason, "lid");
	ck_assert_int_eq(parse("{\"cmd\":\"run\",\"run\":42}", &r, why), 0);
	ck_assert_str_eq(r.run_id, "42");
	ck_assert_int_eq(parse("{\"cmd\":\"run\"}", &r, why), -1);

	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"serial\":\"A1\",\"since\":\"2026-01-02\","
			       "\"until\":1800000000,\"verdict\":\"fail\",\"limit\":5}",
			       &r, why),
			 0);
	ck_assert_str_eq(r.serial, "A1");
	ck_assert(r.has_since && r.has_until && r.has_verdict);
	ck_assert_int_eq((long)r.since, 1767312000L);
	ck_assert_int_eq((long)r.until, 1800000000L);
	ck_assert_int_eq(r.verdict, RIG_VERDICT_FAIL);
	ck_assert_int_eq(r.limit, 5);
	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"verdict\":\"great\"}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"since\":\"yesterday\"}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"limit\":0}", &r, why), -1);
	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"limit\":1e400}", &r, why), -1);
	/* Times whose milliseconds overflow an int64_t (the sanitized daemon
	 * died of 1e17), or that are not numbers at all, are refused. */
	static const char *const bad_times[] = {
		"{\"cmd\":\"results\",\"since\":1e17}",
		"{\"cmd\":\"results\",\"until\":1e300}",
		"{\"cmd\":\"results\",\"since\":-1e300}",
		"{\"cmd\":\"results\",\"since\":1e400}",
		"{\"cmd\":\"results\",\"since\":-1}",
		"{\"cmd\":\"results\",\"since\":253402300800}",
	};
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		ck_assert_msg(parse(bad_times[i], &r, why) == -1, "accepted %s", bad_times[i]);
		ck_assert_ptr_nonnull(strstr(why, "since 1970"));
	}
	ck_assert_int_eq(parse("{\"cmd\":\"results\",\"since\":253402300799}", &r, why), 0);
}
END_TEST

/* A start that waits its turn says so; a dequeue names a whole ticket. */
START_TEST(queue_and_dequeue_requests)
{
	struct ctl_request r;
	char why[200];
	const char *pos = "\"positions\":[{\"position\":1,\"model\":\"MMS-120-2001\",\"serial\":\"A\"}]";
	char line[512];
	snprintf(line, sizeof(line), "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\",%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert(!r.queue);
	snprintf(line, sizeof(line),
		 "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\",\"queue\":true,%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), 0);
	ck_assert(r.queue);
	snprintf(line, sizeof(line),
		 "{\"cmd\":\"start\",\"profile\":\"p\",\"operator\":\"Ana\",\"queue\":1,%s}", pos);
	ck_assert_int_eq(parse(line, &r, why), -1);
	ck_assert_str_eq(why, "\"queue\" must be true or false");

	ck_assert_int_eq(parse("{\"cmd\":\"dequeue\",\"ticket\":3}", &r, why), 0);
	ck_assert_int_eq(r.cmd, CTL_DEQUEUE);
	ck_assert_uint_eq(r.ticket, 3);
	ck_assert_str_eq(ctl_cmd_name(CTL_DEQUEUE), "dequeue");
	static const char *const bad[] = {
		"{\"cmd\":\"dequeue\"}", "{\"cmd\":\"dequeue\",\"ticket\":0}",
		"{\"cmd\":\"dequeue\",\"ticket\":1.5}", "{\"cmd\":\"dequeue\",\"ticket\":\"3\"}",
		"{\"cmd\":\"dequeue\",\"ticket\":1e300}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &r, why) == -1, "accepted %s", bad[i]);
}
END_TEST

START_TEST(error_line_is_json_with_escaping)
{
	char *line = ctl_error_line("bad \"thing\"\n");
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"bad \\\"thing\\\"\\n\"}\n");
	free(line);
}
END_TEST

/* --- line and output buffers ---------------------------------------------- */

START_TEST(linebuf_splits_lines_across_feeds)
{
	struct rig_linebuf lb;
	rig_linebuf_init(&lb, 16);
	char *line;
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 0);	/* nothing fed yet */
	ck_assert_int_eq(rig_linebuf_feed(&lb, "ab", 2), 0);
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 0);
	ck_assert_int_eq(rig_linebuf_feed(&lb, "c\r\nde\nf", 7), 0);
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 1);
	ck_assert_str_eq(line, "abc");
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 1);
	ck_assert_str_eq(line, "de");
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 0);
	ck_assert_int_eq(rig_linebuf_feed(&lb, "g\n", 2), 0);
	ck_assert_int_eq(rig_linebuf_next(&lb, &line), 1);
	ck_assert_str_eq(line, "fg");
	rig_linebuf_free(&lb);
}
END_TEST

START_TEST(linebuf_refuses_an_oversized_line)
{
	struct rig_linebuf lb;
	rig_linebuf_init(&lb, 8);
	ck_assert_int_eq(rig_linebuf_feed(&lb, "12345678\n", 9), 0);	/* exactly max: fine */
	ck_assert_int_eq(rig_linebuf_feed(&lb, "12345", 5), 0);
	ck_assert_int_eq(rig_linebuf_feed(&lb, "6789", 4), -1);		/* pending 9 > 8 */
	rig_linebuf_free(&lb);
	rig_linebuf_init(&lb, 8);
	ck_assert_int_eq(rig_linebuf_feed(&lb, "123456789\nok\n", 13), -1); /* complete but long */
	rig_linebuf_free(&lb);
}
END_TEST

START_TEST(outbuf_caps_and_drains)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct rig_outbuf ob;
	rig_outbuf_init(&ob, 10);
	ck_assert_int_eq(rig_outbuf_flush(&ob, sv[0]), 0);	/* empty, no buffer yet */
	ck_assert_int_eq(rig_outbuf_append(&ob, "hello", 5), 0);
	ck_assert_int_eq(rig_outbuf_append(&ob, "world!", 6), -1);
	ck_assert_int_eq(ob.len, 5);
	ck_assert_int_eq(rig_outbuf_flush(&ob, sv[0]), 0);
	ck_assert(rig_outbuf_empty(&ob));
	char buf[16];
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	close(sv[1]);
	ck_assert_int_eq(rig_outbuf_append(&ob, "x", 1), 0);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(rig_outbuf_flush(&ob, sv[0]), -1);
	close(sv[0]);
	rig_outbuf_free(&ob);
}
END_TEST

/* A waiting client killed before the loop has read its end of input: the
 * queue must see the hang-up before it starts that client's run. */
START_TEST(a_hung_up_client_is_seen_before_its_end_is_read)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct ctl_client c = {.fd = sv[0], .id = 1};
	ck_assert(!ctl_client_hung_up(&c));
	/* a live client with unread input is not hung up */
	ck_assert_int_eq(write(sv[1], "{}\n", 3), 3);
	ck_assert(!ctl_client_hung_up(&c));
	close(sv[1]);
	ck_assert(ctl_client_hung_up(&c));
	/* nothing was consumed: the loop still reads the line, then the end */
	char buf[8];
	ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 3);
	ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 0);
	close(sv[0]);
}
END_TEST

START_TEST(json_numbers_never_nan)
{
	cJSON *o = cJSON_CreateObject();
	rig_json_add_number(o, "a", 1.5);
	rig_json_add_number(o, "b", 0.0 / 0.0);
	char *line = rig_json_line(o);
	ck_assert_str_eq(line, "{\"a\":1.5,\"b\":null}\n");
	ck_assert_double_eq(rig_json_num(o, "a", 0), 1.5);
	ck_assert_double_eq(rig_json_num(o, "b", -1), -1);
	ck_assert_str_eq(rig_json_str(o, "a", "dflt"), "dflt");
	cJSON_AddNumberToObject(o, "big", 1e300);
	cJSON_AddNumberToObject(o, "seven", 7);
	ck_assert_int_eq(rig_json_int(o, "big", 0, 100, -1), -1);	/* not cast */
	ck_assert_int_eq(rig_json_int(o, "a", 0, 100, -1), -1);	/* 1.5: not whole */
	ck_assert_int_eq(rig_json_int(o, "seven", 0, 100, -1), 7);
	ck_assert_int_eq(rig_json_int(o, "none", 0, 100, -1), -1);
	char dur[32];
	ck_assert_str_eq(rig_format_duration(1e300, dur, sizeof(dur)), "277777h46m");
	free(line);
	cJSON_Delete(o);
}
END_TEST

/* --- event loop ----------------------------------------------------------- */

struct loop_probe {
	int reads;
	int timer_runs;
	int64_t timer_at;
	int remove_fd;
};

static void on_readable(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	struct loop_probe *p = data;
	char c;
	while (read(fd, &c, 1) == 1)
		p->reads++;
	/* A handler may remove another descriptor whose event is in the same batch. */
	if (p->remove_fd >= 0) {
		rig_loop_remove(loop, p->remove_fd);
		p->remove_fd = -1;
	}
}

static void on_timer(struct rig_loop *loop, int64_t now_ns, void *data)
{
	(void)loop;
	struct loop_probe *p = data;
	p->timer_runs++;
	p->timer_at = now_ns;
}

START_TEST(loop_dispatches_fds_and_the_deadline)
{
	struct rig_loop *loop = rig_loop_new();
	ck_assert_ptr_nonnull(loop);
	int a[2], b[2];
	ck_assert_int_eq(pipe2(a, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(b, O_NONBLOCK), 0);
	struct loop_probe pa = {.remove_fd = b[0]}, pb = {.remove_fd = a[0]};
	ck_assert_int_eq(rig_loop_add(loop, a[0], EPOLLIN, on_readable, &pa), 0);
	ck_assert_int_eq(rig_loop_add(loop, b[0], EPOLLIN, on_readable, &pb), 0);
	ck_assert_int_eq(rig_loop_add(loop, a[0], EPOLLIN, on_readable, &pa), -1);

	/* Nothing ready: the loop waits and runs nothing. */
	ck_assert_int_eq(rig_loop_run_once(loop, 0), 0);

	ck_assert_int_eq(write(a[1], "xy", 2), 2);
	ck_assert_int_eq(write(b[1], "z", 1), 1);
	/* Both ready in one batch; whichever runs first removes the other. */
	ck_assert_int_eq(rig_loop_run_once(loop, 100), 1);
	ck_assert_int_eq(pa.reads + pb.reads == 2 || pa.reads + pb.reads == 1, 1);

	rig_loop_set_timer_fn(loop, on_timer, &pa);
	int64_t due = rig_monotonic_ns() + 20 * 1000000LL;
	ck_assert_int_eq(rig_loop_set_deadline(loop, due), 0);
	ck_assert_int_eq(rig_loop_run_once(loop, 0), 0);
	ck_assert_int_eq(pa.timer_runs, 0);
	ck_assert_int_ge(rig_loop_run_once(loop, 1000), 1);
	ck_assert_int_eq(pa.timer_runs, 1);
	ck_assert_int_ge(pa.timer_at, due);
	ck_assert_int_eq(rig_loop_deadline(loop), INT64_MAX);

	/* A deadline in the past fires at once; INT64_MAX disarms. */
	rig_loop_set_deadline(loop, 1);
	ck_assert_int_ge(rig_loop_run_once(loop, 1000), 1);
	ck_assert_int_eq(pa.timer_runs, 2);
	rig_loop_set_deadline(loop, rig_monotonic_ns() + 5 * 1000000LL);
	rig_loop_set_deadline(loop, INT64_MAX);
	ck_assert_int_eq(rig_loop_run_once(loop, 30), 0);
	ck_assert_int_eq(pa.timer_runs, 2);

	rig_loop_free(loop);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}
END_TEST

/* --- control socket server ------------------------------------------------- */

struct server_fixture {
	char dir[64];
	char path[108];
	struct rig_loop *loop;
	struct ctl_server srv;
	int requests;
	char last[256];
};

static void echo_request(struct ctl_server *srv, struct ctl_client *c, char *line, void *data)
{
	(void)srv;
	struct server_fixture *f = data;
	f->requests++;
	snprintf(f->last, sizeof(f->last), "%s", line);
	struct ctl_request r;
	char why[200];
	if (ctl_parse_request(line, &r, why, sizeof(why)) < 0) {
		char *err = ctl_error_line(why);
		ctl_client_send(c, err);
		free(err);
		return;
	}
	if (r.cmd == CTL_SUBSCRIBE)
		c->subscribed = true;
	ctl_client_send(c, "{\"ok\":true}\n");
}

static void server_up(struct server_fixture *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rigd-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/rigd.sock", f->dir);
	f->loop = rig_loop_new();
	struct rig_error err;
	ck_assert_int_eq(ctl_server_open(&f->srv, f->loop, f->path, "", echo_request, f, &err), 0);
}

static void server_down(struct server_fixture *f)
{
	ctl_server_close(&f->srv);
	rig_loop_free(f->loop);
	ck_assert_int_eq(access(f->path, F_OK), -1);
	rmdir(f->dir);
}

static int connect_to(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void spin(struct server_fixture *f, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		rig_loop_run_once(f->loop, 10);
		ctl_server_sweep(&f->srv);
	}
}

/* Reads whatever arrives within a short time (client side, blocking fd). */
static int read_reply(int fd, char *buf, size_t len, struct server_fixture *f)
{
	size_t got = 0;
	for (int i = 0; i < 50 && got < len - 1; i++) {
		spin(f, 1);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) != 1)
			continue;
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (buf[got - 1] == '\n')
			break;
	}
	buf[got] = '\0';
	return (int)got;
}

START_TEST(socket_is_0660_and_a_live_one_is_not_stolen)
{
	struct server_fixture f;
	server_up(&f);
	ck_assert(ctl_socket_live(f.path));
	/* A probe that connects and leaves at once is no trouble. */
	close(connect_to(f.path));
	spin(&f, 3);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 0);
	struct stat st;
	ck_assert_int_eq(stat(f.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);

	struct rig_loop *other = rig_loop_new();
	struct ctl_server second;
	struct rig_error err;
	ck_assert_int_eq(ctl_server_open(&second, other, f.path, "", echo_request, &f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "another daemon"));
	ck_assert_int_eq(ctl_server_open(&second, other, f.path, "no-such-group-xyz", echo_request,
					 &f, &err),
			 -1);
	rig_loop_free(other);
	server_down(&f);
	ck_assert(!ctl_socket_live(f.path));
}
END_TEST

START_TEST(socket_group_is_set)
{
	struct group *gr = getgrgid(getegid());
	ck_assert_ptr_nonnull(gr);
	char name[64];
	snprintf(name, sizeof(name), "%s", gr->gr_name);
	struct server_fixture f;
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/rigd-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/rigd.sock", f.dir);
	f.loop = rig_loop_new();
	struct rig_error err;
	ck_assert_int_eq(ctl_server_open(&f.srv, f.loop, f.path, name, echo_request, &f, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(f.path, &st), 0);
	ck_assert_int_eq(st.st_gid, getegid());
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	server_down(&f);
}
END_TEST

START_TEST(many_clients_malformed_and_pipelined_requests)
{
	struct server_fixture f;
	server_up(&f);
	int a = connect_to(f.path);
	int b = connect_to(f.path);
	spin(&f, 3);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 2);

	const char *two = "{\"cmd\":\"status\"}\n{\"cmd\":\"subscribe\"}\n";
	ck_assert_int_eq(write(a, two, strlen(two)), (int)strlen(two));
	char buf[512];
	size_t got = 0;
	for (int i = 0; i < 5 && got < 24; i++)
		got += (size_t)read_reply(a, buf + got, sizeof(buf) - got, &f);
	ck_assert_str_eq(buf, "{\"ok\":true}\n{\"ok\":true}\n");

	ck_assert_int_eq(write(b, "{nope\n", 6), 6);
	read_reply(b, buf, sizeof(buf), &f);
	ck_assert_str_eq(buf, "{\"ok\":false,\"error\":\"malformed JSON\"}\n");
	/* The client with a malformed request stays connected. */
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 2);

	ctl_server_broadcast(&f.srv, "{\"event\":\"x\"}\n");
	read_reply(a, buf, sizeof(buf), &f);
	ck_assert_str_eq(buf, "{\"event\":\"x\"}\n");
	struct pollfd p = {.fd = b, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 20), 0);	/* not subscribed: nothing */

	close(a);
	spin(&f, 3);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 1);
	close(b);
	spin(&f, 3);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 0);
	server_down(&f);
}
END_TEST

START_TEST(oversized_request_drops_the_client)
{
	struct server_fixture f;
	server_up(&f);
	int a = connect_to(f.path);
	int b = connect_to(f.path);
	spin(&f, 2);
	size_t big = CTL_MAX_LINE + 100;
	char *junk = malloc(big);
	memset(junk, 'a', big);
	size_t sent = 0;
	fcntl(a, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 200 && sent < big; i++) {
		ssize_t n = write(a, junk + sent, big - sent);
		if (n > 0)
			sent += (size_t)n;
		spin(&f, 1);
	}
	free(junk);
	spin(&f, 3);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 1);
	ck_assert_int_eq(f.requests, 0);
	char buf[256];
	fcntl(a, F_SETFL, 0);
	ssize_t n = read(a, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "longer than 65536"));
	/* The other client still works. */
	ck_assert_int_eq(write(b, "{\"cmd\":\"ping\"}\n", 15), 15);
	read_reply(b, buf, sizeof(buf), &f);
	ck_assert_str_eq(buf, "{\"ok\":true}\n");
	close(a);
	close(b);
	spin(&f, 2);
	server_down(&f);
}
END_TEST

START_TEST(a_client_that_never_reads_is_dropped_not_waited_for)
{
	struct server_fixture f;
	server_up(&f);
	f.srv.out_max = 64 * 1024;
	int slow = connect_to(f.path);
	int fast = connect_to(f.path);
	ck_assert_int_eq(write(slow, "{\"cmd\":\"subscribe\"}\n", 20), 20);
	ck_assert_int_eq(write(fast, "{\"cmd\":\"subscribe\"}\n", 20), 20);
	spin(&f, 3);
	char line[1001];
	memset(line, 'e', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	char sink[65536];
	int64_t t0 = rig_monotonic_ns();
	for (int i = 0; i < 2000 && ctl_server_client_count(&f.srv) == 2; i++) {
		ctl_server_broadcast(&f.srv, line);
		while (recv(fast, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
		spin(&f, 1);
	}
	ck_assert_int_lt(rig_monotonic_ns() - t0, 5 * RIG_NS_PER_S);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 1);
	ck_assert(f.srv.clients && f.srv.clients->fd >= 0);
	close(slow);
	close(fast);
	spin(&f, 2);
	server_down(&f);
}
END_TEST

/* Client requests seen in order: which client, and how many of the
 * streaming client's had been handled when the other's came. */
struct fair_probe {
	struct server_fixture *f;
	int streamer_fd_server;	/* the streaming client's server-side fd, once known */
	int from_streamer;
	int streamer_before_other;
	bool other_seen;
};

static struct fair_probe *fair;

static void fair_request(struct ctl_server *srv, struct ctl_client *c, char *line, void *data)
{
	(void)line;
	(void)data;
	(void)srv;
	if (c->id == 1)
		fair->from_streamer++;
	else if (!fair->other_seen) {
		fair->other_seen = true;
		fair->streamer_before_other = fair->from_streamer;
	}
	ctl_client_send(c, "{\"ok\":true}\n");
}

START_TEST(a_streaming_client_does_not_hold_the_loop)
{
	struct server_fixture f;
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/rigd-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/rigd.sock", f.dir);
	f.loop = rig_loop_new();
	struct rig_error err;
	struct fair_probe probe = {.f = &f};
	fair = &probe;
	ck_assert_int_eq(ctl_server_open(&f.srv, f.loop, f.path, "", fair_request, &f, &err), 0);
	int streamer = connect_to(f.path);
	spin(&f, 2);	/* accepted first: client id 1 */
	int other = connect_to(f.path);
	spin(&f, 2);
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 2);

	/* The streamer's socket full of pings (thousands), before the other's one. */
	fcntl(streamer, F_SETFL, O_NONBLOCK);
	const char *ping = "{\"cmd\":\"ping\"}\n";
	enum { BURST = 1000 };
	size_t plen = strlen(ping);
	char *burst = malloc(BURST * plen);
	for (int i = 0; i < BURST; i++)
		memcpy(burst + (size_t)i * plen, ping, plen);
	int queued = 0;
	while (queued < 20 * BURST && write(streamer, burst, BURST * plen) == (ssize_t)(BURST * plen))
		queued += BURST;
	free(burst);
	ck_assert_int_ge(queued, 2 * BURST);
	ck_assert_int_eq(write(other, ping, strlen(ping)), (ssize_t)strlen(ping));

	uint64_t t0 = rig_loop_turns(f.loop);
	char sink[65536];
	for (int i = 0; i < 50 && !probe.other_seen; i++) {
		rig_loop_run_once(f.loop, 10);
		ctl_server_sweep(&f.srv);
		while (recv(streamer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	ck_assert(probe.other_seen);
	/* Served within the first turn or two, after at most a turn's share of
	 * the streamer's requests. */
	ck_assert_uint_le(rig_loop_turns(f.loop) - t0, 2);
	ck_assert_int_le(probe.streamer_before_other, 2 * CTL_TURN_REQUESTS);
	char buf[64];
	ck_assert_int_eq(read_reply(other, buf, sizeof(buf), &f), 12);

	/* The streamer is still served, all of it, over the next turns. */
	for (int i = 0; i < 5000 && probe.from_streamer < queued; i++) {
		rig_loop_run_once(f.loop, 10);
		ctl_server_sweep(&f.srv);
		while (recv(streamer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	ck_assert_int_ge(probe.from_streamer, queued);
	close(streamer);
	close(other);
	spin(&f, 3);
	server_down(&f);
}
END_TEST

struct order_probe {
	char order[8];
	int n;
};

static void note_device(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct order_probe *p = data;
	char c;
	while (read(fd, &c, 1) == 1)
		;
	p->order[p->n++] = 'D';
}

static void note_client(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct order_probe *p = data;
	char c;
	while (read(fd, &c, 1) == 1)
		;
	p->order[p->n++] = 'c';
}

START_TEST(devices_are_served_before_clients_in_a_turn)
{
	struct rig_loop *loop = rig_loop_new();
	int cl[2], dev[2];
	ck_assert_int_eq(pipe2(cl, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(dev, O_NONBLOCK), 0);
	struct order_probe p = {0};
	/* The client registered first and ready first: the device still goes first. */
	ck_assert_int_eq(rig_loop_add(loop, cl[0], EPOLLIN, note_client, &p), 0);
	ck_assert_int_eq(rig_loop_set_priority(loop, cl[0], RIG_LOOP_PRIO_CLIENT), 0);
	ck_assert_int_eq(rig_loop_add(loop, dev[0], EPOLLIN, note_device, &p), 0);
	ck_assert_int_eq(write(cl[1], "x", 1), 1);
	ck_assert_int_eq(write(dev[1], "e", 1), 1);
	ck_assert_int_eq(rig_loop_run_once(loop, 100), 2);
	p.order[p.n] = '\0';
	ck_assert_str_eq(p.order, "Dc");
	/* Asking for more runs the handler next turn with nothing new to read. */
	ck_assert_int_eq(rig_loop_more(loop, cl[0]), 0);
	ck_assert_int_eq(rig_loop_run_once(loop, 1000), 1);
	ck_assert_int_eq(p.n, 3);
	ck_assert_int_eq(rig_loop_run_once(loop, 0), 0);
	rig_loop_free(loop);
	close(cl[0]); close(cl[1]); close(dev[0]); close(dev[1]);
}
END_TEST

/* Reads one line (or EOF) from a client socket within about a second. */
static int read_line_from(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	int64_t end = rig_monotonic_ns() + (int64_t)timeout_ms * 1000000;
	while (got < len - 1 && rig_monotonic_ns() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 20) != 1)
			continue;
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (buf[got - 1] == '\n')
			break;
	}
	buf[got] = '\0';
	return (int)got;
}

START_TEST(clients_beyond_the_limit_get_a_refusal)
{
	struct server_fixture f;
	server_up(&f);
	f.srv.max_clients = 3;
	int fds[4];
	for (int i = 0; i < 4; i++) {
		fds[i] = connect_to(f.path);
		spin(&f, 2);
	}
	ck_assert_int_eq(ctl_server_client_count(&f.srv), 3);
	char buf[256];
	spin(&f, 1);
	ck_assert_int_gt(read_line_from(fds[3], buf, sizeof(buf), 500), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ok\":false"));
	ck_assert_ptr_nonnull(strstr(buf, "too many control clients (3 connected)"));
	ck_assert_int_eq(read(fds[3], buf, sizeof(buf)), 0);	/* then closed */
	/* The ones in keep working. */
	ck_assert_int_eq(write(fds[0], "{\"cmd\":\"ping\"}\n", 15), 15);
	read_reply(fds[0], buf, sizeof(buf), &f);
	ck_assert_str_eq(buf, "{\"ok\":true}\n");
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	spin(&f, 3);
	server_down(&f);
}
END_TEST

/* The descriptor limit that leaves exactly `room` free numbers below it. */
static int fd_limit_with_room(int room)
{
	int fd = 0;
	for (int free_slots = 0; free_slots < room; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			free_slots++;
	return fd;
}

/* A server in a child with few descriptors (as `ulimit -n 24`), for a
 * second, logging to a file; the parent opens many more clients than it
 * can hold. Out of descriptors, the loop must neither spin nor flood the
 * log, and the extra clients get a refusal. */
static void run_starved_server(const char *path, const char *log_path)
{
	/* Room for the log, the loop, the listener, the reserve and a dozen
	 * clients, whatever the test runner left open. */
	rlim_t limit = (rlim_t)fd_limit_with_room(16);
	struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(2);
	FILE *log = fopen(log_path, "w");
	if (!log)
		_exit(3);
	setvbuf(log, NULL, _IOLBF, 0);
	rig_log_set_stream(log);
	struct server_fixture f;
	memset(&f, 0, sizeof(f));
	f.loop = rig_loop_new();
	struct rig_error err;
	if (!f.loop || ctl_server_open(&f.srv, f.loop, path, "", echo_request, &f, &err) < 0)
		_exit(4);
	f.srv.max_clients = 1000;	/* the descriptors run out first */
	int64_t end = rig_monotonic_ns() + 1500 * 1000000LL;
	while (rig_monotonic_ns() < end) {
		rig_loop_run_once(f.loop, 50);
		ctl_server_sweep(&f.srv);
	}
	ctl_server_close(&f.srv);
	fclose(log);
	_exit(0);
}

START_TEST(out_of_descriptors_neither_spins_nor_floods)
{
	char dir[] = "/tmp/rigd-nofile-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[108], log_path[128];
	snprintf(path, sizeof(path), "%s/rigd.sock", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		run_starved_server(path, log_path);
	for (int i = 0; i < 200 && !ctl_socket_live(path); i++)
		usleep(10000);
	enum { N = 60 };
	int fds[N], connected = 0, refused = 0, served = 0;
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_un addr = {.sun_family = AF_UNIX};
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
		int rc = -1;
		for (int t = 0; t < 50 && rc < 0; t++) {
			rc = connect(fds[i], (struct sockaddr *)&addr, sizeof(addr));
			if (rc < 0 && errno != EAGAIN)
				break;
			if (rc < 0)
				usleep(5000);
		}
		if (rc == 0)
			connected++;
		usleep(2000);
	}
	ck_assert_int_gt(connected, 30);
	char buf[256];
	for (int i = 0; i < N; i++) {
		ssize_t ignored = send(fds[i], "{\"cmd\":\"ping\"}\n", 15, MSG_NOSIGNAL);
		(void)ignored;
	}
	for (int i = 0; i < N; i++) {
		if (read_line_from(fds[i], buf, sizeof(buf), 300) <= 0)
			continue;
		if (strstr(buf, "out of file descriptors"))
			refused++;
		else if (strcmp(buf, "{\"ok\":true}\n") == 0)
			served++;
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	FILE *log = fopen(log_path, "r");
	ck_assert_ptr_nonnull(log);
	int log_lines = 0;
	while (fgets(buf, sizeof(buf), log))
		log_lines++;
	fclose(log);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	unlink(log_path);
	rmdir(dir);
	/* A spinning loop burns the whole 1.5 s and logs millions of lines. */
	ck_assert_msg(cpu < 0.7, "the server used %.2f s of CPU in 1.5 s", cpu);
	ck_assert_msg(log_lines <= 5, "%d log lines", log_lines);
	ck_assert_int_gt(served, 0);
	ck_assert_int_gt(refused, 0);
}
END_TEST

START_TEST(readiness_goes_to_notify_socket)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(rig_notify("READY=1"), 0);	/* not under systemd */
	char path[] = "/tmp/rigd-notify-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(path));
	char sock[96];
	snprintf(sock, sizeof(sock), "%s/notify", path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	setenv("NOTIFY_SOCKET", sock, 1);
	ck_assert_int_eq(rig_notify("READY=1\nSTATUS=idle"), 1);
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(n, 19);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1\nSTATUS=idle");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(rig_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(sock);
	rmdir(path);
}
END_TEST

Suite *suite_control(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("requests");
	tcase_add_test(tc, start_request_is_parsed);
	tcase_add_test(tc, reading_request_is_parsed);
	tcase_add_test(tc, bad_start_requests_say_why);
	tcase_add_test(tc, start_request_carries_the_expected_model);
	tcase_add_test(tc, an_override_without_who_is_refused);
	tcase_add_test(tc, malformed_and_unknown_requests);
	tcase_add_test(tc, simple_commands_and_filters);
	tcase_add_test(tc, queue_and_dequeue_requests);
	tcase_add_test(tc, error_line_is_json_with_escaping);
	suite_add_tcase(s, tc);
	tc = tcase_create("buffers");
	tcase_add_test(tc, linebuf_splits_lines_across_feeds);
	tcase_add_test(tc, linebuf_refuses_an_oversized_line);
	tcase_add_test(tc, outbuf_caps_and_drains);
	tcase_add_test(tc, json_numbers_never_nan);
	tcase_add_test(tc, a_hung_up_client_is_seen_before_its_end_is_read);
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_add_test(tc, loop_dispatches_fds_and_the_deadline);
	tcase_add_test(tc, socket_is_0660_and_a_live_one_is_not_stolen);
	tcase_add_test(tc, socket_group_is_set);
	tcase_add_test(tc, many_clients_malformed_and_pipelined_requests);
	tcase_add_test(tc, oversized_request_drops_the_client);
	tcase_add_test(tc, a_client_that_never_reads_is_dropped_not_waited_for);
	tcase_add_test(tc, readiness_goes_to_notify_socket);
	tcase_add_test(tc, a_streaming_client_does_not_hold_the_loop);
	tcase_add_test(tc, devices_are_served_before_clients_in_a_turn);
	tcase_add_test(tc, clients_beyond_the_limit_get_a_refusal);
	tcase_add_test(tc, out_of_descriptors_neither_spins_nor_floods);
	suite_add_tcase(s, tc);
	return s;
}
