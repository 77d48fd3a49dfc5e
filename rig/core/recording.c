/* Run-record lines of the capture format v2 (drivers/edge/CAPTURE.md). */
#include "rig/core/recording.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- tokens -------------------------------------------------------------------- */

static int escape(const char *text, size_t len, bool keep_spaces, char *buf, size_t buf_len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (o + 5 > buf_len)
			return -1;
		if (c == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (c == '\n' && keep_spaces) {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if ((c > ' ' && c <= '~') || (c == ' ' && keep_spaces)) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return (int)o;
}

int rig_rec_escape(const char *text, size_t len, char *buf, size_t buf_len)
{
	const char *special = len == 0 ? "\\e" : (len == 1 && text[0] == '-') ? "\\x2d" : NULL;
	if (!special)
		return escape(text, len, false, buf, buf_len);
	if (strlen(special) + 1 > buf_len)
		return -1;
	memcpy(buf, special, strlen(special) + 1);
	return (int)strlen(special);
}

int rig_rec_escape_text(const char *text, size_t len, char *buf, size_t buf_len)
{
	return escape(text, len, true, buf, buf_len);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rig_rec_unescape(const char *tok, char *buf, size_t buf_len, size_t *ret_len)
{
	size_t o = 0;
	if (strcmp(tok, "\\e") == 0) {
		if (buf_len < 1)
			return -1;
		buf[0] = '\0';
		*ret_len = 0;
		return 0;
	}
	for (const char *p = tok; *p; p++) {
		if (o + 1 >= buf_len)
			return -1;
		if (*p != '\\') {
			buf[o++] = *p;
			continue;
		}
		if (p[1] == '\\' || p[1] == 'n') {
			buf[o++] = p[1] == 'n' ? '\n' : '\\';
			p++;
			continue;
		}
		int hi = p[1] == 'x' ? hex_digit(p[2]) : -1;
		int lo = hi >= 0 ? hex_digit(p[3]) : -1;
		if (lo < 0)
			return -1;
		buf[o++] = (char)(hi * 16 + lo);
		p += 3;
	}
	buf[o] = '\0';
	*ret_len = o;
	return 0;
}

/* Appends to a line; once it overflows the line stays failed. */
struct line {
	char *buf;
	size_t len, used;
	bool failed;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	if (l->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->len - l->used)
		l->failed = true;
	else
		l->used += (size_t)n;
}

static void put_text(struct line *l, const char *key, const char *text)
{
	char tok[RIG_REC_MAX_LINE / 2];
	if (!text) {
		put(l, " %s%s-", key, key[0] ? "=" : "");
		return;
	}
	if (rig_rec_escape(text, strlen(text), tok, sizeof(tok)) < 0)
		l->failed = true;
	else
		put(l, " %s%s%s", key, key[0] ? "=" : "", tok);
}

static int line_end(struct line *l)
{
	return l->failed ? -1 : (int)l->used;
}

/* --- sequencer inputs --------------------------------------------------------- */

static const char *const input_names[] = {
	[RIG_REC_START] = "start", [RIG_REC_DONE] = "done",   [RIG_REC_EDGE] = "edge",
	[RIG_REC_LOST] = "lost",   [RIG_REC_LEVEL] = "level", [RIG_REC_TICK] = "tick",
	[RIG_REC_ABORT] = "abort", [RIG_REC_FAULT] = "fault", [RIG_REC_COMPLETE] = "complete",
	[RIG_REC_READING] = "reading",
};

int rig_rec_format_input(char *buf, size_t len, const struct rig_rec_input *in)
{
	struct line l = {buf, len, 0, false};
	put(&l, "seq %s", input_names[in->kind]);
	switch (in->kind) {
	case RIG_REC_START:
	case RIG_REC_TICK:
	case RIG_REC_COMPLETE:
		put(&l, " %" PRId64, in->now_ns);
		break;
	case RIG_REC_DONE:
		put(&l, " %" PRId64 " %s %a", in->now_ns, in->ok ? "ok" : "error", in->power_w);
		put_text(&l, "", in->has_text ? in->text : NULL);
		break;
	case RIG_REC_ABORT:
	case RIG_REC_FAULT:
		put(&l, " %" PRId64, in->now_ns);
		put_text(&l, "", in->has_text ? in->text : NULL);
		break;
	case RIG_REC_EDGE:
		put(&l, " %d %s %" PRId64 " %" PRIu32 " %c %" PRIu64 " %" PRIu64, in->position,
		    rig_signal_name(in->sig), in->edge.timestamp_ns, in->edge.line,
		    in->edge.kind == RIG_EDGE_RISING ? 'R' : 'F', in->edge.global_seqno,
		    in->edge.line_seqno);
		break;
	case RIG_REC_LOST:
		put(&l, " %d %s %" PRIu64, in->position, rig_signal_name(in->sig), in->count);
		break;
	case RIG_REC_LEVEL:
		put(&l, " %d %s %d", in->position, rig_signal_name(in->sig), in->high ? 1 : 0);
		break;
	case RIG_REC_READING:
		put(&l, " %" PRId64 " %d %a", in->now_ns, in->position, in->power_w);
		break;
	}
	return line_end(&l);
}

#define MAX_FIELDS 10

static int split(char *s, char *f[MAX_FIELDS])
{
	int n = 0;
	for (char *p = s; n < MAX_FIELDS;) {
		f[n++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
		if (!*p || *p == ' ')
			return -1;
	}
	return -1;
}

static int bad(char *why, size_t why_len, const char *what, const char *value)
{
	snprintf(why, why_len, "bad %s '%.40s'", what, value);
	return -1;
}

static int parse_i64(const char *s, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return -1;
	*ret = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	*ret = v;
	return 0;
}

static int parse_double(const char *s, double *ret)
{
	char *end;
	errno = 0;
	*ret = strtod(s, &end);
	return !*s || *end || errno == ERANGE ? -1 : 0;
}

static int parse_signal(const char *s, enum rig_signal *ret)
{
	for (int i = 0; i <= RIG_SIG_REFERENCE; i++)
		if (strcmp(s, rig_signal_name((enum rig_signal)i)) == 0) {
			*ret = (enum rig_signal)i;
			return 0;
		}
	return -1;
}

static int parse_text(const char *tok, struct rig_rec_input *in)
{
	size_t n;
	in->has_text = strcmp(tok, "-") != 0;
	if (!in->has_text) {
		in->text[0] = '\0';
		return 0;
	}
	return rig_rec_unescape(tok, in->text, sizeof(in->text), &n);
}

static int parse_position_signal(char **f, struct rig_rec_input *in, char *why, size_t why_len)
{
	int64_t pos;
	if (parse_i64(f[2], &pos) < 0 || pos < -1 || pos > RIG_MAX_POSITIONS)
		return bad(why, why_len, "position", f[2]);
	in->position = (int)pos;
	if (parse_signal(f[3], &in->sig) < 0)
		return bad(why, why_len, "signal", f[3]);
	return 0;
}

static int parse_edge_fields(char **f, struct rig_rec_input *in, char *why, size_t why_len)
{
	uint64_t line;
	if (parse_i64(f[4], &in->edge.timestamp_ns) < 0)
		return bad(why, why_len, "timestamp", f[4]);
	if (parse_u64(f[5], &line) < 0 || line > UINT32_MAX)
		return bad(why, why_len, "line", f[5]);
	in->edge.line = (uint32_t)line;
	if (strcmp(f[6], "R") == 0)
		in->edge.kind = RIG_EDGE_RISING;
	else if (strcmp(f[6], "F") == 0)
		in->edge.kind = RIG_EDGE_FALLING;
	else
		return bad(why, why_len, "edge kind (R or F)", f[6]);
	if (parse_u64(f[7], &in->edge.global_seqno) < 0)
		return bad(why, why_len, "global_seqno", f[7]);
	if (parse_u64(f[8], &in->edge.line_seqno) < 0)
		return bad(why, why_len, "line_seqno", f[8]);
	return 0;
}

static const int input_fields[] = {
	[RIG_REC_START] = 3, [RIG_REC_DONE] = 6,  [RIG_REC_EDGE] = 9, [RIG_REC_LOST] = 5,
	[RIG_REC_LEVEL] = 5, [RIG_REC_TICK] = 3,  [RIG_REC_ABORT] = 4, [RIG_REC_FAULT] = 4,
	[RIG_REC_COMPLETE] = 3, [RIG_REC_READING] = 5,
};

static int parse_input(const char *text, struct rig_rec_input *ret, char *why, size_t why_len)
{
	char buf[RIG_REC_MAX_LINE + 1];
	if (strlen(text) > RIG_REC_MAX_LINE) {
		snprintf(why, why_len, "line too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	char *f[MAX_FIELDS];
	int n = split(buf, f);
	if (n < 2 || strcmp(f[0], "seq") != 0) {
		snprintf(why, why_len, "expected 'seq KIND ...' with single spaces");
		return -1;
	}
	int k;
	for (k = 0; k <= RIG_REC_READING; k++)
		if (strcmp(f[1], input_names[k]) == 0)
			break;
	if (k > RIG_REC_READING)
		return bad(why, why_len, "sequencer input", f[1]);
	ret->kind = (enum rig_rec_input_kind)k;
	if (n != input_fields[k]) {
		snprintf(why, why_len, "seq %s needs %d fields, has %d", f[1], input_fields[k] - 2,
			 n - 2);
		return -1;
	}
	switch (ret->kind) {
	case RIG_REC_START:
	case RIG_REC_TICK:
	case RIG_REC_ABORT:
	case RIG_REC_FAULT:
	case RIG_REC_DONE:
	case RIG_REC_COMPLETE:
		if (parse_i64(f[2], &ret->now_ns) < 0)
			return bad(why, why_len, "time", f[2]);
		break;
	case RIG_REC_READING: {
		int64_t pos;
		if (parse_i64(f[2], &ret->now_ns) < 0)
			return bad(why, why_len, "time", f[2]);
		if (parse_i64(f[3], &pos) < 0 || pos < 1 || pos > RIG_MAX_POSITIONS)
			return bad(why, why_len, "position", f[3]);
		ret->position = (int)pos;
		if (parse_double(f[4], &ret->power_w) < 0)
			return bad(why, why_len, "reading", f[4]);
		return 0;
	}
	default:
		if (parse_position_signal(f, ret, why, why_len) < 0)
			return -1;
		break;
	}
	switch (ret->kind) {
	case RIG_REC_DONE:
		if (strcmp(f[3], "ok") != 0 && strcmp(f[3], "error") != 0)
			return bad(why, why_len, "outcome (ok or error)", f[3]);
		ret->ok = f[3][0] == 'o';
		if (parse_double(f[4], &ret->power_w) < 0)
			return bad(why, why_len, "power", f[4]);
		if (parse_text(f[5], ret) < 0)
			return bad(why, why_len, "text", f[5]);
		break;
	case RIG_REC_ABORT:
	case RIG_REC_FAULT:
		if (parse_text(f[3], ret) < 0)
			return bad(why, why_len, "text", f[3]);
		break;
	case RIG_REC_EDGE:
		return parse_edge_fields(f, ret, why, why_len);
	case RIG_REC_LOST:
		if (parse_u64(f[4], &ret->count) < 0)
			return bad(why, why_len, "count", f[4]);
		break;
	case RIG_REC_LEVEL:
		if (strcmp(f[4], "0") != 0 && strcmp(f[4], "1") != 0)
			return bad(why, why_len, "level (0 or 1)", f[4]);
		ret->high = f[4][0] == '1';
		break;
	default:
		break;
	}
	return 0;
}

int rig_rec_parse_input(const char *text, struct rig_rec_input *ret, char *why, size_t why_len)
{
	struct rig_rec_input in;
	memset(&in, 0, sizeof(in));
	if (parse_input(text, &in, why, why_len) < 0)
		return -1;
	*ret = in;
	return 0;
}

void rig_rec_apply(struct rig_seq *s, const struct rig_rec_input *in)
{
	const char *text = in->has_text ? in->text : NULL;
	switch (in->kind) {
	case RIG_REC_START:
		break;
	case RIG_REC_DONE:
		rig_seq_command_done(s, in->now_ns, in->ok, text, in->power_w);
		break;
	case RIG_REC_EDGE:
		rig_seq_edge(s, in->position, in->sig, &in->edge);
		break;
	case RIG_REC_LOST:
		rig_seq_lost(s, in->position, in->sig, in->count);
		break;
	case RIG_REC_LEVEL:
		rig_seq_level(s, in->position, in->sig, in->high);
		break;
	case RIG_REC_TICK:
		rig_seq_tick(s, in->now_ns);
		break;
	case RIG_REC_ABORT:
		rig_seq_abort(s, in->now_ns, text);
		break;
	case RIG_REC_FAULT:
		rig_seq_fault(s, in->now_ns, text);
		break;
	case RIG_REC_COMPLETE:
		rig_seq_edges_complete(s, in->now_ns);
		break;
	case RIG_REC_READING:
		rig_seq_reading(s, in->now_ns, in->position, in->power_w, NULL);
		break;
	}
}

/* --- sequencer events --------------------------------------------------------- */

static const char *const cmd_names[] = {
	[RIG_CMD_OUTPUT_OFF] = "off",
	[RIG_CMD_APPLY] = "apply",
	[RIG_CMD_OUTPUT_ON] = "on",
	[RIG_CMD_READ_POWER] = "read_power",
};

static const char *const gate_states[] = {
	[RIG_GATE_SETTLING] = "settling", [RIG_GATE_GATING] = "gating", [RIG_GATE_DONE] = "done",
	[RIG_GATE_TIMED_OUT] = "timed_out", [RIG_GATE_INVALID] = "invalid",
};

static void put_command(struct line *l, const struct rig_cmd *c)
{
	put(l, " %s", c->kind <= RIG_CMD_READ_POWER ? cmd_names[c->kind] : "?");
	if (c->kind != RIG_CMD_APPLY)
		return;
	put(l, " f=%a", c->sp.frequency_hz);
	for (int i = 0; i < 2; i++)
		put(l, " ph%d=%d,%a,%a,%a,%a", i + 1, c->sp.ph[i].phase, c->sp.ph[i].voltage_v,
		    c->sp.ph[i].voltage_angle_deg, c->sp.ph[i].current_a,
		    c->sp.ph[i].current_angle_deg);
}

/* The uncertainty budget: every term as u,sensitivity,contribution,dof. */
static void put_budget(struct line *l, const struct rig_gate_budget *b)
{
	for (int t = 0; t < RIG_U_TERMS; t++) {
		char key[48];
		snprintf(key, sizeof(key), "u_%s", rig_u_term_name((enum rig_u_term)t));
		for (char *c = key; *c; c++)
			*c = *c == ' ' ? '_' : *c;	/* "update period": one word */
		put(l, " %s=%a,%a,%a,%a", key, b->term[t].u, b->term[t].sensitivity,
		    b->term[t].contribution, b->term[t].dof);
	}
	put(l, " uc_rel=%a nu_eff=%a budget_k=%a", b->uc_rel, b->nu_eff, b->k);
	put_text(l, "period", rig_period_check_name(b->period_check));
	put(l, " update_period_s=%a declared_period_s=%a", b->update_period_s, b->declared_period_s);
}

static void put_result(struct line *l, const struct rig_point_result *r)
{
	const struct rig_gate_result *g = &r->gate;
	put(l, " position=%d attempt=%d verdict=%s", r->position, r->attempt,
	    rig_verdict_name(r->verdict));
	put(l, " error_pct=%a u_pct=%a k=%a", g->error_pct, g->u_pct, g->k);
	put(l, " gate=%s edges_used=%d gate_s=%a registered_wh=%a reference_wh=%a",
	    (unsigned)g->state <= RIG_GATE_INVALID ? gate_states[g->state] : "?", g->edges_used,
	    g->gate_s, g->registered_wh, g->reference_wh);
	put(l, " duty=%a u_duty=%a lost=%" PRIu64 " dof=%d", g->duty, g->u_duty, g->lost_edges,
	    g->scatter_dof);
	put(l, " current_a=%a reference_w=%a edges_counted=%d led_on=%d value=%a", r->current_a,
	    r->reference_w, r->edges_counted, r->led_on ? 1 : 0, r->value);
	if (r->has_readings)
		put(l, " reading_before=%a reading_after=%a", r->reading_before_kwh,
		    r->reading_after_kwh);
	put_budget(l, &g->budget);
	put_text(l, "why", g->why);
	put_text(l, "detail", r->detail);
}

int rig_rec_format_event(char *buf, size_t len, const struct rig_seq_event *ev)
{
	struct line l = {buf, len, 0, false};
	switch (ev->kind) {
	case RIG_EV_COMMAND:
		put(&l, "ev command point=%d", ev->point);
		put_command(&l, &ev->cmd);
		break;
	case RIG_EV_POINT_STARTED:
		put(&l, "ev started point=%d", ev->point);
		break;
	case RIG_EV_PROGRESS:
		put(&l, "ev progress point=%d elapsed_s=%a remaining_s=%a u_pct=%a", ev->point,
		    ev->elapsed_s, ev->remaining_s, ev->point_u_pct);
		break;
	case RIG_EV_POINT_RESULT:
	case RIG_EV_POINT_RETRY:
		put(&l, "ev %s point=%d", ev->kind == RIG_EV_POINT_RESULT ? "result" : "retry",
		    ev->result.point);
		put_result(&l, &ev->result);
		break;
	case RIG_EV_READING_WANTED:
		put(&l, "ev reading point=%d after=%d positions=%u wait_s=%a", ev->point,
		    ev->reading_after ? 1 : 0, ev->positions, ev->remaining_s);
		break;
	case RIG_EV_RUN_DONE:
		put(&l, "ev done point=%d state=%s", ev->point, rig_run_state_name(ev->run_state));
		put_text(&l, "reason", ev->reason);
		break;
	default:
		put(&l, "ev unknown kind=%d", (int)ev->kind);
		break;
	}
	return line_end(&l);
}

int rig_rec_field(const char *line, const char *key, char *buf, size_t buf_len)
{
	size_t klen = strlen(key);
	for (const char *p = strchr(line, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '=')
			continue;
		const char *v = p + 2 + klen;
		size_t vlen = strcspn(v, " ");
		char tok[RIG_REC_MAX_LINE + 1];
		if (vlen > RIG_REC_MAX_LINE)
			return -1;
		memcpy(tok, v, vlen);
		tok[vlen] = '\0';
		size_t n;
		return rig_rec_unescape(tok, buf, buf_len, &n);
	}
	return -1;
}
