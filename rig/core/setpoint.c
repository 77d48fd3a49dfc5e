#include "rig/core/setpoint.h"

#include <math.h>
#include <string.h>

double rig_setpoint_element2_angle_deg(const struct rig_fixture *f)
{
	/* a wye's second phase lags the first by 120 degrees: the sign this
	 * source gives a lagging angle */
	if (f->network == RIG_NET_WYE_208)
		return (f->lag_angle_sign < 0 ? -1 : 1) * 120.0;
	return 180.0;
}

double rig_setpoint_primary_per_source(const struct rig_fixture *f,
				       const struct rig_meter_model *m)
{
	if (f->injection == RIG_INJECT_PRIMARY_TURNS)
		return f->turns > 0 ? f->turns : 1;
	if (m->ct_secondary_a > 0 && m->ct_primary_a > 0)
		return m->ct_primary_a / m->ct_secondary_a;
	return 1;
}

/* Into (-180, 180]. */
static double wrap_deg(double a)
{
	a = fmod(a, 360.0);
	if (a <= -180)
		a += 360;
	if (a > 180)
		a -= 360;
	return a;
}

int rig_setpoint_for_point(const struct rig_point *p, const struct rig_meter_model *m,
			   const struct rig_fixture *f, const char *profile_file,
			   struct rig_setpoint *ret, struct rig_error *err)
{
	memset(ret, 0, sizeof(*ret));
	const char *file = profile_file ? profile_file : "";
	double primary_a = rig_point_current_a(p, m);
	unsigned carrying = rig_point_element_mask(p, m);
	double source_a = primary_a / rig_setpoint_primary_per_source(f, m);
	if (!(p->pf > 0 && p->pf <= 1))
		return rig_error_set(err, file, p->line, "point '%s': power factor %g not in (0, 1]",
				     p->name, p->pf);
	if (!(primary_a >= 0))
		return rig_error_set(err, file, p->line, "point '%s': negative current", p->name);
	if (f->max_voltage_v > 0 && p->voltage_v > f->max_voltage_v)
		return rig_error_set(err, file, p->line,
				     "point '%s': %g V is over the fixture's limit of %g V",
				     p->name, p->voltage_v, f->max_voltage_v);
	if (f->max_current_a > 0 && source_a > f->max_current_a)
		return rig_error_set(err, file, p->line,
				     "point '%s': %g source A is over the fixture's limit of %g A",
				     p->name, source_a, f->max_current_a);
	/* lagging: current behind voltage; the fixture says which sign the
	 * source uses for that */
	double phi = acos(p->pf) * 180.0 / M_PI;
	int lag_sign = f->lag_angle_sign < 0 ? -1 : 1;
	double pf_angle = (p->leading ? -1 : 1) * lag_sign * phi;
	ret->frequency_hz = p->frequency_hz;
	for (int el = 0; el < 2; el++) {
		if (el >= m->elements)
			continue;
		if (f->source_phase[el] <= 0)
			return rig_error_set(err, file, p->line,
					     "point '%s': meter element %d has no source phase on "
					     "this fixture", p->name, el + 1);
		bool carries = carrying & (1u << el);
		double v_angle = el == 0 ? 0.0 : rig_setpoint_element2_angle_deg(f);
		ret->ph[el].phase = f->source_phase[el];
		ret->ph[el].voltage_v = p->voltage_v;
		ret->ph[el].voltage_angle_deg = v_angle;
		ret->ph[el].current_a = carries ? source_a : 0;
		double i_angle = v_angle + pf_angle + ((p->reversed & (1u << el)) ? 180.0 : 0.0);
		ret->ph[el].current_angle_deg = carries ? wrap_deg(i_angle) : 0;
	}
	return 0;
}

static double element_power_w(const struct rig_setpoint *sp, int el)
{
	if (sp->ph[el].phase <= 0)
		return 0;
	double d = (sp->ph[el].voltage_angle_deg - sp->ph[el].current_angle_deg) * M_PI / 180;
	return sp->ph[el].voltage_v * sp->ph[el].current_a * cos(d);
}

double rig_setpoint_meter_power_w(const struct rig_setpoint *sp, double primary_per_source)
{
	return (element_power_w(sp, 0) + element_power_w(sp, 1)) * primary_per_source;
}

double rig_setpoint_power_share(const struct rig_setpoint *sp, int elements)
{
	double total = element_power_w(sp, 0) + element_power_w(sp, 1);
	if (elements >= 2 || fabs(total) < 1e-12)
		return 1;
	return element_power_w(sp, 0) / total;
}
