/* A scripted SCPI instrument on a loopback TCP port, in a thread: models
 * the scpi6100 command set (output state, error queue, watts per phase) and
 * injects faults on chosen lines, so driver tests are deterministic. */
#ifndef RIG_TESTS_FAKE_SCPI_H
#define RIG_TESTS_FAKE_SCPI_H

#include <stddef.h>

enum fake_scpi_fault {
	FAKE_SCPI_SILENT,	/* no reply to the matched query */
	FAKE_SCPI_GARBAGE,	/* a printable but meaningless reply */
	FAKE_SCPI_BINARY,	/* a reply with control bytes */
	FAKE_SCPI_OVERLONG,	/* a 400-byte reply */
	FAKE_SCPI_DROP,		/* close the connection on the matched line */
	FAKE_SCPI_SLOW,		/* reply after delay_ms */
	FAKE_SCPI_ERROR,	/* queue the given instrument error (a setting) */
	FAKE_SCPI_STUCK_ON,	/* OUTP:STAT OFF is ignored */
};

struct fake_scpi;

struct fake_scpi *fake_scpi_start(void);
int fake_scpi_port(const struct fake_scpi *f);
/* "tcp:127.0.0.1:PORT" */
const char *fake_scpi_spec(const struct fake_scpi *f);
/* The fault fires once, on the first line received that equals line
 * (`nth`, 1-based, counts matches from when the fault was set). */
void fake_scpi_fault(struct fake_scpi *f, const char *line, int nth, enum fake_scpi_fault fault,
		     int delay_ms, const char *error);
/* Every line received so far, each ending in '\n'. */
void fake_scpi_log(struct fake_scpi *f, char *out, size_t cap);
/* Forget the log (so a test can look at what one command sent). */
void fake_scpi_clear_log(struct fake_scpi *f);
int fake_scpi_output_on(struct fake_scpi *f);
void fake_scpi_stop(struct fake_scpi *f);

#endif
