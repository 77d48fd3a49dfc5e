/* scpi6100: a phantom-load power standard with the Fluke 6100A/6105A style
 * SCPI command set (COMMANDS.md). A rig_cmd becomes a plan of lines
 * (protocol.c); this file walks the plan: send a line, and for a query wait
 * for its reply with a deadline. At most one reply is outstanding, so a
 * reply belongs to the last query sent -- unless an earlier query timed out
 * or was abandoned: then the next plan first resynchronises on *IDN?. */
#include "drivers/source/source.h"
#include "drivers/source/scpi6100/protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_DRAIN_MAX 16		/* an error queue longer than this is itself a fault */
#define OFF_TIMEOUT_S 2.0		/* output_off: short, it runs on every path out */

struct scpi6100 {
	struct scpi_plan plan;
	int cur;			/* step being carried out */
	bool active;			/* a command is in progress */
	bool waiting;			/* a reply to plan.step[cur] is outstanding */
	bool failed;			/* finished with error (reported by the next advance) */
	int64_t deadline_ns;
	int64_t last_now_ns;		/* latest time seen: "at once" for deadline() */
	int64_t timeout_ns;
	bool desync;			/* a reply may still be on its way: resync first */
	int skipped;			/* lines skipped while resynchronising */
	int drained;			/* SYST:ERR? entries read for the current setting */
	const char *last_setting;	/* for error messages */
	double power_w;
	bool phases[SCPI_MAX_PHASE];	/* in use since the last APPLY */
	bool pending_phases[SCPI_MAX_PHASE];
	bool applying;
	struct scpi_linebuf rx;
	char error[256];
};

static struct scpi6100 *priv_of(const struct source *s)
{
	return s->priv;
}

static void fail(struct scpi6100 *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct scpi6100 *d, const char *fmt, ...)
{
	if (d->failed)
		return;		/* the first error is the cause */
	size_t len = strlen(d->error);	/* instrument errors read so far stay */
	if (len && len + 3 < sizeof(d->error))
		len += (size_t)snprintf(d->error + len, sizeof(d->error) - len, "; ");
	va_list ap;
	va_start(ap, fmt);
	if (len < sizeof(d->error))
		vsnprintf(d->error + len, sizeof(d->error) - len, fmt, ap);
	va_end(ap);
	d->failed = true;
	d->waiting = false;
}

static void append_error(struct scpi6100 *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append_error(struct scpi6100 *d, const char *fmt, ...)
{
	size_t len = strlen(d->error);
	if (len + 3 >= sizeof(d->error))
		return;
	if (len)
		len += (size_t)snprintf(d->error + len, sizeof(d->error) - len, "; ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->error + len, sizeof(d->error) - len, fmt, ap);
	va_end(ap);
}

static int64_t timeout_ns_of(double s)
{
	return (int64_t)(s * (double)RIG_NS_PER_S);
}

/* Sends lines until one needs a reply or the plan is done. */
static void pump(struct source *s, int64_t now_ns)
{
	struct scpi6100 *d = priv_of(s);
	while (!d->failed && !d->waiting && d->cur < d->plan.n) {
		const struct scpi_step *st = &d->plan.step[d->cur];
		char out[SCPI_CMD_MAX + 1];
		int len = snprintf(out, sizeof(out), "%s\n", st->line);
		struct rig_error terr = { 0 };
		if (transport_write(s->tr, out, (size_t)len, &terr) < 0) {
			fail(d, "sending '%s': %s", st->line, terr.msg);
			return;
		}
		if (st->kind == SCPI_STEP_SET) {
			d->last_setting = st->line;
			d->drained = 0;
			d->cur++;
		} else {
			d->waiting = true;
			d->deadline_ns = now_ns + d->timeout_ns;
		}
	}
}

static void handle_error_reply(struct source *s, const char *reply)
{
	struct scpi6100 *d = priv_of(s);
	int code;
	char text[SCPI_MAX_LINE];
	if (scpi_parse_error(reply, &code, text, sizeof(text)) < 0) {
		fail(d, "garbled reply to 'SYST:ERR?': \"%s\"", reply);
		return;
	}
	if (code == 0) {
		d->cur++;
		if (d->error[0])	/* queue drained: stop here, nothing more is sent */
			d->failed = true;
		return;
	}
	if (++d->drained > ERR_DRAIN_MAX) {
		fail(d, "instrument error queue does not empty after %d reads", ERR_DRAIN_MAX);
		return;
	}
	append_error(d, "instrument error after '%s': %d,\"%s\"", d->last_setting ? d->last_setting : "(none)",
		     code, text);
	/* The same SYST:ERR? step again until it says 0. */
}

static void handle_reply(struct source *s, const char *reply)
{
	struct scpi6100 *d = priv_of(s);
	if (!d->waiting) {
		fail(d, "unexpected line from instrument: \"%s\"", reply);
		return;
	}
	const struct scpi_step *st = &d->plan.step[d->cur];
	d->waiting = false;
	bool on;
	double w;
	switch (st->kind) {
	case SCPI_STEP_ERR:
		handle_error_reply(s, reply);
		return;
	case SCPI_STEP_IDN:
		if (!reply[0])
			return fail(d, "garbled reply to '*IDN?': empty");
		snprintf(s->idn, sizeof(s->idn), "%.*s", (int)sizeof(s->idn) - 1, reply);
		break;
	case SCPI_STEP_OPC:
		if (strcmp(reply, "1") != 0)
			return fail(d, "garbled reply to '*OPC?': \"%s\"", reply);
		break;
	case SCPI_STEP_IS_OFF:
	case SCPI_STEP_IS_ON:
		if (scpi_parse_bool(reply, &on) < 0)
			return fail(d, "garbled reply to 'OUTP:STAT?': \"%s\"", reply);
		if (on != (st->kind == SCPI_STEP_IS_ON))
			return fail(d, "output is still %s after 'OUTP:STAT %s'", on ? "ON" : "OFF",
				    on ? "OFF" : "ON");
		break;
	case SCPI_STEP_WATT:
		if (scpi_parse_number(reply, &w) < 0)
			return fail(d, "garbled reply to '%s': \"%s\"", st->line, reply);
		d->power_w += w;
		break;
	case SCPI_STEP_SYNC:
		if (strcmp(reply, s->idn) != 0) {
			if (++d->skipped > ERR_DRAIN_MAX)
				return fail(d, "cannot resynchronise with the instrument (no *IDN? reply)");
			d->waiting = true;	/* a late reply to an old query: skip it */
			return;
		}
		d->desync = false;
		break;
	case SCPI_STEP_SET:
		break;
	}
	d->cur++;
}

/* Reads what the transport has and handles every complete line. */
static void receive(struct source *s)
{
	struct scpi6100 *d = priv_of(s);
	for (;;) {
		char buf[256];
		size_t room = scpi_linebuf_room(&d->rx);
		struct rig_error terr = { 0 };
		ssize_t n = s->tr->ops->read(s->tr, buf, room < sizeof(buf) ? room : sizeof(buf), &terr);
		if (n < 0) {
			const char *what = d->waiting ? d->plan.step[d->cur].line : NULL;
			d->waiting = false;
			if (what)
				fail(d, "waiting for reply to '%s': %s", what, terr.msg);
			else
				fail(d, "%s", terr.msg);
			return;
		}
		if (n == 0)
			return;
		scpi_linebuf_add(&d->rx, buf, (size_t)n);
		char line[SCPI_MAX_LINE + 1], why[96];
		int got;
		while ((got = scpi_linebuf_take(&d->rx, line, sizeof(line), why, sizeof(why))) == 1 && !d->failed)
			handle_reply(s, line);
		if (got < 0) {
			const char *what = d->waiting ? d->plan.step[d->cur].line : "(no query)";
			fail(d, "garbled reply to '%s': %s", what, why);
		}
		if (d->failed)
			return;
	}
}

static void start_plan(struct source *s, int64_t now_ns, double timeout_s)
{
	struct scpi6100 *d = priv_of(s);
	if (d->waiting)
		d->desync = true;	/* the abandoned query's reply may still come */
	if (d->desync && s->idn[0]) {
		/* Switching off comes before anything else, even resync. */
		bool off_first = d->plan.n > 0 && strcmp(d->plan.step[0].line, "OUTP:STAT OFF") == 0;
		scpi_plan_insert_sync(&d->plan, off_first ? 1 : 0);
	}
	d->skipped = 0;
	d->cur = 0;
	d->active = true;
	d->waiting = false;
	d->failed = false;
	d->drained = 0;
	d->last_setting = NULL;
	d->power_w = 0;
	d->applying = false;
	d->error[0] = '\0';
	d->timeout_ns = timeout_ns_of(timeout_s);
	d->deadline_ns = now_ns;
	d->last_now_ns = now_ns;
	pump(s, now_ns);
}

static int scpi_begin(struct source *s, const struct rig_cmd *cmd, int64_t now_ns)
{
	struct scpi6100 *d = priv_of(s);
	char why[160] = "";
	d->plan.n = 0;
	int rc = 0;
	bool any_phase = false;
	bool phases[SCPI_MAX_PHASE] = { false };
	switch (cmd->kind) {
	case RIG_CMD_OUTPUT_OFF:
		rc = scpi_plan_output(&d->plan, false);
		break;
	case RIG_CMD_OUTPUT_ON:
		rc = scpi_plan_output(&d->plan, true);
		break;
	case RIG_CMD_APPLY:
		rc = scpi_plan_apply(&d->plan, &cmd->sp, why, sizeof(why));
		for (int i = 0; i < 2 && rc == 0; i++)
			if (cmd->sp.ph[i].phase >= 1)
				phases[cmd->sp.ph[i].phase - 1] = true;
		break;
	case RIG_CMD_READ_POWER:
		for (int i = 0; i < 2; i++)
			if (cmd->sp.ph[i].phase >= 1 && cmd->sp.ph[i].phase <= SCPI_MAX_PHASE) {
				phases[cmd->sp.ph[i].phase - 1] = true;
				any_phase = true;
			}
		rc = scpi_plan_read_power(&d->plan, any_phase ? phases : d->phases, why, sizeof(why));
		break;
	default:
		rc = -1;
		snprintf(why, sizeof(why), "unknown command kind %d", (int)cmd->kind);
	}
	if (rc < 0) {
		d->plan.n = 0;
		start_plan(s, now_ns, s->timeout_s);
		fail(d, "%s", why[0] ? why : "internal: command plan too long");
		return 0;
	}
	start_plan(s, now_ns, s->timeout_s);
	if (cmd->kind == RIG_CMD_APPLY) {
		d->applying = true;
		memcpy(d->pending_phases, phases, sizeof(phases));
	}
	return 0;
}

static int scpi_advance(struct source *s, int64_t now_ns, struct source_result *ret)
{
	struct scpi6100 *d = priv_of(s);
	if (!d->active)
		return 0;
	d->last_now_ns = now_ns;
	if (!d->failed)
		receive(s);
	if (!d->failed)
		pump(s, now_ns);
	if (!d->failed && d->waiting && now_ns >= d->deadline_ns) {
		const char *what = d->plan.step[d->cur].line;
		fail(d, "no reply to '%s' within %.3g s (instrument silent)", what,
		     (double)d->timeout_ns / RIG_NS_PER_S);
		d->desync = true;
	}
	if (!d->failed && d->cur < d->plan.n)
		return 0;
	d->active = false;
	memset(ret, 0, sizeof(*ret));
	ret->ok = !d->failed;
	ret->power_w = d->power_w;
	snprintf(ret->error, sizeof(ret->error), "%s", d->error);
	if (ret->ok && d->applying)
		memcpy(d->phases, d->pending_phases, sizeof(d->phases));
	if (!ret->ok) {
		scpi_linebuf_reset(&d->rx);	/* the rest of a garbled reply is no reply */
		d->desync = true;
	}
	return 1;
}

static int64_t scpi_deadline(const struct source *s)
{
	const struct scpi6100 *d = priv_of(s);
	if (!d->active)
		return INT64_MAX;
	/* Not waiting for a reply: the result is ready, advance at once. */
	return d->waiting ? d->deadline_ns : d->last_now_ns;
}

/* Drops input already received: replies to abandoned queries. */
static void flush_input(struct source *s)
{
	struct scpi6100 *d = priv_of(s);
	char buf[256];
	struct rig_error terr;
	while (s->tr->ops->read(s->tr, buf, sizeof(buf), &terr) > 0)
		;
	scpi_linebuf_reset(&d->rx);
}

static int run_blocking(struct source *s, double timeout_s, struct rig_error *err, const char *what)
{
	struct source_result r;
	start_plan(s, source_now_ns(), timeout_s);
	if (source_drive(s, &r) < 0)
		return rig_error_set(err, NULL, 0, "source %s: %s: %s", s->ops->name, what, r.error);
	return 0;
}

static int scpi_output_off(struct source *s, struct rig_error *err)
{
	struct scpi6100 *d = priv_of(s);
	if (d->active)
		d->desync = true;	/* abandoning a command half way */
	d->waiting = false;
	d->active = false;
	flush_input(s);
	d->plan.n = 0;
	scpi_plan_output(&d->plan, false);
	double t = s->timeout_s < OFF_TIMEOUT_S ? s->timeout_s : OFF_TIMEOUT_S;
	return run_blocking(s, t, err, "output off");
}

/* Device clear and output off, blind: nothing is waited for. */
static int send_blind_off(struct source *s, struct rig_error *err)
{
	struct rig_error terr = { 0 };
	if (transport_write(s->tr, SCPI_BLIND_OFF, strlen(SCPI_BLIND_OFF), &terr) < 0)
		return rig_error_set(err, NULL, 0, "source %s: sending output off: %s", s->ops->name,
				     terr.msg);
	return 0;
}

static int scpi_open(struct source *s, struct rig_error *err)
{
	struct scpi6100 *d = calloc(1, sizeof(*d));
	if (!d)
		return rig_error_set(err, NULL, 0, "source %s: out of memory", s->ops->name);
	s->priv = d;
	flush_input(s);
	/* Off first, whatever the instrument says afterwards; the plan then
	 * identifies it, resets it and verifies the output is off. */
	if (send_blind_off(s, err) < 0)
		return -1;
	scpi_plan_open(&d->plan);
	if (s->watchdog_s > 0 && scpi_plan_watchdog(&d->plan, s->watchdog_s) < 0)
		return rig_error_set(err, NULL, 0, "source %s: watchdog %g s out of range", s->ops->name,
				     s->watchdog_s);
	struct source_result r;
	start_plan(s, source_now_ns(), s->timeout_s);
	if (source_drive(s, &r) < 0)
		return rig_error_set(err, NULL, 0, "source %s: output off sent blind, not confirmed: %s",
				     s->ops->name, r.error);
	return 0;
}

static int scpi_keepalive(struct source *s, struct rig_error *err)
{
	struct rig_error terr = { 0 };
	if (transport_write(s->tr, SCPI_KEEPALIVE, strlen(SCPI_KEEPALIVE), &terr) < 0)
		return rig_error_set(err, NULL, 0, "source %s: keep-alive: %s", s->ops->name, terr.msg);
	return 0;
}

static void scpi_close(struct source *s)
{
	free(s->priv);
	s->priv = NULL;
}

const struct source_ops source_scpi6100_ops = {
	.name = "scpi6100",
	.open = scpi_open,
	.begin = scpi_begin,
	.advance = scpi_advance,
	.deadline = scpi_deadline,
	.output_off = scpi_output_off,
	.close = scpi_close,
	.keepalive = scpi_keepalive,
};
