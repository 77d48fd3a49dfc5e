/* The run record of the capture format v2 (rig/core/recording.h) and its
 * offline re-analysis (rig/core/analyse.h): tokens and lines survive a
 * round trip exactly; a run recorded the way rigd records it (every input
 * through rig_rec_apply, every event taken formatted) is reproduced event
 * for event; the same record with one edge moved by 1 ns is not; a v1
 * file, missing or altered evidence and bad lines are said for what they are. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/edge/capture.h"
#include "rig/core/analyse.h"
#include "rig/core/recording.h"
#include "rig/core/sha256.h"
#include "rig/core/text_file.h"

/* --- tokens and lines ------------------------------------------------------------ */

static void check_token(const char *text, size_t len)
{
	char tok[1024], back[256];
	size_t n;
	ck_assert_int_ge(rig_rec_escape(text, len, tok, sizeof(tok)), 1);
	ck_assert_ptr_null(strchr(tok, ' '));
	ck_assert_ptr_null(strchr(tok, '\n'));
	ck_assert_str_ne(tok, "-");
	ck_assert_int_eq(rig_rec_unescape(tok, back, sizeof(back), &n), 0);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(back, text, len) == 0);
}

START_TEST(tokens_round_trip_every_byte)
{
	check_token("", 0);
	check_token("-", 1);
	check_token("a b\\c\n\r\t=", 9);
	check_token("\x01\x7f\xff\x80 end", 9);
	check_token("x\0y", 3);
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	check_token(all, 200);
	/* text pieces keep their spaces and say a newline as \n */
	char tok[64], back[64];
	size_t n;
	ck_assert_int_gt(rig_rec_escape_text("name = x\n", 9, tok, sizeof(tok)), 0);
	ck_assert_str_eq(tok, "name = x\\n");
	ck_assert_int_eq(rig_rec_unescape(tok, back, sizeof(back), &n), 0);
	ck_assert_str_eq(back, "name = x\n");
	ck_assert_int_eq(rig_rec_unescape("bad\\q", back, sizeof(back), &n), -1);
	ck_assert_int_eq(rig_rec_unescape("bad\\x4", back, sizeof(back), &n), -1);
	ck_assert_int_eq(rig_rec_escape("long text", 9, tok, 4), -1);
}
END_TEST

static void round_trip(const struct rig_rec_input *in)
{
	char line[RIG_REC_MAX_LINE], again[RIG_REC_MAX_LINE], why[160];
	struct rig_rec_input out;
	ck_assert_int_gt(rig_rec_format_input(line, sizeof(line), in), 0);
	ck_assert_msg(rig_rec_parse_input(line, &out, why, sizeof(why)) == 0, "%s: %s", line, why);
	ck_assert_int_gt(rig_rec_format_input(again, sizeof(again), &out), 0);
	ck_assert_str_eq(line, again);
	ck_assert_int_eq(out.kind, in->kind);
	ck_assert(memcmp(&out.power_w, &in->power_w, sizeof(double)) == 0);
	ck_assert_int_eq(out.has_text, in->has_text);
	ck_assert_str_eq(out.text, in->text);
	ck_assert(out.now_ns == in->now_ns && out.position == in->position && out.sig == in->sig);
	ck_assert(out.edge.timestamp_ns == in->edge.timestamp_ns && out.edge.kind == in->edge.kind &&
		  out.edge.line == in->edge.line && out.edge.line_seqno == in->edge.line_seqno &&
		  out.edge.global_seqno == in->edge.global_seqno);
	ck_assert(out.count == in->count && out.high == in->high && out.ok == in->ok);
}

START_TEST(every_input_kind_round_trips_exactly)
{
	struct rig_rec_input in = {.kind = RIG_REC_DONE, .now_ns = 123456789012345, .ok = true,
				   .power_w = 0.1 + 0.2};
	round_trip(&in);	/* no text: NULL */
	in.has_text = true;
	round_trip(&in);	/* "" */
	in.ok = false;
	in.power_w = -0.0;
	snprintf(in.text, sizeof(in.text), "-223,\"Data out of range\" \\ -");
	round_trip(&in);
	in.power_w = nextafter(1e-300, 1);
	round_trip(&in);
	struct rig_rec_input e = {.kind = RIG_REC_EDGE, .position = -1, .sig = RIG_SIG_REFERENCE,
				  .edge = {.timestamp_ns = 9007199254740993LL, .global_seqno = 18,
					   .line_seqno = 7, .line = 31, .kind = RIG_EDGE_FALLING}};
	round_trip(&e);
	e.position = 16;
	e.sig = RIG_SIG_LOAD_LED;
	e.edge.kind = RIG_EDGE_RISING;
	round_trip(&e);
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_LOST, .position = 2, .sig = RIG_SIG_KH100,
					   .count = 3});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_LEVEL, .position = 4,
					   .sig = RIG_SIG_REVERSE_LED, .high = true});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_TICK, .now_ns = -5});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_START, .now_ns = 1});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_ABORT, .now_ns = 2, .has_text = true,
					   .text = "operator pressed stop"});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_FAULT, .now_ns = 3});
	/* losses on lines not known yet, and a drained input's proof */
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_LOST, .position = 0, .sig = RIG_SIG_KH10,
					   .count = 2});
	round_trip(&(struct rig_rec_input){.kind = RIG_REC_COMPLETE, .now_ns = 7000000000});
}
END_TEST

START_TEST(bad_input_lines_say_why)
{
	struct rig_rec_input in;
	char why[160];
	ck_assert_int_eq(rig_rec_parse_input("seq edge 1 kh10 12 0 X 1 1", &in, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "edge kind"));
	ck_assert_int_eq(rig_rec_parse_input("seq bogus 1", &in, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "bogus"));
	ck_assert_int_eq(rig_rec_parse_input("seq tick", &in, why, sizeof(why)), -1);
	ck_assert_int_eq(rig_rec_parse_input("seq tick 1 2", &in, why, sizeof(why)), -1);
	ck_assert_int_eq(rig_rec_parse_input("seq tick  1", &in, why, sizeof(why)), -1);
	ck_assert_int_eq(rig_rec_parse_input("seq level 1 kh99 1", &in, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "signal"));
	ck_assert_int_eq(rig_rec_parse_input("seq done 5 maybe 0x0p+0 -", &in, why, sizeof(why)), -1);
	ck_assert_int_eq(rig_rec_parse_input("seq done 5 ok 1.5z -", &in, why, sizeof(why)), -1);
}
END_TEST

START_TEST(events_differing_in_one_bit_format_differently)
{
	struct rig_seq_event a;
	memset(&a, 0, sizeof(a));
	a.kind = RIG_EV_POINT_RESULT;
	a.result.point = 2;
	a.result.position = 3;
	a.result.attempt = 1;
	a.result.verdict = RIG_VERDICT_PASS;
	a.result.gate.state = RIG_GATE_DONE;
	a.result.gate.error_pct = 0.1394;
	a.result.gate.u_pct = 0.0449;
	snprintf(a.result.detail, sizeof(a.result.detail), "error +0.1394 %% U 0.0449 %%");
	struct rig_seq_event b = a;
	b.result.gate.error_pct = nextafter(a.result.gate.error_pct, 1);
	char la[RIG_REC_MAX_LINE], lb[RIG_REC_MAX_LINE], v[200];
	ck_assert_int_gt(rig_rec_format_event(la, sizeof(la), &a), 0);
	ck_assert_int_gt(rig_rec_format_event(lb, sizeof(lb), &b), 0);
	ck_assert_str_ne(la, lb);
	b = a;
	b.result.gate.budget.term[RIG_U_QUANTUM].contribution = nextafter(0, 1);	/* the budget counts */
	ck_assert_int_gt(rig_rec_format_event(lb, sizeof(lb), &b), 0);
	ck_assert_str_ne(la, lb);
	b = a;
	ck_assert_int_gt(rig_rec_format_event(lb, sizeof(lb), &b), 0);
	ck_assert_str_eq(la, lb);
	ck_assert_int_eq(rig_rec_field(la, "detail", v, sizeof(v)), 0);
	ck_assert_str_eq(v, a.result.detail);
	ck_assert_int_eq(rig_rec_field(la, "position", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "3");
	ck_assert_double_eq(strtod((rig_rec_field(la, "error_pct", v, sizeof(v)), v), NULL), 0.1394);
	ck_assert_int_eq(rig_rec_field(la, "nonesuch", v, sizeof(v)), -1);
}
END_TEST

START_TEST(the_replay_input_skips_the_run_record_of_v2_only)
{
	struct capture_reader r;
	struct capture_record rec;
	struct rig_error err = {0};
	capture_reader_init(&r, "x.cap");
	ck_assert_int_eq(capture_reader_line(&r, "# rig edge capture v2", &rec, &err), 0);
	ck_assert_int_eq(capture_reader_line(&r, "seq tick 5", &rec, &err), 0);
	ck_assert_int_eq(rec.kind, CAPTURE_SKIP);
	ck_assert_int_eq(capture_reader_line(&r, "t some text = with spaces and a very long line "
						 "that is longer than any edge line could be ......",
					     &rec, &err),
			 0);
	ck_assert_int_eq(capture_reader_line(&r, "E 10 0 R 1 1", &rec, &err), 0);
	ck_assert_int_eq(rec.kind, CAPTURE_EDGE);
	capture_reader_init(&r, "old.cap");
	ck_assert_int_eq(capture_reader_line(&r, "# rig edge capture v1", &rec, &err), 0);
	ck_assert_int_eq(capture_reader_line(&r, "seq tick 5", &rec, &err), -1);
	ck_assert_int_eq(err.line, 2);
}
END_TEST

/* --- a run recorded as rigd records it -------------------------------------------- */

#define MAX_LINES 40000
#define T0 (5000 * RIG_NS_PER_S)

static const char profile_text[] =
	"[profile]\n"
	"name = rec\n"
	"indeterminate = report\n"
	"max_retests = 1\n"
	"[defaults]\n"
	"voltage = 120 V\n"
	"frequency = 60 Hz\n"
	"output = 10\n"
	"band = 0.5 %\n"
	"target_uncertainty = 0.1 %\n"
	"settle = 5 s\n"
	"min_gate = 20 s\n"
	"max_gate = 120 s\n"
	"min_edges = 3\n"
	"elements = all\n"
	"[point full-load]\n"
	"kind = accuracy\n"
	"current = 100 %\n"
	"[point light-load]\n"
	"kind = accuracy\n"
	"current = 25 %\n";

static char *fixture_text, *spec_text;
static size_t fixture_len, spec_len;

struct recording {
	char *lines[MAX_LINES];
	int n;
};

static struct recording rec;

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	char buf[RIG_REC_MAX_LINE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck_assert_int_lt(rec.n, MAX_LINES);
	rec.lines[rec.n++] = strdup(buf);
}

static void add_text(const char *kind, const char *text, size_t len)
{
	char hex[65], tok[RIG_REC_TEXT_CHUNK * 4 + 1];
	rig_sha256_hex(text, len, hex);
	add("text %s %zu %s %s.file", kind, len, hex, kind);
	for (size_t at = 0; at < len;) {
		size_t n = 0;
		while (at + n < len && n < RIG_REC_TEXT_CHUNK && text[at + n++] != '\n')
			;
		ck_assert_int_ge(rig_rec_escape_text(text + at, n, tok, sizeof(tok)), 0);
		add("t %s", tok);
		at += n;
	}
}

/* The shell: an input is recorded, then made. */
static void input(struct rig_seq *s, const struct rig_rec_input *in)
{
	char line[RIG_REC_MAX_LINE];
	ck_assert_int_gt(rig_rec_format_input(line, sizeof(line), in), 0);
	add("%s", line);
	rig_rec_apply(s, in);
}

/* The outputs the recorded meter drives, on position 1's lines of
 * fixtures/sim.conf: Kh 10, 100, 1000, the 1 kWh counter, the load LED. */
#define N_REC_OUT 5
static const enum rig_signal rec_sig[N_REC_OUT] = { RIG_SIG_KH10, RIG_SIG_KH100, RIG_SIG_KH1000,
						    RIG_SIG_COUNTER, RIG_SIG_LOAD_LED };
static const uint32_t rec_line[N_REC_OUT] = { 0, 1, 2, 3, 6 };
static const double rec_kh[N_REC_OUT] = { 10, 100, 1000, 1000, 10 };
#define REC_POWER_LED_LINE 5

struct bench {
	struct rig_seq *seq;
	int64_t now;
	bool pending, done;
	int64_t done_at;
	enum rig_cmd_kind cmd;
	double watts;		/* the source's power while on */
	double ratio;		/* meter (primary) energy per source energy */
	bool on;
	uint64_t seqno;			/* global, over every line */
	int64_t next_edge[N_REC_OUT];
	uint64_t line_seqno[N_REC_OUT + 1];	/* the last: the power LED */
	bool power_led;
	int results;
};

/* Events taken one by one, each recorded; commands complete 50 ms later. */
static void drain(struct bench *b)
{
	struct rig_seq_event ev;
	char line[RIG_REC_MAX_LINE];
	while (rig_seq_next_event(b->seq, &ev) == 1) {
		ck_assert_int_gt(rig_rec_format_event(line, sizeof(line), &ev), 0);
		add("%s", line);
		if (ev.kind == RIG_EV_COMMAND) {
			b->pending = true;
			b->cmd = ev.cmd.kind;
			b->done_at = b->now + RIG_NS_PER_S / 20;
			if (ev.cmd.kind == RIG_CMD_APPLY) {
				b->watts = 0;
				for (int k = 0; k < 2; k++)
					b->watts += ev.cmd.sp.ph[k].voltage_v * ev.cmd.sp.ph[k].current_a *
						    cos((ev.cmd.sp.ph[k].voltage_angle_deg -
							 ev.cmd.sp.ph[k].current_angle_deg) * M_PI / 180);
			}
		}
		b->results += ev.kind == RIG_EV_POINT_RESULT;
		b->done = b->done || ev.kind == RIG_EV_RUN_DONE;
	}
}

/* A meter 0.2 % fast, with a little timestamp jitter, on every output of
 * position 1 (lines 0.. of fixtures/sim.conf), its power LED lit while the
 * source is on; the source reads its power 0.01 % high. */
static void record_run(const struct rig_fixture *fix, const char *fix_text, size_t fix_len)
{
	static struct rig_profile prof;
	struct rig_error err = {0};
	ck_assert_int_eq(rig_profile_parse(profile_text, strlen(profile_text), "profile.file", &prof, &err), 0);
	static struct rig_run_plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.profile = &prof;
	plan.fixture = fix;
	ck_assert_int_eq(rig_model_decode("MMD-120-2001", &plan.pos[0].model, &err), 0);
	plan.pos[0].present = true;
	snprintf(plan.pos[0].serial, sizeof(plan.pos[0].serial), "S 1");

	add("%s", RIG_REC_HEADER_V2);
	add("run test-run-1");
	add("meta station bench");
	add_text("profile", profile_text, strlen(profile_text));
	add_text("fixture", fix_text, fix_len);
	add_text("refspec", spec_text, spec_len);
	add("plan 1 MMD-120-2001 S\\x201");
	struct bench b = {.seq = rig_seq_new(), .now = T0,
			  .ratio = plan.pos[0].model.ct_primary_a / plan.pos[0].model.ct_secondary_a};
	ck_assert_int_eq(rig_seq_start(b.seq, &plan, b.now, &err), 0);
	add("seq start %lld", (long long)b.now);
	unsigned jitter = 12345;
	while (!b.done) {
		drain(&b);
		if (b.done)
			break;
		int64_t next = b.now + RIG_NS_PER_S / 10;
		if (rig_seq_next_deadline(b.seq) < next)
			next = rig_seq_next_deadline(b.seq);
		if (b.pending && b.done_at < next)
			next = b.done_at;
		int o_next = -1;
		for (int o = 0; b.on && o < N_REC_OUT; o++)
			if (b.next_edge[o] < next) {
				next = b.next_edge[o];
				o_next = o;
			}
		if (next <= b.now)
			next = b.now + 1000;
		b.now = next;
		if (b.on != b.power_led) {
			b.power_led = b.on;
			uint64_t *ls = &b.line_seqno[N_REC_OUT];
			struct rig_rec_input e = {
				.kind = RIG_REC_EDGE, .position = 1, .sig = RIG_SIG_POWER_LED,
				.edge = {.timestamp_ns = b.now, .global_seqno = ++b.seqno,
					 .line_seqno = ++*ls, .line = REC_POWER_LED_LINE,
					 .kind = b.on ? RIG_EDGE_RISING : RIG_EDGE_FALLING}};
			input(b.seq, &e);
		}
		if (o_next >= 0 && b.now >= b.next_edge[o_next]) {
			int o = o_next;
			jitter = jitter * 1103515245u + 12345u;
			uint64_t ls = ++b.line_seqno[o];
			struct rig_rec_input e = {
				.kind = RIG_REC_EDGE, .position = 1, .sig = rec_sig[o],
				.edge = {.timestamp_ns = b.next_edge[o] + (int64_t)(jitter >> 16) % 50000,
					 .global_seqno = ++b.seqno, .line_seqno = ls, .line = rec_line[o],
					 .kind = ls % 2 ? RIG_EDGE_RISING : RIG_EDGE_FALLING}};
			input(b.seq, &e);
			/* Kh/2 Wh an edge at 1.002 x the power */
			b.next_edge[o] += (int64_t)(rec_kh[o] / 2 * 3600 / (b.watts * b.ratio * 1.002) * 1e9);
		} else if (b.pending && b.now >= b.done_at) {
			b.pending = false;
			if (b.cmd == RIG_CMD_OUTPUT_ON || b.cmd == RIG_CMD_APPLY) {
				b.on = b.cmd == RIG_CMD_OUTPUT_ON || b.on;
				for (int o = 0; o < N_REC_OUT; o++)
					b.next_edge[o] = b.now + RIG_NS_PER_S / 3 +
							 (int64_t)o * RIG_NS_PER_S / 7;
			}
			b.on = b.on && b.cmd != RIG_CMD_OUTPUT_OFF;
			struct rig_rec_input d = {.kind = RIG_REC_DONE, .now_ns = b.now, .ok = true,
						  .power_w = b.cmd == RIG_CMD_READ_POWER ? b.watts * 1.0001 : 0};
			input(b.seq, &d);
		} else if (rig_seq_next_deadline(b.seq) <= b.now) {
			input(b.seq, &(struct rig_rec_input){.kind = RIG_REC_TICK, .now_ns = b.now});
		}
		ck_assert_msg(b.now - T0 < 3600 * RIG_NS_PER_S, "the run did not end");
	}
	ck_assert_int_ge(b.results, 2);
	rig_seq_free(b.seq);
}

static struct rig_fixture fixture;

static void setup(void)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	char path[512];
	struct rig_error err = {0};
	snprintf(path, sizeof(path), "%s/fixtures/sim.conf", top);
	ck_assert_int_eq(rig_text_file_read(path, &fixture_text, &fixture_len, &err), 0);
	ck_assert_int_eq(rig_fixture_parse(fixture_text, fixture_len, "fixture.file", &fixture, &err), 0);
	/* the reference specification it names, as rig_fixture_load takes it */
	ck_assert(fixture.ref_spec_file[0]);
	snprintf(path, sizeof(path), "%s/fixtures/%s", top, fixture.ref_spec_file);
	ck_assert_int_eq(rig_text_file_read(path, &spec_text, &spec_len, &err), 0);
	ck_assert_int_eq(rig_fixture_use_spec(&fixture, spec_text, spec_len, "spec.file", &err), 0);
	memset(&rec, 0, sizeof(rec));
	record_run(&fixture, fixture_text, fixture_len);
}

static void teardown(void)
{
	for (int i = 0; i < rec.n; i++)
		free(rec.lines[i]);
	rec.n = 0;
	free(fixture_text);
	free(spec_text);
}

static struct rig_analysis *analyse(const struct rig_analysis_options *opt)
{
	struct rig_analysis *a = rig_analysis_new("run.cap", opt);
	ck_assert_ptr_nonnull(a);
	for (int i = 0; i < rec.n; i++) {
		struct rig_error err = {0};
		ck_assert_msg(rig_analysis_line(a, rec.lines[i], &err) == 0, "line %d: %s", i + 1,
			      err.msg);
	}
	rig_analysis_finish(a);
	return a;
}

START_TEST(a_recorded_run_is_reproduced_event_for_event)
{
	struct rig_analysis *a = analyse(NULL);
	ck_assert_int_eq(rig_analysis_n_runs(a), 1);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert_msg(rig_an_run_exact(r), "lacks '%s', mismatch at %d: %s", r->lacks,
		      r->mismatch_line, r->mismatch);
	ck_assert_str_eq(r->run_id, "test-run-1");
	ck_assert_str_eq(r->profile_name, "rec");
	ck_assert(r->ended);
	ck_assert_int_gt(r->n_events, 20);
	ck_assert_int_ge(r->n_points, 2);
	for (int i = 0; i < r->n_points; i++) {
		const struct rig_an_point *p = rig_analysis_point(a, r->first_point + i);
		ck_assert(p->exact && p->has_new && p->has_old);
		ck_assert_int_eq(p->new_verdict, p->old_verdict);
		ck_assert_int_eq(p->position, 1);
		/* what the bench did: 0.2 % fast against a reading 0.01 % high */
		ck_assert_int_eq(p->old_verdict, RIG_VERDICT_PASS);
		ck_assert_double_eq_tol(p->old_error_pct, 0.19, 0.03);
	}
	rig_analysis_free(a);
}
END_TEST

/* An edge in the middle of the first result's gate (between the power
 * read-back and the result) a nanosecond later. */
static void move_an_edge(void)
{
	int first = 0, read = 0, n = 0;
	while (strncmp(rec.lines[first], "ev result ", 10) != 0)
		first++;
	for (int k = 0; k < first; k++)
		if (strncmp(rec.lines[k], "seq done ", 9) == 0)
			read = k;
	for (int k = read; k < first; k++)
		n += strncmp(rec.lines[k], "seq edge 1 kh10 ", 16) == 0;
	ck_assert_int_ge(n, 3);
	int i = read;
	for (int seen = 0; seen <= n / 2; i++)
		seen += strncmp(rec.lines[i], "seq edge 1 kh10 ", 16) == 0;
	i--;
	struct rig_rec_input in;
	char why[160], line[RIG_REC_MAX_LINE];
	ck_assert_int_eq(rig_rec_parse_input(rec.lines[i], &in, why, sizeof(why)), 0);
	in.edge.timestamp_ns += 1;
	rig_rec_format_input(line, sizeof(line), &in);
	free(rec.lines[i]);
	rec.lines[i] = strdup(line);
}

START_TEST(one_edge_a_nanosecond_later_is_a_mismatch)
{
	move_an_edge();
	struct rig_analysis *a = analyse(NULL);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert(!rig_an_run_exact(r));
	ck_assert_int_gt(r->mismatch_line, 0);
	ck_assert_ptr_nonnull(strstr(r->mismatch, "recorded: ev "));
	const struct rig_an_point *p = rig_analysis_point(a, r->first_point);
	ck_assert_msg(!p->exact, "%s %d: %s", p->name, p->line_no, r->mismatch);
	rig_analysis_free(a);
}
END_TEST

START_TEST(another_profile_judges_the_old_evidence_again)
{
	static struct rig_profile tight;
	struct rig_error err = {0};
	char text[sizeof(profile_text) + 16];
	snprintf(text, sizeof(text), "%s", profile_text);
	char *band = strstr(text, "band = 0.5 %");
	memcpy(band, "band = 0.1 %", 12);	/* the meter is 0.2 % fast */
	ck_assert_int_eq(rig_profile_parse(text, strlen(text), "tight", &tight, &err), 0);
	struct rig_analysis_options opt = {.profile = &tight};
	struct rig_analysis *a = analyse(&opt);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert(r->rejudged && !rig_an_run_exact(r));
	ck_assert_msg(!r->rejudge_stop[0], "%s", r->rejudge_stop);
	int judged = 0;
	for (int i = 0; i < r->n_points; i++) {
		const struct rig_an_point *p = rig_analysis_point(a, r->first_point + i);
		ck_assert(p->has_old);
		if (!p->has_new)
			continue;
		judged++;
		ck_assert_int_ne(p->new_verdict, RIG_VERDICT_PASS);
	}
	ck_assert_int_ge(judged, 1);
	rig_analysis_free(a);
}
END_TEST

/* A target the evidence cannot reach: the new judgement would still be
 * measuring when the live run moved on; it stops there and says so. */
START_TEST(a_judgement_needing_more_evidence_stops_where_it_runs_out)
{
	static struct rig_profile strict;
	struct rig_error err = {0};
	char text[sizeof(profile_text) + 16];
	const char *at = strstr(profile_text, "target_uncertainty = 0.1 %");
	snprintf(text, sizeof(text), "%.*starget_uncertainty = 0.001 %%%s", (int)(at - profile_text),
		 profile_text, at + strlen("target_uncertainty = 0.1 %"));
	ck_assert_int_eq(rig_profile_parse(text, strlen(text), "strict", &strict, &err), 0);
	struct rig_analysis_options opt = {.profile = &strict};
	struct rig_analysis *a = analyse(&opt);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert_ptr_nonnull(strstr(r->rejudge_stop, "still measuring"));
	ck_assert_int_gt(r->rejudge_stop_line, 0);
	for (int i = 0; i < r->n_points; i++)
		ck_assert(!rig_analysis_point(a, r->first_point + i)->has_new);
	rig_analysis_free(a);
}
END_TEST

START_TEST(missing_or_altered_evidence_is_named)
{
	/* a profile text that no longer matches its hash */
	for (int i = 0; i < rec.n; i++)
		if (strcmp(rec.lines[i], "t name = rec\\n") == 0) {
			free(rec.lines[i]);
			rec.lines[i] = strdup("t name = rex\\n");
		}
	struct rig_analysis *a = analyse(NULL);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert(!rig_an_run_exact(r));
	ck_assert_ptr_nonnull(strstr(r->lacks, "profile text does not match its recorded SHA-256"));
	rig_analysis_free(a);

	/* without the reference specification the fixture names */
	struct recording *saved = malloc(sizeof(*saved));
	*saved = rec;
	int kept = 0;
	bool in_spec = false;
	for (int i = 0; i < saved->n; i++) {
		if (strncmp(saved->lines[i], "text ", 5) == 0)
			in_spec = strncmp(saved->lines[i], "text refspec ", 13) == 0;
		else if (strncmp(saved->lines[i], "t ", 2) != 0)
			in_spec = false;
		if (!in_spec)
			rec.lines[kept++] = saved->lines[i];
	}
	ck_assert_int_lt(kept, saved->n);
	rec.n = kept;
	a = analyse(NULL);
	r = rig_analysis_run(a, 0);
	ck_assert(!rig_an_run_exact(r) && !r->started);
	ck_assert_ptr_nonnull(strstr(r->lacks, "reference specification"));
	rig_analysis_free(a);
	rec = *saved;
	free(saved);

	/* a record cut short: what there is agrees, the end is missing */
	for (int i = 0; i < rec.n; i++)
		if (strcmp(rec.lines[i], "t name = rex\\n") == 0) {
			free(rec.lines[i]);
			rec.lines[i] = strdup("t name = rec\\n");
		}
	int keep = rec.n;
	rec.n = rec.n * 2 / 3;
	a = analyse(NULL);
	r = rig_analysis_run(a, 0);
	ck_assert_int_eq(r->n_events, r->n_events_exact);
	ck_assert(!r->ended && !rig_an_run_exact(r));
	ck_assert_ptr_nonnull(strstr(r->lacks, "ends before the run did"));
	rig_analysis_free(a);
	rec.n = keep;
}
END_TEST

START_TEST(v1_files_and_bad_lines)
{
	struct rig_error err = {0};
	struct rig_analysis *a = rig_analysis_new("old.cap", NULL);
	static const char *const v1[] = {"# rig edge capture v1", "# station=b", "# run=r-7",
					 "E 100 0 R 1 1", "V 100 6 1", "E 200 0 F 2 2"};
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++)
		ck_assert_int_eq(rig_analysis_line(a, v1[i], &err), 0);
	rig_analysis_finish(a);
	ck_assert_int_eq(rig_analysis_n_runs(a), 1);
	const struct rig_an_run *r = rig_analysis_run(a, 0);
	ck_assert_str_eq(r->run_id, "r-7");
	ck_assert_int_eq(r->version, 1);
	ck_assert_ptr_nonnull(strstr(r->lacks, "no profile or fixture text"));
	ck_assert_ptr_nonnull(strstr(r->lacks, "power read-backs"));
	ck_assert(!rig_an_run_exact(r));
	ck_assert_int_eq(rig_analysis_line(a, "seq tick 1", &err), -1);
	ck_assert_str_eq(err.file, "old.cap");
	ck_assert_int_eq(err.line, 7);
	rig_analysis_free(a);

	a = rig_analysis_new("new.cap", NULL);
	ck_assert_int_eq(rig_analysis_line(a, RIG_REC_HEADER_V2, &err), 0);
	ck_assert_int_eq(rig_analysis_line(a, "seq tick 1", &err), -1);	/* before any run */
	ck_assert_int_eq(rig_analysis_line(a, "run x", &err), 0);
	ck_assert_int_eq(rig_analysis_line(a, "frobnicate 1", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "frobnicate"));
	ck_assert_int_eq(err.line, 4);
	ck_assert_int_eq(rig_analysis_line(a, "seq edge 1 kh10 5 0 Q 1 1", &err), -1);
	ck_assert_int_eq(rig_analysis_line(a, "t stray text", &err), -1);
	ck_assert_int_eq(rig_analysis_line(a, "t", &err), -1);	/* found by fuzzing: no text at all */
	ck_assert_int_eq(rig_analysis_line(a, "lack", &err), -1);
	ck_assert_int_eq(rig_analysis_line(a, "meta", &err), -1);
	ck_assert_int_eq(rig_analysis_line(a, "# rig edge capture v9", &err), -1);
	rig_analysis_free(a);
}
END_TEST

/* --- the recording is complete by construction -------------------------------------- */

static char *source_text(const char *rel)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	char path[512];
	char *text;
	size_t len;
	struct rig_error err = {0};
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	ck_assert_msg(rig_text_file_read(path, &text, &len, &err) == 0, "%s", err.msg);
	return text;
}

/* The sequencer's calls that change it; every one has a recorded form. */
static const char *const recorded_calls[] = {
	"rig_seq_start", "rig_seq_command_done", "rig_seq_edge", "rig_seq_lost", "rig_seq_level",
	"rig_seq_tick", "rig_seq_abort", "rig_seq_fault", "rig_seq_next_event",
	"rig_seq_edges_complete", "rig_seq_reading",
};
/* ... and those that do not (or make a new one). */
static const char *const other_calls[] = {
	"rig_seq_new", "rig_seq_free", "rig_seq_next_deadline", "rig_seq_state", "rig_run_state_name",
};

static bool listed(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(name, list[i], len) == 0)
			return true;
	return false;
}

/* Bit for bit holds only while every input reaches the record: a new entry
 * point of the sequencer needs a RIG_REC_* kind and a rigd_seq_* wrapper. */
START_TEST(every_sequencer_entry_point_is_known_to_the_recorder)
{
	char *h = source_text("rig/core/sequencer.h");
	int found = 0;
	for (char *p = h; (p = strstr(p, "rig_")) != NULL; p++) {
		char *name = p;
		if (p > h && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
			continue;
		size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz_");
		if (name[len] != '(' || (strncmp(name, "rig_seq_", 8) != 0 && strncmp(name, "rig_run_", 8) != 0))
			continue;
		found++;
		ck_assert_msg(listed(name, len, recorded_calls, sizeof(recorded_calls) / sizeof(recorded_calls[0])) ||
				      listed(name, len, other_calls, sizeof(other_calls) / sizeof(other_calls[0])),
			      "sequencer.h declares %.*s: record it (rig/core/recording.h, rig/rigd/recorder.c)",
			      (int)len, name);
	}
	ck_assert_int_ge(found, 14);
	free(h);
}
END_TEST

/* rigd calls the sequencer's inputs only through its recorder. */
START_TEST(rigd_feeds_the_sequencer_only_through_the_recorder)
{
	static const char *const files[] = {"rig/rigd/run.c", "rig/rigd/daemon.c", "rig/rigd/requests.c",
					    "rig/rigd/control.c", "rig/rigd/events.c", "rig/rigd/runstore.c"};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *text = source_text(files[f]);
		for (size_t i = 0; i < sizeof(recorded_calls) / sizeof(recorded_calls[0]); i++) {
			char call[64];
			snprintf(call, sizeof(call), "%s(", recorded_calls[i]);
			for (char *p = strstr(text, call); p; p = strstr(p + 1, call))
				ck_assert_msg(p > text && p[-1] == 'd' && p - text >= 4 && strncmp(p - 4, "rigd", 4) == 0,
					      "%s calls %s directly: use rigd_%s (recorder.h)", files[f],
					      recorded_calls[i], recorded_calls[i] + 4);
		}
		free(text);
	}
}
END_TEST

Suite *suite_recording(void)
{
	Suite *s = suite_create("recording");
	TCase *lines = tcase_create("lines");
	tcase_add_test(lines, tokens_round_trip_every_byte);
	tcase_add_test(lines, every_input_kind_round_trips_exactly);
	tcase_add_test(lines, bad_input_lines_say_why);
	tcase_add_test(lines, events_differing_in_one_bit_format_differently);
	tcase_add_test(lines, the_replay_input_skips_the_run_record_of_v2_only);
	tcase_add_test(lines, v1_files_and_bad_lines);
	tcase_add_test(lines, every_sequencer_entry_point_is_known_to_the_recorder);
	tcase_add_test(lines, rigd_feeds_the_sequencer_only_through_the_recorder);
	suite_add_tcase(s, lines);
	TCase *runs = tcase_create("runs");
	tcase_add_checked_fixture(runs, setup, teardown);
	tcase_add_test(runs, a_recorded_run_is_reproduced_event_for_event);
	tcase_add_test(runs, one_edge_a_nanosecond_later_is_a_mismatch);
	tcase_add_test(runs, another_profile_judges_the_old_evidence_again);
	tcase_add_test(runs, missing_or_altered_evidence_is_named);
	tcase_add_test(runs, a_judgement_needing_more_evidence_stops_where_it_runs_out);
	suite_add_tcase(s, runs);
	return s;
}
