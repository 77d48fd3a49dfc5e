#include "rig/common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Set on SIGHUP while the dead-man thread may log: atomic. */
static _Atomic enum rig_log_level current_level = RIG_LOG_INFO;
static bool journal_prefix;
static char log_ident[32] = "rig";
static FILE *log_stream;

void rig_log_set_level(enum rig_log_level level) { current_level = level; }
enum rig_log_level rig_log_get_level(void) { return current_level; }
void rig_log_set_stream(FILE *f) { log_stream = f; }

void rig_log_init(const char *ident)
{
	if (ident)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	const char *js = getenv("JOURNAL_STREAM");
	journal_prefix = js && *js;
}

static const struct {
	const char *name;
	enum rig_log_level level;
} level_names[] = {
	{"err", RIG_LOG_ERR},	  {"error", RIG_LOG_ERR},     {"warning", RIG_LOG_WARNING},
	{"warn", RIG_LOG_WARNING}, {"notice", RIG_LOG_NOTICE}, {"info", RIG_LOG_INFO},
	{"debug", RIG_LOG_DEBUG},
};

int rig_log_level_parse(const char *name, enum rig_log_level *ret)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i].name) == 0) {
			*ret = level_names[i].level;
			return 0;
		}
	}
	return -1;
}

const char *rig_log_level_name(enum rig_log_level level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	return "?";
}

void rig_log(enum rig_log_level level, const char *fmt, ...)
{
	if (level > current_level)
		return;
	FILE *out = log_stream ? log_stream : stderr;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One message, one line: a name or reason typed into the panel or sent
	 * on the control socket cannot start a forged line of its own. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			*c = '?';
	/* One fprintf per line so concurrent writers do not interleave mid-line. */
	if (journal_prefix)
		fprintf(out, "<%d>%s\n", (int)level, line);
	else
		fprintf(out, "%s: %s: %s\n", log_ident, rig_log_level_name(level), line);
	fflush(out);
}
