/* A test profile: the ordered test points a meter goes through, loaded from
 * the plain-text format documented in profiles/README.md. Pure code: the
 * loader takes the file's text, never opens files itself (see
 * rig_profile_parse); rig_profile_load is the thin file-reading wrapper. */
#ifndef RIG_CORE_PROFILE_H
#define RIG_CORE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "rig/core/error.h"
#include "rig/core/model.h"
#include "rig/core/weighting.h"

#define RIG_PROFILE_MAX_POINTS 64
#define RIG_NAME_LEN 48

enum rig_point_kind {
	RIG_POINT_ACCURACY,		/* percent registration against a band */
	RIG_POINT_CREEP,		/* voltage, no current: at most N edges in a window */
	RIG_POINT_STARTING_LOAD,	/* small current: the meter must register (edges) in a window */
	RIG_POINT_REVERSE_LED,		/* reverse-phase LED on (one CT reversed) or off */
	RIG_POINT_OUTPUT_CONSISTENCY,	/* Kh 10 / 100 / 1000 outputs agree */
	RIG_POINT_PULSE_DUTY,		/* 50 % duty on an output */
	RIG_POINT_WARM_UP,		/* load applied for max_gate, nothing judged */
	RIG_POINT_CONNECTION_CHECK,	/* a short step: edges on every wired output of every position */
	RIG_POINT_REGISTER,		/* a known energy applied; the LCD register read before and after */
};

/* What production does with an INDETERMINATE verdict. */
enum rig_indeterminate_policy {
	RIG_INDETERMINATE_RETEST,	/* measure the point again, up to max_retests, then report it */
	RIG_INDETERMINATE_FAIL,		/* count it as a failure */
	RIG_INDETERMINATE_REPORT,	/* keep it as indeterminate */
};

struct rig_point {
	char name[RIG_NAME_LEN];
	enum rig_point_kind kind;
	int line;			/* line of the point's section header, for messages */

	/* Setpoint. Current is primary amps at the meter (what it registers);
	 * the fixture turns it into source amps (CT secondary or N turns). */
	double voltage_v;		/* per element, line to neutral */
	double current_a;		/* primary amps; when current_pct >= 0 it is resolved per model */
	double current_pct;		/* percent of rated current, or -1 when given in amps */
	double pf;			/* 0 < pf <= 1 */
	bool leading;			/* pf leading (true) or lagging (false) */
	double frequency_hz;
	unsigned elements;		/* bit 0: element 1 carries current, bit 1: element 2 */
	bool all_elements;		/* "elements = all": every element the model has
					 * (use rig_point_element_mask) */
	int requires_elements;		/* 0: any meter; 1: single-element only; 2: dual only */
	unsigned reversed;		/* bit per element: that CT is driven reversed (180 deg) */

	/* Measurement */
	double output_kh;		/* which isolated output is measured (Wh per pulse) */
	double band_pct;		/* +/- percent: accuracy band (accuracy); allowed disagreement
					 * between outputs (consistency); points of duty around 50 (duty) */
	double target_u_pct;		/* target expanded uncertainty (k = 2), percent */
	double settle_s;		/* wait after a change of load before gating starts */
	double min_gate_s;
	double max_gate_s;		/* point ends here at the latest (also the creep / starting window) */
	int min_edges;			/* least meter edges in the gate */

	/* Creep: pass when at most max_edges edges in max_gate_s.
	 * Starting load: pass when at least min_edges edges in max_gate_s. */
	int max_edges;

	/* Reverse-phase LED: expected state while the point is applied. */
	bool led_expected_on;

	/* Influence (C12.1 tests 4-6): an accuracy point judged also on the
	 * change of its error from an earlier reference-condition point
	 * (index into points[], -1 none), within change_band_pct (judged
	 * only when above 0; the parser sets it to band when not given). */
	int reference_point;
	double change_band_pct;

	/* Creep and starting load: the power (watts, at the meter) that the
	 * window makes certain to detect; 0 when the window was given as
	 * max_gate (rig_point_detect_limit_w then says what it detects). */
	double detect_w;

	/* Register (LCD) test: the energy applied at the meter (primary Wh),
	 * the register's least digit (kWh), and how long the point waits for
	 * each reading (before and after) before it gives up on a position. */
	double energy_wh;
	double resolution_kwh;
	double reading_wait_s;
};

struct rig_profile {
	char name[RIG_NAME_LEN];
	char description[160];
	char method[160];		/* the method by reference: standard, edition, tests */
	char source_file[256];
	enum rig_indeterminate_policy indeterminate;
	int max_retests;		/* per point, for RETEST and for lost edges */
	bool has_weighting;		/* "weighting =" given: wins over the station's */
	enum rig_weighting weighting;	/* weighted average registration rule */
	int n_points;
	struct rig_point points[RIG_PROFILE_MAX_POINTS];
	char sha256[65];		/* of the file's bytes, hex; "" when not computed */
	double nominal_v;		/* [defaults] voltage: the element rating the profile tests */
	double scaled_from_v;		/* rig_profile_for_rating: the nominal it was written for; 0 */
};

/* Parses profile text. `file` is used in error messages only. */
int rig_profile_parse(const char *text, size_t len, const char *file,
		      struct rig_profile *ret, struct rig_error *err);

/* Reads and parses a file (the only I/O in the profile module). */
int rig_profile_load(const char *path, struct rig_profile *ret, struct rig_error *err);

/* The profile for meters rated element_v per element (line to neutral):
 * every point's voltage scaled by element_v / nominal_v, so a profile
 * written for 120 V meters tests a 130 V meter at its rating (and its
 * variation points in proportion). ret may be p. A profile without a
 * nominal, or already at that rating, is copied unchanged. */
void rig_profile_for_rating(const struct rig_profile *p, double element_v,
			    struct rig_profile *ret);

/* Refuses, before anything is energized, what the model cannot do: an
 * output it lacks (1000 on a T model), current above max_current_a, a voltage
 * outside 102..138 V (after scaling the points to the meter's rating,
 * rig_profile_for_rating), an element the model does not have. err names
 * the point and its line. */
int rig_profile_check_model(const struct rig_profile *p,
			    const struct rig_meter_model *m, struct rig_error *err);

/* Primary amps of point p for model m (resolves current_pct). */
double rig_point_current_a(const struct rig_point *p, const struct rig_meter_model *m);

/* False when the point is not for this model ("requires = dual" on a
 * single-element meter, a register test on a meter without an LCD): such
 * points are skipped, not failed. */
bool rig_point_applies(const struct rig_point *p, const struct rig_meter_model *m);

/* Elements that carry current for this model: "all" resolves to the
 * elements the model has. */
unsigned rig_point_element_mask(const struct rig_point *p, const struct rig_meter_model *m);

/* Wh per counted edge of the point's output (both edges count: Kh / 2). */
double rig_point_wh_per_edge(const struct rig_point *p);

/* Creep and starting load: the least power the window detects for
 * certain, whatever the output's phase when it opens: creep needs
 * max_edges + 1 edges, starting load min_edges, each a whole edge period. */
double rig_point_detect_limit_w(const struct rig_point *p);

const char *rig_point_kind_name(enum rig_point_kind k);
const char *rig_indeterminate_policy_name(enum rig_indeterminate_policy policy);

#endif
