/* Model safety: a mistyped but valid model number must not reach the
 * source. A position's model is checked, before anything is energised,
 * against the batch's expected model and against the model stored for its
 * serial. Pure code. */
#ifndef RIG_CORE_MODEL_CHECK_H
#define RIG_CORE_MODEL_CHECK_H

#include <stdbool.h>

#include "rig/core/error.h"
#include "rig/core/model.h"

/* 0 when m agrees with expected and with stored (each "" or NULL: no
 * check; compared as decoded, so spelling does not matter), or when
 * override is set; else -1 and err names the position, the serial and
 * both models. position is 1-based. */
int rig_model_check_position(const struct rig_meter_model *m, int position, const char *serial,
			     const char *expected, const char *stored, bool override,
			     struct rig_error *err);

/* True when the position's model disagrees with expected or stored (what
 * an override lets through, for the record). */
bool rig_model_disagrees(const struct rig_meter_model *m, const char *expected,
			 const char *stored);

#endif
