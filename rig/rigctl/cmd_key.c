/* `rigctl key init|show`: the station's Ed25519 signing key, in the
 * database's directory (rig/common/station_key.h). Made once, at install,
 * by the user rigd runs as; rigd refuses to start without it and nothing
 * signs with a secret key that others may read. */
#include "rig/rigctl/commands.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rig/common/station_key.h"

static int key_init(const char *dir)
{
	struct station_key key;
	struct rig_error err = {0};
	char buf[800];
	if (station_key_init(dir, &key, &err) < 0) {
		fprintf(stderr, "rigctl: key init: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		return RIGCTL_EXIT_ERROR;
	}
	sodium_memzero(key.sk, sizeof(key.sk));
	printf("station key made: %s/station.key (mode 0600, keep it secret), %s/station.pub\n", dir, dir);
	printf("public key: %s\n", key.pk_b64);
	return RIGCTL_EXIT_PASS;
}

static int key_show(const char *dir)
{
	char pk[STATION_B64_LEN], path[600], buf[800];
	struct rig_error err = {0};
	if (station_key_public(dir, pk, &err) < 0) {
		fprintf(stderr, "rigctl: key show: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		return RIGCTL_EXIT_ERROR;
	}
	printf("public key: %s\n", pk);
	snprintf(path, sizeof(path), "%s/station.key", dir);
	if (station_key_check_private(path, &err) < 0) {
		fprintf(stderr, "rigctl: key show: %s\n", rig_error_format(&err, buf, sizeof(buf)));
		return RIGCTL_EXIT_FAIL;
	}
	printf("secret key: %s, readable by its owner only\n", path);
	return RIGCTL_EXIT_PASS;
}

int cmd_key(const struct rigctl_args *a, const struct rigctl_env *env)
{
	char dir[512];
	station_key_dir(env->db, dir, sizeof(dir));
	return strcmp(a->key_action, "init") == 0 ? key_init(dir) : key_show(dir);
}
