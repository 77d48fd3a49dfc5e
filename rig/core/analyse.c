/* Offline re-analysis: the run record of a recording walked through the
 * sequencer again. See analyse.h. */
#include "rig/core/analyse.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/fixture_lines.h"
#include "rig/core/recording.h"
#include "rig/core/sha256.h"

enum text_kind { TEXT_NONE, TEXT_PROFILE, TEXT_FIXTURE, TEXT_REFSPEC };

/* Text of the profile or fixture being collected from `t` lines. */
struct text_in {
	enum text_kind kind;
	size_t len, used;
	char sha256[65];
	char path[256];
	char *buf;
};

/* The run being read. */
struct cur_run {
	bool active;			/* selected and being replayed */
	bool skipping;			/* a run not asked for */
	int index;
	struct text_in text;
	struct rig_profile *profile;	/* as recorded, when its text was complete */
	struct rig_fixture *fixture;
	struct rig_run_plan plan;
	struct rig_seq *seq;
	bool replay_refused;
	/* judged again: the new sequencer's commands not yet matched with the
	 * live run's (each needs a completion, so a few at most) */
	char cmds[4][RIG_REC_MAX_LINE];
	int cmd_head, cmd_len;
	char line_names[RIG_REC_MAX_LINE];	/* meta lines: the chip's names on the bench */
};

struct rig_analysis {
	char name[200];
	struct rig_analysis_options opt;
	int line_no;
	int version;
	struct rig_an_run *runs;
	int n_runs, cap_runs;
	struct rig_an_point *points;
	int n_points, cap_points;
	struct cur_run cur;
	/* opt.fixture's own copy: its named lines get each run's recorded offsets */
	struct rig_fixture *fixture;
};

static void *grow(void *p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return p;
	int n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(p, (size_t)n * size);
	if (q)
		*cap = n;
	return q;
}

struct rig_analysis *rig_analysis_new(const char *name, const struct rig_analysis_options *opt)
{
	struct rig_analysis *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
	if (opt)
		a->opt = *opt;
	if (a->opt.fixture) {
		a->fixture = malloc(sizeof(*a->fixture));
		if (!a->fixture) {
			free(a);
			return NULL;
		}
		*a->fixture = *a->opt.fixture;
		a->opt.fixture = a->fixture;
	}
	a->version = 1;
	return a;
}

static void free_cur(struct cur_run *c)
{
	free(c->text.buf);
	free(c->profile);
	free(c->fixture);
	rig_seq_free(c->seq);
	memset(c, 0, sizeof(*c));
}

void rig_analysis_free(struct rig_analysis *a)
{
	if (!a)
		return;
	free_cur(&a->cur);
	free(a->runs);
	free(a->points);
	free(a->fixture);
	free(a);
}

int rig_analysis_n_runs(const struct rig_analysis *a) { return a->n_runs; }
const struct rig_an_run *rig_analysis_run(const struct rig_analysis *a, int i) { return &a->runs[i]; }
int rig_analysis_n_points(const struct rig_analysis *a) { return a->n_points; }
const struct rig_an_point *rig_analysis_point(const struct rig_analysis *a, int i) { return &a->points[i]; }

bool rig_an_run_exact(const struct rig_an_run *r)
{
	return !r->lacks[0] && r->started && !r->mismatch_line && !r->mismatch[0] && !r->rejudged &&
	       r->n_events == r->n_events_exact;
}

static struct rig_an_run *run_now(struct rig_analysis *a)
{
	return a->cur.active ? &a->runs[a->cur.index] : NULL;
}

static void lack(struct rig_an_run *r, const char *what)
{
	size_t n = strlen(r->lacks);
	snprintf(r->lacks + n, sizeof(r->lacks) - n, "%s%s", n ? "; " : "", what);
}

static void mismatch(struct rig_analysis *a, struct rig_an_run *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void mismatch(struct rig_analysis *a, struct rig_an_run *r, const char *fmt, ...)
{
	if (r->mismatch[0])
		return;	/* the first says where the replay went another way */
	r->mismatch_line = a->line_no;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->mismatch, sizeof(r->mismatch), fmt, ap);
	va_end(ap);
}

/* --- runs ------------------------------------------------------------------------ */

static struct rig_an_run *add_run(struct rig_analysis *a, const char *id, int version)
{
	struct rig_an_run *runs = grow(a->runs, &a->cap_runs, a->n_runs + 1, sizeof(*runs));
	if (!runs)
		return NULL;
	a->runs = runs;
	struct rig_an_run *r = &runs[a->n_runs];
	memset(r, 0, sizeof(*r));
	snprintf(r->run_id, sizeof(r->run_id), "%s", id);
	r->version = version;
	r->first_point = a->n_points;
	a->cur.index = a->n_runs++;
	a->cur.active = true;
	return r;
}

static void drain_rejudged(struct rig_analysis *a, struct rig_an_run *r);

static void close_run(struct rig_analysis *a)
{
	struct rig_an_run *r = run_now(a);
	if (r && a->cur.seq) {
		if (r->rejudged) {
			drain_rejudged(a, r);
		} else {
			struct rig_seq_event ev;
			int extra = 0;
			while (rig_seq_next_event(a->cur.seq, &ev) == 1)
				extra++;
			if (extra && r->ended && !r->ended_by_shell)
				mismatch(a, r, "the replay has %d event(s) more than the live run took",
					 extra);
		}
	}
	if (r && r->started && !r->ended)
		lack(r, "the recording ends before the run did (a crash, or a run still going)");
	if (r && !r->started && !r->lacks[0] && r->version >= 2)
		lack(r, "no sequencer start recorded");
	free_cur(&a->cur);
}

static bool selected(const struct rig_analysis *a, const char *id)
{
	return !a->opt.run_id || strcmp(a->opt.run_id, id) == 0;
}

static int begin_run(struct rig_analysis *a, const char *id, int version, struct rig_error *err)
{
	close_run(a);
	if (!selected(a, id)) {
		a->cur.skipping = true;
		return 0;
	}
	struct rig_an_run *r = add_run(a, id, version);
	if (!r)
		return rig_error_set(err, a->name, a->line_no, "out of memory");
	if (version < 2)
		lack(r, "a v1 recording holds edges and levels only: no profile or fixture text, no "
			"run plan, no setpoints, command completions, power read-backs, ticks or "
			"results, so the run cannot be walked again");
	return 0;
}

/* --- profile and fixture text ----------------------------------------------------- */

static int text_begin(struct rig_analysis *a, char **f, int n, struct rig_error *err)
{
	struct text_in *t = &a->cur.text;
	if (n != 5)
		return rig_error_set(err, a->name, a->line_no, "text needs 4 fields: KIND BYTES SHA256 PATH");
	if (t->kind != TEXT_NONE)
		return rig_error_set(err, a->name, a->line_no, "text before the previous one is complete");
	enum text_kind kind = strcmp(f[1], "profile") == 0   ? TEXT_PROFILE
			      : strcmp(f[1], "fixture") == 0 ? TEXT_FIXTURE
			      : strcmp(f[1], "refspec") == 0 ? TEXT_REFSPEC
							     : TEXT_NONE;
	char *end;
	unsigned long long len = strtoull(f[2], &end, 10);
	size_t n_path;
	if (kind == TEXT_NONE || *end || f[2][0] < '0' || f[2][0] > '9' || len > 16u << 20 ||
	    strlen(f[3]) != 64 || rig_rec_unescape(f[4], t->path, sizeof(t->path), &n_path) < 0)
		return rig_error_set(err, a->name, a->line_no, "bad text line");
	t->buf = malloc(len + 1);
	if (!t->buf)
		return rig_error_set(err, a->name, a->line_no, "out of memory");
	t->kind = kind;
	t->len = len;
	t->used = 0;
	snprintf(t->sha256, sizeof(t->sha256), "%s", f[3]);
	return 0;
}

static void text_complete(struct rig_analysis *a, struct rig_an_run *r)
{
	struct text_in *t = &a->cur.text;
	struct cur_run *c = &a->cur;
	char hex[65];
	t->buf[t->used] = '\0';
	rig_sha256_hex(t->buf, t->used, hex);
	const char *what = t->kind == TEXT_PROFILE   ? "profile"
			   : t->kind == TEXT_FIXTURE ? "fixture"
						     : "reference specification";
	char why[700];
	if (strcmp(hex, t->sha256) != 0) {
		snprintf(why, sizeof(why), "the %s text does not match its recorded SHA-256", what);
		lack(r, why);
	} else if (t->kind == TEXT_REFSPEC) {
		struct rig_error e = {0};
		if (!c->fixture)
			lack(r, "a reference specification without its fixture");
		else if (rig_fixture_use_spec(c->fixture, t->buf, t->used, t->path, &e) < 0) {
			snprintf(why, sizeof(why), "the recorded reference specification does not load: %.300s",
				 e.msg);
			lack(r, why);
		}
	} else if (t->kind == TEXT_PROFILE) {
		struct rig_error e = {0};
		c->profile = malloc(sizeof(*c->profile));
		if (!c->profile || rig_profile_parse(t->buf, t->used, t->path, c->profile, &e) < 0) {
			snprintf(why, sizeof(why), "the recorded profile does not load: %.300s", e.msg);
			lack(r, why);
			free(c->profile);
			c->profile = NULL;
		} else {
			snprintf(r->profile_name, sizeof(r->profile_name), "%s", c->profile->name);
			snprintf(r->profile_sha256, sizeof(r->profile_sha256), "%s", hex);
		}
	} else {
		struct rig_error e = {0};
		c->fixture = malloc(sizeof(*c->fixture));
		if (!c->fixture || rig_fixture_parse(t->buf, t->used, t->path, c->fixture, &e) < 0) {
			snprintf(why, sizeof(why), "the recorded fixture does not load: %.300s", e.msg);
			lack(r, why);
			free(c->fixture);
			c->fixture = NULL;
		} else {
			snprintf(r->fixture_name, sizeof(r->fixture_name), "%s", c->fixture->name);
			snprintf(r->fixture_sha256, sizeof(r->fixture_sha256), "%s", hex);
		}
	}
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static int text_chunk(struct rig_analysis *a, struct rig_an_run *r, const char *tok,
		      struct rig_error *err)
{
	struct text_in *t = &a->cur.text;
	char buf[RIG_REC_TEXT_CHUNK * 4 + 1];
	size_t n;
	if (t->kind == TEXT_NONE)
		return rig_error_set(err, a->name, a->line_no, "t line without a text line before it");
	if (rig_rec_unescape(tok, buf, sizeof(buf), &n) < 0)
		return rig_error_set(err, a->name, a->line_no, "bad escape in t line");
	if (t->used + n > t->len)
		return rig_error_set(err, a->name, a->line_no, "more text than its text line announced");
	memcpy(t->buf + t->used, buf, n);
	t->used += n;
	if (t->used == t->len)
		text_complete(a, r);
	return 0;
}

/* --- the replay ------------------------------------------------------------------ */

static int plan_line(struct rig_analysis *a, char **f, int n, struct rig_error *err)
{
	char model[64], serial[64];
	size_t len;
	char *end;
	long pos = n == 4 ? strtol(f[1], &end, 10) : 0;
	if (n != 4 || *end || pos < 1 || pos > RIG_MAX_POSITIONS ||
	    rig_rec_unescape(f[2], model, sizeof(model), &len) < 0 ||
	    rig_rec_unescape(f[3], serial, sizeof(serial), &len) < 0)
		return rig_error_set(err, a->name, a->line_no, "plan needs POSITION MODEL SERIAL");
	struct rig_seq_position *p = &a->cur.plan.pos[pos - 1];
	struct rig_error e = {0};
	if (rig_model_decode(model, &p->model, &e) < 0)
		return rig_error_set(err, a->name, a->line_no, "plan: model %s: %s", model, e.msg);
	p->present = true;
	snprintf(p->serial, sizeof(p->serial), "%s", serial);
	return 0;
}

static void start_replay(struct rig_analysis *a, struct rig_an_run *r, int64_t now)
{
	struct cur_run *c = &a->cur;
	if (c->text.kind != TEXT_NONE)
		lack(r, "the profile or fixture text is incomplete");
	if (!c->profile && !a->opt.profile)
		lack(r, "no profile text");
	if (!c->fixture && !a->opt.fixture)
		lack(r, "no fixture text");
	if (c->fixture && !a->opt.fixture && c->fixture->ref_spec_file[0] && !c->fixture->have_ref_spec)
		lack(r, "no text of the reference specification the fixture names");
	r->rejudged = a->opt.profile || a->opt.fixture;
	/* Edges carry offsets: a fixture that names lines routes them with
	 * the names' offsets the bench recorded. */
	struct rig_error ne = {0};
	if (a->opt.fixture && rig_fixture_has_named_lines(a->opt.fixture) &&
	    rig_fixture_resolve_from_names(a->fixture, c->line_names, &ne) < 0) {
		char why[700], buf[600];
		snprintf(why, sizeof(why), "the fixture's lines by name cannot be placed on the recorded "
			 "edges: %s", rig_error_format(&ne, buf, sizeof(buf)));
		lack(r, why);
		return;
	}
	if (r->lacks[0] && !r->rejudged)
		return;
	if ((!c->profile && !a->opt.profile) || (!c->fixture && !a->opt.fixture))
		return;
	c->plan.profile = a->opt.profile ? a->opt.profile : c->profile;
	c->plan.fixture = a->opt.fixture ? a->opt.fixture : c->fixture;
	c->seq = rig_seq_new();
	struct rig_error e = {0};
	if (!c->seq || rig_seq_start(c->seq, &c->plan, now, &e) < 0) {
		char buf[800];
		mismatch(a, r, "the live run started, the replay was refused: %s",
			 rig_error_format(&e, buf, sizeof(buf)));
		rig_seq_free(c->seq);
		c->seq = NULL;
		return;
	}
	r->started = true;
}

static const char *point_name(const struct rig_analysis *a, int point)
{
	const struct rig_profile *p = a->cur.plan.profile ? a->cur.plan.profile : a->cur.profile;
	return p && point >= 0 && point < p->n_points ? p->points[point].name : "?";
}

static struct rig_an_point *find_row(struct rig_analysis *a, struct rig_an_run *r, const char *name,
				     int position, int attempt, bool old_side)
{
	for (int i = r->first_point; i < a->n_points; i++) {
		struct rig_an_point *p = &a->points[i];
		if (strcmp(p->name, name) == 0 && p->position == position && p->attempt == attempt &&
		    (old_side ? !p->has_old : !p->has_new))
			return p;
	}
	return NULL;
}

static struct rig_an_point *add_row(struct rig_analysis *a, struct rig_an_run *r)
{
	struct rig_an_point *pts = grow(a->points, &a->cap_points, a->n_points + 1, sizeof(*pts));
	if (!pts)
		return NULL;
	a->points = pts;
	struct rig_an_point *p = &pts[a->n_points++];
	memset(p, 0, sizeof(*p));
	p->run = a->cur.index;
	r->n_points = a->n_points - r->first_point;
	return p;
}

static void new_result(struct rig_an_point *p, const struct rig_seq_event *ev)
{
	p->has_new = true;
	p->replayed = ev->result;
	p->new_verdict = ev->result.verdict;
}

/* NAN when the field is missing: "not stated" must not read as 0 (a
 * missing U would look perfectly precise). */
static double field_double(const char *line, const char *key)
{
	char v[64];
	return rig_rec_field(line, key, v, sizeof(v)) < 0 ? NAN : strtod(v, NULL);
}

static int field_int(const char *line, const char *key)
{
	char v[32];
	return rig_rec_field(line, key, v, sizeof(v)) < 0 ? -1 : atoi(v);
}

/* A recorded result or retry line becomes (or joins) a row. */
static struct rig_an_point *old_result(struct rig_analysis *a, struct rig_an_run *r,
				       const char *line, bool rejudge)
{
	int point = field_int(line, "point");
	int position = field_int(line, "position");
	int attempt = field_int(line, "attempt");
	char verdict[32];
	/* The recorded result counts points in the recorded profile. */
	const struct rig_profile *prof = a->cur.profile;
	const char *name = !prof ? point_name(a, point)
			   : point >= 0 && point < prof->n_points ? prof->points[point].name
								  : "?";
	struct rig_an_point *p = rejudge ? find_row(a, r, name, position, attempt, true) : NULL;
	if (!p && !(p = add_row(a, r)))
		return NULL;
	p->point = point;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->position = position;
	p->attempt = attempt;
	p->retry = strncmp(line, "ev retry", 8) == 0;
	p->line_no = a->line_no;
	p->has_old = true;
	p->old_verdict = RIG_VERDICT_ERROR;
	if (rig_rec_field(line, "verdict", verdict, sizeof(verdict)) == 0)
		rig_verdict_parse(verdict, &p->old_verdict);
	p->old_error_pct = field_double(line, "error_pct");
	p->old_u_pct = field_double(line, "u_pct");
	return p;
}

static bool is_result(const char *line)
{
	return strncmp(line, "ev result ", 10) == 0 || strncmp(line, "ev retry ", 9) == 0;
}

/* Exact replay: the event the daemon took here is the next one in the queue. */
static void event_exact(struct rig_analysis *a, struct rig_an_run *r, const char *line)
{
	struct rig_seq_event ev;
	char mine[RIG_REC_MAX_LINE];
	bool have = a->cur.seq && rig_seq_next_event(a->cur.seq, &ev) == 1;
	if (have && rig_rec_format_event(mine, sizeof(mine), &ev) < 0)
		snprintf(mine, sizeof(mine), "(event too long to format)");
	bool equal = have && strcmp(mine, line) == 0;
	r->n_events++;
	r->n_events_exact += equal;
	if (!equal)
		mismatch(a, r, "recorded: %.250s\n    replay:   %.250s", line,
			 have ? mine : "(no event)");
	if (strncmp(line, "ev done ", 8) == 0) {
		r->ended = true;
		char st[32];
		if (rig_rec_field(line, "state", st, sizeof(st)) == 0)
			snprintf(r->end_state, sizeof(r->end_state), "%s", st);
	}
	if (!is_result(line))
		return;
	struct rig_an_point *p = old_result(a, r, line, false);
	if (!p)
		return;
	if (have && (ev.kind == RIG_EV_POINT_RESULT || ev.kind == RIG_EV_POINT_RETRY))
		new_result(p, &ev);
	p->exact = equal;
}

/* The evidence covers a new judgement only while the new sequencer asks the
 * source for what the live one asked, no later than it did: once it still
 * measures when the live run moved on, or wants another setpoint, the rest
 * of the recording is evidence for something else. */
static void stop_rejudging(struct rig_analysis *a, struct rig_an_run *r, const char *why)
{
	snprintf(r->rejudge_stop, sizeof(r->rejudge_stop), "%s", why);
	r->rejudge_stop_line = a->line_no;
	rig_seq_free(a->cur.seq);
	a->cur.seq = NULL;
}

static void new_command(struct rig_analysis *a, struct rig_an_run *r, const struct rig_seq_event *ev)
{
	struct cur_run *c = &a->cur;
	if (c->cmd_len == 4) {
		stop_rejudging(a, r, "the new sequencer sends commands the live run did not");
		return;
	}
	char *slot = c->cmds[(c->cmd_head + c->cmd_len++) % 4];
	if (rig_rec_format_event(slot, RIG_REC_MAX_LINE, ev) < 0)
		slot[0] = '\0';
}

/* A command the live run took: the new sequencer must have sent the same. */
static void live_command(struct rig_analysis *a, struct rig_an_run *r, const char *line)
{
	struct cur_run *c = &a->cur;
	if (!c->seq)
		return;
	if (c->cmd_len == 0) {
		stop_rejudging(a, r, "the live run moved on while the new judgement was still measuring");
		return;
	}
	const char *mine = c->cmds[c->cmd_head];
	c->cmd_head = (c->cmd_head + 1) % 4;
	c->cmd_len--;
	if (strcmp(mine, line) != 0)
		stop_rejudging(a, r, "the new judgement asks the source for something else than the live run did");
}

static void take_rejudged(struct rig_analysis *a, struct rig_an_run *r, const struct rig_seq_event *ev)
{
	if (ev->kind == RIG_EV_COMMAND) {
		new_command(a, r, ev);
		return;
	}
	if (ev->kind != RIG_EV_POINT_RESULT && ev->kind != RIG_EV_POINT_RETRY)
		return;
	const char *name = point_name(a, ev->result.point);
	struct rig_an_point *p = find_row(a, r, name, ev->result.position, ev->result.attempt, false);
	if (!p && !(p = add_row(a, r)))
		return;
	if (!p->has_old) {
		p->point = ev->result.point;
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->position = ev->result.position;
		p->attempt = ev->result.attempt;
		p->retry = ev->kind == RIG_EV_POINT_RETRY;
	}
	new_result(p, ev);
}

static void drain_rejudged(struct rig_analysis *a, struct rig_an_run *r)
{
	struct rig_seq_event ev;
	while (a->cur.seq && rig_seq_next_event(a->cur.seq, &ev) == 1)
		take_rejudged(a, r, &ev);
}

/* Judged again: the new sequencer's own deadlines come before the input. */
static void catch_up(struct rig_analysis *a, struct rig_an_run *r, int64_t t)
{
	for (int guard = 0; guard < 1000 && a->cur.seq; guard++) {
		int64_t next = rig_seq_next_deadline(a->cur.seq);
		if (next > t)
			break;
		rig_seq_tick(a->cur.seq, next);
		drain_rejudged(a, r);
	}
}

static int input_line(struct rig_analysis *a, struct rig_an_run *r, const char *text,
		      struct rig_error *err)
{
	struct rig_rec_input in;
	char why[160];
	if (rig_rec_parse_input(text, &in, why, sizeof(why)) < 0)
		return rig_error_set(err, a->name, a->line_no, "%s", why);
	if (in.kind == RIG_REC_START) {
		if (r->started || a->cur.seq)
			return rig_error_set(err, a->name, a->line_no, "a second start in one run");
		start_replay(a, r, in.now_ns);
		return 0;
	}
	if (!a->cur.seq)
		return 0;
	if (!r->rejudged) {
		rig_rec_apply(a->cur.seq, &in);
		return 0;
	}
	if (in.kind == RIG_REC_EDGE && a->opt.fixture) {
		/* the new fixture's wiring decides what the edge is */
		int pos;
		enum rig_signal sig;
		if (rig_fixture_route(a->opt.fixture, (int)in.edge.line, &pos, &sig) < 0)
			return 0;
		in.position = pos;
		in.sig = sig;
	}
	int64_t t = in.kind == RIG_REC_EDGE ? in.edge.timestamp_ns : in.now_ns;
	if (in.kind != RIG_REC_LOST && in.kind != RIG_REC_LEVEL)
		catch_up(a, r, t);
	rig_rec_apply(a->cur.seq, &in);
	drain_rejudged(a, r);
	return 0;
}

static int event_line(struct rig_analysis *a, struct rig_an_run *r, const char *text)
{
	if (!r->rejudged) {
		if (r->started)
			event_exact(a, r, text);
		else if (is_result(text))
			old_result(a, r, text, false);
		return 0;
	}
	if (strncmp(text, "ev done ", 8) == 0)
		r->ended = true;
	if (is_result(text))
		old_result(a, r, text, true);
	drain_rejudged(a, r);
	if (strncmp(text, "ev command ", 11) == 0)
		live_command(a, r, text);
	return 0;
}

/* The shell ended the run in the sequencer's place (its watchdog): what the
 * sequencer still had to say was never taken, so it is not compared. */
static int end_line(struct rig_analysis *a, struct rig_an_run *r, char **f, int n,
		    struct rig_error *err)
{
	if (n != 4 || strcmp(f[1], "watchdog") != 0)
		return rig_error_set(err, a->name, a->line_no, "end needs: watchdog STATE REASON");
	r->ended = true;
	r->ended_by_shell = true;
	snprintf(r->end_state, sizeof(r->end_state), "%s (watchdog)", f[2]);
	return 0;
}

/* --- lines ------------------------------------------------------------------------- */

#define MAX_WORDS 6

static int words(char *s, char *f[MAX_WORDS])
{
	int n = 0;
	for (char *p = s; n < MAX_WORDS;) {
		f[n++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
	return MAX_WORDS + 1;	/* more than the lines that count their words have */
}

static int comment_line(struct rig_analysis *a, const char *text, struct rig_error *err)
{
	if (strcmp(text, RIG_REC_HEADER_V2) == 0)
		a->version = 2;
	else if (strcmp(text, RIG_REC_HEADER_V1) == 0)
		a->version = 1;
	else if (strncmp(text, "# rig edge capture v", 20) == 0)
		return rig_error_set(err, a->name, a->line_no, "unknown format version: %s", text + 2);
	else if (a->version < 2 && strncmp(text, "# run=", 6) == 0)
		return begin_run(a, text + 6, 1, err);
	return 0;
}

static int run_record_line(struct rig_analysis *a, const char *text, struct rig_error *err)
{
	char buf[RIG_REC_MAX_LINE + 1];
	snprintf(buf, sizeof(buf), "%s", text);
	char *f[MAX_WORDS];
	int n = words(buf, f);
	if (strcmp(f[0], "run") == 0) {
		if (n != 2 || !f[1][0])
			return rig_error_set(err, a->name, a->line_no, "run needs one run id");
		return begin_run(a, f[1], a->version, err);
	}
	struct rig_an_run *r = run_now(a);
	if (!r) {
		if (a->cur.skipping)
			return 0;
		return rig_error_set(err, a->name, a->line_no, "'%s' before any run line", f[0]);
	}
	if (n < 2)
		return rig_error_set(err, a->name, a->line_no, "'%s' needs more fields", f[0]);
	if (strcmp(f[0], "meta") == 0) {
		size_t len;
		if (n >= 3 && strcmp(f[1], "lines") == 0 &&
		    rig_rec_unescape(f[2], a->cur.line_names, sizeof(a->cur.line_names) - 1, &len) == 0)
			a->cur.line_names[len] = '\0';
		return 0;
	}
	if (strcmp(f[0], "text") == 0)
		return text_begin(a, f, n, err);
	if (strcmp(f[0], "t") == 0)	/* its text runs to the end of the line */
		return text_chunk(a, r, text + 2, err);
	if (strcmp(f[0], "lack") == 0) {
		char why[300];
		snprintf(why, sizeof(why), "%s", text + strlen("lack "));
		lack(r, why);
		return 0;
	}
	if (strcmp(f[0], "plan") == 0)
		return plan_line(a, f, n, err);
	if (strcmp(f[0], "end") == 0)
		return end_line(a, r, f, n, err);
	return rig_error_set(err, a->name, a->line_no, "unknown line kind '%.20s'", f[0]);
}

int rig_analysis_line(struct rig_analysis *a, const char *text, struct rig_error *err)
{
	a->line_no++;
	if (strlen(text) > RIG_REC_MAX_LINE)
		return rig_error_set(err, a->name, a->line_no, "line longer than %d bytes",
				     RIG_REC_MAX_LINE);
	if (!text[0])
		return 0;
	if (text[0] == '#')
		return comment_line(a, text, err);
	/* Edges and levels as the input delivered them: the replay:PATH input
	 * checks those; what the sequencer got is in the seq lines. */
	if ((text[0] == 'E' || text[0] == 'V') && text[1] == ' ')
		return 0;
	if (a->version < 2)
		return rig_error_set(err, a->name, a->line_no, "not a v1 capture line");
	bool seq = strncmp(text, "seq ", 4) == 0, ev = strncmp(text, "ev ", 3) == 0;
	if (!seq && !ev)
		return run_record_line(a, text, err);
	struct rig_an_run *r = run_now(a);
	if (!r) {
		if (a->cur.skipping)
			return 0;
		return rig_error_set(err, a->name, a->line_no, "sequencer line before any run line");
	}
	if (seq)
		return input_line(a, r, text, err);
	return event_line(a, r, text);
}

void rig_analysis_finish(struct rig_analysis *a)
{
	close_run(a);
}
