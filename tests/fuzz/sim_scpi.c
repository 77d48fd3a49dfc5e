/* The simulator's SCPI parser and instrument model, as rig-sim runs them:
 * each input line (any bytes, '\n' separated) goes to a two-position bench
 * (its SIM: extension included), with virtual time moving on 50 ms per line
 * so settling and the meters run too. The source must never output more
 * than its largest ranges, and the error queue never holds more than 16. */
#include <math.h>

#include "drivers/sim/bench.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP_NS 50000000LL

static void no_edge(void *ctx, const struct rig_edge *e)
{
	(void)ctx;
	(void)e;
}

static struct sim_bench *new_bench(void)
{
	struct sim_bench_cfg cfg;
	struct rig_error err;
	sim_bench_cfg_init(&cfg);
	cfg.n_positions = 2;
	if (rig_model_decode("MMS-120-2001-SCC", &cfg.pos[0].meter.model, &err) ||
	    rig_model_decode("MMD-120-2001-T-SCC", &cfg.pos[1].meter.model, &err))
		abort();
	sim_bench_cfg_layout(&cfg, 0, 8);
	cfg.ref_wh_per_pulse = 0.01;
	return sim_bench_new(&cfg);
}

static void check_output(const struct sim_bench *b, int64_t t)
{
	struct sim_output o;
	sim_source_output(sim_bench_source(b), t, &o);
	for (int ph = 0; ph < SIM_PHASES; ph++)
		if (!(fabs(o.phase[ph].volt_rms) <= 1008 * 1.0001) ||
		    !(fabs(o.phase[ph].curr_rms) <= 21 * 1.0001)) {
			fprintf(stderr, "phase %d outputs %g V %g A\n", ph + 1, o.phase[ph].volt_rms,
				o.phase[ph].curr_rms);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_bench *b = new_bench();
	if (!b)
		abort();
	int64_t t = sim_bench_now(b);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(n ? n : 1);	/* exact size: ASan sees overreads */
		memcpy(line, p, n);
		char reply[2048];
		int rc = sim_bench_scpi_n(b, t, line, n, reply, sizeof(reply));
		if (rc == 1 && strnlen(reply, sizeof(reply)) >= sizeof(reply))
			abort();
		free(line);
		t += STEP_NS;
		sim_bench_advance(b, t, no_edge, NULL);
		check_output(b, t);
		p += n + 1;
	}
	sim_bench_free(b);
	return 0;
}
