/* Model safety checks (model_check.h). */
#include "rig/core/model_check.h"

#include <string.h>

/* 1 when text names another model than m (text that does not decode
 * counts as another), 0 when the same or when there is nothing to check. */
static int differs(const struct rig_meter_model *m, const char *text)
{
	if (!text || !text[0])
		return 0;
	struct rig_meter_model other;
	if (rig_model_decode(text, &other, NULL))
		return 1;
	return strcmp(other.model, m->model) != 0;
}

bool rig_model_disagrees(const struct rig_meter_model *m, const char *expected,
			 const char *stored)
{
	return differs(m, expected) || differs(m, stored);
}

int rig_model_check_position(const struct rig_meter_model *m, int position, const char *serial,
			     const char *expected, const char *stored, bool override,
			     struct rig_error *err)
{
	if (override)
		return 0;
	const char *sn = serial && serial[0] ? serial : "(no serial)";
	if (differs(m, expected))
		return rig_error_set(err, NULL, 0,
				     "position %d (%s): model %s is not the batch's expected %s; "
				     "correct it, or override explicitly",
				     position, sn, m->model, expected);
	if (differs(m, stored))
		return rig_error_set(err, NULL, 0,
				     "position %d (%s): model %s disagrees with %s stored for this "
				     "serial; correct it, or override explicitly",
				     position, sn, m->model, stored);
	return 0;
}
