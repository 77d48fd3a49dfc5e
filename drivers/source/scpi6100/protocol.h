/* The scpi6100 line protocol, pure: building the command lines for a
 * rig_cmd, splitting received bytes into reply lines (refusing binary and
 * overlong lines) and parsing replies. No I/O. */
#ifndef RIG_DRIVERS_SCPI6100_PROTOCOL_H
#define RIG_DRIVERS_SCPI6100_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/sequencer.h"

#define SCPI_MAX_LINE 256	/* longest reply accepted (SYST:ERR? text included) */
#define SCPI_CMD_MAX 96		/* longest command line built */
#define SCPI_MAX_PHASE 3

/* What a step of a command waits for after its line is sent. */
enum scpi_step_kind {
	SCPI_STEP_SET,		/* a setting: no reply */
	SCPI_STEP_ERR,		/* SYST:ERR?: drain the queue, report errors */
	SCPI_STEP_IDN,		/* *IDN?: any non-empty text */
	SCPI_STEP_OPC,		/* *OPC?: "1" */
	SCPI_STEP_IS_OFF,	/* OUTP:STAT?: must say off */
	SCPI_STEP_IS_ON,	/* OUTP:STAT?: must say on */
	SCPI_STEP_WATT,		/* SOUR:PHAS<n>:POW:WATT?: a number, summed */
	SCPI_STEP_SYNC,		/* *IDN?: skip lines until the identity comes back */
};

struct scpi_step {
	enum scpi_step_kind kind;
	char line[SCPI_CMD_MAX];	/* without terminator */
};

#define SCPI_MAX_STEPS 48

struct scpi_plan {
	struct scpi_step step[SCPI_MAX_STEPS];
	int n;
};

/* Sent blind, first, on every way in: an empty line ends whatever a dead
 * predecessor left half-written in the instrument's input (the device
 * clear a byte stream allows), then output off, without waiting for any
 * reply, so a silent, slow or garbling instrument still switches off. */
#define SCPI_BLIND_OFF "\nOUTP:STAT OFF\n"
/* Keeps the communication watchdog fed: a command with no reply. */
#define SCPI_KEEPALIVE "*WAI\n"

/* Each builder appends to plan; -1 with why on a bad request. */
int scpi_plan_open(struct scpi_plan *plan);
/* Arms the instrument's communication watchdog (COMMANDS.md). */
int scpi_plan_watchdog(struct scpi_plan *plan, double seconds);
int scpi_plan_apply(struct scpi_plan *plan, const struct rig_setpoint *sp, char *why, size_t why_len);
int scpi_plan_output(struct scpi_plan *plan, bool on);
/* phases[i] true for phase i+1. */
int scpi_plan_read_power(struct scpi_plan *plan, const bool phases[SCPI_MAX_PHASE], char *why,
			 size_t why_len);

/* Inserts a resynchronising *IDN? at index at (after a timeout or garbled
 * reply, late replies to old queries may still be on the way). */
int scpi_plan_insert_sync(struct scpi_plan *plan, int at);

/* Reply assembly: bytes in, lines out. */
struct scpi_linebuf {
	char buf[1024];
	size_t len;
};

void scpi_linebuf_reset(struct scpi_linebuf *lb);
/* Room left for the next read (0 only while a garbled line is pending). */
size_t scpi_linebuf_room(const struct scpi_linebuf *lb);
void scpi_linebuf_add(struct scpi_linebuf *lb, const void *bytes, size_t n);
/* Takes one complete line (terminator and trailing CR removed): 1 line,
 * 0 none yet, -1 garbled (why says: binary data, overlong line). */
int scpi_linebuf_take(struct scpi_linebuf *lb, char *line, size_t cap, char *why, size_t why_len);

/* `<code>,"<text>"`; 0 ok, -1 not that shape. */
int scpi_parse_error(const char *reply, int *ret_code, char *text, size_t text_len);
int scpi_parse_number(const char *reply, double *ret);
/* "1"/"ON" true, "0"/"OFF" false. */
int scpi_parse_bool(const char *reply, bool *ret);

#endif
