#include "rig/common/safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* "DIR/.BASE.XXXXXXXX.tmp" with a random suffix, in the target's folder
 * (a rename across file systems would not be atomic). */
static int temp_name(const char *path, char *ret, size_t len)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)time(NULL) ^ (uint32_t)getpid() ^ (uint32_t)(uintptr_t)ret;
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	int n = snprintf(ret, len, "%.*s.%s.%08x.tmp", dir_len, path, base, r);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

FILE *safe_file_open(struct safe_file *sf, const char *path)
{
	memset(sf, 0, sizeof(*sf));
	if (strlen(path) >= sizeof(sf->path) || !path[0] || path[strlen(path) - 1] == '/') {
		errno = ENAMETOOLONG;
		return NULL;
	}
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	for (int attempt = 0; attempt < 16; attempt++) {
		if (temp_name(path, sf->tmp, sizeof(sf->tmp)) < 0)
			return NULL;
		int fd = open(sf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return NULL;
		}
		sf->f = fdopen(fd, "w");
		if (!sf->f) {
			int e = errno;
			close(fd);
			unlink(sf->tmp);
			errno = e;
		}
		return sf->f;
	}
	errno = EEXIST;
	return NULL;
}

int safe_file_close(struct safe_file *sf, int write_rc)
{
	if (!sf->f)
		return -1;
	int rc = write_rc < 0 ? -1 : 0;
	int e = 0;
	if (fflush(sf->f) != 0 || ferror(sf->f) || fsync(fileno(sf->f)) != 0) {
		e = errno;
		rc = -1;
	}
	if (fclose(sf->f) != 0 && rc == 0) {
		e = errno;
		rc = -1;
	}
	sf->f = NULL;
	if (rc == 0 && rename(sf->tmp, sf->path) < 0) {
		e = errno;
		rc = -1;
	}
	if (rc < 0) {
		unlink(sf->tmp);
		if (e)
			errno = e;
	}
	return rc;
}
