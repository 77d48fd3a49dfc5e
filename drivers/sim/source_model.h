/* The emulated phantom-load source (Fluke 6100A/6105A style): setpoints as
 * the SCPI commands leave them, and the output the terminals actually carry,
 * which follows a setpoint change only after a settling time. Pure code:
 * time comes in as arguments (ns, any epoch). */
#ifndef RIG_SIM_SOURCE_MODEL_H
#define RIG_SIM_SOURCE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_PHASES 3
#define SIM_N_VOLT_RANGES 7
#define SIM_N_CURR_RANGES 7

extern const double sim_volt_ranges[SIM_N_VOLT_RANGES];	/* 23 .. 1008 V */
extern const double sim_curr_ranges[SIM_N_CURR_RANGES];	/* 0.25 .. 21 A */

struct sim_phase_setting {
	double volt_rms, volt_deg;
	double curr_rms, curr_deg;
	double volt_range_min, curr_range_min;	/* as sent; reported back by RANG? */
	int volt_range, curr_range;		/* index into the range tables */
	bool volt_on, curr_on;			/* VOLT:STAT, CURR:STAT */
	bool volt_harm_on, curr_harm_on;	/* VOLT:MHAR:STAT, CURR:MHAR:STAT */
};

/* What the terminals carry at one instant: amplitudes already 0 for
 * channels that are off. */
struct sim_phase_output {
	double volt_rms, volt_deg;
	double curr_rms, curr_deg;
};

struct sim_output {
	struct sim_phase_output phase[SIM_PHASES];
	double freq_hz;
	bool on;
};

struct sim_source {
	struct sim_phase_setting set[SIM_PHASES];
	double freq_hz;
	bool output_on;
	bool wdog_on;			/* OUTP:PROT:WDOG: output off when commands stop */
	double wdog_delay_s;		/* OUTP:PROT:WDOG:DEL */
	int64_t settle_ns;		/* time the output takes to reach a new setpoint */
	/* settling: the output moves linearly from `from` to the setpoint
	 * between t0 and t1 */
	struct sim_output from;
	int64_t t0_ns, t1_ns;
};

void sim_source_init(struct sim_source *s, double settle_s);
void sim_source_reset(struct sim_source *s, int64_t now_ns);	/* *RST: output off, defaults */

/* Call just before changing a setpoint: the output then settles from what
 * it carries at now_ns to the new setpoints. Range checks are the parser's
 * job (it owns the error queue). */
void sim_source_before_change(struct sim_source *s, int64_t now_ns);
/* Output on settles like a setpoint change; output off is immediate. */
void sim_source_set_output(struct sim_source *s, bool on, int64_t now_ns);

/* The target output implied by the setpoints (what it settles to). */
void sim_source_target(const struct sim_source *s, struct sim_output *ret);
/* The output at time t (t at or after the last change). */
void sim_source_output(const struct sim_source *s, int64_t t_ns, struct sim_output *ret);
bool sim_source_settled(const struct sim_source *s, int64_t t_ns);

/* Active power of one phase / all phases of an output, watts. */
double sim_output_phase_watts(const struct sim_output *o, int phase);
double sim_output_total_watts(const struct sim_output *o);

/* Smallest range index whose full scale covers max, or -1 above the largest. */
int sim_volt_range_for(double max_v);
int sim_curr_range_for(double max_a);

#endif
