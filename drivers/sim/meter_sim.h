/* One emulated Mini Meter at one bench position, and the reference
 * standard, driven by the emulated source's output in virtual time. Pure
 * code: the caller steps them with times and collects raw edges.
 *
 * Registration: each element sees the source phase wired to it; its
 * primary current is the source current times the CT ratio (secondary
 * injection) or times the turns (primary turns). Element power is
 * V*I*cos(phi_v - phi_i), negated for a reversed CT, times (1 + e/100) with
 * e the meter's true error curve at that element's operating point. The
 * meter adds its elements' signed powers and registers the sum each update
 * period when it is positive (no reverse register: a net negative sum
 * registers nothing). All pulse outputs and the load LED derive from that
 * one register, so their edges fall on update-period boundaries (plus
 * jitter). */
#ifndef RIG_SIM_METER_SIM_H
#define RIG_SIM_METER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/sim/source_model.h"
#include "rig/core/edge.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"

/* Deterministic generator (splitmix64): same seed, same edges. */
struct sim_prng {
	uint64_t state;
};
void sim_prng_seed(struct sim_prng *r, uint64_t seed);
uint64_t sim_prng_next(struct sim_prng *r);
double sim_prng_uniform(struct sim_prng *r);	/* [0, 1) */
double sim_prng_gauss(struct sim_prng *r);	/* mean 0, sigma 1 */

/* The meter's true error, percent:
 *   base_pct
 * + per_decade_pct * log10(rated primary A / element primary A)   (low-current droop)
 * + pf_pct * (1 - |pf|)
 * + per_volt_pct * (100 * (V / element rating - 1))                (per % of voltage)
 * + per_hz_pct * (f - 60) */
struct sim_error_curve {
	double base_pct;
	double per_decade_pct;
	double pf_pct;
	double per_volt_pct;
	double per_hz_pct;
};

double sim_error_pct(const struct sim_error_curve *c, const struct rig_meter_model *m,
		     double primary_a, double pf, double volts, double hz);

struct sim_meter_cfg {
	struct rig_meter_model model;
	char serial[32];
	struct sim_error_curve error;
	double update_period_s;		/* 0: one 60 Hz line cycle */
	double jitter_sigma_s;		/* Gaussian, clipped at 4 sigma */
	double duty;			/* on fraction of the Kh outputs; 0: 0.5 */
	double creep_w;			/* registered with voltage and no current */
	double starting_a;		/* primary amps below which nothing registers */
	bool reversed_ct[2];		/* per element */
	unsigned dead_mask;		/* 1u << enum rig_signal: stuck low */
	unsigned stuck_on_mask;		/* 1u << enum rig_signal: stuck high (an LED lit for good) */
	unsigned wrong_ratio_mask;	/* 1u << enum rig_signal: a cycle of 10 times its Wh */
	/* The LCD register (models with one): it shows register_kwh plus the
	 * registered energy times register_ratio (1 when 0; another value is a
	 * wrong register ratio), truncated to its last digit,
	 * register_resolution_kwh (0.1 when 0). */
	double register_kwh;
	double register_ratio;
	double register_resolution_kwh;
	int source_phase[2];		/* source phase (1..3) per element; 0: 1, 2 */
	enum rig_injection injection;
	int turns;			/* RIG_INJECT_PRIMARY_TURNS */
};

#define SIM_LOAD_LED_KH 10.0	/* guide: at 200 W, 1.5 min on and 1.5 min off */
/* Guide 2.3, 3.9, 5.3: the reverse-phase LED works with a load above 1 A;
 * this model lights it while the meter's net power is negative (every
 * loaded element reversed, or CTs swapped between the lines), keeps it off
 * while the net is positive or zero (one of two equal elements reversed:
 * "doesn't always illuminate"), and leaves it as it was at or below 1 A
 * ("with no load, LED may be on or off"). */
#define SIM_REVERSE_LED_MIN_A 1.0
#define SIM_POWER_LED_MIN_FRACTION 0.8	/* of the element voltage rating */

/* One edge before numbering. */
struct sim_raw_edge {
	int64_t timestamp_ns;
	uint32_t line;
	enum rig_edge_kind kind;
	uint64_t order;		/* push order: ties in time keep it */
};

struct sim_edge_buf {
	struct sim_raw_edge *e;
	size_t n, cap;
	uint64_t pushed;
};
int sim_edge_buf_push(struct sim_edge_buf *b, int64_t ts, uint32_t line, enum rig_edge_kind kind);
void sim_edge_buf_free(struct sim_edge_buf *b);

/* A square-wave output driven by an energy register: low for the first
 * (1 - duty) of every kh, high for the rest. */
struct sim_pulse_out {
	double kh;		/* 0: the output does not exist */
	double duty;
	uint64_t rises, falls;	/* thresholds passed */
	bool level;
};

struct sim_meter {
	struct sim_meter_cfg cfg;
	int line[RIG_SIG_COUNT];		/* -1: not wired */
	struct sim_pulse_out out[RIG_SIG_COUNT];/* Kh outputs, counter, load LED */
	bool level[RIG_SIG_COUNT];
	int64_t last_ts[RIG_SIG_COUNT];
	int64_t next_step_ns;
	int64_t period_ns;
	double registered_wh;			/* the meter's register */
	double true_wh;				/* energy through its CT primaries */
	struct sim_prng rng;
};

void sim_meter_init(struct sim_meter *m, const struct sim_meter_cfg *cfg,
		    const int line[RIG_SIG_COUNT], uint64_t seed, int64_t start_ns);

/* Runs every update step ending at or before until_ns, reading the source
 * output from src, appending edges to out. Returns 0 or -1 (no memory). */
int sim_meter_run(struct sim_meter *m, const struct sim_source *src, int64_t until_ns,
		  struct sim_edge_buf *out);

/* Power the meter registers and the true power through its primaries at
 * one output state, watts. */
double sim_meter_power(const struct sim_meter *m, const struct sim_output *o, double *ret_true_w);

/* What the LCD shows now, kWh; -1 when the model has no LCD. */
double sim_meter_lcd_kwh(const struct sim_meter *m);

/* A new register ratio from now on: the LCD does not jump, it counts
 * at the new ratio from what it shows. */
void sim_meter_set_register_ratio(struct sim_meter *m, double ratio);

/* A wrong ratio on output s from now on (its cycle 10 times its Wh), or
 * the right one again: the output counts on from the register as it is
 * (at most one edge at once where the new cycle puts it). */
void sim_meter_set_wrong_ratio(struct sim_meter *m, enum rig_signal s, bool wrong);

/* Primary amps per source amp. */
double sim_meter_current_ratio(const struct sim_meter_cfg *cfg);

/* The reference standard: pulses at wh_per_pulse of the source's total
 * output power (source watts, no CT ratio), 50 % duty, at exact times. */
struct sim_reference {
	double wh_per_pulse;	/* 0: no reference */
	int line;
	struct sim_pulse_out out;
	int64_t next_step_ns, period_ns;
	double wh;
	int64_t last_ts;
};

void sim_reference_init(struct sim_reference *r, double wh_per_pulse, int line, int64_t start_ns);
int sim_reference_run(struct sim_reference *r, const struct sim_source *src, int64_t until_ns,
		      struct sim_edge_buf *out);

#endif
