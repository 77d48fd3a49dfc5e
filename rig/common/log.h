/* Logging with levels to stderr. Under systemd (JOURNAL_STREAM set) each
 * line gets the sd-daemon "<N>" prefix so the journal keeps the level. */
#ifndef RIG_COMMON_LOG_H
#define RIG_COMMON_LOG_H

#include <stdio.h>

enum rig_log_level {
	RIG_LOG_ERR = 3,
	RIG_LOG_WARNING = 4,
	RIG_LOG_NOTICE = 5,
	RIG_LOG_INFO = 6,
	RIG_LOG_DEBUG = 7,
};

void rig_log_set_level(enum rig_log_level level);
enum rig_log_level rig_log_get_level(void);
/* Picks the "<N>" prefix when JOURNAL_STREAM is set; call once at start-up. */
void rig_log_init(const char *ident);
/* Where lines go (tests); NULL means stderr. */
void rig_log_set_stream(FILE *f);

/* "err", "warning", "notice", "info", "debug" (also "error", "warn"). */
int rig_log_level_parse(const char *name, enum rig_log_level *ret);
const char *rig_log_level_name(enum rig_log_level level);

void rig_log(enum rig_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) rig_log(RIG_LOG_ERR, __VA_ARGS__)
#define log_warn(...) rig_log(RIG_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) rig_log(RIG_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) rig_log(RIG_LOG_INFO, __VA_ARGS__)
#define log_debug(...) rig_log(RIG_LOG_DEBUG, __VA_ARGS__)

#endif
