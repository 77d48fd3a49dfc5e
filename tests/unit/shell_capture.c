/* Shell command lines run by tests (shell_capture.h). */
#include "shell_capture.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

char test_sh_out[65536];

int test_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(test_sh_out, 1, sizeof(test_sh_out) - 1, p);
	test_sh_out[n] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *test_rigctl_path(void)
{
	static char path[512];
	const char *bin = getenv("RIG_BIN");
	snprintf(path, sizeof(path), "%s/rigctl", bin ? bin : "build/san");
	return path;
}
