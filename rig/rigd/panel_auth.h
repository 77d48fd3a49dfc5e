/* Who may act on the operator panel: the operators file (name, role and a
 * hashed PIN or badge code per line) and the signed-in sessions, each with
 * its CSRF token. Thread-safe: the panel's connection threads share it. */
#ifndef RIG_RIGD_PANEL_AUTH_H
#define RIG_RIGD_PANEL_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig/core/error.h"

#define PANEL_MAX_OPERATORS 256
#define PANEL_MAX_SESSIONS 64
#define PANEL_SESSION_S (12 * 3600)	/* a shift, then sign in again */
#define PANEL_TOKEN_HEX 64		/* 32 random bytes */
#define PANEL_HASH_MAX 160
#define PANEL_MISS_DELAY_MS 500

enum panel_role { PANEL_ROLE_OPERATOR, PANEL_ROLE_SUPERVISOR };
enum panel_secret { PANEL_SECRET_PIN, PANEL_SECRET_BADGE };

struct panel_operator {
	char name[64];
	enum panel_role role;
	enum panel_secret kind;
	char hash[PANEL_HASH_MAX];	/* crypto_pwhash_str (Argon2id) */
};

struct panel_user {
	char name[64];
	enum panel_role role;
};

struct panel_session {
	char token[PANEL_TOKEN_HEX + 1];	/* the cookie */
	char csrf[PANEL_TOKEN_HEX + 1];		/* sent back in X-CSRF-Token */
	struct panel_user user;
	int64_t expires_s;
};

struct panel_auth {
	pthread_mutex_t lock;		/* the sessions */
	pthread_mutex_t verify_lock;	/* one hash check at a time (each takes 64 MiB) */
	struct panel_operator *ops;
	int n_ops;
	struct panel_session sessions[PANEL_MAX_SESSIONS];
};

/* Reads path ("" or NULL: nobody can sign in, the panel is read-only).
 * Lines: `name role kind hash`, role operator|supervisor, kind pin|badge,
 * '#' comments. Errors carry file:line. */
int panel_auth_init(struct panel_auth *a, const char *path, struct rig_error *err);
void panel_auth_free(struct panel_auth *a);

/* The operator whose `kind` secret is `secret`: by name for a PIN, any
 * badge line for a badge (name may be ""). 0 with *ret, -1 when none.
 * Checks run one at a time and a miss holds the next one back by
 * PANEL_MISS_DELAY_MS: guessing PINs is slow, and many sign-ins at once
 * cannot take the bench computer's memory. */
int panel_auth_verify(struct panel_auth *a, const char *name, enum panel_secret kind,
		      const char *secret, struct panel_user *ret);

/* A new session for user (the oldest is dropped when all are taken). */
void panel_session_new(struct panel_auth *a, const struct panel_user *user, int64_t now_s,
		       struct panel_session *ret);
/* 0 with *ret when token names a live session. */
int panel_session_find(struct panel_auth *a, const char *token, int64_t now_s,
		       struct panel_session *ret);
void panel_session_end(struct panel_auth *a, const char *token);
/* Constant-time comparison of the request's CSRF token with the session's. */
bool panel_csrf_ok(const struct panel_session *s, const char *header);

/* A fresh random token (PANEL_TOKEN_HEX hex digits), and its
 * constant-time comparison with what a request sent. */
void panel_token_new(char *out);
bool panel_token_ok(const char *token, const char *header);

/* An Argon2id hash of secret for the operators file. */
int panel_hash_secret(const char *secret, char *out, size_t len, struct rig_error *err);

const char *panel_role_name(enum panel_role r);

#endif
