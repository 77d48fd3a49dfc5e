/* What a certificate states, shared by the HTML and PDF renderers so that
 * both say the same thing: the facts as (section, label, value) lines, the
 * run outcome beside the meter's verdict, which points have a band, which
 * belong to the load curve, and whether the bench was simulated. A new
 * stored field is one line in cert_facts.c. */
#ifndef RIG_REPORTS_CERT_FACTS_H
#define RIG_REPORTS_CERT_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/store/queries.h"

/* Called once per fact, in order; value never NULL ("-" when unknown). */
typedef void (*cert_fact_fn)(const char *section, const char *label, const char *value,
			     bool warn, void *ctx);
void cert_facts(const struct store_certificate *c, cert_fact_fn fn, void *ctx);

/* The model as stored with the run; a model copied in from the serial's
 * later description (runs stored before schema 5) says it is inferred. */
void cert_model_text(const struct store_certificate *c, char *buf, size_t len);

/* "PASS", "FAIL", "IN PROGRESS", ... for this meter. */
void cert_meter_verdict(const struct store_certificate *c, char *buf, size_t len);

/* The run's outcome, worded so it cannot be read against the meter's own
 * verdict: a run that failed at another position says so. */
void cert_run_outcome(const struct store_certificate *c, char *buf, size_t len);

/* A pass/fail band applies to accuracy points only: creep, starting load
 * and LED points are judged on counts, not on an error band. */
bool cert_point_has_band(const struct store_cert_point *p);

/* Elements as the meter has them: "" for a single-element meter (nothing
 * to say), "1+2", "1" or "2" otherwise. */
void cert_elements_text(const struct store_certificate *c, unsigned mask, char *buf, size_t len);

/* An accuracy point at the meter's nominal voltage and frequency with all
 * its elements: a point of the load curve. Others with an error are
 * influence points (voltage, frequency, one element alone). */
bool cert_point_plotted(const struct store_cert_point *p);
bool cert_point_on_load_curve(const struct store_certificate *c, const struct store_cert_point *p);
const char *cert_influence_name(const struct store_certificate *c, const struct store_cert_point *p);

/* The setpoint in words: "240 V, 50 % rated, pf 0.5 lag, 60 Hz, Kh 10". */
void cert_setpoint_text(const struct store_certificate *c, const struct store_cert_point *p,
			char *buf, size_t len);

/* True when the source answered as rig-sim does: a simulated bench. */
bool cert_simulated(const struct store_certificate *c);

/* The run's notes are free text (the panel's or rigctl's): they are shown
 * under this label, in quotes, with line breaks and other control or
 * direction characters replaced, so that no note can pass for a line rig
 * writes itself (an override, an outcome). */
extern const char cert_notes_label[];
void cert_notes_text(const char *notes, char *buf, size_t len);
/* The same, unquoted, for other free text on a certificate (who overrode
 * and why). */
void cert_visible_text(const char *text, char *buf, size_t len);

extern const char cert_decision_rule[];

#endif
