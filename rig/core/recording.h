/* The run record of a capture file (format v2, drivers/edge/CAPTURE.md):
 * every call the daemon makes into the sequencer, in order, as one text
 * line each, so that a run can be walked again offline and give the same
 * results bit for bit. Pure: lines are formatted into and parsed from
 * buffers; rig_rec_apply is the one place that turns a recorded input into
 * a sequencer call, used live by rigd and offline by the analyser alike. */
#ifndef RIG_CORE_RECORDING_H
#define RIG_CORE_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/sequencer.h"

#define RIG_REC_HEADER_V1 "# rig edge capture v1"
#define RIG_REC_HEADER_V2 "# rig edge capture v2"
#define RIG_REC_MAX_LINE 4096		/* longest line a recorder writes */
#define RIG_REC_TEXT_CHUNK 256		/* bytes of profile or fixture text per `t` line */

/* One sequencer input ("seq ..." line). */
enum rig_rec_input_kind {
	RIG_REC_START,		/* rig_seq_start: now */
	RIG_REC_DONE,		/* rig_seq_command_done: now, ok, text (may be absent), power */
	RIG_REC_EDGE,		/* rig_seq_edge: position, signal, edge */
	RIG_REC_LOST,		/* rig_seq_lost: position, signal, count */
	RIG_REC_LEVEL,		/* rig_seq_level: position, signal, high */
	RIG_REC_TICK,		/* rig_seq_tick: now */
	RIG_REC_ABORT,		/* rig_seq_abort: now, text */
	RIG_REC_FAULT,		/* rig_seq_fault: now, text */
	RIG_REC_COMPLETE,	/* rig_seq_edges_complete: now */
	RIG_REC_READING,	/* rig_seq_reading: now, position, kwh (power_w holds it) */
};

struct rig_rec_input {
	enum rig_rec_input_kind kind;
	int64_t now_ns;
	bool ok;
	double power_w;
	bool has_text;			/* false: the caller passed NULL */
	char text[512];
	int position;
	enum rig_signal sig;
	struct rig_edge edge;
	uint64_t count;
	bool high;
};

/* Text as one token without spaces: bytes outside '!'..'~' and '\\' as
 * \xHH or \\, "" as \e, "-" as \x2d ("-" alone means absent). Returns the
 * length, or -1 when buf is too small. */
int rig_rec_escape(const char *text, size_t len, char *buf, size_t buf_len);
/* The same for a `t` line's text, which runs to the end of the line:
 * spaces kept, a newline as \n. */
int rig_rec_escape_text(const char *text, size_t len, char *buf, size_t buf_len);
/* The reverse of either; ret_len gets the byte count (the text may hold NULs).
 * -1 on a bad escape or too small a buffer. */
int rig_rec_unescape(const char *tok, char *buf, size_t buf_len, size_t *ret_len);

/* "seq ..." without '\n'; returns the length or -1 when buf is too small. */
int rig_rec_format_input(char *buf, size_t len, const struct rig_rec_input *in);
/* Parses a "seq ..." line; -1 with why. */
int rig_rec_parse_input(const char *line, struct rig_rec_input *ret, char *why, size_t why_len);

/* Makes the sequencer call the input stands for (not RIG_REC_START). */
void rig_rec_apply(struct rig_seq *s, const struct rig_rec_input *in);

/* "ev ..." without '\n': every field of the event that its kind uses,
 * doubles in %a, so two events format alike exactly when they are equal
 * bit for bit. Returns the length or -1 when buf is too small. */
int rig_rec_format_event(char *buf, size_t len, const struct rig_seq_event *ev);

/* The value of key=VALUE in a formatted line, unescaped into buf; -1 when
 * the key is absent or bad. */
int rig_rec_field(const char *line, const char *key, char *buf, size_t buf_len);

#endif
