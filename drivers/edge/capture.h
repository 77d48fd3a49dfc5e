/* The edge capture format (CAPTURE.md), pure: parse and format one line,
 * check a sequence of lines (line numbers, timestamps not going backwards),
 * and a recorder that appends lines to a FILE*. */
#ifndef RIG_DRIVERS_CAPTURE_H
#define RIG_DRIVERS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rig/core/edge.h"
#include "rig/core/error.h"

#define CAPTURE_HEADER "# rig edge capture v1"
#define CAPTURE_HEADER_V2 "# rig edge capture v2"	/* adds the run record (rig/core/recording.h) */
#define CAPTURE_MAX_LINE 128	/* longest valid line, with room to spare */

enum capture_kind {
	CAPTURE_SKIP,		/* comment or empty line */
	CAPTURE_EDGE,		/* E line */
	CAPTURE_LEVEL,		/* V line */
};

struct capture_level {
	int64_t timestamp_ns;
	uint32_t line;
	int value;		/* 0 or 1 */
};

struct capture_record {
	enum capture_kind kind;
	struct rig_edge edge;		/* CAPTURE_EDGE */
	struct capture_level level;	/* CAPTURE_LEVEL */
};

/* One line without its '\n'. 0 ok, -1 with why ("bad field 'x' (timestamp)"). */
int capture_parse_line(const char *text, struct capture_record *ret, char *why, size_t why_len);

/* Format without the '\n'; return the length (snprintf's). */
int capture_format_edge(char *buf, size_t len, const struct rig_edge *e);
int capture_format_level(char *buf, size_t len, const struct capture_level *v);

/* Lines in order from one file or stream: counts lines, checks timestamps
 * never go backwards, and puts name:line in errors. */
struct capture_reader {
	char name[200];
	int line_no;
	int64_t last_ts;
	int version;		/* from the last header line seen; 1 until one says 2 */
};

/* A v2 run-record line (run, meta, text, t, lack, plan, seq, ev, end): the
 * analyser's business; the edge inputs skip it. */
bool capture_is_run_record(const char *text);

void capture_reader_init(struct capture_reader *r, const char *name);
int capture_reader_line(struct capture_reader *r, const char *text, struct capture_record *ret,
			struct rig_error *err);

/* The same for a line of len bytes as read from a file: a NUL byte in it
 * (which would cut the line short unseen) is an error at name:line. */
int capture_reader_line_n(struct capture_reader *r, const char *text, size_t len,
			  struct capture_record *ret, struct rig_error *err);

/* The recorder. kv: "key=value" header lines (chip, station, ...). */
struct capture_writer {
	FILE *f;
};

int capture_writer_start(struct capture_writer *w, FILE *f, const char *const *kv, size_t n_kv,
			 struct rig_error *err);
int capture_write_edge(struct capture_writer *w, const struct rig_edge *e, struct rig_error *err);
int capture_write_level(struct capture_writer *w, const struct capture_level *v, struct rig_error *err);
/* fflush: call at points where a crash must not lose lines. */
int capture_writer_flush(struct capture_writer *w, struct rig_error *err);

#endif
