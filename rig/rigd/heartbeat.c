/* The dead-man's ticks: one timerfd in the loop, every HEARTBEAT_PERIOD_NS,
 * feeding the instrument's watchdog and systemd and renewing the pulser's
 * hold on the relay. A stopped or killed rigd sends nothing, a stuck loop
 * nothing once the hold lapses, which is the point. */
#include "rig/rigd/daemon_internal.h"
#include "rig/rigd/heartbeat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "rig/common/log.h"
#include "rig/common/timeutil.h"
#include "rig/rigd/notify.h"

/* A deadline this far behind means the loop no longer serves it. */
#define OVERDUE_NS RIG_NS_PER_S

bool heartbeat_loop_healthy(const struct rigd *d, int64_t now_ns)
{
	if (d->running && d->watchdog_ns != INT64_MAX && now_ns - d->watchdog_ns > OVERDUE_NS)
		return false;
	if (d->src && d->src_busy) {
		int64_t dl = d->src->ops->deadline(d->src);
		if (dl != INT64_MAX && now_ns - dl > OVERDUE_NS)
			return false;
	}
	return true;
}

/* The relay is held only while rigd is in control of the source: with the
 * source lost or suspect (a command failed, possibly with the output on),
 * the pulses stop and the enable loop opens. */
static bool in_control(const struct rigd *d)
{
	return d->src && !d->src_suspect;
}

static void doubt(struct rigd *d, const char *what, int64_t gap_ns)
{
	struct rigd_heartbeat *hb = &d->hb;
	if (hb->output_doubt || !d->running)
		return;
	hb->output_doubt = true;
	if (gap_ns > 0)
		snprintf(hb->doubt, sizeof(hb->doubt), "%s for %.2f s", what, (double)gap_ns / 1e9);
	else
		snprintf(hb->doubt, sizeof(hb->doubt), "%s", what);
	log_err("dead-man: %s; the output may have been off since", hb->doubt);
}

static bool line_wired(const struct rigd *d)
{
	return d->fixture.heartbeat.line >= 0;
}

/* Gaps long enough for the relay or the instrument's watchdog to act: the
 * longest between the pulser's toggles since the run began, and the one
 * going on now. */
static void check_gaps(struct rigd *d, int64_t now_ns)
{
	struct rigd_heartbeat *hb = &d->hb;
	if (!d->running) {
		hb->output_doubt = false;
		return;
	}
	if (line_wired(d) && hb->pulser.started) {
		int64_t last = pulser_last_toggle_ns(&hb->pulser);
		int64_t worst = pulser_worst_gap_ns(&hb->pulser);
		if (last && now_ns - last > worst)
			worst = now_ns - last;
		if (pulser_failed(&hb->pulser))
			doubt(d, "relay may have opened the enable loop: the heartbeat line could not be driven", 0);
		else if (worst > HEARTBEAT_TRUST_GAP_NS)
			doubt(d, "relay may have opened the enable loop: no heartbeat", worst);
	}
	int64_t fed = atomic_load(&hb->last_keepalive_ns);
	if (d->src && d->src->watchdog_s > 0 && fed &&
	    now_ns - fed > (int64_t)(d->src->watchdog_s * 1e9) - 2 * HEARTBEAT_PERIOD_NS)
		doubt(d, "the instrument's watchdog may have switched the output off: no keep-alive",
		      now_ns - fed);
}

bool heartbeat_output_trusted(struct rigd *d, char *why, size_t why_len)
{
	check_gaps(d, rig_monotonic_ns());
	if (d->hb.output_doubt && why_len)
		snprintf(why, why_len, "dead-man: %s", d->hb.doubt);
	return !d->hb.output_doubt;
}

void heartbeat_run_begins(struct rigd *d)
{
	d->hb.output_doubt = false;
	heartbeat_kick(d);	/* an edge now: the gap before the run is not the run's */
	pulser_reset(&d->hb.pulser);
	d->hb.worst_late_ns = 0;
}

void heartbeat_run_summary(const struct rigd *d, char *buf, size_t len)
{
	int n = 0;
	if (line_wired(d) && d->hb.pulser.started)
		n = snprintf(buf, len, "longest gap between heartbeat edges %.2f s, ",
			     (double)pulser_worst_gap_ns(&d->hb.pulser) / 1e9);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "loop late by at most %.2f s",
			 (double)d->hb.worst_late_ns / 1e9);
}

void heartbeat_lost_control(struct rigd *d)
{
	pulser_hold_until(&d->hb.pulser, 0);
}

/* Called by the pulser, with its lock held: d->edges changes only under it. */
static int drive_line(void *ctx, bool level, struct rig_error *err)
{
	struct rigd *d = ctx;
	if (!line_wired(d))
		return 0;	/* the pulser runs for the keep-alive alone */
	if (!d->edges)
		return rig_error_set(err, NULL, 0, "no edge input to drive it through");
	return edge_input_set_output(d->edges, (unsigned)d->fixture.heartbeat.line, level, err);
}

void heartbeat_set_edges(struct rigd *d, struct edge_input *in)
{
	if (!in)
		heartbeat_lost_control(d);
	pulser_lock(&d->hb.pulser);
	d->edges = in;
	d->hb.pulser.level = false;	/* a new request starts the line low */
	pulser_unlock(&d->hb.pulser);
}

/* Called by the pulser after each toggle: the instrument's watchdog fed,
 * under the source's lock (d->src changes only under it). */
static void feed_watchdog(void *ctx)
{
	struct rigd *d = ctx;
	struct rigd_heartbeat *hb = &d->hb;
	pthread_mutex_lock(&hb->src_lock);
	if (d->src && d->src->watchdog_s > 0) {
		struct rig_error err = {0};
		bool sent = source_keepalive(d->src, &err) == 0;
		if (!sent && hb->keepalive_ok)
			log_warn("%s", err.msg);
		hb->keepalive_ok = sent;
		if (sent)
			atomic_store(&hb->last_keepalive_ns, rig_monotonic_ns());
	}
	pthread_mutex_unlock(&hb->src_lock);
}

void heartbeat_set_source(struct rigd *d, struct source *src, struct transport *tr)
{
	if (!src)
		heartbeat_lost_control(d);
	pthread_mutex_lock(&d->hb.src_lock);
	d->src = src;
	d->src_tr = tr;
	pthread_mutex_unlock(&d->hb.src_lock);
}

static bool watchdog_wired(const struct rigd *d)
{
	return d->fixture.comm_watchdog_s > 0;
}

/* Whether the pulses should go on: rigd in control, and a line to pulse
 * or a watchdog to feed. */
static bool should_hold(const struct rigd *d)
{
	return in_control(d) && ((d->edges && line_wired(d)) || watchdog_wired(d));
}

void heartbeat_kick(struct rigd *d)
{
	struct rigd_heartbeat *hb = &d->hb;
	if (!hb->pulser.started || !should_hold(d))
		return;
	int64_t now = rig_monotonic_ns();
	pulser_hold_until(&hb->pulser, now + HEARTBEAT_LOOP_STALL_NS);
	if (now - pulser_last_toggle_ns(&hb->pulser) >= HEARTBEAT_PERIOD_NS / 2) {
		struct rig_error err = {0};
		pulser_toggle(&hb->pulser, &err);
	}
}

static void feed_systemd(struct rigd *d, int64_t now_ns)
{
	struct rigd_heartbeat *hb = &d->hb;
	if (hb->sd_interval_ns <= 0 || now_ns < hb->sd_next_ns)
		return;
	rig_notify("WATCHDOG=1");
	/* ticks come every period: the next one that is due, not one later */
	hb->sd_next_ns = now_ns + hb->sd_interval_ns - HEARTBEAT_PERIOD_NS / 2;
}

static void tick(struct rig_loop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct rigd *d = data;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("heartbeat timer: %s", strerror(errno));
	int64_t now = rig_monotonic_ns();
	int64_t late = now - d->hb.last_tick_ns - HEARTBEAT_PERIOD_NS;
	if (d->running && d->hb.last_tick_ns && late > d->hb.worst_late_ns)
		d->hb.worst_late_ns = late;
	if (d->hb.last_tick_ns && late > OVERDUE_NS / 2)
		log_warn("the loop was blocked for %.2f s (the dead-man's hold lasts %.1f s)",
			 (double)late / 1e9, (double)HEARTBEAT_LOOP_STALL_NS / 1e9);
	d->hb.last_tick_ns = now;
	check_gaps(d, now);
	bool healthy = heartbeat_loop_healthy(d, now);
	pulser_hold_until(&d->hb.pulser, healthy && should_hold(d) ? now + HEARTBEAT_LOOP_STALL_NS : 0);
	if (!healthy)
		return;
	feed_systemd(d, now);
}

void heartbeat_init(struct rigd *d)
{
	d->hb.timerfd = -1;
	pthread_mutex_init(&d->hb.src_lock, NULL);
	pulser_init(&d->hb.pulser, HEARTBEAT_PERIOD_NS, drive_line, d);
	pulser_set_also(&d->hb.pulser, feed_watchdog);
}

void heartbeat_release(struct rigd *d)
{
	pulser_destroy(&d->hb.pulser);
	pthread_mutex_destroy(&d->hb.src_lock);
}

int heartbeat_start(struct rigd *d, struct rig_error *err)
{
	struct rigd_heartbeat *hb = &d->hb;
	hb->keepalive_ok = true;
	hb->output_doubt = false;
	atomic_store(&hb->last_keepalive_ns, 0);
	if (line_wired(d) && pulser_set(&hb->pulser, false, err) < 0)
		return -1;
	if ((line_wired(d) || watchdog_wired(d)) && pulser_start(&hb->pulser, err) < 0)
		return -1;
	/* A first edge at once: the relay holds from start-up, not a period later. */
	heartbeat_kick(d);
	hb->sd_interval_ns = rig_notify_watchdog_ns() / 2;
	hb->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (hb->timerfd < 0)
		return rig_error_set(err, NULL, 0, "heartbeat timer: %s", strerror(errno));
	struct itimerspec its = {
		.it_interval = {.tv_sec = 0, .tv_nsec = HEARTBEAT_PERIOD_NS},
		.it_value = {.tv_sec = 0, .tv_nsec = HEARTBEAT_PERIOD_NS},
	};
	if (timerfd_settime(hb->timerfd, 0, &its, NULL) < 0 ||
	    rig_loop_add(d->loop, hb->timerfd, EPOLLIN, tick, d) < 0) {
		rig_error_set(err, NULL, 0, "heartbeat timer: %s", strerror(errno));
		close(hb->timerfd);
		hb->timerfd = -1;
		return -1;
	}
	char line[32] = "none", wdog[32] = "none", sd[32] = "none";
	if (d->fixture.heartbeat.line >= 0)
		snprintf(line, sizeof(line), "line %d", d->fixture.heartbeat.line);
	if (d->src && d->src->watchdog_s > 0)
		snprintf(wdog, sizeof(wdog), "%.3g s", d->src->watchdog_s);
	if (hb->sd_interval_ns > 0)
		snprintf(sd, sizeof(sd), "%.3g s", 2 * (double)hb->sd_interval_ns / 1e9);
	if (d->fixture.heartbeat.line < 0 && !(d->src && d->src->watchdog_s > 0))
		log_warn("dead-man: none wired (fixture heartbeat, comm_watchdog): if rigd is killed "
			 "or hangs, the output stays as it was");
	else
		log_notice("dead-man: heartbeat %s, instrument watchdog %s, systemd watchdog %s", line,
			   wdog, sd);
	return 0;
}

void heartbeat_stop(struct rigd *d)
{
	struct rigd_heartbeat *hb = &d->hb;
	if (hb->timerfd >= 0) {
		rig_loop_remove(d->loop, hb->timerfd);
		close(hb->timerfd);
		hb->timerfd = -1;
	}
	if (!hb->pulser.started)
		return;
	pulser_stop(&hb->pulser);
	/* Low and left: the relay drops after its hold time. */
	struct rig_error err = {0};
	if (d->edges)
		pulser_set(&hb->pulser, false, &err);
}
