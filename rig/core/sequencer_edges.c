/* Edges, losses and levels from the edge input, to the point's gates,
 * counters and LEDs. */
#include "rig/core/sequencer_internal.h"

/* An edge of any line: every edge before it was delivered or reported
 * lost, and the output lines' chains of numbers continue from it. */
static void remember_line(struct rig_seq *s, int position, enum rig_signal sig,
			  const struct rig_edge *e)
{
	if (e->timestamp_ns > s->edges_complete_ns)
		s->edges_complete_ns = e->timestamp_ns;
	if (position < 1 || position > RIG_MAX_POSITIONS)
		return;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (output_sig[o] == sig) {
			s->pos[position - 1].last_edge[o] = *e;
			s->pos[position - 1].have_last_edge[o] = true;
		}
}

/* What an edge of any line proves to the gates: the few-edges bound may
 * be stated up to its time (the dead-meter early stop). */
static void edges_complete(struct rig_seq *s)
{
	for (int i = 0; i < s->fix->n_positions; i++)
		if (s->pos[i].in_point)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].gating[o])
					rig_gate_edges_complete(&s->pos[i].gate[o],
								s->edges_complete_ns);
}

/* Whether the power or reverse-phase LED lit during the connection check:
 * a meter that shows it is there is not an empty position, whatever its
 * outputs do. */
static void note_led(struct rig_seq *s, int position, enum rig_signal sig, bool on)
{
	if (position < 1 || position > RIG_MAX_POSITIONS ||
	    (sig != RIG_SIG_POWER_LED && sig != RIG_SIG_REVERSE_LED))
		return;
	struct pos_state *ps = &s->pos[position - 1];
	if (on && s->prof && s->point < s->prof->n_points &&
	    cur_point(s)->kind == RIG_POINT_CONNECTION_CHECK)
		ps->led_lit = true;
}

/* The power LED's level at any time (it lights when the source comes on,
 * before any point measures); dark after a point's settle time counts. */
static void power_led_edge(struct rig_seq *s, struct pos_state *ps, const struct rig_edge *e)
{
	ps->power_led = e->kind == RIG_EDGE_RISING;
	if (!ps->power_led && measuring(s) && ps->in_point && e->timestamp_ns >= s->settle_until_ns)
		ps->power_led_dark = true;
}

void rig_seq_edge(struct rig_seq *s, int position, enum rig_signal sig, const struct rig_edge *e)
{
	/* the LED's level is needed at the start of an LED point, whenever
	 * it changed (often while the source is still applying) */
	if (sig == RIG_SIG_REVERSE_LED && position >= 1 && position <= RIG_MAX_POSITIONS)
		s->pos[position - 1].led_level = e->kind == RIG_EDGE_RISING;
	note_led(s, position, sig, e->kind == RIG_EDGE_RISING);
	if (sig == RIG_SIG_POWER_LED && position >= 1 && position <= RIG_MAX_POSITIONS)
		power_led_edge(s, &s->pos[position - 1], e);
	remember_line(s, position, sig, e);
	if (sig == RIG_SIG_REFERENCE)
		seq_register_reference_edge(s, e);
	else
		seq_register_output_edge(s, position, sig, e);
	if (!measuring(s))
		return;
	advance_time(s, e->timestamp_ns);
	if (sig == RIG_SIG_REFERENCE) {
		for (int i = 0; i < s->fix->n_positions; i++)
			if (s->pos[i].in_point)
				for (int o = 0; o < N_OUTPUTS; o++)
					if (s->pos[i].gating[o])
						rig_gate_reference_edge(&s->pos[i].gate[o], e);
		edges_complete(s);
		seq_check_point_done(s);
		return;
	}
	int i = position - 1;
	if (i < 0 || i >= s->fix->n_positions || !s->pos[i].in_point)
		return;
	struct pos_state *ps = &s->pos[i];
	const struct rig_point *p = cur_point(s);
	bool watched = false;
	if (uses_gates(p)) {
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o] && output_sig[o] == sig) {
				rig_gate_meter_edge(&ps->gate[o], e);
				watched = true;
			}
	} else if (p->kind == RIG_POINT_CONNECTION_CHECK) {
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->line_watched[o] && output_sig[o] == sig) {
				rig_edge_count_add(&ps->line_count[o], e);
				watched = true;
			}
	} else if (sig == point_signal(p)) {
		watched = true;
		if (p->kind == RIG_POINT_CREEP || p->kind == RIG_POINT_STARTING_LOAD)
			rig_edge_count_add(&ps->count, e);
		else if (p->kind == RIG_POINT_PULSE_DUTY)
			rig_duty_edge(&ps->duty, e);
		else if (p->kind == RIG_POINT_REVERSE_LED)
			rig_led_edge(&ps->led, e);
	}
	edges_complete(s);
	if (watched)
		seq_progress(s);
	seq_check_point_done(s);
}

void rig_seq_edges_complete(struct rig_seq *s, int64_t t_ns)
{
	if (t_ns > s->edges_complete_ns)
		s->edges_complete_ns = t_ns;
	if (!measuring(s))
		return;
	edges_complete(s);
	seq_check_point_done(s);
}

void rig_seq_lost(struct rig_seq *s, int position, enum rig_signal sig, uint64_t count)
{
	if (!measuring(s) || count == 0)
		return;
	if (position == 0) {
		/* line not known yet: any gate's line may be it until its own
		 * next edge says (a FAIL is never drawn from missing edges) */
		for (int i = 0; i < s->fix->n_positions; i++)
			for (int o = 0; o < N_OUTPUTS; o++)
				if (s->pos[i].in_point && s->pos[i].gating[o])
					rig_gate_maybe_lost(&s->pos[i].gate[o]);
		return;
	}
	for (int i = 0; i < s->fix->n_positions; i++) {
		struct pos_state *ps = &s->pos[i];
		if (!ps->in_point || (sig != RIG_SIG_REFERENCE && i != position - 1))
			continue;
		/* a lost reference pulse spoils every gate's count */
		for (int o = 0; o < N_OUTPUTS; o++)
			if (ps->gating[o] && (sig == RIG_SIG_REFERENCE || output_sig[o] == sig))
				rig_gate_lost(&ps->gate[o], count);
	}
	seq_check_point_done(s);
}

void rig_seq_level(struct rig_seq *s, int position, enum rig_signal sig, bool high)
{
	note_led(s, position, sig, high);
	if (position < 1 || position > RIG_MAX_POSITIONS ||
	    (sig != RIG_SIG_REVERSE_LED && sig != RIG_SIG_POWER_LED))
		return;
	struct pos_state *ps = &s->pos[position - 1];
	if (sig == RIG_SIG_POWER_LED) {
		ps->power_led = high;
		return;
	}
	ps->led_level = high;
	if (measuring(s) && ps->in_point && cur_point(s)->kind == RIG_POINT_REVERSE_LED)
		rig_led_set(&ps->led, s->now_ns, high);
}
