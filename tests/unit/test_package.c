/* The install and the platforms with the real tools (tests/e2e/package):
 * the Debian package built, its contents, installed into a scratch root
 * with dpkg --root, its unit verified and its sandbox's exposure at most
 * 2.0 there (also with the drop-in a tcp: source needs); make install
 * under PREFIX=/usr/local; the test bed's skip on a non-x86_64 host; the
 * programs and the in-process unit suites cross-built for arm64 and run
 * under qemu-user. The script's output is shown on failure. */
#include <check.h>

#include "tests/unit/e2e_script.h"

START_TEST(deb_installs_into_a_scratch_root_with_a_verified_sandboxed_unit)
{
	run_e2e_script("package", "deb");
}
END_TEST

START_TEST(make_install_honours_destdir_and_prefix)
{
	run_e2e_script("package", "install");
}
END_TEST

START_TEST(the_test_bed_skips_with_its_reason_on_an_arm64_host)
{
	run_e2e_script("package", "vm-arch");
}
END_TEST

START_TEST(arm64_build_passes_the_unit_suites_under_qemu_user)
{
	run_e2e_script("package", "arm64");
}
END_TEST

Suite *suite_package(void)
{
	Suite *s = suite_create("package");
	TCase *tc = tcase_create("install");
	/* building the package and the arm64 programs takes minutes on a busy
	 * machine: longer than make check's default per test */
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, deb_installs_into_a_scratch_root_with_a_verified_sandboxed_unit);
	tcase_add_test(tc, make_install_honours_destdir_and_prefix);
	tcase_add_test(tc, the_test_bed_skips_with_its_reason_on_an_arm64_host);
	tcase_add_test(tc, arm64_build_passes_the_unit_suites_under_qemu_user);
	suite_add_tcase(s, tc);
	return s;
}
