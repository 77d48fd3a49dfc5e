#include "drivers/edge/capture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 6

/* Splits on single spaces into at most MAX_FIELDS fields; -1 on empty
 * fields (two spaces, leading/trailing space) or too many. */
static int split(char *s, char *field[MAX_FIELDS + 1])
{
	int n = 0;
	for (char *p = s;; p++) {
		char *sp = strchr(p, ' ');
		if (n > MAX_FIELDS)
			return -2;
		field[n++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp;
	}
	for (int i = 0; i < n; i++)
		if (!field[i][0])
			return -1;
	return n;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno)
		return -1;
	*ret = v;
	return 0;
}

static int bad_field(char *why, size_t why_len, const char *value, const char *what)
{
	snprintf(why, why_len, "bad field '%.40s' (%s)", value, what);
	return -1;
}

static int parse_common(char **f, int64_t *ts, uint32_t *line, char *why, size_t why_len)
{
	uint64_t v;
	if (parse_u64(f[1], &v) < 0 || v > INT64_MAX)
		return bad_field(why, why_len, f[1], "timestamp_ns");
	*ts = (int64_t)v;
	if (parse_u64(f[2], &v) < 0 || v > UINT32_MAX)
		return bad_field(why, why_len, f[2], "line");
	*line = (uint32_t)v;
	return 0;
}

int capture_parse_line(const char *text, struct capture_record *ret, char *why, size_t why_len)
{
	memset(ret, 0, sizeof(*ret));
	if (text[0] == '\0' || text[0] == '#') {
		ret->kind = CAPTURE_SKIP;
		return 0;
	}
	char buf[CAPTURE_MAX_LINE + 1];
	if (strlen(text) > CAPTURE_MAX_LINE) {
		snprintf(why, why_len, "line too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	char *f[MAX_FIELDS + 1];
	int n = split(buf, f);
	if (n == -2) {
		snprintf(why, why_len, "too many fields");
		return -1;
	}
	if (n < 0) {
		snprintf(why, why_len, "fields must be separated by exactly one space");
		return -1;
	}
	if (strcmp(f[0], "E") == 0) {
		if (n != 6) {
			snprintf(why, why_len, "E line needs 5 fields, has %d", n - 1);
			return -1;
		}
		struct rig_edge *e = &ret->edge;
		if (parse_common(f, &e->timestamp_ns, &e->line, why, why_len) < 0)
			return -1;
		if (strcmp(f[3], "R") == 0)
			e->kind = RIG_EDGE_RISING;
		else if (strcmp(f[3], "F") == 0)
			e->kind = RIG_EDGE_FALLING;
		else
			return bad_field(why, why_len, f[3], "edge kind R or F");
		if (parse_u64(f[4], &e->global_seqno) < 0 || e->global_seqno == 0)
			return bad_field(why, why_len, f[4], "global_seqno, from 1");
		if (parse_u64(f[5], &e->line_seqno) < 0 || e->line_seqno == 0)
			return bad_field(why, why_len, f[5], "line_seqno, from 1");
		ret->kind = CAPTURE_EDGE;
		return 0;
	}
	if (strcmp(f[0], "V") == 0) {
		if (n != 4) {
			snprintf(why, why_len, "V line needs 3 fields, has %d", n - 1);
			return -1;
		}
		struct capture_level *v = &ret->level;
		if (parse_common(f, &v->timestamp_ns, &v->line, why, why_len) < 0)
			return -1;
		if (strcmp(f[3], "0") != 0 && strcmp(f[3], "1") != 0)
			return bad_field(why, why_len, f[3], "level 0 or 1");
		v->value = f[3][0] - '0';
		ret->kind = CAPTURE_LEVEL;
		return 0;
	}
	snprintf(why, why_len, "bad kind '%.20s' (E or V)", f[0]);
	return -1;
}

int capture_format_edge(char *buf, size_t len, const struct rig_edge *e)
{
	return snprintf(buf, len, "E %" PRId64 " %" PRIu32 " %c %" PRIu64 " %" PRIu64, e->timestamp_ns, e->line,
			e->kind == RIG_EDGE_RISING ? 'R' : 'F', e->global_seqno, e->line_seqno);
}

int capture_format_level(char *buf, size_t len, const struct capture_level *v)
{
	return snprintf(buf, len, "V %" PRId64 " %" PRIu32 " %d", v->timestamp_ns, v->line, v->value ? 1 : 0);
}

void capture_reader_init(struct capture_reader *r, const char *name)
{
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	r->line_no = 0;
	r->last_ts = INT64_MIN;
	r->version = 1;
}

bool capture_is_run_record(const char *text)
{
	static const char *const kinds[] = {"run", "meta", "text", "t", "lack", "plan", "seq", "ev", "end"};
	size_t len = strcspn(text, " ");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i]) == len && strncmp(text, kinds[i], len) == 0)
			return true;
	return false;
}

int capture_reader_line(struct capture_reader *r, const char *text, struct capture_record *ret,
			struct rig_error *err)
{
	char why[128];
	r->line_no++;
	if (strcmp(text, CAPTURE_HEADER_V2) == 0)
		r->version = 2;
	else if (strcmp(text, CAPTURE_HEADER) == 0)
		r->version = 1;
	if (r->version >= 2 && capture_is_run_record(text)) {
		memset(ret, 0, sizeof(*ret));
		ret->kind = CAPTURE_SKIP;
		return 0;
	}
	if (capture_parse_line(text, ret, why, sizeof(why)) < 0)
		return rig_error_set(err, r->name, r->line_no, "%s", why);
	if (ret->kind == CAPTURE_SKIP)
		return 0;
	int64_t ts = ret->kind == CAPTURE_EDGE ? ret->edge.timestamp_ns : ret->level.timestamp_ns;
	if (ts < r->last_ts)
		return rig_error_set(err, r->name, r->line_no,
				     "timestamp %" PRId64 " goes backwards (previous %" PRId64 ")", ts, r->last_ts);
	r->last_ts = ts;
	return 0;
}

int capture_reader_line_n(struct capture_reader *r, const char *text, size_t len,
			  struct capture_record *ret, struct rig_error *err)
{
	if (memchr(text, '\0', len))
		return rig_error_set(err, r->name, r->line_no + 1, "NUL byte in the line");
	return capture_reader_line(r, text, ret, err);
}

static int writer_line(struct capture_writer *w, const char *line, struct rig_error *err)
{
	if (fprintf(w->f, "%s\n", line) < 0)
		return rig_error_set(err, NULL, 0, "capture: write failed: %s", strerror(errno));
	return 0;
}

int capture_writer_start(struct capture_writer *w, FILE *f, const char *const *kv, size_t n_kv,
			 struct rig_error *err)
{
	w->f = f;
	if (writer_line(w, CAPTURE_HEADER, err) < 0)
		return -1;
	for (size_t i = 0; i < n_kv; i++) {
		if (strchr(kv[i], '\n') || !strchr(kv[i], '='))
			return rig_error_set(err, NULL, 0, "capture: header '%s' is not one key=value line", kv[i]);
		if (fprintf(f, "# %s\n", kv[i]) < 0)
			return rig_error_set(err, NULL, 0, "capture: write failed: %s", strerror(errno));
	}
	return 0;
}

int capture_write_edge(struct capture_writer *w, const struct rig_edge *e, struct rig_error *err)
{
	char line[CAPTURE_MAX_LINE + 1];
	capture_format_edge(line, sizeof(line), e);
	return writer_line(w, line, err);
}

int capture_write_level(struct capture_writer *w, const struct capture_level *v, struct rig_error *err)
{
	char line[CAPTURE_MAX_LINE + 1];
	capture_format_level(line, sizeof(line), v);
	return writer_line(w, line, err);
}

int capture_writer_flush(struct capture_writer *w, struct rig_error *err)
{
	if (fflush(w->f) != 0)
		return rig_error_set(err, NULL, 0, "capture: flush failed: %s", strerror(errno));
	return 0;
}
