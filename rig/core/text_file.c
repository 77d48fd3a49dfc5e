#include "rig/core/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rig_text_file_read(const char *path, char **ret_text, size_t *ret_len,
		       struct rig_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return rig_error_set(err, path, 0, "cannot open: %s", strerror(errno));
	char *buf = malloc(RIG_TEXT_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return rig_error_set(err, path, 0, "out of memory");
	}
	size_t n = fread(buf, 1, RIG_TEXT_FILE_MAX + 1, f);
	int failed = ferror(f);
	fclose(f);
	if (failed || n > RIG_TEXT_FILE_MAX) {
		free(buf);
		return rig_error_set(err, path, 0, failed ? "read error" :
				     "file is larger than %d bytes", RIG_TEXT_FILE_MAX);
	}
	/* A NUL would end the text early for any C string function: refuse
	 * the file, naming the line, whatever parser comes next. */
	const char *nul = memchr(buf, '\0', n);
	if (nul) {
		int line = 1;
		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		free(buf);
		return rig_error_set(err, path, line, "NUL byte: not a text file");
	}
	buf[n] = '\0';
	*ret_text = buf;
	*ret_len = n;
	return 0;
}
