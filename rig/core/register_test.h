/* The register (LCD) test: the meter's register read before and after a
 * known energy, its advance compared with the energy the reference says
 * was applied. The readings are whole digits of the register, so the
 * advance is known to one digit either way (two truncated readings); the
 * energy to the point's band. Pure code. */
#ifndef RIG_CORE_REGISTER_TEST_H
#define RIG_CORE_REGISTER_TEST_H

#include <stddef.h>

#include "rig/core/verdict.h"

struct rig_register_judgement {
	enum rig_verdict verdict;
	double advance_kwh;		/* after - before */
	double expected_kwh;		/* the reference energy */
	double error_pct;		/* 100 (advance - expected) / expected */
	double tolerance_kwh;		/* resolution + band x expected */
};

/* PASS when |advance - expected| <= resolution + band % of expected +
 * energy_pm_wh (how far either way the reference's energy may be), FAIL
 * otherwise (a register that went back, stood still or counts at another
 * ratio); INDETERMINATE when a reading is missing (< 0) or no energy was
 * measured. detail gets one line for people. */
enum rig_verdict rig_register_judge(double before_kwh, double after_kwh, double energy_wh,
				    double energy_pm_wh, double resolution_kwh, double band_pct,
				    struct rig_register_judgement *ret, char *detail,
				    size_t detail_len);

#endif
