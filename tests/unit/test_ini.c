#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/ini.h"

static int next(struct rig_ini *ini, struct rig_ini_item *it, struct rig_error *err)
{
	return rig_ini_next(ini, it, err);
}

START_TEST(sections_keys_comments_and_lines)
{
	const char *text = "# top\n\n[Profile]\nname = a b  ; note\n\t key=v#not-a-comment\r\n"
			   "[point full-load]\nkind = accuracy";
	struct rig_ini ini;
	struct rig_ini_item it;
	struct rig_error err = { 0 };
	rig_ini_init(&ini, text, strlen(text), "t.profile");
	ck_assert_int_eq(next(&ini, &it, &err), 1);
	ck_assert_int_eq(it.kind, RIG_INI_SECTION);
	ck_assert_str_eq(it.section, "profile");
	ck_assert_str_eq(it.arg, "");
	ck_assert_int_eq(it.line, 3);
	ck_assert_int_eq(next(&ini, &it, &err), 1);
	ck_assert_str_eq(it.key, "name");
	ck_assert_str_eq(it.value, "a b");
	ck_assert_int_eq(it.line, 4);
	ck_assert_int_eq(next(&ini, &it, &err), 1);
	ck_assert_str_eq(it.key, "key");
	ck_assert_str_eq(it.value, "v#not-a-comment");
	ck_assert_int_eq(next(&ini, &it, &err), 1);
	ck_assert_str_eq(it.section, "point");
	ck_assert_str_eq(it.arg, "full-load");
	ck_assert_int_eq(it.line, 6);
	ck_assert_int_eq(next(&ini, &it, &err), 1);
	ck_assert_str_eq(it.value, "accuracy");
	ck_assert_int_eq(it.line, 7);
	ck_assert_int_eq(next(&ini, &it, &err), 0);
}
END_TEST

static void assert_error(const char *text, size_t len, int line, const char *what)
{
	struct rig_ini ini;
	struct rig_ini_item it;
	struct rig_error err = { 0 };
	rig_ini_init(&ini, text, len, "f");
	int r;
	while ((r = next(&ini, &it, &err)) == 1)
		;
	ck_assert_int_eq(r, -1);
	ck_assert_str_eq(err.file, "f");
	ck_assert_int_eq(err.line, line);
	ck_assert_msg(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
}

START_TEST(errors_carry_line_and_reason)
{
	assert_error("a = 1\n[open\n", 12, 2, "closing ']'");
	assert_error("a = 1\n[x] y\n", 12, 2, "after ']'");
	assert_error("\n\njust words\n", 13, 3, "key = value");
	assert_error("a =\n", 4, 1, "no value");
	assert_error("a b = 1\n", 8, 1, "bad key");
	assert_error("[point bad name!]\n", 18, 1, "bad name");
	assert_error("a = 1\nb = \0\n", 12, 2, "binary");
	assert_error("a = \x01\x02\n", 7, 1, "binary");
	char longline[700];
	memset(longline, 'x', sizeof(longline));
	longline[0] = 'k';
	longline[1] = '=';
	assert_error(longline, sizeof(longline), 1, "longer than");
}
END_TEST

static struct rig_ini_item item(const char *key, const char *value)
{
	struct rig_ini_item it = { .kind = RIG_INI_KEY, .line = 9 };
	snprintf(it.key, sizeof(it.key), "%s", key);
	snprintf(it.value, sizeof(it.value), "%s", value);
	return it;
}

START_TEST(numbers_with_units)
{
	struct rig_error err = { 0 };
	double v;
	struct rig_ini_item it = item("voltage", "120 V");
	ck_assert_int_eq(rig_ini_number(&it, "f", "V", &v, &err), 0);
	ck_assert_double_eq(v, 120);
	it = item("voltage", "138V");
	ck_assert_int_eq(rig_ini_number(&it, "f", "V", &v, &err), 0);
	ck_assert_double_eq(v, 138);
	it = item("f", "60 hz");
	ck_assert_int_eq(rig_ini_number(&it, "f", "Hz", &v, &err), 0);
	ck_assert_double_eq(v, 60);
	it = item("t", "50 us");
	ck_assert_int_eq(rig_ini_number(&it, "f", "s", &v, &err), 0);
	ck_assert_double_eq_tol(v, 50e-6, 1e-15);
	it = item("t", "250ms");
	ck_assert_int_eq(rig_ini_number(&it, "f", "s", &v, &err), 0);
	ck_assert_double_eq_tol(v, 0.25, 1e-12);
	it = item("i", "30 mA");
	ck_assert_int_eq(rig_ini_number(&it, "f", "A", &v, &err), 0);
	ck_assert_double_eq_tol(v, 0.03, 1e-12);
	it = item("t", "7");
	ck_assert_int_eq(rig_ini_number(&it, "f", "s", &v, &err), 0);
	ck_assert_double_eq(v, 7);

	it = item("voltage", "120 A");
	ck_assert_int_eq(rig_ini_number(&it, "f", "V", &v, &err), -1);
	ck_assert_int_eq(err.line, 9);
	ck_assert_ptr_nonnull(strstr(err.msg, "unit 'A'"));
	it = item("voltage", "lots");
	ck_assert_int_eq(rig_ini_number(&it, "f", "V", &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a number"));
	it = item("n", "3");
	ck_assert_int_eq(rig_ini_number(&it, "f", NULL, &v, &err), 0);
	it = item("n", "3 V");
	ck_assert_int_eq(rig_ini_number(&it, "f", NULL, &v, &err), -1);
}
END_TEST

START_TEST(ints_choices_strings)
{
	struct rig_error err = { 0 };
	int n;
	struct rig_ini_item it = item("max_retests", "2");
	ck_assert_int_eq(rig_ini_int(&it, "f", &n, &err), 0);
	ck_assert_int_eq(n, 2);
	it = item("max_retests", "2.5");
	ck_assert_int_eq(rig_ini_int(&it, "f", &n, &err), -1);
	static const char *const words[] = { "retest", "fail", "report", NULL };
	it = item("indeterminate", "FAIL");
	ck_assert_int_eq(rig_ini_choice(&it, "f", words, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	it = item("indeterminate", "ignore");
	ck_assert_int_eq(rig_ini_choice(&it, "f", words, &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "retest | fail | report"));
	char small[4];
	it = item("name", "abc");
	ck_assert_int_eq(rig_ini_string(&it, "f", small, sizeof(small), &err), 0);
	it = item("name", "abcd");
	ck_assert_int_eq(rig_ini_string(&it, "f", small, sizeof(small), &err), -1);
}
END_TEST

Suite *suite_ini(void)
{
	Suite *s = suite_create("ini");
	TCase *t = tcase_create("reader");
	tcase_add_test(t, sections_keys_comments_and_lines);
	tcase_add_test(t, errors_carry_line_and_reason);
	tcase_add_test(t, numbers_with_units);
	tcase_add_test(t, ints_choices_strings);
	suite_add_tcase(s, t);
	return s;
}
