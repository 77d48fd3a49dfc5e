/* `rigctl verify`: a signed certificate against the database, or the
 * database's hash chain of sealed runs. Read-only. Exit 0 when valid, 1
 * when something differs, 4 when it cannot be checked. */
#include "rig/rigctl/commands.h"

#include <stdio.h>
#include <string.h>

#include "rig/common/station_key.h"
#include "reports/cert_sign.h"
#include "rig/store/seal.h"
#include "rig/store/store.h"

static void print_problem(const char *problem, void *ctx)
{
	(void)ctx;
	printf("chain: %s\n", problem);
}

static int verify_chain(struct store *db, const char *path)
{
	struct store_chain_report r;
	struct rig_error err = {0};
	if (store_verify_chain(db, print_problem, NULL, &r, &err) < 0) {
		fprintf(stderr, "rigctl: verify: %s\n", err.msg);
		return RIGCTL_EXIT_ERROR;
	}
	/* The station's own public key, when beside the database: a head
	 * signed by another key (stations rewritten to match) shows here. */
	char dir[512], pub[STATION_B64_LEN];
	struct rig_error ignore = {0};
	station_key_dir(path, dir, sizeof(dir));
	if (r.head_signed && station_key_public(dir, pub, &ignore) == 0 && strcmp(pub, r.head_key) != 0) {
		printf("chain: the head is signed by %s, not by this station's key %s (%s/station.pub)\n",
		       r.head_key, pub, dir);
		r.problems++;
	}
	printf("%s: %s: %d sealed run(s) walked, %d problem(s)", path, r.problems ? "NOT VALID" : "valid",
	       r.sealed, r.problems);
	if (r.unsealed_before)
		printf("; %d run(s) from before sealing began", r.unsealed_before);
	if (r.head_signed)
		printf("; head seal #%lld signed by %s", r.head_seq, r.head_key);
	else if (r.sealed)
		printf("; no signed head (sealed before heads began: a removed newest run would not show)");
	printf("\n");
	return r.problems ? RIGCTL_EXIT_FAIL : RIGCTL_EXIT_PASS;
}

int cmd_verify(const struct rigctl_args *a, const struct rigctl_env *env)
{
	struct rig_error err = {0};
	struct store *db = store_open_readonly(env->db, &err);
	if (!db) {
		char buf[800];
		fprintf(stderr, "rigctl: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		return RIGCTL_EXIT_ERROR;
	}
	int rc;
	if (!a->file) {
		rc = verify_chain(db, env->db);
	} else {
		int v = cert_verify_pdf(db, a->file, stdout, &err);
		if (v < 0) {
			char buf[800];
			fprintf(stderr, "rigctl: verify: %s\n", rig_error_format(&err, buf, sizeof(buf)));
			rc = RIGCTL_EXIT_ERROR;
		} else {
			if (v > 0)
				printf("%s: NOT VALID\n", a->file);
			rc = v ? RIGCTL_EXIT_FAIL : RIGCTL_EXIT_PASS;
		}
	}
	store_close(db);
	return rc;
}
