/* Guest-side probe of the second UART, linked statically against
 * libserialport: exchanges lines with the host-side peer (tests/vm/peer)
 * that qemu connects to the guest's ttyS1.
 *
 *   serialprobe PORT ROUNDS
 *   serialprobe PORT send CMD...   send SCPI lines, print the reply to each query
 *
 * Each round sends "PING <n> <payload>" and expects the peer's
 * "PONG <n> <payload reversed>", so an answer can only come from the host.
 * Prints "RESULT serial-link PASS|FAIL <detail>"; exits 0 on pass, 1 on fail. */
#include <libserialport.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(const char *fmt, const char *detail)
{
	printf("RESULT serial-link FAIL ");
	printf(fmt, detail);
	printf("\n");
	return 1;
}

/* Reads one '\n'-terminated line within timeout_ms; returns its length or -1. */
static int read_line(struct sp_port *port, char *buf, size_t size, unsigned timeout_ms)
{
	size_t len = 0;

	while (len + 1 < size) {
		char c;
		enum sp_return got = sp_blocking_read(port, &c, 1, timeout_ms);
		if (got <= 0)
			return -1;
		if (c == '\n') {
			buf[len] = '\0';
			return (int)len;
		}
		buf[len++] = c;
	}
	return -1;
}

static void make_payload(char *buf, unsigned round, unsigned seed)
{
	size_t len = 8 + (round * 37 + seed) % 180;

	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('!' + (round * 31 + i * 7 + seed) % 90);
	buf[len] = '\0';
}

static struct sp_port *open_port(const char *name)
{
	struct sp_port *port;

	if (sp_get_port_by_name(name, &port) != SP_OK || sp_open(port, SP_MODE_READ_WRITE) != SP_OK)
		return NULL;
	sp_set_baudrate(port, 115200);
	sp_set_bits(port, 8);
	sp_set_parity(port, SP_PARITY_NONE);
	sp_set_stopbits(port, 1);
	sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
	sp_flush(port, SP_BUF_BOTH);
	return port;
}

/* Sends each command as a line; a query's reply is printed as "REPLY <cmd> <reply>". */
static int send_commands(struct sp_port *port, char **cmds, int n)
{
	char line[512];

	for (int i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%s\n", cmds[i]);
		if (sp_blocking_write(port, line, (size_t)len, 2000) != len) {
			fprintf(stderr, "serialprobe: write failed\n");
			return 1;
		}
		if (!strchr(cmds[i], '?'))
			continue;
		if (read_line(port, line, sizeof(line), 3000) < 0) {
			fprintf(stderr, "serialprobe: no reply to %s\n", cmds[i]);
			return 1;
		}
		line[strcspn(line, "\r")] = '\0';
		printf("REPLY %s %s\n", cmds[i], line);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sp_port *port;
	char payload[256], line[512], want[512];
	unsigned rounds, seed;

	if (argc < 3) {
		fprintf(stderr, "usage: serialprobe PORT ROUNDS | serialprobe PORT send CMD...\n");
		return 2;
	}
	port = open_port(argv[1]);
	if (!port)
		return fail("cannot open %s", argv[1]);
	if (strcmp(argv[2], "send") == 0)
		return send_commands(port, argv + 3, argc - 3);
	rounds = (unsigned)strtoul(argv[2], NULL, 10);
	seed = (unsigned)time(NULL);

	size_t bytes = 0;
	for (unsigned r = 1; r <= rounds; r++) {
		make_payload(payload, r, seed);
		int n = snprintf(line, sizeof(line), "PING %u %s\n", r, payload);
		if (sp_blocking_write(port, line, (size_t)n, 2000) != n)
			return fail("write to %s failed", argv[1]);
		size_t len = strlen(payload);
		int k = snprintf(want, sizeof(want), "PONG %u ", r);
		for (size_t i = 0; i < len; i++)
			want[k + (int)i] = payload[len - 1 - i];
		want[k + (int)len] = '\0';
		if (read_line(port, line, sizeof(line), 3000) < 0)
			return fail("no answer from the host peer on %s", argv[1]);
		if (strcmp(line, want) != 0)
			return fail("wrong answer: %s", line);
		bytes += (size_t)n + strlen(line) + 1;
	}
	sp_close(port);
	sp_free_port(port);
	printf("RESULT serial-link PASS %u round trips (%zu bytes) over %s through libserialport "
	       "to the host peer\n", rounds, bytes, argv[1]);
	return 0;
}
