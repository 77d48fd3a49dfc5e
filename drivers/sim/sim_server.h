/* rig-sim's I/O shell: serves the bench's SCPI on one TCP port and its
 * edges (drivers/edge/CAPTURE.md) on another, in one poll loop, with
 * simulated time = CLOCK_MONOTONIC at start + elapsed real time * scale.
 * Transport faults (SIM:FAULT ...) live here; the rest is the pure bench. */
#ifndef RIG_SIM_SERVER_H
#define RIG_SIM_SERVER_H

#include <signal.h>

#include "drivers/sim/sim_config.h"
#include "rig/core/error.h"

struct sim_server;

/* Binds both ports (0: any free port). Returns NULL with err set. */
struct sim_server *sim_server_new(const struct sim_config *cfg, struct rig_error *err);
void sim_server_ports(const struct sim_server *s, int *ret_scpi, int *ret_edge);
/* Runs until *stop becomes non-zero. Returns 0, or -1 with err set. */
int sim_server_run(struct sim_server *s, volatile sig_atomic_t *stop, struct rig_error *err);
void sim_server_free(struct sim_server *s);	/* NULL-safe */

#endif
