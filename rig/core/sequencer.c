/* The test sequencer. One point at a time for every position:
 *
 *   APPLY -> [OUTPUT_ON once] -> settle -> [READ_POWER] -> measure -> results
 *
 * Positions measure in parallel; a point is skipped for a position whose
 * model it does not apply to (rig_point_applies), and entirely when it
 * applies to none. A position whose result is final for the point is left
 * alone when the point is measured again for the others (lost edges, or an
 * indeterminate verdict under the RETEST policy: the attempts then pool).
 * Stopping (abort, fault, failed command, end of profile) always sends
 * OUTPUT_OFF first, after the outstanding command (if any) completes;
 * commands still in the queue and not yet taken by the shell are dropped.
 *
 * Positions are 1-based in the interface (edges, levels, losses, results),
 * as rig_fixture_route gives them; plan->pos[] and the fixture's pos[] are
 * indexed from 0. */
#include "rig/core/sequencer.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/batch_check.h"
#include "rig/core/checks.h"
#include "rig/core/connection.h"
#include "rig/core/influence.h"
#include "rig/core/model_check.h"
#include "rig/core/register_test.h"
#include "rig/core/retest.h"
#include "rig/core/setpoint.h"

#define QUEUE_LEN 256
#define PROGRESS_NS RIG_NS_PER_S
/* Every output the customer wires or reads: the isolated Kh 10, 100 and
 * 1000 outputs, the counter drive (100 or 1000 Wh per pulse, per model)
 * and the load LED (a 10 Wh cycle, guide 2.3). The first N_KH_OUTPUTS are
 * the isolated outputs that output-consistency compares. */
#define N_OUTPUTS 5
#define N_KH_OUTPUTS 3
#define OUT_COUNTER 3
#define OUT_LOAD_LED 4
#define MAX_ATTEMPTS 11	/* a profile allows max_retests up to 10; more are not pooled */

static const double output_kh[N_OUTPUTS] = { 10, 100, 1000, 0 /* per model */, 10 };
static const enum rig_signal output_sig[N_OUTPUTS] = { RIG_SIG_KH10, RIG_SIG_KH100,
						       RIG_SIG_KH1000, RIG_SIG_COUNTER,
						       RIG_SIG_LOAD_LED };

enum phase {
	PH_IDLE,
	PH_APPLYING,		/* APPLY outstanding */
	PH_SWITCHING_ON,	/* OUTPUT_ON outstanding */
	PH_SETTLING,		/* waiting for settle_until (source-power reference) */
	PH_READING_POWER,	/* READ_POWER outstanding */
	PH_MEASURING,
	PH_STOPPING,		/* waiting to send, or waiting for, OUTPUT_OFF */
	PH_DONE,
	PH_REGISTER,		/* a register point between its commands (reg_stage says where) */
};

/* A register point: voltage only while the register is read, the load for
 * the energy, voltage only again while it is read once more. */
enum reg_stage {
	REG_BEFORE,		/* voltage-only setpoint being applied */
	REG_WAIT_BEFORE,	/* readings before wanted, until reg_wait_end_ns */
	REG_LOADING,		/* load setpoint being applied */
	REG_SETTLE_ON,		/* load on; the reference read after the settle time */
	REG_READING_POWER,	/* READ_POWER outstanding */
	REG_ENERGY,		/* load on until reg_end_ns */
	REG_UNLOADING,		/* voltage-only setpoint being applied */
	REG_SETTLE_OFF,		/* the source's ramp down and the LCD's update */
	REG_WAIT_AFTER,		/* readings after wanted, until reg_wait_end_ns */
};

struct pos_state {
	bool in_point;		/* measured in the current attempt */
	bool done;		/* measurement of this attempt complete */
	int attempt;
	struct rig_gate gate[N_OUTPUTS];
	bool gating[N_OUTPUTS];	/* which outputs this point measures */
	/* gated beside the point's own output (accuracy points): judged on
	 * their own evidence, never prolonging the point beyond reach */
	bool secondary[N_OUTPUTS];
	double kh[N_OUTPUTS];		/* Wh per cycle of each output for this model */
	int64_t own_done_ns;		/* when the point's own output finished; 0: not yet */
	bool power_led;			/* last level of the power LED */
	bool power_led_dark;		/* it was off while this attempt measured */
	struct rig_edge_count count;
	struct rig_duty duty;
	struct rig_led led;
	bool led_level;		/* last level reported */
	double share;		/* of the setpoint's power this meter sees (its elements) */
	/* duty measured on an earlier point, per output, for opposite-edge gating */
	double known_duty[N_OUTPUTS], known_u_duty[N_OUTPUTS];
	enum rig_verdict worst;
	uint64_t lost_before;	/* edges lost in the point's abandoned attempts */
	/* The point's attempts that had an estimate, per output (and the
	 * duty's), pooled for its verdict (retest.h); looks: attempts judged. */
	struct rig_attempt pool[N_OUTPUTS + 1][MAX_ATTEMPTS];
	int n_pool[N_OUTPUTS + 1];
	int looks;
	/* An accuracy point's own gate, indeterminate when done, extended
	 * instead of measured again: the looks at it so far that found it
	 * indeterminate (over the point's attempts: each was a chance of a
	 * false PASS) and the span of this attempt's first look. */
	int gate_looks;
	double first_look_s;
	/* indeterminate, and no later look could decide it (look_futile) */
	bool futile;
	/* each output line's last edge, so a gate set up later continues
	 * its chain of line sequence numbers */
	struct rig_edge last_edge[N_OUTPUTS];
	bool have_last_edge[N_OUTPUTS];
	/* connection check: edges per output line; a position silent on
	 * every line is a wiring error and is left out of later points */
	struct rig_edge_count line_count[N_OUTPUTS];
	bool line_watched[N_OUTPUTS];
	bool wiring_error;
	bool led_lit;		/* power or reverse-phase LED on during the connection check */
	/* register point: readings before [0] and after [1], kWh; Kh 10 edges
	 * while the load was on (and its ramp down), the meter's own count */
	double reading[2];
	bool have_reading[2];
	int reg_kh10_edges;
	/* final accuracy results, for the points that judge their change */
	double point_err[RIG_PROFILE_MAX_POINTS], point_u[RIG_PROFILE_MAX_POINTS];
	bool point_have[RIG_PROFILE_MAX_POINTS];
};

#define DUTY_POOL N_OUTPUTS	/* pool[] slot of the pulse-duty point */

struct rig_seq {
	struct rig_run_plan plan;
	const struct rig_profile *prof;
	struct rig_profile *rated;	/* the profile scaled to the batch's rating; NULL: as given */
	const struct rig_fixture *fix;
	const struct rig_meter_model *model;	/* first present position's: its CT ratio is everyone's */
	double primary_per_source;

	enum rig_run_state state;
	enum phase phase;
	bool cmd_outstanding;
	enum rig_cmd_kind cmd_kind;
	bool output_on;

	int point;
	struct rig_setpoint sp;
	double primary_a;
	int64_t run_start_ns, now_ns;
	int64_t settle_until_ns, window_end_ns, last_progress_ns;
	double reference_source_w;	/* read back, source watts; < 0 none */
	/* every edge of the input up to here reached the sequencer or was
	 * reported lost (the shell reports losses before the edge showing them) */
	int64_t edges_complete_ns;

	/* register point */
	enum reg_stage reg;
	int64_t reg_wait_end_ns, reg_end_ns, reg_on_ns, reg_off_ns;
	int64_t reg_on_sent_ns, reg_off_sent_ns;	/* when the load's / unloading's APPLY went out */
	const struct rig_meter_model *reg_model;	/* the model the setpoint follows */
	double reg_source_w;		/* source watts while loaded (read back, else setpoint) */
	uint64_t reg_ref_pulses;	/* standard-pulses reference: pulses while loaded */

	/* stopping */
	enum rig_run_state final_state;
	char reason[200];

	struct pos_state pos[RIG_MAX_POSITIONS];

	struct rig_seq_event queue[QUEUE_LEN];
	int q_head, q_len;
	struct rig_seq_event scratch;
};

/* --- event queue ------------------------------------------------------------ */

/* The shell drains the queue after every call, and one call emits at most
 * a command, a progress report, a result and a retry per position and the
 * end of the run. Should a shell stop draining, progress reports make room first. */
static struct rig_seq_event *push(struct rig_seq *s, enum rig_seq_event_kind kind)
{
	if (s->q_len == QUEUE_LEN) {
		int kept = 0;
		for (int i = 0; i < s->q_len; i++) {
			struct rig_seq_event ev = s->queue[(s->q_head + i) % QUEUE_LEN];
			if (ev.kind != RIG_EV_PROGRESS)
				s->queue[(s->q_head + kept++) % QUEUE_LEN] = ev;
		}
		s->q_len = kept;
	}
	struct rig_seq_event *ev = s->q_len < QUEUE_LEN
					   ? &s->queue[(s->q_head + s->q_len++) % QUEUE_LEN]
					   : &s->scratch;	/* full of results: cannot happen */
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->point = s->point;
	return ev;
}

static void send_command(struct rig_seq *s, enum rig_cmd_kind kind)
{
	struct rig_seq_event *ev = push(s, RIG_EV_COMMAND);
	ev->cmd.kind = kind;
	if (kind == RIG_CMD_APPLY)
		ev->cmd.sp = s->sp;
	s->cmd_outstanding = true;
	s->cmd_kind = kind;
}

/* Drops commands the shell has not taken yet (they were never sent). */
static void drop_queued_commands(struct rig_seq *s)
{
	int kept = 0;
	for (int i = 0; i < s->q_len; i++) {
		struct rig_seq_event ev = s->queue[(s->q_head + i) % QUEUE_LEN];
		if (ev.kind == RIG_EV_COMMAND) {
			s->cmd_outstanding = false;
			continue;
		}
		s->queue[(s->q_head + kept++) % QUEUE_LEN] = ev;
	}
	s->q_len = kept;
}

int rig_seq_next_event(struct rig_seq *s, struct rig_seq_event *ev)
{
	if (s->q_len == 0)
		return 0;
	*ev = s->queue[s->q_head];
	s->q_head = (s->q_head + 1) % QUEUE_LEN;
	s->q_len--;
	return 1;
}

/* --- life cycle ------------------------------------------------------------------ */

struct rig_seq *rig_seq_new(void)
{
	struct rig_seq *s = calloc(1, sizeof(*s));
	if (s)
		s->state = RIG_RUN_IDLE;
	return s;
}

void rig_seq_free(struct rig_seq *s)
{
	if (s)
		free(s->rated);
	free(s);
}

enum rig_run_state rig_seq_state(const struct rig_seq *s)
{
	return s->state;
}

const char *rig_run_state_name(enum rig_run_state st)
{
	static const char *const names[] = {
		[RIG_RUN_IDLE] = "idle",		[RIG_RUN_RUNNING] = "running",
		[RIG_RUN_PASSED] = "passed",		[RIG_RUN_FAILED] = "failed",
		[RIG_RUN_INDETERMINATE] = "indeterminate", [RIG_RUN_ABORTED] = "aborted",
		[RIG_RUN_ERROR] = "error",		[RIG_RUN_INTERRUPTED] = "interrupted",
	};
	if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

static int output_index(double kh)
{
	for (int i = 0; i < N_KH_OUTPUTS; i++)
		if (fabs(kh - output_kh[i]) < 1e-9)
			return i;
	return -1;
}

static const struct rig_point *cur_point(const struct rig_seq *s)
{
	return &s->prof->points[s->point];
}

/* The signal a point watches for kinds other than accuracy and consistency. */
static enum rig_signal point_signal(const struct rig_point *p)
{
	if (p->kind == RIG_POINT_REVERSE_LED)
		return RIG_SIG_REVERSE_LED;
	enum rig_signal sig = rig_signal_for_kh(p->output_kh > 0 ? p->output_kh : 10);
	return sig < RIG_SIG_COUNT ? sig : RIG_SIG_KH10;
}

/* LED points watch min_gate (a steady state shows at once); the others use
 * max_gate as their window or time-out, as the profile format says. */
static double window_s(const struct rig_point *p)
{
	if (p->kind == RIG_POINT_REVERSE_LED && p->min_gate_s > 0)
		return p->min_gate_s;
	return p->max_gate_s;
}

static int wiring_error(struct rig_error *err, const char *file, const struct rig_point *p,
			int i, enum rig_signal sig)
{
	return rig_error_set(err, file, p->line,
			     "point '%s': position %d: signal %s is not wired on this fixture",
			     p->name, i + 1, rig_signal_name(sig));
}

/* A reverse-LED point whose "led" contradicts what the guide promises is
 * a profile error (it would fail good meters or pass bad ones); where the
 * guide leaves the LED open the point only reports it. */
static int check_led_expectation(const struct rig_point *p, const struct rig_meter_model *m,
				 const char *file, struct rig_error *err)
{
	if (p->kind != RIG_POINT_REVERSE_LED)
		return 0;
	enum rig_led_expect want = rig_reverse_led_expected(rig_point_element_mask(p, m),
							      p->reversed, rig_point_current_a(p, m));
	if (want == RIG_LED_EXPECT_EITHER || (want == RIG_LED_EXPECT_ON) == p->led_expected_on)
		return 0;
	return rig_error_set(err, file, p->line,
			     "point '%s': led = %s, but the guide says the reverse LED is %s here "
			     "(%s)", p->name, p->led_expected_on ? "on" : "off",
			     want == RIG_LED_EXPECT_ON ? "on" : "off",
			     want == RIG_LED_EXPECT_ON ? "every loaded element reversed, above 1 A"
						       : "no element reversed, above 1 A");
}

static int check_position(const struct rig_run_plan *plan, int i, struct rig_error *err)
{
	const struct rig_profile *prof = plan->profile;
	const struct rig_fixture *fix = plan->fixture;
	const struct rig_meter_model *m = &plan->pos[i].model;
	const char *file = prof->source_file;
	if (rig_profile_check_model(prof, m, err)) {
		if (err) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			snprintf(err->msg, sizeof(err->msg), "position %d: %.480s", i + 1, msg);
		}
		return -1;
	}
	for (int k = 0; k < prof->n_points; k++) {
		const struct rig_point *p = &prof->points[k];
		if (!rig_point_applies(p, m))
			continue;
		if (p->kind == RIG_POINT_OUTPUT_CONSISTENCY) {
			for (int o = 0; o < N_KH_OUTPUTS; o++)
				if (rig_model_has_output(m, output_kh[o]) &&
				    fix->pos[i][output_sig[o]].line < 0)
					return wiring_error(err, file, p, i, output_sig[o]);
		} else if (p->kind != RIG_POINT_WARM_UP && p->kind != RIG_POINT_REGISTER &&
			   fix->pos[i][point_signal(p)].line < 0) {
			return wiring_error(err, file, p, i, point_signal(p));
		}
		if (check_led_expectation(p, m, file, err))
			return -1;
		struct rig_setpoint sp;
		if (rig_setpoint_for_point(p, m, fix, file, &sp, err))
			return -1;
	}
	return 0;
}

static int check_plan(const struct rig_run_plan *plan, struct rig_error *err)
{
	if (!plan || !plan->profile || !plan->fixture)
		return rig_error_set(err, NULL, 0, "run plan without a profile or a fixture");
	const struct rig_profile *prof = plan->profile;
	const struct rig_fixture *fix = plan->fixture;
	if (prof->n_points < 1 || prof->n_points > RIG_PROFILE_MAX_POINTS)
		return rig_error_set(err, prof->source_file, 0, "profile '%s' has no points",
				     prof->name);
	if (fix->n_positions < 1 || fix->n_positions > RIG_MAX_POSITIONS)
		return rig_error_set(err, fix->source_file, 0, "fixture '%s' has no positions",
				     fix->name);
	if (fix->reference == RIG_REF_STANDARD_PULSES && !(fix->ref_wh_per_pulse > 0))
		return rig_error_set(err, fix->source_file, 0,
				     "fixture '%s': standard-gated reference without Wh per pulse",
				     fix->name);
	int first = -1;
	for (int i = 0; i < fix->n_positions; i++) {
		if (!plan->pos[i].present)
			continue;
		if (rig_model_check_position(&plan->pos[i].model, i + 1, plan->pos[i].serial,
					     plan->expected_model, plan->pos[i].stored_model,
					     plan->model_override, err) ||
		    check_position(plan, i, err))
			return -1;
		if (first < 0) {
			first = i;
			continue;
		}
		/* one source drives every position: they must want the same amps */
		const struct rig_meter_model *a = &plan->pos[first].model, *b = &plan->pos[i].model;
		if (fabs(rig_setpoint_primary_per_source(fix, a) -
			 rig_setpoint_primary_per_source(fix, b)) > 1e-9 ||
		    fabs(a->rated_current_a - b->rated_current_a) > 1e-9)
			return rig_error_set(err, NULL, 0,
					     "positions %d (%s) and %d (%s) need different source "
					     "currents; test them in separate runs",
					     first + 1, a->model, i + 1, b->model);
	}
	if (first < 0)
		return rig_error_set(err, NULL, 0, "no meter present on the bench");
	return 0;
}

/* --- measurement set-up ------------------------------------------------------- */

static double settle_s(const struct rig_seq *s)
{
	double a = cur_point(s)->settle_s, b = s->fix->settle_s;
	return a > b ? a : b;
}

static bool uses_gates(const struct rig_point *p)
{
	return p->kind == RIG_POINT_ACCURACY || p->kind == RIG_POINT_OUTPUT_CONSISTENCY;
}

#define EDGE_LATENCY_REAL_S 0.05

/* The reference's relative standard uncertainty at this setpoint: per
 * phase on the ranges its readings fall in, the worst phase for the sum
 * (taken as fully correlated: one instrument). */
static double reference_u_rel(const struct rig_seq *s)
{
	double worst = -1;
	for (int i = 0; i < 2; i++) {
		const typeof(s->sp.ph[0]) *ph = &s->sp.ph[i];
		if (ph->phase <= 0 || !(ph->current_a > 0))
			continue;
		double w = ph->voltage_v * ph->current_a *
			   fabs(cos((ph->current_angle_deg - ph->voltage_angle_deg) * M_PI / 180));
		double u = rig_fixture_ref_u_rel(s->fix, ph->voltage_v, ph->current_a, w);
		worst = fmax(worst, u);
	}
	return worst >= 0 ? worst : s->fix->ref_u_pct / 2 / 100;
}

static struct rig_gate_config gate_config(const struct rig_seq *s, const struct pos_state *ps,
					  int o)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate_config c = {
		.kh_wh = ps->kh[o],
		.duty = -1,
		.settle_until_ns = s->settle_until_ns,
		.max_until_ns = s->window_end_ns,
		.min_gate_s = p->min_gate_s,
		.min_edges = p->min_edges,
		.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF,
		.target_u_pct = p->target_u_pct,
		.fail_band_pct = p->kind == RIG_POINT_ACCURACY ||
					 ps->secondary[o] ? p->band_pct : 0,
		/* edges reach the rig within milliseconds of real time; a
		 * simulated bench stretches that by its time scale */
		.edge_latency_s = fmax(1.0, EDGE_LATENCY_REAL_S * s->fix->time_scale),
		.timing_sigma_s = s->fix->timing_sigma_s,
		/* declared by the fixture (a conservative default when not);
		 * the gate checks it against the edges */
		.quantum_s = s->fix->update_period_s,
		.reference = s->fix->reference,
		.ref_u_rel = reference_u_rel(s),
		/* both bounds, as rectangular distributions */
		.timebase_u_rel = s->fix->timebase_ppm * 1e-6 / sqrt(3.0),
		.source_u_rel = s->fix->source_stability_pct / 100 / sqrt(3.0),
		.ref_wh_per_pulse = s->fix->ref_wh_per_pulse,
		.primary_per_source = s->primary_per_source * ps->share,
	};
	/* a duty measured well on an earlier point lets gates end on either edge */
	if (ps->known_duty[o] >= 0 && ps->known_u_duty[o] <= 0.002) {
		c.duty = ps->known_duty[o];
		c.u_duty = ps->known_u_duty[o];
	}
	if (p->kind == RIG_POINT_OUTPUT_CONSISTENCY)
		c.ref_u_rel = 0;	/* shared by the outputs compared */
	return c;
}

static const char *output_name(int o)
{
	static const char *const names[N_OUTPUTS] = { "Kh 10", "Kh 100", "Kh 1000", "counter",
						      "load LED" };
	return o >= 0 && o < N_OUTPUTS ? names[o] : "?";
}

/* An output this position's meter has and the fixture wires. */
static bool customer_output(const struct rig_seq *s, int i, int o)
{
	const struct rig_meter_model *m = &s->plan.pos[i].model;
	if (s->fix->pos[i][output_sig[o]].line < 0)
		return false;
	if (o < N_KH_OUTPUTS)
		return rig_model_has_output(m, output_kh[o]);
	return o == OUT_LOAD_LED || m->counter_kh > 0;
}

static void init_measurement(struct rig_seq *s, int i)
{
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	const struct rig_meter_model *m = &s->plan.pos[i].model;
	ps->done = false;
	memset(ps->gating, 0, sizeof(ps->gating));
	memset(ps->secondary, 0, sizeof(ps->secondary));
	ps->own_done_ns = 0;
	ps->first_look_s = 0;
	ps->power_led_dark = false;
	for (int o = 0; o < N_OUTPUTS; o++)
		ps->kh[o] = o == OUT_COUNTER ? m->counter_kh : output_kh[o];
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		for (int o = 0; o < N_OUTPUTS; o++) {
			bool want = p->kind == RIG_POINT_ACCURACY
					    ? o == output_index(p->output_kh)
					    : o < N_KH_OUTPUTS && rig_model_has_output(m, output_kh[o]);
			if (!want && p->kind == RIG_POINT_ACCURACY && customer_output(s, i, o))
				want = ps->secondary[o] = true;
			if (!want)
				continue;
			struct rig_gate_config c = gate_config(s, ps, o);
			rig_gate_init(&ps->gate[o], &c);
			if (ps->have_last_edge[o])
				rig_gate_prior_edge(&ps->gate[o], &ps->last_edge[o]);
			rig_gate_edges_complete(&ps->gate[o], s->edges_complete_ns);
			ps->gating[o] = true;
		}
		break;
	case RIG_POINT_CREEP:
	case RIG_POINT_STARTING_LOAD:
		rig_edge_count_init(&ps->count, s->settle_until_ns, s->window_end_ns);
		break;
	case RIG_POINT_PULSE_DUTY:
		rig_duty_init(&ps->duty, s->settle_until_ns, s->fix->timing_sigma_s);
		break;
	case RIG_POINT_REVERSE_LED:
		rig_led_init(&ps->led, s->settle_until_ns, s->window_end_ns, ps->led_level);
		break;
	case RIG_POINT_WARM_UP:
	case RIG_POINT_REGISTER:
		break;
	case RIG_POINT_CONNECTION_CHECK:
		for (int o = 0; o < N_OUTPUTS; o++) {
			ps->line_watched[o] = rig_model_has_output(m, output_kh[o]) &&
					      s->fix->pos[i][output_sig[o]].line >= 0;
			rig_edge_count_init(&ps->line_count[o], s->settle_until_ns, s->window_end_ns);
		}
		break;
	}
}

/* Settles (or not, for a retry on an unchanged load) and starts measuring. */
static void start_measuring(struct rig_seq *s, double settle)
{
	const struct rig_point *p = cur_point(s);
	s->settle_until_ns = s->now_ns + (int64_t)llround(settle * RIG_NS_PER_S);
	s->window_end_ns = s->settle_until_ns + (int64_t)llround(window_s(p) * RIG_NS_PER_S);
	s->reference_source_w = -1;
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			init_measurement(s, i);
	bool read_power = uses_gates(p) && s->fix->reference == RIG_REF_SOURCE_POWER;
	s->phase = read_power ? PH_SETTLING : PH_MEASURING;
	s->last_progress_ns = s->now_ns;
}

static void stop(struct rig_seq *s, enum rig_run_state final_state, const char *reason);

static void end_run(struct rig_seq *s);
static void finish_point(struct rig_seq *s);
static void advance_time(struct rig_seq *s, int64_t t);
static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- register (LCD) test ------------------------------------------------------------ */

/* The point's setpoint, or the same with no current (the register is read
 * with voltage on: the LCD needs it, and nothing registers meanwhile). */
static int register_setpoint(struct rig_seq *s, const struct rig_point *p,
			     const struct rig_meter_model *m, bool loaded, struct rig_error *err)
{
	struct rig_point q = *p;
	if (!loaded) {
		q.current_a = 0;
		q.current_pct = -1;
		q.reversed = 0;
	}
	return rig_setpoint_for_point(&q, m, s->fix, s->prof->source_file, &s->sp, err);
}

static void ask_readings(struct rig_seq *s, bool after)
{
	unsigned mask = 0;
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			mask |= 1u << i;
	s->reg = after ? REG_WAIT_AFTER : REG_WAIT_BEFORE;
	s->phase = PH_REGISTER;
	s->reg_wait_end_ns = s->now_ns + (int64_t)llround(cur_point(s)->reading_wait_s * RIG_NS_PER_S);
	struct rig_seq_event *ev = push(s, RIG_EV_READING_WANTED);
	ev->reading_after = after;
	ev->positions = mask;
	ev->remaining_s = cur_point(s)->reading_wait_s;
}

static bool readings_complete(const struct rig_seq *s, int which)
{
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point && !s->pos[i].have_reading[which])
			return false;
	return true;
}

static void apply_register_setpoint(struct rig_seq *s, bool loaded, enum reg_stage next)
{
	struct rig_error err;
	if (register_setpoint(s, cur_point(s), s->reg_model, loaded, &err)) {
		char buf[600];
		stop(s, RIG_RUN_ERROR, rig_error_format(&err, buf, sizeof(buf)));
		return;
	}
	/* each meter's share of the load (the voltage-only setpoint has none) */
	if (loaded)
		for (int i = 0; i < s->fix->n_positions; i++)
			s->pos[i].share = rig_setpoint_power_share(&s->sp,
								   s->plan.pos[i].model.elements);
	if (next == REG_LOADING)
		s->reg_on_sent_ns = s->now_ns;
	else
		s->reg_off_sent_ns = s->now_ns;
	s->reg = next;
	s->phase = PH_APPLYING;
	send_command(s, RIG_CMD_APPLY);
}

/* Every reading of this stage is in, or its wait is over. */
static void readings_taken(struct rig_seq *s)
{
	if (s->reg == REG_WAIT_AFTER) {
		finish_point(s);
		return;
	}
	bool any = false;
	for (int i = 0; i < s->fix->n_positions; i++)
		any |= s->pos[i].in_point && s->pos[i].have_reading[0];
	s->reg_source_w = -1;
	s->reg_ref_pulses = 0;
	s->reg_on_ns = s->reg_off_ns = s->reg_on_sent_ns = s->reg_off_sent_ns = 0;
	if (!any) {
		finish_point(s);	/* nobody read the register: no energy to spend */
		return;
	}
	apply_register_setpoint(s, true, REG_LOADING);
}

/* A setpoint of the register point is on the output. */
static void register_applied(struct rig_seq *s)
{
	switch (s->reg) {
	case REG_BEFORE:
		ask_readings(s, false);
		return;
	case REG_LOADING:
		/* the load came on between its APPLY's sending and completing,
		 * and went off likewise (register_energy_wh); the source's ramps
		 * up and down, alike, cancel */
		s->reg_on_ns = s->now_ns;
		s->reg = REG_SETTLE_ON;
		break;
	case REG_UNLOADING:
		s->reg_off_ns = s->now_ns;
		s->reg = REG_SETTLE_OFF;
		break;
	default:
		return;
	}
	s->settle_until_ns = s->now_ns + (int64_t)llround(settle_s(s) * RIG_NS_PER_S);
	s->phase = PH_REGISTER;
}

/* The load's power is known (source watts): the energy ends when the
 * meter (the setpoint's whole model) has had the point's energy. */
static void register_power(struct rig_seq *s, double source_w)
{
	double meter_w = source_w * s->primary_per_source;
	if (!(meter_w > 0)) {
		stop(s, RIG_RUN_ERROR, "register point: the reference reads no power with the load on");
		return;
	}
	s->reg_source_w = source_w;
	double need_s = cur_point(s)->energy_wh * 3600 / meter_w;
	s->reg_end_ns = s->reg_on_ns + (int64_t)llround(need_s * RIG_NS_PER_S);
	if (s->reg_end_ns < s->now_ns)
		s->reg_end_ns = s->now_ns;
	s->reg = REG_ENERGY;
	s->phase = PH_REGISTER;
}

static void register_tick(struct rig_seq *s)
{
	switch (s->reg) {
	case REG_WAIT_BEFORE:
	case REG_WAIT_AFTER:
		if (s->now_ns >= s->reg_wait_end_ns)
			readings_taken(s);
		break;
	case REG_SETTLE_ON:
		if (s->now_ns < s->settle_until_ns)
			break;
		if (s->fix->reference == RIG_REF_SOURCE_POWER) {
			s->reg = REG_READING_POWER;
			send_command(s, RIG_CMD_READ_POWER);
		} else {
			register_power(s, rig_setpoint_meter_power_w(&s->sp, 1));
		}
		break;
	case REG_ENERGY:
		if (s->now_ns >= s->reg_end_ns)
			apply_register_setpoint(s, false, REG_UNLOADING);
		break;
	case REG_SETTLE_OFF:
		if (s->now_ns >= s->settle_until_ns)
			ask_readings(s, true);
		break;
	default:
		break;
	}
}

static int64_t register_deadline(const struct rig_seq *s)
{
	switch (s->reg) {
	case REG_WAIT_BEFORE:
	case REG_WAIT_AFTER:
		return s->reg_wait_end_ns;
	case REG_SETTLE_ON:
	case REG_SETTLE_OFF:
		return s->settle_until_ns;
	case REG_ENERGY:
		return s->reg_end_ns;
	default:
		return INT64_MAX;
	}
}

/* Reference pulses while the load is on (a standard-gated reference). */
static void register_reference_edge(struct rig_seq *s, const struct rig_edge *e)
{
	if (s->state != RIG_RUN_RUNNING || !s->prof || s->point >= s->prof->n_points ||
	    cur_point(s)->kind != RIG_POINT_REGISTER || s->reg < REG_LOADING ||
	    s->reg > REG_SETTLE_OFF || e->timestamp_ns < s->reg_on_sent_ns ||
	    e->kind != RIG_EDGE_RISING)	/* one edge a pulse; none without current */
		return;
	s->reg_ref_pulses++;
}

/* The meter's own Kh 10 output while loaded: what its register should
 * have counted by its outputs (an edge every 5 Wh). */
static void register_output_edge(struct rig_seq *s, int position, enum rig_signal sig,
				 const struct rig_edge *e)
{
	if (sig != RIG_SIG_KH10 || position < 1 || position > RIG_MAX_POSITIONS ||
	    s->state != RIG_RUN_RUNNING || !s->prof || s->point >= s->prof->n_points ||
	    cur_point(s)->kind != RIG_POINT_REGISTER || s->reg < REG_LOADING ||
	    s->reg > REG_SETTLE_OFF || e->timestamp_ns < s->reg_on_sent_ns ||
	    !s->pos[position - 1].in_point)
		return;
	s->pos[position - 1].reg_kh10_edges++;
}

/* The energy the reference says this position's meter had (primary Wh),
 * and how far either way it may be (ret_pm_wh): a reference standard's
 * pulses to one pulse; the source's power times the time on, to the time
 * its setpoint commands took (the output changed somewhere between an
 * APPLY's sending and its completion: on a simulated bench running faster
 * than real time, that is seconds). */
static double register_energy_wh(const struct rig_seq *s, const struct pos_state *ps,
				 double *ret_pm_wh)
{
	*ret_pm_wh = 0;
	if (s->reg_on_ns == 0 || s->reg_off_ns <= s->reg_on_ns)
		return 0;
	double scale = s->primary_per_source * ps->share;
	if (s->fix->reference == RIG_REF_STANDARD_PULSES) {
		*ret_pm_wh = s->fix->ref_wh_per_pulse * scale;
		return (double)s->reg_ref_pulses * s->fix->ref_wh_per_pulse * scale;
	}
	double on = ((double)s->reg_on_sent_ns + (double)s->reg_on_ns) / 2;
	double off = ((double)s->reg_off_sent_ns + (double)s->reg_off_ns) / 2;
	double spread = ((double)(s->reg_on_ns - s->reg_on_sent_ns) +
			 (double)(s->reg_off_ns - s->reg_off_sent_ns)) / 2;
	double w_h = s->reg_source_w * scale / RIG_NS_PER_S / 3600;
	*ret_pm_wh = w_h * spread;
	return w_h * (off - on);
}

static void judge_register(const struct rig_seq *s, const struct pos_state *ps,
			   struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	double energy_pm = 0;
	double energy = register_energy_wh(s, ps, &energy_pm);
	r->has_readings = true;
	r->reading_before_kwh = ps->have_reading[0] ? ps->reading[0] : -1;
	r->reading_after_kwh = ps->have_reading[1] ? ps->reading[1] : -1;
	struct rig_register_judgement j;
	r->verdict = rig_register_judge(r->reading_before_kwh, r->reading_after_kwh, energy,
					energy_pm, p->resolution_kwh, p->band_pct, &j, r->detail,
					sizeof(r->detail));
	r->value = j.advance_kwh;
	r->edges_counted = ps->reg_kh10_edges;
	/* the meter's own output beside its register: a register that
	 * disagrees with it while the output agrees with the reference is the
	 * register's fault (ratio, display), not the metering's */
	if (s->fix->pos[r->position - 1][RIG_SIG_KH10].line >= 0 && energy > 0)
		append(r->detail, sizeof(r->detail), "; Kh 10 output counted %.3f kWh (%d edges)",
		       ps->reg_kh10_edges * 5.0 / 1000, ps->reg_kh10_edges);
	r->gate.u_pct = -1;	/* a bound by the register's digit, not an uncertainty */
	r->gate.error_pct = r->verdict == RIG_VERDICT_INDETERMINATE ? 0 : j.error_pct;
	r->gate.reference_wh = energy;
	r->gate.registered_wh = 1000 * j.advance_kwh;
	r->gate.gate_s = s->reg_off_ns > s->reg_on_ns
				 ? (double)(s->reg_off_ns - s->reg_on_ns) / RIG_NS_PER_S : 0;
	r->reference_w = s->reg_source_w > 0 ? s->reg_source_w * s->primary_per_source * ps->share
					     : 0;
}

int rig_seq_reading(struct rig_seq *s, int64_t now_ns, int position, double kwh,
		    struct rig_error *err)
{
	if (s->state != RIG_RUN_RUNNING || s->phase != PH_REGISTER ||
	    (s->reg != REG_WAIT_BEFORE && s->reg != REG_WAIT_AFTER))
		return rig_error_set(err, NULL, 0, "no register reading is wanted now");
	if (position < 1 || position > s->fix->n_positions || !s->pos[position - 1].in_point)
		return rig_error_set(err, NULL, 0, "position %d is not in register point '%s'",
				     position, cur_point(s)->name);
	if (!(kwh >= 0 && kwh < 1e9))
		return rig_error_set(err, NULL, 0, "a register reading is 0 .. 999999999 kWh");
	int which = s->reg == REG_WAIT_AFTER;
	struct pos_state *ps = &s->pos[position - 1];
	if (ps->have_reading[which])
		return rig_error_set(err, NULL, 0, "position %d: the reading %s is already given "
				     "(%.10g kWh)", position, which ? "after" : "before",
				     ps->reading[which]);
	advance_time(s, now_ns);
	ps->reading[which] = kwh;
	ps->have_reading[which] = true;
	if (readings_complete(s, which) || s->now_ns >= s->reg_wait_end_ns)
		readings_taken(s);
	return 0;
}

/* The present positions the point is for; the setpoint follows the model
 * with the most elements among them (the others see their share of it). */
static const struct rig_meter_model *point_positions(const struct rig_seq *s, int k,
						     bool *applies)
{
	const struct rig_meter_model *sp_model = NULL;
	for (int i = 0; i < s->fix->n_positions; i++) {
		const struct rig_meter_model *m = &s->plan.pos[i].model;
		applies[i] = s->plan.pos[i].present && !s->pos[i].wiring_error &&
			     rig_point_applies(&s->prof->points[k], m);
		if (applies[i] && (!sp_model || m->elements > sp_model->elements))
			sp_model = m;
	}
	return sp_model;
}

static void begin_point(struct rig_seq *s)
{
	bool applies[RIG_MAX_POSITIONS];
	const struct rig_meter_model *sp_model = NULL;
	for (; s->point < s->prof->n_points; s->point++)
		if ((sp_model = point_positions(s, s->point, applies)))
			break;
	if (!sp_model) {
		end_run(s);
		return;
	}
	const struct rig_point *p = cur_point(s);
	struct rig_error err;
	s->reg = REG_BEFORE;
	s->reg_model = sp_model;
	if (register_setpoint(s, p, sp_model, p->kind != RIG_POINT_REGISTER, &err)) {
		char buf[600];
		stop(s, RIG_RUN_ERROR, rig_error_format(&err, buf, sizeof(buf)));
		return;
	}
	s->primary_a = rig_point_current_a(p, sp_model);
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		ps->in_point = applies[i];
		ps->attempt = 1;
		ps->lost_before = 0;
		ps->done = false;
		ps->looks = 0;
		ps->gate_looks = 0;
		ps->futile = false;
		ps->led_lit = false;
		ps->power_led_dark = false;
		ps->have_reading[0] = ps->have_reading[1] = false;
		ps->reg_kh10_edges = 0;
		ps->reading[0] = ps->reading[1] = -1;
		memset(ps->n_pool, 0, sizeof(ps->n_pool));
		ps->share = rig_setpoint_power_share(&s->sp, s->plan.pos[i].model.elements);
	}
	push(s, RIG_EV_POINT_STARTED);
	send_command(s, RIG_CMD_APPLY);
	s->phase = PH_APPLYING;
}

int rig_seq_start(struct rig_seq *s, const struct rig_run_plan *plan, int64_t now_ns,
		  struct rig_error *err)
{
	if (s->state != RIG_RUN_IDLE)
		return rig_error_set(err, NULL, 0, "the sequencer has already run");
	if (!plan || !plan->profile || !plan->fixture)
		return check_plan(plan, err);
	/* the points follow the meters' rating (rig_profile_for_rating) */
	double rating;
	struct rig_run_plan rated = *plan;
	if (rig_batch_check(plan, &rating, err))
		return -1;
	if (rating > 0 && plan->profile->nominal_v > 0 &&
	    fabs(rating - plan->profile->nominal_v) > 1e-9) {
		free(s->rated);
		if (!(s->rated = malloc(sizeof(*s->rated))))
			return rig_error_set(err, NULL, 0, "out of memory");
		rig_profile_for_rating(plan->profile, rating, s->rated);
		rated.profile = s->rated;
	}
	plan = &rated;
	if (check_plan(plan, err))
		return -1;
	s->plan = *plan;
	s->prof = plan->profile;
	s->fix = plan->fixture;
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (plan->pos[i].present && !s->model)
			s->model = &s->plan.pos[i].model;
		for (int o = 0; o < N_OUTPUTS; o++)
			s->pos[i].known_duty[o] = -1;
	}
	s->primary_per_source = rig_setpoint_primary_per_source(s->fix, s->model);
	s->state = RIG_RUN_RUNNING;
	s->edges_complete_ns = INT64_MIN;
	s->run_start_ns = s->now_ns = now_ns;
	s->point = 0;
	begin_point(s);
	return 0;
}

/* --- verdicts and results -------------------------------------------------------- */

enum outcome { FINAL, RETRY };

static enum outcome judge_indeterminate(const struct rig_seq *s, const struct pos_state *ps,
					enum rig_verdict *v)
{
	if (*v != RIG_VERDICT_INDETERMINATE)
		return FINAL;
	switch (s->prof->indeterminate) {
	case RIG_INDETERMINATE_RETEST:
		/* an extended gate has had the retests' looks already */
		return ps->attempt <= s->prof->max_retests && ps->gate_looks == 0 && !ps->futile
			       ? RETRY : FINAL;
	case RIG_INDETERMINATE_FAIL:
		*v = RIG_VERDICT_FAIL;
		return FINAL;
	case RIG_INDETERMINATE_REPORT:
		break;
	}
	return FINAL;
}

static double reference_primary_w(const struct rig_seq *s, const struct pos_state *ps,
				  const struct rig_gate_result *g)
{
	if (s->fix->reference == RIG_REF_SOURCE_POWER && s->reference_source_w >= 0)
		return s->reference_source_w * s->primary_per_source * ps->share;
	if (g && g->gate_s > 0)
		return g->reference_wh / g->gate_s * 3600;
	return rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
}

/* --- retests: every attempt with an estimate is pooled (retest.c says why) --- */

/* Adds this attempt's estimate to a pool; false when it has none (nothing
 * measured, or a bound). */
static bool pool_add(struct pos_state *ps, int slot, double value_pct, double u_pct, double k,
		     double shared_u_rel)
{
	struct rig_attempt a;
	if (ps->n_pool[slot] >= MAX_ATTEMPTS ||
	    !rig_attempt_from_expanded(ps->attempt, value_pct, u_pct, k, shared_u_rel, &a))
		return false;
	ps->pool[slot][ps->n_pool[slot]++] = a;
	return true;
}

/* An output's attempt from its gate. The terms that repeat from attempt to
 * attempt count once in the pool, at full size: the reference (the same
 * instrument and range), the pulse-update quantization (a slow sawtooth:
 * consecutive gates share its phase), the edge clock, the source's
 * stability and a handed-in duty. Only the edge scatter is new with every
 * attempt. Without a budget (no fit) the reference alone is shared. */
static bool pool_add_gate(struct pos_state *ps, int o, const struct rig_gate_result *g)
{
	const struct rig_gate_budget *b = &g->budget;
	if (!(b->uc_rel > 0) || !(g->u_pct > 0) || !(g->k > 0) || ps->n_pool[o] >= MAX_ATTEMPTS)
		return pool_add(ps, o, g->error_pct, g->u_pct, g->k, ps->gate[o].cfg.ref_u_rel);
	double shared2 = 0;
	for (int t = 0; t < RIG_U_TERMS; t++)
		if (t != RIG_U_SCATTER)
			shared2 += b->term[t].contribution * b->term[t].contribution;
	double pct_r = 100.0 + g->error_pct;
	ps->pool[o][ps->n_pool[o]++] = (struct rig_attempt){
		.attempt = ps->attempt,
		.value_pct = g->error_pct,
		.u_c_pct = b->uc_rel * pct_r,
		.u_shared_pct = sqrt(shared2) * pct_r,
		.nu = b->nu_eff,
	};
	return true;
}

/* --- an indeterminate gate extended rather than measured again ---------------
 *
 * A retest starts a new gate and pools it with the first, but the pulse-
 * update quantization (a slow sawtooth the gates share) counts whole in
 * the pool: at light load, where it sets U, a retest rarely decides and
 * costs a first-edge wait besides. The same gate kept open instead spans
 * longer, and that term falls with the span. Its looks (1 + j EXTEND_STEP
 * times the first look's span, j up to max_retests) take the retests' place and
 * their guard (retest.c): each later look could pass a meter at the band
 * edge too, so together they keep the specific risk under
 * RIG_RETEST_RISK. */

/* Each later look of an extended gate comes after this share of the first
 * look's span more (the looks at 1.5, 2, ... times it). A trade: a longer
 * step decides more of the points near the band edge and costs each point
 * that stays undecided more bench time. On the validation bench (see
 * BENCHMARKS.md) 0.5 cut bench time on every profile and model and still
 * left fewer points indeterminate than the pooled retests did. */
#define EXTEND_STEP 0.5

/* The half-width the verdict of the point's own gate uses at its next look. */
static double own_u_judge(const struct rig_seq *s, const struct pos_state *ps,
			  const struct rig_gate_result *g)
{
	if (ps->gate_looks == 0 || !(g->k > 0) || !(g->u_pct > 0))
		return g->u_pct;
	return rig_retest_guard_k(g->k, ps->gate_looks + 1, s->prof->max_retests) * g->u_pct / g->k;
}

/* Could a later look decide an indeterminate result? Its half-width w
 * never falls below the guard's k (at infinite dof) times what the later
 * look keeps: the reference, the edge clock, the source and the duty
 * whole; for a retest also the update quantization, which the pool counts
 * whole, while an extended gate shrinks it as 1 / span and the scatter as
 * span^-1.5 (the last look spans 1 + max_retests times the first). The
 * estimate moves only by what the later look averages away: allowed 2.5
 * standard deviations of that change. Where |error| stays within the
 * later w of the band edge even so, a decision is unlikely (about 1 %)
 * and the later looks are bench time spent for nothing: the result is
 * final. Stopping never passes anything, so it costs no false-PASS risk. */
static bool look_futile(const struct rig_seq *s, const struct pos_state *ps,
			const struct rig_gate_result *g, bool extending)
{
	const struct rig_gate_budget *b = &g->budget;
	if (!(b->uc_rel > 0) || !(g->k > 0) || !(g->u_pct > 0))
		return false;
	double pct_r = 100.0 + g->error_pct;
	double c_sc = b->term[RIG_U_SCATTER].contribution;
	double c_q = b->term[RIG_U_QUANTUM].contribution;
	double kept2 = b->uc_rel * b->uc_rel - c_sc * c_sc - c_q * c_q;
	double moving_now2 = c_sc * c_sc, moving_last2 = 0;
	if (extending) {
		double ratio = (1.0 + EXTEND_STEP * s->prof->max_retests) /
			       (1.0 + EXTEND_STEP * ps->gate_looks);
		double sc_last = c_sc / pow(ratio, 1.5), q_last = c_q / ratio;
		moving_now2 += c_q * c_q;
		moving_last2 = sc_last * sc_last + q_last * q_last;
	} else {
		kept2 += c_q * c_q;
	}
	double kept_last = sqrt(fmax(kept2, 0) + moving_last2);
	double change = sqrt(fmax(moving_now2 - moving_last2, 0));
	int last_look = 1 + s->prof->max_retests;
	double w_last = rig_retest_guard_k(2.0, last_look, s->prof->max_retests) * kept_last;
	double from_edge = fabs(fabs(g->error_pct) - cur_point(s)->band_pct);
	return from_edge + 2.5 * change * pct_r <= w_last * pct_r;
}

/* The own gate of an accuracy point, done but deciding nothing: kept open
 * for the next look where the profile would measure again, unless no
 * later look could decide it. */
static bool extend_indeterminate(const struct rig_seq *s, struct pos_state *ps, int o)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate *g = &ps->gate[o];
	if (p->kind != RIG_POINT_ACCURACY || g->state != RIG_GATE_DONE || ps->looks > 0 ||
	    s->prof->indeterminate != RIG_INDETERMINATE_RETEST ||
	    ps->gate_looks >= s->prof->max_retests)
		return false;
	struct rig_gate_result r;
	rig_gate_result(g, &r);
	if (!(r.k > 0) || rig_verdict_accuracy(r.error_pct, own_u_judge(s, ps, &r), p->band_pct) !=
				  RIG_VERDICT_INDETERMINATE)
		return false;
	if (look_futile(s, ps, &r, true)) {
		ps->futile = true;
		return false;
	}
	if (!(ps->first_look_s > 0))
		ps->first_look_s = r.gate_s;
	if (!rig_gate_extend(g, (1 + EXTEND_STEP * (ps->gate_looks + 1)) * ps->first_look_s))
		return false;
	ps->gate_looks++;
	return true;
}

/* The pool's result at this look: only from the second attempt judged on. */
static bool pooled(const struct rig_seq *s, const struct pos_state *ps, int slot,
		   struct rig_pooled *ret)
{
	return ps->looks > 1 && ps->n_pool[slot] > 0 &&
	       rig_retest_pool(ps->pool[slot], ps->n_pool[slot], ps->looks, s->prof->max_retests,
			       ret) == 0;
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* What the pooled verdict rests on: the attempts and the guard. */
static void describe_pool(const struct pos_state *ps, int slot, const struct rig_pooled *pl,
			  char *buf, size_t len)
{
	append(buf, len, "pooled from %d of %d attempts (", pl->n, ps->looks);
	for (int i = 0; i < ps->n_pool[slot]; i++) {
		const struct rig_attempt *a = &ps->pool[slot][i];
		append(buf, len, "%s#%d %+.4f u %.4f", i ? ", " : "", a->attempt, a->value_pct,
		       a->u_c_pct);
	}
	append(buf, len, "; only the scatter averaged), judged with w %.4f %% (k %.2f)",
	       pl->u_judge_pct, pl->k_judge);
}

/* The meter's power at the point (primary watts), from the setpoint. */
static double point_power_w(const struct rig_seq *s, const struct pos_state *ps)
{
	return rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
}

/* The load LED is an indicator for the eye (guide 2.3: 50 % duty, a 10 Wh
 * cycle), not a billing output: its rate is judged against 5 %, which any
 * wrong cycle (a factor) is far outside and a meter's own error well inside
 * (that is the isolated outputs' to show), and its duty against 50 % +/- 5
 * points, far outside what a square wave derived from the register does,
 * well inside a stuck or broken LED. Engineering choices. */
#define LOAD_LED_RATE_BAND_PCT 5.0
#define LOAD_LED_DUTY_BAND 0.05

/* One output gated beside the point's own: its registration against the
 * same reference and band, judged only when its own evidence decides (a
 * dead or wrong-ratio output is far outside); too few edges at this
 * point's power give no verdict rather than an indeterminate one. */
static void judge_secondary(const struct rig_seq *s, const struct pos_state *ps, int o,
			    struct rig_output_result *out)
{
	const struct rig_point *p = cur_point(s);
	struct rig_gate_result g;
	rig_gate_result(&ps->gate[o], &g);
	*out = (struct rig_output_result){
		.sig = output_sig[o], .kh = ps->kh[o], .verdict = RIG_VERDICT_NONE,
		.error_pct = g.error_pct, .u_pct = g.u_pct, .edges = g.edges_used, .duty = -1,
		.bound = g.u_pct >= 0 && g.k == 0, .lost = g.state == RIG_GATE_INVALID,
	};
	if (out->lost) {
		out->u_pct = -1;	/* lost edges: nothing said of it here */
		return;
	}
	double band = o == OUT_LOAD_LED ? fmax(p->band_pct, LOAD_LED_RATE_BAND_PCT) : p->band_pct;
	if (g.u_pct >= 0)
		out->verdict = rig_verdict_accuracy(g.error_pct, g.u_pct, band);
	if (out->verdict == RIG_VERDICT_INDETERMINATE)
		out->verdict = RIG_VERDICT_NONE;
	if (o == OUT_LOAD_LED && g.duty >= 0 && g.u_duty > 0) {
		out->duty = g.duty;
		if (fabs(g.duty - 0.5) - 2 * g.u_duty > LOAD_LED_DUTY_BAND)
			out->verdict = RIG_VERDICT_FAIL;
	}
}

static const char *signal_output_name(enum rig_signal sig)
{
	for (int o = 0; o < N_OUTPUTS; o++)
		if (output_sig[o] == sig)
			return output_name(o);
	return "?";
}

static void describe_output(const struct rig_output_result *out, char *buf, size_t len)
{
	const char *name = signal_output_name(out->sig);
	if (out->u_pct < 0) {
		append(buf, len, "; %s: no verdict, %d edges%s", name, out->edges,
		       out->lost ? ", edges lost" : "");
		return;
	}
	if (out->bound)
		append(buf, len, "; %s registers at most %.1f %% (%d edges)", name,
		       100 + out->error_pct + out->u_pct, out->edges);
	else
		append(buf, len, "; %s %+.3f %% U %.3f %%", name, out->error_pct, out->u_pct);
	if (out->duty >= 0)
		append(buf, len, " duty %.1f %%", 100 * out->duty);
	append(buf, len, " %s", out->verdict == RIG_VERDICT_NONE ? "no verdict"
								: rig_verdict_name(out->verdict));
}

/* The other outputs after the point's own in its detail; an output failing
 * where the point's own does not (dead, wrong ratio) is named first, so
 * that a short display still shows which one. */
static void describe_outputs(const struct rig_seq *s, bool own_failed, struct rig_point_result *r)
{
	char failed[120] = "";
	char rest[400] = "";
	for (int i = 0; i < r->n_outputs; i++) {
		const struct rig_output_result *out = &r->outputs[i];
		if (out->verdict == RIG_VERDICT_FAIL)
			append(failed, sizeof(failed), "%s%s", failed[0] ? ", " : "",
			       signal_output_name(out->sig));
		describe_output(out, rest, sizeof(rest));
	}
	if (failed[0] && !own_failed) {
		char own[sizeof(r->detail)];
		snprintf(own, sizeof(own), "%s", r->detail);
		r->detail[0] = '\0';
		append(r->detail, sizeof(r->detail), "output %s fails; Kh %g: %s", failed,
		       cur_point(s)->output_kh, own);
	}
	append(r->detail, sizeof(r->detail), "%s", rest);
}

/* The point's verdict is the worst of its outputs'. */
static void judge_secondaries(const struct rig_seq *s, const struct pos_state *ps,
			      struct rig_point_result *r)
{
	bool own_failed = r->verdict == RIG_VERDICT_FAIL;
	r->n_outputs = 0;
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o] || !ps->secondary[o] || r->n_outputs >= RIG_SEQ_MAX_OUTPUTS)
			continue;
		struct rig_output_result *out = &r->outputs[r->n_outputs++];
		judge_secondary(s, ps, o, out);
		r->verdict = rig_verdict_worst(r->verdict, out->verdict);
	}
	describe_outputs(s, own_failed, r);
}

static enum outcome judge_gates(const struct rig_seq *s, struct pos_state *ps,
				struct rig_point_result *r, bool *final_pooled)
{
	const struct rig_point *p = cur_point(s);
	struct rig_output_reading read[N_OUTPUTS];
	struct rig_gate_result g[N_OUTPUTS];
	int n = 0;
	for (int o = 0; o < N_OUTPUTS; o++) {
		/* a secondary output's lost edges cost it its verdict, never the
		 * point a retest (judge_secondary) */
		if (!ps->gating[o] || ps->secondary[o])
			continue;
		rig_gate_result(&ps->gate[o], &g[o]);
		if (g[o].state == RIG_GATE_INVALID) {
			r->gate = g[o];
			r->verdict = RIG_VERDICT_ERROR;
			snprintf(r->detail, sizeof(r->detail), "%s: %s", output_name(o), g[o].why);
			return ps->attempt <= s->prof->max_retests ? RETRY : FINAL;
		}
	}
	ps->looks++;
	int pooled_slot = -1;
	bool own_pooled = false;
	struct rig_pooled pl = {0};
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o] || ps->secondary[o])
			continue;
		bool own = pool_add_gate(ps, o, &g[o]);
		read[n] = (struct rig_output_reading){ output_kh[o], g[o].error_pct, g[o].u_pct,
						       g[o].u_pct >= 0 };
		struct rig_pooled po;
		if (pooled(s, ps, o, &po)) {
			if (own) {
				read[n].error_pct = po.value_pct;
				read[n].u_pct = po.u_judge_pct;
			}
			if (pooled_slot < 0) {
				pooled_slot = o;
				pl = po;
				own_pooled = own;
			}
		}
		n++;
		if (p->kind == RIG_POINT_ACCURACY || o == 0 || r->gate.edges_used == 0)
			r->gate = g[o];
	}
	if (p->kind == RIG_POINT_ACCURACY) {
		double u_judge = own_u_judge(s, ps, &r->gate);
		r->verdict = rig_verdict_accuracy(r->gate.error_pct, u_judge, p->band_pct);
		snprintf(r->detail, sizeof(r->detail), "error %+.4f %% U %.4f %% over %.1f s, %d edges%s%s",
			 r->gate.error_pct, r->gate.u_pct, r->gate.gate_s, r->gate.edges_used,
			 r->gate.state == RIG_GATE_TIMED_OUT ? "; " : "",
			 r->gate.state == RIG_GATE_TIMED_OUT ? r->gate.why : "");
		if (ps->gate_looks > 0)
			append(r->detail, sizeof(r->detail), "; gate extended after %d indeterminate "
			       "look%s, judged with w %.4f %% (k %.2f)", ps->gate_looks,
			       ps->gate_looks > 1 ? "s" : "", u_judge,
			       r->gate.u_pct > 0 ? r->gate.k * u_judge / r->gate.u_pct : 0);
		if (r->verdict == RIG_VERDICT_INDETERMINATE && pooled_slot < 0 &&
		    ps->gate_looks < s->prof->max_retests &&
		    (ps->futile || look_futile(s, ps, &r->gate, false))) {
			ps->futile = true;
			append(r->detail, sizeof(r->detail), "; not measured longer: what a later "
			       "look keeps (the reference above all) leaves it within w of the band "
			       "edge");
		}
		if (pooled_slot >= 0) {
			/* an attempt without an estimate (a bound) cannot join the
			 * pool: then the pool and it must both pass */
			enum rig_verdict v = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct,
								  p->band_pct);
			r->verdict = own_pooled ? v : rig_verdict_worst(v, r->verdict);
			*final_pooled = true;
		}
		judge_secondaries(s, ps, r);
	} else {
		double diff = 0;
		r->verdict = rig_check_outputs_agree(read, n, p->band_pct, &diff);
		if (r->verdict == RIG_VERDICT_NONE)
			r->verdict = RIG_VERDICT_INDETERMINATE;
		r->value = diff;
		snprintf(r->detail, sizeof(r->detail), "outputs disagree by up to %.4f %% (band %.3f %%)",
			 diff, p->band_pct);
		if (pooled_slot >= 0)
			append(r->detail, sizeof(r->detail), "; each output pooled over %d attempts, "
			       "judged with w at k %.2f", pl.n, pl.k_judge);
	}
	r->reference_w = reference_primary_w(s, ps, &r->gate);
	return FINAL;
}

/* A final accuracy result from a pool states the pooled estimate and U;
 * the attempt's own numbers stay in its detail's list. */
static void state_pooled(const struct rig_seq *s, const struct pos_state *ps,
			 struct rig_point_result *r)
{
	int o = output_index(cur_point(s)->output_kh);
	struct rig_pooled pl;
	if (o < 0 || !pooled(s, ps, o, &pl))
		return;
	r->gate.error_pct = pl.value_pct;
	r->gate.u_pct = pl.u_pct;
	r->gate.k = pl.k;
	snprintf(r->detail, sizeof(r->detail), "error %+.4f %% U %.4f %% ", pl.value_pct, pl.u_pct);
	describe_pool(ps, o, &pl, r->detail, sizeof(r->detail));
	bool own_failed = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct,
					       cur_point(s)->band_pct) == RIG_VERDICT_FAIL;
	describe_outputs(s, own_failed, r);
}

/* The duty's attempts pool like the gates' (deviation from 50 %, k = 2). */
static void judge_duty_pooled(const struct rig_seq *s, struct pos_state *ps,
			      const struct rig_duty_result *d, struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	ps->looks++;
	struct rig_pooled pl;
	if (d->periods == 0 ||
	    !pool_add(ps, DUTY_POOL, 100 * (d->duty - 0.5), 200 * d->u_duty, 2, 0) ||
	    !pooled(s, ps, DUTY_POOL, &pl))
		return;
	r->verdict = rig_verdict_accuracy(pl.value_pct, pl.u_judge_pct, p->band_pct);
	r->value = 50 + pl.value_pct;
	snprintf(r->detail, sizeof(r->detail), "duty %.3f %% +- %.3f %% ", r->value, pl.u_pct);
	describe_pool(ps, DUTY_POOL, &pl, r->detail, sizeof(r->detail));
}

/* The power the window detects for certain goes with every creep and
 * starting-load result (and so onto the certificate). */
static void state_detect_limit(const struct rig_point *p, struct rig_point_result *r)
{
	append(r->detail, sizeof(r->detail), " in %.0f s: detects %.1f W and above%s",
	       p->max_gate_s, rig_point_detect_limit_w(p),
	       p->detect_w > 0 ? " (window from the profile's detect)" : "");
}

/* Is the step long enough for an output to show edges at this position? */
static bool connection_expected(const struct rig_seq *s, const struct pos_state *ps, int o)
{
	double w = rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
	return rig_connection_expected(output_kh[o], w, window_s(cur_point(s)));
}

/* Voltage only: no output may toggle without current, and a wired power
 * LED must light; a position whose power LED stays dark is empty. */
static void judge_voltage_only(const struct rig_seq *s, struct pos_state *ps, int i,
			       struct rig_point_result *r)
{
	char lines[96] = "";
	r->edges_counted = 0;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o] && ps->line_count[o].edges > 0) {
			append(lines, sizeof(lines), "%sKh %g", r->edges_counted ? ", " : "",
			       output_kh[o]);
			r->edges_counted += ps->line_count[o].edges;
		}
	bool led_wired = s->fix->pos[i][RIG_SIG_POWER_LED].line >= 0;
	ps->wiring_error = led_wired && !ps->power_led && !ps->led_lit;
	r->led_on = ps->power_led || ps->led_lit;
	r->verdict = RIG_VERDICT_ERROR;
	if (ps->wiring_error) {
		snprintf(r->detail, sizeof(r->detail), "wiring: power LED off with voltage applied "
			 "(an empty position or an unplugged cable)");
	} else if (r->edges_counted) {
		snprintf(r->detail, sizeof(r->detail), "wiring: %d edges on %s with no current "
			 "(a crossed or noisy line)", r->edges_counted, lines);
	} else {
		r->verdict = RIG_VERDICT_PASS;
		snprintf(r->detail, sizeof(r->detail), "voltage only: %s, no output edge",
			 led_wired ? "power LED on" : "power LED not wired");
	}
}

static void judge_connection(const struct rig_seq *s, struct pos_state *ps,
			     struct rig_point_result *r)
{
	struct rig_connection_line l[N_OUTPUTS];
	int n = 0;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o])
			l[n++] = (struct rig_connection_line){ output_kh[o],
							       connection_expected(s, ps, o),
							       ps->line_count[o].edges };
	bool silent = false;
	bool alive = ps->led_lit || ps->power_led || ps->led_level;
	r->verdict = rig_connection_judge(l, n, alive, &silent, r->detail, sizeof(r->detail));
	r->edges_counted = 0;
	for (int k = 0; k < n; k++)
		r->edges_counted += l[k].edges;
	ps->wiring_error = silent;
}

static bool connection_complete(const struct rig_seq *s, const struct pos_state *ps)
{
	if (!(s->primary_a > 0))
		return false;	/* voltage only: the whole window, to see nothing toggle */
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o] && connection_expected(s, ps, o) &&
		    ps->line_count[o].edges == 0)
			return false;
	return true;
}

/* An influence point: its error's change from the reference point's,
 * besides the error itself (C12.1 judges the change). Every final
 * accuracy result is kept for the points that refer to it. */
static void judge_change(const struct rig_seq *s, struct pos_state *ps,
			 struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	if (p->kind != RIG_POINT_ACCURACY || r->verdict == RIG_VERDICT_ERROR ||
	    r->verdict == RIG_VERDICT_NONE)
		return;
	if (r->gate.u_pct >= 0) {
		ps->point_err[s->point] = r->gate.error_pct;
		ps->point_u[s->point] = r->gate.u_pct;
		ps->point_have[s->point] = true;
	}
	/* change_band 0 (a point built without the parser): no change judged */
	int k = p->reference_point;
	if (k < 0 || k >= s->point || !(p->change_band_pct > 0))
		return;
	const char *ref = s->prof->points[k].name;
	if (!ps->point_have[k]) {
		r->verdict = rig_verdict_worst(r->verdict, RIG_VERDICT_INDETERMINATE);
		append(r->detail, sizeof(r->detail), "; no result of '%s' to judge the change from",
		       ref);
		return;
	}
	/* a retested point was looked at more than once: its change is
	 * judged with the retest guard, as its error is */
	double u_judge = r->gate.u_pct;
	int o = output_index(p->output_kh);
	struct rig_pooled pl;
	if (r->attempt > 1 && o >= 0 && pooled(s, ps, o, &pl))
		u_judge = pl.u_judge_pct;
	else if (ps->gate_looks > 0)
		u_judge = own_u_judge(s, ps, &r->gate);
	double change, u;
	enum rig_verdict v = rig_verdict_change(r->gate.error_pct, u_judge,
						ps->point_err[k], ps->point_u[k],
						p->change_band_pct, &change, &u);
	r->verdict = rig_verdict_worst(r->verdict, v);
	r->value = change;
	append(r->detail, sizeof(r->detail), "; change from %s %+.4f %% U %.4f %% (band %.3f %%): %s",
	       ref, change, u, p->change_band_pct, rig_verdict_name(v));
}

/* The reverse-phase LED as the guide states it (rig_reverse_led_expected):
 * where the guide says it may be on or off, what it did is reported and
 * not judged. */
static void judge_reverse_led(const struct rig_seq *s, const struct pos_state *ps,
			      struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	const struct rig_meter_model *m = &s->plan.pos[r->position - 1].model;
	double window = window_s(p);
	enum rig_led_expect want = rig_reverse_led_expected(rig_point_element_mask(p, m),
							      p->reversed, s->primary_a);
	/* steady state: on (or off) for at least 90 % of the window */
	r->led_on = rig_led_is_on(&ps->led);
	r->value = window > 0 ? 100 * rig_led_on_s(&ps->led, s->window_end_ns) / window : 0;
	if (want == RIG_LED_EXPECT_EITHER) {
		r->verdict = RIG_VERDICT_NONE;
		snprintf(r->detail, sizeof(r->detail),
			 "reverse LED on %.0f %% of %.0f s; not judged: the guide says it may be "
			 "on or off here", r->value, window);
		return;
	}
	bool on = want == RIG_LED_EXPECT_ON;
	r->verdict = on ? rig_check_led_on(&ps->led, s->window_end_ns, 0.9 * window)
			: rig_check_led_off(&ps->led, s->window_end_ns, 0.1 * window);
	snprintf(r->detail, sizeof(r->detail), "reverse LED on %.0f %% of %.0f s (expected %s)",
		 r->value, window, on ? "on" : "off");
	if (on && r->verdict == RIG_VERDICT_FAIL)
		append(r->detail, sizeof(r->detail),
		       ": CT %s driven reversed %s, the meter does not see it reversed (a CT "
		       "wired backwards, or a dead LED)",
		       p->reversed == 3 ? "1 and 2" : p->reversed == 2 ? "2" : "1",
		       p->reversed == 3 ? "(CTs swapped between lines)" : "alone");
}

/* Guide 2.3: the power LED is lit whenever the meter has proper voltage,
 * which every point applies; dark at any time after the settle fails. */
static void judge_power_led(const struct rig_seq *s, const struct pos_state *ps,
			    struct rig_point_result *r)
{
	/* the connection check reads the LED itself: dark there is an empty position */
	if (cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
		return;
	if (s->fix->pos[r->position - 1][RIG_SIG_POWER_LED].line < 0)
		return;
	if (!ps->power_led_dark && ps->power_led)
		return;
	r->power_led_off = true;
	r->verdict = rig_verdict_worst(r->verdict, RIG_VERDICT_FAIL);
	char own[sizeof(r->detail)];
	snprintf(own, sizeof(own), "%s", r->detail);
	r->detail[0] = '\0';
	append(r->detail, sizeof(r->detail), "power LED dark at %.0f V; %s", cur_point(s)->voltage_v,
	       own);
}

static enum outcome judge(const struct rig_seq *s, struct pos_state *ps,
			  struct rig_point_result *r, bool *final_pooled)
{
	const struct rig_point *p = cur_point(s);
	enum outcome out = FINAL;
	struct rig_duty_result d;
	r->reference_w = rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		out = judge_gates(s, ps, r, final_pooled);
		if (out == RETRY || r->verdict == RIG_VERDICT_ERROR)
			return out;
		break;
	case RIG_POINT_CREEP:
		r->edges_counted = ps->count.edges;
		r->verdict = rig_check_creep(&ps->count, p->max_edges);
		snprintf(r->detail, sizeof(r->detail), "%d edges with no load (at most %d)",
			 ps->count.edges, p->max_edges);
		state_detect_limit(p, r);
		break;
	case RIG_POINT_STARTING_LOAD:
		r->edges_counted = ps->count.edges;
		r->verdict = rig_check_starting_load(&ps->count, p->min_edges);
		snprintf(r->detail, sizeof(r->detail), "%d edges at starting load (at least %d)",
			 ps->count.edges, p->min_edges);
		state_detect_limit(p, r);
		break;
	case RIG_POINT_PULSE_DUTY:
		rig_duty_result(&ps->duty, &d);
		r->verdict = rig_check_duty(&d, 0.5, p->band_pct / 100);
		r->value = d.duty >= 0 ? 100 * d.duty : -1;
		if (d.periods == 0)
			snprintf(r->detail, sizeof(r->detail), "no full output period in the window");
		else
			snprintf(r->detail, sizeof(r->detail), "duty %.3f %% +- %.3f %% over %d periods",
				 100 * d.duty, 200 * d.u_duty, d.periods);
		judge_duty_pooled(s, ps, &d, r);
		break;
	case RIG_POINT_REVERSE_LED:
		judge_reverse_led(s, ps, r);
		break;
	case RIG_POINT_WARM_UP:
		r->verdict = RIG_VERDICT_NONE;
		snprintf(r->detail, sizeof(r->detail), "warm-up: %.0f s at %g A, nothing judged",
			 window_s(p), s->primary_a);
		break;
	case RIG_POINT_CONNECTION_CHECK:
		if (s->primary_a > 0)
			judge_connection(s, ps, r);
		else
			judge_voltage_only(s, ps, r->position - 1, r);
		break;
	case RIG_POINT_REGISTER:
		judge_register(s, ps, r);
		judge_power_led(s, ps, r);
		/* never retested: the readings are the operator's, given once */
		if (r->verdict == RIG_VERDICT_INDETERMINATE &&
		    s->prof->indeterminate == RIG_INDETERMINATE_FAIL)
			r->verdict = RIG_VERDICT_FAIL;
		return FINAL;
	}
	judge_power_led(s, ps, r);
	return judge_indeterminate(s, ps, &r->verdict);
}

/* The abandoned attempt goes out as it was, so the loss is on record. */
static void emit_retry(struct rig_seq *s, const struct rig_point_result *r)
{
	struct rig_seq_event *ev = push(s, RIG_EV_POINT_RETRY);
	ev->result = *r;
	size_t n = strlen(ev->result.detail);
	snprintf(ev->result.detail + n, sizeof(ev->result.detail) - n, "; measuring again");
}

/* The final attempt says what made it necessary. */
static void note_earlier_loss(const struct pos_state *ps, struct rig_point_result *r)
{
	if (ps->lost_before == 0)
		return;
	char note[64];
	snprintf(note, sizeof(note), "; measured again after %llu lost edges",
		 (unsigned long long)ps->lost_before);
	size_t n = strlen(r->detail), room = sizeof(r->detail) - 1;
	if (n + strlen(note) > room)
		n = room > strlen(note) ? room - strlen(note) : 0;	/* the note matters more */
	snprintf(r->detail + n, sizeof(r->detail) - n, "%s", note);
}

static void emit_result(struct rig_seq *s, int i, const struct rig_point_result *r)
{
	struct rig_seq_event *ev = push(s, RIG_EV_POINT_RESULT);
	ev->result = *r;
	s->pos[i].worst = rig_verdict_worst(s->pos[i].worst, r->verdict);
	s->pos[i].in_point = false;
}

static void remember_duty(struct pos_state *ps)
{
	for (int o = 0; o < N_OUTPUTS; o++) {
		if (!ps->gating[o])
			continue;
		struct rig_gate_result g;
		rig_gate_result(&ps->gate[o], &g);
		if (g.duty >= 0 && g.u_duty > 0 &&
		    (ps->known_duty[o] < 0 || g.u_duty < ps->known_u_duty[o])) {
			ps->known_duty[o] = g.duty;
			ps->known_u_duty[o] = g.u_duty;
		}
	}
}

static enum rig_run_state state_for(enum rig_verdict v)
{
	switch (v) {
	case RIG_VERDICT_NONE:
	case RIG_VERDICT_PASS:
		return RIG_RUN_PASSED;
	case RIG_VERDICT_INDETERMINATE:
		return RIG_RUN_INDETERMINATE;
	case RIG_VERDICT_FAIL:
		return RIG_RUN_FAILED;
	case RIG_VERDICT_ABORTED:
		return RIG_RUN_ABORTED;
	case RIG_VERDICT_ERROR:
		break;
	}
	return RIG_RUN_ERROR;
}

static void finish_point(struct rig_seq *s)
{
	bool retry = false;
	int judged = 0, silent = 0;
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		if (!ps->in_point)
			continue;
		struct rig_point_result r = {
			.point = s->point, .position = i + 1, .attempt = ps->attempt,
			.current_a = s->primary_a,
		};
		bool pooled_result = false;
		if (judge(s, ps, &r, &pooled_result) == RETRY) {
			if (pooled_result && cur_point(s)->kind == RIG_POINT_ACCURACY)
				append(r.detail, sizeof(r.detail), "; pooled with the earlier attempts: %s",
				       rig_verdict_name(r.verdict));
			emit_retry(s, &r);
			ps->lost_before += r.gate.lost_edges;
			ps->attempt++;
			retry = true;
			continue;
		}
		if (r.verdict != RIG_VERDICT_ERROR)
			remember_duty(ps);
		if (pooled_result && cur_point(s)->kind == RIG_POINT_ACCURACY)
			state_pooled(s, ps, &r);
		judge_change(s, ps, &r);
		note_earlier_loss(ps, &r);
		emit_result(s, i, &r);
		/* no output edge anywhere, LEDs lit or not: the current is not
		 * flowing or the input is dead, not every meter at once */
		judged++;
		if (cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
			silent += s->primary_a > 0 ? r.edges_counted == 0 : ps->wiring_error;
	}
	if (judged > 0 && silent == judged) {
		stop(s, RIG_RUN_ERROR, s->primary_a > 0
			? "rig error: no position gave an output edge in the connection check (check "
			  "the edge input, the header cable and the source's current)"
			: "rig error: no position's power LED lit with voltage applied (check the "
			  "source's voltage, the edge input and the header cable)");
		return;
	}
	if (retry) {
		start_measuring(s, 0);	/* the load has not changed: no new settle */
		return;
	}
	s->point++;
	begin_point(s);
}

static void end_run(struct rig_seq *s)
{
	enum rig_verdict worst = RIG_VERDICT_NONE;
	for (int i = 0; i < s->fix->n_positions; i++)
		worst = rig_verdict_worst(worst, s->pos[i].worst);
	s->point = s->prof->n_points - 1;
	stop(s, state_for(worst), RIG_RUN_REASON_COMPLETE);
}

/* --- progress ----------------------------------------------------------------------- */

static double estimate_point_s(const struct rig_seq *s, int k)
{
	const struct rig_point *p = &s->prof->points[k];
	double settle = p->settle_s > s->fix->settle_s ? p->settle_s : s->fix->settle_s;
	if (!uses_gates(p))
		return settle + p->max_gate_s;
	struct rig_setpoint sp;
	double gate = p->max_gate_s;
	bool applies[RIG_MAX_POSITIONS];
	const struct rig_meter_model *m = point_positions(s, k, applies);
	if (!m)
		return 0;	/* skipped */
	if (rig_setpoint_for_point(p, m, s->fix, NULL, &sp, NULL) == 0) {
		double w = rig_setpoint_meter_power_w(&sp, s->primary_per_source);
		double kh = p->kind == RIG_POINT_ACCURACY ? p->output_kh : 10;
		int edges = p->min_edges > 5 ? p->min_edges : 5;
		if (w > 0) {
			double need = (edges - 1) * kh / 2 * 3600 / w;
			if (need < p->min_gate_s)
				need = p->min_gate_s;
			if (need < gate)
				gate = need;
		}
	}
	return settle + gate;
}

static double slowest_u(const struct rig_seq *s, double *ret_remaining_s)
{
	double u_max = -1, rem = 0;
	double to_end = (double)(s->window_end_ns - s->now_ns) / RIG_NS_PER_S;
	for (int i = 0; i < s->fix->n_positions; i++) {
		const struct pos_state *ps = &s->pos[i];
		if (!ps->in_point || ps->done)
			continue;
		double r = to_end;
		for (int o = 0; o < N_OUTPUTS; o++) {
			if (!ps->gating[o] || ps->secondary[o])
				continue;
			struct rig_gate_result g;
			rig_gate_progress(&ps->gate[o], &g);
			if (g.u_pct > u_max)
				u_max = g.u_pct;
			double target = cur_point(s)->target_u_pct;
			/* U falls at least as 1 / gate time once the fit has begun */
			if (g.u_pct > 0 && g.gate_s > 0 && target > 0) {
				double more = g.gate_s * (g.u_pct / target - 1);
				if (more < r)
					r = more;
			}
		}
		if (r > rem)
			rem = r;
	}
	*ret_remaining_s = rem > 0 ? rem : 0;
	return u_max;
}

static void progress(struct rig_seq *s)
{
	struct rig_seq_event *ev = push(s, RIG_EV_PROGRESS);
	double rem = 0;
	ev->point_u_pct = s->phase == PH_MEASURING ? slowest_u(s, &rem) : -1;
	if (s->phase != PH_MEASURING)
		rem = estimate_point_s(s, s->point);
	for (int k = s->point + 1; k < s->prof->n_points; k++)
		rem += estimate_point_s(s, k);
	ev->elapsed_s = (double)(s->now_ns - s->run_start_ns) / RIG_NS_PER_S;
	ev->remaining_s = rem;
	s->last_progress_ns = s->now_ns;
}

/* --- measuring ------------------------------------------------------------------------ */

static bool gate_finished(const struct rig_gate *g)
{
	return g->state == RIG_GATE_DONE || g->state == RIG_GATE_TIMED_OUT ||
	       g->state == RIG_GATE_INVALID;
}

static bool secondaries_done(struct rig_seq *s, struct pos_state *ps);

static void update_done(struct rig_seq *s, int i)
{
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	bool window_over = s->now_ns >= s->window_end_ns;
	struct rig_duty_result d;
	switch (p->kind) {
	case RIG_POINT_ACCURACY:
	case RIG_POINT_OUTPUT_CONSISTENCY:
		ps->done = true;
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o]) {
				rig_gate_tick(&ps->gate[o], s->now_ns);
				if (!ps->secondary[o] && !gate_finished(&ps->gate[o]))
					ps->done = false;
			}
		if (ps->done)
			ps->done = secondaries_done(s, ps);
		break;
	case RIG_POINT_CREEP:
		ps->done = window_over || ps->count.edges > p->max_edges;
		break;
	case RIG_POINT_STARTING_LOAD:
		ps->done = window_over || ps->count.edges >= p->min_edges;
		break;
	case RIG_POINT_PULSE_DUTY:
		rig_duty_result(&ps->duty, &d);
		ps->done = window_over ||
			   (d.periods >= 3 && 2 * d.periods >= p->min_edges &&
			    s->now_ns - s->settle_until_ns >= (int64_t)(p->min_gate_s * RIG_NS_PER_S) &&
			    rig_check_duty(&d, 0.5, p->band_pct / 100) != RIG_VERDICT_INDETERMINATE);
		break;
	case RIG_POINT_REVERSE_LED:
	case RIG_POINT_WARM_UP:
	case RIG_POINT_REGISTER:
		ps->done = window_over;
		break;
	case RIG_POINT_CONNECTION_CHECK:
		ps->done = window_over || connection_complete(s, ps);
		break;
	}
}

/* Share of the time the point has already gated that it may wait for a
 * slower output's own evidence. The point ends when its own output is done
 * unless a slower output's evidence (its next edge of the same direction
 * as its first, a full cycle; with no edge yet, the energy of one cycle,
 * which bounds a dead output) comes within this: bench time grows by at
 * most a quarter, the margin the production profile's time goal (1.25
 * times its physical limit) leaves. Beyond it the output is judged on
 * what it has, and says so where that decides nothing. */
#define REACH_FRACTION 0.25

/* Ends a secondary gate where it stands: as far as its edges are surely in. */
static void stop_secondary(struct rig_seq *s, struct rig_gate *g)
{
	int64_t known = s->now_ns - (int64_t)(g->cfg.edge_latency_s * RIG_NS_PER_S);
	if (known > s->edges_complete_ns)
		known = s->edges_complete_ns;
	if (known < s->settle_until_ns)
		known = s->settle_until_ns;
	if (known < g->cfg.max_until_ns)
		g->cfg.max_until_ns = known;
	rig_gate_tick(g, s->now_ns);
}

/* When a secondary output's own evidence is due, from its edges so far. */
static int64_t evidence_due_ns(const struct rig_seq *s, const struct pos_state *ps, int o)
{
	const struct rig_gate *g = &ps->gate[o];
	double w = point_power_w(s, ps), band = cur_point(s)->band_pct / 100;
	if (!(w > 0) || !(band < 1))
		return INT64_MAX;
	double cycle_s = ps->kh[o] * 3600 / w;
	double after_s = g->n > 0 ? cycle_s * (1 + band) : cycle_s / (1 - band);
	int64_t from = g->n > 0 ? g->t_ns[0] : s->settle_until_ns;
	return from + (int64_t)((after_s + g->cfg.edge_latency_s) * RIG_NS_PER_S);
}

static bool secondaries_done(struct rig_seq *s, struct pos_state *ps)
{
	if (ps->own_done_ns == 0)
		ps->own_done_ns = s->now_ns;
	double taken_ns = (double)(ps->own_done_ns - s->settle_until_ns);
	double cap = (double)ps->own_done_ns + REACH_FRACTION * (taken_ns > 0 ? taken_ns : 0);
	bool done = true;
	for (int o = 0; o < N_OUTPUTS; o++) {
		struct rig_gate *g = &ps->gate[o];
		if (!ps->gating[o] || !ps->secondary[o] || gate_finished(g))
			continue;
		int64_t due = evidence_due_ns(s, ps, o);
		if (s->now_ns < due && (double)due <= cap && due <= s->window_end_ns) {
			done = false;
			continue;
		}
		stop_secondary(s, g);
	}
	return done;
}

static void check_point_done(struct rig_seq *s)
{
	if (s->phase != PH_MEASURING)
		return;
	/* every position, before any waits on another: a done gate takes no
	 * edges, so one extended later would miss those that came meanwhile */
	for (int i = 0; i < s->fix->n_positions; i++)
		for (int o = 0; o < N_OUTPUTS; o++)
			if (s->pos[i].in_point && s->pos[i].gating[o] && !s->pos[i].secondary[o])
				extend_indeterminate(s, &s->pos[i], o);
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (!s->pos[i].in_point)
			continue;
		update_done(s, i);
		if (!s->pos[i].done)
			return;
	}
	finish_point(s);
}

static bool measuring(const struct rig_seq *s)
{
	return s->state == RIG_RUN_RUNNING &&
	       (s->phase == PH_SETTLING || s->phase == PH_READING_POWER || s->phase == PH_MEASURING);
}

static void advance_time(struct rig_seq *s, int64_t t)
{
	if (t > s->now_ns)
		s->now_ns = t;
}

/* An edge of any line: every edge before it was delivered or reported
 * lost, and the output lines' chains of numbers continue from it. */
static void remember_line(struct rig_seq *s, int position, enum rig_signal sig,
			  const struct rig_edge *e)
{
	if (e->timestamp_ns > s->edges_complete_ns)
		s->edges_complete_ns = e->timestamp_ns;
	if (position < 1 || position > RIG_MAX_POSITIONS)
		return;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (output_sig[o] == sig) {
			s->pos[position - 1].last_edge[o] = *e;
			s->pos[position - 1].have_last_edge[o] = true;
		}
}

/* What an edge of any line proves to the gates: the few-edges bound may
 * be stated up to its time (the dead-meter early stop). */
static void edges_complete(struct rig_seq *s)
{
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].gating[o])
					rig_gate_edges_complete(&s->pos[i].gate[o],
								s->edges_complete_ns);
}

/* Whether the power or reverse-phase LED lit during the connection check:
 * a meter that shows it is there is not an empty position, whatever its
 * outputs do. */
static void note_led(struct rig_seq *s, int position, enum rig_signal sig, bool on)
{
	if (position < 1 || position > RIG_MAX_POSITIONS ||
	    (sig != RIG_SIG_POWER_LED && sig != RIG_SIG_REVERSE_LED))
		return;
	struct pos_state *ps = &s->pos[position - 1];
	if (on && s->prof && s->point < s->prof->n_points &&
	    cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
		ps->led_lit = true;
}

/* The power LED's level at any time (it lights when the source comes on,
 * before any point measures); dark after a point's settle time counts. */
static void power_led_edge(struct rig_seq *s, struct pos_state *ps, const struct rig_edge *e)
{
	ps->power_led = e->kind == RIG_EDGE_RISING;
	if (!ps->power_led && measuring(s) && ps->in_point && e->timestamp_ns >= s->settle_until_ns)
		ps->power_led_dark = true;
}

void rig_seq_edge(struct rig_seq *s, int position, enum rig_signal sig, const struct rig_edge *e)
{
	/* the LED's level is needed at the start of an LED point, whenever
	 * it changed (often while the source is still applying) */
	if (sig == RIG_SIG_REVERSE_LED && position >= 1 && position <= RIG_MAX_POSITIONS)
		s->pos[position - 1].led_level = e->kind == RIG_EDGE_RISING;
	note_led(s, position, sig, e->kind == RIG_EDGE_RISING);
	if (sig == RIG_SIG_POWER_LED && position >= 1 && position <= RIG_MAX_POSITIONS)
		power_led_edge(s, &s->pos[position - 1], e);
	remember_line(s, position, sig, e);
	if (sig == RIG_SIG_REFERENCE)
		register_reference_edge(s, e);
	else
		register_output_edge(s, position, sig, e);
	if (!measuring(s))
		return;
	advance_time(s, e->timestamp_ns);
	if (sig == RIG_SIG_REFERENCE) {
		for (int i = 0; i < s->fix->n_positions; i++)
			if (s->pos[i].in_point)
				for (int o = 0; o < N_OUTPUTS; o++)
					if (s->pos[i].gating[o])
						rig_gate_reference_edge(&s->pos[i].gate[o], e);
		edges_complete(s);
		check_point_done(s);
		return;
	}
	int i = position - 1;
	if (i < 0 || i >= s->fix->n_positions || !s->pos[i].in_point)
		return;
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	bool watched = false;
	if (uses_gates(p)) {
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o] && output_sig[o] == sig) {
				rig_gate_meter_edge(&ps->gate[o], e);
				watched = true;
			}
	} else if (p->kind == RIG_POINT_CONNECTION_CHECK) {
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->line_watched[o] && output_sig[o] == sig) {
				rig_edge_count_add(&ps->line_count[o], e);
				watched = true;
			}
	} else if (sig == point_signal(p)) {
		watched = true;
		if (p->kind == RIG_POINT_CREEP || p->kind == RIG_POINT_STARTING_LOAD)
			rig_edge_count_add(&ps->count, e);
		else if (p->kind == RIG_POINT_PULSE_DUTY)
			rig_duty_edge(&ps->duty, e);
		else if (p->kind == RIG_POINT_REVERSE_LED)
			rig_led_edge(&ps->led, e);
	}
	edges_complete(s);
	if (watched)
		progress(s);
	check_point_done(s);
}

void rig_seq_edges_complete(struct rig_seq *s, int64_t t_ns)
{
	if (t_ns > s->edges_complete_ns)
		s->edges_complete_ns = t_ns;
	if (!measuring(s))
		return;
	edges_complete(s);
	check_point_done(s);
}

void rig_seq_lost(struct rig_seq *s, int position, enum rig_signal sig, uint64_t count)
{
	if (!measuring(s) || count == 0)
		return;
	if (position == 0) {
		/* line not known yet: any gate's line may be it until its own
		 * next edge says (a FAIL is never drawn from missing edges) */
		for (int i = 0; i < s->fix->n_positions; i++)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].in_point && s->pos[i].gating[o])
					rig_gate_maybe_lost(&s->pos[i].gate[o]);
		return;
	}
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		if (!ps->in_point || (sig != RIG_SIG_REFERENCE && i != position - 1))
			continue;
		/* a lost reference pulse spoils every gate's count */
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o] && (sig == RIG_SIG_REFERENCE || output_sig[o] == sig))
				rig_gate_lost(&ps->gate[o], count);
	}
	check_point_done(s);
}

void rig_seq_level(struct rig_seq *s, int position, enum rig_signal sig, bool high)
{
	note_led(s, position, sig, high);
	if (position < 1 || position > RIG_MAX_POSITIONS ||
	    (sig != RIG_SIG_REVERSE_LED && sig != RIG_SIG_POWER_LED))
		return;
	struct pos_state *ps = &s->pos[position - 1];
	if (sig == RIG_SIG_POWER_LED) {
		ps->power_led = high;
		return;
	}
	ps->led_level = high;
	if (measuring(s) && ps->in_point && cur_point(s)->kind == RIG_POINT_REVERSE_LED)
		rig_led_set(&ps->led, s->now_ns, high);
}

void rig_seq_tick(struct rig_seq *s, int64_t now_ns)
{
	if (s->state != RIG_RUN_RUNNING)
		return;
	advance_time(s, now_ns);
	if (s->phase == PH_REGISTER && !s->cmd_outstanding) {
		register_tick(s);
		return;
	}
	if (s->phase == PH_SETTLING && s->now_ns >= s->settle_until_ns && !s->cmd_outstanding) {
		send_command(s, RIG_CMD_READ_POWER);
		s->phase = PH_READING_POWER;
	}
	if (!measuring(s))
		return;
	if (s->now_ns - s->last_progress_ns >= PROGRESS_NS)
		progress(s);
	check_point_done(s);
}

int64_t rig_seq_next_deadline(const struct rig_seq *s)
{
	if (s->state == RIG_RUN_RUNNING && s->phase == PH_REGISTER)
		return register_deadline(s);
	if (!measuring(s))
		return INT64_MAX;
	int64_t t = s->last_progress_ns + PROGRESS_NS;
	if (s->phase == PH_SETTLING && s->settle_until_ns < t)
		t = s->settle_until_ns;
	if (s->phase == PH_MEASURING && s->window_end_ns < t)
		t = s->window_end_ns;
	return t;
}

/* --- commands, stopping ------------------------------------------------------------ */

static void run_done(struct rig_seq *s)
{
	struct rig_seq_event *ev = push(s, RIG_EV_RUN_DONE);
	ev->run_state = s->final_state;
	snprintf(ev->reason, sizeof(ev->reason), "%s", s->reason);
	s->state = s->final_state;
	s->phase = PH_DONE;
}

static void stop(struct rig_seq *s, enum rig_run_state final_state, const char *reason)
{
	if (s->state != RIG_RUN_RUNNING || s->phase == PH_STOPPING || s->phase == PH_DONE)
		return;
	bool was_measuring = s->phase != PH_IDLE;
	drop_queued_commands(s);
	s->final_state = final_state;
	snprintf(s->reason, sizeof(s->reason), "%s", reason ? reason : "");
	s->phase = PH_STOPPING;
	if (!s->cmd_outstanding)
		send_command(s, RIG_CMD_OUTPUT_OFF);
	if (!was_measuring || final_state == RIG_RUN_PASSED || final_state == RIG_RUN_FAILED ||
	    final_state == RIG_RUN_INDETERMINATE)
		return;
	/* the point under way ends for every position still in it */
	enum rig_verdict v = final_state == RIG_RUN_ABORTED ? RIG_VERDICT_ABORTED : RIG_VERDICT_ERROR;
	for (int i = 0; i < s->fix->n_positions; i++) {
		if (!s->pos[i].in_point)
			continue;
		struct rig_point_result r = {
			.point = s->point, .position = i + 1, .attempt = s->pos[i].attempt,
			.verdict = v, .current_a = s->primary_a,
		};
		r.gate.u_pct = -1;
		snprintf(r.detail, sizeof(r.detail), "%.150s", s->reason);
		note_earlier_loss(&s->pos[i], &r);
		emit_result(s, i, &r);
	}
}

static const char *cmd_name(enum rig_cmd_kind k)
{
	switch (k) {
	case RIG_CMD_OUTPUT_OFF:
		return "output off";
	case RIG_CMD_APPLY:
		return "apply setpoint";
	case RIG_CMD_OUTPUT_ON:
		return "output on";
	case RIG_CMD_READ_POWER:
		return "read power";
	}
	return "?";
}

void rig_seq_command_done(struct rig_seq *s, int64_t now_ns, bool ok, const char *error_text,
			  double power_w)
{
	if (!s->cmd_outstanding || s->state != RIG_RUN_RUNNING)
		return;
	advance_time(s, now_ns);
	s->cmd_outstanding = false;
	enum rig_cmd_kind kind = s->cmd_kind;
	if (s->phase == PH_STOPPING) {
		if (kind != RIG_CMD_OUTPUT_OFF) {
			send_command(s, RIG_CMD_OUTPUT_OFF);
			return;
		}
		if (ok) {
			s->output_on = false;
		} else {
			/* the output may still be on: say so loudly */
			char reason[200];
			snprintf(reason, sizeof(reason), "output off failed: %.80s%s%.90s",
				 error_text ? error_text : "no reason given",
				 s->reason[0] ? "; after: " : "", s->reason);
			snprintf(s->reason, sizeof(s->reason), "%s", reason);
			s->final_state = RIG_RUN_ERROR;
		}
		run_done(s);
		return;
	}
	if (!ok) {
		char reason[200];
		snprintf(reason, sizeof(reason), "%s failed: %s", cmd_name(kind),
			 error_text && error_text[0] ? error_text : "no reason given");
		stop(s, RIG_RUN_ERROR, reason);
		return;
	}
	switch (kind) {
	case RIG_CMD_APPLY:
		if (!s->output_on) {
			send_command(s, RIG_CMD_OUTPUT_ON);
			s->phase = PH_SWITCHING_ON;
		} else if (cur_point(s)->kind == RIG_POINT_REGISTER) {
			register_applied(s);
		} else {
			start_measuring(s, settle_s(s));
		}
		break;
	case RIG_CMD_OUTPUT_ON:
		s->output_on = true;
		if (cur_point(s)->kind == RIG_POINT_REGISTER)
			register_applied(s);
		else
			start_measuring(s, settle_s(s));
		break;
	case RIG_CMD_READ_POWER:
		if (cur_point(s)->kind == RIG_POINT_REGISTER) {
			register_power(s, power_w);
			break;
		}
		s->reference_source_w = power_w;
		for (int i = 0; i < s->fix->n_positions; i++)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].in_point && s->pos[i].gating[o])
					rig_gate_reference_power(&s->pos[i].gate[o],
								 s->settle_until_ns, power_w);
		s->phase = PH_MEASURING;
		check_point_done(s);
		break;
	case RIG_CMD_OUTPUT_OFF:
		break;
	}
}

void rig_seq_abort(struct rig_seq *s, int64_t now_ns, const char *reason)
{
	advance_time(s, now_ns);
	stop(s, RIG_RUN_ABORTED, reason && reason[0] ? reason : "aborted");
}

void rig_seq_fault(struct rig_seq *s, int64_t now_ns, const char *reason)
{
	advance_time(s, now_ns);
	stop(s, RIG_RUN_ERROR, reason && reason[0] ? reason : "fault");
}
