/* rig-sim's config parser on any bytes, with and without model decoding;
 * a parsed config must build a bench, and that bench must run: the source
 * energized on every phase and the meters registering for a short while. */
#include "drivers/sim/sim_config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const energize[] = {
	"SOUR:PHAS1:VOLT:RANG 0,180;:SOUR:PHAS2:VOLT:RANG 0,180;:SOUR:PHAS3:VOLT:RANG 0,180",
	"SOUR:PHAS1:CURR:RANG 0,5;:SOUR:PHAS2:CURR:RANG 0,5;:SOUR:PHAS3:CURR:RANG 0,5",
	"SOUR:PHAS1:VOLT:MHAR:HARM1 120,0;:SOUR:PHAS2:VOLT:MHAR:HARM1 120,180",
	"SOUR:PHAS1:CURR:MHAR:HARM1 5,-30;:SOUR:PHAS2:CURR:MHAR:HARM1 5,150",
	"SOUR:PHAS1:VOLT:STAT 1;:SOUR:PHAS1:CURR:STAT 1;:SOUR:PHAS2:VOLT:STAT 1;:SOUR:PHAS2:CURR:STAT 1",
	"OUTP ON",
};

static void count_edge(void *ctx, const struct rig_edge *e)
{
	(void)e;
	++*(long *)ctx;
}

static void run_bench(const struct sim_config *c)
{
	struct sim_bench *b = sim_bench_new(&c->bench);
	if (!b) {
		fprintf(stderr, "a parsed config builds no bench\n");
		abort();
	}
	int64_t t = sim_bench_now(b);
	char reply[256];
	for (size_t i = 0; i < sizeof(energize) / sizeof(energize[0]); i++)
		sim_bench_scpi(b, t, energize[i], reply, sizeof(reply));
	long edges = 0;
	for (int k = 1; k <= 4; k++)
		sim_bench_advance(b, t + k * 100000000LL, count_edge, &edges);
	for (int pos = 1; pos <= c->bench.n_positions; pos++)
		sim_bench_true_error(b, pos, t);
	sim_bench_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	static struct sim_config c;
	for (int with_decode = 0; with_decode < 2; with_decode++) {
		struct rig_error err = { 0 };
		sim_config_init(&c);
		int rc = sim_config_parse(&c, text, size, "fuzz.conf",
					  with_decode ? rig_model_decode : NULL, &err);
		fuzz_need_message(rc, err.msg, "sim_config_parse");
		if (rc == 0 && with_decode)
			run_bench(&c);
	}
	free(text);
	return 0;
}
