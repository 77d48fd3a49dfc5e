/* The run record (capture format v2) and its re-analysis: every line of
 * the input goes to rig_analysis_line (as rigctl analyse reads a file); a
 * `seq` line that parses formats back and parses to the same line; tokens
 * unescape and escape back to what they were. */
#include "rig/core/analyse.h"
#include "rig/core/recording.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void input_round_trip(const char *line)
{
	struct rig_rec_input in, again;
	char why[160], buf[RIG_REC_MAX_LINE], buf2[RIG_REC_MAX_LINE];
	int rc = rig_rec_parse_input(line, &in, why, sizeof(why));
	fuzz_need_message(rc, why, "rig_rec_parse_input");
	if (rc != 0)
		return;
	if (rig_rec_format_input(buf, sizeof(buf), &in) < 0 ||
	    rig_rec_parse_input(buf, &again, why, sizeof(why)) != 0 ||
	    rig_rec_format_input(buf2, sizeof(buf2), &again) < 0 || strcmp(buf, buf2) != 0) {
		fprintf(stderr, "'%s' does not format and parse back: '%s' (%s)\n", line, buf, why);
		abort();
	}
}

static void token_round_trip(const char *tok)
{
	char text[RIG_REC_MAX_LINE], back[RIG_REC_MAX_LINE * 4 + 8], again[RIG_REC_MAX_LINE];
	size_t n, n2;
	if (rig_rec_unescape(tok, text, sizeof(text), &n) < 0)
		return;
	if (rig_rec_escape(text, n, back, sizeof(back)) < 0 ||
	    rig_rec_unescape(back, again, sizeof(again), &n2) < 0 || n2 != n ||
	    memcmp(text, again, n) != 0) {
		fprintf(stderr, "token '%s' does not escape back\n", tok);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct rig_analysis *a = rig_analysis_new("fuzz.cap", NULL);
	if (!a)
		abort();
	char *line = text;
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct rig_error err = { 0 };
		int rc = rig_analysis_line(a, line, &err);
		fuzz_need_message(rc, err.msg, "rig_analysis_line");
		if (strncmp(line, "seq ", 4) == 0)
			input_round_trip(line);
		else if (strlen(line) < 200)
			token_round_trip(line);
		line = nl ? nl + 1 : NULL;
	}
	rig_analysis_finish(a);
	for (int i = 0; i < rig_analysis_n_runs(a); i++)
		(void)rig_an_run_exact(rig_analysis_run(a, i));
	rig_analysis_free(a);
	free(text);
	return 0;
}
