/* The connection check: which output lines show edges, and whether the
 * position is wired (or empty). */
#include <stdio.h>

#include "rig/core/connection.h"
#include "rig/core/sequencer_internal.h"

/* Is the step long enough for an output to show edges at this position? */
static bool connection_expected(const struct rig_seq *s, const struct pos_state *ps, int o)
{
	double w = rig_setpoint_meter_power_w(&s->sp, s->primary_per_source) * ps->share;
	return rig_connection_expected(output_kh[o], w, window_s(cur_point(s)));
}

/* Voltage only: no output may toggle without current, and a wired power
 * LED must light; a position whose power LED stays dark is empty. */
void seq_judge_voltage_only(const struct rig_seq *s, struct pos_state *ps, int i,
			    struct rig_point_result *r)
{
	char lines[96] = "";
	r->edges_counted = 0;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o] && ps->line_count[o].edges > 0) {
			seq_append(lines, sizeof(lines), "%sKh %g", r->edges_counted ? ", " : "",
				   output_kh[o]);
			r->edges_counted += ps->line_count[o].edges;
		}
	bool led_wired = s->fix->pos[i][RIG_SIG_POWER_LED].line >= 0;
	ps->wiring_error = led_wired && !ps->power_led && !ps->led_lit;
	r->led_on = ps->power_led || ps->led_lit;
	r->verdict = RIG_VERDICT_ERROR;
	if (ps->wiring_error) {
		snprintf(r->detail, sizeof(r->detail), "wiring: power LED off with voltage applied "
			 "(an empty position or an unplugged cable)");
	} else if (r->edges_counted) {
		snprintf(r->detail, sizeof(r->detail), "wiring: %d edges on %s with no current "
			 "(a crossed or noisy line)", r->edges_counted, lines);
	} else {
		r->verdict = RIG_VERDICT_PASS;
		snprintf(r->detail, sizeof(r->detail), "voltage only: %s, no output edge",
			 led_wired ? "power LED on" : "power LED not wired");
	}
}

void seq_judge_connection(const struct rig_seq *s, struct pos_state *ps,
			  struct rig_point_result *r)
{
	struct rig_connection_line l[N_OUTPUTS];
	int n = 0;
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o])
			l[n++] = (struct rig_connection_line){ output_kh[o],
							       connection_expected(s, ps, o),
							       ps->line_count[o].edges };
	bool silent = false;
	bool alive = ps->led_lit || ps->power_led || ps->led_level;
	r->verdict = rig_connection_judge(l, n, alive, &silent, r->detail, sizeof(r->detail));
	r->edges_counted = 0;
	for (int k = 0; k < n; k++)
		r->edges_counted += l[k].edges;
	ps->wiring_error = silent;
}

bool seq_connection_complete(const struct rig_seq *s, const struct pos_state *ps)
{
	if (!(s->primary_a > 0))
		return false;	/* voltage only: the whole window, to see nothing toggle */
	for (int o = 0; o < N_OUTPUTS; o++)
		if (ps->line_watched[o] && connection_expected(s, ps, o) &&
		    ps->line_count[o].edges == 0)
			return false;
	return true;
}
