/* The control protocol's requests: one JSON object per line, parsed and
 * validated here into a plain struct before the daemon acts on it. Pure
 * code. The protocol is documented in rig/README.md. */
#ifndef RIG_RIGD_CONTROL_H
#define RIG_RIGD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rig/core/fixture.h"
#include "rig/core/verdict.h"

#define CTL_MAX_LINE (64 * 1024)	/* longest request line accepted */
/* Times in requests: seconds since 1970 up to the end of year 9999, so
 * that milliseconds (x 1000) always fit in an int64_t. */
#define CTL_TIME_MAX_S 253402300799LL

enum ctl_cmd {
	CTL_START,
	CTL_STATUS,
	CTL_SUBSCRIBE,
	CTL_UNSUBSCRIBE,
	CTL_ABORT,
	CTL_RESULTS,
	CTL_RUN,
	CTL_PING,
	CTL_SAFE_OFF,		/* source output off now (aborts a running run) */
	CTL_REGISTER,		/* a meter's register reading after its run */
	CTL_READING,		/* a register reading a running register point asks for */
	CTL_DEQUEUE,		/* take a queued start out of the queue */
};

struct ctl_position {
	int position;			/* 1-based, as on the bench */
	char model[48];
	char serial[64];
	bool has_register_before;
	double register_before_kwh;	/* the meter's register before the test */
};

struct ctl_request {
	enum ctl_cmd cmd;
	/* start */
	char profile[48];
	char operator_name[64];
	char notes[256];
	char expected_model[48];	/* the batch's model; "" none (model safety) */
	bool model_override;		/* run despite a model disagreement (recorded) */
	char model_override_reason[160];	/* why (required with model_override) */
	char override_by[64];		/* who overrides (required with either override) */
	bool queue;			/* start: wait behind a running run (FIFO) */
	int n_positions;
	struct ctl_position pos[RIG_MAX_POSITIONS];
	/* start: the certification record (rig/store/run_record.h) */
	char test_reason[16];
	char customer[96];
	char test_state[16];		/* "as-found", "as-left", "" */
	char follows[64];		/* run id this (as-left) run follows */
	bool has_ambient_c, has_humidity_pct;
	double ambient_c, humidity_pct;	/* operator entry; a fixture sensor wins */
	char override_reason[160];	/* run past an overdue calibration, and why */
	/* abort */
	char reason[160];
	/* results */
	char serial[64];
	char model[48];
	bool has_since, has_until, has_verdict;
	time_t since, until;
	enum rig_verdict verdict;
	int limit;			/* 0: the default */
	char after[64];			/* "next" of the page before */
	/* run, register, reading ("run" optional there: the running one) */
	char run_id[64];
	int position;			/* register, reading: 1-based */
	double reading_kwh;
	/* dequeue: the ticket a queued start was given */
	unsigned ticket;
};

/* Parses one request line. -1 with why (for the client's error reply) when
 * it is not JSON, not an object, has no known "cmd" or a bad field. */
int ctl_parse_request(const char *line, struct ctl_request *ret, char *why, size_t why_len);

const char *ctl_cmd_name(enum ctl_cmd cmd);

/* {"ok":false,"error":"..."}\n, malloc'd. */
char *ctl_error_line(const char *why);

/* Profile names are file names in the profiles directory: letters, digits,
 * '.', '-', '_', not starting with '.'. */
bool ctl_profile_name_ok(const char *name);

#endif
