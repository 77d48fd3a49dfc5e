#include "rig/rigd/run_queue.h"

#include <stdlib.h>

unsigned run_queue_push(struct run_queue *q, unsigned client_id, const struct ctl_request *req,
			int64_t now_ns)
{
	if (q->n >= RUN_QUEUE_MAX)
		return 0;
	struct run_queue_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return 0;
	if (++q->last_ticket == 0)	/* 0 means "not queued" */
		q->last_ticket = 1;
	e->ticket = q->last_ticket;
	e->client_id = client_id;
	e->since_ns = now_ns;
	e->req = *req;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->n++;
	return e->ticket;
}

int run_queue_place(const struct run_queue *q, unsigned ticket)
{
	int place = 1;
	for (const struct run_queue_entry *e = q->head; e; e = e->next, place++)
		if (e->ticket == ticket)
			return place;
	return 0;
}

/* Unlinks *pp (an entry of q) and returns it. */
static struct run_queue_entry *unlink_at(struct run_queue *q, struct run_queue_entry **pp,
					 struct run_queue_entry *prev)
{
	struct run_queue_entry *e = *pp;
	*pp = e->next;
	if (q->tail == e)
		q->tail = prev;
	e->next = NULL;
	q->n--;
	return e;
}

struct run_queue_entry *run_queue_pop(struct run_queue *q)
{
	return q->head ? unlink_at(q, &q->head, NULL) : NULL;
}

struct run_queue_entry *run_queue_take(struct run_queue *q, unsigned ticket)
{
	struct run_queue_entry *prev = NULL;
	for (struct run_queue_entry **pp = &q->head; *pp; prev = *pp, pp = &(*pp)->next)
		if ((*pp)->ticket == ticket)
			return unlink_at(q, pp, prev);
	return NULL;
}

int run_queue_prune(struct run_queue *q, bool (*keep)(const struct run_queue_entry *e, void *data),
		    void *data)
{
	int taken = 0;
	struct run_queue_entry *prev = NULL, **pp = &q->head;
	while (*pp) {
		if (keep(*pp, data)) {
			prev = *pp;
			pp = &(*pp)->next;
			continue;
		}
		free(unlink_at(q, pp, prev));
		taken++;
	}
	return taken;
}

void run_queue_free(struct run_queue *q)
{
	struct run_queue_entry *e;
	while ((e = run_queue_pop(q)))
		free(e);
	q->last_ticket = 0;
}
