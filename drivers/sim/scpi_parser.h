/* SCPI text for the emulated Fluke 6100A/6105A-style source: splits a line
 * into commands, matches long and short mnemonics case-insensitively,
 * range-checks values, keeps the SCPI error queue and drives a
 * struct sim_source. Pure code; time comes in as an argument.
 * The command set is documented in drivers/sim/README.md. */
#ifndef RIG_SIM_SCPI_PARSER_H
#define RIG_SIM_SCPI_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/sim/source_model.h"

#define SIM_SCPI_QUEUE_LEN 16
#define SIM_SCPI_MAX_LINE 1024	/* longer lines are discarded: -363 */

/* SCPI-99 standard error codes used here. */
enum {
	SCPI_ERR_NONE = 0,
	SCPI_ERR_COMMAND = -100,
	SCPI_ERR_SYNTAX = -102,
	SCPI_ERR_DATA_TYPE = -104,
	SCPI_ERR_PARAM_NOT_ALLOWED = -108,
	SCPI_ERR_MISSING_PARAM = -109,
	SCPI_ERR_UNDEFINED_HEADER = -113,
	SCPI_ERR_SUFFIX_RANGE = -114,
	SCPI_ERR_SETTINGS_CONFLICT = -221,
	SCPI_ERR_DATA_RANGE = -222,
	SCPI_ERR_QUEUE_OVERFLOW = -350,
	SCPI_ERR_INPUT_OVERRUN = -363,
	/* device-specific: the output was switched off by a protection */
	SIM_ERR_COMM_WATCHDOG = 310,
	SIM_ERR_ENABLE_LOOP = 311,
};

/* Commands whose first node is SIM go to this hook (the bench's fault and
 * truth extension). cmd is one command, trimmed. Returns 1 with a reply,
 * 0 done without one, or a negative SCPI error code. */
typedef int (*sim_scpi_ext_fn)(void *ctx, int64_t now_ns, const char *cmd,
			       char *reply, size_t len);

struct sim_scpi {
	struct sim_source *src;
	char idn[96];
	int queue[SIM_SCPI_QUEUE_LEN];
	int queue_head, queue_count;
	sim_scpi_ext_fn ext;
	void *ext_ctx;
};

void sim_scpi_init(struct sim_scpi *p, struct sim_source *src, const char *idn);

/* One line as received, without its '\n' (a trailing '\r' is ignored; the
 * bytes may be anything). Returns 1 when reply holds the answer to the
 * line's queries (joined with ';', no newline), 0 when there is none. */
int sim_scpi_line(struct sim_scpi *p, int64_t now_ns, const char *buf, size_t len,
		  char *reply, size_t reply_len);

/* The error queue: FIFO of SIM_SCPI_QUEUE_LEN; when full the newest entry
 * becomes -350 "Queue overflow". */
void sim_scpi_push_error(struct sim_scpi *p, int code);
int sim_scpi_pop_error(struct sim_scpi *p);	/* 0 when empty */
const char *sim_scpi_error_text(int code);	/* SCPI-99 text */

#endif
