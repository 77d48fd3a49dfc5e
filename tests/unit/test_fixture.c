#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rig/core/fixture.h"
#include "rig/core/fixture_lines.h"
#include "rig/core/text_file.h"
#include "tests/unit/robustness.h"

static const char *top(void)
{
	const char *t = getenv("RIG_TOP");
	return t ? t : ".";
}

static struct rig_fixture *load_shipped(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/fixtures/%s", top(), name);
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	char buf[800];
	ck_assert_msg(rig_fixture_load(path, f, &err) == 0, "%s",
		      rig_error_format(&err, buf, sizeof(buf)));
	ck_assert_int_eq(strlen(f->sha256), 64);
	return f;
}

START_TEST(sim_fixture_loads)
{
	struct rig_fixture *f = load_shipped("sim.conf");
	ck_assert_str_eq(f->name, "sim-bench-4");
	ck_assert_str_eq(f->source_driver, "scpi6100");
	ck_assert_str_eq(f->source_transport, "tcp:127.0.0.1:5025");
	ck_assert_str_eq(f->edge_input, "sim:127.0.0.1:5026");
	ck_assert_int_eq(f->n_positions, 4);
	ck_assert_int_eq(f->injection, RIG_INJECT_CT_SECONDARY);
	ck_assert_int_eq(f->reference, RIG_REF_SOURCE_POWER);
	/* the reference per range, from the specification next to it */
	ck_assert(f->have_ref_spec);
	ck_assert_str_eq(f->ref_certificate, "SIM-CAL-2026-0001");
	ck_assert_int_eq(f->ref_spec.n[RIG_REF_CURRENT], 6);
	ck_assert_double_eq_tol(f->update_period_s, 0.016667, 1e-9);
	ck_assert_double_eq(f->time_scale, 20);
	ck_assert_double_eq_tol(f->timing_sigma_s, 50e-6, 1e-15);
	ck_assert_int_eq(f->interlock.line, -1);
	ck_assert_int_eq(f->source_phase[0], 1);
	ck_assert_int_eq(f->source_phase[1], 2);
	ck_assert_int_eq(f->lag_angle_sign, -1);
	ck_assert_double_eq(f->max_voltage_v, 140);
	ck_assert_str_eq(f->instrument_cal_due, "2099-12-31");
	ck_assert_int_eq(f->pos[3][RIG_SIG_LOAD_LED].line, 30);
	ck_assert_int_eq(f->heartbeat.line, 200);
	ck_assert_double_eq_tol(f->comm_watchdog_s, 0.8, 1e-12);
	free(f);
}
END_TEST

/* A Raspberry Pi header chip as Raspberry Pi OS names its lines: GPIO2 ..
 * GPIO27 at their offsets, the HAT EEPROM's ID_SD / ID_SC at 0 and 1,
 * n_lines lines in all. */
static int pi_offset_of(void *ctx, const char *name)
{
	(void)ctx;
	int n;
	char tail;
	if (!strcmp(name, "ID_SD") || !strcmp(name, "ID_SDA"))
		return 0;
	if (sscanf(name, "GPIO%d%c", &n, &tail) == 1 && n >= 2 && n <= 27)
		return n;
	return -1;
}

static const struct rig_chip_lines pi_chip = {
	.chip = "pinctrl-rp1 (/dev/gpiochip4)", .n_lines = 54, .offset_of = pi_offset_of,
};

static void assert_pi_wiring(const char *file, const char *input)
{
	struct rig_fixture *f = load_shipped(file);
	ck_assert_str_eq(f->edge_input, input);
	ck_assert_int_eq(f->n_positions, 4);
	/* named, not yet on a chip */
	ck_assert_str_eq(f->pos[0][RIG_SIG_KH10].name, "GPIO17");
	ck_assert_int_ge(f->pos[0][RIG_SIG_KH10].line, RIG_LINE_NAMED);
	ck_assert(rig_fixture_has_named_lines(f));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_fixture_resolve_lines(f, &pi_chip, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(f->interlock.line, 4);
	ck_assert(f->interlock.active_low);
	ck_assert_int_eq(f->heartbeat.line, 11);
	ck_assert_int_eq(f->pos[0][RIG_SIG_KH10].line, 17);
	ck_assert(f->pos[0][RIG_SIG_KH10].active_low);
	ck_assert_int_eq(f->pos[0][RIG_SIG_POWER_LED].line, -1);
	ck_assert_int_eq(f->pos[0][RIG_SIG_COUNTER].line, 7);
	ck_assert_int_eq(f->pos[3][RIG_SIG_LOAD_LED].line, 3);
	int pos;
	enum rig_signal sig;
	ck_assert_int_eq(rig_fixture_route(f, 27, &pos, &sig), 0);
	ck_assert_int_eq(pos, 1);
	ck_assert_int_eq(sig, RIG_SIG_KH100);
	ck_assert_double_eq(f->time_scale, 1);
	free(f);
}

START_TEST(pi_fixture_loads)
{
	assert_pi_wiring("pi-bench-4.conf", "gpiod:label=pinctrl-bcm2711");
	assert_pi_wiring("pi5-bench-4.conf", "gpiod:label=pinctrl-rp1");
}
END_TEST

static const char named_base[] =
	"[fixture]\nname = n\n[source]\ndriver = scpi6100\ntransport = tcp:h:1\n"
	"lag_angle = positive\nmax_voltage = 140\nmax_current = 1 A\n"		/* lines 1-8 */
	"[reference]\nkind = source-power\nuncertainty = 0.02 %\n"			/* 9-11 */
	"[edges]\ninput = gpiod:label=pinctrl-rp1\ninterlock = line GPIO4 active-low\n"	/* 12-14 */
	"heartbeat = 11\n[position 1]\n";						/* 15-16 */

/* named_base and then the [position 1] keys in `pos` (line 17 on). */
static int parse_named(const char *pos, struct rig_fixture *f, struct rig_error *err)
{
	char text[2048];
	int n = snprintf(text, sizeof(text), "%s%s", named_base, pos);
	return rig_fixture_parse(text, (size_t)n, "n.conf", f, err);
}

static void assert_resolve_refused(const char *pos, int line, const char *what)
{
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	ck_assert_msg(parse_named(pos, f, &err) == 0, "%s", err.msg);
	struct rig_fixture before = *f;
	ck_assert_msg(rig_fixture_resolve_lines(f, &pi_chip, &err) == -1, "resolved '%s'", pos);
	ck_assert_str_eq(err.file, "n.conf");
	ck_assert_msg(err.line == line, "'%s': line %d, expected %d (%s)", pos, err.line, line, err.msg);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
	/* a refused resolution changes nothing */
	ck_assert(memcmp(&before, f, sizeof(before)) == 0);
	free(f);
}

START_TEST(lines_by_name_resolve_on_the_chip_and_are_checked)
{
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	ck_assert_msg(parse_named("kh10 = GPIO17 active-low\nkh100 = 27\ncounter = line ID_SD\n", f, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(f->pos[0][RIG_SIG_KH100].line, 27);
	ck_assert_str_eq(f->pos[0][RIG_SIG_KH100].name, "");
	ck_assert_int_eq(f->pos[0][RIG_SIG_KH10].file_line, 17);
	char d[64];
	ck_assert_str_eq(rig_line_describe(&f->pos[0][RIG_SIG_KH10], d, sizeof(d)), "GPIO17");
	ck_assert_msg(rig_fixture_resolve_lines(f, &pi_chip, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(f->pos[0][RIG_SIG_KH10].line, 17);
	ck_assert(f->pos[0][RIG_SIG_KH10].active_low);
	ck_assert_int_eq(f->pos[0][RIG_SIG_COUNTER].line, 0);
	ck_assert(!f->pos[0][RIG_SIG_COUNTER].active_low);
	ck_assert_int_eq(f->interlock.line, 4);
	ck_assert_int_eq(f->heartbeat.line, 11);
	ck_assert_str_eq(rig_line_describe(&f->pos[0][RIG_SIG_KH10], d, sizeof(d)), "GPIO17 (line 17)");
	ck_assert_str_eq(rig_line_describe(&f->heartbeat, d, sizeof(d)), "line 11");
	/* resolving again (a reconnect) gives the same */
	ck_assert_int_eq(rig_fixture_resolve_lines(f, &pi_chip, &err), 0);
	ck_assert_int_eq(f->pos[0][RIG_SIG_KH10].line, 17);
	/* offsets alone need no names */
	ck_assert_int_eq(parse_named("kh10 = 17\n", f, &err), 0);
	f->interlock.line = 4;
	f->interlock.name[0] = '\0';
	ck_assert(!rig_fixture_has_named_lines(f));
	free(f);

	assert_resolve_refused("kh10 = GPIO17\nkh100 = GPIO99 active-low\n", 18,
			       "position 1 kh100: chip pinctrl-rp1 (/dev/gpiochip4) has no line named GPIO99");
	assert_resolve_refused("kh10 = 60\n", 17, "position 1 kh10: line 60 is not on chip pinctrl-rp1 (/dev/gpiochip4) (lines 0..53)");
	assert_resolve_refused("kh10 = 17\nkh100 = GPIO17\n", 18,
			       "position 1 kh100: GPIO17 (line 17) on chip pinctrl-rp1 (/dev/gpiochip4) is wired to position 1 kh10 too (line 17");
	assert_resolve_refused("kh10 = GPIO11\n", 15, "the heartbeat: line 11");
}
END_TEST

/* The names' offsets a bench recorded place a named fixture's lines
 * offline exactly where the chip placed them. */
START_TEST(recorded_line_names_resolve_a_fixture_offline)
{
	struct rig_fixture *bench = load_shipped("pi5-bench-4.conf");
	struct rig_fixture *offline = load_shipped("pi5-bench-4.conf");
	char list[2048];
	ck_assert_int_eq(rig_fixture_line_names(bench, list, sizeof(list)), 0);	/* not resolved yet */
	struct rig_error err = { 0 };
	ck_assert_msg(rig_fixture_resolve_lines(bench, &pi_chip, &err) == 0, "%s", err.msg);
	int len = rig_fixture_line_names(bench, list, sizeof(list));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(list, "GPIO17=17"));
	ck_assert_ptr_nonnull(strstr(list, "GPIO11=11"));
	ck_assert_int_eq(rig_fixture_line_names(bench, list, 20), -1);	/* too small: said */
	rig_fixture_line_names(bench, list, sizeof(list));
	ck_assert_msg(rig_fixture_resolve_from_names(offline, list, &err) == 0, "%s", err.msg);
	for (int p = 0; p < 4; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			ck_assert_int_eq(offline->pos[p][s].line, bench->pos[p][s].line);
	ck_assert_int_eq(offline->interlock.line, 4);
	/* a name the recording does not hold */
	struct rig_fixture *other = load_shipped("pi5-bench-4.conf");
	ck_assert_int_eq(rig_fixture_resolve_from_names(other, "GPIO17=17 GPIO27=27", &err), -1);
	ck_assert_msg(strstr(err.msg, "has no line named"), "%s", err.msg);
	ck_assert_int_ge(other->pos[0][RIG_SIG_KH10].line, RIG_LINE_NAMED);
	free(bench);
	free(offline);
	free(other);
}
END_TEST

static void assert_refused(int at, const char *text, int line, const char *what);

START_TEST(line_names_are_refused_where_they_cannot_resolve)
{
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	/* the same name twice is one line wired twice */
	ck_assert_int_eq(parse_named("kh10 = GPIO5\nkh100 = GPIO5 active-low\n", f, &err), -1);
	ck_assert_int_eq(err.line, 18);
	ck_assert_msg(strstr(err.msg, "GPIO line GPIO5 is already used by position 1 kh10 (line 17)"), "%s", err.msg);
	ck_assert_int_eq(parse_named("kh10 = GPIO_NAME_LONGER_THAN_THIRTY_ONE_CHARS\n", f, &err), -1);
	ck_assert_msg(strstr(err.msg, "longer than 31"), "%s", err.msg);
	ck_assert_int_eq(parse_named("kh10 = active-low\n", f, &err), -1);
	ck_assert_msg(strstr(err.msg, "not a GPIO line"), "%s", err.msg);
	free(f);
	/* only a gpio chip has names: sim and replay inputs take offsets */
	assert_refused(16, "kh100 = GPIO17", 16, "a line given by name needs a gpio chip (input = gpiod:...)");
}
END_TEST

START_TEST(routing)
{
	struct rig_fixture *f = load_shipped("sim.conf");
	int pos;
	enum rig_signal sig;
	ck_assert_int_eq(rig_fixture_route(f, 0, &pos, &sig), 0);
	ck_assert_int_eq(pos, 1);
	ck_assert_int_eq(sig, RIG_SIG_KH10);
	ck_assert_int_eq(rig_fixture_route(f, 12, &pos, &sig), 0);
	ck_assert_int_eq(pos, 2);
	ck_assert_int_eq(sig, RIG_SIG_REVERSE_LED);
	ck_assert_int_eq(rig_fixture_route(f, 26, &pos, &sig), 0);
	ck_assert_int_eq(pos, 4);
	ck_assert_int_eq(sig, RIG_SIG_KH1000);
	ck_assert_int_eq(rig_fixture_route(f, 7, &pos, &sig), -1);
	ck_assert_int_eq(rig_fixture_route(f, 31, &pos, &sig), -1);
	ck_assert_int_eq(rig_fixture_route(f, -1, &pos, &sig), -1);
	free(f);

	const char *text = "[fixture]\nname = r\n[source]\ndriver = scpi6100\ntransport = tcp:h:1\n"
			   "lag_angle = positive\nmax_voltage = 140\nmax_current = 1 A\n"
			   "[reference]\nkind = standard-pulses\nuncertainty = 0.01 %\n"
			   "wh_per_pulse = 0.00001\nline = 9\n[edges]\ninput = replay:cap.txt\n"
			   "[position 1]\nkh100 = 3 active-low\n";
	f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	ck_assert_msg(rig_fixture_parse(text, strlen(text), "r.conf", f, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(rig_fixture_route(f, 9, &pos, &sig), 0);
	ck_assert_int_eq(pos, -1);
	ck_assert_int_eq(sig, RIG_SIG_REFERENCE);
	ck_assert_int_eq(rig_fixture_route(f, 3, &pos, &sig), 0);
	ck_assert_int_eq(sig, RIG_SIG_KH100);
	ck_assert_int_eq(f->lag_angle_sign, 1);
	ck_assert_double_eq_tol(f->ref_wh_per_pulse, 1e-5, 1e-15);
	free(f);
}
END_TEST

START_TEST(signal_names_and_kh)
{
	ck_assert_int_eq(rig_signal_for_kh(10), RIG_SIG_KH10);
	ck_assert_int_eq(rig_signal_for_kh(100), RIG_SIG_KH100);
	ck_assert_int_eq(rig_signal_for_kh(1000), RIG_SIG_KH1000);
	ck_assert_int_eq(rig_signal_for_kh(50), RIG_SIG_COUNT);
	ck_assert_str_eq(rig_signal_name(RIG_SIG_KH1000), "kh1000");
	ck_assert_str_eq(rig_signal_name(RIG_SIG_REVERSE_LED), "reverse_led");
	ck_assert_str_eq(rig_signal_name(RIG_SIG_REFERENCE), "reference");
}
END_TEST

/* A valid fixture, 16 lines, with a placeholder where a test splices text. */
static const char *const base_lines[] = {
	"[fixture]",				/* 1 */
	"name = t",				/* 2 */
	"[source]",				/* 3 */
	"driver = scpi6100",			/* 4 */
	"transport = tcp:127.0.0.1:5025",	/* 5 */
	"lag_angle = negative",			/* 6 */
	"max_voltage = 140 V",			/* 7 */
	"max_current = 0.25 A",			/* 8 */
	"[reference]",				/* 9 */
	"kind = source-power",			/* 10 */
	"uncertainty = 0.02 %",			/* 11 */
	"[edges]",				/* 12 */
	"input = sim:127.0.0.1:5026",		/* 13 */
	"[position 1]",				/* 14 */
	"kh10 = 0",				/* 15 */
	"kh100 = 1",				/* 16 */
};
#define N_BASE 16

/* Replaces line `at` (1-based; 0: none) with `text`, or appends when at > N_BASE. */
static int parse_variant(int at, const char *text, struct rig_error *err)
{
	char buf[4096];
	size_t n = 0;
	for (int i = 1; i <= N_BASE; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\n", i == at ? text : base_lines[i - 1]);
	if (at > N_BASE)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\n", text);
	struct rig_fixture *f = malloc(sizeof(*f));
	int r = rig_fixture_parse(buf, n, "t.conf", f, err);
	free(f);
	return r;
}

static void assert_refused(int at, const char *text, int line, const char *what)
{
	struct rig_error err = { 0 };
	ck_assert_msg(parse_variant(at, text, &err) == -1, "accepted '%s'", text);
	ck_assert_str_eq(err.file, "t.conf");
	ck_assert_msg(err.line == line, "'%s': line %d, expected %d (%s)", text, err.line, line, err.msg);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
}

START_TEST(base_variant_is_valid)
{
	struct rig_error err = { 0 };
	ck_assert_msg(parse_variant(0, "", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(5, "transport = serial:/dev/ttyAMA0:9600:7E2", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(5, "transport = serial:/dev/ttyUSB0:115200:8N1:xonxoff", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(13, "input = replay:/tmp/capture.txt", &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(errors_name_file_line_and_reason)
{
	/* transport */
	assert_refused(5, "transport = usb:/dev/x", 5, "not serial:... or tcp:HOST:PORT");
	assert_refused(5, "transport = tcp:127.0.0.1", 5, "port");
	assert_refused(5, "transport = tcp:127.0.0.1:70000", 5, "1..65535");
	assert_refused(5, "transport = tcp:bad host:5025", 5, "bad host");
	assert_refused(5, "transport = serial:/dev/ttyUSB0", 5, "serial:PATH:BAUD:FRAMING");
	assert_refused(5, "transport = serial:ttyUSB0:115200:8N1", 5, "not a /dev path");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:fast:8N1", 5, "baud 'fast'");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:115200:9N1", 5, "framing '9N1'");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:115200:8X1", 5, "framing '8X1'");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:115200:8N3", 5, "framing");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:115200:8N1:dtr", 5, "flow control 'dtr'");
	assert_refused(5, "transport = serial:/dev/ttyUSB0:115200:8N1:none:x", 5, "serial:PATH");
	/* edges input */
	assert_refused(13, "input = gpio:/dev/gpiochip0", 13, "is not gpiod:");
	assert_refused(13, "input = gpiod:gpiochip0", 13, "chip path");
	assert_refused(13, "input = sim:127.0.0.1:0", 13, "1..65535");
	assert_refused(13, "input = replay:", 13, "capture file");
	/* keys and sections */
	assert_refused(4, "drive = scpi6100", 4, "unknown key 'drive' in [source]");
	assert_refused(17, "[sources]", 17, "unknown section [sources]");
	assert_refused(17, "[source]", 17, "second [source] section (first at line 3)");
	assert_refused(6, "lag_angle = sideways", 6, "positive | negative");
	assert_refused(7, "max_voltage = 140 A", 7, "unit 'A'");
	assert_refused(7, "max_voltage = 0", 7, "above 0");
	assert_refused(8, "max_voltage = 140", 8, "set twice (first at line 7)");
	assert_refused(4, "serial = 1", 3, "needs driver");
	assert_refused(17, "max_current = 1", 17, "unknown key 'max_current' in [position]");
	assert_refused(11, "uncertainty = 0.02 V", 11, "unit 'V'");
	assert_refused(11, "uncertainty = 20 %", 11, "at most 5");
	assert_refused(10, "kind = standard-pulses", 9, "needs wh_per_pulse and line");
	assert_refused(11, "uncertainty = 0.02 %\nline = 3", 12, "for kind = standard-pulses");
	assert_refused(13, "timing_uncertainty = 50 us", 12, "needs input");
	assert_refused(4, "element1_phase = 4", 4, "not 1..3");
	assert_refused(4, "driver = scpi6100\nelement2_phase = 1", 3, "both 1");
	assert_refused(4, "driver = scpi6100\ninjection = primary-turns", 3, "needs turns");
	assert_refused(4, "driver = scpi6100\nturns = 5", 5, "only for injection = primary-turns");
	assert_refused(4, "calibration_due = 2027-13-01", 4, "YYYY-MM-DD");
	assert_refused(4, "calibration_due = 27-01-01", 4, "YYYY-MM-DD");
	assert_refused(4, "settle = 5 parsecs", 4, "unit 'parsecs'");
	assert_refused(13, "time_scale = 0", 13, "above 0");
	assert_refused(13, "input = sim:127.0.0.1:5026\nupdate_period = 2 s", 14, "0..1 s");
	assert_refused(13, "input = sim:127.0.0.1:5026\nupdate_period = 20 V", 14, "unit 'V'");
	assert_refused(13, "input = sim:127.0.0.1:5026\ntimebase = 5000 ppm", 14, "0..1000 ppm");
	assert_refused(4, "stability = 3 %", 4, "0..1 %");
	assert_refused(11, "specification = x.spec", 11, "certificate");
	assert_refused(11, "uncertainty = 0.02 %\nspecification = x.spec", 11, "not both");
	assert_refused(11, "certificate = C-1", 9, "needs specification");
	assert_refused(2, "name = t\x01", 2, "binary");
	/* lines and positions */
	assert_refused(16, "kh100 = 0", 16, "GPIO line 0 is already used by position 1 kh10 (line 15)");
	assert_refused(17, "[position 2]\nkh10 = 1", 18, "already used by position 1 kh100");
	assert_refused(17, "[position 1]\nkh10 = 5", 17, "duplicate [position 1] (first at line 14)");
	assert_refused(17, "[position 3]\nkh10 = 5", 17, "[position 3] follows [position 1]");
	assert_refused(17, "[position 0]", 17, "not a number 1..16");
	assert_refused(17, "[position two]", 17, "not a number");
	assert_refused(17, "[position 2]\n[position 3]\nkh10 = 5", 17, "wires no line");
	assert_refused(16, "kh100 = 2000", 16, "not a GPIO line");
	assert_refused(16, "kh100 = 2 active-sideways", 16, "not active-low");
	assert_refused(16, "kh100 = -1", 16, "not a GPIO line");
	assert_refused(16, "led = 3", 16, "unknown key 'led' in [position]");
	assert_refused(17, "interlock = line 0", 17, "unknown key 'interlock' in [position]");
	assert_refused(13, "input = sim:127.0.0.1:5026\ninterlock = line 0", 16, "already used by the interlock (line 14)");
	assert_refused(14, "[edges]", 14, "second [edges]");
	assert_refused(1, "name = t", 1, "start with [fixture]");
}
END_TEST

START_TEST(dead_man_keys)
{
	struct rig_error err = { 0 };
	ck_assert_msg(parse_variant(17, "[edges]", &err) == -1, "second [edges] accepted");
	ck_assert_msg(parse_variant(13, "input = sim:127.0.0.1:5026\nheartbeat = line 40", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(13, "input = sim:127.0.0.1:5026\nheartbeat = none", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(4, "driver = scpi6100\ncomm_watchdog = 1 s", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(4, "driver = scpi6100\ncomm_watchdog = none", &err) == 0, "%s", err.msg);
	assert_refused(13, "input = sim:127.0.0.1:5026\nheartbeat = 0", 16, "already used by the heartbeat (line 14)");
	assert_refused(13, "input = sim:127.0.0.1:5026\nheartbeat = 40 active-low", 14, "no active level");
	assert_refused(13, "input = sim:127.0.0.1:5026\nheartbeat = fast", 14, "needs a gpio chip");
	assert_refused(13, "input = sim:127.0.0.1:5026\nheartbeat = 4fast", 14, "not active-low");
	assert_refused(4, "driver = scpi6100\ncomm_watchdog = 0.05 s", 5, "0.1..3600");
	assert_refused(4, "driver = scpi6100\ncomm_watchdog = 1e308", 5, "0.1..3600");
	assert_refused(4, "driver = scpi6100\ncomm_watchdog = 2 V", 5, "unit 'V'");
}
END_TEST

START_TEST(file_level_errors)
{
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	const char *no_positions = "[fixture]\nname = t\n[source]\ndriver = d\ntransport = tcp:h:1\n"
				   "lag_angle = positive\nmax_voltage = 1\nmax_current = 1\n"
				   "[reference]\nkind = source-power\nuncertainty = 0.1\n"
				   "[edges]\ninput = sim:h:2\n";
	ck_assert_int_eq(rig_fixture_parse(no_positions, strlen(no_positions), "a", f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no [position 1]"));
	const char *no_edges = "[fixture]\nname = t\n";
	ck_assert_int_eq(rig_fixture_parse(no_edges, strlen(no_edges), "a", f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no [source] section"));
	ck_assert_int_eq(rig_fixture_load("/nonexistent/f.conf", f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	free(f);
}
END_TEST

/* Seen following the fuzzed fixture values into their users: the source's
 * settle goes into the sequencer's int64 nanoseconds, which 1e300 s does
 * not fit (llround gives INT64_MIN); the reply timeout ends up in
 * milliseconds. A day is the limit. */
START_TEST(durations_longer_than_a_day_are_refused)
{
	/* line 8 stays max_current; the key under test is line 9 of [source] */
	assert_refused(8, "max_current = 0.25 A\nsettle = 1e300 s", 9,
		       "settle: 1e+300 s is more than a day (86400 s)");
	assert_refused(8, "max_current = 0.25 A\nreply_timeout = 86401 s", 9,
		       "reply_timeout: 86401 s is more than a day");
	struct rig_error err = { 0 };
	ck_assert_msg(parse_variant(8, "max_current = 0.25 A\nsettle = 86400 s", &err) == 0, "%s", err.msg);
	ck_assert_msg(parse_variant(8, "max_current = 0.25 A\nreply_timeout = 500 ms", &err) == 0, "%s",
		      err.msg);
}
END_TEST

/* Safety limits and other physical quantities have physical bounds: a
 * max_voltage of 1e308 is a limit that never trips. */
START_TEST(numbers_beyond_a_bench_are_refused)
{
	assert_refused(7, "max_voltage = 1e308", 7, "max_voltage: 1e+308 V is above 1000 V");
	assert_refused(8, "max_current = 1e308 A", 8, "max_current: 1e+308 A is above 1000 A");
	assert_refused(8, "max_current = 1001", 8, "above 1000 A");
	assert_refused(13, "input = sim:127.0.0.1:5026\ntiming_uncertainty = 2 s", 14,
		       "timing_uncertainty: 2 s is above 1 s");
	struct rig_error err = { 0 };
	ck_assert_msg(parse_variant(7, "max_voltage = 1000 V", &err) == 0, "%s", err.msg);
}
END_TEST

/* Any text file read (fixtures, profiles) with a NUL byte is refused at
 * its line, before a parser sees a string cut short. */
START_TEST(text_files_with_a_nul_byte_are_refused)
{
	char path[] = "/tmp/rig-text-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "[fixture]\nname = t\nna\0me = u\n";
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	char *out = NULL;
	size_t len = 0;
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_text_file_read(path, &out, &len, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL byte"));
	unlink(path);
}
END_TEST

static int parse_fixture(const char *text, size_t len, const char *file, void *ret,
			 struct rig_error *err)
{
	return rig_fixture_parse(text, len, file, ret, err);
}

START_TEST(truncated_and_corrupted_files_fail_cleanly)
{
	struct rig_fixture *x = malloc(sizeof(*x));
	robustness_check_damaged_copies("fixtures/pi-bench-4.conf", parse_fixture, x, 777);
	free(x);
}
END_TEST

/* The fixture's keys for the uncertainty budget, and their defaults. */
START_TEST(budget_keys_and_defaults)
{
	struct rig_error err = { 0 };
	struct rig_fixture *f = malloc(sizeof(*f));
	const char *text = "[fixture]\nname = t\n[source]\ndriver = scpi6100\n"
			   "transport = tcp:127.0.0.1:5025\nlag_angle = negative\n"
			   "max_voltage = 140 V\nmax_current = 0.25 A\n"
			   "[reference]\nkind = source-power\nuncertainty = 0.02 %\n"
			   "[edges]\ninput = sim:127.0.0.1:5026\n[position 1]\nkh10 = 0\n";
	ck_assert_msg(rig_fixture_parse(text, strlen(text), "t.conf", f, &err) == 0, "%s", err.msg);
	ck_assert_double_eq(f->update_period_s, RIG_GATE_SLOWEST_UPDATE_S);
	ck_assert_double_eq(f->timebase_ppm, 50);
	ck_assert_double_eq_tol(f->source_stability_pct, 0.005, 1e-15);
	/* the flat figure, k = 2, at any reading */
	ck_assert_double_eq_tol(rig_fixture_ref_u_rel(f, 120, 0.0005, 0.06), 1e-4, 1e-15);
	free(f);
}
END_TEST

static int spec_parse(const char *text, struct rig_ref_spec *s, struct rig_error *err)
{
	return rig_ref_spec_parse(text, strlen(text), "x.spec", s, err);
}

static void assert_spec_refused(const char *text, int line, const char *what)
{
	struct rig_ref_spec s;
	struct rig_error err = { 0 };
	ck_assert_msg(spec_parse(text, &s, &err) == -1, "accepted '%s'", text);
	ck_assert_str_eq(err.file, "x.spec");
	ck_assert_msg(err.line == line, "line %d, expected %d (%s)", err.line, line, err.msg);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
}

/* % of reading + floor on the smallest range holding the reading: the
 * current floor dominates at light load (1 uA at 0.5 mA is 0.2 %). */
START_TEST(reference_specification_per_range)
{
	const char *ok = "[instrument]\nname = cal\ncoverage_factor = 2\n"
			 "[voltage]\nrange = 180 V: 0.01 % + 8 mV\n"
			 "[current]\nrange = 0.001 A: 0.02 % + 1 uA\nrange = 0.25 A: 0.01 % + 5 uA\n"
			 "[power]\nrange = 1000 W: 0.05 % + 0 W\n";
	struct rig_ref_spec s;
	struct rig_error err = { 0 };
	ck_assert_msg(spec_parse(ok, &s, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(s.instrument, "cal");
	/* 0.5 mA on the 1 mA range: (0.02 % + 0.2 %) / 2 */
	ck_assert_double_eq_tol(rig_ref_spec_u_rel(&s, RIG_REF_CURRENT, 0.0005), 0.0011, 1e-12);
	/* 0.1 A on the 0.25 A range: (0.01 % + 0.005 %) / 2 */
	ck_assert_double_eq_tol(rig_ref_spec_u_rel(&s, RIG_REF_CURRENT, 0.1), 7.5e-5, 1e-12);
	ck_assert(rig_ref_spec_u_rel(&s, RIG_REF_CURRENT, 1) < 0);	/* beyond every range */
	/* power: never better than V and I, never better than its own range */
	double uv = rig_ref_spec_u_rel(&s, RIG_REF_VOLTAGE, 120);
	double ui = rig_ref_spec_u_rel(&s, RIG_REF_CURRENT, 0.0005);
	ck_assert_double_eq_tol(rig_ref_spec_power_u_rel(&s, 120, 0.0005, 0.06),
				sqrt(uv * uv + ui * ui), 1e-15);
	ck_assert_double_eq_tol(rig_ref_spec_power_u_rel(&s, 120, 0.2, 24), 2.5e-4, 1e-15);
	/* a reading the specification has no range for: unknown, never 0 */
	struct rig_fixture *f = calloc(1, sizeof(*f));
	f->have_ref_spec = true;
	f->ref_spec = s;
	ck_assert_double_eq(rig_fixture_ref_u_rel(f, 120, 1, 120), RIG_REF_U_UNKNOWN);
	ck_assert_double_eq_tol(rig_fixture_ref_u_rel(f, 120, 0.1, 12), 2.5e-4, 1e-15);
	free(f);

	assert_spec_refused("name = x\n", 1, "before any section");
	assert_spec_refused("[instrument]\nname = x\n[volts]\n", 3, "unknown section [volts]");
	assert_spec_refused("[instrument]\nname = x\n[voltage]\nrange = 180 V 0.01 % + 8 mV\n", 4,
			    "UPPER V: PCT % + FLOOR V");
	assert_spec_refused("[instrument]\nname = x\n[voltage]\nrange = 180 A: 0.01 % + 8 mV\n", 4,
			    "UPPER V");
	assert_spec_refused("[instrument]\nname = x\n[current]\nrange = 1 A: 0.01 % + 1 uA\n"
			    "range = 0.5 A: 0.01 % + 1 uA\n", 5, "not above the previous range");
	assert_spec_refused("[instrument]\nname = x\ncoverage_factor = 9\n", 3, "1..4");
	assert_spec_refused("[instrument]\nname = x\n[voltage]\nrange = 180 V: 0.01 % + 8 mV\n", 0,
			    "needs [voltage] and [current]");
	assert_spec_refused("[instrument]\nname = x\n[voltage]\nstep = 1\n", 4, "unknown key 'step'");
}
END_TEST

Suite *suite_fixture(void)
{
	Suite *s = suite_create("fixture");
	TCase *t = tcase_create("fixture");
	tcase_add_test(t, sim_fixture_loads);
	tcase_add_test(t, numbers_beyond_a_bench_are_refused);
	tcase_add_test(t, text_files_with_a_nul_byte_are_refused);
	tcase_add_test(t, pi_fixture_loads);
	tcase_add_test(t, lines_by_name_resolve_on_the_chip_and_are_checked);
	tcase_add_test(t, line_names_are_refused_where_they_cannot_resolve);
	tcase_add_test(t, recorded_line_names_resolve_a_fixture_offline);
	tcase_add_test(t, routing);
	tcase_add_test(t, dead_man_keys);
	tcase_add_test(t, signal_names_and_kh);
	tcase_add_test(t, base_variant_is_valid);
	tcase_add_test(t, errors_name_file_line_and_reason);
	tcase_add_test(t, file_level_errors);
	tcase_add_test(t, truncated_and_corrupted_files_fail_cleanly);
	tcase_add_test(t, durations_longer_than_a_day_are_refused);
	tcase_add_test(t, budget_keys_and_defaults);
	tcase_add_test(t, reference_specification_per_range);
	suite_add_tcase(s, t);
	return s;
}
