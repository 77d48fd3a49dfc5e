/* rigd: the shell around the core. One event loop over the source
 * transport, the edge input, a timer, signals and the control socket; the
 * sequencer's events become source commands, stored results and messages
 * to subscribed clients. */
#ifndef RIG_RIGD_DAEMON_H
#define RIG_RIGD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "drivers/edge/edge_input.h"
#include "drivers/source/source.h"
#include "rig/core/fixture.h"
#include "rig/core/profile.h"
#include "rig/core/seqno.h"
#include "rig/core/sequencer.h"
#include "rig/rigd/ambient.h"
#include "rig/rigd/bench_clock.h"
#include "rig/store/run_record.h"
#include "rig/rigd/config.h"
#include "rig/rigd/ctl_server.h"
#include "rig/rigd/events.h"
#include "rig/rigd/heartbeat.h"
#include "rig/rigd/loop.h"
#include "rig/rigd/recorder.h"
#include "rig/rigd/run_queue.h"
#include "rig/rigd/runstore.h"

struct rigd {
	struct rigd_config cfg;
	char config_path[256];
	struct rig_fixture fixture;
	struct rig_loop *loop;
	int sigfd;

	/* source */
	struct source *src;
	struct transport *src_tr;	/* the source's transport: closed after source_free */
	struct bench_clock clock;
	bool src_busy;			/* a command is outstanding on the poll path */
	bool src_suspect;		/* a command failed: reopen before the next run */
	int sync_failures;		/* commands failed without waiting, this pump */

	/* edges */
	struct edge_input *edges;
	struct rig_seqno seqno;		/* the request's numbers: losses on any line */
	uint64_t edges_seen;		/* every edge read since start (the panel's edge rate) */
	int64_t probe_ns;		/* real time: next look at the edge input during a run */
	FILE *record;
	struct recorder rec;		/* the run record written to `record` */
	bool interlock_closed;

	struct runstore *store;
	struct ctl_server ctl;
	struct rigd_heartbeat hb;	/* the dead-man's ticks */

	/* the run */
	struct rig_seq *seq;
	bool running;
	struct rig_profile profile;
	struct rig_run_plan plan;
	struct run_context ctx;
	struct store_run_record run_record;	/* the run's certification record */
	struct ambient ambient;		/* the fixture's ambient sensors, sampled */
	char operator_name[64];
	int64_t watchdog_ns;		/* real time: force the end of an aborting run */
	int progress_point;		/* last progress event sent: point and real time */
	int64_t progress_sent_ns;
	bool exit_after_run;
	struct run_queue queue;		/* starts waiting their turn (--wait) */
	struct {
		char run_id[64];
		char state[32];
		char reason[200];
	} last;

	struct panel *panel;		/* the operator panel over HTTP, when configured */

	int exit_code;
};

/* What the command line overrides in the configuration file. */
struct rigd_overrides {
	const char *record;		/* --record FILE|off */
	const char *http;		/* --http ADDR:PORT|off */
};

/* Start-up in the safe order: source off, database (interrupted runs),
 * edges, control socket, panel. ov (may be NULL) overrides settings.
 * -1 with err when the daemon cannot run. */
int rigd_start(struct rigd *d, const char *config_path, const struct rigd_overrides *ov,
	       struct rig_error *err);
/* Runs until a signal (or a fatal error). Returns the exit code. */
int rigd_run(struct rigd *d);
/* Source output off, everything closed. */
void rigd_stop(struct rigd *d);

/* `rigd --safe-off`: open the source of the configured fixture, output off. */
int rigd_safe_off(const char *config_path, struct rig_error *err);

/* Bench time (what the core and the edges count in) from real monotonic
 * time, and back: the simulated bench runs time_scale times faster. */
int64_t rigd_bench_now(const struct rigd *d);
int64_t rigd_bench_to_real(const struct rigd *d, int64_t bench_ns);

#endif
