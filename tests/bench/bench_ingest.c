/* Benchmark 5: the edge path. What an edge costs from the input to the
 * gate, and how many edges a second it takes with zero loss:
 *  A. a replayed capture (drivers/edge replay input: parse and check), read
 *     alone and then with seqno checks, routing and a gate per line;
 *  B. the simulator's edge socket (rig-sim as its own process, the sim:
 *     edge input here), at rising time scales until the input falls behind.
 * Zero loss is counted: every edge written arrives, no seqno gap.
 *
 * usage: bench_ingest [EDGES]   (run from the repository top) */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/edge/capture.h"
#include "drivers/edge/edge_input.h"
#include "drivers/source/source.h"
#include "drivers/transport/transport.h"
#include "rig/core/gate.h"
#include "rig/core/seqno.h"
#include "rig/core/setpoint.h"
#include "tests/bench/common.h"
#include "tests/bench/vbench.h"

#define POSITIONS 8
#define OUTPUTS 3		/* Kh 10, 100, 1000 */
#define N_LINES (POSITIONS * OUTPUTS)
#define GATE_EDGES 500		/* a long full-load gate: the gate is restarted after this many */
#define BATCH 256

static pid_t sim_child;	/* rig-sim while a pass runs: never left behind */

/* SIGTERM, and SIGKILL if it has not gone within 2 s. */
static void end_child(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_ingest: %s: %s\n", what, why);
	if (sim_child > 0)
		end_child(sim_child);
	exit(2);
}

/* --- A: replayed capture ------------------------------------------------- */

static uint32_t line_of(int pos, int out)
{
	return (uint32_t)(8 * pos + out);
}

/* N edges, one every 10 us, over 8 positions; Kh 10 : 100 : 1000 edges in
 * the ratio 100 : 10 : 1 as the outputs give them. */
static void write_capture(const char *path, long n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die(path, strerror(errno));
	struct capture_writer w;
	struct rig_error err = {0};
	const char *kv[] = {"station=bench", "fixture=synthetic"};
	if (capture_writer_start(&w, f, kv, 2, &err) < 0)
		die(path, err.msg);
	uint64_t line_seq[64] = {0};
	for (int p = 0; p < POSITIONS; p++)
		for (int o = 0; o < OUTPUTS; o++) {
			struct capture_level v = {.timestamp_ns = 0, .line = line_of(p, o), .value = 0};
			capture_write_level(&w, &v, &err);
		}
	for (long k = 0; k < n; k++) {
		int p = (int)(k % POSITIONS);
		long slot = (k / POSITIONS) % 111;
		int o = slot < 100 ? 0 : slot < 110 ? 1 : 2;
		uint32_t line = line_of(p, o);
		uint64_t s = ++line_seq[line];
		struct rig_edge e = {
			.timestamp_ns = RIG_NS_PER_S + k * 10000,
			.global_seqno = (uint64_t)k + 1,
			.line_seqno = s,
			.line = line,
			.kind = s % 2 ? RIG_EDGE_RISING : RIG_EDGE_FALLING,
		};
		if (capture_write_edge(&w, &e, &err) < 0)
			die(path, err.msg);
	}
	if (capture_writer_flush(&w, &err) < 0 || fclose(f) != 0)
		die(path, "cannot write");
}

struct sink {
	bool gate;
	struct rig_seqno seq;
	struct rig_gate *g[64];
	int in_gate[64];
	long edges, gates_done;
	uint64_t lost, repeats;
};

static void gate_start(struct sink *s, uint32_t line, int64_t t_ns)
{
	struct rig_gate_config c = {
		.kh_wh = 10,
		.duty = -1,
		.settle_until_ns = t_ns,
		.max_until_ns = INT64_MAX,
		.min_edges = 3,
		.min_scatter_dof = RIG_GATE_MIN_SCATTER_DOF,
		.target_u_pct = 1e-9,	/* never done: every edge is evaluated */
		.timing_sigma_s = 100e-6,
		.quantum_s = 1.0 / 60,
		.reference = RIG_REF_SOURCE_POWER,
		.ref_u_rel = 1e-4,
		.primary_per_source = 2000,
	};
	rig_gate_init(s->g[line], &c);
	rig_gate_reference_power(s->g[line], t_ns, 24);
	s->in_gate[line] = 0;
	s->gates_done++;
}

static void sink_init(struct sink *s, bool gate)
{
	memset(s, 0, sizeof(*s));
	s->gate = gate;
	rig_seqno_init(&s->seq);
	if (!gate)
		return;
	for (int p = 0; p < POSITIONS; p++)
		for (int o = 0; o < OUTPUTS; o++) {
			uint32_t l = line_of(p, o);
			s->g[l] = malloc(sizeof(struct rig_gate));
			if (!s->g[l])
				die("gate", "out of memory");
			gate_start(s, l, 0);
		}
	s->gates_done = 0;
}

static void sink_free(struct sink *s)
{
	for (int i = 0; i < 64; i++)
		free(s->g[i]);
}

static void sink_edge(struct sink *s, const struct rig_edge *e)
{
	s->edges++;
	if (!s->gate)
		return;
	struct rig_seqno_report r;
	if (rig_seqno_check(&s->seq, e, &r) == RIG_SEQNO_REPEAT) {
		s->repeats++;
		return;
	}
	s->lost += r.lost_global;
	if (r.lost_global && getenv("BENCH_DEBUG"))
		fprintf(stderr, "gap before global %llu line %u line seq %llu: %llu lost\n",
			(unsigned long long)e->global_seqno, e->line, (unsigned long long)e->line_seqno,
			(unsigned long long)r.lost_global);
	struct rig_gate *g = e->line < 64 ? s->g[e->line] : NULL;
	if (!g)
		return;
	rig_gate_meter_edge(g, e);
	if (++s->in_gate[e->line] >= GATE_EDGES)
		gate_start(s, e->line, e->timestamp_ns);
}

static struct edge_input *open_input(const char *spec, int n_lines, const uint32_t *lines)
{
	struct edge_input_line l[64];
	for (int i = 0; i < n_lines; i++)
		l[i] = (struct edge_input_line){.offset = lines[i]};
	struct rig_error err = {0};
	struct edge_input *in = edge_input_open(spec, l, (size_t)n_lines, &err);
	if (!in)
		die(spec, err.msg);
	return in;
}

struct pass {
	double open_s, read_s, cpu_s;
	long edges;
	uint64_t lost;
};

static struct pass replay_pass(const char *path, bool gate)
{
	uint32_t lines[N_LINES];
	for (int p = 0; p < POSITIONS; p++)
		for (int o = 0; o < OUTPUTS; o++)
			lines[p * OUTPUTS + o] = line_of(p, o);
	char spec[300];
	snprintf(spec, sizeof(spec), "replay:%s", path);
	static struct sink s;
	sink_init(&s, gate);
	struct pass r = {0};
	double t0 = bench_now_s();
	struct edge_input *in = open_input(spec, N_LINES, lines);
	double t1 = bench_now_s(), c0 = bench_cpu_s();
	struct rig_edge buf[BATCH];
	struct rig_error err = {0};
	int n;
	while ((n = in->ops->read(in, buf, BATCH, &err)) > 0)
		for (int i = 0; i < n; i++)
			sink_edge(&s, &buf[i]);
	if (n < 0)
		die(spec, err.msg);
	r.read_s = bench_now_s() - t1;
	r.open_s = t1 - t0;
	r.cpu_s = bench_cpu_s() - c0;
	r.edges = s.edges;
	r.lost = s.lost + s.repeats;
	edge_input_close(in);
	sink_free(&s);
	return r;
}

/* --- B: the simulator's socket -------------------------------------------- */

struct sim_proc {
	pid_t pid;
	int scpi, edge;
};

static struct sim_proc start_sim(double scale)
{
	const char *ports = "build/bench/sim.ports";
	unlink(ports);
	char sc[32];
	snprintf(sc, sizeof(sc), "%g", scale);
	struct sim_proc sp = {0};
	fflush(stdout);
	sp.pid = fork();
	sim_child = sp.pid;
	if (sp.pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("build/rig-sim", "rig-sim", "--positions", "8", "--model", "MMD-120-2001",
		      "--time-scale", sc, "--scpi-port", "0", "--edge-port", "0", "--port-file", ports,
		      "--set", "defaults.jitter_us=100", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(ports, "r");
		if (f) {
			int ok = fscanf(f, "scpi=%d edge=%d", &sp.scpi, &sp.edge);
			fclose(f);
			if (ok == 2)
				return sp;
		}
		usleep(10000);
	}
	die("rig-sim", "did not start (is build/rig-sim built?)");
	return sp;
}

static void stop_sim(struct sim_proc *sp, double *ret_cpu_s)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)sp->pid);
	*ret_cpu_s = NAN;
	FILE *f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');
			unsigned long ut = 0, st = 0;
			if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
				*ret_cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		}
		fclose(f);
	}
	end_child(sp->pid);
	sim_child = 0;
}

/* Full load on all 8 meters through the real driver over TCP. */
static struct source *load_on(const struct sim_proc *sp, struct transport **ret_tr)
{
	char spec[64];
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", sp->scpi);
	struct rig_error err = {0};
	struct transport *tr = transport_open(spec, &err);
	if (!tr)
		die(spec, err.msg);
	struct source *src = source_new("scpi6100", tr, 2.0, &err);
	if (!src)
		die("source", err.msg);
	struct rig_fixture f;
	char why[200];
	if (vb_fixture(&f, POSITIONS, why, sizeof(why)) < 0)
		die("fixture", why);
	struct rig_meter_model m;
	rig_model_decode("MMD-120-2001", &m, &err);
	struct rig_point p = {
		.kind = RIG_POINT_ACCURACY, .voltage_v = 120, .current_pct = 100, .pf = 1,
		.frequency_hz = 60, .all_elements = true, .elements = 3, .output_kh = 10,
	};
	struct rig_cmd cmd = {.kind = RIG_CMD_APPLY};
	if (rig_setpoint_for_point(&p, &m, &f, "", &cmd.sp, &err) < 0)
		die("setpoint", err.msg);
	struct source_result r;
	struct rig_cmd on = {.kind = RIG_CMD_OUTPUT_ON};
	if (source_run_cmd(src, &cmd, &r) < 0 || source_run_cmd(src, &on, &r) < 0)
		die("source", r.error);
	*ret_tr = tr;
	return src;
}

struct sim_result {
	char error[600];		/* the input's error, when it gave up */
	double scale, seconds, edges_per_s, expected_per_s, cpu_per_m, sim_cpu_per_m, lag_s;
	long edges;
	uint64_t lost;
};

static struct sim_result sim_pass(double scale, double seconds)
{
	struct sim_result res = {.scale = scale, .seconds = seconds};
	struct sim_proc sp = start_sim(scale);
	struct transport *tr;
	struct source *src = load_on(&sp, &tr);
	uint32_t lines[POSITIONS * 7];
	int n_lines = 0;
	for (int p = 0; p < POSITIONS; p++)
		for (int s = 0; s < 7; s++)
			lines[n_lines++] = (uint32_t)(8 * p + s);
	char spec[64];
	snprintf(spec, sizeof(spec), "sim:127.0.0.1:%d", sp.edge);
	struct edge_input *in = open_input(spec, n_lines, lines);
	static struct sink s;
	sink_init(&s, true);
	/* let the source settle (simulated 2 s) before counting */
	double settle_real = 3.0 / scale + 0.05;
	struct rig_edge buf[BATCH];
	struct rig_error err = {0};
	double t_end = bench_now_s() + settle_real;
	while (bench_now_s() < t_end) {
		int n = in->ops->read(in, buf, BATCH, &err);
		if (n < 0)
			die(spec, err.msg);
		/* sequence numbers start at 1 on the connection: check them all */
		for (int i = 0; i < n; i++)
			if (rig_seqno_check(&s.seq, &buf[i], NULL) == RIG_SEQNO_GAP)
				s.lost++;
	}
	double c0 = bench_cpu_s(), t0 = bench_now_s();
	int64_t first_ts = -1, last_ts = 0;
	t_end = t0 + seconds;
	while (bench_now_s() < t_end) {
		int n = in->ops->read(in, buf, BATCH, &err);
		if (n < 0) {
			/* the input gives up rather than lose edges silently */
			snprintf(res.error, sizeof(res.error), "%s", err.msg);
			break;
		}
		for (int i = 0; i < n; i++) {
			if (first_ts < 0)
				first_ts = buf[i].timestamp_ns;
			last_ts = buf[i].timestamp_ns;
			sink_edge(&s, &buf[i]);
		}
		if (n == 0)
			usleep(200);
	}
	double wall = bench_now_s() - t0;
	double cpu = bench_cpu_s() - c0;
	/* simulated seconds covered by what arrived, against the real time taken */
	double covered_s = first_ts >= 0 ? (double)(last_ts - first_ts) / RIG_NS_PER_S : 0;
	res.lag_s = wall * scale - covered_s;	/* simulated seconds not yet delivered */
	res.edges = s.edges;
	res.lost = s.lost + s.repeats;
	res.edges_per_s = (double)s.edges / wall;
	res.expected_per_s = covered_s > 0 ? (double)s.edges / covered_s * scale : 0;
	res.cpu_per_m = s.edges ? cpu / (double)s.edges * 1e6 : NAN;
	edge_input_close(in);
	source_free(src);
	transport_close(tr);
	double sim_cpu;
	stop_sim(&sp, &sim_cpu);
	res.sim_cpu_per_m = s.edges ? sim_cpu / (double)s.edges * 1e6 : NAN;
	sink_free(&s);
	return res;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	const char *path = "build/bench/ingest.cap";
	write_capture(path, n);
	struct pass a = replay_pass(path, false);
	struct pass b = replay_pass(path, true);
	unlink(path);
	printf("replayed capture, %ld edges on %d lines (8 positions x Kh 10/100/1000):\n", n, N_LINES);
	printf("  check at open: %.2f s (%.0f edges/s)\n", a.open_s, (double)n / a.open_s);
	printf("  input alone:                  %ld edges, %.0f edges/s, %.2f CPU s per million edges\n",
	       a.edges, (double)a.edges / a.read_s, a.cpu_s / (double)a.edges * 1e6);
	printf("  input + seqno + route + gate: %ld edges, %.0f edges/s, %.2f CPU s per million edges,"
	       " %llu lost (gate restarted every %d edges of a line)\n",
	       b.edges, (double)b.edges / b.read_s, b.cpu_s / (double)b.edges * 1e6,
	       (unsigned long long)b.lost, GATE_EDGES);
	printf("  the gate's share of the edge path: %.0f %%\n",
	       100 * (1 - a.read_s / b.read_s));
	bool replay_ok = a.edges == n && b.edges == n && b.lost == 0;

	printf("simulator socket (rig-sim, 8 x MMD-120-2001 at full load, 56 lines subscribed):\n");
	const double scales[] = {100, 1000, 2000, 4000, 8000, 16000, 32000, 64000};
	double best = 0;
	bool sim_ok = true;
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		struct sim_result r = sim_pass(scales[i], 2.0);
		bool keeps_up = r.lost == 0 && !r.error[0] && r.lag_s < 0.05 * scales[i] * r.seconds;
		printf("  time scale %7.0f: %8ld edges, %8.0f edges/s, %llu lost, behind by %.2f simulated s"
		       " (%.1f %%), input %.2f CPU s/M edges, rig-sim %.2f CPU s/M edges%s\n",
		       r.scale, r.edges, r.edges_per_s, (unsigned long long)r.lost, r.lag_s,
		       100 * r.lag_s / (r.scale * r.seconds), r.cpu_per_m, r.sim_cpu_per_m,
		       keeps_up ? "" : "  <- falls behind");
		if (r.error[0])
			printf("    the input stopped: %s\n", r.error);
		if (r.lost)
			sim_ok = false;
		if (keeps_up && r.edges_per_s > best)
			best = r.edges_per_s;
		if (!keeps_up)
			break;
	}
	printf("  highest rate taken with zero loss and keeping up: %.0f edges/s\n", best);
	char m[64];
	snprintf(m, sizeof(m), "%.0f/s,%llu-lost", (double)b.edges / b.read_s, (unsigned long long)b.lost);
	bench_goal("ingest_replay_zero_loss", m, "0-lost", replay_ok);
	snprintf(m, sizeof(m), "%.0f/s", best);
	bench_goal("ingest_sim_zero_loss", m, "0-lost", sim_ok && best > 0);
	return 0;
}
