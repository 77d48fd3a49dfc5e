/* rig_model_decode: any text decodes or fails with a message; a decoded
 * model formats as JSON and as text without overflowing. */
#include "rig/core/model.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct rig_meter_model m;
	struct rig_error err = { 0 };
	int rc = rig_model_decode(text, &m, &err);
	fuzz_need_message(rc, err.msg, "rig_model_decode");
	if (rc == 0) {
		char buf[1024];
		int n = rig_model_to_json(&m, buf, sizeof(buf));
		if (n < 0 || (size_t)n >= sizeof(buf) || n != rig_model_to_json(&m, NULL, 0))
			abort();
		rig_model_describe(&m, buf, sizeof(buf));
		rig_model_describe(&m, buf, 7);
	}
	free(text);
	return 0;
}
