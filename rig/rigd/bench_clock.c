#include "rig/rigd/bench_clock.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "rig/common/timeutil.h"

void bench_clock_init(struct bench_clock *c, double scale)
{
	c->scale = scale > 0 ? scale : 1.0;
	c->ref_real_ns = 0;
	c->ref_bench_ns = 0;
}

int64_t bench_clock_at(const struct bench_clock *c, int64_t real_ns)
{
	if (c->scale == 1.0 && c->ref_real_ns == c->ref_bench_ns)
		return real_ns;
	return c->ref_bench_ns + (int64_t)llround((double)(real_ns - c->ref_real_ns) * c->scale);
}

int64_t bench_clock_to_real(const struct bench_clock *c, int64_t bench_ns)
{
	if (bench_ns == INT64_MAX)
		return INT64_MAX;
	if (c->scale == 1.0 && c->ref_real_ns == c->ref_bench_ns)
		return bench_ns;
	double real = (double)c->ref_real_ns + (double)(bench_ns - c->ref_bench_ns) / c->scale;
	if (real >= 9.2e18)
		return INT64_MAX;
	return (int64_t)ceil(real);
}

int bench_clock_sync_sim(struct bench_clock *c, struct transport *tr, double timeout_s,
			 struct rig_error *err)
{
	static const char query[] = "SIM:TIME?\n";
	int64_t sent = rig_monotonic_ns();
	if (transport_write(tr, query, sizeof(query) - 1, err) < 0)
		return -1;
	char reply[64];
	size_t len = 0;
	int64_t until = sent + (int64_t)(timeout_s * 1e9);
	for (;;) {
		char *nl = memchr(reply, '\n', len);
		if (nl) {
			int64_t got = rig_monotonic_ns();
			*nl = '\0';
			char *end;
			errno = 0;
			long long t = strtoll(reply, &end, 10);
			if (errno || end == reply || (*end && *end != '\r'))
				return rig_error_set(err, NULL, 0,
						     "time_scale: SIM:TIME? answered \"%.40s\", not a time", reply);
			/* The reply was made about half way through the round trip. */
			c->ref_real_ns = sent + (got - sent) / 2;
			c->ref_bench_ns = (int64_t)t;
			return 0;
		}
		int64_t left = until - rig_monotonic_ns();
		if (left <= 0 || len == sizeof(reply))
			return rig_error_set(err, NULL, 0,
					     "time_scale is set but the source does not answer SIM:TIME? "
					     "(only the simulator runs faster than real time)");
		struct pollfd p = {.fd = tr->ops->fd(tr), .events = POLLIN};
		if (poll(&p, 1, (int)(left / 1000000) + 1) < 0 && errno != EINTR)
			return rig_error_set(err, NULL, 0, "poll: %s", strerror(errno));
		ssize_t n = tr->ops->read(tr, reply + len, sizeof(reply) - len, err);
		if (n < 0)
			return -1;
		len += (size_t)n;
	}
}
