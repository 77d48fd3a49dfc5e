#include "rig/rigd/panel_auth.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *panel_role_name(enum panel_role r)
{
	return r == PANEL_ROLE_SUPERVISOR ? "supervisor" : "operator";
}

static int parse_line(char *s, const char *path, int lineno, struct panel_operator *op,
		      struct rig_error *err)
{
	char *f[5];
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (n < 5)
			f[n++] = tok;
		else
			n++;
	if (n != 4)
		return rig_error_set(err, path, lineno, "expected \"name role pin|badge hash\"");
	if (strlen(f[0]) >= sizeof(op->name))
		return rig_error_set(err, path, lineno, "name longer than %zu characters",
				     sizeof(op->name) - 1);
	snprintf(op->name, sizeof(op->name), "%s", f[0]);
	if (strcmp(f[1], "operator") == 0)
		op->role = PANEL_ROLE_OPERATOR;
	else if (strcmp(f[1], "supervisor") == 0)
		op->role = PANEL_ROLE_SUPERVISOR;
	else
		return rig_error_set(err, path, lineno, "role \"%s\" is not operator or supervisor",
				     f[1]);
	if (strcmp(f[2], "pin") == 0)
		op->kind = PANEL_SECRET_PIN;
	else if (strcmp(f[2], "badge") == 0)
		op->kind = PANEL_SECRET_BADGE;
	else
		return rig_error_set(err, path, lineno, "\"%s\" is not pin or badge", f[2]);
	if (strncmp(f[3], "$argon2", 7) != 0 || strlen(f[3]) >= sizeof(op->hash))
		return rig_error_set(err, path, lineno,
				     "the secret must be a hash from rigd --hash-secret, never the PIN itself");
	snprintf(op->hash, sizeof(op->hash), "%s", f[3]);
	return 0;
}

static int load_file(struct panel_auth *a, const char *path, struct rig_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rig_error_set(err, path, 0, "cannot open: %s", strerror(errno));
	a->ops = calloc(PANEL_MAX_OPERATORS, sizeof(*a->ops));
	if (!a->ops) {
		fclose(f);
		return rig_error_set(err, path, 0, "out of memory");
	}
	char line[512];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (a->n_ops == PANEL_MAX_OPERATORS)
			rc = rig_error_set(err, path, lineno, "more than %d lines",
					   PANEL_MAX_OPERATORS);
		else if (parse_line(s, path, lineno, &a->ops[a->n_ops], err) == 0)
			a->n_ops++;
		else
			rc = -1;
	}
	fclose(f);
	return rc;
}

int panel_auth_init(struct panel_auth *a, const char *path, struct rig_error *err)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->verify_lock, NULL);
	if (sodium_init() < 0)
		return rig_error_set(err, NULL, 0, "libsodium did not initialise");
	if (!path || !path[0])
		return 0;
	return load_file(a, path, err);
}

void panel_auth_free(struct panel_auth *a)
{
	free(a->ops);
	a->ops = NULL;
	a->n_ops = 0;
	sodium_memzero(a->sessions, sizeof(a->sessions));
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->verify_lock);
}

static int verify_locked(const struct panel_auth *a, const char *name, enum panel_secret kind,
			 const char *secret, struct panel_user *ret)
{
	/* The operators are read-only after init. */
	for (int i = 0; i < a->n_ops; i++) {
		const struct panel_operator *op = &a->ops[i];
		if (op->kind != kind)
			continue;
		if (kind == PANEL_SECRET_PIN && (!name || strcmp(name, op->name) != 0))
			continue;
		if (crypto_pwhash_str_verify(op->hash, secret, strlen(secret)) == 0) {
			snprintf(ret->name, sizeof(ret->name), "%s", op->name);
			ret->role = op->role;
			return 0;
		}
	}
	return -1;
}

int panel_auth_verify(struct panel_auth *a, const char *name, enum panel_secret kind,
		      const char *secret, struct panel_user *ret)
{
	if (!secret || !secret[0])
		return -1;
	pthread_mutex_lock(&a->verify_lock);
	int rc = verify_locked(a, name, kind, secret, ret);
	if (rc < 0) {
		struct timespec delay = {0, PANEL_MISS_DELAY_MS * 1000000L};
		nanosleep(&delay, NULL);
	}
	pthread_mutex_unlock(&a->verify_lock);
	return rc;
}

static void random_hex(char *out)
{
	unsigned char raw[PANEL_TOKEN_HEX / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, PANEL_TOKEN_HEX + 1, raw, sizeof(raw));
}

void panel_session_new(struct panel_auth *a, const struct panel_user *user, int64_t now_s,
		       struct panel_session *ret)
{
	pthread_mutex_lock(&a->lock);
	struct panel_session *slot = &a->sessions[0];
	for (int i = 0; i < PANEL_MAX_SESSIONS; i++) {
		struct panel_session *s = &a->sessions[i];
		if (!s->token[0] || s->expires_s <= now_s) {
			slot = s;
			break;
		}
		if (s->expires_s < slot->expires_s)
			slot = s;
	}
	random_hex(slot->token);
	random_hex(slot->csrf);
	slot->user = *user;
	slot->expires_s = now_s + PANEL_SESSION_S;
	*ret = *slot;
	pthread_mutex_unlock(&a->lock);
}

static struct panel_session *lookup(struct panel_auth *a, const char *token)
{
	if (!token || strlen(token) != PANEL_TOKEN_HEX)
		return NULL;
	for (int i = 0; i < PANEL_MAX_SESSIONS; i++)
		if (a->sessions[i].token[0] &&
		    sodium_memcmp(a->sessions[i].token, token, PANEL_TOKEN_HEX) == 0)
			return &a->sessions[i];
	return NULL;
}

int panel_session_find(struct panel_auth *a, const char *token, int64_t now_s,
		       struct panel_session *ret)
{
	pthread_mutex_lock(&a->lock);
	struct panel_session *s = lookup(a, token);
	int rc = -1;
	if (s && s->expires_s > now_s) {
		*ret = *s;
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void panel_session_end(struct panel_auth *a, const char *token)
{
	pthread_mutex_lock(&a->lock);
	struct panel_session *s = lookup(a, token);
	if (s)
		sodium_memzero(s, sizeof(*s));
	pthread_mutex_unlock(&a->lock);
}

bool panel_csrf_ok(const struct panel_session *s, const char *header)
{
	return header && strlen(header) == PANEL_TOKEN_HEX && s->csrf[0] &&
	       sodium_memcmp(s->csrf, header, PANEL_TOKEN_HEX) == 0;
}

void panel_token_new(char *out)
{
	random_hex(out);
}

bool panel_token_ok(const char *token, const char *header)
{
	return header && strlen(header) == PANEL_TOKEN_HEX && strlen(token) == PANEL_TOKEN_HEX &&
	       sodium_memcmp(token, header, PANEL_TOKEN_HEX) == 0;
}

int panel_hash_secret(const char *secret, char *out, size_t len, struct rig_error *err)
{
	if (sodium_init() < 0)
		return rig_error_set(err, NULL, 0, "libsodium did not initialise");
	if (!secret[0])
		return rig_error_set(err, NULL, 0, "empty secret");
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(hash, secret, strlen(secret), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return rig_error_set(err, NULL, 0, "hashing: out of memory");
	if (strlen(hash) >= len)
		return rig_error_set(err, NULL, 0, "hash too long");
	snprintf(out, len, "%s", hash);
	return 0;
}
