/* Serial transport through libserialport. Every port parameter is set
 * explicitly (a port keeps whatever the last program left), reads are
 * non-blocking and the port's fd goes into the caller's poll loop; none of
 * libserialport's blocking calls is used. libserialport cannot open a pty
 * (it looks the port up in /sys/class/tty), so a real or emulated UART is
 * needed to exercise open/read/write; the spec parser is tested alone. */
#include "drivers/transport/serial_spec.h"
#include "drivers/transport/transport.h"

#include <errno.h>
#include <libserialport.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERIAL_WRITE_TIMEOUT_MS 2000

struct serial_priv {
	struct sp_port *port;
	int fd;
};

/* The library's own message for SP_ERR_FAIL, a fixed text otherwise. */
static int serial_fail(struct rig_error *err, const struct transport *t, const char *what,
		       enum sp_return rc)
{
	if (rc == SP_ERR_FAIL) {
		char *msg = sp_last_error_message();
		rig_error_set(err, NULL, 0, "transport '%s': %s: %s", t->spec, what, msg ? msg : "failed");
		sp_free_error_message(msg);
		return -1;
	}
	const char *why = rc == SP_ERR_ARG ? "invalid argument" :
			  rc == SP_ERR_MEM ? "out of memory" :
			  rc == SP_ERR_SUPP ? "not supported by this port" : "failed";
	return rig_error_set(err, NULL, 0, "transport '%s': %s: %s", t->spec, what, why);
}

static enum sp_parity sp_parity_of(enum serial_parity p)
{
	switch (p) {
	case SERIAL_PARITY_ODD: return SP_PARITY_ODD;
	case SERIAL_PARITY_EVEN: return SP_PARITY_EVEN;
	case SERIAL_PARITY_MARK: return SP_PARITY_MARK;
	case SERIAL_PARITY_SPACE: return SP_PARITY_SPACE;
	default: return SP_PARITY_NONE;
	}
}

static enum sp_flowcontrol sp_flow_of(enum serial_flow f)
{
	return f == SERIAL_FLOW_RTSCTS ? SP_FLOWCONTROL_RTSCTS :
	       f == SERIAL_FLOW_XONXOFF ? SP_FLOWCONTROL_XONXOFF : SP_FLOWCONTROL_NONE;
}

static int serial_configure(struct transport *t, struct sp_port *port, const struct serial_spec *s,
			    struct rig_error *err)
{
	struct sp_port_config *cfg = NULL;
	enum sp_return rc = sp_new_config(&cfg);
	if (rc != SP_OK)
		return serial_fail(err, t, "cannot allocate port config", rc);
	const char *what = "cannot set baud rate";
	if ((rc = sp_set_config_baudrate(cfg, s->baud)) == SP_OK &&
	    (what = "cannot set data bits", rc = sp_set_config_bits(cfg, s->data_bits)) == SP_OK &&
	    (what = "cannot set parity", rc = sp_set_config_parity(cfg, sp_parity_of(s->parity))) == SP_OK &&
	    (what = "cannot set stop bits", rc = sp_set_config_stopbits(cfg, s->stop_bits)) == SP_OK &&
	    (what = "cannot set flow control", rc = sp_set_config_flowcontrol(cfg, sp_flow_of(s->flow))) == SP_OK)
		what = "cannot apply port settings", rc = sp_set_config(port, cfg);
	sp_free_config(cfg);
	return rc == SP_OK ? 0 : serial_fail(err, t, what, rc);
}

static int serial_open(struct transport *t, const char *args, struct rig_error *err)
{
	struct serial_spec s;
	if (serial_spec_parse(args, &s, err) < 0)
		return -1;
	if (access(s.path, F_OK) < 0)
		return rig_error_set(err, NULL, 0, "transport '%s': serial port %s does not exist (%s)",
				     t->spec, s.path, strerror(errno));
	struct sp_port *port = NULL;
	enum sp_return rc = sp_get_port_by_name(s.path, &port);
	if (rc != SP_OK)
		return serial_fail(err, t, "not a serial port libserialport can use", rc);
	if ((rc = sp_open(port, SP_MODE_READ_WRITE)) != SP_OK) {
		serial_fail(err, t, "cannot open port", rc);
		sp_free_port(port);
		return -1;
	}
	int fd = -1;
	if (serial_configure(t, port, &s, err) < 0 ||
	    ((rc = sp_get_port_handle(port, &fd)) != SP_OK && serial_fail(err, t, "no port handle", rc))) {
		sp_close(port);
		sp_free_port(port);
		return -1;
	}
	struct serial_priv *p = calloc(1, sizeof(*p));
	if (!p) {
		sp_close(port);
		sp_free_port(port);
		return rig_error_set(err, NULL, 0, "transport '%s': out of memory", t->spec);
	}
	sp_flush(port, SP_BUF_BOTH);	/* stale bytes from before are not replies */
	p->port = port;
	p->fd = fd;
	t->priv = p;
	return 0;
}

static int serial_write(struct transport *t, const void *buf, size_t len, struct rig_error *err)
{
	struct serial_priv *p = t->priv;
	const char *b = buf;
	while (len > 0) {
		enum sp_return n = sp_nonblocking_write(p->port, b, len);
		if (n < 0)
			return serial_fail(err, t, "write failed", n);
		b += n;
		len -= (size_t)n;
		if (len == 0)
			break;
		/* Output buffer full (flow control held off): bounded wait. */
		struct pollfd pf = { .fd = p->fd, .events = POLLOUT };
		if (poll(&pf, 1, SERIAL_WRITE_TIMEOUT_MS) <= 0)
			return rig_error_set(err, NULL, 0,
					     "transport '%s': instrument does not accept data (write timed out; flow control?)",
					     t->spec);
	}
	return 0;
}

static ssize_t serial_read(struct transport *t, void *buf, size_t len, struct rig_error *err)
{
	struct serial_priv *p = t->priv;
	enum sp_return n = sp_nonblocking_read(p->port, buf, len);
	if (n < 0) {
		serial_fail(err, t, "read failed (port gone?)", n);
		return -1;
	}
	if (n == 0) {
		/* An unplugged USB adapter reads as "nothing" for ever: ask the
		 * fd whether it hung up, so it is not mistaken for silence. */
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR | POLLNVAL))) {
			rig_error_set(err, NULL, 0, "transport '%s': serial port hung up (unplugged?)", t->spec);
			return -1;
		}
	}
	return n;
}

static int serial_fd(const struct transport *t)
{
	const struct serial_priv *p = t->priv;
	return p->fd;
}

static void serial_close(struct transport *t)
{
	struct serial_priv *p = t->priv;
	if (!p)
		return;
	sp_close(p->port);
	sp_free_port(p->port);
	free(p);
	t->priv = NULL;
}

const struct transport_ops transport_serial_ops = {
	.scheme = "serial",
	.open = serial_open,
	.write = serial_write,
	.read = serial_read,
	.fd = serial_fd,
	.close = serial_close,
};
