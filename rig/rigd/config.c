#include "rig/rigd/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rig/rigd/panel.h"

void rigd_config_defaults(struct rigd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->station, sizeof(c->station), "bench");
	snprintf(c->profiles_dir, sizeof(c->profiles_dir), "/etc/rig/profiles");
	snprintf(c->database, sizeof(c->database), "/var/lib/rig/rig.db");
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", RIG_DEFAULT_SOCKET);
	c->log_level = RIG_LOG_INFO;
	c->signin_lock_after = 5;
	c->signin_lock_s = 60;
	c->signin_lock_max_s = 3600;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Copies value into a fixed field; too long is an error, not a truncation. */
static int set_text(char *field, size_t size, const char *value, const char *file, int line,
		    const char *key, struct rig_error *err)
{
	if (strlen(value) >= size)
		return rig_error_set(err, file, line, "%s: value longer than %zu characters", key,
				     size - 1);
	memcpy(field, value, strlen(value) + 1);
	return 0;
}

static int record_text(char *field, size_t size, const char *value, const char *file, int line,
		       const char *key, struct rig_error *err)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return rig_error_set(err, file, line, "%s: control character in the value", key);
	return set_text(field, size, value, file, line, key, err);
}

static int set_seconds(int *field, int min, const char *value, const char *file, int line,
		       const char *key, struct rig_error *err)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (*end || end == value || errno || v < min || v > 7 * 24 * 3600)
		return rig_error_set(err, file, line, "%s: \"%s\" is not a whole number %d..%d", key,
				     value, min, 7 * 24 * 3600);
	*field = (int)v;
	return 0;
}

static int set_key(struct rigd_config *c, const char *key, const char *value, const char *file,
		   int line, struct rig_error *err)
{
#define TEXT(name, field)                                                                    \
	if (strcmp(key, name) == 0)                                                          \
		return set_text(c->field, sizeof(c->field), value, file, line, key, err);
	TEXT("station", station)
	TEXT("fixture", fixture)
	TEXT("profiles", profiles_dir)
	TEXT("database", database)
	TEXT("socket", socket_path)
	TEXT("socket_group", socket_group)
	TEXT("panel_dir", panel_dir)
	TEXT("operators", operators)
	TEXT("http_hosts", http_hosts)
	TEXT("central", central)
#undef TEXT
	if (strcmp(key, "signin_lock_after") == 0)
		return set_seconds(&c->signin_lock_after, 0, value, file, line, key, err);
	if (strcmp(key, "signin_lock_s") == 0)
		return set_seconds(&c->signin_lock_s, 1, value, file, line, key, err);
	if (strcmp(key, "signin_lock_max_s") == 0)
		return set_seconds(&c->signin_lock_max_s, 1, value, file, line, key, err);
	if (strcmp(key, "http") == 0) {
		if (strcasecmp(value, "off") == 0) {
			c->http[0] = '\0';
			return 0;
		}
		return set_text(c->http, sizeof(c->http), value, file, line, key, err);
	}
	/* printed on certificates: no control characters (a tab) either */
#define RECORD_TEXT(name, field)                                                             \
	if (strcmp(key, name) == 0)                                                          \
		return record_text(c->field, sizeof(c->field), value, file, line, key, err);
	RECORD_TEXT("lab_name", lab_name)
	RECORD_TEXT("lab_address", lab_address)
	RECORD_TEXT("lab_accreditation", lab_accreditation)
	RECORD_TEXT("approver_name", approver_name)
	RECORD_TEXT("approver_role", approver_role)
#undef RECORD_TEXT
	if (strcmp(key, "weighting") == 0) {
		if (rig_weighting_parse(value, &c->weighting) < 0)
			return rig_error_set(err, file, line,
					     "weighting: \"%s\" is not one of (4FL+LL)/5, (FL+LL)/2, (4FL+2LL+PF)/7, none",
					     value);
		return 0;
	}
	if (strcmp(key, "log_level") == 0) {
		if (rig_log_level_parse(value, &c->log_level) < 0)
			return rig_error_set(err, file, line,
					     "log_level: \"%s\" is not one of err, warning, notice, info, debug",
					     value);
		return 0;
	}
	if (strcmp(key, "record_edges") == 0) {
		if (strcasecmp(value, "off") == 0 || strcasecmp(value, "no") == 0) {
			c->record_edges[0] = '\0';
			return 0;
		}
		return set_text(c->record_edges, sizeof(c->record_edges), value, file, line, key,
				err);
	}
	return rig_error_set(err, file, line, "unknown key \"%s\"", key);
}

int rigd_config_parse(const char *text, size_t len, const char *file, struct rigd_config *c,
		      struct rig_error *err)
{
	int lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		char raw[1024];
		if (end - pos >= sizeof(raw))
			return rig_error_set(err, file, lineno, "line too long");
		if (memchr(text + pos, '\0', end - pos))
			return rig_error_set(err, file, lineno, "NUL byte in line");
		memcpy(raw, text + pos, end - pos);
		raw[end - pos] = '\0';
		pos = end + 1;

		char *s = trim(raw);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (strcmp(s, "[rigd]") != 0)
				return rig_error_set(err, file, lineno,
						     "unknown section \"%s\" (only [rigd])", s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return rig_error_set(err, file, lineno, "expected \"key = value\"");
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		if (*key == '\0')
			return rig_error_set(err, file, lineno, "missing key before '='");
		if (*value == '\0')
			return rig_error_set(err, file, lineno, "%s: empty value", key);
		if (set_key(c, key, value, file, lineno, err) < 0)
			return -1;
	}
	return 0;
}

int rigd_config_load(const char *path, struct rigd_config *c, struct rig_error *err)
{
	rigd_config_defaults(c);
	FILE *f = fopen(path, "r");
	if (!f)
		return rig_error_set(err, path, 0, "cannot open: %s", strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n > 1 << 20) {
			fclose(f);
			free(text);
			return rig_error_set(err, path, 0, "file larger than 1 MiB");
		}
		if (len + n > cap) {
			cap = (len + n) * 2;
			char *nt = realloc(text, cap);
			if (!nt) {
				fclose(f);
				free(text);
				return rig_error_set(err, path, 0, "out of memory");
			}
			text = nt;
		}
		memcpy(text + len, chunk, n);
		len += n;
	}
	fclose(f);
	int rc = rigd_config_parse(text ? text : "", len, path, c, err);
	free(text);
	return rc;
}

int rigd_config_check(const struct rigd_config *c, const char *file, struct rig_error *err)
{
	if (!c->fixture[0])
		return rig_error_set(err, file, 0, "fixture: not set");
	if (!c->database[0])
		return rig_error_set(err, file, 0, "database: not set");
	if (!c->socket_path[0])
		return rig_error_set(err, file, 0, "socket: not set");
	struct sockaddr_storage addr;
	unsigned addr_len;
	if (c->http[0] && panel_parse_addr(c->http, &addr, &addr_len, err) < 0) {
		snprintf(err->file, sizeof(err->file), "%s", file);
		return -1;
	}
	return 0;
}
