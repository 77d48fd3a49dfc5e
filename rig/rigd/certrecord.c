#include "rig/rigd/certrecord.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}
#define COPY(dst, src) copy((dst), sizeof(dst), (src))

int certrecord_overdue(const struct rig_fixture *f, const char *today, char *why, size_t why_len)
{
	const struct {
		const char *what, *id, *due;
	} standards[] = {
		{"source", f->instrument_serial, f->instrument_cal_due},
		{"reference standard", f->ref_identity, f->ref_cal_due},
	};
	size_t used = 0;
	why[0] = '\0';
	for (size_t i = 0; i < sizeof(standards) / sizeof(standards[0]); i++) {
		/* Dates are YYYY-MM-DD (the fixture parser checks): they
		 * compare as text. Due on a day means usable that day. */
		if (!standards[i].due[0] || strcmp(standards[i].due, today) >= 0)
			continue;
		if (used < why_len)
			used += (size_t)snprintf(why + used, why_len - used,
						 "%scalibration of the %s %s was due %s", used ? "; " : "",
						 standards[i].what, standards[i].id, standards[i].due);
	}
	return why[0] ? -1 : 0;
}

int certrecord_read_sensor(const char *path, bool milli, double *ret)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char text[512];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* 1-wire w1_slave: "... crc=.. YES\n... t=23125" in millidegrees */
	const char *t = strstr(text, "t=");
	bool w1 = t != NULL;
	if (w1 && !strstr(text, "YES"))
		return -1;	/* a CRC error: no reading */
	const char *start = w1 ? t + 2 : text;
	char *end;
	errno = 0;
	double v = strtod(start, &end);
	if (end == start || errno)
		return -1;
	*ret = w1 || milli ? v / 1000 : v;
	return 0;
}

/* A fixture sensor's reading wins over the operator's entry; without a
 * reading the entry stands, and with neither the run is refused. */
static int ambient(const char *path, bool has_sensed, double sensed, bool has_entry, double entry,
		   double *ret, bool *has, const char *what, char *source, size_t source_len,
		   char *why, size_t why_len)
{
	*has = false;
	const char *from = NULL;
	if (path[0] && has_sensed) {
		*ret = sensed;
		from = path;
	} else if (has_entry) {
		*ret = entry;
		from = "operator";
	} else if (path[0]) {
		snprintf(why, why_len,
			 "the %s sensor %s gave no reading in the last %d s: enter the %s", what,
			 path, AMBIENT_MAX_AGE_S, what);
		return -1;
	}
	if (!from)
		return 0;
	*has = true;
	if (!strstr(source, from)) {
		size_t n = strlen(source);
		snprintf(source + n, source_len - n, "%s%s", n ? ", " : "", from);
	}
	return 0;
}

static void add_standards(const struct rig_fixture *f, struct store_run_record *r)
{
	struct store_standard *src = &r->standards[r->n_standards++];
	COPY(src->role, "source");
	COPY(src->identity, f->instrument_serial);
	COPY(src->certificate, f->instrument_certificate);
	COPY(src->lab, f->instrument_cal_lab);
	COPY(src->cal_date, f->instrument_cal_date);
	COPY(src->cal_due, f->instrument_cal_due);
	struct store_standard *ref = &r->standards[r->n_standards++];
	COPY(ref->role, "reference");
	/* the source's own power is the reference unless a standard is named */
	COPY(ref->identity, f->ref_identity[0] ? f->ref_identity : f->instrument_serial);
	COPY(ref->certificate, f->ref_certificate);
	COPY(ref->lab, f->ref_identity[0] ? f->ref_cal_lab : f->instrument_cal_lab);
	COPY(ref->cal_date, f->ref_identity[0] ? f->ref_cal_date : f->instrument_cal_date);
	COPY(ref->cal_due, f->ref_identity[0] ? f->ref_cal_due : f->instrument_cal_due);
}

int certrecord_build(const struct rigd_config *cfg, const struct rig_fixture *f,
		     const struct ctl_request *req, const struct ambient_reading *sensed,
		     const char *today, struct store_run_record *ret, char *why, size_t why_len)
{
	struct ambient_reading none = {0};
	if (!sensed)
		sensed = &none;
	memset(ret, 0, sizeof(*ret));
	char overdue[400];
	if (certrecord_overdue(f, today, overdue, sizeof(overdue)) < 0) {
		if (!req->override_reason[0]) {
			snprintf(why, why_len,
				 "%s (give an override reason to run anyway; it is recorded)",
				 overdue);
			return -1;
		}
		COPY(ret->cal_override_by, req->override_by);
		COPY(ret->cal_override_reason, req->override_reason);
	}
	/* who and why; where it let a disagreement through is the run's to
	 * add (run.c), once the stored models are known */
	if (req->model_override) {
		COPY(ret->model_override_by, req->override_by);
		COPY(ret->model_override_reason, req->model_override_reason);
	}
	COPY(ret->test_reason, req->test_reason);
	COPY(ret->customer, req->customer);
	COPY(ret->test_state, req->test_state);
	COPY(ret->follows_run, req->follows);
	if (ambient(f->ambient_temperature, sensed->has_c, sensed->c, req->has_ambient_c,
		    req->ambient_c, &ret->ambient_c, &ret->has_ambient_c, "temperature",
		    ret->ambient_source, sizeof(ret->ambient_source), why, why_len) < 0 ||
	    ambient(f->ambient_humidity, sensed->has_pct, sensed->pct, req->has_humidity_pct,
		    req->humidity_pct, &ret->humidity_pct, &ret->has_humidity_pct, "humidity",
		    ret->ambient_source, sizeof(ret->ambient_source), why, why_len) < 0)
		return -1;
	COPY(ret->lab_name, cfg->lab_name);
	COPY(ret->lab_address, cfg->lab_address);
	COPY(ret->lab_accreditation, cfg->lab_accreditation);
	COPY(ret->approver_name, cfg->approver_name);
	COPY(ret->approver_role, cfg->approver_role);
	ret->weighting = cfg->weighting;
	ret->simulated = !strncmp(f->edge_input, "sim:", 4);
	add_standards(f, ret);
	for (int i = 0; i < req->n_positions; i++) {
		int p = req->pos[i].position;
		if (p < 1 || p > RIG_MAX_POSITIONS)
			continue;
		ret->pos[p].has_register_before = req->pos[i].has_register_before;
		ret->pos[p].register_before_kwh = req->pos[i].register_before_kwh;
	}
	struct rig_error err = {0};
	if (store_run_record_check(ret, &err) < 0) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	return 0;
}
