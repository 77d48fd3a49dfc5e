#include "rig/core/ini.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rig_ini_init(struct rig_ini *ini, const char *text, size_t len, const char *file)
{
	ini->text = text;
	ini->len = len;
	ini->pos = 0;
	ini->line = 0;
	ini->file = file ? file : "";
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Drops an inline comment: ';' or '#' at the start or after whitespace. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Copies the next line into buf; checks it is text. 1, 0 at end, -1. */
static int read_line(struct rig_ini *ini, char *buf, struct rig_error *err)
{
	if (ini->pos >= ini->len)
		return 0;
	ini->line++;
	size_t n = 0;
	while (ini->pos < ini->len && ini->text[ini->pos] != '\n') {
		unsigned char c = (unsigned char)ini->text[ini->pos++];
		if (c == 0 || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return rig_error_set(err, ini->file, ini->line,
					     "binary data (byte 0x%02x): not a text file", c);
		if (n + 1 >= RIG_INI_LINE_MAX)
			return rig_error_set(err, ini->file, ini->line,
					     "line longer than %d characters", RIG_INI_LINE_MAX - 1);
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	ini->pos++;	/* the newline */
	return 1;
}

static int parse_section(struct rig_ini *ini, char *s, struct rig_ini_item *ret,
			 struct rig_error *err)
{
	char *close = strchr(s, ']');
	if (!close)
		return rig_error_set(err, ini->file, ini->line,
				     "section header is missing its closing ']'");
	if (*trim(close + 1))
		return rig_error_set(err, ini->file, ini->line,
				     "unexpected text after ']': '%s'", trim(close + 1));
	*close = '\0';
	char *name = trim(s + 1);
	char *space = strpbrk(name, " \t");
	char *arg = "";
	if (space) {
		*space = '\0';
		arg = trim(space + 1);
	}
	if (!is_word(name) || strlen(name) >= RIG_INI_WORD_MAX)
		return rig_error_set(err, ini->file, ini->line, "bad section name '%s'", name);
	if (*arg && (!is_word(arg) || strlen(arg) >= RIG_INI_WORD_MAX))
		return rig_error_set(err, ini->file, ini->line,
				     "bad name '%s' in [%s ...] (letters, digits, - _ . ; at most %d)",
				     arg, name, RIG_INI_WORD_MAX - 1);
	ret->kind = RIG_INI_SECTION;
	snprintf(ret->section, sizeof(ret->section), "%s", name);
	lower(ret->section);
	snprintf(ret->arg, sizeof(ret->arg), "%s", arg);
	return 1;
}

static int parse_key(struct rig_ini *ini, char *s, struct rig_ini_item *ret,
		     struct rig_error *err)
{
	char *eq = strchr(s, '=');
	if (!eq)
		return rig_error_set(err, ini->file, ini->line,
				     "expected 'key = value' or '[section]', got '%s'", s);
	*eq = '\0';
	char *key = trim(s);
	char *value = trim(eq + 1);
	if (!is_word(key) || strlen(key) >= RIG_INI_WORD_MAX)
		return rig_error_set(err, ini->file, ini->line, "bad key name '%s'", key);
	if (!*value)
		return rig_error_set(err, ini->file, ini->line, "'%s' has no value", key);
	ret->kind = RIG_INI_KEY;
	snprintf(ret->key, sizeof(ret->key), "%s", key);
	lower(ret->key);
	snprintf(ret->value, sizeof(ret->value), "%s", value);
	return 1;
}

int rig_ini_next(struct rig_ini *ini, struct rig_ini_item *ret, struct rig_error *err)
{
	char buf[RIG_INI_LINE_MAX];
	for (;;) {
		int r = read_line(ini, buf, err);
		if (r <= 0)
			return r;
		strip_comment(buf);
		char *s = trim(buf);
		if (!*s)
			continue;
		memset(ret, 0, sizeof(*ret));
		ret->line = ini->line;
		if (*s == '[')
			return parse_section(ini, s, ret, err);
		return parse_key(ini, s, ret, err);
	}
}

struct unit_scale {
	const char *base;
	const char *name;
	double scale;
};

static const struct unit_scale unit_scales[] = {
	{ "s", "s", 1 }, { "s", "ms", 1e-3 }, { "s", "us", 1e-6 },
	{ "A", "A", 1 }, { "A", "mA", 1e-3 },
};

static bool unit_scale_of(const char *unit, const char *written, double *ret_scale)
{
	for (size_t i = 0; i < sizeof(unit_scales) / sizeof(unit_scales[0]); i++)
		if (!strcmp(unit_scales[i].base, unit) && !strcmp(unit_scales[i].name, written)) {
			*ret_scale = unit_scales[i].scale;
			return true;
		}
	if (!strcasecmp(unit, written)) {	/* V, Hz, %, and "hz" as people type it */
		*ret_scale = 1;
		return true;
	}
	return false;
}

int rig_ini_number(const struct rig_ini_item *item, const char *file, const char *unit,
		   double *ret, struct rig_error *err)
{
	const char *s = item->value;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		return rig_error_set(err, file, item->line, "%s: '%s' is not a number",
				     item->key, s);
	while (*end == ' ' || *end == '\t')
		end++;
	double scale = 1;
	if (*end && (!unit || !unit_scale_of(unit, end, &scale)))
		return rig_error_set(err, file, item->line, "%s: unit '%s' is not %s%s",
				     item->key, end, unit ? unit : "expected (plain number)",
				     unit && (!strcmp(unit, "s") || !strcmp(unit, "A")) ?
				     (!strcmp(unit, "s") ? " (or ms, us)" : " (or mA)") : "");
	*ret = v * scale;
	return 0;
}

int rig_ini_int(const struct rig_ini_item *item, const char *file, int *ret,
		struct rig_error *err)
{
	char *end;
	errno = 0;
	long v = strtol(item->value, &end, 10);
	if (end == item->value || *end || errno || v < -1000000 || v > 1000000)
		return rig_error_set(err, file, item->line, "%s: '%s' is not a whole number",
				     item->key, item->value);
	*ret = (int)v;
	return 0;
}

int rig_ini_choice(const struct rig_ini_item *item, const char *file,
		   const char *const *words, int *ret, struct rig_error *err)
{
	char accepted[256] = "";
	for (int i = 0; words[i]; i++) {
		if (!strcasecmp(item->value, words[i])) {
			*ret = i;
			return 0;
		}
		size_t n = strlen(accepted);
		snprintf(accepted + n, sizeof(accepted) - n, "%s%s", i ? " | " : "", words[i]);
	}
	return rig_error_set(err, file, item->line, "%s: '%s' is not one of %s",
			     item->key, item->value, accepted);
}

int rig_ini_string(const struct rig_ini_item *item, const char *file, char *dst,
		   size_t dst_len, struct rig_error *err)
{
	if (strlen(item->value) >= dst_len)
		return rig_error_set(err, file, item->line, "%s: longer than %zu characters",
				     item->key, dst_len - 1);
	snprintf(dst, dst_len, "%s", item->value);
	return 0;
}
