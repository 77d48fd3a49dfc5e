#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/transport/serial_spec.h"
#include "drivers/transport/transport.h"

START_TEST(serial_spec_reads_every_field)
{
	struct serial_spec s;
	struct rig_error err = { 0 };
	ck_assert_int_eq(serial_spec_parse("/dev/ttyUSB0:115200:8N1:rtscts", &s, &err), 0);
	ck_assert_str_eq(s.path, "/dev/ttyUSB0");
	ck_assert_int_eq(s.baud, 115200);
	ck_assert_int_eq(s.data_bits, 8);
	ck_assert_int_eq(s.parity, SERIAL_PARITY_NONE);
	ck_assert_int_eq(s.stop_bits, 1);
	ck_assert_int_eq(s.flow, SERIAL_FLOW_RTSCTS);

	ck_assert_int_eq(serial_spec_parse("/dev/ttyS1:9600:7E2:xonxoff", &s, &err), 0);
	ck_assert_int_eq(s.data_bits, 7);
	ck_assert_int_eq(s.parity, SERIAL_PARITY_EVEN);
	ck_assert_int_eq(s.stop_bits, 2);
	ck_assert_int_eq(s.flow, SERIAL_FLOW_XONXOFF);

	s.flow = SERIAL_FLOW_RTSCTS;
	ck_assert_int_eq(serial_spec_parse("/dev/ttyAMA0:19200:8O1", &s, &err), 0);
	ck_assert_int_eq(s.parity, SERIAL_PARITY_ODD);
	ck_assert_int_eq(s.flow, SERIAL_FLOW_NONE);	/* explicit default, not left over */
}
END_TEST

static void assert_spec_error(const char *args, const char *needle)
{
	struct serial_spec s;
	struct rig_error err = { 0 };
	ck_assert_int_eq(serial_spec_parse(args, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, needle), "'%s': error '%s' lacks '%s'", args, err.msg, needle);
}

START_TEST(serial_spec_names_the_bad_field)
{
	assert_spec_error("/dev/ttyUSB0:fast:8N1", "bad baud rate 'fast'");
	assert_spec_error("/dev/ttyUSB0:0:8N1", "bad baud rate '0'");
	assert_spec_error("/dev/ttyUSB0:9600:9N1", "bad framing '9N1'");
	assert_spec_error("/dev/ttyUSB0:9600:8X1", "bad framing '8X1'");
	assert_spec_error("/dev/ttyUSB0:9600:8N3", "bad framing '8N3'");
	assert_spec_error("/dev/ttyUSB0:9600:8N1:dtrdsr", "bad flow control 'dtrdsr'");
	assert_spec_error("/dev/ttyUSB0:9600", "expected serial:PATH:BAUD:8N1");
	assert_spec_error("/dev/ttyUSB0:9600:8N1:none:more", "too many fields");
	assert_spec_error("ttyUSB0:9600:8N1", "not an absolute device path");
}
END_TEST

START_TEST(open_reports_missing_port_and_bad_scheme)
{
	struct rig_error err = { 0 };
	ck_assert_ptr_null(transport_open("serial:/dev/rig-no-such-port:9600:8N1", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "/dev/rig-no-such-port does not exist"));
	ck_assert_ptr_null(transport_open("serial:/dev/null:9600:8N1", &err));	/* exists, not a tty */
	ck_assert_ptr_nonnull(strstr(err.msg, "transport 'serial:/dev/null:9600:8N1': "));
	ck_assert_ptr_null(transport_open("usb:0", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown scheme 'usb'"));
	ck_assert_ptr_null(transport_open("localhost", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected SCHEME:ARGS"));
	ck_assert_ptr_null(transport_open("tcp:localhost", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected tcp:HOST:PORT"));
	ck_assert_ptr_null(transport_open("tcp:localhost:70000", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected tcp:HOST:PORT"));
	transport_close(NULL);
}
END_TEST

static int listen_loopback(int *ret_port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*ret_port = ntohs(a.sin_port);
	return fd;
}

static struct transport *connect_to(int port, struct rig_error *err)
{
	char spec[64];
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	return transport_open(spec, err);
}

static ssize_t read_when_ready(struct transport *t, char *buf, size_t len, struct rig_error *err)
{
	struct pollfd p = { .fd = t->ops->fd(t), .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	return t->ops->read(t, buf, len, err);
}

START_TEST(tcp_round_trip_then_eof_is_disconnected)
{
	int port, lfd = listen_loopback(&port);
	struct rig_error err = { 0 };
	struct transport *t = connect_to(port, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	int peer = accept(lfd, NULL, NULL);
	ck_assert_int_ge(peer, 0);

	char buf[64];
	ck_assert_int_eq(t->ops->read(t, buf, sizeof(buf), &err), 0);	/* nothing yet, no blocking */
	ck_assert_int_eq(t->ops->write(t, "*IDN?\n", 6, &err), 0);
	ssize_t n = recv(peer, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(memcmp(buf, "*IDN?\n", 6), 0);
	ck_assert_int_eq(send(peer, "X,Y\n", 4, 0), 4);
	ck_assert_int_eq(read_when_ready(t, buf, sizeof(buf), &err), 4);

	close(peer);
	ck_assert_int_eq(read_when_ready(t, buf, sizeof(buf), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "instrument disconnected"));
	transport_close(t);
	close(lfd);
}
END_TEST

START_TEST(tcp_reset_is_disconnected)
{
	int port, lfd = listen_loopback(&port);
	struct rig_error err = { 0 };
	struct transport *t = connect_to(port, &err);
	ck_assert_ptr_nonnull(t);
	int peer = accept(lfd, NULL, NULL);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };	/* close sends RST */
	setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(peer);
	char buf[16];
	ck_assert_int_eq(read_when_ready(t, buf, sizeof(buf), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "instrument disconnected"));
	transport_close(t);
	close(lfd);
}
END_TEST

START_TEST(tcp_refused_says_so)
{
	int port, lfd = listen_loopback(&port);
	close(lfd);	/* nobody listens there any more */
	struct rig_error err = { 0 };
	ck_assert_ptr_null(connect_to(port, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot connect"));
	ck_assert_ptr_nonnull(strstr(err.msg, "refused"));
}
END_TEST

Suite *suite_transport(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("transport");
	tcase_add_test(tc, serial_spec_reads_every_field);
	tcase_add_test(tc, serial_spec_names_the_bad_field);
	tcase_add_test(tc, open_reports_missing_port_and_bad_scheme);
	tcase_add_test(tc, tcp_round_trip_then_eof_is_disconnected);
	tcase_add_test(tc, tcp_reset_is_disconnected);
	tcase_add_test(tc, tcp_refused_says_so);
	suite_add_tcase(s, tc);
	return s;
}
