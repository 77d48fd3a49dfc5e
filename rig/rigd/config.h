/* rigd's configuration file: INI-like "key = value" lines, '#' or ';'
 * comments, an optional "[rigd]" section header. Errors carry file:line.
 * rigctl reads the same file to find the socket and the database. */
#ifndef RIG_RIGD_CONFIG_H
#define RIG_RIGD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/common/log.h"
#include "rig/core/error.h"
#include "rig/store/run_record.h"

#define RIG_DEFAULT_CONFIG "/etc/rig/rigd.conf"
#define RIG_DEFAULT_SOCKET "/run/rigd/rigd.sock"

struct rigd_config {
	char station[64];		/* name on certificates and in the database */
	char fixture[256];		/* fixture file */
	char profiles_dir[256];		/* directory of *.profile files */
	char database[256];		/* SQLite file */
	char socket_path[108];		/* control socket (sun_path limit) */
	char socket_group[64];		/* group owning the socket; "" keeps the default */
	enum rig_log_level log_level;
	char record_edges[256];		/* capture file, "" when off */
	/* the lab and the approver, on every run's record and certificate */
	char lab_name[96];
	char lab_address[160];
	char lab_accreditation[96];	/* body and number, e.g. "A2LA 1234.01" */
	char approver_name[64];
	char approver_role[64];
	enum rig_weighting weighting;	/* weighted average registration rule */
	/* the operator panel (rig/rigd/panel.h): off unless http is set */
	char http[64];			/* ADDR:PORT, e.g. 127.0.0.1:8080; "" off */
	char panel_dir[256];		/* its static files; "" found next to rigd */
	char operators[256];		/* who may sign in (name role kind hash lines) */
	char http_hosts[256];		/* more names it answers to (Host header) */
	int signin_lock_after;		/* wrong PINs in a row that lock; 0 never */
	int signin_lock_s;		/* the first lock; doubles with each miss after */
	int signin_lock_max_s;		/* the longest */
	/* the central database rigctl's fleet questions ask (rigctl only:
	 * rigd never talks to it); "" none */
	char central[512];
};

void rigd_config_defaults(struct rigd_config *c);

/* Parses text on top of what c holds (call rigd_config_defaults first).
 * Unknown keys, missing '=', empty required values are errors. */
int rigd_config_parse(const char *text, size_t len, const char *file, struct rigd_config *c,
		      struct rig_error *err);

/* Defaults, then the file. */
int rigd_config_load(const char *path, struct rigd_config *c, struct rig_error *err);

/* Checks that the keys rigd cannot run without are set. */
int rigd_config_check(const struct rigd_config *c, const char *file, struct rig_error *err);

#endif
