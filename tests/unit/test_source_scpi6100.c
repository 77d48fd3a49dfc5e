#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/source/scpi6100/protocol.h"
#include "drivers/source/source.h"
#include "tests/unit/fake_scpi.h"

/* ---- the pure protocol ---- */

static struct rig_setpoint two_phase(double v, double a)
{
	struct rig_setpoint sp = { .frequency_hz = 60 };
	sp.ph[0].phase = 1;
	sp.ph[0].voltage_v = v;
	sp.ph[0].current_a = a;
	sp.ph[0].current_angle_deg = 0;
	sp.ph[1].phase = 2;
	sp.ph[1].voltage_v = v;
	sp.ph[1].voltage_angle_deg = -120;
	sp.ph[1].current_a = a;
	sp.ph[1].current_angle_deg = -60;
	return sp;
}

static const char apply_lines[] =
	"SOUR:FREQ 60\nSYST:ERR?\n"
	"SOUR:PHAS1:VOLT:RANG 120,120\nSYST:ERR?\n"
	"SOUR:PHAS1:CURR:RANG 2.5,2.5\nSYST:ERR?\n"
	"SOUR:PHAS1:VOLT:MHAR:HARM1 120,0\nSYST:ERR?\n"
	"SOUR:PHAS1:CURR:MHAR:HARM1 2.5,0\nSYST:ERR?\n"
	"SOUR:PHAS1:VOLT:STAT 1\nSYST:ERR?\n"
	"SOUR:PHAS1:CURR:STAT 1\nSYST:ERR?\n"
	"SOUR:PHAS2:VOLT:RANG 120,120\nSYST:ERR?\n"
	"SOUR:PHAS2:CURR:RANG 2.5,2.5\nSYST:ERR?\n"
	"SOUR:PHAS2:VOLT:MHAR:HARM1 120,-120\nSYST:ERR?\n"
	"SOUR:PHAS2:CURR:MHAR:HARM1 2.5,-60\nSYST:ERR?\n"
	"SOUR:PHAS2:VOLT:STAT 1\nSYST:ERR?\n"
	"SOUR:PHAS2:CURR:STAT 1\nSYST:ERR?\n";

START_TEST(plan_for_apply_checks_errors_after_every_setting)
{
	struct scpi_plan plan = { .n = 0 };
	char why[128] = "";
	struct rig_setpoint sp = two_phase(120, 2.5);
	ck_assert_int_eq(scpi_plan_apply(&plan, &sp, why, sizeof(why)), 0);
	char all[4096] = "";
	for (int i = 0; i < plan.n; i++) {
		strcat(all, plan.step[i].line);
		strcat(all, "\n");
		ck_assert_int_eq(plan.step[i].kind, i % 2 ? SCPI_STEP_ERR : SCPI_STEP_SET);
	}
	ck_assert_str_eq(all, apply_lines);

	plan.n = 0;
	sp.ph[1].phase = 1;
	ck_assert_int_eq(scpi_plan_apply(&plan, &sp, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "phase 1"));
	sp = two_phase(120, 2.5);
	sp.ph[0].current_a = -1;
	ck_assert_int_eq(scpi_plan_apply(&plan, &sp, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "bad setpoint"));
}
END_TEST

START_TEST(linebuf_splits_lines_and_refuses_garbage)
{
	struct scpi_linebuf lb;
	char line[SCPI_MAX_LINE + 1], why[96];
	scpi_linebuf_reset(&lb);
	scpi_linebuf_add(&lb, "0,\"No e", 7);
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), 0);
	scpi_linebuf_add(&lb, "rror\"\r\n1\n", 9);
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), 1);
	ck_assert_str_eq(line, "0,\"No error\"");
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), 1);
	ck_assert_str_eq(line, "1");
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), 0);

	scpi_linebuf_add(&lb, "12\x01\n", 4);
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "binary data (byte 0x01)"));

	char big[300];
	memset(big, 'A', sizeof(big));
	scpi_linebuf_add(&lb, big, sizeof(big));	/* no newline yet: already too long */
	ck_assert_int_eq(scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "overlong line"));
}
END_TEST

START_TEST(reply_parsers)
{
	int code;
	char text[64];
	ck_assert_int_eq(scpi_parse_error("-222,\"Data out of range\"", &code, text, sizeof(text)), 0);
	ck_assert_int_eq(code, -222);
	ck_assert_str_eq(text, "Data out of range");
	ck_assert_int_eq(scpi_parse_error("0,No error", &code, text, sizeof(text)), -1);
	ck_assert_int_eq(scpi_parse_error("abc", &code, text, sizeof(text)), -1);
	double w;
	ck_assert_int_eq(scpi_parse_number(" 1.25E+3", &w), 0);
	ck_assert_double_eq(w, 1250);
	ck_assert_int_eq(scpi_parse_number("12W", &w), -1);
	ck_assert_int_eq(scpi_parse_number("nan", &w), -1);
	bool b;
	ck_assert_int_eq(scpi_parse_bool("ON", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(scpi_parse_bool("0", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(scpi_parse_bool("2", &b), -1);
}
END_TEST

/* ---- the driver against the fake instrument ---- */

static struct fake_scpi *fake;
static struct transport *tr;

static struct source *open_source(double timeout_s)
{
	struct rig_error err = { 0 };
	fake = fake_scpi_start();
	ck_assert_ptr_nonnull(fake);
	tr = transport_open(fake_scpi_spec(fake), &err);
	ck_assert_msg(tr != NULL, "%s", err.msg);
	struct source *s = source_new("scpi6100", tr, timeout_s, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

static void close_source(struct source *s)
{
	source_free(s);
	transport_close(tr);
	fake_scpi_stop(fake);
	tr = NULL;
	fake = NULL;
}

static char log_buf[16384];

static const char *fake_log(void)
{
	fake_scpi_log(fake, log_buf, sizeof(log_buf));
	return log_buf;
}

static int run(struct source *s, enum rig_cmd_kind kind, struct source_result *r)
{
	struct rig_cmd cmd = { .kind = kind, .sp = two_phase(120, 2.5) };
	return source_run_cmd(s, &cmd, r);
}

START_TEST(open_identifies_resets_and_switches_off)
{
	struct source *s = open_source(2.0);
	ck_assert_str_eq(s->idn, "RIG,FAKE6100,0,1.0");
	/* Device clear and output off blind first, then identify, reset, verify. */
	ck_assert_str_eq(fake_log(), "\nOUTP:STAT OFF\n*IDN?\n*RST\n*OPC?\n*CLS\nOUTP:STAT OFF\nSYST:ERR?\nOUTP:STAT?\n");
	close_source(s);
}
END_TEST

/* A controller that died with the output on; the next one (rigd at
 * start-up or reconnect, rigd --safe-off) meets an instrument that does not
 * answer *IDN? properly. The output goes off all the same. */
static void off_is_sent_before_any_reply_is_awaited(enum fake_scpi_fault fault, int delay_ms)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	ck_assert_int_eq(fake_scpi_output_on(fake), 1);
	s->ops->close(s);	/* gone without switching off */
	free(s);
	transport_close(tr);
	fake_scpi_clear_log(fake);
	fake_scpi_fault(fake, "*IDN?", 1, fault, delay_ms, NULL);
	struct rig_error err = { 0 };
	tr = transport_open(fake_scpi_spec(fake), &err);
	ck_assert_msg(tr != NULL, "%s", err.msg);
	ck_assert_ptr_null(source_new("scpi6100", tr, 0.3, &err));
	ck_assert_msg(strstr(err.msg, "*IDN?") != NULL, "%s", err.msg);
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	ck_assert_msg(strncmp(fake_log(), "\nOUTP:STAT OFF\n*IDN?\n", 22) == 0, "%s", fake_log());
	transport_close(tr);
	fake_scpi_stop(fake);
	tr = NULL;
	fake = NULL;
}

START_TEST(open_switches_off_blind_when_the_instrument_is_silent)
{
	off_is_sent_before_any_reply_is_awaited(FAKE_SCPI_SILENT, 0);
}
END_TEST

START_TEST(open_switches_off_blind_when_the_instrument_is_slow)
{
	off_is_sent_before_any_reply_is_awaited(FAKE_SCPI_SLOW, 700);
}
END_TEST

START_TEST(open_switches_off_blind_when_the_instrument_garbles)
{
	off_is_sent_before_any_reply_is_awaited(FAKE_SCPI_BINARY, 0);
}
END_TEST

START_TEST(open_arms_the_watchdog_or_says_the_instrument_has_none)
{
	struct scpi_plan plan = { .n = 0 };
	ck_assert_int_eq(scpi_plan_watchdog(&plan, 0.8), 0);
	ck_assert_int_eq(plan.n, 4);
	ck_assert_str_eq(plan.step[0].line, "OUTP:PROT:WDOG:DEL 0.8");
	ck_assert_str_eq(plan.step[2].line, "OUTP:PROT:WDOG ON");
	ck_assert_int_eq(scpi_plan_watchdog(&plan, 0.05), -1);

	struct rig_error err = { 0 };
	fake = fake_scpi_start();
	tr = transport_open(fake_scpi_spec(fake), &err);
	ck_assert_ptr_nonnull(tr);
	ck_assert_ptr_null(source_open("scpi6100", tr, 1.0, 0.01, &err));	/* below 0.1 s */
	ck_assert_ptr_nonnull(strstr(err.msg, "watchdog"));
	/* The fake, like a Fluke 6100A, has no watchdog: a fixture that asks
	 * for one is refused at connect with the instrument's own error. */
	ck_assert_ptr_null(source_open("scpi6100", tr, 1.0, 0.5, &err));
	ck_assert_msg(strstr(err.msg, "OUTP:PROT:WDOG:DEL 0.5") && strstr(err.msg, "-113"), "%s", err.msg);
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	transport_close(tr);
	fake_scpi_stop(fake);
	fake = NULL;
	tr = NULL;
}
END_TEST

START_TEST(happy_path_apply_on_read_off)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	fake_scpi_clear_log(fake);
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, &r), 0);
	ck_assert_msg(r.ok, "%s", r.error);
	ck_assert_str_eq(fake_log(), apply_lines);

	fake_scpi_clear_log(fake);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	ck_assert_str_eq(fake_log(), "OUTP:STAT ON\nSYST:ERR?\nOUTP:STAT?\n");
	ck_assert_int_eq(fake_scpi_output_on(fake), 1);

	struct rig_cmd rp = { .kind = RIG_CMD_READ_POWER };	/* phases from the last APPLY */
	fake_scpi_clear_log(fake);
	ck_assert_int_eq(source_run_cmd(s, &rp, &r), 0);
	ck_assert_str_eq(fake_log(), "SOUR:PHAS1:POW:WATT?\nSOUR:PHAS2:POW:WATT?\n");
	/* 120 V * 2.5 A * (cos 0 + cos 60 deg) */
	ck_assert_double_eq_tol(r.power_w, 300 + 150, 1e-3);

	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_OFF, &r), 0);
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	close_source(s);
}
END_TEST

START_TEST(instrument_error_text_is_surfaced_and_stops_the_command)
{
	struct source *s = open_source(2.0);
	fake_scpi_fault(fake, "SOUR:PHAS1:VOLT:MHAR:HARM1 120,0", 1, FAKE_SCPI_ERROR, 0,
			"-222,\"Data out of range\"");
	struct source_result r;
	fake_scpi_clear_log(fake);
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, &r), -1);
	ck_assert(!r.ok);
	ck_assert_msg(strstr(r.error, "after 'SOUR:PHAS1:VOLT:MHAR:HARM1 120,0': -222,\"Data out of range\""),
		      "%s", r.error);
	/* the queue is drained (two SYST:ERR? reads) and nothing more is set */
	const char *log = fake_log();
	ck_assert_ptr_nonnull(strstr(log, "SOUR:PHAS1:VOLT:MHAR:HARM1 120,0\nSYST:ERR?\nSYST:ERR?\n"));
	ck_assert_ptr_null(strstr(log, "CURR:MHAR"));
	close_source(s);
}
END_TEST

START_TEST(silence_times_out_in_virtual_time_then_off_still_works)
{
	struct source *s = open_source(2.0);
	fake_scpi_fault(fake, "OUTP:STAT?", 1, FAKE_SCPI_SILENT, 0, NULL);
	struct rig_cmd on = { .kind = RIG_CMD_OUTPUT_ON };
	struct source_result r;
	fake_scpi_clear_log(fake);
	ck_assert_int_eq(s->ops->begin(s, &on, 0), 0);
	/* Virtual time stays at 0 while the replies that do come are taken
	 * in; once the silent query is out, only the deadline moves it on. */
	int done = 0;
	for (int i = 0; i < 500 && !done && !strstr(fake_log(), "OUTP:STAT?\n"); i++) {
		struct pollfd p = { .fd = tr->ops->fd(tr), .events = POLLIN };
		poll(&p, 1, 10);
		done = s->ops->advance(s, 0, &r);
	}
	int64_t dl = s->ops->deadline(s);
	ck_assert_int_eq(dl, 2 * RIG_NS_PER_S);
	done = s->ops->advance(s, dl - 1, &r);
	ck_assert_int_eq(done, 0);
	ck_assert_int_eq(s->ops->advance(s, dl, &r), 1);
	ck_assert(!r.ok);
	ck_assert_msg(strstr(r.error, "no reply to 'OUTP:STAT?' within 2 s (instrument silent)"), "%s", r.error);
	ck_assert_int_eq(s->ops->deadline(s), INT64_MAX);

	fake_scpi_clear_log(fake);
	source_free(s);
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	ck_assert_str_eq(fake_log(), "OUTP:STAT OFF\n*IDN?\nSYST:ERR?\nOUTP:STAT?\n");
	transport_close(tr);
	fake_scpi_stop(fake);
}
END_TEST

START_TEST(late_reply_after_timeout_is_skipped_by_resync)
{
	struct source *s = open_source(2.0);
	fake_scpi_fault(fake, "SOUR:PHAS1:POW:WATT?", 1, FAKE_SCPI_SLOW, 200, NULL);
	struct rig_cmd rp = { .kind = RIG_CMD_READ_POWER, .sp = two_phase(120, 2.5) };
	struct source_result r;
	ck_assert_int_eq(s->ops->begin(s, &rp, 0), 0);
	ck_assert_int_eq(s->ops->advance(s, s->ops->deadline(s), &r), 1);	/* virtual: too late */
	ck_assert_ptr_nonnull(strstr(r.error, "no reply to 'SOUR:PHAS1:POW:WATT?'"));
	/* the late "0.000000" must not be taken as the answer to a new query */
	fake_scpi_fault(fake, "OUTP:STAT ON", 1, FAKE_SCPI_STUCK_ON, 0, NULL);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	ck_assert_msg(r.ok, "%s", r.error);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_OFF, &r), -1);
	ck_assert_msg(strstr(r.error, "output is still ON after 'OUTP:STAT OFF'"), "%s", r.error);
	close_source(s);
}
END_TEST

START_TEST(output_off_in_the_middle_of_a_command_switches_off_first)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	/* an APPLY stuck on a slow SYST:ERR? when the abort comes */
	fake_scpi_fault(fake, "SYST:ERR?", 3, FAKE_SCPI_SLOW, 300, NULL);	/* FREQ, VOLT:RANG, CURR:RANG */
	struct rig_cmd apply = { .kind = RIG_CMD_APPLY, .sp = two_phase(120, 2.5) };
	ck_assert_int_eq(s->ops->begin(s, &apply, source_now_ns()), 0);
	for (int i = 0; i < 500 && !strstr(fake_log(), "SOUR:PHAS1:CURR:RANG 2.5,2.5\nSYST:ERR?\n"); i++) {
		struct pollfd p = { .fd = tr->ops->fd(tr), .events = POLLIN };
		poll(&p, 1, 10);
		ck_assert_int_eq(s->ops->advance(s, source_now_ns(), &r), 0);
	}
	fake_scpi_clear_log(fake);
	struct rig_error err = { 0 };
	ck_assert_msg(s->ops->output_off(s, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(fake_log(), "OUTP:STAT OFF\n*IDN?\nSYST:ERR?\nOUTP:STAT?\n");
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	ck_assert_int_eq(s->ops->deadline(s), INT64_MAX);	/* the APPLY is gone */
	close_source(s);
}
END_TEST

START_TEST(bad_setpoint_is_refused_before_anything_is_sent)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	struct rig_cmd apply = { .kind = RIG_CMD_APPLY, .sp = two_phase(120, 2.5) };
	apply.sp.ph[1].phase = 7;
	fake_scpi_clear_log(fake);
	ck_assert_int_eq(source_run_cmd(s, &apply, &r), -1);
	ck_assert_ptr_nonnull(strstr(r.error, "bad setpoint: phase 7"));
	ck_assert_str_eq(fake_log(), "");
	close_source(s);
}
END_TEST

START_TEST(slow_reply_within_timeout_is_fine)
{
	struct source *s = open_source(2.0);
	fake_scpi_fault(fake, "OUTP:STAT?", 1, FAKE_SCPI_SLOW, 150, NULL);
	struct source_result r;
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	ck_assert_msg(r.ok, "%s", r.error);
	close_source(s);
}
END_TEST

static void assert_read_power_fails(enum fake_scpi_fault fault, const char *needle)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	fake_scpi_fault(fake, "SOUR:PHAS2:POW:WATT?", 1, fault, 0, NULL);
	struct rig_cmd rp = { .kind = RIG_CMD_READ_POWER, .sp = two_phase(120, 2.5) };
	ck_assert_int_eq(source_run_cmd(s, &rp, &r), -1);
	ck_assert_msg(strstr(r.error, needle), "'%s' lacks '%s'", r.error, needle);
	close_source(s);
}

START_TEST(garbled_replies_are_errors)
{
	assert_read_power_fails(FAKE_SCPI_GARBAGE, "garbled reply to 'SOUR:PHAS2:POW:WATT?': \"#?!bogus\"");
	assert_read_power_fails(FAKE_SCPI_BINARY, "garbled reply to 'SOUR:PHAS2:POW:WATT?': binary data");
	assert_read_power_fails(FAKE_SCPI_OVERLONG, "garbled reply to 'SOUR:PHAS2:POW:WATT?': overlong line");
}
END_TEST

START_TEST(dropped_connection_is_an_error)
{
	struct source *s = open_source(2.0);
	fake_scpi_fault(fake, "SOUR:PHAS1:VOLT:RANG 120,120", 1, FAKE_SCPI_DROP, 0, NULL);
	struct source_result r;
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, &r), -1);
	ck_assert_msg(strstr(r.error, "instrument disconnected"), "%s", r.error);
	struct rig_error err = { 0 };
	ck_assert_int_eq(s->ops->output_off(s, &err), -1);	/* nobody to switch off: said loudly */
	ck_assert_ptr_nonnull(strstr(err.msg, "output off"));
	close_source(s);
}
END_TEST

START_TEST(source_free_switches_output_off)
{
	struct source *s = open_source(2.0);
	struct source_result r;
	ck_assert_int_eq(run(s, RIG_CMD_APPLY, &r), 0);
	ck_assert_int_eq(run(s, RIG_CMD_OUTPUT_ON, &r), 0);
	ck_assert_int_eq(fake_scpi_output_on(fake), 1);
	fake_scpi_clear_log(fake);
	source_free(s);
	ck_assert_str_eq(fake_log(), "OUTP:STAT OFF\nSYST:ERR?\nOUTP:STAT?\n");
	ck_assert_int_eq(fake_scpi_output_on(fake), 0);
	transport_close(tr);
	fake_scpi_stop(fake);
}
END_TEST

START_TEST(refusals_are_clear)
{
	struct rig_error err = { 0 };
	fake = fake_scpi_start();
	tr = transport_open(fake_scpi_spec(fake), &err);
	ck_assert_ptr_nonnull(tr);
	ck_assert_ptr_null(source_new("fluke9999", tr, 1.0, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown source driver 'fluke9999'"));
	fake_scpi_fault(fake, "*IDN?", 1, FAKE_SCPI_GARBAGE, 0, NULL);
	fake_scpi_fault(fake, "*OPC?", 1, FAKE_SCPI_SILENT, 0, NULL);
	ck_assert_ptr_null(source_new("scpi6100", tr, 0.2, &err));
	ck_assert_msg(strstr(err.msg, "no reply to '*OPC?'"), "%s", err.msg);
	transport_close(tr);
	fake_scpi_stop(fake);

	struct source *s = open_source(2.0);
	struct source_result r;
	struct rig_cmd rp = { .kind = RIG_CMD_READ_POWER };
	ck_assert_int_eq(source_run_cmd(s, &rp, &r), -1);	/* before any APPLY */
	ck_assert_ptr_nonnull(strstr(r.error, "no phase in use"));
	close_source(s);
}
END_TEST

Suite *suite_source_scpi6100(void)
{
	Suite *s = suite_create("source_scpi6100");
	TCase *tc = tcase_create("protocol");
	tcase_add_test(tc, plan_for_apply_checks_errors_after_every_setting);
	tcase_add_test(tc, linebuf_splits_lines_and_refuses_garbage);
	tcase_add_test(tc, reply_parsers);
	suite_add_tcase(s, tc);
	tc = tcase_create("driver");
	tcase_add_test(tc, open_identifies_resets_and_switches_off);
	tcase_add_test(tc, open_switches_off_blind_when_the_instrument_is_silent);
	tcase_add_test(tc, open_switches_off_blind_when_the_instrument_is_slow);
	tcase_add_test(tc, open_switches_off_blind_when_the_instrument_garbles);
	tcase_add_test(tc, open_arms_the_watchdog_or_says_the_instrument_has_none);
	tcase_add_test(tc, happy_path_apply_on_read_off);
	tcase_add_test(tc, instrument_error_text_is_surfaced_and_stops_the_command);
	tcase_add_test(tc, silence_times_out_in_virtual_time_then_off_still_works);
	tcase_add_test(tc, late_reply_after_timeout_is_skipped_by_resync);
	tcase_add_test(tc, output_off_in_the_middle_of_a_command_switches_off_first);
	tcase_add_test(tc, bad_setpoint_is_refused_before_anything_is_sent);
	tcase_add_test(tc, slow_reply_within_timeout_is_fine);
	tcase_add_test(tc, garbled_replies_are_errors);
	tcase_add_test(tc, dropped_connection_is_an_error);
	tcase_add_test(tc, source_free_switches_output_off);
	tcase_add_test(tc, refusals_are_clear);
	suite_add_tcase(s, tc);
	return s;
}
