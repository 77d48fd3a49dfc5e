#include <check.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#include "rig/core/model.h"

static struct rig_meter_model decode_ok(const char *text)
{
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_msg(rig_model_decode(text, &m, &err) == 0, "%s: %s", text, err.msg);
	return m;
}

static void assert_refused(const char *text, const char *field, const char *detail)
{
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_msg(rig_model_decode(text, &m, &err) == -1, "'%s' was accepted", text);
	ck_assert_msg(strncmp(err.msg, field, strlen(field)) == 0, "'%s': '%s' does not name %s",
		      text, err.msg, field);
	ck_assert_msg(strstr(err.msg, detail), "'%s': '%s' lacks '%s'", text, err.msg, detail);
}

START_TEST(individual_dual_t_scc_every_field)
{
	struct rig_meter_model m = decode_ok("MMD-120-2001-T-SCC");
	ck_assert_str_eq(m.model, "MMD-120-2001-T-SCC");
	ck_assert_int_eq(m.format, RIG_MODEL_INDIVIDUAL);
	ck_assert_int_eq(m.elements, 2);
	ck_assert_str_eq(m.wiring, "1 or 2-phase 3-wire");
	ck_assert_double_eq(m.voltage_v, 120);
	ck_assert_str_eq(m.voltage_between, "line-to-neutral");
	ck_assert_double_eq(m.element_voltage_v, 120);
	ck_assert_double_eq(m.ct_primary_a, 200);
	ck_assert_double_eq_tol(m.ct_secondary_a, 0.1, 1e-12);
	ck_assert_double_eq(m.rated_current_a, 200);
	ck_assert_double_eq_tol(m.max_current_a, 220, 1e-9);
	ck_assert_int_eq(m.n_outputs, 2);
	ck_assert_double_eq(m.outputs_kh[0], 10);
	ck_assert_double_eq(m.outputs_kh[1], 100);
	ck_assert(!rig_model_has_output(&m, 1000));
	ck_assert(rig_model_has_output(&m, 100));
	ck_assert_double_eq(m.counter_kh, 100);
	ck_assert(m.lcd);
	ck_assert(m.t_outputs);
	ck_assert_int_eq(m.meters_enclosed, 1);
}
END_TEST

START_TEST(individual_single_plain_every_field)
{
	struct rig_meter_model m = decode_ok("MMS-120-1001");
	ck_assert_str_eq(m.model, "MMS-120-1001");
	ck_assert_int_eq(m.elements, 1);
	ck_assert_str_eq(m.wiring, "1-phase 2-wire");
	ck_assert_double_eq(m.ct_primary_a, 100);
	ck_assert_double_eq_tol(m.max_current_a, 110, 1e-9);
	ck_assert_int_eq(m.n_outputs, 3);
	ck_assert_double_eq(m.outputs_kh[2], 1000);
	ck_assert(rig_model_has_output(&m, 1000));
	ck_assert_double_eq(m.counter_kh, 1000);
	ck_assert(!m.lcd);
	ck_assert(!m.t_outputs);
}
END_TEST

START_TEST(ct_codes_and_voltage_range)
{
	struct rig_meter_model m = decode_ok("MMS-138-2002");
	ck_assert_double_eq(m.voltage_v, 138);
	ck_assert_double_eq(m.ct_primary_a, 200);
	ck_assert_double_eq_tol(m.ct_secondary_a, 0.2, 1e-12);
	m = decode_ok("MMS-102-4001");
	ck_assert_double_eq(m.voltage_v, 102);
	ck_assert_double_eq(m.rated_current_a, 400);
	ck_assert_double_eq_tol(m.max_current_a, 440, 1e-9);
}
END_TEST

START_TEST(spacing_variants_normalise)
{
	static const struct { const char *typed, *normal; } cases[] = {
		{ "mms 120 2001 t scc", "MMS-120-2001-T-SCC" },
		{ "MMS1202001", "MMS-120-2001" },
		{ "mmd_120_4001-scc", "MMD-120-4001-SCC" },
		{ "  MMD-120-2002-T  ", "MMD-120-2002-T" },
		{ "MMS120-1001TSCC", "MMS-120-1001-T-SCC" },
		{ "md240f1so02100", "MD-240-F-1-SO-021-00" },
		{ "ms 120 f 3 xo 041 00", "MS-120-F-3-XO-041-00" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig_meter_model m = decode_ok(cases[i].typed);
		ck_assert_str_eq(m.model, cases[i].normal);
	}
}
END_TEST

START_TEST(enclosure_every_field)
{
	struct rig_meter_model m = decode_ok("MD-240-F-1-SO-021-00");
	ck_assert_str_eq(m.model, "MD-240-F-1-SO-021-00");
	ck_assert_int_eq(m.format, RIG_MODEL_ENCLOSURE);
	ck_assert_int_eq(m.elements, 2);
	ck_assert_str_eq(m.wiring, "1 or 2-phase 3-wire");
	ck_assert_double_eq(m.voltage_v, 240);
	ck_assert_str_eq(m.voltage_between, "line-to-line");
	ck_assert_double_eq(m.element_voltage_v, 120);
	ck_assert_double_eq(m.ct_primary_a, 200);
	ck_assert_double_eq_tol(m.ct_secondary_a, 0.1, 1e-12);
	ck_assert_double_eq(m.rated_current_a, 200);
	ck_assert_int_eq(m.n_outputs, 3);
	ck_assert_double_eq(m.counter_kh, 1000);
	ck_assert(m.lcd);
	ck_assert_int_eq(m.meters_enclosed, 1);

	m = decode_ok("MS-120-F-9-XO-011-00");
	ck_assert_int_eq(m.elements, 1);
	ck_assert_str_eq(m.wiring, "1-phase 2-wire");
	ck_assert_double_eq(m.voltage_v, 120);
	ck_assert_str_eq(m.voltage_between, "line-to-neutral");
	ck_assert_double_eq(m.ct_primary_a, 100);
	ck_assert_double_eq(m.counter_kh, 0);
	ck_assert(!m.lcd);
	ck_assert_int_eq(m.meters_enclosed, 9);

	m = decode_ok("MD-240-F-2-SO-022-00");
	ck_assert_double_eq_tol(m.ct_secondary_a, 0.2, 1e-12);
	m = decode_ok("MD-240-F-2-SO-041-00");
	ck_assert_double_eq(m.ct_primary_a, 400);
}
END_TEST

START_TEST(refusals_name_the_field)
{
	assert_refused("", "model", "empty");
	assert_refused("   ", "model", "empty");
	assert_refused("XYZ-120-2001", "model", "XYZ");
	assert_refused("MMQ-120-2001", "element type", "Q");
	assert_refused("MMS-101-2001", "voltage", "102..138");
	assert_refused("MMS-139-2001", "voltage", "139");
	assert_refused("MMS-240-2001", "voltage", "240");
	assert_refused("MMS--2001", "voltage", "");
	assert_refused("MMS-120-3001", "CT ratio", "3001");
	assert_refused("MMS-120", "CT ratio", "");
	assert_refused("MMS-120-2001-X", "options", "X");
	assert_refused("MMS-120-2001-SCC-T", "options", "T");
	assert_refused("MMS-120-2001-T-SCC-junk", "options", "JUNK");
	assert_refused("MMS-120-2001 7", "options", "7");
	assert_refused("MD-120-F-1-SO-021-00", "voltage", "120 V on a dual-element");
	assert_refused("MS-240-F-1-SO-021-00", "voltage", "240");
	assert_refused("MS-208-F-1-SO-021-00", "voltage", "208");
	assert_refused("MD-240-G-1-SO-021-00", "enclosure type", "G");
	assert_refused("MD-240-F-0-SO-021-00", "meters enclosed", "0");
	assert_refused("MD-240-F-10-SO-021-00", "meters enclosed", "10");
	assert_refused("MD-240-F-1-ZO-021-00", "counter type", "ZO");
	assert_refused("MD-240-F-1-SO-031-00", "CT ratio", "031");
	assert_refused("MD-240-F-1-SO-021-01", "options", "01");
	assert_refused("MD-240-F-1-SO-021-00-x", "options", "x");
}
END_TEST

START_TEST(json_parses_back_with_every_key)
{
	const char *models[] = { "MMD-120-2001-T-SCC", "MMS-120-4001", "MS-120-F-2-XO-011-00" };
	for (size_t i = 0; i < 3; i++) {
		struct rig_meter_model m = decode_ok(models[i]);
		char buf[1024];
		int n = rig_model_to_json(&m, buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		ck_assert_int_lt(n, (int)sizeof(buf));
		ck_assert_int_eq(rig_model_to_json(&m, NULL, 0), n);
		cJSON *j = cJSON_Parse(buf);
		ck_assert_msg(j != NULL, "not JSON: %s", buf);
		ck_assert_str_eq(cJSON_GetObjectItem(j, "model")->valuestring, m.model);
		ck_assert_int_eq(cJSON_GetObjectItem(j, "elements")->valueint, m.elements);
		ck_assert_double_eq(cJSON_GetObjectItem(j, "max_current_a")->valuedouble, m.max_current_a);
		ck_assert_double_eq_tol(cJSON_GetObjectItem(j, "ct_secondary_a")->valuedouble,
					m.ct_secondary_a, 1e-9);
		cJSON *outs = cJSON_GetObjectItem(j, "outputs_kh");
		ck_assert(cJSON_IsArray(outs));
		ck_assert_int_eq(cJSON_GetArraySize(outs), m.n_outputs);
		cJSON *counter = cJSON_GetObjectItem(j, "counter_kh");
		if (m.counter_kh > 0)
			ck_assert_double_eq(counter->valuedouble, m.counter_kh);
		else
			ck_assert(cJSON_IsNull(counter));
		ck_assert(cJSON_IsBool(cJSON_GetObjectItem(j, "lcd")));
		ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(j, "lcd")), m.lcd);
		const char *keys[] = { "format", "wiring", "voltage_v", "voltage_between",
				       "element_voltage_v", "ct_primary_a", "rated_current_a",
				       "meters_enclosed" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(cJSON_GetObjectItem(j, keys[k]), "missing %s", keys[k]);
		cJSON_Delete(j);

		/* a short buffer is truncated, never overrun */
		char small[16];
		ck_assert_int_eq(rig_model_to_json(&m, small, sizeof(small)), n);
		ck_assert_int_eq(strlen(small), sizeof(small) - 1);
	}
}
END_TEST

START_TEST(describe_mentions_the_essentials)
{
	struct rig_meter_model m = decode_ok("MMD-120-2001-T-SCC");
	char buf[512];
	int n = rig_model_describe(&m, buf, sizeof(buf));
	ck_assert_int_eq((int)strlen(buf), n);
	ck_assert_ptr_nonnull(strstr(buf, "MMD-120-2001-T-SCC"));
	ck_assert_ptr_nonnull(strstr(buf, "2 elements"));
	ck_assert_ptr_nonnull(strstr(buf, "max 220 A"));
	ck_assert_ptr_nonnull(strstr(buf, "counter 100 Wh"));
}
END_TEST

/* Arbitrary text never crashes the decoder and a refusal always says why. */
START_TEST(garbage_is_refused_with_a_message)
{
	const char alphabet[] = "MSDTCFOX0123456789- _mx\xff";
	char text[40];
	uint32_t seed = 99;
	for (int round = 0; round < 20000; round++) {
		seed = seed * 1664525u + 1013904223u;
		size_t n = (seed >> 16) % sizeof(text);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1664525u + 1013904223u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		text[n] = '\0';
		struct rig_meter_model m;
		struct rig_error err = { 0 };
		if (rig_model_decode(text, &m, &err) == 0) {
			/* whatever was accepted decodes again, unchanged, from its normal form */
			struct rig_meter_model again;
			ck_assert_int_eq(rig_model_decode(m.model, &again, &err), 0);
			ck_assert_str_eq(again.model, m.model);
		} else {
			ck_assert_msg(err.msg[0], "no message for '%s'", text);
		}
	}
	char huge[4096];
	memset(huge, '1', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, "MMS", 3);
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	ck_assert_int_eq(rig_model_decode(huge, &m, &err), -1);
	ck_assert_int_eq(rig_model_decode(NULL, &m, &err), -1);
}
END_TEST

Suite *suite_model(void)
{
	Suite *s = suite_create("model");
	TCase *t = tcase_create("decode");
	tcase_add_test(t, individual_dual_t_scc_every_field);
	tcase_add_test(t, individual_single_plain_every_field);
	tcase_add_test(t, ct_codes_and_voltage_range);
	tcase_add_test(t, spacing_variants_normalise);
	tcase_add_test(t, enclosure_every_field);
	tcase_add_test(t, refusals_name_the_field);
	tcase_add_test(t, json_parses_back_with_every_key);
	tcase_add_test(t, describe_mentions_the_essentials);
	tcase_add_test(t, garbage_is_refused_with_a_message);
	suite_add_tcase(s, t);
	return s;
}
