#include "rig/core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rig_error_set(struct rig_error *err, const char *file, int line, const char *fmt, ...)
{
	if (!err)
		return -1;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *rig_error_format(const struct rig_error *err, char *buf, size_t len)
{
	if (err->file[0] && err->line > 0)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}
