/* A bench's wiring, loaded from a fixture file (format in fixtures/README.md):
 * the source and its transport, how source phases map to meter elements,
 * the reference, the edge input and the GPIO line of every meter signal at
 * every position. Pure parse (rig_fixture_parse); rig_fixture_load reads the
 * file. */
#ifndef RIG_CORE_FIXTURE_H
#define RIG_CORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"
#include "rig/core/gate.h"
#include "rig/core/refspec.h"

#define RIG_MAX_POSITIONS 16

/* The meter signals a fixture can wire to GPIO lines. */
enum rig_signal {
	RIG_SIG_KH10,
	RIG_SIG_KH100,
	RIG_SIG_KH1000,
	RIG_SIG_COUNTER,
	RIG_SIG_REVERSE_LED,
	RIG_SIG_POWER_LED,
	RIG_SIG_LOAD_LED,
	RIG_SIG_COUNT,
	RIG_SIG_REFERENCE = RIG_SIG_COUNT, /* the reference standard's pulses (no position) */
};

enum rig_injection {
	RIG_INJECT_CT_SECONDARY,	/* source drives the meter's CT input: source A = primary A * secondary / primary */
	RIG_INJECT_PRIMARY_TURNS,	/* source drives a loop through the meter's CT: source A = primary A / turns */
};

#define RIG_LINE_NAME_MAX 32
/* Lines named in the file hold RIG_LINE_NAMED + k (one k per distinct
 * name, so equal names compare equal) until rig_fixture_resolve_lines
 * (rig/core/fixture_lines.h) gives them the chip's offset. */
#define RIG_LINE_NAMED (1 << 20)

struct rig_line {
	int line;		/* offset on the fixture's chip; -1 when not wired */
	bool active_low;
	char name[RIG_LINE_NAME_MAX];	/* the chip's name for the line ("GPIO17"); "" by offset */
	int file_line;		/* where the fixture file wires it, for messages */
};

/* The network a dual-element meter's two elements are wired to. */
enum rig_network {
	RIG_NET_SPLIT_PHASE,	/* 120/240 V three-wire: element 2's voltage at 180 degrees */
	RIG_NET_WYE_208,	/* two phases of a 120/208 V wye: element 2's 120 degrees behind */
};

struct rig_fixture {
	char name[64];
	char source_file[256];
	char sha256[65];
	/* ambient sensors read at the start of a run: a file holding a number
	 * (sysfs millidegrees, or a 1-wire w1_slave "t=" line); "" none */
	char ambient_temperature[256];
	char ambient_humidity[256];

	/* source */
	char source_driver[32];		/* "scpi6100" */
	char source_transport[160];	/* "serial:/dev/ttyUSB0:115200:8N1:rtscts", "tcp:127.0.0.1:5025" */
	char instrument_serial[64];	/* as stated on the bench; *IDN? is read too */
	char instrument_cal_due[16];	/* YYYY-MM-DD */
	char instrument_certificate[64];	/* its calibration certificate, "" not given */
	char instrument_cal_date[16];	/* YYYY-MM-DD, "" not given */
	char instrument_cal_lab[96];	/* the lab that calibrated it */
	int source_phase[2];		/* source phase driving meter element 1, 2 */
	int lag_angle_sign;		/* +1: a lagging current has a positive angle on this source; -1: negative */
	enum rig_network network;	/* what element 2's voltage is to element 1's */
	enum rig_injection injection;
	int turns;			/* RIG_INJECT_PRIMARY_TURNS */
	double settle_s;		/* source settling after a change of setpoint */
	double reply_timeout_s;		/* every read from the source */
	double max_voltage_v;		/* safety limits the rig never exceeds */
	double max_current_a;		/* source amps */
	double comm_watchdog_s;		/* the instrument's comm watchdog, armed at connect; 0 none */

	/* reference */
	enum rig_reference_kind reference;
	double ref_u_pct;		/* expanded (k = 2) relative uncertainty, percent: the flat
					 * fallback when no specification is named */
	char ref_spec_file[256];	/* instrument specification, as named (relative to the fixture) */
	char ref_certificate[64];	/* the instrument's calibration certificate */
	char ref_identity[64];		/* a separate standard's serial; "" when the source is the reference */
	char ref_cal_date[16];		/* YYYY-MM-DD, "" not given */
	char ref_cal_due[16];
	char ref_cal_lab[96];
	bool have_ref_spec;		/* ref_spec loaded (rig_fixture_load; parse alone does no I/O) */
	struct rig_ref_spec ref_spec;
	double source_stability_pct;	/* bound on the source power's drift over a gate */
	double ref_wh_per_pulse;	/* standard-gated */
	struct rig_line ref_line;

	/* edges */
	char edge_input[160];		/* "gpiod:/dev/gpiochip0", "gpiod:label=LABEL", "sim:127.0.0.1:5026", "replay:path" */
	double timing_sigma_s;		/* standard uncertainty of one edge timestamp on this bench */
	double time_scale;		/* simulated bench: simulated seconds per real second (1 on hardware) */
	double update_period_s;		/* the meters' pulse-update period (declared; 0 continuous) */
	double timebase_ppm;		/* bound on the edge clock's rate against the source's */
	struct rig_line interlock;	/* lid closed; line -1 when none */
	struct rig_line heartbeat;	/* output toggled while rigd lives (dead-man relay); -1 none */

	int n_positions;
	struct rig_line pos[RIG_MAX_POSITIONS][RIG_SIG_COUNT];
};

int rig_fixture_parse(const char *text, size_t len, const char *file,
		      struct rig_fixture *ret, struct rig_error *err);
/* Parses the file and loads the specification it names. */
int rig_fixture_load(const char *path, struct rig_fixture *ret, struct rig_error *err);
/* Only the source's driver, transport and reply time-out, for switching it
 * off when the whole fixture does not load. */
int rig_fixture_load_source(const char *path, struct rig_fixture *ret, struct rig_error *err);
/* The specification the fixture names, from its text (what rig_fixture_load
 * does after reading the file; the offline analysis gives the recorded text). */
int rig_fixture_use_spec(struct rig_fixture *f, const char *text, size_t len, const char *path,
			 struct rig_error *err);

/* Relative standard uncertainty of the reference for one phase's reading:
 * from the specification when loaded, else the flat ref_u_pct (k = 2). */
/* Returned for a reading the reference specification has no range for:
 * a relative standard uncertainty of 100 %, so the point's U is far too
 * large for any verdict but INDETERMINATE. */
#define RIG_REF_U_UNKNOWN 1.0
double rig_fixture_ref_u_rel(const struct rig_fixture *f, double volts, double amps, double watts);

/* Which position and signal a line is wired to: 0 and fills ret_*, or -1.
 * The reference line gives position -1 and RIG_SIG_REFERENCE. */
int rig_fixture_route(const struct rig_fixture *f, int line, int *ret_position,
		      enum rig_signal *ret_signal);

/* Signal carrying output kh (10, 100, 1000); RIG_SIG_COUNT for any other kh. */
enum rig_signal rig_signal_for_kh(double kh);
const char *rig_signal_name(enum rig_signal s);

#endif
