#include "drivers/source/scpi6100/protocol.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int plan_add(struct scpi_plan *plan, enum scpi_step_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int plan_add(struct scpi_plan *plan, enum scpi_step_kind kind, const char *fmt, ...)
{
	if (plan->n >= SCPI_MAX_STEPS)
		return -1;
	struct scpi_step *st = &plan->step[plan->n++];
	st->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->line, sizeof(st->line), fmt, ap);
	va_end(ap);
	return 0;
}

/* Every setting is followed by a look at the error queue, so an error is
 * pinned to the setting that caused it and nothing after it is sent. */
static int plan_set(struct scpi_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int plan_set(struct scpi_plan *plan, const char *fmt, ...)
{
	char line[SCPI_CMD_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (plan_add(plan, SCPI_STEP_SET, "%s", line) < 0)
		return -1;
	return plan_add(plan, SCPI_STEP_ERR, "SYST:ERR?");
}

int scpi_plan_open(struct scpi_plan *plan)
{
	int rc = 0;
	rc |= plan_add(plan, SCPI_STEP_IDN, "*IDN?");
	rc |= plan_add(plan, SCPI_STEP_SET, "*RST");
	rc |= plan_add(plan, SCPI_STEP_OPC, "*OPC?");
	rc |= plan_add(plan, SCPI_STEP_SET, "*CLS");
	rc |= scpi_plan_output(plan, false);
	return rc;
}

int scpi_plan_watchdog(struct scpi_plan *plan, double seconds)
{
	if (!(seconds >= 0.1 && seconds <= 3600))
		return -1;
	int rc = plan_set(plan, "OUTP:PROT:WDOG:DEL %.6g", seconds);
	rc |= plan_set(plan, "OUTP:PROT:WDOG ON");
	return rc;
}

static bool finite_nonneg(double v)
{
	return isfinite(v) && v >= 0;
}

int scpi_plan_apply(struct scpi_plan *plan, const struct rig_setpoint *sp, char *why, size_t why_len)
{
	if (!isfinite(sp->frequency_hz) || sp->frequency_hz <= 0) {
		snprintf(why, why_len, "bad setpoint: frequency %g Hz", sp->frequency_hz);
		return -1;
	}
	int used = 0;
	for (int i = 0; i < 2; i++) {
		int ph = sp->ph[i].phase;
		if (ph == 0)
			continue;
		if (ph < 1 || ph > SCPI_MAX_PHASE || (i == 1 && ph == sp->ph[0].phase)) {
			snprintf(why, why_len, "bad setpoint: phase %d (1-%d, each once)", ph, SCPI_MAX_PHASE);
			return -1;
		}
		if (!finite_nonneg(sp->ph[i].voltage_v) || !finite_nonneg(sp->ph[i].current_a) ||
		    !isfinite(sp->ph[i].voltage_angle_deg) || !isfinite(sp->ph[i].current_angle_deg)) {
			snprintf(why, why_len, "bad setpoint: phase %d values", ph);
			return -1;
		}
		used++;
	}
	if (!used) {
		snprintf(why, why_len, "bad setpoint: no phase in use");
		return -1;
	}
	int rc = plan_set(plan, "SOUR:FREQ %.6g", sp->frequency_hz);
	for (int i = 0; i < 2 && rc == 0; i++) {
		int ph = sp->ph[i].phase;
		double v = sp->ph[i].voltage_v, a = sp->ph[i].current_a;
		if (ph == 0)
			continue;
		/* Range first (min,max both the value: the tightest range that
		 * holds it), then the amplitude and angle, then enable. */
		rc |= plan_set(plan, "SOUR:PHAS%d:VOLT:RANG %.6g,%.6g", ph, v, v);
		rc |= plan_set(plan, "SOUR:PHAS%d:CURR:RANG %.6g,%.6g", ph, a, a);
		rc |= plan_set(plan, "SOUR:PHAS%d:VOLT:MHAR:HARM1 %.6g,%.6g", ph, v, sp->ph[i].voltage_angle_deg);
		rc |= plan_set(plan, "SOUR:PHAS%d:CURR:MHAR:HARM1 %.6g,%.6g", ph, a, sp->ph[i].current_angle_deg);
		rc |= plan_set(plan, "SOUR:PHAS%d:VOLT:STAT 1", ph);
		rc |= plan_set(plan, "SOUR:PHAS%d:CURR:STAT 1", ph);
	}
	if (rc) {
		snprintf(why, why_len, "internal: command plan too long");
		return -1;
	}
	return 0;
}

int scpi_plan_output(struct scpi_plan *plan, bool on)
{
	int rc = 0;
	rc |= plan_add(plan, SCPI_STEP_SET, "OUTP:STAT %s", on ? "ON" : "OFF");
	rc |= plan_add(plan, SCPI_STEP_ERR, "SYST:ERR?");
	rc |= plan_add(plan, on ? SCPI_STEP_IS_ON : SCPI_STEP_IS_OFF, "OUTP:STAT?");
	return rc;
}

int scpi_plan_read_power(struct scpi_plan *plan, const bool phases[SCPI_MAX_PHASE], char *why,
			 size_t why_len)
{
	int n = 0;
	for (int ph = 1; ph <= SCPI_MAX_PHASE; ph++)
		if (phases[ph - 1]) {
			if (plan_add(plan, SCPI_STEP_WATT, "SOUR:PHAS%d:POW:WATT?", ph) < 0)
				return -1;
			n++;
		}
	if (!n) {
		snprintf(why, why_len, "read power: no phase in use (no setpoint applied yet)");
		return -1;
	}
	return 0;
}

int scpi_plan_insert_sync(struct scpi_plan *plan, int at)
{
	if (plan->n >= SCPI_MAX_STEPS || at < 0 || at > plan->n)
		return -1;
	memmove(&plan->step[at + 1], &plan->step[at], (size_t)(plan->n - at) * sizeof(plan->step[0]));
	plan->n++;
	plan->step[at].kind = SCPI_STEP_SYNC;
	snprintf(plan->step[at].line, sizeof(plan->step[at].line), "*IDN?");
	return 0;
}

void scpi_linebuf_reset(struct scpi_linebuf *lb)
{
	lb->len = 0;
}

size_t scpi_linebuf_room(const struct scpi_linebuf *lb)
{
	return sizeof(lb->buf) - lb->len;
}

void scpi_linebuf_add(struct scpi_linebuf *lb, const void *bytes, size_t n)
{
	if (n > scpi_linebuf_room(lb))
		n = scpi_linebuf_room(lb);
	memcpy(lb->buf + lb->len, bytes, n);
	lb->len += n;
}

static void linebuf_drop(struct scpi_linebuf *lb, size_t n)
{
	memmove(lb->buf, lb->buf + n, lb->len - n);
	lb->len -= n;
}

int scpi_linebuf_take(struct scpi_linebuf *lb, char *line, size_t cap, char *why, size_t why_len)
{
	char *nl = memchr(lb->buf, '\n', lb->len);
	size_t n = nl ? (size_t)(nl - lb->buf) : lb->len;
	size_t text = n;
	if (nl && text > 0 && lb->buf[text - 1] == '\r')
		text--;
	if (text > SCPI_MAX_LINE || text >= cap) {
		snprintf(why, why_len, "overlong line (more than %d bytes)", SCPI_MAX_LINE);
		lb->len = 0;
		return -1;
	}
	for (size_t i = 0; i < text; i++) {
		unsigned char c = (unsigned char)lb->buf[i];
		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			snprintf(why, why_len, "binary data (byte 0x%02x)", c);
			lb->len = 0;
			return -1;
		}
	}
	if (!nl)
		return 0;
	memcpy(line, lb->buf, text);
	line[text] = '\0';
	linebuf_drop(lb, n + 1);
	return 1;
}

int scpi_parse_error(const char *reply, int *ret_code, char *text, size_t text_len)
{
	char *end;
	errno = 0;
	long code = strtol(reply, &end, 10);
	if (end == reply || errno || *end != ',' || code < -32768 || code > 32767)
		return -1;
	const char *q = end + 1;
	size_t len = strlen(q);
	if (len < 2 || q[0] != '"' || q[len - 1] != '"')
		return -1;
	snprintf(text, text_len, "%.*s", (int)(len - 2), q + 1);
	*ret_code = (int)code;
	return 0;
}

int scpi_parse_number(const char *reply, double *ret)
{
	char *end;
	while (isspace((unsigned char)*reply))
		reply++;
	errno = 0;
	double v = strtod(reply, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == reply || *end || errno || !isfinite(v))
		return -1;
	*ret = v;
	return 0;
}

int scpi_parse_bool(const char *reply, bool *ret)
{
	if (strcmp(reply, "1") == 0 || strcasecmp(reply, "ON") == 0)
		*ret = true;
	else if (strcmp(reply, "0") == 0 || strcasecmp(reply, "OFF") == 0)
		*ret = false;
	else
		return -1;
	return 0;
}
