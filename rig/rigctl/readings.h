/* Where `rigctl run` takes a register point's LCD readings from: the
 * operator at the terminal, or the bench simulator (SIM:REGISTER?). */
#ifndef RIG_RIGCTL_READINGS_H
#define RIG_RIGCTL_READINGS_H

#include <stddef.h>

/* Asks rig-sim at "sim:HOST:PORT" what position's LCD shows. 0 and
 * *ret_kwh, or -1 with why. Waits at most 5 s. */
int readings_from_sim(const char *spec, int position, double *ret_kwh, char *why,
		      size_t why_len);

/* Asks the operator on the terminal; 0 and *ret_kwh, 1 when the operator
 * skipped it (an empty line), -1 at the end of input or on a signal. */
int readings_prompt(int position, const char *serial, const char *when, double *ret_kwh);

#endif
