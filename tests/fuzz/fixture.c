/* rig_fixture_parse on any bytes; a parsed fixture routes every line. */
#include "rig/core/fixture.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = { 0 };
	int rc = rig_fixture_parse(text, size, "fuzz.conf", f, &err);
	fuzz_need_message(rc, err.msg, "rig_fixture_parse");
	if (rc == 0) {
		for (int line = -2; line < 300; line++) {
			int pos;
			enum rig_signal sig;
			if (rig_fixture_route(f, line, &pos, &sig) == 0)
				rig_signal_name(sig);
		}
	}
	free(f);
	free(text);
	return 0;
}
