/* Starting and stopping rig-sim for tests. */
#include "test_sim_process.h"

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t sim_process_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sim_process sim_process_start(const char *const *extra)
{
	struct sim_process s = { 0 };
	const char *bin = getenv("RIG_BIN");
	ck_assert_msg(bin != NULL, "RIG_BIN not set");
	char path[512];
	snprintf(path, sizeof(path), "%s/rig-sim", bin);
	const char *argv[40] = { path, "--scpi-port", "0", "--edge-port", "0" };
	int argc = 5;
	for (int i = 0; extra[i] && argc < 39; i++)
		argv[argc++] = extra[i];
	int out[2];
	ck_assert_int_eq(pipe(out), 0);
	s.pid = fork();
	ck_assert_int_ge(s.pid, 0);
	if (s.pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	char line[256];
	size_t n = 0;
	int64_t deadline = sim_process_now_ms() + 20000;
	while (n < sizeof(line) - 1 && sim_process_now_ms() < deadline) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t r = read(out[0], line + n, 1);
		if (r <= 0)
			break;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	close(out[0]);
	if (sscanf(line, "rig-sim ready scpi=%d edge=%d", &s.scpi_port, &s.edge_port) != 2) {
		sim_process_stop(&s);
		ck_abort_msg("rig-sim gave no ready line: '%s'", line);
	}
	return s;
}

int sim_process_stop(struct sim_process *s)
{
	kill(s->pid, SIGTERM);
	int status = 0;
	int64_t deadline = sim_process_now_ms() + 10000;
	while (waitpid(s->pid, &status, WNOHANG) == 0) {
		if (sim_process_now_ms() > deadline) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
