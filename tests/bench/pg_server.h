/* A private PostgreSQL server for tests and benchmarks: initdb and pg_ctl
 * in a temporary folder, listening only on a Unix socket there (so its port
 * number collides with nothing). PostgreSQL refuses to run as root: as root
 * the server runs as `nobody`. */
#ifndef RIG_TESTS_PG_SERVER_H
#define RIG_TESTS_PG_SERVER_H

#include <stddef.h>

struct pg_server {
	char dir[128];		/* data in dir/data, socket in dir */
	char bin[160];		/* folder of initdb and pg_ctl */
	char as_user[32];	/* "runuser -u nobody --" as root, else "" */
	int port;
};

/* 0 started; 1 PostgreSQL is not installed (why says so); -1 failed. */
int pg_server_start(struct pg_server *s, char *why, size_t len);
/* Stops the server (immediate: as a crash would) and starts it again on the
 * same data. 0 or -1. */
int pg_server_stop(struct pg_server *s, int immediate);
int pg_server_restart(struct pg_server *s);
/* Stops the server and removes its folder. */
void pg_server_destroy(struct pg_server *s);
/* Creates database `name`; its conninfo into url. 0 or -1. */
int pg_server_createdb(struct pg_server *s, const char *name, char *url, size_t len);

#endif
