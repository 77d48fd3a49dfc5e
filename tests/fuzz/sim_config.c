/* rig-sim's config parser on any bytes, with and without model decoding;
 * a parsed config must build a bench. */
#include "drivers/sim/sim_config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	static struct sim_config c;
	for (int with_decode = 0; with_decode < 2; with_decode++) {
		struct rig_error err = { 0 };
		sim_config_init(&c);
		int rc = sim_config_parse(&c, text, size, "fuzz.conf",
					  with_decode ? rig_model_decode : NULL, &err);
		fuzz_need_message(rc, err.msg, "sim_config_parse");
		if (rc == 0 && with_decode) {
			struct sim_bench *b = sim_bench_new(&c.bench);
			if (!b) {
				fprintf(stderr, "a parsed config builds no bench\n");
				abort();
			}
			sim_bench_free(b);
		}
	}
	free(text);
	return 0;
}
