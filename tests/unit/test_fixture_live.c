/* rigctl fixture check --live against rig-sim (its SCPI port and its sim:
 * edge input), and the gpiod paths on a machine without the gpio chip. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_sim_process.h"
#include "shell_capture.h"
#include "test_store_data.h"

static void write_fixture(const char *path, const char *transport, const char *edges)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[fixture]\nname = live\n[source]\ndriver = scpi6100\ntransport = %s\n"
		"element1_phase = 1\nelement2_phase = 2\nlag_angle = negative\ninjection = ct-secondary\n"
		"reply_timeout = 1 s\nmax_voltage = 140 V\n"
		"max_current = 0.25 A\n[reference]\nkind = source-power\nuncertainty = 0.05 %%\n"
		"[edges]\ninput = %s\n[position 1]\nkh10 = 0\nkh100 = 1\n"
		"[position 2]\nkh10 = 8\nkh100 = 9\n", transport, edges);
	fclose(f);
}

START_TEST(live_check_against_rig_sim)
{
	static const char *const args[] = { "--positions", "2", NULL };
	char dir[64], db[96], conf[128], tr[64], ed[64];
	tsd_tmpdir(dir, db);
	snprintf(conf, sizeof(conf), "%s/live.conf", dir);
	struct sim_process p = sim_process_start(args);
	snprintf(tr, sizeof(tr), "tcp:127.0.0.1:%d", p.scpi_port);
	snprintf(ed, sizeof(ed), "sim:127.0.0.1:%d", p.edge_port);
	write_fixture(conf, tr, ed);
	/* the syntax check alone touches nothing */
	ck_assert_int_eq(test_sh("%s fixture check %s", test_rigctl_path(), conf), 0);
	ck_assert_ptr_null(strstr(test_sh_out, "IDN"));
	ck_assert_int_eq(test_sh("%s fixture check --live %s", test_rigctl_path(), conf), 0);
	ck_assert_msg(strstr(test_sh_out, "*IDN?") && strstr(test_sh_out, "live check: ok"), "%s", test_sh_out);
	ck_assert_msg(strstr(test_sh_out, "edges sim:127.0.0.1:") && strstr(test_sh_out, "ok, 4 lines"), "%s", test_sh_out);
	sim_process_stop(&p);
	/* nothing answers any more */
	ck_assert_int_eq(test_sh("%s fixture check --live %s", test_rigctl_path(), conf), 4);
	ck_assert_msg(strstr(test_sh_out, "source tcp:") && strstr(test_sh_out, "FAILED"), "%s", test_sh_out);
	ck_assert_msg(strstr(test_sh_out, "live check: FAILED"), "%s", test_sh_out);
	tsd_rmdir(dir);
}
END_TEST

/* This machine has no gpio chip: the gpiod paths fail, and say so. */
START_TEST(live_check_without_the_gpio_chip_fails_clearly)
{
	char dir[64], db[96], conf[128];
	tsd_tmpdir(dir, db);
	snprintf(conf, sizeof(conf), "%s/gpio.conf", dir);
	write_fixture(conf, "tcp:127.0.0.1:1", "gpiod:/dev/gpiochip-none");
	ck_assert_int_eq(test_sh("%s fixture check --live %s", test_rigctl_path(), conf), 4);
	ck_assert_msg(strstr(test_sh_out, "gpio chip /dev/gpiochip-none does not exist"), "%s", test_sh_out);
	write_fixture(conf, "tcp:127.0.0.1:1", "gpiod:label=pinctrl-none");
	ck_assert_int_eq(test_sh("%s fixture check --live %s", test_rigctl_path(), conf), 4);
	ck_assert_msg(strstr(test_sh_out, "no gpio chip labelled pinctrl-none"), "%s", test_sh_out);
	tsd_rmdir(dir);
}
END_TEST

Suite *suite_fixture_live(void)
{
	Suite *s = suite_create("fixture_live");
	TCase *t = tcase_create("live");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, live_check_against_rig_sim);
	tcase_add_test(t, live_check_without_the_gpio_chip_fails_clearly);
	suite_add_tcase(s, t);
	return s;
}
