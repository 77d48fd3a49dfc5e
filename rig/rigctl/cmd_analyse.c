/* rigctl analyse RECORDING: the recorded runs walked through the sequencer
 * again (rig/core/analyse.h), a table of their points, and whether every
 * result came out the same bit for bit, against the recording itself and,
 * with --db and --run, against the stored measurements. */
#include "rig/rigctl/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/analyse.h"
#include "rig/store/measurements.h"

static const char analyse_usage[] =
	"usage: rigctl analyse RECORDING [--run ID] [--db FILE] [--profile FILE] [--fixture FILE]\n"
	"  --run ID        only this run of the recording\n"
	"  --db FILE       also compare with the measurements stored for the run (needs --run)\n"
	"  --profile FILE  judge the recorded evidence again with this profile\n"
	"  --fixture FILE  ... or with this fixture (no bit-for-bit claim then)\n"
	"  --quiet         the summary only\n";

struct analyse_opts {
	const char *recording, *run_id, *db, *profile, *fixture;
	bool quiet;
};

static int parse_opts(const struct rigctl_args *a, struct analyse_opts *o)
{
	static const struct option longopts[] = {
		{"run", required_argument, NULL, 'r'},	   {"db", required_argument, NULL, 'd'},
		{"profile", required_argument, NULL, 'p'}, {"fixture", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},	   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->run_id = a->run_id;
	o->db = a->db;
	o->quiet = a->quiet;
	optind = 0;	/* GNU: a fresh scan */
	opterr = 0;
	int c;
	while ((c = getopt_long(a->sub_argc, a->sub_argv, "q", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->run_id = optarg; break;
		case 'd': o->db = optarg; break;
		case 'p': o->profile = optarg; break;
		case 'f': o->fixture = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(analyse_usage, stdout); return 1;
		default:
			fprintf(stderr, "rigctl analyse: %s %s\n%s",
				optopt ? "option needs a value or is unknown:" : "unknown option",
				a->sub_argv[optind - 1], analyse_usage);
			return -1;
		}
	}
	if (optind != a->sub_argc - 1) {
		fprintf(stderr, "rigctl analyse: give one recording file\n%s", analyse_usage);
		return -1;
	}
	o->recording = a->sub_argv[optind];
	if (o->db && !o->run_id) {
		fprintf(stderr, "rigctl analyse: --db needs --run ID\n");
		return -1;
	}
	return 0;
}

/* Feeds the file line by line. A last line without its newline was cut
 * short (a crash while writing it) and is left out; a NUL byte is refused. */
static int read_recording(const char *path, struct rig_analysis *an, bool *ret_truncated)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int line_no = 0, rc = 0;
	*ret_truncated = false;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		line_no++;
		if (len == 0 || line[len - 1] != '\n') {
			*ret_truncated = true;
			break;
		}
		line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			fprintf(stderr, "rigctl analyse: %s:%d: NUL byte in the line\n", path, line_no);
			rc = -1;
			break;
		}
		struct rig_error err = {0};
		if (rig_analysis_line(an, line, &err) < 0) {
			char buf[800];
			fprintf(stderr, "rigctl analyse: %s\n", rig_error_format(&err, buf, sizeof(buf)));
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		perror(path);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

static void print_value(double err_pct, double u_pct, bool has)
{
	if (has && u_pct >= 0)
		printf(" %+9.4f %8.4f", err_pct, u_pct);
	else
		printf(" %9s %8s", "-", "-");
}

static void print_run_table(const struct rig_analysis *an, const struct rig_an_run *r)
{
	if (r->rejudged)
		printf("  %-24s %3s %3s  %-13s %9s %8s   %-13s %9s %8s\n", "point", "pos", "att",
		       "old verdict", "error %", "U %", "new verdict", "error %", "U %");
	else
		printf("  %-24s %3s %3s  %-13s %9s %8s   %s\n", "point", "pos", "att", "verdict",
		       "error %", "U %", "replay");
	for (int i = r->first_point; i < r->first_point + r->n_points; i++) {
		const struct rig_an_point *p = rig_analysis_point(an, i);
		char verdict[24];
		snprintf(verdict, sizeof(verdict), "%s%s",
			 p->has_old ? rig_verdict_name(p->old_verdict) : "-", p->retry ? " (retry)" : "");
		printf("  %-24s %3d %3d  %-13s", p->name, p->position, p->attempt, verdict);
		print_value(p->old_error_pct, p->old_u_pct, p->has_old);
		if (r->rejudged) {
			printf("   %-13s", p->has_new ? rig_verdict_name(p->new_verdict) : "-");
			print_value(p->replayed.gate.error_pct, p->replayed.gate.u_pct,
				    p->has_new && (p->replayed.gate.state == RIG_GATE_DONE ||
						   p->replayed.gate.state == RIG_GATE_TIMED_OUT));
			printf("\n");
		} else {
			printf("   %s\n", p->exact ? "exact" : p->has_new ? "MISMATCH" : "MISSING");
		}
	}
}

struct db_compare {
	const struct rig_analysis *an;
	const struct rig_an_run *run;
	int stored, exact;
	bool *used;		/* per point row of the run */
	char first[400];
};

static int compare_stored(const struct store_measurement *m, void *ctx)
{
	struct db_compare *c = ctx;
	c->stored++;
	const struct rig_an_run *r = c->run;
	for (int i = 0; i < r->n_points; i++) {
		const struct rig_an_point *p = rig_analysis_point(c->an, r->first_point + i);
		if (c->used[i] || !p->has_new || p->replayed.point != m->point ||
		    p->replayed.position != m->position || p->replayed.attempt != m->attempt)
			continue;
		c->used[i] = true;
		struct store_measurement mine;
		store_measurement_of(&p->replayed, &mine);
		if (store_measurement_equal(&mine, m))
			c->exact++;
		else if (!c->first[0])
			snprintf(c->first, sizeof(c->first),
				 "point %d position %d attempt %d: stored %s %.17g %.17g, replay %s "
				 "%.17g %.17g%s",
				 m->point + 1, m->position, m->attempt, m->verdict, m->error_pct,
				 m->u_pct, mine.verdict, mine.error_pct, mine.u_pct,
				 mine.has_budget != m->has_budget || strcmp(mine.verdict, m->verdict) ||
						 mine.error_pct != m->error_pct || mine.u_pct != m->u_pct
					 ? ""
					 : " (another stored field or the uncertainty budget differs)");
		return 0;
	}
	if (!c->first[0])
		snprintf(c->first, sizeof(c->first),
			 "point %d position %d attempt %d is stored but the replay did not produce it",
			 m->point + 1, m->position, m->attempt);
	return 0;
}

/* 0 when every stored measurement of the run was reproduced, and nothing more. */
static int check_database(const struct analyse_opts *o, const struct rig_analysis *an,
			  const struct rig_an_run *r)
{
	struct rig_error err = {0};
	struct store *s = store_open_readonly(o->db, &err);
	if (!s) {
		fprintf(stderr, "rigctl analyse: %s: %s\n", o->db, err.msg);
		return -1;
	}
	struct db_compare c = {.an = an, .run = r, .used = calloc((size_t)r->n_points + 1, 1)};
	int rc = c.used ? store_run_measurements(s, r->run_id, compare_stored, &c, &err) : -1;
	store_close(s);
	if (rc < 0) {
		fprintf(stderr, "rigctl analyse: %s: %s\n", o->db, c.used ? err.msg : "out of memory");
		free(c.used);
		return -1;
	}
	int unstored = 0;
	for (int i = 0; i < r->n_points; i++)
		unstored += !c.used[i] && rig_analysis_point(an, r->first_point + i)->has_new;
	free(c.used);
	printf("stored points: %d of %d reproduced exactly (%s, run %s)\n", c.exact, c.stored, o->db,
	       r->run_id);
	if (unstored)
		printf("  %d replayed point(s) are not in the database\n", unstored);
	if (c.first[0])
		printf("  first difference: %s\n", c.first);
	return c.exact == c.stored && !unstored ? 0 : 1;
}

static void print_run(const struct analyse_opts *o, const struct rig_analysis *an,
		      const struct rig_an_run *r)
{
	printf("run %s (recording v%d)", r->run_id, r->version);
	if (r->profile_name[0])
		printf(": profile %s (%.16s), fixture %s (%.16s)", r->profile_name,
		       r->profile_sha256, r->fixture_name, r->fixture_sha256);
	printf("\n");
	if (r->rejudged)
		printf("  judged again with%s%s%s%s: old and new verdicts, no bit-for-bit claim\n",
		       o->profile ? " profile " : "", o->profile ? o->profile : "",
		       o->fixture ? " fixture " : "", o->fixture ? o->fixture : "");
	if (r->lacks[0])
		printf("  the recording lacks: %s\n", r->lacks);
	if (!o->quiet && r->n_points)
		print_run_table(an, r);
	if (!r->rejudged && r->started)
		printf("  events: %d of %d equal%s%s\n", r->n_events_exact, r->n_events,
		       r->ended ? ", run ended " : "", r->end_state);
	if (r->rejudge_stop[0])
		printf("  judged again up to %s:%d only: %s\n", o->recording, r->rejudge_stop_line,
		       r->rejudge_stop);
	if (r->mismatch[0])
		printf("  first difference at %s:%d:\n    %s\n", o->recording, r->mismatch_line,
		       r->mismatch);
}

int cmd_analyse(const struct rigctl_args *a)
{
	struct analyse_opts o;
	int rc = parse_opts(a, &o);
	if (rc != 0)
		return rc > 0 ? RIGCTL_EXIT_PASS : RIGCTL_EXIT_ERROR;
	struct rig_profile *prof = NULL;
	struct rig_fixture *fix = NULL;
	struct rig_error err = {0};
	char buf[800];
	int code = RIGCTL_EXIT_ERROR;
	if (o.profile && (!(prof = malloc(sizeof(*prof))) || rig_profile_load(o.profile, prof, &err) < 0)) {
		fprintf(stderr, "rigctl analyse: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (o.fixture && (!(fix = malloc(sizeof(*fix))) || rig_fixture_load(o.fixture, fix, &err) < 0)) {
		fprintf(stderr, "rigctl analyse: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	struct rig_analysis_options opt = {.run_id = o.run_id, .profile = prof, .fixture = fix};
	struct rig_analysis *an = rig_analysis_new(o.recording, &opt);
	bool truncated;
	if (!an || read_recording(o.recording, an, &truncated) < 0) {
		rig_analysis_free(an);
		goto out;
	}
	rig_analysis_finish(an);
	if (truncated)
		printf("%s: the last line has no end (cut short by a crash?) and was left out\n",
		       o.recording);
	int n_runs = rig_analysis_n_runs(an), points = 0, exact_points = 0, judged = 0;
	bool all_exact = n_runs > 0, rejudged = prof || fix, cannot = false, differ = false;
	for (int i = 0; i < n_runs; i++) {
		const struct rig_an_run *r = rig_analysis_run(an, i);
		print_run(&o, an, r);
		for (int k = r->first_point; k < r->first_point + r->n_points; k++) {
			const struct rig_an_point *p = rig_analysis_point(an, k);
			points += !rejudged || p->has_old;
			exact_points += p->exact;
			judged += p->has_new && p->has_old;
		}
		all_exact = all_exact && rig_an_run_exact(r);
		differ = differ || r->mismatch[0] || r->n_events != r->n_events_exact;
		cannot = cannot || (r->lacks[0] && !r->started);
		int db_rc = o.db && !rejudged ? check_database(&o, an, r) : 0;
		all_exact = all_exact && db_rc == 0;
		differ = differ || db_rc > 0;
		cannot = cannot || db_rc < 0;
	}
	if (n_runs == 0)
		printf("%s: no run%s%s in the recording\n", o.recording, o.run_id ? " " : "",
		       o.run_id ? o.run_id : "");
	if (rejudged) {
		printf("%d of %d recorded point(s) judged again\n", judged, points);
		code = n_runs > 0 && !cannot ? RIGCTL_EXIT_PASS : RIGCTL_EXIT_ERROR;
	} else {
		printf("%d of %d points reproduced exactly\n", exact_points, points);
		code = all_exact && exact_points == points ? RIGCTL_EXIT_PASS
		       : cannot || n_runs == 0		 ? RIGCTL_EXIT_ERROR
		       : differ				 ? RIGCTL_EXIT_FAIL
							 : RIGCTL_EXIT_ABORTED;
		if (code == RIGCTL_EXIT_ABORTED)
			printf("every recorded event was reproduced, but a run's record is incomplete\n");
	}
	rig_analysis_free(an);
out:
	free(prof);
	free(fix);
	return code;
}
