/* Named and numbered lines against a chip (fixture_lines.h). */
#include "rig/core/fixture_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every wired line of the fixture with what it carries, in file order of
 * the sections: positions, the reference, the interlock, the heartbeat. */
struct wired {
	struct rig_line *l;
	char what[40];
};

static int list_wired(struct rig_fixture *f, struct wired *w)
{
	int n = 0;
	for (int p = 0; p < f->n_positions; p++)
		for (int s = 0; s < RIG_SIG_COUNT; s++)
			if (f->pos[p][s].line >= 0) {
				w[n].l = &f->pos[p][s];
				snprintf(w[n++].what, sizeof(w->what), "position %d %s", p + 1,
					 rig_signal_name((enum rig_signal)s));
			}
	struct { struct rig_line *l; const char *what; } extra[] = {
		{ &f->ref_line, "the reference" },
		{ &f->interlock, "the interlock" },
		{ &f->heartbeat, "the heartbeat" },
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (extra[i].l->line >= 0 && (extra[i].l != &f->ref_line ||
					      f->reference == RIG_REF_STANDARD_PULSES)) {
			w[n].l = extra[i].l;
			snprintf(w[n++].what, sizeof(w->what), "%s", extra[i].what);
		}
	return n;
}

bool rig_fixture_has_named_lines(const struct rig_fixture *f)
{
	struct wired w[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 3];
	int n = list_wired((struct rig_fixture *)f, w);
	for (int i = 0; i < n; i++)
		if (w[i].l->name[0])
			return true;
	return false;
}

const char *rig_line_describe(const struct rig_line *l, char *buf, size_t len)
{
	if (l->name[0] && l->line >= RIG_LINE_NAMED)
		snprintf(buf, len, "%s", l->name);
	else if (l->name[0])
		snprintf(buf, len, "%s (line %d)", l->name, l->line);
	else
		snprintf(buf, len, "line %d", l->line);
	return buf;
}

/* "GPIO17 (line 17)" or "line 17". */
static void describe(const struct rig_line *l, int offset, char *buf, size_t len)
{
	if (l->name[0])
		snprintf(buf, len, "%s (line %d)", l->name, offset);
	else
		snprintf(buf, len, "line %d", offset);
}

int rig_fixture_resolve_lines(struct rig_fixture *f, const struct rig_chip_lines *chip,
			      struct rig_error *err)
{
	const char *file = f->source_file;
	struct wired w[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 3];
	int offset[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 3];
	int n = list_wired(f, w);
	for (int i = 0; i < n; i++) {
		const struct rig_line *l = w[i].l;
		offset[i] = l->line;
		if (l->name[0]) {
			offset[i] = chip->offset_of ? chip->offset_of(chip->ctx, l->name) : -1;
			if (offset[i] < 0)
				return rig_error_set(err, file, l->file_line,
						     "%s: chip %s has no line named %s (`gpioinfo` lists "
						     "its lines' names; or give the offset)",
						     w[i].what, chip->chip, l->name);
		}
		if (chip->n_lines && (unsigned)offset[i] >= chip->n_lines) {
			char d[64];
			describe(l, offset[i], d, sizeof(d));
			return rig_error_set(err, file, l->file_line,
					     "%s: %s is not on chip %s (lines 0..%u)", w[i].what, d,
					     chip->chip, chip->n_lines - 1);
		}
		for (int j = 0; j < i; j++)
			if (offset[j] == offset[i]) {
				char d[64];
				describe(l, offset[i], d, sizeof(d));
				return rig_error_set(err, file, l->file_line,
						     "%s: %s on chip %s is wired to %s too (line %d of the file)",
						     w[i].what, d, chip->chip, w[j].what, w[j].l->file_line);
			}
	}
	for (int i = 0; i < n; i++)
		w[i].l->line = offset[i];
	return 0;
}

int rig_fixture_line_names(const struct rig_fixture *f, char *buf, size_t len)
{
	struct wired w[RIG_MAX_POSITIONS * RIG_SIG_COUNT + 3];
	int n = list_wired((struct rig_fixture *)f, w);
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct rig_line *l = w[i].l;
		if (!l->name[0] || l->line >= RIG_LINE_NAMED)
			continue;
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(w[j].l->name, l->name);
		if (seen)
			continue;
		int k = snprintf(buf + used, len - used, "%s%s=%d", used ? " " : "", l->name, l->line);
		if (k < 0 || (size_t)k >= len - used)
			return -1;
		used += (size_t)k;
	}
	return (int)used;
}

static int listed_offset(void *ctx, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *p = ctx; p && *p;) {
		while (*p == ' ')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		if ((size_t)(eq - p) == nlen && !strncmp(p, name, nlen))
			return atoi(eq + 1);
		p = strchr(eq, ' ');
	}
	return -1;
}

int rig_fixture_resolve_from_names(struct rig_fixture *f, const char *list, struct rig_error *err)
{
	struct rig_chip_lines chip = {
		.chip = "of the recording", .offset_of = listed_offset, .ctx = (void *)list,
	};
	return rig_fixture_resolve_lines(f, &chip, err);
}
