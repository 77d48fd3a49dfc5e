/* A capture replays as a regression test: the sequencer runs in virtual time
 * against the in-process simulated bench while every edge goes to a capture
 * file and every command completion to a log; a fresh sequencer fed the same
 * completions and the capture read back through the real replay: edge input
 * must give the same point results. A capture with one edge removed must
 * not: the gap shows as lost edges. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/edge/capture.h"
#include "drivers/edge/edge_input.h"
#include "drivers/sim/bench.h"
#include "drivers/sim/sim_config.h"
#include "rig/core/sequencer.h"

#define NPOS 2
#define START_NS (1000 * RIG_NS_PER_S)
#define STEP_NS (RIG_NS_PER_S / 20)		/* the shell's poll granularity */
#define CMD_NS (RIG_NS_PER_S / 20)		/* a command takes 50 ms */
#define RUN_LIMIT_NS (4LL * 3600 * RIG_NS_PER_S)
#define MAX_LOG 256
#define MAX_RESULTS 32
#define MODEL "MMS-120-2001-SCC"

static const char profile_text[] =
	"[profile]\n"
	"name = replay\n"
	"indeterminate = report\n"
	"max_retests = 0\n"
	"[defaults]\n"
	"voltage = 120 V\n"
	"frequency = 60 Hz\n"
	"output = 10\n"
	"band = 0.5 %\n"
	"target_uncertainty = 0.1 %\n"
	"settle = 5 s\n"
	"min_gate = 20 s\n"
	"max_gate = 600 s\n"
	"min_edges = 3\n"
	"elements = all\n"
	"[point full-load]\n"
	"kind = accuracy\n"
	"current = 100 %\n"
	"[point light-lag]\n"
	"kind = accuracy\n"
	"current = 10 %\n"
	"pf = 0.5 lag\n"
	"band = 0.75 %\n";

/* Meters of known true errors; jitter so that timestamps carry noise. */
static const char sim_text[] =
	"positions = 2\n"
	"settle_s = 2\n"
	"seed = 7\n"
	"[defaults]\n"
	"model = " MODEL "\n"
	"jitter_us = 50\n"
	"[position 1]\n"
	"error_pct = 0.2\n"
	"[position 2]\n"
	"error_pct = -0.3\n"
	"error_pf_pct = 0.4\n";

struct completion {
	int64_t t_ns;
	enum rig_cmd_kind kind;
	bool ok;
	double power_w;
};

struct harness {
	struct rig_seq *seq;
	const struct rig_fixture *fix;
	int64_t now;
	bool done;
	enum rig_run_state state;

	/* live: the simulator and the recorder */
	struct sim_bench *bench;
	struct capture_writer *writer;
	long edges_written;

	/* re-run: the replayed edges and the logged completions */
	struct rig_edge *replay;
	size_t n_replay, replay_cursor;
	const struct completion *replay_log;
	int n_replay_log, log_cursor;

	/* command outstanding */
	bool pending;
	struct completion cur;

	/* what happened */
	struct completion log[MAX_LOG];
	int n_log;
	struct rig_point_result results[MAX_RESULTS];
	double truth[MAX_RESULTS];	/* live: the simulator's true error at the result */
	int n_results;
};

static struct rig_profile profile;
static struct rig_fixture fixture;
static struct rig_run_plan plan;
static struct harness live, rerun;	/* large: off the stack */
static char dir[64];
static char capture_path[128];

static void route(struct harness *h, const struct rig_edge *e)
{
	int pos;
	enum rig_signal sig;
	if (rig_fixture_route(h->fix, (int)e->line, &pos, &sig) == 0)
		rig_seq_edge(h->seq, pos, sig, e);
}

static void on_live_edge(void *ctx, const struct rig_edge *e)
{
	struct harness *h = ctx;
	struct rig_error err = { 0 };
	ck_assert_msg(capture_write_edge(h->writer, e, &err) == 0, "%s", err.msg);
	h->edges_written++;
	route(h, e);
}

/* --- the source: the simulator's SCPI (live) or the log (re-run) --------------- */

static void scpi(struct harness *h, const char *line, char *reply, size_t len)
{
	char tmp[128];
	int r = sim_bench_scpi(h->bench, h->now, line, reply ? reply : tmp,
			       reply ? len : sizeof(tmp));
	ck_assert_int_eq(r, reply ? 1 : 0);
	char err[128];
	ck_assert_int_eq(sim_bench_scpi(h->bench, h->now, "SYST:ERR?", err, sizeof(err)), 1);
	ck_assert_msg(strncmp(err, "0,", 2) == 0, "%s: %s", line, err);
}

static void live_apply(struct harness *h, const struct rig_setpoint *sp)
{
	char line[128];
	snprintf(line, sizeof(line), "SOUR:FREQ %.9g", sp->frequency_hz);
	scpi(h, line, NULL, 0);
	for (int k = 0; k < 2; k++) {
		int n = sp->ph[k].phase;
		if (n <= 0)
			continue;
		snprintf(line, sizeof(line), "SOUR:PHAS%d:VOLT:RANG 0,%.9g", n, sp->ph[k].voltage_v);
		scpi(h, line, NULL, 0);
		snprintf(line, sizeof(line), "SOUR:PHAS%d:CURR:RANG 0,%.9g", n, sp->ph[k].current_a);
		scpi(h, line, NULL, 0);
		snprintf(line, sizeof(line), "SOUR:PHAS%d:VOLT:MHAR:HARM1 %.9g,%.9g", n,
			 sp->ph[k].voltage_v, sp->ph[k].voltage_angle_deg);
		scpi(h, line, NULL, 0);
		snprintf(line, sizeof(line), "SOUR:PHAS%d:CURR:MHAR:HARM1 %.9g,%.9g", n,
			 sp->ph[k].current_a, sp->ph[k].current_angle_deg);
		scpi(h, line, NULL, 0);
		snprintf(line, sizeof(line), "SOUR:PHAS%d:VOLT:STAT 1;:SOUR:PHAS%d:CURR:STAT 1", n, n);
		scpi(h, line, NULL, 0);
	}
}

static struct completion live_command(struct harness *h, const struct rig_cmd *cmd)
{
	struct completion c = { .t_ns = h->now + CMD_NS, .kind = cmd->kind, .ok = true };
	char reply[128];
	switch (cmd->kind) {
	case RIG_CMD_OUTPUT_OFF:
		scpi(h, "OUTP:STAT OFF", NULL, 0);
		break;
	case RIG_CMD_APPLY:
		live_apply(h, &cmd->sp);
		break;
	case RIG_CMD_OUTPUT_ON:
		scpi(h, "OUTP:STAT ON", NULL, 0);
		break;
	case RIG_CMD_READ_POWER:
		scpi(h, "SOUR:POW:WATT?", reply, sizeof(reply));
		c.power_w = strtod(reply, NULL);
		break;
	}
	return c;
}

/* The logged completion, at its logged time; once the run has gone another
 * way (a damaged capture) the log may not fit: then at once, or later. */
static struct completion replayed_command(struct harness *h, const struct rig_cmd *cmd)
{
	if (h->log_cursor < h->n_replay_log) {
		struct completion c = h->replay_log[h->log_cursor++];
		if (c.t_ns < h->now)
			c.t_ns = h->now;
		c.kind = cmd->kind;
		return c;
	}
	return (struct completion){ .t_ns = h->now + CMD_NS, .kind = cmd->kind, .ok = true };
}

/* --- the shell's loop ---------------------------------------------------------- */

static void drain(struct harness *h)
{
	struct rig_seq_event ev;
	while (rig_seq_next_event(h->seq, &ev)) {
		switch (ev.kind) {
		case RIG_EV_COMMAND:
			ck_assert_msg(!h->pending, "a command while one was outstanding");
			h->cur = h->bench ? live_command(h, &ev.cmd) : replayed_command(h, &ev.cmd);
			h->pending = true;
			break;
		case RIG_EV_POINT_RESULT:
			ck_assert_int_lt(h->n_results, MAX_RESULTS);
			h->results[h->n_results] = ev.result;
			h->truth[h->n_results] = h->bench ? sim_bench_true_error(h->bench,
										 ev.result.position, h->now)
							  : NAN;
			h->n_results++;
			break;
		case RIG_EV_RUN_DONE:
			h->done = true;
			h->state = ev.run_state;
			break;
		case RIG_EV_POINT_STARTED:
		case RIG_EV_PROGRESS:
		case RIG_EV_POINT_RETRY:	/* the final attempt's result follows */
		case RIG_EV_READING_WANTED:	/* no register points in these profiles */
			break;
		}
	}
}

static void deliver_edges(struct harness *h, int64_t until)
{
	if (h->bench) {
		ck_assert_int_eq(sim_bench_advance(h->bench, until, on_live_edge, h), 0);
		return;
	}
	while (h->replay_cursor < h->n_replay && h->replay[h->replay_cursor].timestamp_ns <= until)
		route(h, &h->replay[h->replay_cursor++]);
}

static void run(struct harness *h)
{
	struct rig_error err = { 0 };
	h->seq = rig_seq_new();
	ck_assert_ptr_nonnull(h->seq);
	h->fix = &fixture;
	h->now = START_NS;
	ck_assert_msg(rig_seq_start(h->seq, &plan, h->now, &err) == 0, "%s", err.msg);
	while (!h->done) {
		drain(h);
		if (h->done)
			break;
		int64_t next = h->now + STEP_NS;
		int64_t deadline = rig_seq_next_deadline(h->seq);
		if (deadline < next)
			next = deadline;
		if (h->pending && h->cur.t_ns < next)
			next = h->cur.t_ns;
		if (next <= h->now)
			next = h->now + 1000;	/* a deadline already due: tick just after */
		deliver_edges(h, next);
		h->now = next;
		if (h->pending && h->now >= h->cur.t_ns) {
			h->pending = false;
			ck_assert_int_lt(h->n_log, MAX_LOG);
			h->log[h->n_log++] = h->cur;
			rig_seq_command_done(h->seq, h->now, h->cur.ok, h->cur.ok ? NULL : "failed",
					     h->cur.power_w);
		}
		rig_seq_tick(h->seq, h->now);
		ck_assert_msg(h->now - START_NS < RUN_LIMIT_NS, "run did not end");
	}
	rig_seq_free(h->seq);
	h->seq = NULL;
}

/* --- setup --------------------------------------------------------------------- */

static void setup(void)
{
	struct rig_error err = { 0 };
	char buf[400];
	ck_assert_msg(rig_profile_parse(profile_text, strlen(profile_text), "replay.profile",
					&profile, &err) == 0,
		      "%s", rig_error_format(&err, buf, sizeof(buf)));
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	char path[512];
	snprintf(path, sizeof(path), "%s/fixtures/sim.conf", top);
	ck_assert_msg(rig_fixture_load(path, &fixture, &err) == 0, "%s",
		      rig_error_format(&err, buf, sizeof(buf)));
	fixture.n_positions = NPOS;

	memset(&plan, 0, sizeof(plan));
	plan.profile = &profile;
	plan.fixture = &fixture;
	for (int p = 0; p < NPOS; p++) {
		plan.pos[p].present = true;
		snprintf(plan.pos[p].serial, sizeof(plan.pos[p].serial), "SIM%04d", p + 1);
		ck_assert_msg(rig_model_decode(MODEL, &plan.pos[p].model, &err) == 0, "%s", err.msg);
	}
	memset(&live, 0, sizeof(live));
	memset(&rerun, 0, sizeof(rerun));
	snprintf(dir, sizeof(dir), "/tmp/rig-replay-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(capture_path, sizeof(capture_path), "%s/run.capture", dir);
}

static void teardown(void)
{
	char damaged[160];
	snprintf(damaged, sizeof(damaged), "%s/damaged.capture", dir);
	unlink(capture_path);
	unlink(damaged);
	rmdir(dir);
	sim_bench_free(live.bench);
	free(rerun.replay);
}

static struct sim_bench *new_bench(void)
{
	struct sim_config c;
	struct rig_error err = { 0 };
	char buf[400];
	sim_config_init(&c);
	sim_config_from_fixture(&c, &fixture);
	ck_assert_msg(sim_config_parse(&c, sim_text, strlen(sim_text), "replay.sim",
				       rig_model_decode, &err) == 0,
		      "%s", rig_error_format(&err, buf, sizeof(buf)));
	c.bench.start_ns = START_NS;
	struct sim_bench *b = sim_bench_new(&c.bench);
	ck_assert_ptr_nonnull(b);
	char reply[64];
	ck_assert_int_eq(sim_bench_scpi(b, START_NS, "*RST", reply, sizeof(reply)), 0);
	return b;
}

static void run_live(void)
{
	struct rig_error err = { 0 };
	FILE *f = fopen(capture_path, "w");
	ck_assert_ptr_nonnull(f);
	struct capture_writer w;
	const char *kv[] = { "fixture=sim-bench-4", "run=replay-test" };
	ck_assert_msg(capture_writer_start(&w, f, kv, 2, &err) == 0, "%s", err.msg);
	live.bench = new_bench();
	live.writer = &w;
	run(&live);
	live.writer = NULL;
	ck_assert_msg(capture_writer_flush(&w, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(fclose(f), 0);
}

/* Reads the whole capture through the replay: input, in batches. */
static void load_replay(struct harness *h, const char *path)
{
	struct edge_input_line lines[NPOS * RIG_SIG_COUNT];
	size_t n_lines = 0;
	for (int p = 0; p < NPOS; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			if (fixture.pos[p][s].line >= 0)
				lines[n_lines++] = (struct edge_input_line){
					(unsigned)fixture.pos[p][s].line, fixture.pos[p][s].active_low };
	char spec[200];
	snprintf(spec, sizeof(spec), "replay:%s", path);
	struct rig_error err = { 0 };
	struct edge_input *in = edge_input_open(spec, lines, n_lines, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	size_t cap = 0;
	int batches = 0;
	for (;;) {
		if (h->n_replay + 64 > cap) {
			cap = cap ? 2 * cap : 1024;
			h->replay = realloc(h->replay, cap * sizeof(*h->replay));
			ck_assert_ptr_nonnull(h->replay);
		}
		int n = in->ops->read(in, h->replay + h->n_replay, 64, &err);
		ck_assert_msg(n >= 0, "%s", err.msg);
		if (n == 0)
			break;
		h->n_replay += (size_t)n;
		batches++;
	}
	ck_assert(edge_input_replay_done(in));
	ck_assert_int_gt(batches, 1);
	edge_input_close(in);
}

static void run_replayed(struct harness *h, const char *path)
{
	load_replay(h, path);
	h->replay_log = live.log;
	h->n_replay_log = live.n_log;
	run(h);
}

static const struct rig_point_result *find(const struct harness *h, int point, int position)
{
	for (int i = 0; i < h->n_results; i++)
		if (h->results[i].point == point && h->results[i].position == position)
			return &h->results[i];
	return NULL;
}

/* --- tests --------------------------------------------------------------------- */

START_TEST(test_live_run_is_not_trivial)
{
	run_live();
	ck_assert_int_eq(live.state, RIG_RUN_PASSED);
	ck_assert_int_eq(live.n_results, profile.n_points * NPOS);
	ck_assert_int_gt(live.edges_written, 100);
	for (int i = 0; i < live.n_results; i++) {
		const struct rig_point_result *r = &live.results[i];
		ck_assert_int_eq(r->attempt, 1);
		ck_assert_int_eq(r->verdict, RIG_VERDICT_PASS);
		ck_assert_int_ge(r->gate.edges_used, profile.points[r->point].min_edges);
		ck_assert(r->gate.gate_s >= profile.points[r->point].min_gate_s);
		ck_assert(r->gate.u_pct > 0);
		ck_assert_msg(fabs(r->gate.error_pct - live.truth[i]) <= r->gate.u_pct,
			      "point %d position %d: %.4f %% measured, %.4f %% true, U %.4f %%",
			      r->point, r->position, r->gate.error_pct, live.truth[i], r->gate.u_pct);
	}
	/* the meters differ, so a mixed-up position would show */
	ck_assert(fabs(find(&live, 0, 1)->gate.error_pct - find(&live, 0, 2)->gate.error_pct) > 0.3);
}
END_TEST

START_TEST(test_replay_gives_the_same_results)
{
	run_live();
	run_replayed(&rerun, capture_path);
	ck_assert_int_eq(rerun.n_replay, (size_t)live.edges_written);
	ck_assert_int_eq(rerun.state, live.state);
	ck_assert_int_eq(rerun.n_log, live.n_log);
	for (int i = 0; i < live.n_log; i++) {
		ck_assert_int_eq(rerun.log[i].kind, live.log[i].kind);
		ck_assert_int_eq(rerun.log[i].t_ns, live.log[i].t_ns);
	}
	ck_assert_int_eq(rerun.n_results, live.n_results);
	for (int i = 0; i < live.n_results; i++) {
		const struct rig_point_result *a = &live.results[i], *b = &rerun.results[i];
		ck_assert_int_eq(b->point, a->point);
		ck_assert_int_eq(b->position, a->position);
		ck_assert_int_eq(b->attempt, a->attempt);
		ck_assert_int_eq(b->verdict, a->verdict);
		ck_assert_int_eq(b->gate.state, a->gate.state);
		ck_assert_double_eq_tol(b->gate.error_pct, a->gate.error_pct, 1e-12);
		ck_assert_double_eq_tol(b->gate.u_pct, a->gate.u_pct, 1e-12);
		ck_assert_int_eq(b->gate.edges_used, a->gate.edges_used);
		ck_assert_double_eq_tol(b->gate.gate_s, a->gate.gate_s, 1e-12);
		ck_assert_double_eq_tol(b->reference_w, a->reference_w, 1e-9);
	}
}
END_TEST

/* Copies the capture without the line-0 (position 1, Kh 10) edge nearest
 * the middle of the first point's gate. */
static void write_damaged(const char *damaged)
{
	const struct rig_point_result *r = find(&live, 0, 1);
	ck_assert_ptr_nonnull(r);
	/* the result came at the end of its gate */
	int64_t end = 0;
	for (int i = 0; i < live.n_log; i++)
		if (live.log[i].kind == RIG_CMD_APPLY && live.log[i].t_ns > START_NS + RIG_NS_PER_S) {
			end = live.log[i].t_ns;	/* the next point's apply follows the results */
			break;
		}
	ck_assert_int_gt(end, 0);
	int64_t middle = end - (int64_t)(r->gate.gate_s / 2 * RIG_NS_PER_S);

	FILE *in = fopen(capture_path, "r"), *out = fopen(damaged, "w");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	char line[CAPTURE_MAX_LINE * 2];
	int removed = 0;
	while (fgets(line, sizeof(line), in)) {
		struct capture_record rec;
		char why[96];
		size_t n = strcspn(line, "\n");
		char text[sizeof(line)];
		memcpy(text, line, n);
		text[n] = '\0';
		ck_assert_msg(capture_parse_line(text, &rec, why, sizeof(why)) == 0, "%s", why);
		if (!removed && rec.kind == CAPTURE_EDGE && rec.edge.line == 0 &&
		    rec.edge.timestamp_ns >= middle) {
			removed = 1;
			continue;
		}
		fputs(line, out);
	}
	ck_assert_int_eq(removed, 1);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

START_TEST(test_a_missing_edge_shows_as_lost)
{
	run_live();
	char damaged[160];
	snprintf(damaged, sizeof(damaged), "%s/damaged.capture", dir);
	write_damaged(damaged);
	run_replayed(&rerun, damaged);
	ck_assert_int_eq(rerun.n_replay, (size_t)live.edges_written - 1);
	const struct rig_point_result *a = find(&live, 0, 1), *b = find(&rerun, 0, 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->gate.lost_edges, 0);
	ck_assert_uint_ge(b->gate.lost_edges, 1);
	/* lost edges void the gate; the profile allows no retest, so an error */
	ck_assert_int_eq(b->attempt, 1);
	ck_assert_int_eq(b->verdict, RIG_VERDICT_ERROR);
	ck_assert_int_eq(b->gate.state, RIG_GATE_INVALID);
	ck_assert_int_ne(rerun.state, live.state);
	/* the other meter's edges were all there */
	const struct rig_point_result *a2 = find(&live, 0, 2), *b2 = find(&rerun, 0, 2);
	ck_assert_ptr_nonnull(b2);
	ck_assert_int_eq(b2->verdict, a2->verdict);
	ck_assert_double_eq_tol(b2->gate.error_pct, a2->gate.error_pct, 1e-12);
}
END_TEST

Suite *suite_replay_rerun(void)
{
	Suite *s = suite_create("replay_rerun");
	TCase *tc = tcase_create("rerun");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_live_run_is_not_trivial);
	tcase_add_test(tc, test_replay_gives_the_same_results);
	tcase_add_test(tc, test_a_missing_edge_shows_as_lost);
	suite_add_tcase(s, tc);
	return s;
}
