/* A scripted edge server on a loopback TCP port, in a thread: records the
 * client's SUB line, then sends its chunks one by one, each released by the
 * test (so partial lines and the end of the stream are deterministic). */
#ifndef RIG_TESTS_FAKE_EDGE_H
#define RIG_TESTS_FAKE_EDGE_H

struct fake_edge;

/* chunks: NULL-terminated. The first is sent as soon as SUB arrives; each
 * later one on fake_edge_next. After the last, the connection is closed
 * when close_at_end, else held open until fake_edge_stop. */
struct fake_edge *fake_edge_start(const char *const *chunks, int close_at_end);
const char *fake_edge_spec(const struct fake_edge *f);	/* "sim:127.0.0.1:PORT" */
void fake_edge_next(struct fake_edge *f);
/* The SUB line received (without newline), waiting for it up to 5 s. */
const char *fake_edge_sub(struct fake_edge *f);
void fake_edge_stop(struct fake_edge *f);

#endif
