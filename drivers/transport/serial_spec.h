/* The serial transport's spec, parsed by a pure function so it can be
 * tested without a port: PATH:BAUD:<bits><parity><stop>[:rtscts|:xonxoff|:none]
 * e.g. /dev/ttyUSB0:115200:8N1:rtscts. Flow control defaults to none. */
#ifndef RIG_DRIVERS_SERIAL_SPEC_H
#define RIG_DRIVERS_SERIAL_SPEC_H

#include "rig/core/error.h"

enum serial_parity { SERIAL_PARITY_NONE, SERIAL_PARITY_ODD, SERIAL_PARITY_EVEN,
		     SERIAL_PARITY_MARK, SERIAL_PARITY_SPACE };
enum serial_flow { SERIAL_FLOW_NONE, SERIAL_FLOW_RTSCTS, SERIAL_FLOW_XONXOFF };

struct serial_spec {
	char path[128];
	int baud;
	int data_bits;		/* 5..8 */
	enum serial_parity parity;
	int stop_bits;		/* 1 or 2 */
	enum serial_flow flow;
};

/* args is what follows "serial:". -1 with err naming the bad field. */
int serial_spec_parse(const char *args, struct serial_spec *ret, struct rig_error *err);

#endif
