#include "reports/cert_facts.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/cert_record.h"
#include "rig/core/model.h"

const char cert_decision_rule[] =
	"Decision rule (guarded acceptance, ILAC-G8): a point passes when |error| + U is within "
	"its band, fails when |error| - U is outside it, and is indeterminate otherwise. "
	"U is the expanded uncertainty at a coverage probability of 95.45 % (k = 2, or Student's t "
	"at the effective degrees of freedom where the budget says so). Error = registration - 100 %. "
	"The results relate only to the item tested.";

const char cert_notes_label[] = "Notes (free text, as stored with the run)";

/* The length of the UTF-8 sequence at s to replace (0: keep it), and what
 * goes in its place. */
static size_t unsafe_char(const unsigned char *s, const char **with)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */
	if (*s == '\n' || *s == '\r') {
		*with = " \xe2\x86\xb5 ";	/* " ↵ " */
		return 1;
	}
	if (*s < 0x20 || *s == 0x7f) {
		*with = replacement;
		return 1;
	}
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {	/* C1 controls */
		*with = replacement;
		return 2;
	}
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2]) {
		if (s[2] == 0x9c || s[2] == 0x9d) {	/* curly quotes: not ours to close */
			*with = "\"";
			return 3;
		}
		/* zero-width characters, marks, line and paragraph separators,
		 * embeddings and overrides: text a reader would not see */
		if ((s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xa8 && s[2] <= 0xae)) {
			*with = replacement;
			return 3;
		}
	}
	if ((s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) ||	/* zero-width no-break space */
	    (s[0] == 0xd8 && s[1] == 0x9c)) {			/* Arabic letter mark */
		*with = replacement;
		return s[0] == 0xef ? 3 : 2;
	}
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9) {	/* isolates */
		*with = replacement;
		return 3;
	}
	return 0;
}

static const char more[] = "\xe2\x80\xa6";	/* what was cut: "…" */

/* Copies text into buf, at most room bytes and never half a character,
 * with what a reader would not see made visible: the bytes written, and
 * *cut when not all of it fitted. */
static size_t copy_visible(const char *text, char *buf, size_t room, bool *cut)
{
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)text;
	*cut = false;
	while (*s) {
		const char *with = NULL;
		size_t take = unsafe_char(s, &with);
		size_t seq = take;
		if (!take) {	/* a whole UTF-8 sequence, never half of one */
			seq = 1;
			while (s[seq] && (s[seq] & 0xc0) == 0x80)
				seq++;
		}
		size_t out = with ? strlen(with) : seq;
		if (n + out > room) {
			*cut = true;
			break;
		}
		memcpy(buf + n, with ? with : (const char *)s, out);
		n += out;
		s += seq;
	}
	return n;
}

void cert_visible_text(const char *text, char *buf, size_t len)
{
	if (len < sizeof(more) + 1) {
		snprintf(buf, len, "%s", "");
		return;
	}
	bool cut;
	size_t n = copy_visible(text, buf, len - sizeof(more), &cut);
	if (cut) {
		memcpy(buf + n, more, sizeof(more) - 1);
		n += sizeof(more) - 1;
	}
	buf[n] = '\0';
}

void cert_notes_text(const char *notes, char *buf, size_t len)
{
	static const char open[] = "\xe2\x80\x9c", close[] = "\xe2\x80\x9d";
	if (len < sizeof(open) + sizeof(close) + sizeof(more)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	size_t room = len - (sizeof(open) - 1) - (sizeof(close) - 1) - (sizeof(more) - 1) - 1;
	memcpy(buf, open, sizeof(open) - 1);
	bool cut;
	size_t n = sizeof(open) - 1 + copy_visible(notes, buf + sizeof(open) - 1, room, &cut);
	if (cut) {
		memcpy(buf + n, more, sizeof(more) - 1);
		n += sizeof(more) - 1;
	}
	memcpy(buf + n, close, sizeof(close));
}

void cert_meter_verdict(const struct store_certificate *c, char *buf, size_t len)
{
	const char *v = strcmp(c->state, "running") == 0 ? "in progress" : c->verdict;
	size_t i = 0;
	for (; v[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)v[i]);
	buf[i] = 0;
}

void cert_run_outcome(const struct store_certificate *c, char *buf, size_t len)
{
	const char *sep = c->reason[0] ? ": " : "";
	if (strcmp(c->state, "failed") == 0 && strcmp(c->verdict, "fail") != 0)
		snprintf(buf, len, "failed at another position%s%s; this meter: %s", sep, c->reason,
			 c->verdict);
	else
		snprintf(buf, len, "%s%s%s", c->state, sep, c->reason);
}

bool cert_point_has_band(const struct store_cert_point *p)
{
	return p->band_pct > 0 && strcmp(p->kind, "accuracy") == 0;
}

void cert_elements_text(const struct store_certificate *c, unsigned mask, char *buf, size_t len)
{
	if (c->elements <= 1)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s", mask == 3 ? "1+2" : mask == 2 ? "2" : "1");
}

bool cert_point_plotted(const struct store_cert_point *p)
{
	return p->measured && p->has_error && p->current_a > 0 && isfinite(p->error_pct) &&
	       strcmp(p->kind, "accuracy") == 0;
}

/* The nominal frequency: the one most accuracy points use. */
static double nominal_frequency(const struct store_certificate *c)
{
	double best = 0;
	int best_n = 0;
	for (int i = 0; i < c->n_points; i++) {
		int n = 0;
		for (int k = 0; k < c->n_points; k++)
			n += c->points[k].frequency_hz == c->points[i].frequency_hz &&
			     strcmp(c->points[k].kind, "accuracy") == 0;
		if (n > best_n)
			best = c->points[i].frequency_hz, best_n = n;
	}
	return best;
}

const char *cert_influence_name(const struct store_certificate *c, const struct store_cert_point *p)
{
	unsigned all = c->elements >= 2 ? 3u : 1u;
	if (c->voltage_v > 0 && fabs(p->voltage_v - c->voltage_v) > 0.005 * c->voltage_v)
		return "voltage";
	if (fabs(p->frequency_hz - nominal_frequency(c)) > 0.01)
		return "frequency";
	if (c->elements >= 2 && p->elements != all)
		return "element alone";
	return NULL;
}

bool cert_point_on_load_curve(const struct store_certificate *c, const struct store_cert_point *p)
{
	return cert_point_plotted(p) && !cert_influence_name(c, p);
}

void cert_setpoint_text(const struct store_certificate *c, const struct store_cert_point *p,
			char *buf, size_t len)
{
	char current[32], elements[16], el_text[32] = "";
	if (p->current_pct >= 0 && !p->measured)
		snprintf(current, sizeof(current), "%g %% rated", p->current_pct);
	else
		snprintf(current, sizeof(current), "%.4g A", p->current_a);
	cert_elements_text(c, p->elements, elements, sizeof(elements));
	if (elements[0])
		snprintf(el_text, sizeof(el_text), ", element%s %s", strchr(elements, '+') ? "s" : "",
			 elements);
	snprintf(buf, len, "%g V, %s, pf %g%s, %g Hz%s, Kh %g", p->voltage_v, current, p->pf,
		 p->pf >= 1 ? "" : p->leading ? " lead" : " lag", p->frequency_hz, el_text, p->output_kh);
}

bool cert_simulated(const struct store_certificate *c)
{
	char maker[64];
	snprintf(maker, sizeof(maker), "%.*s", (int)strcspn(c->instrument_idn, ","), c->instrument_idn);
	return c->record.simulated || strcasecmp(maker, "RIG-SIM") == 0 ||
	       strstr(c->instrument_idn, "-SIM,") != NULL;
}

static void outputs_text(const char *outputs, char *text, size_t len)
{
	size_t used = (size_t)snprintf(text, len, "Kh ");
	for (const char *o = outputs; *o && used + 3 < len; o++) {
		if (*o == ',')
			text[used++] = ',', text[used++] = ' ';
		else
			text[used++] = *o;
	}
	snprintf(text + used, len - used, " Wh per pulse");
}

void cert_model_text(const struct store_certificate *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", c->model,
		 c->model_backfilled ? " (INFERRED: not recorded with this run; the model and ratings"
				       " are the serial's description when records began)"
				     : "");
}

void cert_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx)
{
	char t[400];
	fn("Meter", "Serial number", c->serial, false, ctx);
	cert_model_text(c, t, sizeof(t));
	fn("Meter", "Model", t, c->model_backfilled, ctx);
	snprintf(t, sizeof(t), "%d element%s, %g V %s", c->elements, c->elements == 1 ? "" : "s",
		 c->voltage_v, c->voltage_between);
	fn("Meter", "Rating", t, false, ctx);
	snprintf(t, sizeof(t), "%g A : %g A; rated %g A, maximum %g A (primary)", c->ct_primary_a,
		 c->ct_secondary_a, c->rated_current_a, c->max_current_a);
	fn("Meter", "Current transformer", t, false, ctx);
	outputs_text(c->outputs, t, sizeof(t));
	fn("Meter", "Pulse outputs", t, false, ctx);
	snprintf(t, sizeof(t), "%d", c->position);
	fn("Meter", "Bench position", t, false, ctx);
	/* the model number decoded afresh, as the rest of rig describes it */
	struct rig_meter_model m;
	char description[512];
	if (rig_model_decode(c->model, &m, NULL) == 0 &&
	    rig_model_describe(&m, description, sizeof(description)) > 0)
		fn("Meter", "Description", description, false, ctx);

	fn("Test", "Run", c->run_id, false, ctx);
	if (c->record.method[0])
		fn("Test", "Method", c->record.method, false, ctx);
	snprintf(t, sizeof(t), "%s (sha256 %.16s)", c->profile_name, c->profile_sha256);
	fn("Test", c->record.method[0] ? "Test profile" : "Method (test profile)", t, false, ctx);
	snprintf(t, sizeof(t), "%s (sha256 %.16s)", c->fixture_name, c->fixture_sha256);
	fn("Test", "Fixture", t, false, ctx);
	snprintf(t, sizeof(t), "%s%s%s", c->station, c->host[0] ? " on " : "", c->host);
	fn("Test", "Station", t, false, ctx);
	fn("Test", "Operator", c->operator_name[0] ? c->operator_name : "-", false, ctx);
	fn("Test", "Started (UTC)", c->started_at, false, ctx);
	fn("Test", "Ended (UTC)", c->ended_at[0] ? c->ended_at : "-", false, ctx);
	cert_run_outcome(c, t, sizeof(t));
	fn("Test", "Run outcome", t, false, ctx);
	fn("Test", "Software", c->software_version[0] ? c->software_version : "-", false, ctx);
	char notes[4 * sizeof(c->notes)];
	cert_notes_text(c->notes, notes, sizeof(notes));
	if (c->notes[0])
		fn("Test", cert_notes_label, notes, false, ctx);
	fn("Test", "Bench", cert_simulated(c) ? "SIMULATED (rig-sim): not a measurement of a real meter" : "physical bench", cert_simulated(c), ctx);

	fn("Instruments", "Source identity", c->instrument_idn[0] ? c->instrument_idn : "-", false, ctx);
	fn("Instruments", "Serial number", c->instrument_serial[0] ? c->instrument_serial : "-", false, ctx);
	/* ISO dates compare as text: flag a calibration that had lapsed. */
	bool lapsed = c->instrument_cal_due[0] && strncmp(c->instrument_cal_due, c->started_at, 10) < 0;
	snprintf(t, sizeof(t), "%s%s", c->instrument_cal_due[0] ? c->instrument_cal_due : "not stated",
		 lapsed ? " (overdue at the time of the test)" : "");
	fn("Instruments", "Calibration due", t, lapsed, ctx);
	cert_record_facts(c, fn, ctx);
}
