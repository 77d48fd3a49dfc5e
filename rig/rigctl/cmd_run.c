/* `rigctl run`: start a run on rigd and follow it to the end, with a
 * progress bar on a terminal and plain lines otherwise; JUnit XML on
 * request. Ctrl-C asks rigd to abort the run (and still waits for its end). */
#include "rig/rigctl/commands.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "rig/common/jsonl.h"
#include "rig/common/timeutil.h"
#include "rig/core/edge.h"
#include "rig/core/profile.h"
#include "rig/core/sequencer.h"
#include "rig/rigctl/client.h"
#include "rig/rigctl/junit.h"
#include "rig/rigctl/progress.h"
#include "rig/rigctl/readings.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct follow {
	const struct rigctl_args *a;
	char run_id[64];
	bool tty;
	bool bar_shown;
	int last_point;			/* progress shown for this point */
	int64_t last_progress_ns;	/* and at this time */
	struct junit_report junit;
	char state[32];
	char reason[256];
	int n_points;
	char point_names[RIG_PROFILE_MAX_POINTS][RIG_NAME_LEN];
	int64_t point_started_ns[RIG_PROFILE_MAX_POINTS];	/* 0: not seen */
	int64_t started_ns;		/* the run's start, real time */
};

static int terminal_width(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void clear_bar(struct follow *f)
{
	if (f->bar_shown) {
		printf("\r\033[K");
		f->bar_shown = false;
	}
}

static void show_progress(struct follow *f, const cJSON *ev)
{
	if (f->a->quiet)
		return;
	struct progress_view v = {
		.point = rig_json_int(ev, "point", 0, 1000000, 0),
		.n_points = rig_json_int(ev, "points", 0, 1000000, 0),
		.elapsed_s = rig_json_num(ev, "elapsed_s", 0),
		.remaining_s = rig_json_num(ev, "remaining_s", -1),
		.u_pct = rig_json_num(ev, "u_pct", -1),
	};
	snprintf(v.name, sizeof(v.name), "%s", rig_json_str(ev, "name", "?"));
	/* Redraw a bar at most 10 times a second; plain lines every 5 s or at a
	 * new point, so a log stays readable. */
	int64_t now = rig_monotonic_ns();
	int64_t every = f->tty ? RIG_NS_PER_S / 10 : 5 * RIG_NS_PER_S;
	if (v.point == f->last_point && now - f->last_progress_ns < every)
		return;
	f->last_point = v.point;
	f->last_progress_ns = now;
	char line[512];
	if (f->tty) {
		progress_bar(&v, terminal_width() - 1, line, sizeof(line));
		printf("\r\033[K%s", line);
		f->bar_shown = true;
	} else {
		progress_plain(&v, line, sizeof(line));
		printf("%s\n", line);
	}
	fflush(stdout);
}

/* A point's real time runs from its "point_started" to its result. */
static void point_started(struct follow *f, const cJSON *ev)
{
	int point = rig_json_int(ev, "point", 0, RIG_PROFILE_MAX_POINTS - 1, -1);
	if (point >= 0)
		f->point_started_ns[point] = rig_monotonic_ns();
}

static void show_point(struct follow *f, const cJSON *ev)
{
	struct junit_case jc;
	if (junit_case_from_json(ev, &jc) == 0) {
		int64_t t0 = f->point_started_ns[jc.point];
		if (t0 > 0)
			jc.time_s = (double)(rig_monotonic_ns() - t0) / RIG_NS_PER_S;
		junit_add(&f->junit, &jc);
	}
	if (f->a->quiet)
		return;
	clear_bar(f);
	/* The sequencer's detail says what was measured; the band is the point's. */
	char text[480];
	if (jc.detail[0] && isfinite(jc.band_pct) && isfinite(jc.error_pct))
		snprintf(text, sizeof(text), "%s (band +/-%.2f %%)", jc.detail, jc.band_pct);
	else if (jc.detail[0])
		snprintf(text, sizeof(text), "%s", jc.detail);
	else if (isfinite(jc.error_pct))
		snprintf(text, sizeof(text), "error %+.3f %% U %.3f %% (band +/-%.2f %%)",
			 jc.error_pct, isfinite(jc.u_pct) ? jc.u_pct : 0.0,
			 isfinite(jc.band_pct) ? jc.band_pct : 0.0);
	else
		text[0] = '\0';
	printf("point %-24s position %d %-12s %-13s %s\n", jc.name, jc.position, jc.serial,
	       rig_verdict_name(jc.verdict), text);
	fflush(stdout);
}

/* An attempt rigd abandoned (lost edges, a retest): said, not counted. */
static void show_retry(struct follow *f, const cJSON *ev)
{
	if (f->a->quiet)
		return;
	clear_bar(f);
	printf("retry %-24s position %d attempt %d %s\n", rig_json_str(ev, "name", "?"),
	       rig_json_int(ev, "position", 0, 1000000, 0), rig_json_int(ev, "attempt", 0, 1000000, 0),
	       rig_json_str(ev, "detail", ""));
	fflush(stdout);
}

/* A run that did not finish passed nobody: a position that had not failed
 * gets the run's outcome, as the database closes it. */
static const char *position_outcome(const struct follow *f, enum rig_verdict worst)
{
	/* an error at the end of a completed profile is one position's own
	 * (a wiring error): the others keep their verdicts */
	bool finished = strcmp(f->state, "passed") == 0 || strcmp(f->state, "failed") == 0 ||
			strcmp(f->state, "indeterminate") == 0 ||
			strcmp(f->reason, RIG_RUN_REASON_COMPLETE) == 0;
	if (finished || (worst != RIG_VERDICT_PASS && worst != RIG_VERDICT_INDETERMINATE &&
			 worst != RIG_VERDICT_NONE))
		return rig_verdict_name(worst);
	return strcmp(f->state, "error") == 0 ? "error" : "aborted";
}

/* Per position: the worst verdict of its points. */
static void print_summary(const struct follow *f)
{
	printf("\nrun %s: %s%s%s\n", f->run_id, f->state, f->reason[0] ? " - " : "", f->reason);
	for (int p = 0; p < f->a->n_positions; p++) {
		const struct ctl_position *pos = &f->a->pos[p];
		enum rig_verdict worst = RIG_VERDICT_NONE;
		int n = 0, failed = 0;
		for (int i = 0; i < f->junit.n; i++) {
			const struct junit_case *c = &f->junit.cases[i];
			if (c->position != pos->position)
				continue;
			n++;
			failed += c->verdict == RIG_VERDICT_FAIL;
			worst = rig_verdict_worst(worst, c->verdict);
		}
		printf("  position %d  %-20s %-12s %-13s (%d points%s", pos->position, pos->model,
		       pos->serial, n ? position_outcome(f, worst) : "not measured", n,
		       failed ? ", failed:" : ")");
		if (failed) {
			for (int i = 0; i < f->junit.n; i++) {
				const struct junit_case *c = &f->junit.cases[i];
				if (c->position == pos->position && c->verdict == RIG_VERDICT_FAIL)
					printf(" %s", c->name);
			}
			printf(")");
		}
		printf("\n");
	}
}

/* Points a position never got to (an aborted run, a point for dual meters
 * on a single one) still appear in the JUnit file, as skipped. */
static void add_unmeasured(struct follow *f)
{
	const char *names[RIG_PROFILE_MAX_POINTS];
	for (int i = 0; i < f->n_points; i++)
		names[i] = f->point_names[i];
	struct junit_case positions[RIG_MAX_POSITIONS];
	memset(positions, 0, sizeof(positions));
	for (int k = 0; k < f->a->n_positions; k++) {
		positions[k].position = f->a->pos[k].position;
		snprintf(positions[k].serial, sizeof(positions[k].serial), "%s", f->a->pos[k].serial);
		snprintf(positions[k].model, sizeof(positions[k].model), "%s", f->a->pos[k].model);
	}
	junit_add_unmeasured(&f->junit, names, f->n_points, positions, f->a->n_positions);
}

static cJSON *start_request(const struct rigctl_args *a)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "start");
	cJSON_AddStringToObject(req, "profile", a->profile);
	cJSON_AddStringToObject(req, "operator", a->operator_name);
	if (a->notes)
		cJSON_AddStringToObject(req, "notes", a->notes);
	if (a->expect_model)
		cJSON_AddStringToObject(req, "expected_model", a->expect_model);
	if (a->model_override) {
		cJSON_AddBoolToObject(req, "model_override", true);
		cJSON_AddStringToObject(req, "model_override_reason", a->model_override_reason);
	}
	if (a->wait)
		cJSON_AddBoolToObject(req, "queue", true);
	const struct {
		const char *key, *value;
	} record[] = {
		{"test_reason", a->test_reason}, {"customer", a->customer}, {"test", a->test_state},
		{"follows", a->follows},	 {"override_reason", a->override_reason},
		{"override_by", a->override_by},
	};
	for (size_t i = 0; i < sizeof(record) / sizeof(record[0]); i++)
		if (record[i].value)
			cJSON_AddStringToObject(req, record[i].key, record[i].value);
	if (a->has_ambient_c)
		cJSON_AddNumberToObject(req, "ambient_c", a->ambient_c);
	if (a->has_humidity_pct)
		cJSON_AddNumberToObject(req, "humidity_pct", a->humidity_pct);
	cJSON *list = cJSON_AddArrayToObject(req, "positions");
	for (int i = 0; i < a->n_positions; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "position", a->pos[i].position);
		cJSON_AddStringToObject(p, "model", a->pos[i].model);
		cJSON_AddStringToObject(p, "serial", a->pos[i].serial);
		if (a->has_register[a->pos[i].position])
			cJSON_AddNumberToObject(p, "register_before", a->register_kwh[a->pos[i].position]);
		cJSON_AddItemToArray(list, p);
	}
	return req;
}

static cJSON *simple_request(const char *cmd)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	return req;
}

static void send_abort(struct rig_client *c)
{
	cJSON *req = simple_request("abort");
	cJSON_AddStringToObject(req, "reason", "interrupted at rigctl (Ctrl-C)");
	rig_client_send(c, req);
	cJSON_Delete(req);
}

/* Events until "done" for our run. 0 when it came, -1 when rigd went away. */
/* Where the readings come from: the option, else the operator when there
 * is a terminal to ask on, else another client (rigctl reading). */
static const char *readings_mode(const struct rigctl_args *a)
{
	if (a->readings)
		return a->readings;
	return isatty(STDIN_FILENO) ? "prompt" : "none";
}

static const char *serial_at(const struct follow *f, int position)
{
	for (int i = 0; i < f->a->n_positions; i++)
		if (f->a->pos[i].position == position)
			return f->a->pos[i].serial;
	return "?";
}

/* A register point asks for readings: each one goes to rigd as it is had
 * (its reply comes back among the events). The point waits for them only
 * as long as the profile says, so a reading not given never stops the run. */
static void give_readings(struct follow *f, struct rig_client *c, const cJSON *ev)
{
	const char *mode = readings_mode(f->a);
	const char *when = rig_json_str(ev, "when", "before");
	clear_bar(f);
	if (!f->a->quiet || !strcmp(mode, "none"))
		printf("point %s: register readings %s the energy wanted (within %.0f s)%s\n",
		       rig_json_str(ev, "name", "?"), when, rig_json_num(ev, "wait_s", 0),
		       strcmp(mode, "none") ? "" : ": give them with rigctl reading POSITION KWH");
	if (!strcmp(mode, "none"))
		return;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ev, "positions")) {
		int position = rig_json_int(item, "position", 1, RIG_MAX_POSITIONS, 0);
		if (position < 1 || interrupted)
			continue;
		double kwh;
		char why[300];
		if (!strcmp(mode, "prompt")) {
			if (readings_prompt(position, serial_at(f, position), when, &kwh) != 0)
				continue;
		} else if (readings_from_sim(mode, position, &kwh, why, sizeof(why)) < 0) {
			fprintf(stderr, "rigctl: position %d: %s\n", position, why);
			continue;
		}
		cJSON *req = simple_request("reading");
		cJSON_AddStringToObject(req, "run", f->run_id);
		cJSON_AddNumberToObject(req, "position", position);
		cJSON_AddNumberToObject(req, "reading", kwh);
		rig_client_send(c, req);
		cJSON_Delete(req);
	}
	fflush(stdout);
}

static int follow_run(struct follow *f, struct rig_client *c)
{
	bool abort_sent = false;
	for (;;) {
		if (interrupted && !abort_sent) {
			clear_bar(f);
			fprintf(stderr, "rigctl: asking rigd to abort the run\n");
			send_abort(c);
			abort_sent = true;
		}
		cJSON *msg = NULL;
		int r = rig_client_next(c, 1000, &msg);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		const char *event = rig_json_str(msg, "event", NULL);
		const char *run = rig_json_str(msg, "run", "");
		/* a reply to a reading sent: only a refusal is worth saying */
		if (!event && !rig_json_bool(msg, "ok", true))
			fprintf(stderr, "rigctl: rigd: %s\n", rig_json_str(msg, "error", "refused"));
		if (event && strcmp(run, f->run_id) == 0) {
			if (strcmp(event, "progress") == 0) {
				show_progress(f, msg);
			} else if (strcmp(event, "point_started") == 0) {
				point_started(f, msg);
			} else if (strcmp(event, "point") == 0) {
				show_point(f, msg);
			} else if (strcmp(event, "point_retry") == 0) {
				show_retry(f, msg);
			} else if (strcmp(event, "reading_wanted") == 0) {
				give_readings(f, c, msg);
			} else if (strcmp(event, "done") == 0) {
				snprintf(f->state, sizeof(f->state), "%s", rig_json_str(msg, "state", "error"));
				snprintf(f->reason, sizeof(f->reason), "%s", rig_json_str(msg, "reason", ""));
				cJSON_Delete(msg);
				return 0;
			}
		}
		cJSON_Delete(msg);
	}
}

static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A parent may hand them down blocked. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

static void say_queued(const struct follow *f, const cJSON *msg)
{
	if (f->a->quiet)
		return;
	unsigned ticket = (unsigned)rig_json_num(msg, "ticket", 0);
	char limit[48] = "without a limit";
	if (f->a->wait_s > 0)
		snprintf(limit, sizeof(limit), "at most %.0f s", f->a->wait_s);
	printf("queued: ticket %u, place %d behind run %s; waiting %s (rigctl dequeue %u "
	       "leaves the queue)\n",
	       ticket, rig_json_int(msg, "place", 0, 1000000, 0), rig_json_str(msg, "behind", "?"),
	       limit, ticket);
	fflush(stdout);
}

/* Leaving the queue is asked for, never assumed: rigd may have started
 * our run (or refused it) just before it reads the dequeue, and a run that
 * started must be followed (and, after Ctrl-C, aborted), not left running
 * unseen. The first answer after the dequeue decides: the start's reply
 * (ok with its run, or its refusal), or the dequeue's bare ok. */
static int leave_queue(struct rig_client *c, unsigned ticket)
{
	cJSON *req = simple_request("dequeue");
	cJSON_AddNumberToObject(req, "ticket", ticket);
	int rc = rig_client_send(c, req);
	cJSON_Delete(req);
	return rc;
}

/* The start's reply; with --wait, the queue's word comes first and the
 * reply when our turn comes. NULL with why; *code the exit code then. */
static cJSON *await_start(struct follow *f, struct rig_client *c, char *why, size_t why_len,
			  int *code)
{
	const struct rigctl_args *a = f->a;
	int64_t begin = rig_monotonic_ns();
	int64_t reply_by = begin + 30 * RIG_NS_PER_S;
	int64_t queue_until = a->wait_s > 0 ? begin + (int64_t)(a->wait_s * 1e9) : INT64_MAX;
	bool queued = false, leaving = false;
	unsigned ticket = 0;
	char left_why[200] = "";
	int left_code = RIGCTL_EXIT_ERROR;
	*code = RIGCTL_EXIT_ERROR;
	for (;;) {
		int64_t now = rig_monotonic_ns();
		/* Ctrl-C while queued, or the end of the wait: ask to leave. */
		if (queued && !leaving && (interrupted || now >= queue_until)) {
			if (interrupted) {
				snprintf(left_why, sizeof(left_why), "interrupted while queued: left the queue");
				left_code = RIGCTL_EXIT_ABORTED;
			} else {
				snprintf(left_why, sizeof(left_why),
					 "still queued after %.0f s (--wait=%.0f): left the queue; "
					 "wait longer with --wait=SECONDS, or --wait alone",
					 (double)(now - begin) / RIG_NS_PER_S, a->wait_s);
			}
			leaving = true;
			reply_by = now + 5 * RIG_NS_PER_S;
			if (leave_queue(c, ticket) < 0) {
				snprintf(why, why_len, "%s", left_why);
				*code = left_code;
				return NULL;
			}
		}
		int64_t until = queued && !leaving ? queue_until : reply_by;
		if (now >= until) {
			if (leaving) {
				/* no answer: the connection's end takes us out */
				snprintf(why, why_len, "%s", left_why);
				*code = left_code;
			} else {
				snprintf(why, why_len, "no reply from rigd within 30 s");
			}
			return NULL;
		}
		int64_t left_ms = (until - now) / 1000000 + 1;
		cJSON *msg = NULL;
		int r = rig_client_next(c, left_ms < 1000 ? (int)left_ms : 1000, &msg);
		if (r < 0) {
			snprintf(why, why_len, "%s", c->error);
			return NULL;
		}
		if (r == 0)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(msg, "ok")) {
			bool left = leaving && rig_json_bool(msg, "ok", false) &&
				    !cJSON_GetObjectItemCaseSensitive(msg, "run");
			if (!left)
				return msg;	/* the start's reply, even while leaving */
			cJSON_Delete(msg);
			snprintf(why, why_len, "%s", left_why);
			*code = left_code;
			return NULL;
		}
		if (strcmp(rig_json_str(msg, "event", ""), "queued") == 0) {
			queued = true;
			ticket = (unsigned)rig_json_num(msg, "ticket", 0);
			say_queued(f, msg);
		}
		cJSON_Delete(msg);
	}
}

/* A run that never ran still leaves a JUnit file CI can read: one error. */
static int junit_not_run(struct follow *f, const char *why)
{
	const struct rigctl_args *a = f->a;
	if (!a->junit)
		return 0;
	snprintf(f->junit.run_state, sizeof(f->junit.run_state), "not started");
	snprintf(f->junit.reason, sizeof(f->junit.reason), "%.199s", why);
	char name[64];
	snprintf(name, sizeof(name), "start run (profile %.40s)", a->profile);
	if (junit_add_refusal(&f->junit, name, why) < 0 || junit_write_file(&f->junit, a->junit) < 0) {
		fprintf(stderr, "rigctl: cannot write %s\n", a->junit);
		return -1;
	}
	if (!a->quiet)
		printf("JUnit: %s\n", a->junit);
	return 0;
}

/* Connects, subscribes, asks for the start (queued with --wait). 0 with
 * f->run_id and the points; -1 with why and *code. */
static int start_run(struct follow *f, struct rig_client *c, const char *socket_path, char *why,
		     size_t why_len, int *code)
{
	*code = RIGCTL_EXIT_ERROR;
	if (rig_client_connect(c, socket_path) < 0) {
		snprintf(why, why_len, "%s", c->error);
		return -1;
	}
	/* Subscribe first so no event of our run is missed. */
	cJSON *req = simple_request("subscribe");
	cJSON *reply = rig_client_call(c, req, 5000);
	cJSON_Delete(req);
	if (!reply) {
		snprintf(why, why_len, "%s", c->error);
		return -1;
	}
	cJSON_Delete(reply);
	req = start_request(f->a);
	int sent = rig_client_send(c, req);
	cJSON_Delete(req);
	reply = sent < 0 ? NULL : await_start(f, c, why, why_len, code);
	if (sent < 0)
		snprintf(why, why_len, "%s", c->error);
	if (!reply)
		return -1;
	if (!rig_json_bool(reply, "ok", false)) {
		snprintf(why, why_len, "run refused: %s", rig_json_str(reply, "error", "?"));
		cJSON_Delete(reply);
		return -1;
	}
	snprintf(f->run_id, sizeof(f->run_id), "%s", rig_json_str(reply, "run", ""));
	const char *station = rig_json_str(reply, "station", "");
	if (station[0])
		snprintf(f->junit.station, sizeof(f->junit.station), "%s", station);
	const cJSON *name;
	cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(reply, "points")) {
		if (f->n_points < RIG_PROFILE_MAX_POINTS && cJSON_IsString(name))
			snprintf(f->point_names[f->n_points++], RIG_NAME_LEN, "%s", name->valuestring);
	}
	snprintf(f->junit.run_id, sizeof(f->junit.run_id), "%s", f->run_id);
	cJSON_Delete(reply);
	return 0;
}

int cmd_run(const struct rigctl_args *a, const struct rigctl_env *env)
{
	struct follow f;
	memset(&f, 0, sizeof(f));
	f.a = a;
	f.tty = isatty(STDOUT_FILENO);
	f.last_point = -1;
	junit_init(&f.junit, a->profile, "");
	char when[32];
	snprintf(f.junit.timestamp, sizeof(f.junit.timestamp), "%s",
		 rig_iso8601_utc(time(NULL), when, sizeof(when)));
	catch_signals();

	struct rig_client c;
	char why[600];
	int code;
	if (start_run(&f, &c, env->socket, why, sizeof(why), &code) < 0) {
		fprintf(stderr, "rigctl: %s\n", why);
		if (junit_not_run(&f, why) < 0)
			code = RIGCTL_EXIT_ERROR;
		goto out;
	}
	f.started_ns = rig_monotonic_ns();
	if (!a->quiet)
		printf("run %s started: profile %s, %d position(s)\n", f.run_id, a->profile,
		       a->n_positions);

	if (follow_run(&f, &c) < 0) {
		clear_bar(&f);
		fprintf(stderr, "rigctl: %s (run %s)\n", c.error, f.run_id);
		snprintf(f.state, sizeof(f.state), "error");
		snprintf(f.reason, sizeof(f.reason), "%.250s", c.error);
		code = RIGCTL_EXIT_ERROR;
	} else {
		clear_bar(&f);
		code = rigctl_exit_for_state(f.state);
	}
	f.junit.time_s = (double)(rig_monotonic_ns() - f.started_ns) / RIG_NS_PER_S;
	snprintf(f.junit.run_state, sizeof(f.junit.run_state), "%s", f.state);
	snprintf(f.junit.reason, sizeof(f.junit.reason), "%.199s", f.reason);
	if (!a->quiet)
		print_summary(&f);
	if (a->junit) {
		add_unmeasured(&f);
		if (strcmp(f.state, "error") == 0 || strcmp(f.state, "interrupted") == 0)
			junit_unfinished_as_errors(&f.junit, f.reason);
		if (junit_write_file(&f.junit, a->junit) < 0) {
			fprintf(stderr, "rigctl: cannot write %s\n", a->junit);
			code = RIGCTL_EXIT_ERROR;
		} else if (!a->quiet) {
			printf("JUnit: %s\n", a->junit);
		}
	}
out:
	junit_free(&f.junit);
	rig_client_close(&c);
	return code;
}
