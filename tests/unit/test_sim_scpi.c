/* The emulated source's SCPI: command set, range checks, error queue,
 * bad input of every kind. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/sim/meter_sim.h"
#include "drivers/sim/scpi_parser.h"
#include "drivers/sim/source_model.h"

#define S 1000000000LL

static struct sim_source src;
static struct sim_scpi scpi;
static char reply[512];

static void setup(void)
{
	sim_source_init(&src, 2.0);
	sim_scpi_init(&scpi, &src, "RIG-SIM,6105A-SIM,SN0001,1.0");
}

static int send_at(int64_t t, const char *line)
{
	return sim_scpi_line(&scpi, t, line, strlen(line), reply, sizeof(reply));
}

static int send(const char *line) { return send_at(0, line); }

static const char *error_reply(void)
{
	ck_assert_int_eq(send("SYST:ERR?"), 1);
	return reply;
}

START_TEST(identifies_and_reports_no_error)
{
	ck_assert_int_eq(send("*IDN?"), 1);
	ck_assert_str_eq(reply, "RIG-SIM,6105A-SIM,SN0001,1.0");
	ck_assert_int_eq(send("*OPC?"), 1);
	ck_assert_str_eq(reply, "1");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
}
END_TEST

START_TEST(communication_watchdog_settings)
{
	ck_assert_int_eq(send("OUTP:PROT:WDOG?"), 1);
	ck_assert_str_eq(reply, "0");	/* off after *RST */
	ck_assert_int_eq(send("OUTP:PROT:WDOG:DEL 0.8;:OUTP:PROT:WDOG ON"), 0);
	ck_assert(src.wdog_on);
	ck_assert_double_eq(src.wdog_delay_s, 0.8);
	ck_assert_int_eq(send("output:protection:wdog:delay?"), 1);
	ck_assert_str_eq(reply, "0.8");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
	ck_assert_int_eq(send("OUTP:PROT:WDOG:DEL 0.01"), 0);
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	ck_assert_double_eq(src.wdog_delay_s, 0.8);
	ck_assert_int_eq(send("*RST"), 0);
	ck_assert(!src.wdog_on);	/* volatile: the controller arms it after every reset */
	sim_scpi_push_error(&scpi, SIM_ERR_ENABLE_LOOP);
	ck_assert_str_eq(error_reply(), "311,\"Output off: enable loop opened (heartbeat lost)\"");
}
END_TEST

START_TEST(unknown_command_is_undefined_header)
{
	ck_assert_int_eq(send("SOUR:PHAS1:BANANA 3"), 0);
	ck_assert_int_eq(send("*FOO?"), 0);
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
}
END_TEST

START_TEST(out_of_range_value_is_rejected_and_not_applied)
{
	send("SOUR:PHAS1:VOLT:RANG 0,180");
	send("SOUR:PHAS1:VOLT:MHAR:HARM1 200,0");
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	ck_assert_int_eq(send("SOUR:PHAS1:VOLT:MHAR:HARM1?"), 1);
	ck_assert_str_eq(reply, "0,0");
	send("SOUR:PHAS1:VOLT:MHAR:HARM1 179.5,0");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
	send("SOUR:PHAS1:CURR:RANG 0,30");	/* above 21 A */
	send("SOUR:FREQ 70");
	send("SOUR:PHAS1:CURR:MHAR:HARM1 1,400");	/* angle */
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	send("SOUR:FREQ 50");
	ck_assert_int_eq(send("SOUR:FREQ?"), 1);
	ck_assert_str_eq(reply, "50");
}
END_TEST

START_TEST(range_is_the_smallest_covering_max)
{
	send("SOUR:PHAS2:VOLT:RANG 0,100");
	ck_assert_int_eq(send("SOUR:PHAS2:VOLT:RANG?"), 1);
	ck_assert_str_eq(reply, "0,180");
	send("SOUR:PHAS2:CURR:RANG 0.1,0.2");
	ck_assert_int_eq(send("SOUR:PHAS2:CURR:RANG?"), 1);
	ck_assert_str_eq(reply, "0.1,0.25");
	send("SOUR:PHAS2:CURR:MHAR:HARM1 0.3,0");
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	send("SOUR:PHAS2:CURR:RANG 5,1");	/* min above max */
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	send("SOUR:PHAS2:CURR:RANG 0,0");	/* no current (creep): the smallest range */
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
	ck_assert_int_eq(send("SOUR:PHAS2:CURR:RANG?"), 1);
	ck_assert_str_eq(reply, "0,0.25");
	send("SOUR:PHAS2:CURR:RANG -1,0.1");
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
}
END_TEST

START_TEST(truncated_lines_are_errors)
{
	send("SOUR:PHAS1:VOLT:MHAR:HARM1 120,");
	ck_assert_str_eq(error_reply(), "-109,\"Missing parameter\"");
	send("SOUR:PHAS1:VOLT:MHAR:HARM1 120");
	ck_assert_str_eq(error_reply(), "-109,\"Missing parameter\"");
	send("SOUR:PHAS1:VO");
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
	send("SOUR:PHAS1:");
	ck_assert_str_eq(error_reply(), "-102,\"Syntax error\"");
	send("OUTP:STAT MAYBE");
	ck_assert_str_eq(error_reply(), "-104,\"Data type error\"");
	send("OUTP:STAT 1,2");
	ck_assert_str_eq(error_reply(), "-108,\"Parameter not allowed\"");
	ck_assert_int_eq(src.output_on, 0);
}
END_TEST

START_TEST(binary_junk_is_a_syntax_error)
{
	const char junk[] = { 'O', 'U', 'T', 'P', 0, (char)0xff, '\x01', ' ', '1' };
	ck_assert_int_eq(sim_scpi_line(&scpi, 0, junk, sizeof(junk), reply, sizeof(reply)), 0);
	ck_assert_str_eq(error_reply(), "-102,\"Syntax error\"");
	ck_assert_int_eq(src.output_on, 0);
}
END_TEST

START_TEST(random_bytes_never_crash_and_queue_stays_bounded)
{
	struct sim_prng r;
	sim_prng_seed(&r, 42);
	static const char alphabet[] = "SOURPHASVOLTCURMHARGNEFQ:;,?* 0123456789.-\t\x01\xff";
	char line[200];
	for (int i = 0; i < 20000; i++) {
		size_t n = sim_prng_next(&r) % sizeof(line);
		for (size_t k = 0; k < n; k++)
			line[k] = alphabet[sim_prng_next(&r) % (sizeof(alphabet) - 1)];
		sim_scpi_line(&scpi, 0, line, n, reply, sizeof(reply));
		ck_assert_int_le(scpi.queue_count, SIM_SCPI_QUEUE_LEN);
		ck_assert_uint_lt(strlen(reply), sizeof(reply));
	}
	/* whatever happened, the source is still a valid instrument */
	send("*RST;*CLS");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
}
END_TEST

START_TEST(overlong_line_is_input_overrun)
{
	size_t n = SIM_SCPI_MAX_LINE + 10;
	char *line = malloc(n);
	memset(line, 'A', n);
	ck_assert_int_eq(sim_scpi_line(&scpi, 0, line, n, reply, sizeof(reply)), 0);
	free(line);
	ck_assert_str_eq(error_reply(), "-363,\"Input buffer overrun\"");
}
END_TEST

START_TEST(error_queue_is_fifo_of_16_with_overflow_last)
{
	for (int i = 0; i < 20; i++)
		send(i % 2 ? "NOPE" : "SOUR:FREQ 99");
	ck_assert_int_eq(scpi.queue_count, SIM_SCPI_QUEUE_LEN);
	ck_assert_str_eq(error_reply(), "-222,\"Data out of range\"");
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
	for (int i = 2; i < 15; i++)
		error_reply();
	ck_assert_str_eq(error_reply(), "-350,\"Queue overflow\"");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
	send("NOPE");
	send("*CLS");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
}
END_TEST

START_TEST(long_and_short_forms_any_case)
{
	send("source:phase2:voltage:mharmonic:harmonic1 230.5,-120");
	ck_assert_int_eq(send(":SOUR:PHAS2:VOLT:MHAR:HARM1?"), 1);
	ck_assert_str_eq(reply, "230.5,-120");
	send("SoUrCe:PhAs3:CuRr:StAtE ON");
	ck_assert_int_eq(send("SOUR:PHAS3:CURR:STAT?"), 1);
	ck_assert_str_eq(reply, "1");
	send("SOURC:PHAS1:VOLT:STAT 1");	/* neither short nor long */
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
	send("SOUR:PHAS4:VOLT:STAT 1");
	ck_assert_str_eq(error_reply(), "-114,\"Header suffix out of range\"");
	send("SOUR:PHAS1:VOLT:MHAR:HARM2 1,0");
	ck_assert_str_eq(error_reply(), "-114,\"Header suffix out of range\"");
}
END_TEST

START_TEST(semicolons_join_commands_and_replies)
{
	ck_assert_int_eq(send("*OPC?;OUTP:STAT?;SOUR:FREQ?"), 1);
	ck_assert_str_eq(reply, "1;0;60");
	ck_assert_int_eq(send("OUTP:STAT ON;OUTP:STAT?\r"), 1);
	ck_assert_str_eq(reply, "1");
}
END_TEST

START_TEST(error_stops_the_rest_of_the_line)
{
	send("BOGUS 1;OUTP:STAT ON");
	ck_assert_int_eq(src.output_on, 0);
	ck_assert_str_eq(error_reply(), "-113,\"Undefined header\"");
}
END_TEST

static void program_phase1(void)
{
	send("SOUR:PHAS1:VOLT:RANG 0,180;SOUR:PHAS1:CURR:RANG 0,5");
	send("SOUR:PHAS1:VOLT:MHAR:HARM1 120,0;SOUR:PHAS1:CURR:MHAR:HARM1 5,60");
	send("SOUR:PHAS1:VOLT:STAT 1;SOUR:PHAS1:CURR:STAT 1");
	ck_assert_str_eq(error_reply(), "0,\"No error\"");
}

START_TEST(power_follows_output_after_settling)
{
	program_phase1();
	ck_assert_int_eq(send_at(0, "SOUR:POW:WATT?"), 1);
	ck_assert_double_eq(atof(reply), 0);	/* output off */
	send_at(0, "OUTP:STAT ON");
	send_at(1 * S, "SOUR:PHAS1:POW:WATT?");
	double mid = atof(reply);
	ck_assert_double_gt(mid, 10);
	ck_assert_double_lt(mid, 290);
	send_at(3 * S, "SOUR:PHAS1:POW:WATT?");
	ck_assert_double_eq_tol(atof(reply), 300, 1e-6);	/* 120 * 5 * cos 60 */
	send_at(3 * S, "SOUR:POW:WATT?");
	ck_assert_double_eq_tol(atof(reply), 300, 1e-6);
	send_at(4 * S, "SOUR:PHAS1:CURR:MHAR:HARM1 2,0");
	send_at(4 * S, "SOUR:PHAS1:POW:WATT?");
	ck_assert_double_eq_tol(atof(reply), 300, 1e-6);	/* not settled yet */
	send_at(7 * S, "SOUR:PHAS1:POW:WATT?");
	ck_assert_double_eq_tol(atof(reply), 240, 1e-6);
	send_at(7 * S, "OUTP:STAT OFF");
	send_at(7 * S, "SOUR:POW:WATT?");
	ck_assert_double_eq(atof(reply), 0);	/* off is immediate */
}
END_TEST

START_TEST(reset_turns_output_off_and_restores_defaults)
{
	program_phase1();
	send("OUTP:STAT ON;SOUR:FREQ 50");
	send("*RST");
	ck_assert_int_eq(send("OUTP:STAT?;SOUR:FREQ?;SOUR:PHAS1:VOLT:MHAR:HARM1?"), 1);
	ck_assert_str_eq(reply, "0;60;0,0");
}
END_TEST

Suite *suite_sim_scpi(void)
{
	Suite *s = suite_create("sim_scpi");
	TCase *tc = tcase_create("scpi");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, identifies_and_reports_no_error);
	tcase_add_test(tc, communication_watchdog_settings);
	tcase_add_test(tc, unknown_command_is_undefined_header);
	tcase_add_test(tc, out_of_range_value_is_rejected_and_not_applied);
	tcase_add_test(tc, range_is_the_smallest_covering_max);
	tcase_add_test(tc, truncated_lines_are_errors);
	tcase_add_test(tc, binary_junk_is_a_syntax_error);
	tcase_add_test(tc, random_bytes_never_crash_and_queue_stays_bounded);
	tcase_add_test(tc, overlong_line_is_input_overrun);
	tcase_add_test(tc, error_queue_is_fifo_of_16_with_overflow_last);
	tcase_add_test(tc, long_and_short_forms_any_case);
	tcase_add_test(tc, semicolons_join_commands_and_replies);
	tcase_add_test(tc, error_stops_the_rest_of_the_line);
	tcase_add_test(tc, power_follows_output_after_settling);
	tcase_add_test(tc, reset_turns_output_off_and_restores_defaults);
	suite_add_tcase(s, tc);
	return s;
}
