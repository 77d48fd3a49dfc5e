/* The scpi6100 driver's reply side: received bytes (in chunks as reads
 * deliver them) go through the line buffer, and every complete line through
 * the three reply parsers. The first input byte picks the chunk size. */
#include "drivers/source/scpi6100/protocol.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_reply(const char *line)
{
	int code;
	char text[SCPI_MAX_LINE];
	double v;
	bool on;
	if (scpi_parse_error(line, &code, text, sizeof(text)) == 0 &&
	    strnlen(text, sizeof(text)) >= sizeof(text))
		abort();
	scpi_parse_error(line, &code, text, 4);	/* a short text buffer truncates */
	scpi_parse_number(line, &v);
	scpi_parse_bool(line, &on);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t chunk = data[0] % 64 + 1;
	data++;
	size--;
	static struct scpi_linebuf lb;
	scpi_linebuf_reset(&lb);
	size_t at = 0;
	for (int guard = 0; guard < 100000; guard++) {
		char line[SCPI_MAX_LINE + 1];
		char why[128] = "";
		int rc = scpi_linebuf_take(&lb, line, sizeof(line), why, sizeof(why));
		if (rc == 1) {
			if (strnlen(line, sizeof(line)) >= sizeof(line))
				abort();
			parse_reply(line);
			continue;
		}
		if (rc < 0) {
			fuzz_need_message(rc, why, "scpi_linebuf_take");
			continue;
		}
		if (at >= size)
			break;
		size_t room = scpi_linebuf_room(&lb);
		if (room == 0) {
			fprintf(stderr, "no room and no line to take: the reader would stall\n");
			abort();
		}
		size_t n = size - at < chunk ? size - at : chunk;
		if (n > room)
			n = room;
		scpi_linebuf_add(&lb, data + at, n);
		at += n;
		if (guard == 99999)
			abort();	/* no progress */
	}
	return 0;
}
