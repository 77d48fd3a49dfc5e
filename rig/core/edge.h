/* One timestamped edge on one GPIO line, with the fields the kernel's
 * GPIO character device gives (libgpiod v2 edge events). Every edge input
 * (gpiod, replayed capture, simulator) delivers exactly this. */
#ifndef RIG_CORE_EDGE_H
#define RIG_CORE_EDGE_H

#include <stdint.h>

enum rig_edge_kind {
	RIG_EDGE_RISING = 1,
	RIG_EDGE_FALLING = 2,
};

struct rig_edge {
	int64_t timestamp_ns;	/* CLOCK_MONOTONIC (or virtual time) */
	uint64_t global_seqno;	/* per line request, starts at 1 */
	uint64_t line_seqno;	/* per line, starts at 1 */
	uint32_t line;		/* line offset on its chip */
	enum rig_edge_kind kind;
};

#define RIG_NS_PER_S 1000000000LL

#endif
