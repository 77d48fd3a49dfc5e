/* The sequencer's private header stays private: only the sequencer's own
 * files (rig/core/sequencer*.c) include sequencer_internal.h; everything
 * else goes through sequencer.h. */
#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/text_file.h"

#define INTERNAL_HEADER "rig/core/sequencer_internal.h"

static char outsider[512];	/* the first file outside the sequencer including it */
static int includers;		/* sequencer files that include it */
static size_t top_len;		/* of RIG_TOP and its slash, cut from the paths */

static bool is_source(const char *path)
{
	size_t n = strlen(path);
	return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

static bool sequencer_file(const char *rel)
{
	return strncmp(rel, "rig/core/sequencer", 18) == 0 && strchr(rel + 9, '/') == NULL;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F || !is_source(path))
		return 0;
	char *text;
	size_t len;
	struct rig_error err = {0};
	if (rig_text_file_read(path, &text, &len, &err))
		return 0;
	const char *rel = path + top_len;
	if (strstr(text, "#include \"" INTERNAL_HEADER "\"")) {
		if (!sequencer_file(rel) && !outsider[0])
			snprintf(outsider, sizeof(outsider), "%s", rel);
		else if (sequencer_file(rel))
			includers++;
	}
	free(text);
	return 0;
}

START_TEST(internal_header_only_in_the_sequencer_files)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	static const char *const dirs[] = { "rig", "drivers", "reports", "tests/unit", "tests/bench" };
	top_len = strlen(top) + 1;
	outsider[0] = '\0';
	includers = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/%s", top, dirs[i]);
		ck_assert_int_eq(nftw(dir, visit, 16, FTW_PHYS), 0);
	}
	ck_assert_msg(!outsider[0], "%s includes %s: use rig/core/sequencer.h", outsider,
		      INTERNAL_HEADER);
	/* the walk did see the sequencer's own files */
	ck_assert_int_ge(includers, 2);
}
END_TEST

Suite *suite_sequencer_layout(void)
{
	Suite *s = suite_create("sequencer_layout");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, internal_header_only_in_the_sequencer_files);
	suite_add_tcase(s, tc);
	return s;
}
