/* rig-shipper's loop: ships a bench's outbox to the central database,
 * reconnecting with exponential backoff while the network or the server
 * is down. It runs beside rigd, never inside it: rigd only writes its
 * SQLite file, so a dead link never stalls a run. */
#ifndef RIG_SHIPPER_SHIPPER_H
#define RIG_SHIPPER_SHIPPER_H

#include <signal.h>
#include <stdbool.h>

struct shipper_options {
	const char *db_path;	/* the bench's SQLite file */
	const char *central;	/* libpq conninfo or postgresql:// URL */
	const char *bench;	/* NULL: "station@host" from the database */
	int batch;		/* outbox entries per central transaction */
	int poll_ms;		/* idle wait between looks at the outbox */
	int backoff_min_ms, backoff_max_ms;
	bool drain;		/* exit once the outbox is empty */
	int max_retries;	/* failures in a row before giving up, 0 never */
};

void shipper_options_defaults(struct shipper_options *o);

/* Runs until *stop is set (or, with drain, the outbox is empty). Returns
 * 0; 1 when the bench's file cannot be opened; 3 after max_retries
 * failures in a row. */
int shipper_run(const struct shipper_options *o, volatile sig_atomic_t *stop);

#endif
