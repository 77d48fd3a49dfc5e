/* Writing a file whole or not at all, safely in a shared folder: the
 * content goes to a new temporary beside the target (created with
 * O_CREAT|O_EXCL|O_NOFOLLOW under a random name, so a file or symlink
 * someone planted there is never opened or followed), is synced, then
 * renamed over the target. A reader sees the old file or the new one. */
#ifndef RIG_COMMON_SAFE_FILE_H
#define RIG_COMMON_SAFE_FILE_H

#include <stdio.h>

struct safe_file {
	FILE *f;
	char tmp[4200];
	char path[4096];
};

/* Opens the temporary; NULL with errno set. */
FILE *safe_file_open(struct safe_file *sf, const char *path);
/* Flushes, syncs, closes and renames: 0, or -1 with errno (the temporary
 * is removed). write_rc < 0 (the writer failed) discards instead. */
int safe_file_close(struct safe_file *sf, int write_rc);

#endif
