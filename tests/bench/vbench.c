#include "tests/bench/vbench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "drivers/sim/bench.h"
#include "drivers/source/source.h"
#include "drivers/transport/transport.h"
#include "rig/core/fixture.h"
#include "rig/core/setpoint.h"

#define START_NS (1000 * RIG_NS_PER_S)
#define STEP_NS (RIG_NS_PER_S / 20)	/* the shell's poll granularity: 50 ms */
#define RUN_LIMIT_NS (48LL * 3600 * RIG_NS_PER_S)

/* --- in-process transport into the simulator's SCPI parser ---------------- */

struct vb_link {
	struct sim_bench *bench;
	int64_t now_ns;
	double ref_error_rel;
	const double *ref_error_z;		/* per phase, in standard uncertainties */
	const struct rig_fixture *fix;
	double volts[4], amps[4], angle_v[4], angle_i[4];	/* last setpoint per phase */
	int lines;
	char partial[512];
	size_t n_partial;
	char rx[8192];
	size_t n_rx;
	int fd;			/* always readable: the blocking helpers poll it */
};

static struct vb_link *link_of(const struct transport *t)
{
	return t->priv;
}

/* The setpoint of each phase, as the source is told it: the reference's
 * uncertainty depends on the ranges its readings fall in. */
static void link_setpoint(struct vb_link *l, const char *line)
{
	int ph;
	double x, angle;
	if (sscanf(line, "SOUR:PHAS%d:VOLT:MHAR:HARM1 %lf,%lf", &ph, &x, &angle) == 3 && ph >= 1 &&
	    ph <= 3) {
		l->volts[ph] = x;
		l->angle_v[ph] = angle;
	} else if (sscanf(line, "SOUR:PHAS%d:CURR:MHAR:HARM1 %lf,%lf", &ph, &x, &angle) == 3 &&
		   ph >= 1 && ph <= 3) {
		l->amps[ph] = x;
		l->angle_i[ph] = angle;
	}
}

/* The reference's own error on one phase's power reading: a fixed share
 * (ref_error_rel) and ref_error_z standard uncertainties of the fixture's
 * reference at this reading. */
static double read_back_error_rel(const struct vb_link *l, const char *line)
{
	double e = l->ref_error_rel;
	int ph;
	if (l->fix && l->ref_error_z && sscanf(line, "SOUR:PHAS%d:POW:WATT?", &ph) == 1 && ph >= 1 &&
	    ph <= 3 && l->amps[ph] > 0) {
		double w = l->volts[ph] * l->amps[ph] *
			   fabs(cos((l->angle_i[ph] - l->angle_v[ph]) * M_PI / 180));
		double u = rig_fixture_ref_u_rel(l->fix, l->volts[ph], l->amps[ph], w);
		if (u > 0 && u < 1)
			e += u * l->ref_error_z[ph - 1];
	}
	return e;
}

static void link_line(struct vb_link *l, const char *line)
{
	char reply[512];
	l->lines++;
	link_setpoint(l, line);
	if (sim_bench_scpi(l->bench, l->now_ns, line, reply, sizeof(reply)) != 1)
		return;
	double e = strstr(line, "POW:WATT?") ? read_back_error_rel(l, line) : 0;
	if (e != 0)
		snprintf(reply, sizeof(reply), "%.9g", strtod(reply, NULL) * (1 + e));
	size_t n = strlen(reply);
	if (l->n_rx + n + 1 < sizeof(l->rx)) {
		memcpy(l->rx + l->n_rx, reply, n);
		l->rx[l->n_rx + n] = '\n';
		l->n_rx += n + 1;
	}
}

static int link_write(struct transport *t, const void *buf, size_t len, struct rig_error *err)
{
	struct vb_link *l = link_of(t);
	const char *p = buf;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			l->partial[l->n_partial] = '\0';
			link_line(l, l->partial);
			l->n_partial = 0;
		} else if (l->n_partial + 1 < sizeof(l->partial)) {
			l->partial[l->n_partial++] = p[i];
		} else {
			return rig_error_set(err, NULL, 0, "in-process link: line too long");
		}
	}
	return 0;
}

static ssize_t link_read(struct transport *t, void *buf, size_t len, struct rig_error *err)
{
	(void)err;
	struct vb_link *l = link_of(t);
	size_t n = l->n_rx < len ? l->n_rx : len;
	memcpy(buf, l->rx, n);
	memmove(l->rx, l->rx + n, l->n_rx - n);
	l->n_rx -= n;
	return (ssize_t)n;
}

static int link_fd(const struct transport *t)
{
	return link_of(t)->fd;
}

static const struct transport_ops link_ops = {
	.scheme = "vbench",
	.write = link_write,
	.read = link_read,
	.fd = link_fd,
};

/* --- the bench ------------------------------------------------------------ */

int vb_fixture(struct rig_fixture *ret, int n_positions, char *err, size_t len)
{
	struct rig_error e = { 0 };
	if (rig_fixture_load("fixtures/sim.conf", ret, &e) < 0) {
		snprintf(err, len, "fixture: %s", e.msg);
		return -1;
	}
	ret->n_positions = n_positions;
	for (int p = 0; p < RIG_MAX_POSITIONS; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++) {
			ret->pos[p][s].line = p < n_positions ? 8 * p + s : -1;
			ret->pos[p][s].active_low = false;
		}
	return 0;
}

double vb_point_power_w(const struct rig_point *p, const struct rig_meter_model *m)
{
	static struct rig_fixture f;
	static bool loaded;
	char err[200];
	if (!loaded && vb_fixture(&f, 1, err, sizeof(err)) == 0)
		loaded = true;
	struct rig_setpoint sp;
	struct rig_error e;
	if (!loaded || rig_setpoint_for_point(p, m, &f, "", &sp, &e) < 0)
		return NAN;
	double w = rig_setpoint_meter_power_w(&sp, rig_setpoint_primary_per_source(&f, m));
	return w * rig_setpoint_power_share(&sp, m->elements);
}

struct vb_state {
	const struct vb_config *cfg;
	struct vb_run *run;
	struct sim_bench *bench;
	struct rig_seq *seq;
	struct vb_link link;
	struct transport tr;
	struct source *src;
	struct rig_run_plan plan;
	bool cmd_pending;
	int64_t cmd_done_ns;
	struct source_result cmd_result;
	bool done;
};

static void on_edge(void *ctx, const struct rig_edge *e)
{
	struct vb_state *st = ctx;
	int pos;
	enum rig_signal sig;
	st->run->edges++;
	if (rig_fixture_route(&st->cfg->fixture, (int)e->line, &pos, &sig) == 0)
		rig_seq_edge(st->seq, pos, sig, e);
}

static double rel_s(int64_t t_ns)
{
	return (double)(t_ns - START_NS) / RIG_NS_PER_S;
}

static int carry_out(struct vb_state *st, const struct rig_cmd *cmd, int64_t now, char *err, size_t len)
{
	if (st->cmd_pending) {
		snprintf(err, len, "sequencer sent a command while one was outstanding");
		return -1;
	}
	int before = st->link.lines;
	st->link.now_ns = now;
	if (st->src->ops->begin(st->src, cmd, now) < 0) {
		snprintf(err, len, "source refused a command");
		return -1;
	}
	int guard = 0;
	while (!st->src->ops->advance(st->src, now, &st->cmd_result))
		if (++guard > 1000) {
			snprintf(err, len, "source driver did not finish a command");
			return -1;
		}
	int lines = st->link.lines - before;
	st->run->commands++;
	st->run->scpi_lines += lines;
	st->cmd_pending = true;
	st->cmd_done_ns = now + (int64_t)llround(lines * st->cfg->cmd_line_s * RIG_NS_PER_S);
	return 0;
}

static void record_result(struct vb_state *st, const struct rig_seq_event *ev, int64_t now)
{
	struct vb_point *pt = &st->run->pt[ev->result.point];
	int i = ev->result.position - 1;
	if (i < 0 || i >= VB_MAX_POS)
		return;
	pt->n_results++;
	pt->have[i] = true;
	pt->res[i] = ev->result;
	pt->true_error_pct[i] = sim_bench_true_error(st->bench, ev->result.position, now);
	pt->end_s = rel_s(now);
	const struct rig_point *p = &st->cfg->profile->points[ev->result.point];
	pt->power_w[i] = vb_point_power_w(p, &st->plan.pos[i].model);
}

static int drain(struct vb_state *st, int64_t now, char *err, size_t len)
{
	struct rig_seq_event ev;
	while (rig_seq_next_event(st->seq, &ev)) {
		switch (ev.kind) {
		case RIG_EV_COMMAND:
			if (carry_out(st, &ev.cmd, now, err, len) < 0)
				return -1;
			break;
		case RIG_EV_POINT_STARTED:
			if (!st->run->pt[ev.point].started) {
				st->run->pt[ev.point].started = true;
				st->run->pt[ev.point].start_s = rel_s(now);
			}
			break;
		case RIG_EV_POINT_RESULT:
			record_result(st, &ev, now);
			break;
		case RIG_EV_RUN_DONE:
			st->run->state = ev.run_state;
			snprintf(st->run->reason, sizeof(st->run->reason), "%s", ev.reason);
			st->run->total_s = rel_s(now);
			st->done = true;
			break;
		case RIG_EV_PROGRESS:
		case RIG_EV_POINT_RETRY:	/* the final attempt's result follows */
		case RIG_EV_READING_WANTED:	/* no register points in these profiles */
			break;
		}
	}
	return 0;
}

static int setup(struct vb_state *st, char *err, size_t len)
{
	const struct vb_config *cfg = st->cfg;
	struct sim_bench_cfg bc;
	sim_bench_cfg_init(&bc);
	bc.n_positions = cfg->n_positions;
	bc.settle_s = cfg->fixture.settle_s;
	bc.seed = cfg->seed;
	bc.start_ns = START_NS;
	st->plan.profile = cfg->profile;
	st->plan.fixture = &cfg->fixture;
	for (int p = 0; p < cfg->n_positions; p++) {
		struct rig_error e = { 0 };
		struct rig_meter_model m;
		if (rig_model_decode(cfg->meter[p].model, &m, &e) < 0) {
			snprintf(err, len, "%s: %s", cfg->meter[p].model, e.msg);
			return -1;
		}
		struct sim_meter_cfg *mc = &bc.pos[p].meter;
		mc->model = m;
		snprintf(mc->serial, sizeof(mc->serial), "VB%06llu-%d", (unsigned long long)cfg->seed, p + 1);
		mc->error = cfg->meter[p].error;
		mc->update_period_s = cfg->meter[p].update_s;
		mc->jitter_sigma_s = cfg->meter[p].jitter_s;
		mc->duty = 0.5;
		mc->source_phase[0] = cfg->fixture.source_phase[0];
		mc->source_phase[1] = cfg->fixture.source_phase[1];
		mc->injection = cfg->fixture.injection;
		mc->turns = cfg->fixture.turns;
		st->plan.pos[p].present = true;
		snprintf(st->plan.pos[p].serial, sizeof(st->plan.pos[p].serial), "%s", mc->serial);
		st->plan.pos[p].model = m;
	}
	sim_bench_cfg_layout(&bc, 0, 8);
	st->bench = sim_bench_new(&bc);
	st->seq = rig_seq_new();
	st->link.fd = eventfd(1, EFD_NONBLOCK);
	if (!st->bench || !st->seq || st->link.fd < 0) {
		snprintf(err, len, "out of memory or file descriptors");
		return -1;
	}
	st->link.bench = st->bench;
	st->link.now_ns = START_NS;
	st->link.ref_error_rel = cfg->ref_error_rel;
	st->link.ref_error_z = cfg->ref_error_z;
	st->link.fix = &cfg->fixture;
	st->tr.ops = &link_ops;
	st->tr.priv = &st->link;
	pthread_mutex_init(&st->tr.write_lock, NULL);
	snprintf(st->tr.spec, sizeof(st->tr.spec), "vbench:");
	struct rig_error e = { 0 };
	st->src = source_new("scpi6100", &st->tr, 2.0, &e);
	if (!st->src) {
		snprintf(err, len, "source: %s", e.msg);
		return -1;
	}
	st->link.lines = 0;
	return 0;
}

static void teardown(struct vb_state *st)
{
	if (st->src) {
		st->src->ops->close(st->src);
		free(st->src);
	}
	rig_seq_free(st->seq);
	sim_bench_free(st->bench);
	if (st->link.fd >= 0)
		close(st->link.fd);
	pthread_mutex_destroy(&st->tr.write_lock);
}

static int loop(struct vb_state *st, char *err, size_t len)
{
	struct rig_error e = { 0 };
	int64_t now = START_NS;
	if (rig_seq_start(st->seq, &st->plan, now, &e) < 0) {
		snprintf(err, len, "plan refused: %s", e.msg);
		return -1;
	}
	while (!st->done) {
		if (drain(st, now, err, len) < 0)
			return -1;
		if (st->done)
			break;
		int64_t next = now + STEP_NS;
		int64_t dl = rig_seq_next_deadline(st->seq);
		if (dl < next)
			next = dl;
		if (st->cmd_pending && st->cmd_done_ns < next)
			next = st->cmd_done_ns;
		if (next <= now)
			next = now + 1000;	/* a deadline already due: tick just after */
		if (sim_bench_advance(st->bench, next, on_edge, st) < 0) {
			snprintf(err, len, "simulator out of memory");
			return -1;
		}
		now = next;
		if (st->cmd_pending && now >= st->cmd_done_ns) {
			st->cmd_pending = false;
			rig_seq_command_done(st->seq, now, st->cmd_result.ok, st->cmd_result.error,
					     st->cmd_result.power_w);
		}
		rig_seq_tick(st->seq, now);
		if (now - START_NS > RUN_LIMIT_NS) {
			snprintf(err, len, "run did not end in 48 h of virtual time");
			return -1;
		}
	}
	return 0;
}

int vb_run(const struct vb_config *cfg, struct vb_run *run, char *err, size_t len)
{
	static struct vb_state st;	/* large (the sequencer's gates live elsewhere) */
	memset(&st, 0, sizeof(st));
	memset(run, 0, sizeof(*run));
	st.cfg = cfg;
	st.run = run;
	st.link.fd = -1;
	int rc = setup(&st, err, len);
	if (rc == 0)
		rc = loop(&st, err, len);
	teardown(&st);
	return rc;
}

/* --- the bench without the sequencer (other methods) ---------------------- */

struct vb_bench {
	struct vb_state st;
	struct vb_run run;
	int64_t now;
};

struct vb_bench *vb_bench_open(const struct vb_config *cfg, char *err, size_t len)
{
	struct vb_bench *vb = calloc(1, sizeof(*vb));
	if (!vb) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	vb->st.cfg = cfg;
	vb->st.run = &vb->run;
	vb->st.link.fd = -1;
	vb->now = START_NS;
	if (setup(&vb->st, err, len) < 0) {
		vb_bench_close(vb);
		return NULL;
	}
	return vb;
}

void vb_bench_close(struct vb_bench *vb)
{
	if (!vb)
		return;
	teardown(&vb->st);
	free(vb);
}

double vb_bench_now_s(const struct vb_bench *vb)
{
	return rel_s(vb->now);
}

int vb_bench_advance(struct vb_bench *vb, double until_s, sim_edge_fn fn, void *ctx)
{
	int64_t until = START_NS + (int64_t)llround(until_s * RIG_NS_PER_S);
	if (until <= vb->now)
		return 0;
	int rc = sim_bench_advance(vb->st.bench, until, fn, ctx);
	vb->now = until;
	return rc;
}

int vb_bench_cmd(struct vb_bench *vb, const struct rig_cmd *cmd, struct source_result *ret,
		 char *err, size_t len)
{
	if (carry_out(&vb->st, cmd, vb->now, err, len) < 0)
		return -1;
	*ret = vb->st.cmd_result;
	vb->st.cmd_pending = false;
	int64_t done = vb->st.cmd_done_ns;
	if (done > vb->now && sim_bench_advance(vb->st.bench, done, NULL, NULL) < 0)
		return -1;
	if (done > vb->now)
		vb->now = done;
	return ret->ok ? 0 : -1;
}

double vb_bench_true_error(const struct vb_bench *vb, int position)
{
	return sim_bench_true_error(vb->st.bench, position, vb->now);
}
