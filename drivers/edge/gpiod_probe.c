/* gpio chip lookup and probe (gpiod_probe.h), libgpiod v2. */
#include "drivers/edge/gpiod_probe.h"

#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdbool.h>
#include <string.h>

#include "rig/core/fixture_lines.h"

#define LABEL_PREFIX "label="

static bool chip_has_label(const char *path, const char *label)
{
	struct gpiod_chip *chip = gpiod_chip_open(path);
	if (!chip)
		return false;
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	bool same = info && !strcmp(gpiod_chip_info_get_label(info), label);
	if (info)
		gpiod_chip_info_free(info);
	gpiod_chip_close(chip);
	return same;
}

int edge_gpiod_find_chip(const char *args, char *path, size_t len, struct rig_error *err)
{
	if (strncmp(args, LABEL_PREFIX, strlen(LABEL_PREFIX)) != 0) {
		snprintf(path, len, "%s", args);
		return 0;
	}
	const char *label = args + strlen(LABEL_PREFIX);
	DIR *dir = opendir("/dev");
	if (!dir)
		return rig_error_set(err, NULL, 0, "gpio chip labelled %s: cannot read /dev: %s", label,
				     strerror(errno));
	struct dirent *de;
	int found = -1, chips = 0;
	while (found < 0 && (de = readdir(dir))) {
		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		char p[300];
		snprintf(p, sizeof(p), "/dev/%s", de->d_name);
		if (!gpiod_is_gpiochip_device(p))
			continue;
		chips++;
		if (chip_has_label(p, label)) {
			snprintf(path, len, "%s", p);
			found = 0;
		}
	}
	closedir(dir);
	if (found < 0)
		return rig_error_set(err, NULL, 0, "no gpio chip labelled %s (%d gpio chips on this "
				     "machine)", label, chips);
	return 0;
}

/* The chip args names (edge_gpiod_find_chip), its path into path; NULL
 * with err saying why. */
static struct gpiod_chip *open_chip(const char *args, char *path, size_t len,
				    struct rig_error *err)
{
	if (edge_gpiod_find_chip(args, path, len, err) < 0)
		return NULL;
	struct gpiod_chip *chip = gpiod_chip_open(path);
	if (!chip && errno == ENOENT)
		rig_error_set(err, NULL, 0, "gpio chip %s does not exist", path);
	else if (!chip)
		rig_error_set(err, NULL, 0, "gpio chip %s: %s", path, strerror(errno));
	return chip;
}

static int chip_offset_of(void *ctx, const char *name)
{
	return gpiod_chip_get_line_offset_from_name(ctx, name);
}

int edge_gpiod_resolve_fixture(struct rig_fixture *f, struct rig_error *err)
{
	if (strncmp(f->edge_input, "gpiod:", 6) != 0)
		return rig_error_set(err, NULL, 0, "edge input %s is not a gpio chip", f->edge_input);
	char path[300];
	struct gpiod_chip *chip = open_chip(f->edge_input + 6, path, sizeof(path), err);
	if (!chip)
		return -1;
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	char desc[400];
	snprintf(desc, sizeof(desc), "%s (%s)", info ? gpiod_chip_info_get_label(info) : "?", path);
	struct rig_chip_lines lines = {
		.chip = desc,
		.n_lines = info ? (unsigned)gpiod_chip_info_get_num_lines(info) : 0,
		.offset_of = chip_offset_of,
		.ctx = chip,
	};
	int r = rig_fixture_resolve_lines(f, &lines, err);
	if (info)
		gpiod_chip_info_free(info);
	gpiod_chip_close(chip);
	return r;
}

/* One line's state: 0 free, -1 missing or held (err says). */
static int probe_line(struct gpiod_chip *chip, const char *path, unsigned n_chip_lines,
		      const struct edge_input_line *l, FILE *out, struct rig_error *err)
{
	if (l->offset >= n_chip_lines) {
		fprintf(out, "  line %u: NOT ON THE CHIP (%s has %u lines)\n", l->offset, path,
			n_chip_lines);
		return rig_error_set(err, NULL, 0, "line %u is not on %s (%u lines)", l->offset, path,
				     n_chip_lines);
	}
	struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, l->offset);
	if (!info) {
		fprintf(out, "  line %u: cannot read its state: %s\n", l->offset, strerror(errno));
		return rig_error_set(err, NULL, 0, "line %u: %s", l->offset, strerror(errno));
	}
	const char *name = gpiod_line_info_get_name(info);
	bool used = gpiod_line_info_is_used(info);
	const char *consumer = gpiod_line_info_get_consumer(info);
	fprintf(out, "  line %u%s%s: %s%s%s\n", l->offset, name ? " " : "", name ? name : "",
		used ? "IN USE by " : "free", used ? (consumer ? consumer : "another program") : "",
		l->active_low ? " (active low)" : "");
	int r = used ? rig_error_set(err, NULL, 0, "line %u is in use by %s", l->offset,
				     consumer ? consumer : "another program")
		     : 0;
	gpiod_line_info_free(info);
	return r;
}

int edge_gpiod_probe(const char *args, const struct edge_input_line *lines, size_t n_lines,
		     FILE *out, struct rig_error *err)
{
	char path[300];
	struct gpiod_chip *chip = open_chip(args, path, sizeof(path), err);
	if (!chip)
		return -1;
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	unsigned n_chip = info ? (unsigned)gpiod_chip_info_get_num_lines(info) : 0;
	fprintf(out, "gpio chip %s: %s, label %s, %u lines\n", path,
		info ? gpiod_chip_info_get_name(info) : "?", info ? gpiod_chip_info_get_label(info) : "?",
		n_chip);
	if (info)
		gpiod_chip_info_free(info);
	int bad = 0;
	struct rig_error first = { 0 };
	for (size_t i = 0; i < n_lines; i++)
		if (probe_line(chip, path, n_chip, &lines[i], out, bad ? NULL : &first) < 0)
			bad++;
	gpiod_chip_close(chip);
	if (bad) {
		if (err)
			*err = first;
		return -1;
	}
	return 0;
}
