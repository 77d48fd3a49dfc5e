/* rigd: the test rig daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/log.h"
#include "rig/rigd/daemon.h"
#include "rig/rigd/panel_auth.h"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif

static const char usage[] =
	"usage: rigd [-c FILE] [--foreground] [--record FILE|off] [--http ADDR:PORT|off]\n"
	"       rigd [-c FILE] --safe-off\n"
	"       rigd --hash-secret < PIN   (a line for the panel's operators file)\n"
	"  -c, --config FILE  configuration (default " RIG_DEFAULT_CONFIG ")\n"
	"  --foreground       stay in the foreground, log to stderr (the default;\n"
	"                     under systemd the journal keeps the levels)\n"
	"  --record FILE|off  record every edge and every run's evidence in the\n"
	"                     capture format, for rigctl analyse (overrides\n"
	"                     record_edges)\n"
	"  --http ADDR:PORT   serve the operator panel there (overrides http;\n"
	"                     127.0.0.1:8080 keeps it on this computer)\n"
	"  --hash-secret      read a PIN or badge code on stdin, print its Argon2id\n"
	"                     hash for the operators file\n"
	"  --safe-off         open the fixture's source, switch its output off (sent\n"
	"                     blind first, then verified), exit; 1 when not confirmed\n"
	"                     (for ExecStopPost)\n"
	"exit: 0 clean stop, 1 could not start or run\n";

/* One line of stdin (a PIN or a badge's code) as the operators file's hash. */
static int print_secret_hash(void)
{
	char secret[256];
	if (!fgets(secret, sizeof(secret), stdin)) {
		fputs("rigd: --hash-secret: give the PIN or badge code on stdin\n", stderr);
		return 1;
	}
	secret[strcspn(secret, "\r\n")] = '\0';
	char hash[PANEL_HASH_MAX];
	struct rig_error err = {0};
	int rc = panel_hash_secret(secret, hash, sizeof(hash), &err);
	memset(secret, 0, sizeof(secret));
	if (rc < 0) {
		fprintf(stderr, "rigd: --hash-secret: %s\n", err.msg);
		return 1;
	}
	puts(hash);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config = RIG_DEFAULT_CONFIG;
	struct rigd_overrides ov = {0};
	bool safe_off = false, hash_secret = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if ((strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0) && i + 1 < argc) {
			config = argv[++i];
		} else if (strncmp(arg, "--config=", 9) == 0) {
			config = arg + 9;
		} else if (strcmp(arg, "--record") == 0 && i + 1 < argc) {
			ov.record = argv[++i];
		} else if (strcmp(arg, "--http") == 0 && i + 1 < argc) {
			ov.http = argv[++i];
		} else if (strcmp(arg, "--hash-secret") == 0) {
			hash_secret = true;
		} else if (strcmp(arg, "--foreground") == 0 || strcmp(arg, "-f") == 0) {
			/* the only mode: systemd supervises, nothing forks */
		} else if (strcmp(arg, "--safe-off") == 0) {
			safe_off = true;
		} else if (strcmp(arg, "--version") == 0) {
			printf("rigd %s\n", RIG_VERSION);
			return 0;
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "rigd: unknown argument \"%s\"\n%s", arg, usage);
			return 1;
		}
	}
	rig_log_init("rigd");
	struct rig_error err = {0};
	char buf[800];
	if (hash_secret)
		return print_secret_hash();
	if (safe_off) {
		if (rigd_safe_off(config, &err) < 0) {
			log_err("safe-off: %s", rig_error_format(&err, buf, sizeof(buf)));
			return 1;
		}
		log_notice("safe-off: source output off");
		return 0;
	}
	static struct rigd d;	/* large (profile, plan): not on the stack */
	int code = 1;
	if (rigd_start(&d, config, &ov, &err) < 0)
		log_err("%s", rig_error_format(&err, buf, sizeof(buf)));
	else
		code = rigd_run(&d);
	rigd_stop(&d);
	return code;
}
