/* rig-sim's configuration text and the fixture-derived bench shape. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim/bench.h"
#include "drivers/sim/sim_config.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"

static struct sim_config cfg;
static struct rig_error err;

static int parse(const char *text)
{
	sim_config_init(&cfg);
	memset(&err, 0, sizeof(err));
	return sim_config_parse(&cfg, text, strlen(text), "bench.conf", rig_model_decode, &err);
}

START_TEST(defaults_then_positions_whatever_the_order)
{
	ck_assert_int_eq(parse("[position 2]\n"
			       "error_pct = -0.45   # trailing comment\n"
			       "reversed_ct = 2\n"
			       "[defaults]\n"
			       "model = MMD-120-2001-T-SCC\n"
			       "error_pct = 0.1\n"
			       "jitter_us = 50\n"
			       "[bench]\n"
			       "positions = 3\n"
			       "time_scale = 20\n"
			       "lines = 100:10\n"), 0);
	ck_assert_int_eq(cfg.bench.n_positions, 3);
	ck_assert_double_eq(cfg.time_scale, 20);
	const struct sim_meter_cfg *m1 = &cfg.bench.pos[0].meter, *m2 = &cfg.bench.pos[1].meter;
	ck_assert_int_eq(m1->model.elements, 2);
	ck_assert(!rig_model_has_output(&m1->model, 1000));	/* T: no 1000 output */
	ck_assert_double_eq(m1->error.base_pct, 0.1);
	ck_assert_double_eq(m2->error.base_pct, -0.45);
	ck_assert(m2->reversed_ct[1] && !m2->reversed_ct[0]);
	ck_assert_double_eq_tol(m1->jitter_sigma_s, 50e-6, 1e-12);
	ck_assert_int_eq(cfg.bench.pos[2].line[RIG_SIG_LOAD_LED], 100 + 2 * 10 + 6);
}
END_TEST

START_TEST(position_lines_and_lists)
{
	ck_assert_int_eq(parse("[position 1]\n"
			       "lines = kh10:40, power_led:-1\n"
			       "dead = kh100, load_led\n"
			       "stuck_on = reverse_led\n"
			       "wrong_ratio = counter, kh1000\n"
			       "source_phases = 3\n"
			       "injection = primary_turns\nturns = 5\n"), 0);
	const struct sim_position_cfg *p = &cfg.bench.pos[0];
	ck_assert_int_eq(cfg.bench.n_positions, 1);
	ck_assert_int_eq(p->line[RIG_SIG_KH10], 40);
	ck_assert_int_eq(p->line[RIG_SIG_KH100], 1);	/* default layout kept */
	ck_assert_int_eq(p->line[RIG_SIG_POWER_LED], -1);
	ck_assert_uint_eq(p->meter.dead_mask, (1u << RIG_SIG_KH100) | (1u << RIG_SIG_LOAD_LED));
	ck_assert_uint_eq(p->meter.stuck_on_mask, 1u << RIG_SIG_REVERSE_LED);
	ck_assert_uint_eq(p->meter.wrong_ratio_mask, (1u << RIG_SIG_COUNTER) | (1u << RIG_SIG_KH1000));
	ck_assert_int_eq(p->meter.source_phase[0], 3);
	ck_assert_int_eq(p->meter.injection, RIG_INJECT_PRIMARY_TURNS);
	ck_assert_double_eq(sim_meter_current_ratio(&p->meter), 5);
}
END_TEST

static void expect_error(const char *text, const char *located)
{
	ck_assert_int_eq(parse(text), -1);
	char buf[900];
	rig_error_format(&err, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, located) != NULL, "'%s' lacks '%s'", buf, located);
}

START_TEST(bad_input_names_file_and_line)
{
	expect_error("seed = 1\nbogus = 2\n", "bench.conf:2: unknown key 'bogus'");
	expect_error("[position 17]\n", "bench.conf:1: position 17");
	expect_error("[position 1]\nerror_pct = 0.1x\n", "bench.conf:2: error_pct = 0.1x: not a number");
	expect_error("[defaults]\nmodel = MMX-999\n", "bench.conf:2: model = MMX-999");
	expect_error("positions = 2\nlines = 0:3\n", "bench.conf:2: lines = 0:3");
	expect_error("\n\n[position 1]\ndead = kh7\n", "bench.conf:4: dead = kh7");
	expect_error("just words\n", "bench.conf:1: expected key = value");
	expect_error("[nowhere]\n", "bench.conf:1: unknown section");
	expect_error("time_scale = 0\n", "out of range");
	const char nul[] = "seed = 1\nse\0ed = 2\n";
	sim_config_init(&cfg);
	ck_assert_int_eq(sim_config_parse(&cfg, nul, sizeof(nul) - 1, "bench.conf", rig_model_decode, &err), -1);
	ck_assert_int_eq(err.line, 2);
}
END_TEST

START_TEST(fixture_gives_positions_lines_and_ports)
{
	static struct rig_fixture f;
	memset(&f, 0, sizeof(f));
	f.n_positions = 2;
	for (int p = 0; p < 2; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			f.pos[p][s].line = 50 + p * 7 + s;
	f.source_phase[0] = 2;
	f.source_phase[1] = 3;
	f.reference = RIG_REF_STANDARD_PULSES;
	f.ref_wh_per_pulse = 0.002;
	f.ref_line.line = 99;
	f.time_scale = 20;
	snprintf(f.source_transport, sizeof(f.source_transport), "tcp:127.0.0.1:6025");
	snprintf(f.edge_input, sizeof(f.edge_input), "sim:127.0.0.1:6026");
	sim_config_init(&cfg);
	sim_config_from_fixture(&cfg, &f);
	ck_assert_int_eq(cfg.bench.n_positions, 2);
	ck_assert_int_eq(cfg.bench.pos[1].line[RIG_SIG_KH10], 57);
	ck_assert_int_eq(cfg.bench.pos[1].meter.source_phase[0], 2);
	ck_assert_int_eq(cfg.bench.ref_line, 99);
	ck_assert_double_eq(cfg.bench.ref_wh_per_pulse, 0.002);
	ck_assert_int_eq(cfg.scpi_port, 6025);
	ck_assert_int_eq(cfg.edge_port, 6026);
	ck_assert_double_eq(cfg.time_scale, 20);
	/* a config parsed afterwards still overrides */
	const char *text = "scpi_port = 0\n[position 2]\nerror_pct = 1\n";
	ck_assert_int_eq(sim_config_parse(&cfg, text, strlen(text), "x", rig_model_decode, &err), 0);
	ck_assert_int_eq(cfg.scpi_port, 0);
	ck_assert_int_eq(cfg.bench.n_positions, 2);
	ck_assert_int_eq(cfg.bench.pos[1].line[RIG_SIG_KH10], 57);
}
END_TEST

START_TEST(shipped_sim_fixture_matches_the_default_layout)
{
	const char *top = getenv("RIG_TOP");
	char path[1024];
	snprintf(path, sizeof(path), "%s/fixtures/sim.conf", top ? top : ".");
	static struct rig_fixture f;
	ck_assert_int_eq(rig_fixture_load(path, &f, &err), 0);
	struct sim_config from_fixture;
	sim_config_init(&cfg);
	sim_config_from_fixture(&cfg, &f);
	from_fixture = cfg;
	char text[64];
	snprintf(text, sizeof(text), "positions = %d\n", f.n_positions);
	ck_assert_int_eq(parse(text), 0);	/* default layout */
	for (int p = 0; p < f.n_positions; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			ck_assert_int_eq(from_fixture.bench.pos[p].line[s], cfg.bench.pos[p].line[s]);
}
END_TEST

/* A decoded two-element T model on the bench: no kh1000 edges, the 0.1 kWh
 * counter runs with kh100. */
static size_t n_line[64];
static void count_line(void *ctx, const struct rig_edge *e)
{
	(void)ctx;
	if (e->line < 64)
		n_line[e->line]++;
}

START_TEST(decoded_t_model_has_no_kh1000_and_a_kh100_counter)
{
	ck_assert_int_eq(parse("[defaults]\nmodel = MMD-120-2001-T-SCC\n[bench]\npositions = 1\n"), 0);
	struct sim_bench *b = sim_bench_new(&cfg.bench);
	char r[128];
	sim_bench_scpi(b, 0, "SOUR:PHAS1:VOLT:RANG 0,180;SOUR:PHAS1:CURR:RANG 0,0.25", r, sizeof(r));
	sim_bench_scpi(b, 0, "SOUR:PHAS2:VOLT:RANG 0,180;SOUR:PHAS2:CURR:RANG 0,0.25", r, sizeof(r));
	sim_bench_scpi(b, 0, "SOUR:PHAS1:VOLT:MHAR:HARM1 120,0;SOUR:PHAS1:CURR:MHAR:HARM1 0.1,0", r, sizeof(r));
	sim_bench_scpi(b, 0, "SOUR:PHAS2:VOLT:MHAR:HARM1 120,180;SOUR:PHAS2:CURR:MHAR:HARM1 0.1,180", r, sizeof(r));
	sim_bench_scpi(b, 0, "SOUR:PHAS1:VOLT:STAT 1;SOUR:PHAS1:CURR:STAT 1;SOUR:PHAS2:VOLT:STAT 1;"
			     "SOUR:PHAS2:CURR:STAT 1;OUTP:STAT ON", r, sizeof(r));
	ck_assert_int_eq(sim_bench_scpi(b, 0, "SYST:ERR?", r, sizeof(r)), 1);
	ck_assert_str_eq(r, "0,\"No error\"");
	memset(n_line, 0, sizeof(n_line));
	sim_bench_advance(b, 3600LL * RIG_NS_PER_S, count_line, NULL);
	/* 2 elements x 120 V x 200 A = 48 kWh in the hour */
	ck_assert_int_le(labs((long)n_line[RIG_SIG_KH100] - 2 * 480), 2);
	ck_assert_uint_eq(n_line[RIG_SIG_KH1000], 0);
	ck_assert_uint_eq(n_line[RIG_SIG_COUNTER], n_line[RIG_SIG_KH100]);
	ck_assert_uint_eq(n_line[RIG_SIG_REVERSE_LED], 0);	/* 180 on both V and I: forward */
	sim_bench_free(b);
}
END_TEST

START_TEST(random_text_never_crashes)
{
	struct sim_prng r;
	sim_prng_seed(&r, 7);
	static const char *const pieces[] = {
		"[position 3]\n", "[defaults]\n", "[bench]\n", "[position 99]\n", "positions = 4\n",
		"model = MMD-120-2001-T-SCC\n", "model = \n", "lines = 0:8\n", "lines = kh10:\n",
		"dead = kh10,,\n", "reversed_ct = 1,2,3\n", "error_pct = 1e999\n", "=\n", "#\n",
		"source_phases = 1,2,3\n", "ct = 0:0\n", "outputs = 10,100,1000,5\n", "\x01\xff",
		"jitter_us = -1\n", "seed = 12\n", "turns = 0\n", "time_scale = 20",
	};
	char text[2048];
	for (int i = 0; i < 3000; i++) {
		size_t n = 0;
		int k = (int)(sim_prng_next(&r) % 12);
		for (int j = 0; j < k; j++) {
			const char *p = pieces[sim_prng_next(&r) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t len = strlen(p);
			size_t cut = sim_prng_next(&r) % 4 == 0 ? sim_prng_next(&r) % (len + 1) : len;
			memcpy(text + n, p, cut);
			n += cut;
		}
		sim_config_init(&cfg);
		int rc = sim_config_parse(&cfg, text, n, "f", rig_model_decode, &err);
		ck_assert(rc == 0 || (rc == -1 && err.msg[0]));
		ck_assert_int_le(cfg.bench.n_positions, RIG_MAX_POSITIONS);
	}
}
END_TEST

/* Seen with a hand-made input to the sim_config fuzz harness: a large
 * BASE:STRIDE overflowed int computing the last positions' line numbers
 * (UBSan), and lines above 65535 were taken. */
START_TEST(lines_layout_beyond_line_numbers_is_refused)
{
	expect_error("positions = 1\nlines = 2000000000:2000000000\n",
		     "bench.conf:2: lines = 2000000000:2000000000: the last position's lines would be above 65535");
	expect_error("lines = 65000:100\n", "bench.conf:1: lines = 65000:100: the last position");
	/* the highest layout that still fits is taken */
	ck_assert_int_eq(parse("positions = 16\nlines = 65409:8\n"), 0);
	ck_assert_int_eq(cfg.bench.pos[15].line[RIG_SIG_COUNT - 1], 65535);
}
END_TEST

/* Seen with a hand-made input to the sim_config fuzz harness: sscanf reads
 * "nan" and "inf", which passed the "above 0" check (a meter of NaN amps). */
START_TEST(ct_ratio_must_be_finite_amps)
{
	static const char *const bad_ct[] = { "nan:nan", "nan:0.1", "200:nan", "inf:0.1",
					      "200:inf", "1e300:0.1", "0:0.1", "200:-0.1" };
	for (size_t i = 0; i < sizeof(bad_ct) / sizeof(bad_ct[0]); i++) {
		char text[96], want[96];
		snprintf(text, sizeof(text), "positions = 1\n[position 1]\nct = %s\n", bad_ct[i]);
		snprintf(want, sizeof(want), "bench.conf:3: ct = %s: want PRIMARY:SECONDARY", bad_ct[i]);
		expect_error(text, want);
	}
	ck_assert_int_eq(parse("positions = 1\n[position 1]\nct = 400:0.1\n"), 0);
	ck_assert_double_eq(cfg.bench.pos[0].meter.model.ct_primary_a, 400);
}
END_TEST

Suite *suite_sim_config(void)
{
	Suite *s = suite_create("sim_config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, defaults_then_positions_whatever_the_order);
	tcase_add_test(tc, position_lines_and_lists);
	tcase_add_test(tc, bad_input_names_file_and_line);
	tcase_add_test(tc, fixture_gives_positions_lines_and_ports);
	tcase_add_test(tc, shipped_sim_fixture_matches_the_default_layout);
	tcase_add_test(tc, decoded_t_model_has_no_kh1000_and_a_kh100_counter);
	tcase_add_test(tc, random_text_never_crashes);
	tcase_add_test(tc, lines_layout_beyond_line_numbers_is_refused);
	tcase_add_test(tc, ct_ratio_must_be_finite_amps);
	suite_add_tcase(s, tc);
	return s;
}
