/* Batch checks (batch_check.h). */
#include "rig/core/batch_check.h"

#include <math.h>
#include <string.h>

static int check_rating(const struct rig_run_plan *plan, double *ret_v, struct rig_error *err)
{
	int first = -1;
	*ret_v = 0;
	for (int i = 0; i < plan->fixture->n_positions && i < RIG_MAX_POSITIONS; i++) {
		const struct rig_meter_model *m = &plan->pos[i].model;
		if (!plan->pos[i].present)
			continue;
		if (first < 0) {
			first = i;
			*ret_v = m->element_voltage_v;
		} else if (fabs(m->element_voltage_v - *ret_v) > 1e-9) {
			return rig_error_set(err, NULL, 0,
					     "positions %d (%g V) and %d (%g V) are rated for different "
					     "voltages and share the source's; test them in separate runs",
					     first + 1, *ret_v, i + 1, m->element_voltage_v);
		}
	}
	return 0;
}

/* An enclosure of N meters (guide 2.1.2: "number of meters enclosed"):
 * its meters are N meters to test, each on a position of its own. */
static int check_enclosures(const struct rig_run_plan *plan, struct rig_error *err)
{
	int n = plan->fixture->n_positions;
	for (int i = 0; i < n && i < RIG_MAX_POSITIONS;) {
		const struct rig_seq_position *p = &plan->pos[i];
		int count = p->present ? p->model.meters_enclosed : 1;
		if (count <= 1) {
			i++;
			continue;
		}
		for (int k = 1; k < count; k++) {
			int j = i + k;
			const struct rig_seq_position *q = j < n ? &plan->pos[j] : NULL;
			if (!q || !q->present || strcmp(q->model.model, p->model.model))
				return rig_error_set(
					err, NULL, 0,
					"position %d: %s encloses %d meters, which take positions %d..%d, "
					"each given with this model and its own serial; position %d %s",
					i + 1, p->model.model, count, i + 1, i + count, j + 1,
					!q ? "is not on the fixture"
					   : !q->present ? "is empty" : "holds another model");
		}
		i += count;
	}
	return 0;
}

int rig_batch_check(const struct rig_run_plan *plan, double *ret_rating_v,
		    struct rig_error *err)
{
	double v = 0;
	if (!plan || !plan->fixture)
		return rig_error_set(err, NULL, 0, "run plan without a fixture");
	if (check_rating(plan, &v, err) || check_enclosures(plan, err))
		return -1;
	if (ret_rating_v)
		*ret_rating_v = v;
	return 0;
}
