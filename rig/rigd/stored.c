#include "rig/rigd/stored.h"

#include <stdio.h>

#include "rig/common/log.h"

int stored_point(struct rigd *d, const struct rig_point_result *r)
{
	if (!d->store)
		return 0;
	struct rig_error err = {0};
	if (runstore_point(d->store, d->ctx.run_id, &d->profile, r, &err) == 0)
		return 0;
	char why[300];
	if (!runstore_failed(d->store, why, sizeof(why)))
		snprintf(why, sizeof(why), "database: %.280s", err.msg);
	log_err("run %s: point %d position %d attempt %d %s not stored: %s", d->ctx.run_id, r->point + 1,
		r->position, r->attempt, rig_verdict_name(r->verdict), err.msg);
	/* Output off first (the sequencer's stop), then the end as an error. */
	run_fault(d, why);
	return -1;
}

static void make_error(struct rig_seq_event *ev, const char *why)
{
	ev->run_state = RIG_RUN_ERROR;
	snprintf(ev->reason, sizeof(ev->reason), "%.199s", why);
}

void stored_run_end(struct rigd *d, struct rig_seq_event *ev)
{
	if (!d->store || !d->ctx.run_id[0])
		return;
	char why[300];
	/* A run that lost a point is an error whatever its points said: the
	 * sequencer may have been finishing already when the commit failed. */
	if (runstore_failed(d->store, why, sizeof(why)) && ev->run_state != RIG_RUN_ERROR)
		make_error(ev, why);
	struct rig_error err = {0};
	if (runstore_end(d->store, d->ctx.run_id, ev->run_state, ev->reason, &err) == 0)
		return;
	log_err("run %s: its end (%s) not stored: %s", d->ctx.run_id,
		rig_run_state_name(ev->run_state), err.msg);
	if (!runstore_failed(d->store, NULL, 0)) {
		snprintf(why, sizeof(why), "database: the end of the run was not stored: %.240s",
			 err.msg);
		make_error(ev, why);
	}
}
