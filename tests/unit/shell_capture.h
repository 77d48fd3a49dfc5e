/* A shell command line run by a test: its exit code, with its output
 * (stdout and stderr) in test_sh_out; and the rigctl under test. */
#ifndef TESTS_UNIT_SHELL_CAPTURE_H
#define TESTS_UNIT_SHELL_CAPTURE_H

extern char test_sh_out[65536];

int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* $RIG_BIN/rigctl, build/san/rigctl without RIG_BIN */
const char *test_rigctl_path(void);

#endif
