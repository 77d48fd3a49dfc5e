#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rig/core/sha256.h"

/* FIPS 180-2 appendix B vectors. */
START_TEST(fips_vectors)
{
	char hex[65];
	rig_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	rig_sha256_hex(two, strlen(two), hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	rig_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(million_a_in_uneven_pieces)
{
	struct rig_sha256 s;
	rig_sha256_init(&s);
	char chunk[997];
	memset(chunk, 'a', sizeof(chunk));
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		rig_sha256_update(&s, chunk, n);
		left -= n;
	}
	uint8_t d[32];
	rig_sha256_final(&s, d);
	static const uint8_t want[32] = {
		0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
		0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
	};
	ck_assert_mem_eq(d, want, 32);
}
END_TEST

START_TEST(boundary_lengths_agree_with_one_shot)
{
	/* 55, 56 and 64 bytes straddle the padding boundary */
	char data[130];
	memset(data, 'x', sizeof(data));
	for (size_t len = 54; len <= 66; len++) {
		char one[65], two[65];
		rig_sha256_hex(data, len, one);
		struct rig_sha256 s;
		uint8_t d[32];
		rig_sha256_init(&s);
		for (size_t i = 0; i < len; i++)
			rig_sha256_update(&s, data + i, 1);
		rig_sha256_final(&s, d);
		for (int i = 0; i < 32; i++)
			snprintf(two + 2 * i, 3, "%02x", d[i]);
		ck_assert_str_eq(one, two);
	}
	/* 448-bit message, FIPS 180-2 padding straddles two blocks */
	char hex[65];
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	rig_sha256_hex(m, strlen(m), hex);
	ck_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

Suite *suite_sha256(void)
{
	Suite *s = suite_create("sha256");
	TCase *t = tcase_create("vectors");
	tcase_add_test(t, fips_vectors);
	tcase_add_test(t, million_a_in_uneven_pieces);
	tcase_add_test(t, boundary_lengths_agree_with_one_shot);
	suite_add_tcase(s, t);
	return s;
}
