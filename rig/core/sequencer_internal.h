/* The sequencer's private state, shared by its files (sequencer*.c) and
 * by nothing else: the public interface is sequencer.h. */
#ifndef RIG_CORE_SEQUENCER_INTERNAL_H
#define RIG_CORE_SEQUENCER_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "rig/core/checks.h"
#include "rig/core/retest.h"
#include "rig/core/sequencer.h"
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
	/* indeterminate, and no later look could decide it (seq_look_futile) */
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


enum outcome { FINAL, RETRY };

/* --- small helpers ------------------------------------------------------------- */

static inline int output_index(double kh)
{
	for (int i = 0; i < N_KH_OUTPUTS; i++)
		if (fabs(kh - output_kh[i]) < 1e-9)
			return i;
	return -1;
}

static inline const struct rig_point *cur_point(const struct rig_seq *s)
{
	return &s->prof->points[s->point];
}

/* The signal a point watches for kinds other than accuracy and consistency. */
static inline enum rig_signal point_signal(const struct rig_point *p)
{
	if (p->kind == RIG_POINT_REVERSE_LED)
		return RIG_SIG_REVERSE_LED;
	enum rig_signal sig = rig_signal_for_kh(p->output_kh > 0 ? p->output_kh : 10);
	return sig < RIG_SIG_COUNT ? sig : RIG_SIG_KH10;
}

/* LED points watch min_gate (a steady state shows at once); the others use
 * max_gate as their window or time-out, as the profile format says. */
static inline double window_s(const struct rig_point *p)
{
	if (p->kind == RIG_POINT_REVERSE_LED && p->min_gate_s > 0)
		return p->min_gate_s;
	return p->max_gate_s;
}

static inline double settle_s(const struct rig_seq *s)
{
	double a = cur_point(s)->settle_s, b = s->fix->settle_s;
	return a > b ? a : b;
}

static inline bool uses_gates(const struct rig_point *p)
{
	return p->kind == RIG_POINT_ACCURACY || p->kind == RIG_POINT_OUTPUT_CONSISTENCY;
}

static inline const char *output_name(int o)
{
	static const char *const names[N_OUTPUTS] = { "Kh 10", "Kh 100", "Kh 1000", "counter",
						      "load LED" };
	return o >= 0 && o < N_OUTPUTS ? names[o] : "?";
}

static inline bool gate_finished(const struct rig_gate *g)
{
	return g->state == RIG_GATE_DONE || g->state == RIG_GATE_TIMED_OUT ||
	       g->state == RIG_GATE_INVALID;
}

static inline bool measuring(const struct rig_seq *s)
{
	return s->state == RIG_RUN_RUNNING &&
	       (s->phase == PH_SETTLING || s->phase == PH_READING_POWER || s->phase == PH_MEASURING);
}

static inline void advance_time(struct rig_seq *s, int64_t t)
{
	if (t > s->now_ns)
		s->now_ns = t;
}

/* sequencer.c */
struct rig_seq_event *seq_push(struct rig_seq *s, enum rig_seq_event_kind kind);
void seq_send_command(struct rig_seq *s, enum rig_cmd_kind kind);
void seq_append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const struct rig_meter_model *seq_point_positions(const struct rig_seq *s, int k,
						  bool *applies);
void seq_finish_point(struct rig_seq *s);
void seq_stop(struct rig_seq *s, enum rig_run_state final_state, const char *reason);

/* sequencer_plan.c */
int seq_check_plan(const struct rig_run_plan *plan, struct rig_error *err);

/* sequencer_measure.c */
void seq_start_measuring(struct rig_seq *s, double settle);
void seq_check_point_done(struct rig_seq *s);

/* sequencer_progress.c */
void seq_progress(struct rig_seq *s);

/* sequencer_judge.c */
enum outcome seq_judge(const struct rig_seq *s, struct pos_state *ps,
		       struct rig_point_result *r, bool *final_pooled);

/* sequencer_gates.c */
void seq_describe_outputs(const struct rig_seq *s, bool own_failed, struct rig_point_result *r);
enum outcome seq_judge_gates(const struct rig_seq *s, struct pos_state *ps,
			     struct rig_point_result *r, bool *final_pooled);
void seq_state_pooled(const struct rig_seq *s, const struct pos_state *ps,
		      struct rig_point_result *r);
void seq_judge_change(const struct rig_seq *s, struct pos_state *ps,
		      struct rig_point_result *r);

/* sequencer_retest.c */
bool seq_pool_add_gate(struct pos_state *ps, int o, const struct rig_gate_result *g);
double seq_own_u_judge(const struct rig_seq *s, const struct pos_state *ps,
		       const struct rig_gate_result *g);
bool seq_look_futile(const struct rig_seq *s, const struct pos_state *ps,
		     const struct rig_gate_result *g, bool extending);
bool seq_extend_indeterminate(const struct rig_seq *s, struct pos_state *ps, int o);
bool seq_pooled(const struct rig_seq *s, const struct pos_state *ps, int slot,
		struct rig_pooled *ret);
void seq_describe_pool(const struct pos_state *ps, int slot, const struct rig_pooled *pl,
		       char *buf, size_t len);
void seq_judge_duty_pooled(const struct rig_seq *s, struct pos_state *ps,
			   const struct rig_duty_result *d, struct rig_point_result *r);

/* sequencer_connection.c */
void seq_judge_voltage_only(const struct rig_seq *s, struct pos_state *ps, int i,
			    struct rig_point_result *r);
void seq_judge_connection(const struct rig_seq *s, struct pos_state *ps,
			  struct rig_point_result *r);
bool seq_connection_complete(const struct rig_seq *s, const struct pos_state *ps);

/* sequencer_register.c */
int seq_register_setpoint(struct rig_seq *s, const struct rig_point *p,
			  const struct rig_meter_model *m, bool loaded, struct rig_error *err);
void seq_register_applied(struct rig_seq *s);
void seq_register_power(struct rig_seq *s, double source_w);
void seq_register_tick(struct rig_seq *s);
int64_t seq_register_deadline(const struct rig_seq *s);
void seq_register_reference_edge(struct rig_seq *s, const struct rig_edge *e);
void seq_register_output_edge(struct rig_seq *s, int position, enum rig_signal sig,
			      const struct rig_edge *e);
void seq_judge_register(const struct rig_seq *s, const struct pos_state *ps,
			struct rig_point_result *r);

#endif