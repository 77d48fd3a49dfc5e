/* Starts waiting behind a running run (`rigctl run --wait`): a FIFO of
 * start requests, each with the ticket it was given and the control client
 * that waits for it, by the client's id (a client that goes away is pruned,
 * never dereferenced). Pure bookkeeping: no I/O, no clock of its own. */
#ifndef RIG_RIGD_RUN_QUEUE_H
#define RIG_RIGD_RUN_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "rig/rigd/control.h"

#define RUN_QUEUE_MAX 32	/* more waiting starts are refused */

struct run_queue_entry {
	unsigned ticket;		/* 1, 2, ... for the daemon's life */
	unsigned client_id;		/* the control client waiting for it */
	int64_t since_ns;		/* when it was queued (the caller's clock) */
	struct ctl_request req;
	struct run_queue_entry *next;
};

struct run_queue {
	struct run_queue_entry *head, *tail;
	int n;
	unsigned last_ticket;
};

/* Appends a start; its ticket, or 0 when the queue is full or out of memory. */
unsigned run_queue_push(struct run_queue *q, unsigned client_id, const struct ctl_request *req,
			int64_t now_ns);
/* The 1-based place of a ticket (1: next to start), 0 when not queued. */
int run_queue_place(const struct run_queue *q, unsigned ticket);
/* Takes the first entry out (the caller frees it), NULL when empty. */
struct run_queue_entry *run_queue_pop(struct run_queue *q);
/* Takes a ticket's entry out (the caller frees it), NULL when not queued. */
struct run_queue_entry *run_queue_take(struct run_queue *q, unsigned ticket);
/* Takes out, and frees, every entry keep() says no to (its client is
 * gone); the number taken out. */
int run_queue_prune(struct run_queue *q, bool (*keep)(const struct run_queue_entry *e, void *data),
		    void *data);
void run_queue_free(struct run_queue *q);

#endif
