#include "tests/bench/valbench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/fixture.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"
#include "rig/core/refspec.h"
#include "rig/core/seqno.h"

const char *const val_profile_names[VAL_PROFILES] = {"production", "ansi-c12.1"};
const char *const val_model_names[VAL_MODELS] = {"MMS-120-2001", "MMD-120-2001"};

#define START_NS (1000 * RIG_NS_PER_S)
#define RUN_LIMIT_S (4 * 3600.0)
#define EDGE_READ_LATENCY_S 300e-6	/* interrupt to the shell's read */
#define PROBE_S 1.0			/* rigd reads its gpiod input empty once a second */
#define RATED_A 200.0			/* both models: 200 A primary */
#define LINE_V 120.0

/* --- drawing the points --------------------------------------------------- */

static double band_for(double pf)
{
	return pf < 1 ? 0.75 : 0.5;	/* guide 2.2 */
}

static double kh10_interval_s(double watts)
{
	return 5.0 * 3600 / watts;	/* Kh 10 at 50 % duty: an edge per 5 Wh */
}

static void draw_meter(struct im_rng *r, enum val_set set, double pf, double tau_s,
		       double window_s, struct val_meter *m)
{
	memset(m, 0, sizeof(*m));
	if (set == VAL_NEAR_BAND) {
		double sign = im_uniform(r) < 0.5 ? -1 : 1;
		m->error_pct = sign * (band_for(pf) + im_between(r, -0.2, 0.2));
	} else {
		m->error_pct = im_between(r, -1.5, 1.5);
	}
	/* Update periods: the line cycle (what a fixture would declare) and
	 * its usual fractions, and anything from 1 to 50 ms. */
	double u = im_uniform(r);
	if (u < 0.2)
		m->update_s = 1.0 / 60;
	else if (u < 0.3)
		m->update_s = (const double[]){1.0 / 120, 1.0 / 240, 0.001}[(int)(im_uniform(r) * 3) % 3];
	else
		m->update_s = im_between(r, 0.001, 0.050);
	m->jitter_s = im_log_between(r, 20e-6, 300e-6);
	m->rise_s = im_log_between(r, 5e-6, 1500e-6);
	m->fall_s = im_log_between(r, 5e-6, 1500e-6);
	if (im_uniform(r) < 0.3) {
		m->loss = im_uniform(r) < 0.5 ? VAL_LOSS_ANYWHERE : VAL_LOSS_AFTER_FIRST;
		m->loss_at_s = im_between(r, 0, window_s);
		m->loss_k = (const int[]){1, 2, 2, 3}[(int)(im_uniform(r) * 4) % 4];
		m->loss_other = im_uniform(r) < 0.5;
		m->loss_other_at_s = im_between(r, 0, window_s);
	}
	(void)tau_s;
}

void val_draw_run(enum val_set set, uint64_t seed, int i, struct val_run_cfg *c)
{
	struct im_rng r;
	im_rng_seed(&r, seed * 1000003 + (uint64_t)set * 100000 + (uint64_t)i);
	memset(c, 0, sizeof(*c));
	c->set = set;
	c->seed = seed * 7919 + (uint64_t)set * 1000000 + (uint64_t)i;
	c->profile = im_uniform(&r) < 0.5 ? 0 : 1;
	c->model = im_uniform(&r) < 0.5 ? 0 : 1;
	int k = (int)(im_uniform(&r) * 3) % 3;
	c->pf = k == 0 ? 1 : 0.5;
	c->lead = k == 2;
	if (c->model == 0) {
		c->elements = 1;
	} else {
		double u = im_uniform(&r);
		c->elements = u < 0.25 ? 1 : u < 0.5 ? 2 : 3;
	}
	int n_el = c->elements == 3 ? 2 : 1;
	/* 2 A (where the guide's accuracy starts) to rated current. */
	double lo = fmax(120, LINE_V * 2 * c->pf * n_el);
	double hi = fmin(48000, LINE_V * RATED_A * c->pf * n_el);
	c->power_w = im_log_between(&r, lo, hi);
	c->n_pos = im_uniform(&r) < 0.7 ? 1 : 2 + (int)(im_uniform(&r) * 3) % 3;
	double tau = kh10_interval_s(c->power_w);
	double window = 10 + fmin(600, 4 * tau + 30);
	for (int p = 0; p < c->n_pos; p++)
		draw_meter(&r, set, c->pf, tau, window, &c->m[p]);
	for (int ph = 0; ph < 3; ph++)
		c->ref_z[ph] = im_normal(&r);
	/* The fixture's update period: as fixtures/sim.conf declares it (one
	 * line cycle), left out (the rig's default), or the first meter's own. */
	double u = im_uniform(&r);
	c->declared_s = u < 0.4 ? 1.0 / 60 : u < 0.7 ? -1 : c->m[0].update_s;
	/* VALBENCH_DECLARE_TRUE=1, for diagnosis only (never for the GOAL
	 * lines): every fixture declares the first meter's true period, to
	 * show what the conservative declarations cost */
	if (getenv("VALBENCH_DECLARE_TRUE") && *getenv("VALBENCH_DECLARE_TRUE") == '1')
		c->declared_s = c->m[0].update_s;
	c->reply_s = set == VAL_SLOW ? im_between(&r, 0.5, 1.5) : im_between(&r, 0.03, 0.3);
	c->cmd_s = im_between(&r, 0.05, 0.3);
	c->ramp_s = im_between(&r, 0.2, 3);
}

/* --- profile and fixture, through the rig's parsers ----------------------- */

static char *read_text(const char *rel, char *err, size_t len)
{
	const char *top = getenv("RIG_TOP");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : ".", rel);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, len, "cannot open %s", path);
		return NULL;
	}
	char *buf = calloc(1, 1 << 16);
	size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The profile's [profile] and [defaults], without its points. */
static const char *profile_head(int profile, char *err, size_t len)
{
	static char *head[VAL_PROFILES];
	if (head[profile])
		return head[profile];
	char rel[64];
	snprintf(rel, sizeof(rel), "profiles/%s.profile", val_profile_names[profile]);
	char *t = read_text(rel, err, len);
	if (!t)
		return NULL;
	for (char *p = t; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, "[point", 6) == 0) {
			*p = '\0';
			break;
		}
	head[profile] = t;
	return t;
}

static int build_profile(const struct val_run_cfg *c, double max_gate_s, struct rig_profile *ret,
			 char *err, size_t len)
{
	const char *head = profile_head(c->profile, err, len);
	if (!head)
		return -1;
	int n_el = c->elements == 3 ? 2 : 1;
	double amps = c->power_w / (LINE_V * c->pf * n_el);
	static char text[1 << 17];
	int n = snprintf(text, sizeof(text),
			 "%s\n[point validation]\nkind = accuracy\ncurrent = %.6f A\n"
			 "pf = %s\nband = %.2f %%\nelements = %s\n",
			 head, amps, c->pf < 1 ? (c->lead ? "0.5 lead" : "0.5 lag") : "1.0",
			 band_for(c->pf), c->elements == 3 ? "all" : c->elements == 2 ? "2" : "1");
	if (max_gate_s > 0)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "max_gate = %.0f s\n", max_gate_s);
	struct rig_error e = {0};
	if (rig_profile_parse(text, (size_t)n, "validation.profile", ret, &e) < 0) {
		snprintf(err, len, "profile: %s", e.msg);
		return -1;
	}
	return 0;
}

/* fixtures/sim.conf with the run's update_period line, parsed by the rig;
 * the specification it names is loaded as rig_fixture_load does. */
static int build_fixture(const struct val_run_cfg *c, struct rig_fixture *ret, char *err, size_t len)
{
	static char *base;
	if (!base && !(base = read_text("fixtures/sim.conf", err, len)))
		return -1;
	static char text[1 << 16];
	size_t n = 0;
	for (const char *p = base; *p && n + 200 < sizeof(text);) {
		const char *end = strchr(p, '\n');
		size_t l = end ? (size_t)(end - p) + 1 : strlen(p);
		if (strncmp(p, "update_period", 13) != 0) {
			memcpy(text + n, p, l);
			n += l;
		}
		if (strncmp(p, "[edges]", 7) == 0 && c->declared_s >= 0)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "update_period = %.4f ms\n",
					      c->declared_s * 1e3);
		p += l;
	}
	text[n] = '\0';
	struct rig_error e = {0};
	if (rig_fixture_parse(text, n, "fixtures/sim.conf", ret, &e) < 0) {
		snprintf(err, len, "fixture: %s", e.msg);
		return -1;
	}
	/* the independent meter drives the isolated outputs only: the counter
	 * and the LEDs it lacks are left unwired rather than read as dead */
	for (int p = 0; p < RIG_MAX_POSITIONS; p++) {
		ret->pos[p][RIG_SIG_COUNTER].line = -1;
		ret->pos[p][RIG_SIG_POWER_LED].line = -1;
		ret->pos[p][RIG_SIG_LOAD_LED].line = -1;
	}
	if (ret->ref_spec_file[0]) {
		char rel[300];
		snprintf(rel, sizeof(rel), "fixtures/%s", ret->ref_spec_file);
		char *spec = read_text(rel, err, len);
		if (!spec)
			return -1;
		int rc = rig_ref_spec_parse(spec, strlen(spec), rel, &ret->ref_spec, &e);
		free(spec);
		if (rc < 0) {
			snprintf(err, len, "specification: %s", e.msg);
			return -1;
		}
		ret->have_ref_spec = true;
	}
	return 0;
}

/* The reference's relative standard uncertainty for one phase, read off the
 * data sheet: % of reading + floor on the smallest range that holds the
 * reading, divided by the sheet's coverage factor; a product of voltage and
 * current adds their relative terms in quadrature. */
static double sheet_rel(const struct rig_ref_spec *s, enum rig_ref_quantity q, double x)
{
	for (int i = 0; i < s->n[q]; i++)
		if (x <= s->range[q][i].upper && x > 0)
			return (s->range[q][i].pct / 100 + s->range[q][i].floor / x) /
			       (s->coverage_factor > 0 ? s->coverage_factor : 2);
	return -1;
}

static double phase_ref_rel(const struct rig_fixture *f, double volts, double amps, double watts)
{
	if (!f->have_ref_spec)
		return f->ref_u_pct / 2 / 100;
	double v = sheet_rel(&f->ref_spec, RIG_REF_VOLTAGE, volts);
	double i = sheet_rel(&f->ref_spec, RIG_REF_CURRENT, amps);
	double w = sheet_rel(&f->ref_spec, RIG_REF_POWER, fabs(watts));
	double vi = v >= 0 && i >= 0 ? sqrt(v * v + i * i) : 0;
	return fmax(vi, w);
}

/* --- the physical limit --------------------------------------------------- */

/* The least bench time in which this meter's own Kh 10 edges can carry the
 * evidence the point needs, with its true update period and jitter:
 *
 *   limit = settle + n tau
 *
 * tau is the time between edges, (Kh/2) 3600 / P_registered. Each edge
 * timestamp is off by the jitter (sigma_j) and late by the update
 * quantization, uniform in [0, q) and independent from edge to edge when
 * tau is not a multiple of q: standard deviation q / sqrt(12). The time
 * between two edges, S, then has sigma_S = sqrt(2 (sigma_j^2 + q^2 / 12));
 * the delays cancel between edges of one direction. The registration's
 * relative standard uncertainty is sqrt(u_ref^2 + (sigma_S / S)^2), u_ref the
 * reference's from its data sheet at the point's reading, so the
 * shortest span whose expanded (k = 2) uncertainty reaches the target U_t is
 *
 *   S = sigma_S / sqrt((U_t / 2)^2 - u_ref^2)
 *
 * and n is the least whole number of intervals covering S, the profile's
 * min_edges - 1 and min_gate. settle is the larger of the point's and the
 * fixture's (the source is not settled before). The first edge is assumed
 * at the very end of settling; a random phase costs tau / 2 on average
 * (reported beside the ratio, not in it). */
static double limit_s(const struct rig_point *pt, const struct rig_fixture *f,
		      const struct val_meter *m, double registered_w, double u_ref)
{
	double tau = kh10_interval_s(registered_w);
	double sigma_s = sqrt(2 * (m->jitter_s * m->jitter_s + m->update_s * m->update_s / 12));
	double half_u = pt->target_u_pct / 2 / 100;
	double span = half_u > u_ref ? sigma_s / sqrt(half_u * half_u - u_ref * u_ref) : INFINITY;
	double n = ceil(span / tau - 1e-9);
	n = fmax(n, pt->min_edges - 1);
	n = fmax(n, ceil(pt->min_gate_s / tau - 1e-9));
	return fmax(pt->settle_s, f->settle_s) + n * tau;
}

/* --- the shell: rigd's part, in virtual time ------------------------------ */

struct val_pos_state {
	double settle_end_s;		/* estimate: when the source settled for the point */
	int after_settle;		/* Kh 10 events since then */
	bool dropped, dropped_other;
	int n_drops;
	double drop_s[8];
	int retries;
	bool have;
	double true_w;			/* true primary watts at the last power reading */
	double result_s;
	double *kh10_s;			/* timestamps of the Kh 10 edges delivered */
	int n_kh10, cap_kh10;
	int n_kh10_at_result;		/* of them, delivered before the final result */
	struct rig_point_result res;
};

struct val_shell {
	const struct val_run_cfg *c;
	struct rig_profile prof;
	struct rig_fixture fix;
	struct rig_run_plan plan;
	struct rig_seq *seq;
	struct im_bench *bench;
	double now;
	bool cmd_pending;
	struct rig_cmd cmd;
	double cmd_issued, cmd_done;
	bool done;
	enum rig_run_state state;
	double started_s, last_result_s;
	struct val_pos_state pos[IM_MAX_POS];
	double ref_u_rel;		/* the reference's data-sheet figure at the last setpoint */
	struct rig_seqno seqno;		/* rigd's bookkeeping of the request's numbers */
	bool loss_unshown;		/* an event was dropped and no later one came yet */
	double next_probe;
};

static int64_t ns_of(double s)
{
	return START_NS + llround(s * RIG_NS_PER_S);
}

static double cmd_time(const struct val_shell *sh, enum rig_cmd_kind k)
{
	return k == RIG_CMD_READ_POWER ? sh->c->reply_s : sh->c->cmd_s;
}

/* VALBENCH_TRACE=SEED: what the shell does in that run, on stderr. */
static bool tracing(const struct val_shell *sh)
{
	static const char *t;
	static bool read;
	if (!read) {
		t = getenv("VALBENCH_TRACE");
		read = true;
	}
	return t && strtoull(t, NULL, 10) == sh->c->seed;
}

static void drain(struct val_shell *sh)
{
	struct rig_seq_event ev;
	while (rig_seq_next_event(sh->seq, &ev)) {
		int i = ev.result.position - 1;
		if (tracing(sh) && ev.kind != RIG_EV_PROGRESS)
			fprintf(stderr, "%10.4f seq event %d cmd %d pos %d verdict %d %s\n", sh->now, ev.kind,
				ev.cmd.kind, ev.result.position, ev.result.verdict, ev.result.detail);
		switch (ev.kind) {
		case RIG_EV_COMMAND:
			sh->cmd_pending = true;
			sh->cmd = ev.cmd;
			sh->cmd_issued = sh->now;
			sh->cmd_done = sh->now + cmd_time(sh, ev.cmd.kind);
			if (ev.cmd.kind == RIG_CMD_OUTPUT_OFF)	/* off at once: safety */
				im_source_output(sh->bench, sh->now, false);
			break;
		case RIG_EV_POINT_STARTED:
			if (sh->started_s < 0)
				sh->started_s = sh->now;
			break;
		case RIG_EV_POINT_RETRY:
			if (i >= 0 && i < IM_MAX_POS)
				sh->pos[i].retries++;
			break;
		case RIG_EV_POINT_RESULT:
			if (i >= 0 && i < IM_MAX_POS) {
				sh->pos[i].have = true;
				sh->pos[i].res = ev.result;
				sh->pos[i].result_s = sh->now;
				sh->pos[i].n_kh10_at_result = sh->pos[i].n_kh10;
				sh->last_result_s = sh->now;
			}
			break;
		case RIG_EV_RUN_DONE:
			sh->done = true;
			sh->state = ev.run_state;
			break;
		case RIG_EV_PROGRESS:
		case RIG_EV_READING_WANTED:	/* no register points in these profiles */
			break;
		}
	}
}

static void source_settled_from(struct val_shell *sh, double t)
{
	const struct rig_point *pt = &sh->prof.points[0];
	for (int p = 0; p < sh->c->n_pos; p++) {
		sh->pos[p].settle_end_s = t + fmax(pt->settle_s, sh->fix.settle_s);
		sh->pos[p].after_settle = 0;
	}
}

/* The source's reading of each phase is off by its true error, drawn as a
 * number of data-sheet standard uncertainties at the new setpoint. */
static void reference_errors(struct val_shell *sh, const struct rig_cmd *cmd)
{
	double sum_w = 0, sum_u2 = 0;
	for (int k = 0; k < 2; k++) {
		int ph = cmd->sp.ph[k].phase;
		if (ph < 1 || ph > 3)
			continue;
		double v = cmd->sp.ph[k].voltage_v, a = cmd->sp.ph[k].current_a;
		double w = v * a * cos((cmd->sp.ph[k].current_angle_deg - cmd->sp.ph[k].voltage_angle_deg) * M_PI / 180);
		double u = a > 0 ? phase_ref_rel(&sh->fix, v, a, w) : 0;
		im_source_ref_error(sh->bench, ph, u * sh->c->ref_z[ph - 1]);
		sum_w += w;
		sum_u2 += (u * w) * (u * w);
	}
	if (sum_w > 0)
		sh->ref_u_rel = sqrt(sum_u2) / sum_w;
}

static void finish_command(struct val_shell *sh)
{
	const struct rig_cmd *cmd = &sh->cmd;
	double power = 0;
	switch (cmd->kind) {
	case RIG_CMD_APPLY:
		for (int ph = 1; ph <= 3; ph++)
			im_source_set(sh->bench, ph, 0, 0, 0, 0);
		for (int k = 0; k < 2; k++)
			if (cmd->sp.ph[k].phase > 0)
				im_source_set(sh->bench, cmd->sp.ph[k].phase, cmd->sp.ph[k].voltage_v,
					      cmd->sp.ph[k].voltage_angle_deg, cmd->sp.ph[k].current_a,
					      cmd->sp.ph[k].current_angle_deg);
		reference_errors(sh, cmd);
		im_source_apply(sh->bench, sh->now);
		source_settled_from(sh, sh->now);
		break;
	case RIG_CMD_OUTPUT_ON:
		im_source_output(sh->bench, sh->now, true);
		source_settled_from(sh, sh->now);
		break;
	case RIG_CMD_OUTPUT_OFF:
		break;
	case RIG_CMD_READ_POWER:
		/* the instrument samples half-way through its reply time */
		power = im_source_read_power(sh->bench, (sh->cmd_issued + sh->now) / 2);
		for (int p = 0; p < sh->c->n_pos; p++)
			sh->pos[p].true_w = im_meter_power(sh->bench, p, sh->now);
		break;
	}
	sh->cmd_pending = false;
	rig_seq_command_done(sh->seq, ns_of(sh->now), true, "", power);
}

/* The kernel FIFO overflows: does this event get lost? */
static bool dropped(struct val_shell *sh, const struct im_event *ev)
{
	const struct val_meter *m = &sh->c->m[ev->meter];
	struct val_pos_state *ps = &sh->pos[ev->meter];
	double t = (double)ev->edge.timestamp_ns / RIG_NS_PER_S;
	if (ev->output == 1 && m->loss_other && !ps->dropped_other && t >= m->loss_other_at_s) {
		ps->dropped_other = true;
		return true;
	}
	if (ev->output != 0 || m->loss == VAL_LOSS_NONE || ps->dropped)
		return false;
	bool drop = false;
	if (m->loss == VAL_LOSS_ANYWHERE)
		drop = t >= m->loss_at_s;
	else if (ps->settle_end_s > 0 && t >= ps->settle_end_s)
		drop = ++ps->after_settle == m->loss_k;
	if (drop) {
		ps->dropped = true;
		if (ps->n_drops < 8)
			ps->drop_s[ps->n_drops++] = t;
	}
	return drop;
}

/* As rigd hands edges over (rig/rigd/run.c, edge_event): the request's
 * sequence numbers checked first, a global gap beyond the line's own goes
 * to the sequencer as a loss on a line not known yet, then the edge is
 * routed by the fixture, its own line's gap reported just before it. */
static void deliver(struct val_shell *sh, struct im_event *ev)
{
	im_take(sh->bench, ev);
	bool lost = dropped(sh, ev);
	if (tracing(sh))
		fprintf(stderr, "%10.4f edge pos %d out %d %s ts %.4f g %llu l %llu%s\n", sh->now,
			ev->meter + 1, ev->output, ev->edge.kind == RIG_EDGE_RISING ? "R" : "F",
			(double)ev->edge.timestamp_ns / 1e9, (unsigned long long)ev->edge.global_seqno,
			(unsigned long long)ev->edge.line_seqno, lost ? " DROPPED" : "");
	if (lost) {
		sh->loss_unshown = true;
		return;
	}
	sh->loss_unshown = false;	/* this event's numbers show the gap */
	struct rig_seqno_report rep;
	uint64_t lost_here = 0;
	if (rig_seqno_check(&sh->seqno, &ev->edge, &rep) == RIG_SEQNO_GAP) {
		if (rep.lost_global > rep.lost_line)
			rig_seq_lost(sh->seq, 0, RIG_SIG_KH10, rep.lost_global - rep.lost_line);
		lost_here = rep.lost_line;
	}
	struct rig_edge e = ev->edge;
	struct val_pos_state *ps = &sh->pos[ev->meter];
	if (ev->output == 0) {
		if (ps->n_kh10 == ps->cap_kh10) {
			int cap = ps->cap_kh10 ? 2 * ps->cap_kh10 : 256;
			double *t = realloc(ps->kh10_s, (size_t)cap * sizeof(double));
			if (!t)
				abort();	/* the harness out of memory */
			ps->kh10_s = t;
			ps->cap_kh10 = cap;
		}
		ps->kh10_s[ps->n_kh10++] = (double)e.timestamp_ns / RIG_NS_PER_S;
	}
	e.timestamp_ns += START_NS;
	int position;
	enum rig_signal sig;
	/* as rigd: every routed edge goes to the sequencer, after its own
	 * line's gap */
	if (rig_fixture_route(&sh->fix, (int)e.line, &position, &sig) == 0) {
		if (lost_here)
			rig_seq_lost(sh->seq, position, sig, lost_here);
		rig_seq_edge(sh->seq, position, sig, &e);
	}
}

/* rigd's once-a-second look at a gpiod input: read empty, every edge up to
 * now is in or shown lost (rig_seq_edges_complete). The kernel drops the
 * oldest queued event only when a newer one arrives into a full FIFO, so
 * a lost event is always followed by a queued one that shows the gap, and
 * no read comes up empty in between: the model, which drops an event on
 * its own, gives no such proof until the next event has come. */
static void probe(struct val_shell *sh)
{
	sh->next_probe = sh->now + PROBE_S;
	if (tracing(sh) && sh->loss_unshown)
		fprintf(stderr, "%10.4f probe: no proof (a loss not shown yet)\n", sh->now);
	if (!sh->loss_unshown)
		rig_seq_edges_complete(sh->seq, ns_of(sh->now));
}

static int loop(struct val_shell *sh, char *err, size_t len)
{
	struct rig_error e = {0};
	if (rig_seq_start(sh->seq, &sh->plan, ns_of(0), &e) < 0) {
		snprintf(err, len, "plan refused: %s", e.msg);
		return -1;
	}
	while (!sh->done) {
		drain(sh);
		if (sh->done)
			break;
		int64_t dl = rig_seq_next_deadline(sh->seq);
		double next = dl == INT64_MAX ? INFINITY : (double)(dl - START_NS) / RIG_NS_PER_S;
		if (sh->cmd_pending && sh->cmd_done < next)
			next = sh->cmd_done;
		struct im_event ev;
		double edge_at = INFINITY;
		if (im_peek(sh->bench, &ev))
			edge_at = (double)ev.edge.timestamp_ns / RIG_NS_PER_S + EDGE_READ_LATENCY_S;
		if (edge_at < next)
			next = edge_at;
		if (sh->next_probe < next)
			next = sh->next_probe;
		if (!(next < RUN_LIMIT_S)) {
			snprintf(err, len, "run did not end in %.0f s of virtual time", RUN_LIMIT_S);
			return -1;
		}
		if (next <= sh->now)
			next = sh->now + 1e-6;	/* a deadline already due: tick just after */
		sh->now = next;
		if (edge_at <= next)
			deliver(sh, &ev);
		else if (sh->cmd_pending && sh->cmd_done <= next)
			finish_command(sh);
		else if (sh->next_probe <= next)
			probe(sh);
		rig_seq_tick(sh->seq, ns_of(sh->now));
	}
	return 0;
}

static int setup(struct val_shell *sh, char *err, size_t len)
{
	const struct val_run_cfg *c = sh->c;
	if (build_fixture(c, &sh->fix, err, len) < 0 || build_profile(c, 0, &sh->prof, err, len) < 0)
		return -1;
	/* room for 3 edges after a late first one at the lowest powers */
	double tau = kh10_interval_s(c->power_w * 0.98);
	double need = ceil((4.5 * tau + 60) / 10) * 10;
	if (sh->prof.points[0].max_gate_s < need && build_profile(c, need, &sh->prof, err, len) < 0)
		return -1;
	struct rig_meter_model model;
	struct rig_error e = {0};
	if (rig_model_decode(val_model_names[c->model], &model, &e) < 0) {
		snprintf(err, len, "model: %s", e.msg);
		return -1;
	}
	sh->plan.profile = &sh->prof;
	sh->plan.fixture = &sh->fix;
	struct im_bench_cfg bc = {0};
	bc.n_meters = c->n_pos;
	bc.element_phase[0] = sh->fix.source_phase[0];
	bc.element_phase[1] = sh->fix.source_phase[1];
	bc.ramp_s = c->ramp_s;
	bc.seed = c->seed;
	for (int p = 0; p < c->n_pos; p++) {
		sh->plan.pos[p].present = true;
		snprintf(sh->plan.pos[p].serial, sizeof(sh->plan.pos[p].serial), "VAL%llu-%d",
			 (unsigned long long)c->seed, p + 1);
		sh->plan.pos[p].model = model;
		struct im_meter_cfg *mc = &bc.meter[p];
		const struct val_meter *m = &c->m[p];
		mc->error = m->error_pct / 100;
		mc->update_s = m->update_s;
		mc->jitter_s = m->jitter_s;
		mc->rise_delay_s = m->rise_s;
		mc->fall_delay_s = m->fall_s;
		mc->elements = model.elements;
		mc->primary_per_source = model.ct_primary_a / model.ct_secondary_a;
		for (int j = 0; j < model.n_outputs && j < IM_MAX_OUT; j++) {
			enum rig_signal s = rig_signal_for_kh(model.outputs_kh[j]);
			if (s == RIG_SIG_COUNT || sh->fix.pos[p][s].line < 0)
				continue;
			mc->kh_wh[mc->n_outputs] = model.outputs_kh[j];
			mc->line[mc->n_outputs++] = (uint32_t)sh->fix.pos[p][s].line;
		}
		if (mc->n_outputs == 0 || mc->kh_wh[0] != 10) {
			snprintf(err, len, "fixture: no Kh 10 line at position %d", p + 1);
			return -1;
		}
	}
	/* The line request stays open between runs (rigd opens it once): its
	 * numbers carry on from earlier meters, and rigd has seen them. */
	rig_seqno_init(&sh->seqno);
	bc.global_base = 1000 + c->seed % 100000;
	for (int p = 0; p < c->n_pos; p++)
		for (int j = 0; j < bc.meter[p].n_outputs; j++) {
			bc.line_base[p][j] = 100 + (c->seed + 7 * (uint64_t)(p * IM_MAX_OUT + j)) % 1000;
			struct rig_edge before = {.timestamp_ns = 0, .global_seqno = ++bc.global_base,
						  .line_seqno = bc.line_base[p][j],
						  .line = bc.meter[p].line[j], .kind = RIG_EDGE_RISING};
			rig_seqno_check(&sh->seqno, &before, NULL);
		}
	sh->next_probe = PROBE_S;
	sh->seq = rig_seq_new();
	sh->bench = im_bench_new(&bc);
	if (!sh->seq || !sh->bench) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

/* The final gate's first and last edge: the pair of delivered Kh 10 edges
 * as far apart as the gate says (to a microsecond), the latest such pair
 * before the result. */
static bool gate_span(const struct val_pos_state *ps, double *from, double *to)
{
	double want = ps->res.gate.gate_s;
	for (int b = ps->n_kh10_at_result - 1; b > 0; b--)
		for (int a = b - 1; a >= 0 && ps->kh10_s[b] - ps->kh10_s[a] <= want + 1e-6; a--)
			if (fabs(ps->kh10_s[b] - ps->kh10_s[a] - want) <= 1e-6) {
				*from = ps->kh10_s[a];
				*to = ps->kh10_s[b];
				return true;
			}
	return false;
}

static void records(const struct val_shell *sh, struct val_rec *ret)
{
	const struct val_run_cfg *c = sh->c;
	const struct rig_point *pt = &sh->prof.points[0];
	double run_limit = 0, run_wait = 0;
	for (int p = 0; p < c->n_pos; p++) {
		double w = c->power_w * (1 + c->m[p].error_pct / 100);
		run_limit = fmax(run_limit, limit_s(pt, &sh->fix, &c->m[p], w, sh->ref_u_rel));
		run_wait = fmax(run_wait, kh10_interval_s(w) / 2);
	}
	for (int p = 0; p < c->n_pos; p++) {
		const struct val_pos_state *ps = &sh->pos[p];
		struct val_rec *r = &ret[p];
		memset(r, 0, sizeof(*r));
		r->run = *c;
		r->pos = p;
		r->have = ps->have;
		r->res = ps->res;
		r->band_pct = pt->band_pct;
		r->target_pct = pt->target_u_pct;
		r->true_power_w = ps->true_w > 0 ? ps->true_w : c->power_w;
		r->retries = ps->retries;
		r->drops_kh10 = ps->n_drops;
		r->bench_s = sh->last_result_s - sh->started_s;
		r->limit_s = run_limit;
		r->phase_wait_s = run_wait;
		r->declared_s = sh->fix.update_period_s;
		enum rig_verdict v = ps->res.verdict;
		/* A registration from edges (two or more; fewer is the dead-meter
		 * bound, counted on its own) over a span that held a drop. */
		bool measured = ps->have && ps->res.gate.edges_used >= 2 &&
				(v == RIG_VERDICT_PASS || v == RIG_VERDICT_FAIL ||
				 v == RIG_VERDICT_INDETERMINATE);
		double from, to;
		r->span_known = measured && gate_span(ps, &from, &to);
		if (r->span_known)
			for (int k = 0; k < ps->n_drops; k++)
				if (ps->drop_s[k] > from && ps->drop_s[k] < to)
				r->measured_through = true;
	}
}

int val_run(const struct val_run_cfg *cfg, struct val_rec *ret, char *err, size_t len)
{
	struct val_shell *sh = calloc(1, sizeof(*sh));
	if (!sh) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	sh->c = cfg;
	sh->started_s = -1;
	int rc = setup(sh, err, len);
	if (rc == 0)
		rc = loop(sh, err, len);
	if (rc == 0)
		records(sh, ret);
	for (int p = 0; p < IM_MAX_POS; p++)
		free(sh->pos[p].kh10_s);
	rig_seq_free(sh->seq);
	im_bench_free(sh->bench);
	free(sh);
	return rc;
}
