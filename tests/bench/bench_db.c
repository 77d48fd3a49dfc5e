/* Benchmark 6: the results database after a year of production.
 *
 * Generates N meters (default 250,000), each with one ansi-c12.1 run on one
 * position and every point's result, through the store API with the
 * daemon's calls (store_begin_run, store_add_point_result per point,
 * store_end_run). The bulk goes in batches (store_batch_begin/commit); the
 * last meters go as the daemon writes them, every call its own commit, into
 * the full database. BENCH_DB_BUDGET_S stops the bulk early, and says so.
 * Then: database size per meter, latency of a certificate for one serial
 * and of a month's summary (medians of repetitions), and the query plans.
 * Then the control socket's "results" with limit 100000, page after page
 * as rigd answers it (JSON included): the time a page holds rigd's loop.
 * Last, what durability costs: one point's commit as the daemon makes it,
 * synchronous=FULL (the store's setting: durable across a power cut)
 * against NORMAL (durable across a crash only), on a database beside it.
 *
 * usage: bench_db DB_PATH [METERS]   (run from the repository top) */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"
#include "rig/core/verdict.h"
#include "rig/rigd/runstore.h"
#include "rig/store/durability.h"
#include "rig/store/queries.h"
#include "rig/store/store.h"
#include "tests/bench/common.h"

#define YEAR_MS (365LL * 24 * 3600 * 1000)
#define MONTH_MS (30LL * 24 * 3600 * 1000)
#define T0_MS 1767225600000LL	/* 2026-01-01T00:00:00Z */

static const char *const models[] = {
	"MMS-120-1001", "MMS-120-2001", "MMD-120-2001", "MMD-120-2001-T-SCC", "MMD-120-4001",
	"MMS-120-4001-T",
};
#define N_MODELS (sizeof(models) / sizeof(models[0]))

struct gen {
	struct rig_profile profile;
	struct rig_fixture fixture;
	struct rig_meter_model model[N_MODELS];
	struct bench_rng rng;
	long meters;
	long points;
};

static void die(const char *what, const struct rig_error *err)
{
	fprintf(stderr, "bench_db: %s: %s\n", what, err ? err->msg : "");
	exit(2);
}

static void serial_of(long i, char *buf, size_t len)
{
	snprintf(buf, len, "IMS%08ld", i + 1);
}

/* A result as the sequencer reports it for this kind of point. */
static struct rig_point_result result_for(struct gen *g, int idx, const struct rig_meter_model *m)
{
	const struct rig_point *p = &g->profile.points[idx];
	struct rig_point_result r;
	memset(&r, 0, sizeof(r));
	r.point = idx;
	r.position = 1;	/* the bench's number, from 1 */
	r.attempt = 1;
	r.current_a = rig_point_current_a(p, m);
	unsigned mask = rig_point_element_mask(p, m);
	int elements = (mask & 1) + ((mask >> 1) & 1);
	r.reference_w = p->voltage_v * r.current_a * p->pf * elements;
	r.value = NAN;
	r.gate.duty = -1;
	switch (p->kind) {
	case RIG_POINT_ACCURACY: {
		double e = 0.05 + 0.12 * bench_normal(&g->rng);
		double u = 0.06 + 0.03 * bench_uniform(&g->rng);
		r.gate.state = RIG_GATE_DONE;
		r.gate.error_pct = e;
		r.gate.u_pct = u;
		r.gate.edges_used = 3 + (int)(40 * bench_uniform(&g->rng));
		r.gate.gate_s = 10 + 50 * bench_uniform(&g->rng);
		r.verdict = rig_verdict_accuracy(e, u, p->band_pct);
		snprintf(r.detail, sizeof(r.detail), "error %+.3f %% U %.3f %% (%d edges, %.1f s)", e, u,
			 r.gate.edges_used, r.gate.gate_s);
		break;
	}
	case RIG_POINT_CREEP:
		r.edges_counted = bench_uniform(&g->rng) < 0.3;
		r.verdict = RIG_VERDICT_PASS;
		snprintf(r.detail, sizeof(r.detail), "%d edges in %.0f s", r.edges_counted, p->max_gate_s);
		break;
	case RIG_POINT_STARTING_LOAD:
		r.edges_counted = 2;
		r.verdict = RIG_VERDICT_PASS;
		snprintf(r.detail, sizeof(r.detail), "2 edges in %.0f s", p->max_gate_s);
		break;
	case RIG_POINT_REVERSE_LED:
		r.led_on = p->led_expected_on;
		r.verdict = RIG_VERDICT_PASS;
		snprintf(r.detail, sizeof(r.detail), "LED %s as expected", r.led_on ? "on" : "off");
		break;
	case RIG_POINT_OUTPUT_CONSISTENCY:
		r.value = 0.02 * bench_normal(&g->rng);
		r.verdict = fabs(r.value) <= p->band_pct ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
		snprintf(r.detail, sizeof(r.detail), "outputs agree within %.3f %%", fabs(r.value));
		break;
	case RIG_POINT_PULSE_DUTY:
		r.value = 50 + 0.2 * bench_normal(&g->rng);
		r.verdict = fabs(r.value - 50) <= p->band_pct ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL;
		snprintf(r.detail, sizeof(r.detail), "duty %.2f %%", r.value);
		break;
	case RIG_POINT_WARM_UP:
		r.verdict = RIG_VERDICT_NONE;
		snprintf(r.detail, sizeof(r.detail), "warm-up: %.0f s", p->max_gate_s);
		break;
	case RIG_POINT_CONNECTION_CHECK:
		r.edges_counted = 12;
		r.verdict = RIG_VERDICT_PASS;
		snprintf(r.detail, sizeof(r.detail), "edges on every expected line");
		break;
	case RIG_POINT_REGISTER:
		r.has_readings = true;
		r.reading_before_kwh = 1000;
		r.reading_after_kwh = 1000 + p->energy_wh / 1000;
		r.value = p->energy_wh / 1000;
		r.verdict = RIG_VERDICT_PASS;
		snprintf(r.detail, sizeof(r.detail), "register advanced %.1f kWh", r.value);
		break;
	}
	return r;
}

static enum rig_run_state run_state_of(enum rig_verdict v)
{
	switch (v) {
	case RIG_VERDICT_PASS:
		return RIG_RUN_PASSED;
	case RIG_VERDICT_INDETERMINATE:
		return RIG_RUN_INDETERMINATE;
	default:
		return RIG_RUN_FAILED;
	}
}

/* One meter's run, as the daemon writes it. */
static void write_meter(struct gen *g, struct store *s, long i, int64_t started_ms)
{
	struct rig_error err = {0};
	struct rig_run_plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.profile = &g->profile;
	plan.fixture = &g->fixture;
	const struct rig_meter_model *m = &g->model[(unsigned long)i % N_MODELS];
	plan.pos[0].present = true;
	plan.pos[0].model = *m;
	serial_of(i, plan.pos[0].serial, sizeof(plan.pos[0].serial));
	struct store_run_meta meta = {
		.station = "line-1",
		.host = "rigpi-1",
		.instrument_idn = "FLUKE,6105A,123456,2.1",
		.operator_name = i % 3 ? "A. Operator" : "B. Operator",
		.notes = "",
		.software_version = "bench",
		.started_ms = started_ms,
	};
	char run_id[STORE_RUN_ID_LEN];
	if (store_begin_run(s, &plan, &meta, run_id, &err) < 0)
		die("store_begin_run", &err);
	enum rig_verdict worst = RIG_VERDICT_PASS;
	for (int p = 0; p < g->profile.n_points; p++) {
		if (!rig_point_applies(&g->profile.points[p], m))
			continue;
		struct rig_point_result r = result_for(g, p, m);
		worst = rig_verdict_worst(worst, r.verdict);
		if (store_add_point_result(s, run_id, &r, &err) < 0)
			die("store_add_point_result", &err);
		g->points++;
	}
	if (store_end_run(s, run_id, run_state_of(worst), "", started_ms + 40 * 60 * 1000, &err) < 0)
		die("store_end_run", &err);
	g->meters++;
}

/* Milliseconds of each point commit (store_add_point_result) of `meters`
 * runs written as the daemon writes them, at the given sync level. */
static void point_commits_ms(struct gen *g, struct store *s, enum store_sync level, long first,
			     long meters, double *t, long *n)
{
	struct rig_error err = {0};
	if (store_set_sync(s, level, &err) < 0)
		die("store_set_sync", &err);
	for (long i = first; i < first + meters; i++) {
		struct rig_run_plan plan;
		memset(&plan, 0, sizeof(plan));
		plan.profile = &g->profile;
		plan.fixture = &g->fixture;
		const struct rig_meter_model *m = &g->model[(unsigned long)i % N_MODELS];
		plan.pos[0].present = true;
		plan.pos[0].model = *m;
		serial_of(i, plan.pos[0].serial, sizeof(plan.pos[0].serial));
		struct store_run_meta meta = {.station = "line-1", .started_ms = T0_MS + i * 1000};
		char run_id[STORE_RUN_ID_LEN];
		if (store_begin_run(s, &plan, &meta, run_id, &err) < 0)
			die("store_begin_run", &err);
		for (int p = 0; p < g->profile.n_points; p++) {
			if (!rig_point_applies(&g->profile.points[p], m))
				continue;
			struct rig_point_result r = result_for(g, p, m);
			double t0 = bench_now_s();
			if (store_add_point_result(s, run_id, &r, &err) < 0)
				die("store_add_point_result", &err);
			t[(*n)++] = (bench_now_s() - t0) * 1e3;
		}
		if (store_end_run(s, run_id, RIG_RUN_PASSED, "", meta.started_ms + 1000, &err) < 0)
			die("store_end_run", &err);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q quantile of n values (sorts them). */
static double percentile(double *v, long n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[(long)(q * (double)(n - 1) + 0.5)];
}

/* FULL and NORMAL in alternating rounds on one file, so that the disk's
 * moods touch both alike. Prints the figures; returns FULL's p99. */
static double sync_cost(struct gen *g, const char *path)
{
	char file[600], wal[620], shm[620];
	snprintf(file, sizeof(file), "%s.sync", path);
	snprintf(wal, sizeof(wal), "%s-wal", file);
	snprintf(shm, sizeof(shm), "%s-shm", file);
	unlink(file);
	unlink(wal);
	unlink(shm);
	struct rig_error err = {0};
	struct store *s = store_open(file, &err);
	if (!s)
		die("store_open (sync)", &err);
	enum { ROUNDS = 6, METERS = 5 };
	static double full[ROUNDS * METERS * RIG_PROFILE_MAX_POINTS];
	static double normal[ROUNDS * METERS * RIG_PROFILE_MAX_POINTS];
	long nf = 0, nn = 0, next = 0;
	for (int k = 0; k < ROUNDS; k++) {
		point_commits_ms(g, s, STORE_SYNC_FULL, next, METERS, full, &nf);
		next += METERS;
		point_commits_ms(g, s, STORE_SYNC_NORMAL, next, METERS, normal, &nn);
		next += METERS;
	}
	store_close(s);
	unlink(file);
	unlink(wal);
	unlink(shm);
	double full_med = percentile(full, nf, 0.5), full_p99 = percentile(full, nf, 0.99);
	double norm_med = percentile(normal, nn, 0.5), norm_p99 = percentile(normal, nn, 0.99);
	printf("  one point's commit, as rigd makes it (%ld commits each, alternating rounds):\n"
	       "    synchronous=FULL (rigd's setting, survives a power cut): median %.2f ms, p99 %.2f ms\n"
	       "    synchronous=NORMAL (survives a crash of rigd only):      median %.2f ms, p99 %.2f ms\n",
	       nf, full_med, full_p99, norm_med, norm_p99);
	return full_p99;
}

/* Every page of {"cmd":"results","limit":100000}, as rigd answers it:
 * prints the first page's time and the slowest; returns the slowest. */
static double results_pages_ms(const char *path)
{
	struct rig_error err = {0};
	struct runstore *rs = runstore_open(path, &err);
	if (!rs)
		die("runstore_open", &err);
	struct ctl_request req;
	memset(&req, 0, sizeof(req));
	req.cmd = CTL_RESULTS;
	req.limit = 100000;
	double first = 0, worst = 0;
	long rows = 0;
	int pages = 0;
	for (;;) {
		char next[64];
		double t0 = bench_now_s();
		cJSON *page = runstore_results(rs, &req, next, sizeof(next), &err);
		double ms = (bench_now_s() - t0) * 1e3;
		if (!page)
			die("runstore_results", &err);
		rows += cJSON_GetArraySize(page);
		cJSON_Delete(page);
		if (pages++ == 0)
			first = ms;
		if (ms > worst)
			worst = ms;
		if (!next[0])
			break;
		snprintf(req.after, sizeof(req.after), "%s", next);
	}
	runstore_close(rs);
	printf("  results over the socket, limit 100000: %ld rows in %d pages; first page %.1f ms,"
	       " slowest %.1f ms\n", rows, pages, first, worst);
	return worst;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Prints the plan; returns false when it scans a table other than the
 * handful-of-rows stations and instruments. */
static bool print_plan(sqlite3 *db, const char *title, const char *sql)
{
	char explain[2048];
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, explain, -1, &st, NULL) != SQLITE_OK) {
		printf("  %s: cannot explain: %s\n", title, sqlite3_errmsg(db));
		return false;
	}
	bool ok = true;
	printf("  plan of %s:\n", title);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		printf("    %s\n", d);
		if (strncmp(d, "SCAN ", 5) == 0 && strcmp(d, "SCAN st") != 0 && strcmp(d, "SCAN i") != 0)
			ok = false;
	}
	sqlite3_finalize(st);
	return ok;
}

static bool print_plans(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("open for plans", NULL);
	bool ok = print_plan(db, "certificate (latest run of a serial)", store_sql_certificate_latest);
	ok &= print_plan(db, "certificate points", store_sql_certificate_points);
	ok &= print_plan(db, "summary errors", store_sql_summary_errors);
	ok &= print_plan(db, "summary meters", store_sql_summary_meters);
	char sql[1024];
	struct store_filter f = {.serial = "IMS00000001"};
	store_results_sql(&f, sql, sizeof(sql));
	ok &= print_plan(db, "results of a serial", sql);
	sqlite3_close(db);
	return ok;
}

static void load_inputs(struct gen *g)
{
	struct rig_error err = {0};
	if (rig_profile_load("profiles/ansi-c12.1.profile", &g->profile, &err) < 0)
		die("profile", &err);
	if (rig_fixture_load("fixtures/sim.conf", &g->fixture, &err) < 0)
		die("fixture", &err);
	for (size_t i = 0; i < N_MODELS; i++) {
		if (rig_model_decode(models[i], &g->model[i], &err) < 0)
			die(models[i], &err);
		if (rig_profile_check_model(&g->profile, &g->model[i], &err) < 0)
			die(models[i], &err);
	}
	bench_rng_seed(&g->rng, 20261124);
}

/* Median latency of store_certificate_load for random serials, in ms;
 * checks that each certificate is the serial asked for and complete. */
static double certificate_ms(struct store *s, const struct gen *g, long meters,
			     struct bench_rng *rng, int reps)
{
	static struct store_certificate cert;
	double *t = calloc((size_t)reps, sizeof(*t));
	struct rig_error err = {0};
	for (int k = 0; k < reps; k++) {
		char serial[32];
		serial_of((long)(bench_uniform(rng) * (double)meters), serial, sizeof(serial));
		double t0 = bench_now_s();
		if (store_certificate_load(s, serial, NULL, &cert, &err) < 0)
			die("certificate", &err);
		t[k] = (bench_now_s() - t0) * 1e3;
		if (strcmp(cert.serial, serial) != 0 || cert.n_points != g->profile.n_points) {
			fprintf(stderr, "bench_db: certificate of %s is wrong (%s, %d points)\n", serial,
				cert.serial, cert.n_points);
			exit(2);
		}
	}
	double m = bench_median(t, (size_t)reps);
	free(t);
	return m;
}

/* Median latency of a 30-day summary in ms, over the full months (a
 * generation stopped by the time budget fills only the first months, at
 * the density of the full year). */
static double summary_ms(struct store *s, int reps, int64_t filled_to_ms, int *ret_meters)
{
	static struct store_summary sum;
	double *t = calloc((size_t)reps, sizeof(*t));
	struct rig_error err = {0};
	int months = (int)((filled_to_ms - T0_MS) / MONTH_MS);
	if (months < 1)
		months = 1;
	for (int k = 0; k < reps; k++) {
		int64_t from = T0_MS + (k % months) * MONTH_MS;
		struct store_filter f = {.from_ms = from, .to_ms = from + MONTH_MS};
		double t0 = bench_now_s();
		if (store_summary_load(s, &f, &sum, &err) < 0)
			die("summary", &err);
		t[k] = (bench_now_s() - t0) * 1e3;
		*ret_meters = sum.meters;
	}
	double m = bench_median(t, (size_t)reps);
	free(t);
	return m;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_db DB_PATH [METERS]\n");
		return 2;
	}
	const char *path = argv[1];
	long target = argc > 2 ? atol(argv[2]) : 250000;
	double budget_s = getenv("BENCH_DB_BUDGET_S") ? atof(getenv("BENCH_DB_BUDGET_S")) : 1e9;
	static struct gen g;
	load_inputs(&g);
	char wal[512], shm[512];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);

	struct rig_error err = {0};
	struct store *s = store_open(path, &err);
	if (!s)
		die("store_open", &err);
	/* Runs spread evenly over the year, in time order as on a real line.
	 * The bulk goes in batches (store_batch_begin: one transaction per
	 * BATCH meters); the last SAMPLE meters are written as the daemon writes,
	 * every store call its own commit, into the full database. */
	enum { BATCH = 500, SAMPLE = 1000 };
	long sample = target > 2 * SAMPLE ? SAMPLE : target / 2;
	double step_ms = (double)YEAR_MS / (double)target;
	double t0 = bench_now_s();
	long i = 0;
	bool out_of_time = false;
	while (i < target - sample && !out_of_time) {
		if (store_batch_begin(s, &err) < 0)
			die("store_batch_begin", &err);
		for (long end = i + BATCH; i < end && i < target - sample; i++)
			write_meter(&g, s, i, T0_MS + (int64_t)((double)i * step_ms));
		if (store_batch_commit(s, &err) < 0)
			die("store_batch_commit", &err);
		if (i % 25000 == 0)
			fprintf(stderr, "  %ld meters, %.0f s\n", i, bench_now_s() - t0);
		out_of_time = bench_now_s() - t0 > budget_s;
	}
	double batch_s = bench_now_s() - t0;
	long batch_meters = g.meters, batch_points = g.points;
	double t1 = bench_now_s();
	/* the daemon's path is always measured, also after the budget */
	for (long k = 0; k < sample; k++, i++)
		write_meter(&g, s, i, T0_MS + (int64_t)((double)i * step_ms));
	double sample_s = bench_now_s() - t1;
	long sample_meters = g.meters - batch_meters, sample_points = g.points - batch_points;
	long made = g.meters;
	store_close(s);
	long long bytes = file_size(path) + file_size(wal);
	printf("database: %ld meters of %ld asked (one ansi-c12.1 run each, %ld point results)%s\n",
	       made, target, g.points, out_of_time ? ", stopped at the time budget" : "");
	printf("  batched generation (%d meters a transaction): %.1f s, %.0f meters/s, %.0f points/s\n",
	       BATCH, batch_s, (double)batch_meters / batch_s, (double)batch_points / batch_s);
	if (sample_meters > 0)
		printf("  daemon path on the full database (every store call its own commit, %ld meters):"
		       " %.0f meters/s, %.0f point commits/s\n",
		       sample_meters, (double)sample_meters / sample_s, (double)sample_points / sample_s);
	printf("  size: %.1f MB, %.0f bytes per meter\n", (double)bytes / 1e6,
	       (double)bytes / (double)made);

	s = store_open_readonly(path, &err);
	if (!s)
		die("store_open_readonly", &err);
	struct bench_rng rng;
	bench_rng_seed(&rng, 7);
	certificate_ms(s, &g, made, &rng, 20); /* warm the page cache */
	double cert = certificate_ms(s, &g, made, &rng, 200);
	int month_meters = 0;
	int64_t filled_to = T0_MS + (int64_t)((double)(i - sample) * step_ms);
	summary_ms(s, 1, filled_to, &month_meters);
	double sum = summary_ms(s, 11, filled_to, &month_meters);
	store_close(s);
	printf("  certificate of one serial: median %.3f ms over 200 random serials\n", cert);
	printf("  summary of a 30-day month (%d meters): median %.1f ms over 11 repetitions on the"
	       " %d full months\n", month_meters, sum,
	       (int)((filled_to - T0_MS) / MONTH_MS) > 0 ? (int)((filled_to - T0_MS) / MONTH_MS) : 1);
	bool plans_ok = print_plans(path);
	double page_ms = results_pages_ms(path);
	double commit_p99 = sync_cost(&g, path);

	char m[64];
	snprintf(m, sizeof(m), "%ld", made);
	bench_goal("db_meters_generated", m, ">=250000", made >= 250000);
	snprintf(m, sizeof(m), "%.3fms", cert);
	bench_goal("db_certificate_query", m, "<10ms", cert < 10);
	snprintf(m, sizeof(m), "%.1fms", sum);
	bench_goal("db_month_summary", m, "<1000ms", sum < 1000);
	bench_goal("db_no_full_scan", plans_ok ? "none" : "scan", "none", plans_ok);
	/* A point measures for 20 s or more: a commit well under a second
	 * costs the bench nothing it would notice. */
	/* A page holds the loop (the interlock, the source) while it is built. */
	snprintf(m, sizeof(m), "%.1fms", page_ms);
	bench_goal("db_results_page", m, "<50ms", page_ms < 50);
	snprintf(m, sizeof(m), "%.2fms", commit_p99);
	bench_goal("db_point_commit_full_p99", m, "<100ms", commit_p99 < 100);
	return 0;
}
