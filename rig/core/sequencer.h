/* The test sequencer: a state machine that walks a profile for every meter
 * position of a bench at once (voltage in parallel, current in series).
 *
 * Inputs: start, command completions from the source driver, edges, lost
 * edge reports, line levels, ticks, abort and faults, all with the time they
 * happened. Outputs: a queue of events (source commands to carry out,
 * progress, point results, the end of the run) that the shell drains with
 * rig_seq_next_event. No I/O, no clock of its own: the daemon runs it in real
 * time, tests and benchmarks in virtual time.
 *
 * Safety: on abort, fault or the end of the run, the first command emitted
 * is RIG_CMD_OUTPUT_OFF; while a command is outstanding no other is sent. */
#ifndef RIG_CORE_SEQUENCER_H
#define RIG_CORE_SEQUENCER_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"
#include "rig/core/fixture.h"
#include "rig/core/gate.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/verdict.h"

/* What the source is asked to produce, in source terms (phases, source amps,
 * angles with the fixture's sign convention already applied). */
struct rig_setpoint {
	double frequency_hz;
	struct {
		int phase;		/* source phase number, 1-based; 0 = unused */
		double voltage_v;
		double voltage_angle_deg;
		double current_a;	/* source amps */
		double current_angle_deg;
	} ph[2];
};

enum rig_cmd_kind {
	RIG_CMD_OUTPUT_OFF,
	RIG_CMD_APPLY,		/* program the setpoint (output state unchanged) */
	RIG_CMD_OUTPUT_ON,
	RIG_CMD_READ_POWER,	/* total active power, source watts, as the reference */
};

struct rig_cmd {
	enum rig_cmd_kind kind;
	struct rig_setpoint sp;	/* RIG_CMD_APPLY */
};

struct rig_seq_position {
	bool present;
	char serial[64];
	struct rig_meter_model model;
	char stored_model[48];	/* the model stored for this serial by an earlier run; "" none */
};

struct rig_run_plan {
	const struct rig_profile *profile;
	const struct rig_fixture *fixture;
	struct rig_seq_position pos[RIG_MAX_POSITIONS];	/* fixture->n_positions used */
	/* Model safety (model_check.h): the batch's expected model ("" none);
	 * with model_override a disagreement is allowed (the shell records it). */
	char expected_model[48];
	bool model_override;
};

/* An output gated beside an accuracy point's own (Kh 100, Kh 1000, the
 * counter, the load LED): its registration against the same reference. */
struct rig_output_result {
	enum rig_signal sig;
	double kh;			/* Wh per cycle */
	enum rig_verdict verdict;	/* NONE: its evidence did not decide at this point's power */
	double error_pct;		/* registration - 100 */
	double u_pct;			/* expanded; < 0 when there is no estimate */
	int edges;
	bool bound;			/* under two edges: the registration is at most
					 * 100 + error_pct + u_pct (a dead output) */
	bool lost;			/* its edges were lost: no verdict here */
	double duty;			/* load LED: on fraction; < 0 when not measured */
};

#define RIG_SEQ_MAX_OUTPUTS 4

struct rig_point_result {
	int point;			/* index in the profile */
	int position;			/* 1-based, as rig_fixture_route gives it (plan->pos[position - 1]) */
	int attempt;			/* 1 on first measurement */
	enum rig_verdict verdict;
	struct rig_gate_result gate;	/* accuracy-like points */
	double current_a;		/* primary amps applied */
	double reference_w;		/* reference power (primary) during the point */
	int edges_counted;		/* creep, starting load */
	bool led_on;			/* reverse-phase LED */
	bool power_led_off;		/* the power LED went dark while measuring */
	int n_outputs;			/* accuracy: the other outputs gated with it */
	struct rig_output_result outputs[RIG_SEQ_MAX_OUTPUTS];
	double value;			/* duty (percent), output disagreement (percent),
					 * register advance (kWh) */
	/* register (LCD) test (has_readings): the readings (kWh; < 0 not
	 * given) and the energy the reference says was applied at the meter
	 * (gate.reference_wh) */
	bool has_readings;
	double reading_before_kwh, reading_after_kwh;
	char detail[400];		/* one line for people (a pooled retest lists its attempts) */
};

enum rig_seq_event_kind {
	RIG_EV_COMMAND,		/* carry out ev.cmd, then call rig_seq_command_done */
	RIG_EV_POINT_STARTED,
	RIG_EV_PROGRESS,	/* periodic, for displays */
	RIG_EV_POINT_RESULT,	/* one per position per point (final attempt) */
	RIG_EV_RUN_DONE,
	/* An attempt abandoned and measured again (lost or inconsistent edges:
	 * gate.state INVALID, verdict ERROR, gate.lost_edges and gate.why say
	 * what; an indeterminate under the RETEST policy: verdict
	 * INDETERMINATE, judged on the attempts so far pooled). ev.result is
	 * that attempt's own measurement; the next attempt of the same point
	 * and position follows with attempt + 1, and the final result is the
	 * pool of every attempt with an estimate (retest.h). */
	RIG_EV_POINT_RETRY,
	/* A register point wants the LCD readings (before or after its
	 * energy) of the positions in ev.positions (bit i: position i + 1),
	 * given with rig_seq_reading within ev.remaining_s; a position still
	 * without one then is not judged, and the run goes on. */
	RIG_EV_READING_WANTED,
};

enum rig_run_state {
	RIG_RUN_IDLE,
	RIG_RUN_RUNNING,
	RIG_RUN_PASSED,
	RIG_RUN_FAILED,
	RIG_RUN_INDETERMINATE,
	RIG_RUN_ABORTED,
	RIG_RUN_ERROR,		/* fault: instrument, rig, interlock */
	RIG_RUN_INTERRUPTED,	/* used by storage for runs a crash left open */
};

struct rig_seq_event {
	enum rig_seq_event_kind kind;
	struct rig_cmd cmd;
	int point;
	struct rig_point_result result;
	/* progress */
	double elapsed_s;
	double remaining_s;		/* estimate */
	double point_u_pct;		/* current uncertainty of the slowest position */
	/* reading wanted */
	bool reading_after;		/* false: before the energy, true: after */
	unsigned positions;
	/* run done */
	enum rig_run_state run_state;
	char reason[200];		/* abort or fault reason */
};

/* The reason of a run that walked its whole profile (RUN_DONE): its state
 * is the worst verdict; an error then is a position's own (a wiring error),
 * not one that stopped every position. */
#define RIG_RUN_REASON_COMPLETE "profile complete"

struct rig_seq;	/* opaque */

struct rig_seq *rig_seq_new(void);
void rig_seq_free(struct rig_seq *s);

/* Checks the plan (models against profile and fixture) and starts; -1 with
 * err and nothing emitted when the plan is refused. */
int rig_seq_start(struct rig_seq *s, const struct rig_run_plan *plan, int64_t now_ns,
		  struct rig_error *err);

void rig_seq_command_done(struct rig_seq *s, int64_t now_ns, bool ok, const char *error_text,
			  double power_w);
/* position is 1-based, as rig_fixture_route gives it (-1 with RIG_SIG_REFERENCE).
 * Every edge of the input goes in, in the order read, with the losses its
 * sequence numbers show reported first (rig_seq_lost): an edge of any line
 * then proves that no edge before it went missing unreported. */
void rig_seq_edge(struct rig_seq *s, int position, enum rig_signal sig, const struct rig_edge *e);
/* count edges lost on one line; position 0: on lines not known yet (a gap
 * in the global sequence number beyond the line's own; sig is not used),
 * which every gate treats as possibly its own until its line's next edge
 * says. */
void rig_seq_lost(struct rig_seq *s, int position, enum rig_signal sig, uint64_t count);
/* The input has delivered (or reported lost) every edge up to t_ns without
 * a later edge to show it: an input that drops only the oldest events when
 * full (the kernel's) proves that whenever it has been read empty. */
void rig_seq_edges_complete(struct rig_seq *s, int64_t t_ns);
void rig_seq_level(struct rig_seq *s, int position, enum rig_signal sig, bool high);
void rig_seq_tick(struct rig_seq *s, int64_t now_ns);
/* A register reading (kWh, as the LCD shows it) for a 1-based position,
 * while a register point asks for it (RIG_EV_READING_WANTED). -1 with err
 * when none is wanted from that position now, it was given already, or
 * the number is not a reading (the sequencer is unchanged). */
int rig_seq_reading(struct rig_seq *s, int64_t now_ns, int position, double kwh,
		    struct rig_error *err);
void rig_seq_abort(struct rig_seq *s, int64_t now_ns, const char *reason);
void rig_seq_fault(struct rig_seq *s, int64_t now_ns, const char *reason);

/* 1 and fills ev when an event is pending, 0 when the queue is empty. */
int rig_seq_next_event(struct rig_seq *s, struct rig_seq_event *ev);

/* Next time the shell must call rig_seq_tick (INT64_MAX when none). */
int64_t rig_seq_next_deadline(const struct rig_seq *s);

enum rig_run_state rig_seq_state(const struct rig_seq *s);
const char *rig_run_state_name(enum rig_run_state st);

#endif
