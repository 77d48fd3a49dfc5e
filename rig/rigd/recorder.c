/* The recorded entry points into the sequencer (recorder.h). */
#include "rig/rigd/daemon_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/core/fixture_lines.h"
#include "rig/core/recording.h"
#include "rig/core/sha256.h"
#include "rig/core/text_file.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

static bool recording(const struct rigd *d)
{
	return d->record && d->rec.active;
}

/* len: what formatting the line gave (snprintf's, or -1): a line cut short
 * is not written. */
static void write_line(struct rigd *d, const char *line, int len)
{
	if (len < 0 || len >= RIG_REC_MAX_LINE || fprintf(d->record, "%s\n", line) < 0) {
		if (!d->rec.failed)
			log_err("recording %s: %s", d->cfg.record_edges,
				len < 0 ? "a line too long to record" : strerror(errno));
		d->rec.failed = true;
	}
}

static void write_token_line(struct rigd *d, const char *prefix, const char *text)
{
	char tok[RIG_REC_MAX_LINE / 2], line[RIG_REC_MAX_LINE];
	int n = rig_rec_escape(text, strlen(text), tok, sizeof(tok));
	write_line(d, line, n < 0 ? -1 : snprintf(line, sizeof(line), "%s %s", prefix, tok));
}

/* The text of a file in `t` lines, one per line of the file (long lines split). */
static void write_text(struct rigd *d, const char *kind, const char *path, const char *text,
		       size_t len, const char *sha256)
{
	char tok[RIG_REC_TEXT_CHUNK * 4 + 1], line[RIG_REC_MAX_LINE], path_tok[1024];
	rig_rec_escape(path, strlen(path), path_tok, sizeof(path_tok));
	write_line(d, line, snprintf(line, sizeof(line), "text %s %zu %s %s", kind, len, sha256,
				     path_tok));
	for (size_t at = 0; at < len;) {
		size_t n = 0;
		while (at + n < len && n < RIG_REC_TEXT_CHUNK && text[at + n++] != '\n')
			;
		rig_rec_escape_text(text + at, n, tok, sizeof(tok));
		write_line(d, line, snprintf(line, sizeof(line), "t %s", tok));
		at += n;
	}
}

/* Text of a file as it hashes now; NULL when it changed since it was loaded. */
static char *read_same(const char *path, const char *sha256, size_t *ret_len)
{
	char *text;
	struct rig_error err = {0};
	if (!path[0] || rig_text_file_read(path, &text, ret_len, &err) < 0)
		return NULL;
	char hex[65];
	rig_sha256_hex(text, *ret_len, hex);
	if (strcmp(hex, sha256) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void recorder_keep_fixture(struct rigd *d)
{
	recorder_free(&d->rec);
	d->rec.fixture_text = read_same(d->fixture.source_file, d->fixture.sha256, &d->rec.fixture_len);
	if (d->fixture.have_ref_spec)
		d->rec.spec_text = read_same(d->fixture.ref_spec.source_file, d->fixture.ref_spec.sha256,
					     &d->rec.spec_len);
}

void recorder_free(struct recorder *r)
{
	free(r->fixture_text);
	free(r->spec_text);
	r->fixture_text = r->spec_text = NULL;
}

static void write_header(struct rigd *d)
{
	char line[RIG_REC_MAX_LINE];
	write_line(d, line, snprintf(line, sizeof(line), "run %s", d->ctx.run_id));
	write_token_line(d, "meta station", d->cfg.station);
	write_token_line(d, "meta software", RIG_VERSION);
	write_token_line(d, "meta instrument", d->src ? d->src->idn : "");
	/* What the chip's line names were on this boot, for judging the
	 * evidence again with a fixture that names lines. */
	char names[RIG_REC_MAX_LINE / 4];
	if (rig_fixture_line_names(&d->fixture, names, sizeof(names)) > 0)
		write_token_line(d, "meta lines", names);
	char when[32];
	write_token_line(d, "meta started", rig_iso8601_utc(time(NULL), when, sizeof(when)));
	size_t len;
	char *text = read_same(d->profile.source_file, d->profile.sha256, &len);
	if (text)
		write_text(d, "profile", d->profile.source_file, text, len, d->profile.sha256);
	else
		write_line(d, line, snprintf(line, sizeof(line),
					     "lack profile text (changed on disk since it was loaded)"));
	free(text);
	if (d->rec.fixture_text)
		write_text(d, "fixture", d->fixture.source_file, d->rec.fixture_text,
			   d->rec.fixture_len, d->fixture.sha256);
	else
		write_line(d, line, snprintf(line, sizeof(line),
					     "lack fixture text (changed on disk since it was loaded)"));
	if (d->rec.spec_text)
		write_text(d, "refspec", d->fixture.ref_spec.source_file, d->rec.spec_text,
			   d->rec.spec_len, d->fixture.ref_spec.sha256);
	else if (d->fixture.have_ref_spec)
		write_line(d, line, snprintf(line, sizeof(line),
					     "lack reference specification text (changed on disk since it was loaded)"));
	for (int p = 0; p < d->fixture.n_positions; p++) {
		const struct rig_seq_position *sp = &d->plan.pos[p];
		if (!sp->present)
			continue;
		char model[200], serial[300];
		rig_rec_escape(sp->model.model, strlen(sp->model.model), model, sizeof(model));
		rig_rec_escape(sp->serial, strlen(sp->serial), serial, sizeof(serial));
		write_line(d, line, snprintf(line, sizeof(line), "plan %d %s %s", p + 1, model, serial));
	}
}

/* Records one input, then makes the call. */
static void input(struct rigd *d, const struct rig_rec_input *in)
{
	if (recording(d)) {
		char line[RIG_REC_MAX_LINE];
		write_line(d, line, rig_rec_format_input(line, sizeof(line), in));
	}
	rig_rec_apply(d->seq, in);
}

static void set_text(struct rig_rec_input *in, const char *text)
{
	in->has_text = text != NULL;
	snprintf(in->text, sizeof(in->text), "%s", text ? text : "");
}

int rigd_seq_start(struct rigd *d, int64_t now_ns, struct rig_error *err)
{
	if (rig_seq_start(d->seq, &d->plan, now_ns, err) < 0)
		return -1;
	d->rec.active = d->record != NULL;
	d->rec.failed = false;
	if (recording(d)) {
		write_header(d);
		struct rig_rec_input in = {.kind = RIG_REC_START, .now_ns = now_ns};
		char line[RIG_REC_MAX_LINE];
		write_line(d, line, rig_rec_format_input(line, sizeof(line), &in));
		fflush(d->record);
	}
	return 0;
}

void rigd_seq_command_done(struct rigd *d, int64_t now_ns, bool ok, const char *error_text,
			   double power_w)
{
	struct rig_rec_input in = {.kind = RIG_REC_DONE, .now_ns = now_ns, .ok = ok, .power_w = power_w};
	set_text(&in, error_text);
	input(d, &in);
}

void rigd_seq_edge(struct rigd *d, int position, enum rig_signal sig, const struct rig_edge *e)
{
	struct rig_rec_input in = {.kind = RIG_REC_EDGE, .position = position, .sig = sig, .edge = *e};
	input(d, &in);
}

void rigd_seq_lost(struct rigd *d, int position, enum rig_signal sig, uint64_t count)
{
	struct rig_rec_input in = {.kind = RIG_REC_LOST, .position = position, .sig = sig, .count = count};
	input(d, &in);
}

void rigd_seq_level(struct rigd *d, int position, enum rig_signal sig, bool high)
{
	struct rig_rec_input in = {.kind = RIG_REC_LEVEL, .position = position, .sig = sig, .high = high};
	input(d, &in);
}

void rigd_seq_tick(struct rigd *d, int64_t now_ns)
{
	struct rig_rec_input in = {.kind = RIG_REC_TICK, .now_ns = now_ns};
	input(d, &in);
}

void rigd_seq_edges_complete(struct rigd *d, int64_t now_ns)
{
	struct rig_rec_input in = {.kind = RIG_REC_COMPLETE, .now_ns = now_ns};
	input(d, &in);
}

void rigd_seq_abort(struct rigd *d, int64_t now_ns, const char *reason)
{
	struct rig_rec_input in = {.kind = RIG_REC_ABORT, .now_ns = now_ns};
	set_text(&in, reason);
	input(d, &in);
}

void rigd_seq_fault(struct rigd *d, int64_t now_ns, const char *reason)
{
	struct rig_rec_input in = {.kind = RIG_REC_FAULT, .now_ns = now_ns};
	set_text(&in, reason);
	input(d, &in);
}

/* Recorded whether it is taken or refused: the replay refuses it alike. */
int rigd_seq_reading(struct rigd *d, int64_t now_ns, int position, double kwh,
		     struct rig_error *err)
{
	struct rig_rec_input in = {.kind = RIG_REC_READING, .now_ns = now_ns, .position = position,
				   .power_w = kwh};
	if (recording(d)) {
		char line[RIG_REC_MAX_LINE];
		write_line(d, line, rig_rec_format_input(line, sizeof(line), &in));
	}
	return rig_seq_reading(d->seq, now_ns, position, kwh, err);
}

/* Every event taken is recorded; the end of a drain is where a crash must
 * not lose lines, and the end of the run closes the record. */
int rigd_seq_next_event(struct rigd *d, struct rig_seq_event *ev)
{
	int got = rig_seq_next_event(d->seq, ev);
	if (!recording(d))
		return got;
	if (got == 1) {
		char line[RIG_REC_MAX_LINE];
		write_line(d, line, rig_rec_format_event(line, sizeof(line), ev));
		if (ev->kind == RIG_EV_RUN_DONE)
			d->rec.active = false;
	}
	if (got != 1 || !d->rec.active)
		fflush(d->record);
	return got;
}

void recorder_watchdog_end(struct rigd *d, const struct rig_seq_event *ev)
{
	if (!recording(d))
		return;
	char reason[RIG_REC_MAX_LINE / 2], line[RIG_REC_MAX_LINE];
	int n = rig_rec_escape(ev->reason, strlen(ev->reason), reason, sizeof(reason));
	write_line(d, line, n < 0 ? -1 : snprintf(line, sizeof(line), "end watchdog %s %s",
						 rig_run_state_name(ev->run_state), reason));
	d->rec.active = false;
	fflush(d->record);
}
