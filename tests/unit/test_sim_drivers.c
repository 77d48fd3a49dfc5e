/* The rig's own drivers against rig-sim: the scpi6100 source driver over
 * TCP and the sim: edge input. What one side writes the other must read. */
#include <check.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/edge/edge_input.h"
#include "drivers/source/source.h"
#include "drivers/transport/transport.h"
#include "test_sim_process.h"

static const char *const bench4[] = { "--positions", "2", "--time-scale", "100", "--error", "-0.2",
				      "--set", "bench.settle_s=0.2", NULL };

static struct rig_setpoint phase1(double v, double a, double deg)
{
	struct rig_setpoint sp = { .frequency_hz = 60 };
	sp.ph[0].phase = 1;
	sp.ph[0].voltage_v = v;
	sp.ph[0].current_a = a;
	sp.ph[0].current_angle_deg = deg;
	return sp;
}

static struct source *open_source(struct transport **ret_tr, int port)
{
	char spec[64];
	struct rig_error err;
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	*ret_tr = transport_open(spec, &err);
	ck_assert_msg(*ret_tr != NULL, "%s", err.msg);
	struct source *s = source_new("scpi6100", *ret_tr, 2.0, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

static int run(struct source *s, enum rig_cmd_kind kind, struct rig_setpoint sp, struct source_result *r)
{
	struct rig_cmd cmd = { .kind = kind, .sp = sp };
	memset(r, 0, sizeof(*r));
	return source_run_cmd(s, &cmd, r);
}

START_TEST(source_driver_programs_the_simulated_source)
{
	struct sim_process p = sim_process_start(bench4);
	struct transport *tr;
	struct source *s = open_source(&tr, p.scpi_port);
	ck_assert_str_eq(s->idn, "RIG-SIM,6105A-SIM,SN0001,1.0");
	struct source_result r;
	struct rig_setpoint sp = phase1(120, 0.1, -60);
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, sp, &r), 0);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, sp, &r), 0);
	usleep(100 * 1000);	/* 10 simulated seconds: settled */
	ck_assert_int_eq(run(s, RIG_CMD_READ_POWER, sp, &r), 0);
	ck_assert_msg(r.ok, "%s", r.error);
	ck_assert_double_eq_tol(r.power_w, 120 * 0.1 * 0.5, 1e-3);
	/* the simulator's range check reaches the rig as the instrument's text */
	struct rig_setpoint bad = phase1(120, 30, 0);
	run(s, RIG_CMD_APPLY, bad, &r);
	ck_assert(!r.ok);
	ck_assert_msg(strstr(r.error, "-222") != NULL, "%s", r.error);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_OFF, sp, &r), 0);
	ck_assert_int_eq(run(s, RIG_CMD_READ_POWER, sp, &r), 0);
	ck_assert_double_eq(r.power_w, 0);
	source_free(s);
	transport_close(tr);
	ck_assert_int_eq(sim_process_stop(&p), 0);
}
END_TEST

START_TEST(edge_input_reads_the_simulated_meters)
{
	struct sim_process p = sim_process_start(bench4);
	struct transport *tr;
	struct source *s = open_source(&tr, p.scpi_port);
	struct source_result r;
	struct rig_setpoint sp = phase1(120, 0.1, 0);	/* 24 kW primary: a kh10 edge per 0.75 s */
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, sp, &r), 0);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, sp, &r), 0);

	static const struct edge_input_line lines[] = { { .offset = 0 }, { .offset = 8 }, { .offset = 5 } };
	char spec[64];
	struct rig_error err;
	snprintf(spec, sizeof(spec), "sim:127.0.0.1:%d", p.edge_port);
	struct edge_input *in = edge_input_open(spec, lines, 3, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	struct rig_edge e[64];
	size_t n_edges = 0, kh10[2] = { 0 };
	int64_t last_ts = 0;
	uint64_t last_g = 0;
	int64_t deadline = sim_process_now_ms() + 15000;
	while (n_edges < 120 && sim_process_now_ms() < deadline) {
		struct pollfd pf = { .fd = in->ops->fd(in), .events = POLLIN };
		poll(&pf, 1, 100);
		int n = in->ops->read(in, e, 64, &err);
		ck_assert_msg(n >= 0, "%s", err.msg);
		for (int i = 0; i < n; i++, n_edges++) {
			ck_assert_int_ge(e[i].timestamp_ns, last_ts);
			ck_assert_uint_eq(e[i].global_seqno, last_g + 1);
			last_ts = e[i].timestamp_ns;
			last_g = e[i].global_seqno;
			if (e[i].line == 0 || e[i].line == 8)
				kh10[e[i].line == 8]++;
		}
	}
	ck_assert_uint_ge(n_edges, 120);
	ck_assert_int_le(labs((long)kh10[0] - (long)kh10[1]), 2);	/* two meters in series */
	ck_assert_int_eq(in->ops->level(in, 5, &err), 1);	/* power LED on */
	edge_input_close(in);
	run(s, RIG_CMD_OUTPUT_OFF, sp, &r);
	source_free(s);
	transport_close(tr);
	ck_assert_int_eq(sim_process_stop(&p), 0);
}
END_TEST

Suite *suite_sim_drivers(void)
{
	Suite *s = suite_create("sim_drivers");
	TCase *tc = tcase_create("drivers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, source_driver_programs_the_simulated_source);
	tcase_add_test(tc, edge_input_reads_the_simulated_meters);
	suite_add_tcase(s, tc);
	return s;
}
