/* JSON lines: one JSON object per line, over cJSON. A line splitter with a
 * maximum line length for input, a capped output buffer for non-blocking
 * writers, and a few typed getters. */
#ifndef RIG_COMMON_JSONL_H
#define RIG_COMMON_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* --- input: bytes in, complete lines out --------------------------------- */
struct rig_linebuf {
	char *buf;
	size_t len;		/* bytes held */
	size_t cap;
	size_t start;		/* first byte not yet returned */
	size_t max_line;	/* longest accepted line, without the newline */
};

void rig_linebuf_init(struct rig_linebuf *lb, size_t max_line);
void rig_linebuf_free(struct rig_linebuf *lb);
/* Appends bytes. -1 when a line longer than max_line is pending (the caller
 * drops the peer: there is no way to resynchronise cheaply). */
int rig_linebuf_feed(struct rig_linebuf *lb, const void *data, size_t n);
/* 1 with *ret_line (NUL-terminated, '\r' and '\n' stripped, valid until the
 * next feed) when a complete line is there, 0 otherwise. */
int rig_linebuf_next(struct rig_linebuf *lb, char **ret_line);

/* --- output: queued bytes, a hard cap, drained without blocking ---------- */
struct rig_outbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;		/* queued bytes allowed; beyond it the peer is too slow */
};

void rig_outbuf_init(struct rig_outbuf *ob, size_t max);
void rig_outbuf_free(struct rig_outbuf *ob);
/* -1 (nothing queued) when it would exceed max. */
int rig_outbuf_append(struct rig_outbuf *ob, const void *data, size_t n);
/* Writes what the fd takes now. 0 ok (maybe some left), -1 on a write error. */
int rig_outbuf_flush(struct rig_outbuf *ob, int fd);
static inline bool rig_outbuf_empty(const struct rig_outbuf *ob) { return ob->len == 0; }

/* --- cJSON conveniences ---------------------------------------------------- */
/* Unformatted JSON plus '\n'; malloc'd, NULL on allocation failure. */
char *rig_json_line(const cJSON *obj);
/* Typed lookup: the default when missing or of another type. */
const char *rig_json_str(const cJSON *obj, const char *key, const char *dflt);
double rig_json_num(const cJSON *obj, const char *key, double dflt);
/* A whole number lo..hi, range-checked as a double before the cast (one
 * beyond int is undefined behaviour); dflt when absent or out of range. */
int rig_json_int(const cJSON *obj, const char *key, int lo, int hi, int dflt);
bool rig_json_bool(const cJSON *obj, const char *key, bool dflt);
/* A number as JSON: null when not finite (JSON has no NaN). */
cJSON *rig_json_add_number(cJSON *obj, const char *key, double v);

#endif
