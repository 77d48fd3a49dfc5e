/* rigd's dead-man signals, sent only while its loop turns and is healthy:
 * the fixture's heartbeat line toggled (a retriggerable relay in the
 * source's enable loop holds only while it toggles), the instrument's
 * communication watchdog fed, and WATCHDOG=1 to systemd. When rigd is
 * killed, stopped or hangs, all three stop and the output goes off without
 * it. */
#ifndef RIG_RIGD_HEARTBEAT_H
#define RIG_RIGD_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/error.h"

#define HEARTBEAT_PERIOD_NS 100000000	/* 100 ms: a toggle, a keep-alive */

struct rigd;

struct rigd_heartbeat {
	int timerfd;		/* -1 when not started */
	bool level;		/* the heartbeat line's last level */
	bool line_ok;		/* the last toggle worked (a failure is logged once) */
	bool keepalive_ok;	/* the last keep-alive went out (likewise) */
	int64_t sd_interval_ns;	/* WATCHDOG=1 this often (half of WATCHDOG_USEC); 0 none */
	int64_t sd_next_ns;
	int64_t last_tick_ns;
	int64_t last_toggle_ns;
	int64_t last_keepalive_ns;
	/* During a run, the dead-man may have dropped the output: a gap in the
	 * toggles or keep-alives long enough for the relay or the instrument's
	 * watchdog to act, or a toggle that failed. Latched until the run ends. */
	bool output_doubt;
	char doubt[160];
};

/* The shortest hold of the dead-man relay that fixtures/README.md allows
 * (300 ms), less a margin: toggles further apart than this may have let it
 * drop. */
#define HEARTBEAT_TRUST_GAP_NS 250000000

/* Claims the heartbeat line (driven low) and starts the ticks. -1 with
 * err when the line cannot be driven (a fixture or wiring mistake). */
int heartbeat_start(struct rigd *d, struct rig_error *err);
void heartbeat_stop(struct rigd *d);	/* safe when not started */
/* The source is (back) in rigd's control: an edge now, unless one was sent
 * less than half a period ago, so the relay holds before the next command
 * can switch the output on. Safe before heartbeat_start. */
void heartbeat_kick(struct rigd *d);

/* Whether the output can be trusted to have stayed as rigd set it since
 * the run's last heartbeat: false (and why) when the dead-man may have
 * dropped it, e.g. after the loop stalled. A point measured meanwhile may
 * have been measured with the source off: it is no result, and the run
 * ends as an error. Always true outside a run. */
bool heartbeat_output_trusted(struct rigd *d, char *why, size_t why_len);

/* Whether the loop may say it is alive: no run past its own end-of-run
 * watchdog, no source command past its reply deadline. */
bool heartbeat_loop_healthy(const struct rigd *d, int64_t now_ns);

#endif
