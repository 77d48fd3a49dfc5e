#include "rig/rigd/panel_lockout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void panel_lockout_init(struct panel_lockout *l, const struct panel_lock_policy *policy)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	l->policy = *policy;
}

void panel_lockout_free(struct panel_lockout *l)
{
	pthread_mutex_destroy(&l->lock);
}

static void make_key(char *key, size_t len, char kind, const char *what)
{
	snprintf(key, len, "%c:%s", kind, what);
}

static struct panel_lock_entry *find(struct panel_lockout *l, const char *key)
{
	for (int i = 0; i < PANEL_LOCK_SLOTS; i++)
		if (l->e[i].key[0] && strcmp(l->e[i].key, key) == 0)
			return &l->e[i];
	return NULL;
}

/* A free slot, or one whose misses are forgotten; NULL when every slot
 * holds misses still counting. Never the oldest of those: a flood of
 * misses on made-up names would otherwise push a real name's count out
 * and let its guessing start again (refusing sign-in instead, until
 * the misses are forgotten, keeps the count; ABORT needs no sign-in). */
static struct panel_lock_entry *take(struct panel_lockout *l, const char *key, int64_t now_s)
{
	for (int i = 0; i < PANEL_LOCK_SLOTS; i++) {
		struct panel_lock_entry *e = &l->e[i];
		bool forgotten = e->until_s <= now_s && now_s - e->last_s >= PANEL_LOCK_FORGET_S;
		if (!e->key[0] || forgotten) {
			memset(e, 0, sizeof(*e));
			snprintf(e->key, sizeof(e->key), "%s", key);
			return e;
		}
	}
	return NULL;
}

static int threshold(const struct panel_lockout *l, char kind)
{
	return kind == 'a' ? 2 * l->policy.after : l->policy.after;
}

static void duration_text(int64_t s, char *out, size_t len)
{
	if (s >= 60)
		snprintf(out, len, "%lld min", (long long)((s + 59) / 60));
	else
		snprintf(out, len, "%lld s", (long long)(s > 0 ? s : 1));
}

static void say_locked(const struct panel_lock_entry *e, int64_t now_s, char *why, size_t len)
{
	char left[32];
	duration_text(e->until_s - now_s, left, sizeof(left));
	if (e->key[0] == 'n')
		snprintf(why, len, "sign-in for %.60s is locked for %s after %d wrong PINs",
			 e->key + 2, left, e->misses);
	else
		snprintf(why, len, "sign-in from %.60s is locked for %s after %d wrong PINs or "
			 "badges", e->key + 2, left, e->misses);
}

/* The entry for kind:what, or NULL when there is none worth keeping. */
static struct panel_lock_entry *entry(struct panel_lockout *l, char kind, const char *what,
				      int64_t now_s)
{
	if (!what || !what[0])
		return NULL;
	char key[sizeof(l->e[0].key)];
	make_key(key, sizeof(key), kind, what);
	struct panel_lock_entry *e = find(l, key);
	if (e && e->until_s <= now_s && now_s - e->last_s >= PANEL_LOCK_FORGET_S) {
		memset(e, 0, sizeof(*e));
		e = NULL;
	}
	return e;
}

/* -1 with why when name or addr is locked now; the caller holds the mutex. */
static int locked_now(struct panel_lockout *l, const char *name, const char *addr,
		      int64_t now_s, char *why, size_t why_len)
{
	const char kinds[2] = {'n', 'a'};
	const char *whats[2] = {name, addr};
	for (int k = 0; k < 2; k++) {
		struct panel_lock_entry *e = entry(l, kinds[k], whats[k], now_s);
		if (e && e->until_s > now_s) {
			say_locked(e, now_s, why, why_len);
			return -1;
		}
	}
	return 0;
}

int panel_lockout_check(struct panel_lockout *l, const char *name, const char *addr,
			int64_t now_s, char *why, size_t why_len)
{
	if (l->policy.after <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
	int rc = locked_now(l, name, addr, now_s, why, why_len);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

/* The lock after misses: lock_s at the threshold, doubled for each miss
 * past it, at most max_s. */
static int64_t lock_for(const struct panel_lock_policy *p, int misses, int at)
{
	int64_t s = p->lock_s > 0 ? p->lock_s : 1;
	for (int i = at; i < misses && s < p->max_s; i++)
		s *= 2;
	return s < p->max_s ? s : p->max_s;
}

/* Counts a miss for name and addr; the caller holds the mutex. 1 with why
 * when it locked one of them, 0, or -1 with why when there is no slot to
 * count it in. */
static int count_miss(struct panel_lockout *l, const char *name, const char *addr,
		      int64_t now_s, char *why, size_t why_len)
{
	int locked = 0;
	const char kinds[2] = {'n', 'a'};
	const char *whats[2] = {name, addr};
	for (int k = 0; k < 2; k++) {
		if (!whats[k] || !whats[k][0])
			continue;
		struct panel_lock_entry *e = entry(l, kinds[k], whats[k], now_s);
		if (!e) {
			char key[sizeof(l->e[0].key)];
			make_key(key, sizeof(key), kinds[k], whats[k]);
			e = take(l, key, now_s);
		}
		if (!e) {
			snprintf(why, why_len, "sign-in is refused for now: too many recent wrong "
				 "PINs or badges on this panel");
			return -1;
		}
		e->misses++;
		e->last_s = now_s;
		int at = threshold(l, kinds[k]);
		if (e->misses >= at) {
			e->until_s = now_s + lock_for(&l->policy, e->misses, at);
			if (!locked)
				say_locked(e, now_s, why, why_len);
			locked = 1;
		}
	}
	return locked;
}

int panel_lockout_miss(struct panel_lockout *l, const char *name, const char *addr,
		       int64_t now_s, char *why, size_t why_len)
{
	if (l->policy.after <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
	int rc = count_miss(l, name, addr, now_s, why, why_len);
	pthread_mutex_unlock(&l->lock);
	return rc != 0;
}

int panel_lockout_attempt(struct panel_lockout *l, const char *name, const char *addr,
			  int64_t now_s, bool *locks_if_wrong, char *why, size_t why_len)
{
	*locks_if_wrong = false;
	if (l->policy.after <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
	int rc = locked_now(l, name, addr, now_s, why, why_len);
	if (rc == 0) {
		int counted = count_miss(l, name, addr, now_s, why, why_len);
		if (counted < 0)
			rc = -1;
		*locks_if_wrong = counted > 0;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void panel_lockout_success(struct panel_lockout *l, const char *name, const char *addr)
{
	pthread_mutex_lock(&l->lock);
	const char kinds[2] = {'n', 'a'};
	const char *whats[2] = {name, addr};
	for (int k = 0; k < 2; k++) {
		if (!whats[k] || !whats[k][0])
			continue;
		char key[sizeof(l->e[0].key)];
		make_key(key, sizeof(key), kinds[k], whats[k]);
		struct panel_lock_entry *e = find(l, key);
		if (e)
			memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&l->lock);
}
