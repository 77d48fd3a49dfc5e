/* The capture-line parser and reader: every line of the input goes through
 * capture_reader_line (as replay:PATH reads a file); a parsed record formats
 * back and parses to the same record. */
#include "drivers/edge/capture.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct capture_record *rec)
{
	char buf[CAPTURE_MAX_LINE * 2];
	char why[128];
	struct capture_record again;
	if (rec->kind == CAPTURE_EDGE)
		capture_format_edge(buf, sizeof(buf), &rec->edge);
	else if (rec->kind == CAPTURE_LEVEL)
		capture_format_level(buf, sizeof(buf), &rec->level);
	else
		return;
	if (capture_parse_line(buf, &again, why, sizeof(why)) != 0 || again.kind != rec->kind) {
		fprintf(stderr, "'%s' does not parse back: %s\n", buf, why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct capture_reader r;
	capture_reader_init(&r, "fuzz.capture");
	char *line = text;
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct capture_record rec;
		struct rig_error err = { 0 };
		char why[64] = "";
		int rc = capture_parse_line(line, &rec, why, sizeof(why));
		fuzz_need_message(rc, why, "capture_parse_line");
		if (rc == 0)
			round_trip(&rec);
		rc = capture_reader_line(&r, line, &rec, &err);
		fuzz_need_message(rc, err.msg, "capture_reader_line");
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return 0;
}
