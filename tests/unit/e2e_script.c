#include "tests/unit/e2e_script.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void run_e2e_script(const char *script, const char *name)
{
	const char *top = getenv("RIG_TOP") ? getenv("RIG_TOP") : ".";
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/tests/e2e/%s %s 2>&1", top, script, name);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	static char out[1 << 16];
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ck_assert_msg(rc == 0, "%s %s exited %d:\n%s", script, name, rc,
		      n > 3000 ? out + n - 3000 : out);
	char ok[128];
	snprintf(ok, sizeof(ok), "%s %s: ok", script, name);
	ck_assert_msg(strstr(out, ok) != NULL, "%s %s did not finish:\n%s", script, name, out);
}
