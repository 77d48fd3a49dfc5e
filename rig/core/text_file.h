/* Reads a whole (small) text file into memory: the one bit of I/O behind
 * rig_profile_load and rig_fixture_load. */
#ifndef RIG_CORE_TEXT_FILE_H
#define RIG_CORE_TEXT_FILE_H

#include <stddef.h>

#include "rig/core/error.h"

/* Files larger than this are refused: profiles and fixtures are a few KiB. */
#define RIG_TEXT_FILE_MAX (1024 * 1024)

/* A file with a NUL byte is refused (path:line). On success *ret_text is malloc'd, NUL-terminated (the caller frees it) and
 * *ret_len is its length without the NUL. */
int rig_text_file_read(const char *path, char **ret_text, size_t *ret_len,
		       struct rig_error *err);

#endif
