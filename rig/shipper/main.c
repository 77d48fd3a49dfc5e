/* rig-shipper: ships a bench's results to a central PostgreSQL. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/central/central.h"
#include "rig/central/ship.h"
#include "rig/common/log.h"
#include "rig/shipper/shipper.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char usage[] =
	"usage: rig-shipper --central URL --db FILE [options]\n"
	"       rig-shipper --central URL --init-central [--schema-version N]\n"
	"       rig-shipper --db FILE --backfill\n"
	"Ships the bench's results (its SQLite outbox) to a central PostgreSQL, in\n"
	"order, retrying with backoff while it is unreachable.\n"
	"  --central URL        libpq conninfo or postgresql:// URL (or RIG_CENTRAL)\n"
	"  --db FILE            the bench's results database (rigd.conf `database`)\n"
	"  --bench NAME         the bench's name centrally (default: station@host)\n"
	"  --batch N            outbox entries per central transaction (2000)\n"
	"  --poll-ms MS         idle wait between looks at the outbox (500)\n"
	"  --backoff-max-ms MS  longest wait between retries (60000)\n"
	"  --drain              exit once the outbox is empty\n"
	"  --max-retries N      give up (exit 3) after N failures in a row (0: never)\n"
	"  --init-central       create or migrate the central schema and exit\n"
	"  --backfill           queue every record of the bench to ship again and exit\n"
	"                       (a new central database; harmless to repeat)\n"
	"  --log-level LEVEL    err, warning, notice, info, debug\n";

static int parse_int(const char *s, int min, int *ret)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > 100000000)
		return -1;
	*ret = (int)v;
	return 0;
}

static int init_central(const char *url, int target)
{
	struct rig_error err = { 0 };
	PGconn *pg = central_connect(url, &err);
	if (!pg || central_schema_migrate_to(pg, target, &err) < 0) {
		fprintf(stderr, "rig-shipper: %s\n", err.msg);
		PQfinish(pg);
		return 1;
	}
	int v = central_schema_version(pg, &err);
	printf("central schema version %d\n", v);
	PQfinish(pg);
	return 0;
}

static int backfill(const char *db_path)
{
	struct rig_error err = { 0 };
	sqlite3 *db = ship_open_bench(db_path, &err);
	int64_t n = db ? ship_requeue_all(db, &err) : -1;
	sqlite3_close(db);
	if (n < 0) {
		fprintf(stderr, "rig-shipper: %s\n", err.msg);
		return 1;
	}
	printf("queued %lld entries to ship\n", (long long)n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "central", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "bench", required_argument, NULL, 'b' },
		{ "batch", required_argument, NULL, 'n' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "backoff-max-ms", required_argument, NULL, 'B' },
		{ "drain", no_argument, NULL, 'D' },
		{ "max-retries", required_argument, NULL, 'R' },
		{ "init-central", no_argument, NULL, 'I' },
		{ "schema-version", required_argument, NULL, 'S' },
		{ "backfill", no_argument, NULL, 'F' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct shipper_options o;
	shipper_options_defaults(&o);
	o.central = getenv("RIG_CENTRAL");
	bool init = false, requeue = false;
	int target = central_schema_latest_version();
	enum rig_log_level level = RIG_LOG_NOTICE;
	rig_log_init("rig-shipper");
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'c': o.central = optarg; break;
		case 'd': o.db_path = optarg; break;
		case 'b': o.bench = optarg; break;
		case 'n': bad = parse_int(optarg, 1, &o.batch); break;
		case 'p': bad = parse_int(optarg, 1, &o.poll_ms); break;
		case 'B': bad = parse_int(optarg, 1, &o.backoff_max_ms); break;
		case 'D': o.drain = true; break;
		case 'R': bad = parse_int(optarg, 0, &o.max_retries); break;
		case 'I': init = true; break;
		case 'F': requeue = true; break;
		case 'S': bad = parse_int(optarg, 0, &target); break;
		case 'l': bad = rig_log_level_parse(optarg, &level); break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("rig-shipper %s\n", RIG_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "rig-shipper: bad value: %s\n", optarg);
			return 2;
		}
	}
	if (requeue && optind == argc && o.db_path && !init)
		return backfill(o.db_path);
	if (optind < argc || !o.central || !o.central[0] || (!init && !o.db_path)) {
		fputs(usage, stderr);
		return 2;
	}
	rig_log_set_level(level);
	if (init)
		return init_central(o.central, target);
	if (o.backoff_min_ms > o.backoff_max_ms)
		o.backoff_min_ms = o.backoff_max_ms;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return shipper_run(&o, &stop_requested);
}
