/* The certification record of a run the daemon is asked to start (see
 * rig/store/run_record.h): the request's fields, the station's lab and
 * approver, the fixture's standards with their calibration, the ambient
 * conditions; and the refusal of a run on an overdue calibration. */
#ifndef RIG_RIGD_CERTRECORD_H
#define RIG_RIGD_CERTRECORD_H

#include <stddef.h>

#include "rig/core/fixture.h"
#include "rig/rigd/ambient.h"
#include "rig/rigd/config.h"
#include "rig/rigd/control.h"
#include "rig/store/run_record.h"

/* -1 with why naming every standard whose calibration is due before
 * `today` (YYYY-MM-DD); 0 when none is. Pure. */
int certrecord_overdue(const struct rig_fixture *f, const char *today, char *why, size_t why_len);

/* A sensor file's reading: a plain number (sysfs: millidegrees or
 * milli-percent when `milli`), or a 1-wire w1_slave text with "t=NNNNN".
 * -1 when it cannot be read or holds no number. */
int certrecord_read_sensor(const char *path, bool milli, double *ret);

/* Fills ret for the start request (a model override's who and why too),
 * with the sensors' latest readings
 * (sensed, from struct ambient; NULL: none); refuses (-1 with why) a run on
 * an overdue calibration without override_reason, and a run whose fixture
 * names a sensor that gave no reading while the operator entered nothing. */
int certrecord_build(const struct rigd_config *cfg, const struct rig_fixture *f,
		     const struct ctl_request *req, const struct ambient_reading *sensed,
		     const char *today, struct store_run_record *ret, char *why, size_t why_len);

#endif
