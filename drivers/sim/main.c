/* rig-sim: the simulated bench on TCP. Options and configuration here; the
 * poll loop is sim_server.c; everything it simulates is pure code
 * (bench.c, meter_sim.c, scpi_parser.c, source_model.c). See README.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/sim/sim_config.h"
#include "drivers/sim/sim_server.h"
#include "rig/core/fixture.h"
#include "rig/core/fixture_lines.h"
#include "rig/core/model.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rig-sim [options]\n"
		"  --fixture FILE       take positions, lines, ports, time scale from a rig fixture\n"
		"  --config FILE        bench configuration (drivers/sim/README.md)\n"
		"  --set SEC.KEY=VALUE  one setting; SEC is bench, defaults or positionN\n"
		"  --positions N        meters on the bench (positions 1..N)\n"
		"  --model MODEL        model number of every meter\n"
		"  --error PCT          true error of every meter, percent\n"
		"  --lines BASE:STRIDE  line of position p, signal s: BASE + (p-1)*STRIDE + s\n"
		"  --bind ADDR          listen address (127.0.0.1)\n"
		"  --scpi-port PORT     SCPI port (5025; 0: any free port)\n"
		"  --edge-port PORT     edge port (5026; 0: any free port)\n"
		"  --time-scale X       simulated seconds per real second (1)\n"
		"  --seed N             random seed (1)\n"
		"  --port-file FILE     write 'scpi=PORT edge=PORT' there once listening\n"
		"Prints 'rig-sim ready scpi=PORT edge=PORT' on stdout once listening.\n");
}

/* Text buffer the options append config lines to. */
struct text {
	char *s;
	size_t n;
};

static int append(struct text *t, const char *section, const char *key, const char *value)
{
	size_t need = strlen(section) + strlen(key) + strlen(value) + 16;
	char *s = realloc(t->s, t->n + need);
	if (!s)
		return -1;
	t->s = s;
	t->n += (size_t)sprintf(t->s + t->n, "\n[%s]\n%s = %s\n", section, key, value);
	return 0;
}

static int append_set(struct text *t, const char *arg)
{
	char sec[64], key[64];
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	if (!dot || !eq || dot > eq || dot - arg >= (int)sizeof(sec) || eq - dot - 1 >= (int)sizeof(key))
		return -1;
	snprintf(sec, sizeof(sec), "%.*s", (int)(dot - arg), arg);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
	if (!strncmp(sec, "position", 8) && sec[8] != ' ') {
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "position %.12s", sec + 8);
		snprintf(sec, sizeof(sec), "%.60s", tmp);
	}
	return append(t, sec, key, eq + 1);
}

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 > cap) {
			cap = cap ? 2 * cap : 8192;
			char *b = realloc(buf, cap);
			if (!b || cap > (16u << 20)) {
				free(b ? b : buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*ret_len = n;
	return buf;
}

static int write_port_file(const char *path, int scpi, int edge)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "scpi=%d edge=%d\n", scpi, edge);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, 0, 'c' }, { "fixture", required_argument, 0, 'F' }, { "set", required_argument, 0, 'S' },
		{ "positions", required_argument, 0, 'n' }, { "model", required_argument, 0, 'm' },
		{ "error", required_argument, 0, 'e' }, { "lines", required_argument, 0, 'l' },
		{ "bind", required_argument, 0, 'b' }, { "scpi-port", required_argument, 0, 'p' },
		{ "edge-port", required_argument, 0, 'P' }, { "time-scale", required_argument, 0, 't' },
		{ "seed", required_argument, 0, 's' }, { "port-file", required_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	const char *config_path = NULL, *port_file = NULL, *fixture_path = NULL;
	struct text cli = { 0 };
	int o, bad = 0;
	while ((o = getopt_long(argc, argv, "c:F:S:n:m:e:l:b:p:P:t:s:f:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config_path = optarg; break;
		case 'F': fixture_path = optarg; break;
		case 'S':
			if (append_set(&cli, optarg)) {
				fprintf(stderr, "rig-sim: --set %s: want SECTION.KEY=VALUE\n", optarg);
				bad = 1;
			}
			break;
		case 'n': bad |= append(&cli, "bench", "positions", optarg); break;
		case 'm': bad |= append(&cli, "defaults", "model", optarg); break;
		case 'e': bad |= append(&cli, "defaults", "error_pct", optarg); break;
		case 'l': bad |= append(&cli, "bench", "lines", optarg); break;
		case 'b': bad |= append(&cli, "bench", "bind", optarg); break;
		case 'p': bad |= append(&cli, "bench", "scpi_port", optarg); break;
		case 'P': bad |= append(&cli, "bench", "edge_port", optarg); break;
		case 't': bad |= append(&cli, "bench", "time_scale", optarg); break;
		case 's': bad |= append(&cli, "bench", "seed", optarg); break;
		case 'f': port_file = optarg; break;
		case 'h': usage(stdout); free(cli.s); return 0;
		default: bad = 1;
		}
	}
	if (bad || optind != argc) {
		usage(stderr);
		free(cli.s);
		return 2;
	}

	/* the file, then the options on top, parsed as one text */
	size_t flen = 0;
	char *text = NULL;
	if (config_path && !(text = read_file(config_path, &flen))) {
		fprintf(stderr, "rig-sim: %s: %s\n", config_path, strerror(errno));
		free(cli.s);
		return 2;
	}
	char *all = malloc(flen + cli.n + 1);
	if (!all)
		return 2;
	if (flen)
		memcpy(all, text, flen);
	if (cli.n)
		memcpy(all + flen, cli.s, cli.n);
	all[flen + cli.n] = '\0';
	free(text);
	free(cli.s);

	struct sim_config cfg;
	struct rig_error err;
	char msg[900];
	sim_config_init(&cfg);
	if (fixture_path) {
		static struct rig_fixture fx;
		if (rig_fixture_load(fixture_path, &fx, &err)) {
			fprintf(stderr, "rig-sim: %s\n", rig_error_format(&err, msg, sizeof(msg)));
			free(all);
			return 2;
		}
		/* the simulated meters' lines are offsets: a chip's names mean nothing here */
		if (rig_fixture_has_named_lines(&fx)) {
			fprintf(stderr, "rig-sim: %s gives lines by the chip's names; rig-sim takes a fixture "
				"with line offsets (or --lines)\n", fixture_path);
			free(all);
			return 2;
		}
		sim_config_from_fixture(&cfg, &fx);
	}
	int rc = sim_config_parse(&cfg, all, flen + cli.n, config_path ? config_path : "command line",
				  rig_model_decode, &err);
	free(all);
	if (rc) {
		fprintf(stderr, "rig-sim: %s\n", rig_error_format(&err, msg, sizeof(msg)));
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sim_server *s = sim_server_new(&cfg, &err);
	if (!s) {
		fprintf(stderr, "rig-sim: %s\n", rig_error_format(&err, msg, sizeof(msg)));
		return 1;
	}
	int scpi, edge;
	sim_server_ports(s, &scpi, &edge);
	if (port_file && write_port_file(port_file, scpi, edge)) {
		fprintf(stderr, "rig-sim: %s: %s\n", port_file, strerror(errno));
		sim_server_free(s);
		return 1;
	}
	printf("rig-sim ready scpi=%d edge=%d\n", scpi, edge);
	fflush(stdout);
	fprintf(stderr, "rig-sim: %d positions, SCPI on %s:%d, edges on %s:%d, time x%g\n",
		cfg.bench.n_positions, cfg.bind, scpi, cfg.bind, edge, cfg.time_scale);
	rc = sim_server_run(s, &stop, &err);
	if (rc)
		fprintf(stderr, "rig-sim: %s\n", rig_error_format(&err, msg, sizeof(msg)));
	sim_server_free(s);
	return rc ? 1 : 0;
}
