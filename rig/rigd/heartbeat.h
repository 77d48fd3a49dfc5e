/* rigd's dead-man signals, sent only while its loop turns (or was turning
 * less than HEARTBEAT_LOOP_STALL_NS ago) and is healthy:
 * the fixture's heartbeat line toggled (a retriggerable relay in the
 * source's enable loop holds only while it toggles), the instrument's
 * communication watchdog fed, and WATCHDOG=1 to systemd. When rigd is
 * killed, stopped or hangs, all three stop and the output goes off without
 * it. The toggles and keep-alives come from a thread of their own
 * (pulser.h) that the loop
 * renews every tick: a loop busy for a while (a commit to an SD card, a
 * report) keeps the relay, a loop stuck for HEARTBEAT_LOOP_STALL_NS does
 * not. */
#ifndef RIG_RIGD_HEARTBEAT_H
#define RIG_RIGD_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/core/error.h"
#include "rig/rigd/pulser.h"

#define HEARTBEAT_PERIOD_NS 100000000	/* 100 ms: a toggle, a keep-alive */
/* The pulses go on this long after the loop's last healthy tick: a loop
 * stuck longer (hung) lets the relay drop. */
#define HEARTBEAT_LOOP_STALL_NS 1000000000

struct rigd;

struct rigd_heartbeat {
	int timerfd;		/* -1 when not started */
	struct pulser pulser;	/* the heartbeat line's toggles */
	pthread_mutex_t src_lock;	/* d->src and d->src_tr, between the loop and the keep-alives */
	bool keepalive_ok;	/* the last keep-alive went out (the pulser's, under src_lock) */
	int64_t sd_interval_ns;	/* WATCHDOG=1 this often (half of WATCHDOG_USEC); 0 none */
	int64_t sd_next_ns;
	int64_t last_tick_ns;
	int64_t worst_late_ns;	/* the loop's longest lateness for a tick in this run */
	_Atomic int64_t last_keepalive_ns;	/* written by the pulser */
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

struct edge_input;
struct source;
struct transport;

/* Before anything else of rigd: the lock that d->edges changes under. */
void heartbeat_init(struct rigd *d);
void heartbeat_release(struct rigd *d);	/* after heartbeat_stop, at the very end */
/* Claims the heartbeat line (driven low) and starts the ticks. -1 with
 * err when the line cannot be driven (a fixture or wiring mistake). */
int heartbeat_start(struct rigd *d, struct rig_error *err);
void heartbeat_stop(struct rigd *d);	/* safe when not started */
/* d->edges replaced (connected, or NULL when gone), out of the pulser's
 * way: the heartbeat line is driven through it. */
void heartbeat_set_edges(struct rigd *d, struct edge_input *in);
/* d->src and d->src_tr replaced, likewise: keep-alives go through them. */
void heartbeat_set_source(struct rigd *d, struct source *src, struct transport *tr);
/* A run begins: gaps before it are no doubt about its output. */
void heartbeat_run_begins(struct rigd *d);
/* What the run's dead-man saw, for the log: the longest gap between the
 * relay's edges and the loop's longest lateness. */
void heartbeat_run_summary(const struct rigd *d, char *buf, size_t len);
/* rigd lost control of the source or the line (a failed command, a lost
 * connection): the pulses stop at once; the next healthy tick or kick in
 * control holds again. */
void heartbeat_lost_control(struct rigd *d);
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
