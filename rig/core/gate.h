/* Percent registration of one meter output, gated on the meter's own edges.
 *
 * Feed it the output's edges (and, for the standard-gated method, the
 * reference standard's edges) in timestamp order, plus the reference power
 * when it is known; it says when the point has enough evidence and what the
 * error and its expanded uncertainty are. No I/O, no clock: time is the
 * timestamps it is given (and rig_gate_tick for the time-out).
 *
 * Each edge of a 50 % duty output is Kh/2 Wh. Gating between edges of the
 * same direction cancels duty asymmetry; between opposite edges it needs
 * the duty (measured on this gate or handed in from an earlier point). */
#ifndef RIG_CORE_GATE_H
#define RIG_CORE_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"

enum rig_reference_kind {
	RIG_REF_SOURCE_POWER,		/* source power (setpoint or read-back) integrated over the gate */
	RIG_REF_STANDARD_PULSES,	/* a reference standard's pulses counted between the gating edges */
};

struct rig_gate_config {
	double kh_wh;			/* Wh per pulse of the measured output (registered energy per full period) */
	double duty;			/* energy fraction of the high half, if known from an earlier point; < 0 unknown */
	double u_duty;			/* its standard uncertainty */
	int64_t settle_until_ns;	/* edges before this are never a gate start */
	int64_t max_until_ns;		/* the point stops here whatever it has */
	double min_gate_s;
	int min_edges;			/* least meter edges in the gate (>= 2) */
	int min_scatter_dof;		/* residual dof of the fit needed before DONE; 0 = none,
					 * RIG_GATE_MIN_SCATTER_DOF when the prior timing sigma
					 * may miss the meter's pulse-update quantization */
	double target_u_pct;		/* expanded (k = 2) uncertainty to reach, percent */
	double fail_band_pct;		/* > 0: stop early once fewer than two edges prove the
					 * registration below 100 - band (a meter that does not run) */
	double edge_latency_s;		/* how late an edge may reach the gate after it happened */
	double timing_sigma_s;		/* prior standard uncertainty of one edge timestamp (input + meter) */
	double quantum_s;		/* declared pulse-update period: the meter updates its output
					 * only every quantum_s; 0 when continuous. Its error is a slow
					 * sawtooth the scatter cannot see. The gate checks the edges
					 * against it and estimates it when they contradict it. */
	enum rig_reference_kind reference;
	double ref_u_rel;		/* relative standard uncertainty of the reference */
	double timebase_u_rel;		/* edge clock against the source's time, relative standard */
	double source_u_rel;		/* source power stability over the gate, relative standard */
	double ref_wh_per_pulse;	/* standard-gated method */
	double primary_per_source;	/* meter energy per unit of source energy (CT ratio or turns); 1 when direct */
};

enum rig_gate_state {
	RIG_GATE_SETTLING,	/* no gate start yet */
	RIG_GATE_GATING,	/* evidence accumulating */
	RIG_GATE_DONE,		/* target reached and minimum evidence met */
	RIG_GATE_TIMED_OUT,	/* max time reached; result has what there was */
	RIG_GATE_INVALID,	/* lost edges or inconsistent edges: retry the point */
};

/* The uncertainty budget of one point (GUM): every term relative to the
 * registration, contribution = |sensitivity| * u, uc the root sum of the
 * squares of the contributions, k Student's t at nu_eff. */
enum rig_u_term {
	RIG_U_SCATTER,		/* edge scatter about the fit (prior or observed), Wh per edge */
	RIG_U_REFERENCE,	/* reference energy, relative */
	RIG_U_QUANTUM,		/* pulse-update quantization: the slope's error from the update period, relative */
	RIG_U_DUTY,		/* duty handed in for opposite-edge gating, fraction */
	RIG_U_TIMEBASE,		/* edge clock against the source, relative */
	RIG_U_SOURCE,		/* source stability over the gate, relative */
	RIG_U_TERMS
};

struct rig_u_component {
	double u;		/* standard uncertainty of the input, in its own unit */
	double sensitivity;	/* relative registration per unit of the input */
	double contribution;	/* |sensitivity| * u, relative */
	double dof;		/* INFINITY for type B terms */
};

enum rig_period_check {
	RIG_PERIOD_NONE,	/* no update period declared, or too few edges to check */
	RIG_PERIOD_CONSISTENT,	/* the edges agree with the declared period */
	RIG_PERIOD_ESTIMATED,	/* the edges contradict it: estimated from them, budget widened */
	RIG_PERIOD_NARROWED,	/* the edges wrap within less: the period they bound is used */
};

struct rig_gate_budget {
	struct rig_u_component term[RIG_U_TERMS];
	double uc_rel;			/* combined standard uncertainty, relative */
	double nu_eff;			/* Welch-Satterthwaite; INFINITY when all type B */
	double k;
	enum rig_period_check period_check;
	double update_period_s;		/* the period the quantization term used */
	double declared_period_s;
};

const char *rig_u_term_name(enum rig_u_term t);
const char *rig_period_check_name(enum rig_period_check c);

struct rig_gate_result {
	enum rig_gate_state state;
	double error_pct;		/* registration - 100 */
	double u_pct;			/* expanded uncertainty, 95.45 % coverage: k = 2, or Student's t
					 * when the scatter sets it (see k); < 0 when nothing measured yet */
	int edges_used;
	double gate_s;
	double registered_wh;		/* meter energy over the gate (primary) */
	double reference_wh;		/* reference energy over the gate (primary) */
	double duty;			/* measured energy fraction of the high half, < 0 when not measured */
	double u_duty;
	uint64_t lost_edges;
	int scatter_dof;		/* residual degrees of freedom of the fit */
	double k;			/* coverage factor used for u_pct */
	char why[96];			/* for INVALID / TIMED_OUT: what happened */
	struct rig_gate_budget budget;	/* when u_pct comes from the fit */
};

#define RIG_GATE_MAX_EDGES 4096
/* Residual degrees of freedom from which the scatter of the edges about the
 * fit is used (when it exceeds the prior): the prior timing uncertainty
 * cannot know the meter's pulse-update quantization, the scatter can. */
#define RIG_GATE_MIN_SCATTER_DOF 2
/* The slowest pulse-update period meters are known to use (tens of ms: the
 * slowest seen, 50 ms): the floor of an estimate when the edges contradict
 * the declared one, and the fixture's default. */
#define RIG_GATE_SLOWEST_UPDATE_S 0.050
/* Degrees of freedom of the prior timing sigma, a type B estimate known to
 * about 25 %: nu = 1 / (2 * 0.25^2) (GUM G.4.2). */
#define RIG_GATE_PRIOR_DOF 8

struct rig_gate {
	struct rig_gate_config cfg;
	enum rig_gate_state state;
	/* meter edges inside the gate */
	int n;
	int64_t t_ns[RIG_GATE_MAX_EDGES];
	uint8_t kind[RIG_GATE_MAX_EDGES];
	double ref_wh_at[RIG_GATE_MAX_EDGES];	/* reference energy (primary Wh) at each edge */
	/* consistency of the edge stream, from the first edge seen */
	bool seen_any;
	uint64_t last_line_seqno;
	int64_t last_t_ns;
	uint8_t last_kind;
	uint64_t lost;
	/* reference */
	uint64_t ref_count;
	double power_w;			/* current reference power (source side) */
	int64_t power_since_ns;
	double energy_before_wh;	/* integral of power up to power_since_ns */
	bool have_power;
	/* Edges after the settle time that came while the reference power
	 * was not yet known (a slow read-back): kept in t_ns[0..n_waiting)
	 * and gated once the power comes, never discarded. */
	int n_waiting;
	/* What the sequence numbers prove, for the few-edges bound: every
	 * edge of the input up to complete_ns was delivered or reported lost;
	 * suspect while edges lost on lines not yet known may be this line's
	 * (cleared by this line's next edge, whose line seqno tells); an edge
	 * of this line lost since the settle time voids the bound. */
	int64_t complete_ns;
	bool prior_only;		/* the chain holds only rig_gate_prior_edge's edge */
	bool suspect;
	bool lost_in_window;
	/* The whole window from the settle time to the time-out, for the
	 * bound a gate with fewer than two edges still gives. */
	bool window_open;
	int64_t window_start_ns;
	double window_start_wh;		/* reference energy (primary Wh) at window_start_ns */
	int64_t window_end_ns;
	double window_end_wh;
	char why[96];
	/* The last fit, for progress displays; refitted on every edge up to
	 * RIG_GATE_EVERY_EDGE_UNTIL edges, then every RIG_GATE_REFIT_FRACTION
	 * more: a fit costs O(n), and a long gate refitted on every edge costs
	 * O(n^2), enough to stall the loop at full load on many positions. */
	struct rig_gate_result last_fit;
	int next_fit_n;
};

#define RIG_GATE_EVERY_EDGE_UNTIL 64
#define RIG_GATE_REFIT_FRACTION 0.02

void rig_gate_init(struct rig_gate *g, const struct rig_gate_config *cfg);

/* Reference power in source watts from t_ns on (piecewise constant). */
void rig_gate_reference_power(struct rig_gate *g, int64_t t_ns, double watts);

/* One reference-standard edge (standard-gated method; rising edges count). */
void rig_gate_reference_edge(struct rig_gate *g, const struct rig_edge *e);

/* One edge of the measured output. Returns the state after it. A gap in
 * line_seqno, a repeated edge kind or a timestamp going backwards makes the
 * gate INVALID. With the source-power reference, edges after the settle
 * time wait until a power is known and the gate then starts with them. */
enum rig_gate_state rig_gate_meter_edge(struct rig_gate *g, const struct rig_edge *e);

/* The last edge of this line before the gate was set up (an earlier point,
 * the source settling): the line seqno chain continues from it, so a loss
 * right after the set-up shows at the line's first edge. */
void rig_gate_prior_edge(struct rig_gate *g, const struct rig_edge *e);

/* Time passes without edges: returns TIMED_OUT at max_until_ns. */
enum rig_gate_state rig_gate_tick(struct rig_gate *g, int64_t now_ns);

/* Loss reported by the edge input for this line (kernel FIFO overflow). */
void rig_gate_lost(struct rig_gate *g, uint64_t count);

/* Edges lost on the input whose line is not known yet (a gap in the
 * global sequence number): this line may be one of them until its own
 * next edge says. */
void rig_gate_maybe_lost(struct rig_gate *g);

/* Every edge of the input up to t_ns has been delivered or reported lost
 * (an event at t_ns came with its sequence numbers checked). The few-edges
 * bound, early or at the time-out, is stated only up to there. */
void rig_gate_edges_complete(struct rig_gate *g, int64_t t_ns);

void rig_gate_result(const struct rig_gate *g, struct rig_gate_result *ret);
/* The result of the last fit (cheap; up to RIG_GATE_REFIT_FRACTION of the
 * edges behind while gating): for progress, never for a verdict. */
void rig_gate_progress(const struct rig_gate *g, struct rig_gate_result *ret);

/* Handbook form: %R = 100 * Kh * N * 3600 / (P * t). */
double rig_percent_registration(double kh_wh, double pulses, double watts, double seconds);

#endif
