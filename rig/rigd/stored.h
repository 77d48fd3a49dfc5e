/* Stored before said: a point result or the end of a run reaches clients
 * only once it is committed. A commit that fails (disk full, a lock held
 * beyond the busy time-out, an I/O error) is a rig fault: the run ends as
 * an error with the reason, through the sequencer, so the source goes off. */
#ifndef RIG_RIGD_STORED_H
#define RIG_RIGD_STORED_H

#include "rig/rigd/daemon_internal.h"

/* Commits r (a final result or an abandoned attempt). 0 when stored; -1
 * when not: the run is failing and r must not be said. */
int stored_point(struct rigd *d, const struct rig_point_result *r);

/* Commits the end of the run ev announces. When the run lost a point, or
 * its end cannot be committed, ev becomes an error with the reason: what
 * clients are told is never better than what the database holds. */
void stored_run_end(struct rigd *d, struct rig_seq_event *ev);

#endif
