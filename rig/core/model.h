/* IMS Mini Meter model numbers (installation guide rev 3.1, section 2.1)
 * decoded into what the rig needs to know about a meter. Pure code. */
#ifndef RIG_CORE_MODEL_H
#define RIG_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"

#define RIG_MODEL_MAX_OUTPUTS 3

enum rig_model_format {
	RIG_MODEL_INDIVIDUAL,	/* MMS-120-2001-T-SCC */
	RIG_MODEL_ENCLOSURE,	/* MD-240-F-1-SO-021-00 */
};

struct rig_meter_model {
	char model[48];			/* normalised, e.g. "MMD-120-2001-T-SCC" */
	enum rig_model_format format;
	int elements;			/* 1 or 2 */
	const char *wiring;		/* "1-phase 2-wire" or "1 or 2-phase 3-wire" */
	double voltage_v;		/* rating as written in the model number */
	const char *voltage_between;	/* "line-to-neutral" or "line-to-line" */
	double element_voltage_v;	/* what one element sees, line to neutral (120) */
	double ct_primary_a;		/* 100, 200, 400 */
	double ct_secondary_a;		/* 0.1 or 0.2 */
	double rated_current_a;		/* primary: 100, 200, 400 */
	double max_current_a;		/* primary: 110, 220, 440 */
	int n_outputs;
	double outputs_kh[RIG_MODEL_MAX_OUTPUTS]; /* Wh per pulse, ascending: 10, 100[, 1000] */
	double counter_kh;		/* Wh per counter pulse; 0 when there is none */
	bool lcd;
	bool t_outputs;			/* T suffix: no 1000 output, 0.1 kWh counter */
	int meters_enclosed;		/* enclosure format only; 1 otherwise */
};

/* Decodes `text` (case-insensitive; '-', ' ', '_' or no separator between
 * fields). On error returns -1 and err->msg names the bad field. */
int rig_model_decode(const char *text, struct rig_meter_model *ret,
		     struct rig_error *err);

/* True when the model has an isolated output of kh Wh per pulse. */
bool rig_model_has_output(const struct rig_meter_model *m, double kh);

/* One JSON object with keys model, format ("individual" | "enclosure"),
 * elements, wiring, voltage_v, voltage_between, element_voltage_v,
 * ct_primary_a, ct_secondary_a, rated_current_a, max_current_a, outputs_kh
 * (array), counter_kh (number, or null when there is no counter), lcd (bool),
 * meters_enclosed. Returns the length snprintf would; buf may be NULL with
 * len 0 to measure. */
int rig_model_to_json(const struct rig_meter_model *m, char *buf, size_t len);

/* A few lines for people. Returns bytes written as snprintf does. */
int rig_model_describe(const struct rig_meter_model *m, char *buf, size_t len);

#endif
