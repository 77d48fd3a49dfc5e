/* Commands that need no daemon: model numbers, profiles, fixture files. */
#include "rig/rigctl/commands.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig/core/fixture.h"
#include "rig/core/fixture_lines.h"
#include "rig/core/model.h"
#include "rig/core/profile.h"

int cmd_model(const struct rigctl_args *a)
{
	struct rig_meter_model m;
	struct rig_error err = {0};
	if (rig_model_decode(a->model_arg, &m, &err) < 0) {
		fprintf(stderr, "rigctl: model %s refused: %s\n", a->model_arg, err.msg);
		return RIGCTL_EXIT_ERROR;
	}
	char buf[4096];
	if (a->json)
		rig_model_to_json(&m, buf, sizeof(buf));
	else
		rig_model_describe(&m, buf, sizeof(buf));
	fputs(buf, stdout);
	if (!buf[0] || buf[strlen(buf) - 1] != '\n')
		fputc('\n', stdout);
	return RIGCTL_EXIT_PASS;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int cmd_profiles(const struct rigctl_args *a, const struct rigctl_env *env)
{
	(void)a;
	const char *dir = env->cfg.profiles_dir;
	DIR *dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "rigctl: profiles directory %s: cannot open; set profiles in rigd.conf "
				"and name it with --config FILE\n", dir);
		return RIGCTL_EXIT_ERROR;
	}
	char *names[256];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < 256) {
		size_t len = strlen(de->d_name);
		if (len > 8 && strcmp(de->d_name + len - 8, ".profile") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	int code = RIGCTL_EXIT_PASS;
	struct rig_profile *p = malloc(sizeof(*p));
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct rig_error err = {0};
		if (rig_profile_load(path, p, &err) < 0) {
			char buf[800];
			fprintf(stderr, "rigctl: %s\n", rig_error_format(&err, buf, sizeof(buf)));
			code = RIGCTL_EXIT_ERROR;
		} else {
			printf("%-20s %3d points  %s\n", p->name, p->n_points, p->description);
		}
		free(names[i]);
	}
	free(p);
	if (n == 0)
		fprintf(stderr, "rigctl: no *.profile files in %s\n", dir);
	return code;
}

int cmd_fixture_check(const struct rigctl_args *a)
{
	struct rig_fixture *f = malloc(sizeof(*f));
	struct rig_error err = {0};
	int code = RIGCTL_EXIT_PASS;
	if (rig_fixture_load(a->file, f, &err) < 0) {
		char buf[800];
		fprintf(stderr, "%s\n", rig_error_format(&err, buf, sizeof(buf)));
		code = RIGCTL_EXIT_ERROR;
	} else {
		int lines = 0;
		for (int p = 0; p < f->n_positions; p++)
			for (int s = 0; s < RIG_SIG_COUNT; s++)
				lines += f->pos[p][s].line >= 0;
		printf("%s: fixture %s ok: %d positions, %d lines, source %s on %s, edges %s\n",
		       a->file, f->name, f->n_positions, lines, f->source_driver, f->source_transport,
		       f->edge_input);
		/* What switches the source off when rigd cannot (fixtures/README.md). */
		char hb[64];
		if (f->heartbeat.line < 0 && f->comm_watchdog_s <= 0)
			printf("%s: warning: no dead-man (heartbeat, comm_watchdog): a killed or hung rigd "
			       "leaves the output as it was until something restarts it\n", a->file);
		else if (f->heartbeat.line >= 0 && f->comm_watchdog_s > 0)
			printf("%s: dead-man: heartbeat on %s, instrument watchdog %g s\n", a->file,
			       rig_line_describe(&f->heartbeat, hb, sizeof(hb)), f->comm_watchdog_s);
		else if (f->heartbeat.line >= 0)
			printf("%s: dead-man: heartbeat on %s\n", a->file,
			       rig_line_describe(&f->heartbeat, hb, sizeof(hb)));
		else
			printf("%s: dead-man: instrument watchdog %g s\n", a->file, f->comm_watchdog_s);
		if (a->live && fixture_probe_live(f) < 0)
			code = RIGCTL_EXIT_ERROR;
	}
	free(f);
	return code;
}
