/* The emulated meters on the virtual-time bench: registration, outputs,
 * quantization, jitter, LEDs, creep, faults, sequence numbers. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim/bench.h"

#define S 1000000000LL
#define HOUR (3600 * S)
#define CT_RATIO 2000.0	/* 200 A : 0.1 A */

/* MMS-120-2001-SCC by hand (the decoder lives in rig/core/model.c). */
static struct rig_meter_model model_mms120(int elements)
{
	struct rig_meter_model m;
	memset(&m, 0, sizeof(m));
	snprintf(m.model, sizeof(m.model), elements == 2 ? "MMD-120-2001-SCC" : "MMS-120-2001-SCC");
	m.elements = elements;
	m.voltage_v = 120;
	m.element_voltage_v = 120;
	m.ct_primary_a = 200;
	m.ct_secondary_a = 0.1;
	m.rated_current_a = 200;
	m.max_current_a = 220;
	m.n_outputs = 3;
	m.outputs_kh[0] = 10;
	m.outputs_kh[1] = 100;
	m.outputs_kh[2] = 1000;
	m.counter_kh = 1000;
	m.meters_enclosed = 1;
	return m;
}

static struct sim_bench_cfg cfg;

static void one_meter(int elements, double error_pct)
{
	sim_bench_cfg_init(&cfg);
	cfg.n_positions = 1;
	cfg.pos[0].meter.model = model_mms120(elements);
	cfg.pos[0].meter.error.base_pct = error_pct;
	sim_bench_cfg_layout(&cfg, 0, 8);
}

static void scpi_ok(struct sim_bench *b, int64_t t, const char *line)
{
	char reply[256];
	sim_bench_scpi(b, t, line, reply, sizeof(reply));
	sim_bench_scpi(b, t, "SYST:ERR?", reply, sizeof(reply));
	ck_assert_msg(strcmp(reply, "0,\"No error\"") == 0, "%s -> %s", line, reply);
}

/* Phase 1 (and 2) at volts, source amps, current angle; output on at t. */
static void drive(struct sim_bench *b, int64_t t, double volts, double amps, double deg)
{
	char line[400];
	for (int p = 1; p <= 2; p++) {
		snprintf(line, sizeof(line),
			 "SOUR:PHAS%d:VOLT:RANG 0,%g;SOUR:PHAS%d:CURR:RANG 0,%g;"
			 "SOUR:PHAS%d:VOLT:MHAR:HARM1 %g,0;SOUR:PHAS%d:CURR:MHAR:HARM1 %.9g,%g;"
			 "SOUR:PHAS%d:VOLT:STAT 1;SOUR:PHAS%d:CURR:STAT %d",
			 p, volts, p, amps > 0 ? amps : 0.25, p, volts, p, amps, deg, p, p, amps > 0);
		scpi_ok(b, t, line);
	}
	scpi_ok(b, t, "OUTP:STAT ON");
}

struct recorder {
	struct rig_edge e[100000];
	size_t n;
};

static void record(void *ctx, const struct rig_edge *e)
{
	struct recorder *r = ctx;
	if (r->n < sizeof(r->e) / sizeof(r->e[0]))
		r->e[r->n++] = *e;
}

static size_t count(const struct recorder *r, uint32_t line, enum rig_edge_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->e[i].line == line && (kind == 0 || r->e[i].kind == kind);
	return n;
}

/* Rising edges per second on a line, from first to last rising edge. */
static double rising_rate(const struct recorder *r, uint32_t line)
{
	int64_t first = -1, last = -1;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->e[i].line != line || r->e[i].kind != RIG_EDGE_RISING)
			continue;
		if (first < 0)
			first = r->e[i].timestamp_ns;
		last = r->e[i].timestamp_ns;
		n++;
	}
	ck_assert_uint_ge(n, 3);
	return (double)(n - 1) / ((double)(last - first) / 1e9);
}

static struct recorder rec;

static void reset_rec(void) { rec.n = 0; }

START_TEST(edge_rate_matches_power_and_error)
{
	static const struct { double amps, deg, base, pf_term; } pt[] = {
		{ 0.05, 0, 0.5, 0 },	/* 100 A primary, pf 1, +0.5 % */
		{ 0.05, 60, -0.3, 0.4 },	/* pf 0.5: -0.3 + 0.4 * 0.5 */
		{ 0.1, 0, 0, 0 },	/* rated */
	};
	for (size_t i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
		one_meter(1, pt[i].base);
		cfg.pos[0].meter.error.pf_pct = pt[i].pf_term;
		struct sim_bench *b = sim_bench_new(&cfg);
		reset_rec();
		drive(b, 0, 120, pt[i].amps, pt[i].deg);
		ck_assert_int_eq(sim_bench_advance(b, 2 * HOUR, record, &rec), 0);
		double pf = cos(pt[i].deg * M_PI / 180);
		double e = pt[i].base + pt[i].pf_term * (1 - pf);
		double watts = 120 * pt[i].amps * CT_RATIO * pf * (1 + e / 100);
		/* each Kh output: one edge per Kh/2 Wh */
		double expect_edges_per_s = watts / 3600 / (10 / 2.0);
		double rate = 2 * rising_rate(&rec, 0);
		ck_assert_double_eq_tol(rate / expect_edges_per_s, 1, 2e-4);
		ck_assert_double_eq_tol(sim_bench_true_error(b, 1, 2 * HOUR), e, 1e-9);
		/* Kh 100 and 1000 register the same energy */
		double wh = watts * (2.0 - 2.0 / 3600) ;	/* settled after 2 s */
		ck_assert_int_le(labs((long)count(&rec, 1, RIG_EDGE_RISING) - (long)(wh / 100)), 1);
		ck_assert_int_le(labs((long)count(&rec, 2, RIG_EDGE_RISING) - (long)(wh / 1000)), 1);
		sim_bench_free(b);
	}
}
END_TEST

START_TEST(edges_quantize_to_update_period)
{
	one_meter(1, 0);
	cfg.pos[0].meter.update_period_s = 0.02;
	struct sim_bench *b = sim_bench_new(&cfg);
	reset_rec();
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, HOUR / 4, record, &rec);
	size_t kh = 0;
	for (size_t i = 0; i < rec.n; i++) {
		if (rec.e[i].line > 2)
			continue;
		ck_assert_int_eq(rec.e[i].timestamp_ns % (20 * 1000000), 0);
		kh++;
	}
	ck_assert_uint_gt(kh, 1000);
	sim_bench_free(b);
}
END_TEST

START_TEST(jitter_is_gaussian_with_configured_sigma)
{
	one_meter(1, 0);
	cfg.pos[0].meter.update_period_s = 0.02;
	cfg.pos[0].meter.jitter_sigma_s = 200e-6;
	struct sim_bench *b = sim_bench_new(&cfg);
	reset_rec();
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, HOUR, record, &rec);
	double sum = 0, sum2 = 0;
	size_t n = 0;
	for (size_t i = 0; i < rec.n; i++) {
		if (rec.e[i].line != 0)
			continue;
		int64_t p = 20 * 1000000;
		int64_t off = rec.e[i].timestamp_ns % p;
		if (off > p / 2)
			off -= p;
		sum += off / 1e9;
		sum2 += (off / 1e9) * (off / 1e9);
		n++;
	}
	ck_assert_uint_gt(n, 4500);	/* 24 kW: 4800 edges an hour */
	double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
	ck_assert_double_lt(fabs(mean), 20e-6);
	ck_assert_double_eq_tol(sd, 200e-6, 15e-6);
	/* and the stream stays in time order */
	for (size_t i = 1; i < rec.n; i++)
		ck_assert_int_ge(rec.e[i].timestamp_ns, rec.e[i - 1].timestamp_ns);
	sim_bench_free(b);
}
END_TEST

START_TEST(same_seed_same_edges)
{
	one_meter(1, 0);
	cfg.pos[0].meter.jitter_sigma_s = 1e-4;
	static struct recorder a;
	struct sim_bench *b1 = sim_bench_new(&cfg), *b2 = sim_bench_new(&cfg);
	reset_rec();
	a.n = 0;
	drive(b1, 0, 120, 0.1, 0);
	drive(b2, 0, 120, 0.1, 0);
	sim_bench_advance(b1, 600 * S, record, &rec);
	for (int64_t t = 0; t <= 600 * S; t += 7 * S)	/* other call pattern */
		sim_bench_advance(b2, t, record, &a);
	sim_bench_advance(b2, 600 * S, record, &a);
	ck_assert_uint_gt(rec.n, 100);
	ck_assert_uint_eq(a.n, rec.n);
	ck_assert_int_eq(memcmp(a.e, rec.e, rec.n * sizeof(rec.e[0])), 0);
	sim_bench_free(b1);
	sim_bench_free(b2);
}
END_TEST

START_TEST(seqnos_count_like_a_line_request)
{
	one_meter(2, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	reset_rec();
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, 1800 * S, record, &rec);
	uint64_t per_line[8] = { 0 };
	ck_assert_uint_gt(rec.n, 100);
	for (size_t i = 0; i < rec.n; i++) {
		ck_assert_uint_eq(rec.e[i].global_seqno, i + 1);
		ck_assert_uint_eq(rec.e[i].line_seqno, ++per_line[rec.e[i].line]);
	}
	sim_bench_free(b);
}
END_TEST

START_TEST(lost_edges_leave_a_seqno_gap)
{
	one_meter(1, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	reset_rec();
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, 60 * S, record, &rec);
	size_t before = rec.n;
	sim_bench_lose_edges(b, 5);
	sim_bench_advance(b, 120 * S, record, &rec);
	ck_assert_uint_gt(before, 10);
	ck_assert_uint_gt(rec.n, before + 10);
	uint64_t gaps = 0;
	for (size_t i = 1; i < rec.n; i++)
		gaps += rec.e[i].global_seqno - rec.e[i - 1].global_seqno - 1;
	ck_assert_uint_eq(gaps, 5);
	ck_assert_uint_eq(rec.e[before].global_seqno, rec.e[before - 1].global_seqno + 6);
	sim_bench_free(b);
}
END_TEST

static bool level_after(struct sim_bench *b, int64_t t, uint32_t line)
{
	sim_bench_advance(b, t, NULL, NULL);
	return sim_bench_level(b, line) == 1;
}

START_TEST(reverse_led_lights_only_above_one_amp)
{
	enum { REV = RIG_SIG_REVERSE_LED, PWR = RIG_SIG_POWER_LED };
	one_meter(1, 0);
	cfg.pos[0].meter.reversed_ct[0] = true;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.8 / CT_RATIO, 0);	/* 0.8 A primary */
	ck_assert(level_after(b, 10 * S, PWR));
	ck_assert(!level_after(b, 10 * S, REV));
	drive(b, 10 * S, 120, 1.2 / CT_RATIO, 0);	/* 1.2 A */
	ck_assert(level_after(b, 20 * S, REV));
	/* a reversed single element registers nothing */
	double reg, truth;
	sim_bench_energy(b, 1, &reg, &truth);
	ck_assert_double_eq(reg, 0);
	ck_assert_double_gt(truth, 0);
	sim_bench_free(b);

	cfg.pos[0].meter.reversed_ct[0] = false;	/* the right way round: dark */
	b = sim_bench_new(&cfg);
	drive(b, 0, 120, 5 / CT_RATIO, 0);
	ck_assert(!level_after(b, 20 * S, REV));
	drive(b, 20 * S, 120, 5 / CT_RATIO, 180);	/* current at 180 degrees */
	ck_assert(level_after(b, 40 * S, REV));
	scpi_ok(b, 40 * S, "OUTP:STAT OFF");
	ck_assert(!level_after(b, 41 * S, REV));
	ck_assert(!level_after(b, 41 * S, PWR));
	sim_bench_free(b);
}
END_TEST

START_TEST(one_reversed_element_of_two_cancels_registration)
{
	one_meter(2, 0);
	cfg.pos[0].meter.reversed_ct[1] = true;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.05, 0);
	reset_rec();
	sim_bench_advance(b, HOUR, record, &rec);
	ck_assert_uint_eq(count(&rec, 0, 0), 0);
	/* net zero: the guide's "doesn't always illuminate" case, dark here */
	ck_assert(sim_bench_level(b, RIG_SIG_REVERSE_LED) == 0);
	ck_assert_double_eq_tol(sim_bench_true_error(b, 1, HOUR), -100, 1e-9);
	sim_bench_free(b);
}
END_TEST

/* Guide 2.3, 3.9, 5.3-5.4: lit by a negative net power above 1 A (every
 * loaded element reversed, or CTs swapped between the lines), left as it
 * was at or below 1 A (with no load it may be on or off). */
START_TEST(reverse_led_follows_the_net_power_and_holds_below_one_amp)
{
	enum { REV = RIG_SIG_REVERSE_LED };
	one_meter(2, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 5 / CT_RATIO, 180);	/* both elements reversed: a CT swap */
	ck_assert(level_after(b, 10 * S, REV));
	drive(b, 10 * S, 120, 0.5 / CT_RATIO, 180);	/* down to 0.5 A first */
	ck_assert(level_after(b, 20 * S, REV));
	drive(b, 20 * S, 120, 0.5 / CT_RATIO, 0);	/* forward, but 0.5 A: holds */
	ck_assert(level_after(b, 30 * S, REV));
	drive(b, 30 * S, 120, 5 / CT_RATIO, 0);	/* forward above 1 A: dark */
	ck_assert(!level_after(b, 40 * S, REV));
	drive(b, 40 * S, 120, 0.5 / CT_RATIO, 0);
	drive(b, 50 * S, 120, 0.5 / CT_RATIO, 180);	/* reversed at 0.5 A: holds dark */
	ck_assert(!level_after(b, 60 * S, REV));
	sim_bench_free(b);
}
END_TEST

/* Faults for the outputs the customer wires: a Kh 100 output dividing by
 * 1000, a load LED lit for good. */
START_TEST(wrong_ratio_and_stuck_led_faults)
{
	one_meter(1, 0);
	cfg.pos[0].meter.wrong_ratio_mask = 1u << RIG_SIG_KH100;
	cfg.pos[0].meter.stuck_on_mask = 1u << RIG_SIG_LOAD_LED;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.05, 0);	/* 100 A, 12 kW: 12 kWh an hour */
	reset_rec();
	sim_bench_advance(b, HOUR, record, &rec);
	size_t kh10 = count(&rec, RIG_SIG_KH10, RIG_EDGE_RISING);
	size_t kh100 = count(&rec, RIG_SIG_KH100, RIG_EDGE_RISING);
	ck_assert(kh10 >= 1199 && kh10 <= 1200);
	ck_assert(kh100 >= 11 && kh100 <= 12);	/* not 120 */
	ck_assert_uint_le(count(&rec, RIG_SIG_LOAD_LED, 0), 1);
	ck_assert(sim_bench_level(b, RIG_SIG_LOAD_LED) == 1);
	sim_bench_free(b);
}
END_TEST

START_TEST(creep_registers_with_voltage_and_no_current)
{
	one_meter(1, 0);
	cfg.pos[0].meter.creep_w = 2.0;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0, 0);
	reset_rec();
	sim_bench_advance(b, 10 * HOUR + HOUR / 2, record, &rec);
	/* 21 Wh on Kh 10: rises at 5 and 15 Wh, falls at 10 and 20 */
	ck_assert_uint_eq(count(&rec, 0, RIG_EDGE_RISING), 2);
	ck_assert_uint_eq(count(&rec, 0, RIG_EDGE_FALLING), 2);
	sim_bench_free(b);

	cfg.pos[0].meter.creep_w = 0;
	b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0, 0);
	reset_rec();
	sim_bench_advance(b, 10 * HOUR, record, &rec);
	ck_assert_uint_eq(count(&rec, 0, 0), 0);
	sim_bench_free(b);
}
END_TEST

START_TEST(nothing_registers_below_the_starting_current)
{
	one_meter(1, 0);
	cfg.pos[0].meter.starting_a = 0.5;	/* primary amps */
	cfg.pos[0].meter.creep_w = 5;	/* creep is for no current at all */
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.4 / CT_RATIO, 0);	/* 48 W, below starting */
	reset_rec();
	sim_bench_advance(b, HOUR, record, &rec);
	ck_assert_uint_eq(count(&rec, RIG_SIG_KH10, 0), 0);
	drive(b, HOUR, 120, 0.6 / CT_RATIO, 0);	/* 72 W: 7 Kh 10 edges and more an hour */
	sim_bench_advance(b, 2 * HOUR, record, &rec);
	ck_assert_uint_ge(count(&rec, RIG_SIG_KH10, 0), 14);
	sim_bench_free(b);
}
END_TEST

START_TEST(load_led_cycles_at_kh10_as_the_guide_says)
{
	/* guide: at 200 W the load LED is on 1.5 min, off 1.5 min */
	one_meter(1, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 200.0 / 120 / CT_RATIO, 0);
	reset_rec();
	sim_bench_advance(b, HOUR, record, &rec);
	int64_t prev = -1;
	size_t n = 0;
	for (size_t i = 0; i < rec.n; i++) {
		if (rec.e[i].line != RIG_SIG_LOAD_LED)
			continue;
		if (prev >= 0)
			ck_assert_double_eq_tol((rec.e[i].timestamp_ns - prev) / 1e9, 90, 0.05);
		prev = rec.e[i].timestamp_ns;
		n++;
	}
	ck_assert_uint_ge(n, 38);
	sim_bench_free(b);
}
END_TEST

START_TEST(dead_output_stays_silent)
{
	one_meter(1, 0);
	cfg.pos[0].meter.dead_mask = 1u << RIG_SIG_KH10;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.1, 0);
	reset_rec();
	sim_bench_advance(b, 600 * S, record, &rec);
	ck_assert_uint_eq(count(&rec, RIG_SIG_KH10, 0), 0);
	ck_assert_uint_gt(count(&rec, RIG_SIG_KH100, 0), 10);
	ck_assert_int_eq(sim_bench_set_dead(b, 1, RIG_SIG_KH10, false), 0);
	sim_bench_advance(b, 1200 * S, record, &rec);
	ck_assert_uint_gt(count(&rec, RIG_SIG_KH10, 0), 100);
	sim_bench_free(b);
}
END_TEST

START_TEST(settling_delays_full_registration)
{
	one_meter(1, 0);
	cfg.settle_s = 10;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, 10 * S, NULL, NULL);
	double reg10, truth10, reg20, truth20;
	sim_bench_energy(b, 1, &reg10, &truth10);
	sim_bench_advance(b, 20 * S, NULL, NULL);
	sim_bench_energy(b, 1, &reg20, &truth20);
	double full = 24000 * 10 / 3600.0;	/* Wh in 10 s at 24 kW */
	ck_assert_double_lt(reg10, 0.5 * full);	/* ramping: about a third (V and I ramp) */
	ck_assert_double_eq_tol(reg20 - reg10, full, full * 0.01);
	sim_bench_free(b);
}
END_TEST

START_TEST(reference_pulses_at_its_constant)
{
	one_meter(1, 0);
	cfg.ref_wh_per_pulse = 0.001;
	cfg.ref_line = 100;
	cfg.settle_s = 0;
	struct sim_bench *b = sim_bench_new(&cfg);
	drive(b, 0, 120, 5, 0);	/* 600 W on each of two phases */
	reset_rec();
	sim_bench_advance(b, 60 * S, record, &rec);
	/* 20 Wh in a minute: 20000 pulses */
	ck_assert_int_le(labs((long)count(&rec, 100, RIG_EDGE_RISING) - 20000), 1);
	ck_assert_double_eq_tol(rising_rate(&rec, 100), 1200.0 / 3600 / 0.001, 0.01);
	sim_bench_free(b);
}
END_TEST

START_TEST(sim_commands_report_truth_and_set_faults)
{
	one_meter(1, 0.25);
	struct sim_bench *b = sim_bench_new(&cfg);
	char reply[256];
	drive(b, 0, 120, 0.1, 0);
	sim_bench_advance(b, 100 * S, NULL, NULL);
	ck_assert_int_eq(sim_bench_scpi(b, 100 * S, "SIM:TRUTH? 1", reply, sizeof(reply)), 1);
	ck_assert_double_eq_tol(atof(reply), 0.25, 1e-6);
	scpi_ok(b, 100 * S, "SIM:ERROR 1,-0.7");
	sim_bench_scpi(b, 100 * S, "SIM:TRUTH? 1", reply, sizeof(reply));
	ck_assert_double_eq_tol(atof(reply), -0.7, 1e-6);
	sim_bench_scpi(b, 100 * S, "SIM:TRUTH? 9", reply, sizeof(reply));
	sim_bench_scpi(b, 100 * S, "SYST:ERR?", reply, sizeof(reply));
	ck_assert_str_eq(reply, "-222,\"Data out of range\"");
	scpi_ok(b, 100 * S, "SIM:DEAD 1,KH100,1");
	ck_assert_uint_ne(sim_bench_meter(b, 1)->cfg.dead_mask & (1u << RIG_SIG_KH100), 0);
	scpi_ok(b, 100 * S, "SIM:REVERSE 1,1,1");
	ck_assert(sim_bench_meter(b, 1)->cfg.reversed_ct[0]);
	sim_bench_free(b);
}
END_TEST

/* The LCD register: what SIM:REGISTER? answers follows the register in
 * whole 0.1 kWh digits; SIM:REGRATIO makes it count at a wrong ratio from
 * then on, without a jump; a meter without an LCD has no reading. */
START_TEST(sim_register_reads_the_lcd_and_takes_a_wrong_ratio)
{
	one_meter(1, 0);
	cfg.pos[0].meter.model.lcd = true;
	cfg.pos[0].meter.register_kwh = 100;
	cfg.settle_s = 0;
	struct sim_bench *b = sim_bench_new(&cfg);
	char reply[256];
	drive(b, 0, 120, 0.1, 0);	/* 200 A primary at 120 V: 24 kW, 1 kWh in 150 s */
	sim_bench_advance(b, 150 * S + S / 10, NULL, NULL);
	ck_assert_int_eq(sim_bench_scpi(b, 150 * S, "SIM:REGISTER? 1", reply, sizeof(reply)), 1);
	ck_assert_str_eq(reply, "101");
	scpi_ok(b, 150 * S, "SIM:REGRATIO 1,10");
	sim_bench_scpi(b, 150 * S, "SIM:REGISTER? 1", reply, sizeof(reply));
	ck_assert_str_eq(reply, "101");
	sim_bench_advance(b, 300 * S + S / 10, NULL, NULL);
	sim_bench_scpi(b, 300 * S, "SIM:REGISTER? 1", reply, sizeof(reply));
	ck_assert_double_eq_tol(atof(reply), 111, 0.11);
	sim_bench_free(b);

	one_meter(1, 0);	/* no LCD */
	b = sim_bench_new(&cfg);
	sim_bench_scpi(b, 0, "SIM:REGISTER? 1", reply, sizeof(reply));
	sim_bench_scpi(b, 0, "SYST:ERR?", reply, sizeof(reply));
	ck_assert_str_eq(reply, "-222,\"Data out of range\"");
	sim_bench_free(b);
}
END_TEST

/* The runtime faults take effect on the running bench: a Kh 100 output
 * switched to a wrong ratio counts ten times slower from then on. */
START_TEST(sim_runtime_faults_wrong_ratio_stuck_creep)
{
	one_meter(1, 0);
	cfg.settle_s = 0;
	struct sim_bench *b = sim_bench_new(&cfg);
	char reply[256];
	drive(b, 0, 120, 0.1, 0);	/* 24 kW: Kh 100 a cycle every 15 s */
	reset_rec();
	sim_bench_advance(b, 150 * S, record, &rec);
	size_t before = count(&rec, 1, RIG_EDGE_RISING);
	ck_assert_int_le(labs((long)before - 10), 1);
	scpi_ok(b, 150 * S, "SIM:WRONGRATIO 1,kh100,1");
	reset_rec();
	sim_bench_advance(b, 300 * S, record, &rec);
	ck_assert_int_le(count(&rec, 1, RIG_EDGE_RISING), 2);	/* a cycle of 150 s */
	scpi_ok(b, 300 * S, "SIM:STUCK 1,load_led,1");
	ck_assert_uint_ne(sim_bench_meter(b, 1)->cfg.stuck_on_mask & (1u << RIG_SIG_LOAD_LED), 0);
	scpi_ok(b, 300 * S, "SIM:CREEP 1,30");
	ck_assert_double_eq(sim_bench_meter(b, 1)->cfg.creep_w, 30);
	static const char *const bad[] = { "SIM:CREEP 1,5000", "SIM:STUCK 1,kh7,1",
					   "SIM:WRONGRATIO 0,kh100,1", "SIM:CREEP 1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sim_bench_scpi(b, 300 * S, bad[i], reply, sizeof(reply));
		sim_bench_scpi(b, 300 * S, "SYST:ERR?", reply, sizeof(reply));
		ck_assert_msg(strncmp(reply, "0,", 2) != 0, "%s accepted", bad[i]);
	}
	sim_bench_free(b);
}
END_TEST

START_TEST(junk_sim_commands_are_errors_not_crashes)
{
	one_meter(1, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	static const char *const junk[] = {
		"SIM:TRUTH?", "SIM:TRUTH? x", "SIM:TRUTH? 1,2,3,4,5,6", "SIM:DEAD 1,kh7,1", "SIM:DEAD 0,kh10,1",
		"SIM:REVERSE 1,3,1", "SIM:ERROR 1,abc", "SIM:FAULT LOSE -3", "SIM:FAULT", "SIM:", "SIM",
		"SIM:TIME? 4", "SIM:NOPE",
		/* numbers past int used to wrap: these were position 1, element 1 */
		"SIM:TRUTH? 4294967297", "SIM:DEAD 4294967297,kh10,1", "SIM:REVERSE 1,4294967297,1",
		"SIM:ERROR 4294967297,0.5", "SIM:FAULT LOSE 99999999999999999999",
	};
	char reply[256];
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		sim_bench_scpi(b, 0, junk[i], reply, sizeof(reply));
		sim_bench_scpi(b, 0, "SYST:ERR?", reply, sizeof(reply));
		ck_assert_msg(strncmp(reply, "-", 1) == 0, "%s -> %s", junk[i], reply);
	}
	sim_bench_free(b);
}
END_TEST

/* Found while fuzzing (a hand-made input to tests/fuzz/sim_scpi timed out):
 * SIM:ERROR took any finite percentage, and at 1e300 % the next advance
 * generated edges without end. */
START_TEST(huge_sim_error_is_refused_not_run)
{
	one_meter(1, 0);
	struct sim_bench *b = sim_bench_new(&cfg);
	char reply[256];
	drive(b, 0, 120, 0.1, 0);
	static const char *const out_of_range[] = { "SIM:ERROR 1,1e300", "SIM:ERROR 1,-1e300",
						    "SIM:ERROR 1,100.5", "SIM:ERROR 1,-101" };
	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		sim_bench_scpi(b, 0, out_of_range[i], reply, sizeof(reply));
		sim_bench_scpi(b, 0, "SYST:ERR?", reply, sizeof(reply));
		ck_assert_msg(!strcmp(reply, "-222,\"Data out of range\""), "%s -> %s",
			      out_of_range[i], reply);
	}
	ck_assert_double_eq(sim_bench_meter(b, 1)->cfg.error.base_pct, 0);
	scpi_ok(b, 0, "SIM:ERROR 1,100");
	ck_assert_double_eq(sim_bench_meter(b, 1)->cfg.error.base_pct, 100);
	reset_rec();
	sim_bench_advance(b, 10 * S, record, &rec);
	ck_assert_uint_gt(rec.n, 0);
	sim_bench_free(b);
}
END_TEST

Suite *suite_sim_meter(void)
{
	Suite *s = suite_create("sim_meter");
	TCase *tc = tcase_create("meter");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, edge_rate_matches_power_and_error);
	tcase_add_test(tc, edges_quantize_to_update_period);
	tcase_add_test(tc, jitter_is_gaussian_with_configured_sigma);
	tcase_add_test(tc, same_seed_same_edges);
	tcase_add_test(tc, seqnos_count_like_a_line_request);
	tcase_add_test(tc, lost_edges_leave_a_seqno_gap);
	tcase_add_test(tc, reverse_led_lights_only_above_one_amp);
	tcase_add_test(tc, one_reversed_element_of_two_cancels_registration);
	tcase_add_test(tc, creep_registers_with_voltage_and_no_current);
	tcase_add_test(tc, nothing_registers_below_the_starting_current);
	tcase_add_test(tc, load_led_cycles_at_kh10_as_the_guide_says);
	tcase_add_test(tc, dead_output_stays_silent);
	tcase_add_test(tc, settling_delays_full_registration);
	tcase_add_test(tc, reference_pulses_at_its_constant);
	tcase_add_test(tc, sim_commands_report_truth_and_set_faults);
	tcase_add_test(tc, sim_register_reads_the_lcd_and_takes_a_wrong_ratio);
	tcase_add_test(tc, sim_runtime_faults_wrong_ratio_stuck_creep);
	tcase_add_test(tc, junk_sim_commands_are_errors_not_crashes);
	tcase_add_test(tc, huge_sim_error_is_refused_not_run);
	tcase_add_test(tc, reverse_led_follows_the_net_power_and_holds_below_one_amp);
	tcase_add_test(tc, wrong_ratio_and_stuck_led_faults);
	suite_add_tcase(s, tc);
	return s;
}
