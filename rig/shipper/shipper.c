#include "rig/shipper/shipper.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <time.h>

#include "rig/central/central.h"
#include "rig/central/ship.h"
#include "rig/common/log.h"

void shipper_options_defaults(struct shipper_options *o)
{
	*o = (struct shipper_options){
		.batch = 2000,
		.poll_ms = 500,
		.backoff_min_ms = 500,
		.backoff_max_ms = 60000,
	};
}

/* Sleeps, cut short by a signal (the handler sets *stop). */
static void pause_ms(int ms, volatile sig_atomic_t *stop)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (!*stop && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static PGconn *connect_central(const struct shipper_options *o)
{
	struct rig_error err = { 0 };
	PGconn *pg = central_connect(o->central, &err);
	if (pg && central_schema_migrate(pg, &err) < 0) {
		PQfinish(pg);
		pg = NULL;
	}
	if (!pg)
		log_warn("shipper: %s; retrying", err.msg);
	else
		log_info("shipper: connected to the central database");
	return pg;
}

static int next_backoff(const struct shipper_options *o, int backoff)
{
	backoff *= 2;
	return backoff > o->backoff_max_ms ? o->backoff_max_ms : backoff;
}

int shipper_run(const struct shipper_options *o, volatile sig_atomic_t *stop)
{
	struct rig_error err = { 0 };
	sqlite3 *db = ship_open_bench(o->db_path, &err);
	if (!db) {
		log_err("shipper: %s", err.msg);
		return 1;
	}
	char bench[200];
	if (o->bench)
		snprintf(bench, sizeof(bench), "%s", o->bench);
	else
		bench[0] = '\0';
	PGconn *pg = NULL;
	int backoff = o->backoff_min_ms, failures = 0, rc = 0;
	while (!*stop) {
		if (o->max_retries > 0 && failures > o->max_retries) {
			log_err("shipper: giving up after %d failures in a row", failures);
			rc = 3;
			break;
		}
		if (!bench[0]) {
			int named = ship_default_bench_name(db, bench, sizeof(bench), &err);
			if (named != 0) {
				if (named < 0)
					log_warn("shipper: %s", err.msg);
				bench[0] = '\0';
				if (o->drain)
					break;	/* no station: nothing was ever stored */
				pause_ms(o->poll_ms, stop);
				continue;
			}
		}
		if (!pg && !(pg = connect_central(o))) {
			failures++;
			pause_ms(backoff, stop);
			backoff = next_backoff(o, backoff);
			continue;
		}
		struct ship_batch_stats s;
		if (ship_batch(db, pg, bench, o->batch, &s, &err) < 0) {
			log_warn("shipper: %s; retrying in %d ms", err.msg, backoff);
			failures++;
			if (PQstatus(pg) != CONNECTION_OK) {
				PQfinish(pg);
				pg = NULL;
			}
			pause_ms(backoff, stop);
			backoff = next_backoff(o, backoff);
			continue;
		}
		backoff = o->backoff_min_ms;
		failures = 0;
		if (s.entries > 0) {
			log_debug("shipper: %s: %d entries, up to %lld", bench, s.entries,
				  (long long)s.last_seq);
			continue;
		}
		if (o->drain)
			break;
		pause_ms(o->poll_ms, stop);
	}
	PQfinish(pg);
	sqlite3_close(db);
	return rc;
}
