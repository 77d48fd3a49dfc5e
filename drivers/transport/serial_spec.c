#include "drivers/transport/serial_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_framing(const char *f, struct serial_spec *s)
{
	if (strlen(f) != 3 || f[0] < '5' || f[0] > '8' || (f[2] != '1' && f[2] != '2'))
		return -1;
	s->data_bits = f[0] - '0';
	s->stop_bits = f[2] - '0';
	switch (f[1]) {
	case 'N': case 'n': s->parity = SERIAL_PARITY_NONE; break;
	case 'O': case 'o': s->parity = SERIAL_PARITY_ODD; break;
	case 'E': case 'e': s->parity = SERIAL_PARITY_EVEN; break;
	case 'M': case 'm': s->parity = SERIAL_PARITY_MARK; break;
	case 'S': case 's': s->parity = SERIAL_PARITY_SPACE; break;
	default: return -1;
	}
	return 0;
}

int serial_spec_parse(const char *args, struct serial_spec *ret, struct rig_error *err)
{
	static const char usage[] = "expected serial:PATH:BAUD:8N1[:rtscts|:xonxoff|:none]";
	char buf[256];
	if (!args || strlen(args) >= sizeof(buf))
		return rig_error_set(err, NULL, 0, "serial spec: %s", usage);
	snprintf(buf, sizeof(buf), "%s", args);
	char *field[5] = { 0 };
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (n == 4)
			return rig_error_set(err, NULL, 0, "serial spec '%s': too many fields; %s", args, usage);
		field[n++] = tok;
	}
	if (n < 3)
		return rig_error_set(err, NULL, 0, "serial spec '%s': %s", args, usage);
	memset(ret, 0, sizeof(*ret));
	if (field[0][0] != '/' || strlen(field[0]) >= sizeof(ret->path))
		return rig_error_set(err, NULL, 0, "serial spec '%s': port '%s' is not an absolute device path",
				     args, field[0]);
	snprintf(ret->path, sizeof(ret->path), "%s", field[0]);
	char *end;
	long baud = strtol(field[1], &end, 10);
	if (*end || baud < 50 || baud > 4000000)
		return rig_error_set(err, NULL, 0, "serial spec '%s': bad baud rate '%s'", args, field[1]);
	ret->baud = (int)baud;
	if (parse_framing(field[2], ret) < 0)
		return rig_error_set(err, NULL, 0,
				     "serial spec '%s': bad framing '%s' (data bits 5-8, parity N/E/O/M/S, stop bits 1-2, e.g. 8N1)",
				     args, field[2]);
	ret->flow = SERIAL_FLOW_NONE;
	if (n == 4) {
		if (strcmp(field[3], "rtscts") == 0)
			ret->flow = SERIAL_FLOW_RTSCTS;
		else if (strcmp(field[3], "xonxoff") == 0)
			ret->flow = SERIAL_FLOW_XONXOFF;
		else if (strcmp(field[3], "none") != 0)
			return rig_error_set(err, NULL, 0,
					     "serial spec '%s': bad flow control '%s' (rtscts, xonxoff, none)", args,
					     field[3]);
	}
	return 0;
}
