/* Pass/fail checks other than accuracy, as pure functions of edges and
 * levels: creep (no load), starting load, duty cycle of a pulse output,
 * agreement of the Kh 10/100/1000 outputs, and the state of an LED. */
#ifndef RIG_CORE_CHECKS_H
#define RIG_CORE_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/edge.h"
#include "rig/core/verdict.h"

/* --- creep and starting load: edges counted in a window -------------------- */

struct rig_edge_count {
	int64_t from_ns, to_ns;	/* [from, to) */
	int edges;
};

void rig_edge_count_init(struct rig_edge_count *c, int64_t from_ns, int64_t to_ns);
void rig_edge_count_add(struct rig_edge_count *c, const struct rig_edge *e);

/* Creep: PASS when no more than max_edges edges came with no load. */
enum rig_verdict rig_check_creep(const struct rig_edge_count *c, int max_edges);
/* Starting load: PASS when at least min_edges edges came. */
enum rig_verdict rig_check_starting_load(const struct rig_edge_count *c, int min_edges);

/* --- duty cycle --------------------------------------------------------------- */

/* High-time fraction over whole periods (rising to rising) from from_ns on. */
struct rig_duty {
	int64_t from_ns;
	double timing_sigma_s;
	bool have_rise, have_fall;
	int64_t rise_ns, fall_ns;
	int periods;
	double high_s, period_s;	/* sums over whole periods */
	double sum_frac, sum_frac2;	/* per-period fractions, for the scatter */
};

struct rig_duty_result {
	int periods;
	double duty;		/* high-time fraction; < 0 with no whole period */
	double u_duty;		/* standard uncertainty */
};

void rig_duty_init(struct rig_duty *d, int64_t from_ns, double timing_sigma_s);
void rig_duty_edge(struct rig_duty *d, const struct rig_edge *e);
void rig_duty_result(const struct rig_duty *d, struct rig_duty_result *ret);

/* Against nominal (0.5) +- band (fractions), with U = 2 u as for accuracy. */
enum rig_verdict rig_check_duty(const struct rig_duty_result *r, double nominal, double band);

/* --- output consistency ------------------------------------------------------- */

struct rig_output_reading {
	double kh;
	double error_pct;
	double u_pct;		/* expanded; leave out the reference part the outputs share */
	bool valid;
};

/* Every valid pair must agree within band_pct, judged like an accuracy
 * verdict on their difference with U = sqrt(U1^2 + U2^2); worst pair wins.
 * ret_max_diff_pct (may be NULL) gets the largest |difference|. NONE when
 * fewer than two readings are valid. */
enum rig_verdict rig_check_outputs_agree(const struct rig_output_reading *r, int n,
					 double band_pct, double *ret_max_diff_pct);

/* --- LED state ------------------------------------------------------------------ */

/* An LED's on time inside [from, to), from its state at from and its edges
 * (logical level: rising = on, active-low already applied by the input). */
struct rig_led {
	int64_t from_ns, to_ns;
	bool on;
	int64_t since_ns;
	int64_t on_ns;		/* accumulated up to since_ns */
	int changes;
};

void rig_led_init(struct rig_led *l, int64_t from_ns, int64_t to_ns, bool on_at_from);
void rig_led_set(struct rig_led *l, int64_t t_ns, bool on);
void rig_led_edge(struct rig_led *l, const struct rig_edge *e);
/* On time in the window up to now (clipped to the window). */
double rig_led_on_s(const struct rig_led *l, int64_t now_ns);
bool rig_led_is_on(const struct rig_led *l);
/* PASS when the LED was on for at least min_on_s of the window by now_ns. */
enum rig_verdict rig_check_led_on(const struct rig_led *l, int64_t now_ns, double min_on_s);
/* PASS when it was on for no more than max_on_s. */
enum rig_verdict rig_check_led_off(const struct rig_led *l, int64_t now_ns, double max_on_s);

/* --- reverse-phase LED: what the guide lets one expect ------------------------ */

/* Guide 3.9 and 5.4: the LED needs a load drawing more than 1 A. */
#define RIG_REVERSE_LED_MIN_A 1.0

enum rig_led_expect {
	RIG_LED_EXPECT_OFF,
	RIG_LED_EXPECT_ON,
	RIG_LED_EXPECT_EITHER,	/* the guide says it may be on or off: no verdict */
};

/* The LED's state the guide promises for a load of primary_a per loaded
 * element, with the elements in loaded_mask carrying current and those in
 * reversed_mask driven reversed (bit 0: element 1):
 *  - at or below 1 A: either (3.9: "more than 1 Amp ... to function
 *    correctly"; 2.3: with no load it may be on or off);
 *  - nothing reversed: off;
 *  - every loaded element reversed (one element alone, or both: CTs swapped
 *    between the lines of a split-phase supply): on (5.4);
 *  - one of two loaded elements reversed: either (5.3: "one CT installed in
 *    the incorrect direction doesn't always illuminate the reverse phase LED"). */
enum rig_led_expect rig_reverse_led_expected(unsigned loaded_mask, unsigned reversed_mask,
					     double primary_a);

#endif
