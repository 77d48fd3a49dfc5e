/* Sign-in lockout: wrong PINs (or badges) in a row, counted per operator
 * name and per client address, lock sign-in for a period that doubles with
 * every further miss, up to a longest. A right secret after the lock has
 * expired clears the count. Time is handed in (seconds on any steady
 * clock), so tests run in virtual time; thread-safe. */
#ifndef RIG_RIGD_PANEL_LOCKOUT_H
#define RIG_RIGD_PANEL_LOCKOUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PANEL_LOCK_SLOTS 128
#define PANEL_LOCK_FORGET_S (24 * 3600)	/* a miss this old no longer counts */

struct panel_lock_policy {
	int after;	/* misses in a row for one name that lock it; 0: no lockout.
			 * An address is locked after twice as many (any names). */
	int lock_s;	/* the first lock */
	int max_s;	/* the longest */
};

struct panel_lock_entry {
	char key[80];		/* "n:NAME" or "a:ADDRESS"; "" free */
	int misses;
	int64_t until_s;	/* locked until */
	int64_t last_s;		/* the last miss */
};

struct panel_lockout {
	pthread_mutex_t lock;
	struct panel_lock_policy policy;
	struct panel_lock_entry e[PANEL_LOCK_SLOTS];
};

void panel_lockout_init(struct panel_lockout *l, const struct panel_lock_policy *policy);
void panel_lockout_free(struct panel_lockout *l);

/* 0 when name (NULL or "" for a badge) may try from addr; -1 with why
 * ("sign-in for ana is locked for 4 min after 5 wrong PINs") when not. */
int panel_lockout_check(struct panel_lockout *l, const char *name, const char *addr,
			int64_t now_s, char *why, size_t why_len);
/* Counts a miss. 1 with why when it locked name or addr (or when no slot
 * is left to count it in), else 0. */
int panel_lockout_miss(struct panel_lockout *l, const char *name, const char *addr,
		       int64_t now_s, char *why, size_t why_len);
/* One sign-in attempt, counted as a miss before the secret is checked, so
 * attempts made in parallel cannot all pass the check before the misses
 * that should lock are counted: -1 with why when locked (or no slot is
 * left), else 0 with *locks_if_wrong and why saying whether this attempt
 * locked name or addr. A right secret then calls panel_lockout_success. */
int panel_lockout_attempt(struct panel_lockout *l, const char *name, const char *addr,
			  int64_t now_s, bool *locks_if_wrong, char *why, size_t why_len);
/* A right secret: name's and addr's counts start again. */
void panel_lockout_success(struct panel_lockout *l, const char *name, const char *addr);

#endif
