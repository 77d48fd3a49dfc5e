/* The register (LCD) test point: voltage only while the operator reads
 * every register, the load for the point's energy, the register read
 * again; the readings' advance judged against the reference's energy. */
#include <string.h>

#include "rig/core/register_test.h"
#include "rig/core/sequencer_internal.h"

/* The point's setpoint, or the same with no current (the register is read
 * with voltage on: the LCD needs it, and nothing registers meanwhile). */
int seq_register_setpoint(struct rig_seq *s, const struct rig_point *p,
			  const struct rig_meter_model *m, bool loaded, struct rig_error *err)
{
	struct rig_point q = *p;
	if (!loaded) {
		q.current_a = 0;
		q.current_pct = -1;
		q.reversed = 0;
	}
	return rig_setpoint_for_point(&q, m, s->fix, s->prof->source_file, &s->sp, err);
}

static void ask_readings(struct rig_seq *s, bool after)
{
	unsigned mask = 0;
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			mask |= 1u << i;
	s->reg = after ? REG_WAIT_AFTER : REG_WAIT_BEFORE;
	s->phase = PH_REGISTER;
	s->reg_wait_end_ns = s->now_ns + (int64_t)llround(cur_point(s)->reading_wait_s * RIG_NS_PER_S);
	struct rig_seq_event *ev = seq_push(s, RIG_EV_READING_WANTED);
	ev->reading_after = after;
	ev->positions = mask;
	ev->remaining_s = cur_point(s)->reading_wait_s;
}

static bool readings_complete(const struct rig_seq *s, int which)
{
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point && !s->pos[i].have_reading[which])
			return false;
	return true;
}

static void apply_register_setpoint(struct rig_seq *s, bool loaded, enum reg_stage next)
{
	struct rig_error err;
	if (seq_register_setpoint(s, cur_point(s), s->reg_model, loaded, &err)) {
		char buf[600];
		seq_stop(s, RIG_RUN_ERROR, rig_error_format(&err, buf, sizeof(buf)));
		return;
	}
	/* each meter's share of the load (the voltage-only setpoint has none) */
	if (loaded)
		for (int i = 0; i < s->fix->n_positions; i++)
			s->pos[i].share = rig_setpoint_power_share(&s->sp,
								   s->plan.pos[i].model.elements);
	if (next == REG_LOADING)
		s->reg_on_sent_ns = s->now_ns;
	else
		s->reg_off_sent_ns = s->now_ns;
	s->reg = next;
	s->phase = PH_APPLYING;
	seq_send_command(s, RIG_CMD_APPLY);
}

/* Every reading of this stage is in, or its wait is over. */
static void readings_taken(struct rig_seq *s)
{
	if (s->reg == REG_WAIT_AFTER) {
		seq_finish_point(s);
		return;
	}
	bool any = false;
	for (int i = 0; i < s->fix->n_positions; i++)
		any |= s->pos[i].in_point && s->pos[i].have_reading[0];
	s->reg_source_w = -1;
	s->reg_ref_pulses = 0;
	s->reg_on_ns = s->reg_off_ns = s->reg_on_sent_ns = s->reg_off_sent_ns = 0;
	if (!any) {
		seq_finish_point(s);	/* nobody read the register: no energy to spend */
		return;
	}
	apply_register_setpoint(s, true, REG_LOADING);
}

/* A setpoint of the register point is on the output. */
void seq_register_applied(struct rig_seq *s)
{
	switch (s->reg) {
	case REG_BEFORE:
		ask_readings(s, false);
		return;
	case REG_LOADING:
		/* the load came on between its APPLY's sending and completing,
		 * and went off likewise (register_energy_wh); the source's ramps
		 * up and down, alike, cancel */
		s->reg_on_ns = s->now_ns;
		s->reg = REG_SETTLE_ON;
		break;
	case REG_UNLOADING:
		s->reg_off_ns = s->now_ns;
		s->reg = REG_SETTLE_OFF;
		break;
	default:
		return;
	}
	s->settle_until_ns = s->now_ns + (int64_t)llround(settle_s(s) * RIG_NS_PER_S);
	s->phase = PH_REGISTER;
}

/* The load's power is known (source watts): the energy ends when the
 * meter (the setpoint's whole model) has had the point's energy. */
void seq_register_power(struct rig_seq *s, double source_w)
{
	double meter_w = source_w * s->primary_per_source;
	if (!(meter_w > 0)) {
		seq_stop(s, RIG_RUN_ERROR, "register point: the reference reads no power with the load on");
		return;
	}
	s->reg_source_w = source_w;
	double need_s = cur_point(s)->energy_wh * 3600 / meter_w;
	s->reg_end_ns = s->reg_on_ns + (int64_t)llround(need_s * RIG_NS_PER_S);
	if (s->reg_end_ns < s->now_ns)
		s->reg_end_ns = s->now_ns;
	s->reg = REG_ENERGY;
	s->phase = PH_REGISTER;
}

void seq_register_tick(struct rig_seq *s)
{
	switch (s->reg) {
	case REG_WAIT_BEFORE:
	case REG_WAIT_AFTER:
		if (s->now_ns >= s->reg_wait_end_ns)
			readings_taken(s);
		break;
	case REG_SETTLE_ON:
		if (s->now_ns < s->settle_until_ns)
			break;
		if (s->fix->reference == RIG_REF_SOURCE_POWER) {
			s->reg = REG_READING_POWER;
			seq_send_command(s, RIG_CMD_READ_POWER);
		} else {
			seq_register_power(s, rig_setpoint_meter_power_w(&s->sp, 1));
		}
		break;
	case REG_ENERGY:
		if (s->now_ns >= s->reg_end_ns)
			apply_register_setpoint(s, false, REG_UNLOADING);
		break;
	case REG_SETTLE_OFF:
		if (s->now_ns >= s->settle_until_ns)
			ask_readings(s, true);
		break;
	default:
		break;
	}
}

int64_t seq_register_deadline(const struct rig_seq *s)
{
	switch (s->reg) {
	case REG_WAIT_BEFORE:
	case REG_WAIT_AFTER:
		return s->reg_wait_end_ns;
	case REG_SETTLE_ON:
	case REG_SETTLE_OFF:
		return s->settle_until_ns;
	case REG_ENERGY:
		return s->reg_end_ns;
	default:
		return INT64_MAX;
	}
}

/* Reference pulses while the load is on (a standard-gated reference). */
void seq_register_reference_edge(struct rig_seq *s, const struct rig_edge *e)
{
	if (s->state != RIG_RUN_RUNNING || !s->prof || s->point >= s->prof->n_points ||
	    cur_point(s)->kind != RIG_POINT_REGISTER || s->reg < REG_LOADING ||
	    s->reg > REG_SETTLE_OFF || e->timestamp_ns < s->reg_on_sent_ns ||
	    e->kind != RIG_EDGE_RISING)	/* one edge a pulse; none without current */
		return;
	s->reg_ref_pulses++;
}

/* The meter's own Kh 10 output while loaded: what its register should
 * have counted by its outputs (an edge every 5 Wh). */
void seq_register_output_edge(struct rig_seq *s, int position, enum rig_signal sig,
			      const struct rig_edge *e)
{
	if (sig != RIG_SIG_KH10 || position < 1 || position > RIG_MAX_POSITIONS ||
	    s->state != RIG_RUN_RUNNING || !s->prof || s->point >= s->prof->n_points ||
	    cur_point(s)->kind != RIG_POINT_REGISTER || s->reg < REG_LOADING ||
	    s->reg > REG_SETTLE_OFF || e->timestamp_ns < s->reg_on_sent_ns ||
	    !s->pos[position - 1].in_point)
		return;
	s->pos[position - 1].reg_kh10_edges++;
}

/* The energy the reference says this position's meter had (primary Wh),
 * and how far either way it may be (ret_pm_wh): a reference standard's
 * pulses to one pulse; the source's power times the time on, to the time
 * its setpoint commands took (the output changed somewhere between an
 * APPLY's sending and its completion: on a simulated bench running faster
 * than real time, that is seconds). */
static double register_energy_wh(const struct rig_seq *s, const struct pos_state *ps,
				 double *ret_pm_wh)
{
	*ret_pm_wh = 0;
	if (s->reg_on_ns == 0 || s->reg_off_ns <= s->reg_on_ns)
		return 0;
	double scale = s->primary_per_source * ps->share;
	if (s->fix->reference == RIG_REF_STANDARD_PULSES) {
		*ret_pm_wh = s->fix->ref_wh_per_pulse * scale;
		return (double)s->reg_ref_pulses * s->fix->ref_wh_per_pulse * scale;
	}
	double on = ((double)s->reg_on_sent_ns + (double)s->reg_on_ns) / 2;
	double off = ((double)s->reg_off_sent_ns + (double)s->reg_off_ns) / 2;
	double spread = ((double)(s->reg_on_ns - s->reg_on_sent_ns) +
			 (double)(s->reg_off_ns - s->reg_off_sent_ns)) / 2;
	double w_h = s->reg_source_w * scale / RIG_NS_PER_S / 3600;
	*ret_pm_wh = w_h * spread;
	return w_h * (off - on);
}

void seq_judge_register(const struct rig_seq *s, const struct pos_state *ps,
			struct rig_point_result *r)
{
	const struct rig_point *p = cur_point(s);
	double energy_pm = 0;
	double energy = register_energy_wh(s, ps, &energy_pm);
	r->has_readings = true;
	r->reading_before_kwh = ps->have_reading[0] ? ps->reading[0] : -1;
	r->reading_after_kwh = ps->have_reading[1] ? ps->reading[1] : -1;
	struct rig_register_judgement j;
	r->verdict = rig_register_judge(r->reading_before_kwh, r->reading_after_kwh, energy,
					energy_pm, p->resolution_kwh, p->band_pct, &j, r->detail,
					sizeof(r->detail));
	r->value = j.advance_kwh;
	r->edges_counted = ps->reg_kh10_edges;
	/* the meter's own output beside its register: a register that
	 * disagrees with it while the output agrees with the reference is the
	 * register's fault (ratio, display), not the metering's */
	if (s->fix->pos[r->position - 1][RIG_SIG_KH10].line >= 0 && energy > 0)
		seq_append(r->detail, sizeof(r->detail), "; Kh 10 output counted %.3f kWh (%d edges)",
			   ps->reg_kh10_edges * 5.0 / 1000, ps->reg_kh10_edges);
	r->gate.u_pct = -1;	/* a bound by the register's digit, not an uncertainty */
	r->gate.error_pct = r->verdict == RIG_VERDICT_INDETERMINATE ? 0 : j.error_pct;
	r->gate.reference_wh = energy;
	r->gate.registered_wh = 1000 * j.advance_kwh;
	r->gate.gate_s = s->reg_off_ns > s->reg_on_ns
				 ? (double)(s->reg_off_ns - s->reg_on_ns) / RIG_NS_PER_S : 0;
	r->reference_w = s->reg_source_w > 0 ? s->reg_source_w * s->primary_per_source * ps->share
					     : 0;
}

int rig_seq_reading(struct rig_seq *s, int64_t now_ns, int position, double kwh,
		    struct rig_error *err)
{
	if (s->state != RIG_RUN_RUNNING || s->phase != PH_REGISTER ||
	    (s->reg != REG_WAIT_BEFORE && s->reg != REG_WAIT_AFTER))
		return rig_error_set(err, NULL, 0, "no register reading is wanted now");
	if (position < 1 || position > s->fix->n_positions || !s->pos[position - 1].in_point)
		return rig_error_set(err, NULL, 0, "position %d is not in register point '%s'",
				     position, cur_point(s)->name);
	if (!(kwh >= 0 && kwh < 1e9))
		return rig_error_set(err, NULL, 0, "a register reading is 0 .. 999999999 kWh");
	int which = s->reg == REG_WAIT_AFTER;
	struct pos_state *ps = &s->pos[position - 1];
	if (ps->have_reading[which])
		return rig_error_set(err, NULL, 0, "position %d: the reading %s is already given "
				     "(%.10g kWh)", position, which ? "after" : "before",
				     ps->reading[which]);
	advance_time(s, now_ns);
	ps->reading[which] = kwh;
	ps->have_reading[which] = true;
	if (readings_complete(s, which) || s->now_ns >= s->reg_wait_end_ns)
		readings_taken(s);
	return 0;
}
