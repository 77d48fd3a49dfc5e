/* Starting and stopping $RIG_BIN/rig-sim for the simulator's system tests. */
#ifndef RIG_TEST_SIM_PROCESS_H
#define RIG_TEST_SIM_PROCESS_H

#include <stdint.h>
#include <sys/types.h>

struct sim_process {
	pid_t pid;
	int scpi_port, edge_port;
};

/* Starts rig-sim on free ports with the extra arguments (NULL-terminated)
 * and waits for its ready line; fails the test when it does not come. */
struct sim_process sim_process_start(const char *const *extra);
/* SIGTERM, then waits: the exit status, or -1 when it had to be killed. */
int sim_process_stop(struct sim_process *s);
int64_t sim_process_now_ms(void);

#endif
