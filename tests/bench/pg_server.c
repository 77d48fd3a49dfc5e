#include "pg_server.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int find_bin(struct pg_server *s)
{
	glob_t g;
	int found = 0;
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		/* the newest version: glob sorts, so the last */
		snprintf(s->bin, sizeof(s->bin), "%s", g.gl_pathv[g.gl_pathc - 1]);
		*strrchr(s->bin, '/') = '\0';
		found = 1;
	}
	globfree(&g);
	return found;
}

static int run(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

static int start(struct pg_server *s)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "%s %s/pg_ctl -D %s/data -l %s/log -w -t 60 -o \"-p %d -k %s"
		 " -c listen_addresses='' -c fsync=off -c max_connections=200\" start >/dev/null",
		 s->as_user, s->bin, s->dir, s->dir, s->port, s->dir);
	return run(cmd);
}

int pg_server_start(struct pg_server *s, char *why, size_t len)
{
	memset(s, 0, sizeof(*s));
	if (!find_bin(s)) {
		snprintf(why, len, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb;"
			 " rig/scripts/install-deps installs it)");
		return 1;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/rig-pg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		snprintf(why, len, "mkdtemp: failed");
		return -1;
	}
	s->port = 5432;
	if (geteuid() == 0) {
		snprintf(s->as_user, sizeof(s->as_user), "runuser -u nobody --");
		if (chmod(s->dir, 0755) < 0 || run("true") < 0) {
			snprintf(why, len, "cannot prepare %s", s->dir);
			return -1;
		}
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "chown nobody %s", s->dir);
		if (run(cmd) < 0) {
			snprintf(why, len, "cannot give %s to nobody", s->dir);
			return -1;
		}
	}
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s %s/initdb -D %s/data -A trust -U rig -E UTF8 --no-sync"
		 " >%s/initdb.log 2>&1", s->as_user, s->bin, s->dir, s->dir);
	if (run(cmd) < 0) {
		snprintf(why, len, "initdb failed (%s/initdb.log)", s->dir);
		return -1;
	}
	if (start(s) < 0) {
		snprintf(why, len, "pg_ctl start failed (%s/log)", s->dir);
		return -1;
	}
	return 0;
}

int pg_server_stop(struct pg_server *s, int immediate)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s %s/pg_ctl -D %s/data -w -m %s stop >/dev/null 2>&1",
		 s->as_user, s->bin, s->dir, immediate ? "immediate" : "fast");
	return run(cmd);
}

int pg_server_restart(struct pg_server *s)
{
	return start(s);
}

void pg_server_destroy(struct pg_server *s)
{
	if (!s->dir[0])
		return;
	pg_server_stop(s, 1);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	run(cmd);
	s->dir[0] = '\0';
}

int pg_server_createdb(struct pg_server *s, const char *name, char *url, size_t len)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s/createdb -h %s -p %d -U rig %s", s->bin, s->dir, s->port,
		 name);
	if (run(cmd) < 0)
		return -1;
	snprintf(url, len, "host=%s port=%d user=rig dbname=%s", s->dir, s->port, name);
	return 0;
}
