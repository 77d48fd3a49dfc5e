/* rigd's life cycle: start-up in the safe order, the loop, signals, and the
 * way out (source off first, always). */
#include "rig/rigd/daemon_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/notify.h"
#include "rig/rigd/panel.h"

static void signal_event(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	struct rigd *d = data;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct rigd_config fresh;
			struct rig_error err = {0};
			if (rigd_config_load(d->config_path, &fresh, &err) == 0) {
				rig_log_set_level(fresh.log_level);
				log_notice("SIGHUP: log level %s (other settings need a restart)",
					   rig_log_level_name(fresh.log_level));
			} else {
				char buf[800];
				log_warn("SIGHUP: %s", rig_error_format(&err, buf, sizeof(buf)));
			}
			continue;
		}
		const char *name = si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
		rig_notify("STOPPING=1");
		if (d->running) {
			char reason[64];
			snprintf(reason, sizeof(reason), "%s received", name);
			log_notice("%s: aborting run %s, then exiting", name, d->ctx.run_id);
			d->exit_after_run = true;
			run_abort(d, reason);
		} else {
			log_notice("%s: exiting", name);
			rig_loop_quit(loop);
		}
	}
}

static int open_signals(struct rigd *d, struct rig_error *err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return rig_error_set(err, NULL, 0, "sigprocmask: %s", strerror(errno));
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return rig_error_set(err, NULL, 0, "signalfd: %s", strerror(errno));
	if (rig_loop_add(d->loop, d->sigfd, EPOLLIN, signal_event, d) < 0)
		return rig_error_set(err, NULL, 0, "signalfd poll: %s", strerror(errno));
	return 0;
}

static int load_settings(struct rigd *d, const char *config_path, struct rig_error *err)
{
	snprintf(d->config_path, sizeof(d->config_path), "%s", config_path);
	if (rigd_config_load(config_path, &d->cfg, err) < 0 ||
	    rigd_config_check(&d->cfg, config_path, err) < 0)
		return -1;
	rig_log_set_level(d->cfg.log_level);
	return rig_fixture_load(d->cfg.fixture, &d->fixture, err);
}

int rigd_start(struct rigd *d, const char *config_path, const struct rigd_overrides *ov,
	       struct rig_error *err)
{
	memset(d, 0, sizeof(*d));
	d->sigfd = -1;
	heartbeat_init(d);
	d->watchdog_ns = INT64_MAX;
	/* Signals are blocked before anything is energised: a SIGTERM during
	 * start-up waits in the signalfd instead of killing us half-way. */
	d->loop = rig_loop_new();
	if (!d->loop)
		return rig_error_set(err, NULL, 0, "event loop: %s", strerror(errno));
	if (open_signals(d, err) < 0 || load_settings(d, config_path, err) < 0)
		return -1;
	recorder_keep_fixture(d);
	if (ambient_start(&d->ambient, &d->fixture, err) < 0)
		return -1;
	const char *record = ov ? ov->record : NULL;
	if (ov && ov->http)
		snprintf(d->cfg.http, sizeof(d->cfg.http), "%s",
			 strcmp(ov->http, "off") == 0 ? "" : ov->http);
	if (record)
		snprintf(d->cfg.record_edges, sizeof(d->cfg.record_edges), "%s",
			 strcmp(record, "off") == 0 ? "" : record);
	signal(SIGPIPE, SIG_IGN);

	/* A second daemon on the same bench must not touch the source (opening
	 * it resets the instrument) under a run in progress: look first. */
	if (ctl_socket_live(d->cfg.socket_path))
		return rig_error_set(err, d->cfg.socket_path, 0,
				     "another rigd is running on this socket; not touching the source");
	/* 1. The source, and its output off, before anything else. */
	if (source_connect(d, err) < 0)
		return -1;
	/* 2. The database: a run a crash left open is marked interrupted. The
	 * key is looked at first: a start that migrates a chain sealed before
	 * heads began signs its head, and no later start will. */
	if (runstore_key_ready(d->cfg.database, err) < 0)
		return -1;
	d->store = runstore_open(d->cfg.database, err);
	if (!d->store)
		return -1;
	/* The station's signing key (made at install, `rigctl key init`):
	 * its public half kept in the station record; it signs the chain
	 * head with every seal. Missing, or readable by others: no start. */
	if (runstore_station_key(d->store, d->cfg.database, d->cfg.station, err) < 0)
		return -1;
	int interrupted = runstore_mark_interrupted(d->store, err);
	if (interrupted < 0)
		return -1;
	if (interrupted > 0)
		log_warn("%d run(s) left running by an earlier crash marked interrupted", interrupted);
	/* 3. Edges, then the control socket. */
	if (edges_connect(d, err) < 0)
		return -1;
	/* The dead-man: from here on, rigd's death or hang switches off. */
	if (heartbeat_start(d, err) < 0)
		return -1;
	if (ctl_server_open(&d->ctl, d->loop, d->cfg.socket_path, d->cfg.socket_group,
			    requests_handle, d, err) < 0)
		return -1;
	/* The panel last: it is a client of the control socket. A panel that
	 * cannot listen (the port taken) leaves rigd running without it:
	 * restarting would reopen the source each time, and rigctl works. */
	if (d->cfg.http[0] && !(d->panel = panel_start(&d->cfg, err))) {
		char buf[800];
		log_err("operator panel not started: %s", rig_error_format(err, buf, sizeof(buf)));
		memset(err, 0, sizeof(*err));
	}
	rig_loop_set_timer_fn(d->loop, run_on_timer, d);
	log_notice("rigd %s ready: station %s, fixture %s, socket %s", RIG_VERSION, d->cfg.station,
		   d->fixture.name, d->cfg.socket_path);
	rig_notify("READY=1\nSTATUS=idle");
	return 0;
}

int rigd_run(struct rigd *d)
{
	while (!rig_loop_quitting(d->loop)) {
		if (rig_loop_run_once(d->loop, -1) < 0) {
			log_err("event loop: %s", strerror(errno));
			d->exit_code = 1;
			break;
		}
		requests_after_turn(d);
		ctl_server_sweep(&d->ctl);
	}
	return d->exit_code;
}

void rigd_stop(struct rigd *d)
{
	if (d->running) {
		/* Only reached when the loop itself failed: off the blocking way. */
		source_force_off(d, "exit with a run in progress");
		struct rig_error err = {0};
		if (d->store)
			runstore_end(d->store, d->ctx.run_id, RIG_RUN_ABORTED, "rigd exited", &err);
		d->running = false;
	}
	if (d->src)
		source_force_off(d, "exit");
	heartbeat_stop(d);
	source_disconnect(d);
	/* The socket first: a panel thread waiting for a reply sees it close
	 * at once instead of waiting out its time-out. */
	if (d->ctl.loop)
		ctl_server_close(&d->ctl);
	panel_stop(d->panel);
	d->panel = NULL;
	run_queue_free(&d->queue);
	edges_disconnect(d);
	if (d->record)
		fclose(d->record);
	d->record = NULL;
	recorder_free(&d->rec);
	runstore_close(d->store);
	d->store = NULL;
	rig_seq_free(d->seq);
	d->seq = NULL;
	ambient_stop(&d->ambient);
	if (d->sigfd >= 0)
		close(d->sigfd);
	rig_loop_free(d->loop);
	d->loop = NULL;
	heartbeat_release(d);
}

int rigd_safe_off(const char *config_path, struct rig_error *err)
{
	struct rigd d;
	memset(&d, 0, sizeof(d));
	if (load_settings(&d, config_path, err) < 0) {
		/* The off goes out whatever else in the fixture is wrong: read
		 * the source's address alone, and say what was wrong too. */
		struct rig_error full = *err;
		if (!d.cfg.fixture[0] || rig_fixture_load_source(d.cfg.fixture, &d.fixture, err) < 0)
			return -1;
		log_warn("%s: %s; switching the source off all the same", config_path, full.msg);
	}
	struct transport *tr = transport_open(d.fixture.source_transport, err);
	if (!tr)
		return -1;
	double timeout = d.fixture.reply_timeout_s > 0 ? d.fixture.reply_timeout_s : 2.0;
	/* Opening the source sends output off blind before anything else, then
	 * verifies it; say it once more and hear the answer, so a failure is
	 * reported. */
	struct source *s = source_new(d.fixture.source_driver, tr, timeout, err);
	int rc = -1;
	if (s) {
		rc = s->ops->output_off(s, err);
		source_free(s);
	}
	transport_close(tr);
	return rc;
}
