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

/* A free slot, else the one whose last miss is oldest (a lock still
 * running is kept while any other slot can go). */
static struct panel_lock_entry *take(struct panel_lockout *l, const char *key, int64_t now_s)
{
	struct panel_lock_entry *victim = NULL;
	for (int i = 0; i < PANEL_LOCK_SLOTS; i++) {
		struct panel_lock_entry *e = &l->e[i];
		if (!e->key[0]) {
			victim = e;
			break;
		}
		bool locked = e->until_s > now_s;
		bool victim_locked = victim && victim->until_s > now_s;
		if (!victim || (victim_locked && !locked) ||
		    (victim_locked == locked && e->last_s < victim->last_s))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	return victim;
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

int panel_lockout_check(struct panel_lockout *l, const char *name, const char *addr,
			int64_t now_s, char *why, size_t why_len)
{
	if (l->policy.after <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
	int rc = 0;
	const char kinds[2] = {'n', 'a'};
	const char *whats[2] = {name, addr};
	for (int k = 0; k < 2 && rc == 0; k++) {
		struct panel_lock_entry *e = entry(l, kinds[k], whats[k], now_s);
		if (e && e->until_s > now_s) {
			say_locked(e, now_s, why, why_len);
			rc = -1;
		}
	}
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

int panel_lockout_miss(struct panel_lockout *l, const char *name, const char *addr,
		       int64_t now_s, char *why, size_t why_len)
{
	if (l->policy.after <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
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
	pthread_mutex_unlock(&l->lock);
	return locked;
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
