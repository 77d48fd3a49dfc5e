/* rig-sim's configuration: the bench (positions, meters, line map,
 * reference) and the server (ports, time scale), from a small text file and
 * command-line options. Pure parse; the format is in drivers/sim/README.md. */
#ifndef RIG_SIM_CONFIG_H
#define RIG_SIM_CONFIG_H

#include <stddef.h>

#include "drivers/sim/bench.h"
#include "rig/core/error.h"
#include "rig/core/fixture.h"
#include "rig/core/model.h"

struct sim_config {
	struct sim_bench_cfg bench;
	char bind[64];		/* "127.0.0.1" */
	int scpi_port;		/* 5025; 0 picks a free port */
	int edge_port;		/* 5026 */
	double time_scale;	/* simulated seconds per real second */
	int heartbeat_line;	/* the dead-man relay's input line, -1 none */
	double heartbeat_hold_ms; /* the relay drops this long after the last toggle */
};

/* Model numbers are decoded by this function (rig_model_decode); NULL
 * means only the explicit model fields are accepted. */
typedef int (*sim_model_decode_fn)(const char *text, struct rig_meter_model *ret,
				   struct rig_error *err);

void sim_config_init(struct sim_config *c);

/* Parses text on top of what c holds. file names the input in errors
 * ("file:line: msg"). Returns 0 or -1 with err set. */
int sim_config_parse(struct sim_config *c, const char *text, size_t len, const char *file,
		     sim_model_decode_fn decode, struct rig_error *err);

/* Takes the bench's shape from a rig fixture (rig/core/fixture.h), so the
 * simulator and the rig agree on it: positions, every signal's line, the
 * reference line and constant, source phases per element, injection and
 * turns, the time scale, and the ports of "tcp:HOST:PORT" and
 * "sim:HOST:PORT". A config file and options parsed afterwards override. */
void sim_config_from_fixture(struct sim_config *c, const struct rig_fixture *f);

/* Signal names as used in the file and SIM: commands: kh10, kh100, kh1000,
 * counter, reverse_led, power_led, load_led. -1 when unknown. */
int sim_signal_by_name(const char *name);
const char *sim_signal_name(int signal);

#endif
