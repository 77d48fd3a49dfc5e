/* Clocks and time formatting for the programs (the core never reads
 * a clock: times are handed to it). */
#ifndef RIG_COMMON_TIMEUTIL_H
#define RIG_COMMON_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t rig_monotonic_ns(void);
int64_t rig_realtime_ns(void);

/* UTC, ISO 8601 with a Z: "2026-11-24T02:30:00Z". Returns buf. */
const char *rig_iso8601_utc(time_t t, char *buf, size_t len);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" or "YYYY-MM-DD HH:MM[:SS]"
 * as UTC. 0 and *ret, or -1. */
int rig_parse_time_utc(const char *text, time_t *ret);

/* Duration for people: "1h02m", "3m05s", "12s". Returns buf. */
const char *rig_format_duration(double seconds, char *buf, size_t len);

struct timespec rig_ns_to_timespec(int64_t ns);

#endif
