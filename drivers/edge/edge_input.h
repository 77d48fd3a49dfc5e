/* An edge input: where timestamped GPIO edges come from. A small table of
 * functions; the daemon polls edge_input_fd() and calls read when it is
 * readable. Specs:
 *   gpiod:/dev/gpiochip0      libgpiod v2 line request, both edges, monotonic clock
 *   sim:HOST:PORT             the bench simulator's edge socket
 *   replay:PATH               a recorded capture (format in drivers/edge/CAPTURE.md)
 *
 * Sequence numbers are passed through as the source gave them; gaps are
 * reported as lost edges by the core (rig_seqno) and never hidden.
 * gpiod and sim can also drive one output line (set_output: the dead-man
 * heartbeat). */
#ifndef RIG_DRIVERS_EDGE_INPUT_H
#define RIG_DRIVERS_EDGE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/edge.h"
#include "rig/core/error.h"
#include "rig/core/fixture.h"

struct edge_input;

struct edge_input_line {
	unsigned offset;
	bool active_low;
};

struct edge_input_ops {
	const char *scheme;	/* "gpiod", "sim", "replay" */
	int (*open)(struct edge_input *in, const char *args, const struct edge_input_line *lines,
		    size_t n_lines, struct rig_error *err);
	/* Reads what is there without blocking into buf: count, 0 none, -1 error
	 * (err says). A read that fills buf may leave more: call again until it
	 * returns less than max. */
	int (*read)(struct edge_input *in, struct rig_edge *buf, size_t max, struct rig_error *err);
	/* Current level of a line: 1 high (active), 0 low, -1 error. */
	int (*level)(struct edge_input *in, unsigned offset, struct rig_error *err);
	int (*fd)(const struct edge_input *in);
	void (*close)(struct edge_input *in);
	/* Optional: looks whether the input still works without waiting for
	 * its fd (a gpio chip removed under a request may never wake a
	 * poller): 0 fine, -1 gone (err says). NULL when the fd tells. */
	int (*check)(struct edge_input *in, struct rig_error *err);
	/* Optional: drives an output line (the dead-man heartbeat), claimed
	 * as an output on first use: 0, -1 with err. NULL: no outputs. */
	int (*set_output)(struct edge_input *in, unsigned offset, bool active, struct rig_error *err);
};

struct edge_input {
	const struct edge_input_ops *ops;
	void *priv;
	char spec[160];
};

struct edge_input *edge_input_open(const char *spec, const struct edge_input_line *lines,
				   size_t n_lines, struct rig_error *err);
void edge_input_close(struct edge_input *in);	/* NULL-safe */

/* The input's check op: 0 when it has none or the input works. */
int edge_input_check(struct edge_input *in, struct rig_error *err);

/* Sets an output line (see set_output): 0, or -1 with err, also when the
 * input has no outputs (a replay). */
int edge_input_set_output(struct edge_input *in, unsigned offset, bool active, struct rig_error *err);

/* A replay: input has delivered its last edge (read then returns 0 and the
 * fd stops being readable). False for every other kind of input. */
bool edge_input_replay_done(const struct edge_input *in);

extern const struct edge_input_ops edge_input_gpiod_ops;
extern const struct edge_input_ops edge_input_sim_ops;
extern const struct edge_input_ops edge_input_replay_ops;

/* Room for every line a fixture can wire, its heartbeat output included. */
#define EDGE_INPUT_FIXTURE_LINES (RIG_MAX_POSITIONS * RIG_SIG_COUNT + 3)
/* Appends l (when wired and not there yet) to lines[*n]. */
void edge_input_add_line(struct edge_input_line *lines, size_t *n, const struct rig_line *l);
/* The input lines a fixture wires, each once: every position's signals,
 * the reference and the interlock. Returns how many; lines holds
 * EDGE_INPUT_FIXTURE_LINES. */
size_t edge_input_fixture_lines(const struct rig_fixture *f, struct edge_input_line *lines);

#endif
