#include "rig/common/station_key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void station_key_dir(const char *db_path, char *buf, size_t len)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == db_path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - db_path), db_path);
}

void station_b64_encode(const uint8_t *bin, size_t n, char *out, size_t out_len)
{
	sodium_bin2base64(out, out_len, bin, n, sodium_base64_VARIANT_ORIGINAL);
}

int station_b64_decode(const char *b64, uint8_t *out, size_t out_len)
{
	size_t n = 0;
	if (sodium_base642bin(out, out_len, b64, strlen(b64), " \n\r", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return (int)n;
}

static int read_b64(const char *path, uint8_t *out, size_t want, struct rig_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rig_error_set(err, path, 0, "station key: %s", strerror(errno));
	char line[256] = "";
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	if (!ok || station_b64_decode(line, out, want) != (int)want)
		return rig_error_set(err, path, 0, "station key: not a base64 key of %zu bytes", want);
	return 0;
}

static int write_b64(const char *path, const uint8_t *bin, size_t n, mode_t mode, struct rig_error *err)
{
	char line[STATION_B64_LEN + 2];
	station_b64_encode(bin, n, line, sizeof(line) - 1);
	strcat(line, "\n");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0)
		return rig_error_set(err, path, 0, "station key: %s", strerror(errno));
	/* the exact mode, whatever the umask: the public half is for everyone */
	if (fchmod(fd, mode) < 0) {
		close(fd);
		unlink(path);
		return rig_error_set(err, path, 0, "station key: %s", strerror(errno));
	}
	ssize_t w = write(fd, line, strlen(line));
	int rc = fsync(fd);
	if (close(fd) < 0 || w != (ssize_t)strlen(line) || rc < 0) {
		unlink(path);
		return rig_error_set(err, path, 0, "station key: writing failed");
	}
	return 0;
}

int station_key_check_private(const char *path, struct rig_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return rig_error_set(err, path, 0, "station key: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return rig_error_set(err, path, 0, "station key: not a regular file");
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return rig_error_set(err, path, 0,
				     "station key: mode %04o lets others read or change the secret key;"
				     " not signing with it (chmod 600 it, or make a new one)",
				     (unsigned)(st.st_mode & 07777));
	return 0;
}

int station_key_load(const char *dir, struct station_key *ret, struct rig_error *err)
{
	if (sodium_init() < 0)
		return rig_error_set(err, NULL, 0, "libsodium failed to initialise");
	char path[512];
	snprintf(path, sizeof(path), "%s/station.key", dir);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return rig_error_set(err, path, 0,
				     "no station signing key: make it once with `rigctl --db %s/DATABASE key init`",
				     dir);
	if (station_key_check_private(path, err) < 0 || read_b64(path, ret->sk, STATION_SK_BYTES, err) < 0)
		return -1;
	/* The public key is the second half of libsodium's secret key. */
	crypto_sign_ed25519_sk_to_pk(ret->pk, ret->sk);
	station_b64_encode(ret->pk, STATION_PK_BYTES, ret->pk_b64, sizeof(ret->pk_b64));
	return 0;
}

int station_key_public(const char *dir, char ret_b64[STATION_B64_LEN], struct rig_error *err)
{
	char path[512];
	uint8_t pk[STATION_PK_BYTES];
	snprintf(path, sizeof(path), "%s/station.pub", dir);
	if (read_b64(path, pk, STATION_PK_BYTES, err) < 0)
		return -1;
	station_b64_encode(pk, STATION_PK_BYTES, ret_b64, STATION_B64_LEN);
	return 0;
}

int station_key_init(const char *dir, struct station_key *ret, struct rig_error *err)
{
	if (sodium_init() < 0)
		return rig_error_set(err, NULL, 0, "libsodium failed to initialise");
	char sk_path[512], pk_path[512];
	snprintf(sk_path, sizeof(sk_path), "%s/station.key", dir);
	snprintf(pk_path, sizeof(pk_path), "%s/station.pub", dir);
	if (access(sk_path, F_OK) == 0)
		return rig_error_set(err, sk_path, 0,
				     "station key: a key is there already; a station keeps its key"
				     " (remove it by hand to replace it: earlier certificates name the old one)");
	crypto_sign_keypair(ret->pk, ret->sk);
	/* O_EXCL with 0600: the secret is never readable by others, even for a moment. */
	if (write_b64(sk_path, ret->sk, STATION_SK_BYTES, 0600, err) < 0)
		return -1;
	unlink(pk_path);
	if (write_b64(pk_path, ret->pk, STATION_PK_BYTES, 0644, err) < 0)
		return -1;
	station_b64_encode(ret->pk, STATION_PK_BYTES, ret->pk_b64, sizeof(ret->pk_b64));
	return 0;
}

void station_key_sign(const struct station_key *k, const void *msg, size_t len,
		      uint8_t ret_sig[STATION_SIG_BYTES])
{
	crypto_sign_detached(ret_sig, NULL, msg, len, k->sk);
}

int station_key_verify(const uint8_t pk[STATION_PK_BYTES], const void *msg, size_t len,
		       const uint8_t sig[STATION_SIG_BYTES])
{
	if (sodium_init() < 0)
		return -1;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}
