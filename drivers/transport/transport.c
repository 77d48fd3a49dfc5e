/* Opens a transport by spec: the scheme before the first ':' picks the ops. */
#include "drivers/transport/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct transport_ops *const transport_table[] = {
	&transport_serial_ops,
	&transport_tcp_ops,
};

static const struct transport_ops *transport_find(const char *scheme, size_t len)
{
	for (size_t i = 0; i < sizeof(transport_table) / sizeof(transport_table[0]); i++) {
		const char *name = transport_table[i]->scheme;
		if (strlen(name) == len && strncmp(name, scheme, len) == 0)
			return transport_table[i];
	}
	return NULL;
}

struct transport *transport_open(const char *spec, struct rig_error *err)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;
	if (!colon) {
		rig_error_set(err, NULL, 0, "transport '%s': expected SCHEME:ARGS (serial:..., tcp:...)",
			      spec ? spec : "");
		return NULL;
	}
	const struct transport_ops *ops = transport_find(spec, (size_t)(colon - spec));
	if (!ops) {
		rig_error_set(err, NULL, 0, "transport '%s': unknown scheme '%.*s' (serial, tcp)", spec,
			      (int)(colon - spec), spec);
		return NULL;
	}
	if (strlen(spec) >= sizeof(((struct transport *)0)->spec)) {
		rig_error_set(err, NULL, 0, "transport '%.40s...': spec too long", spec);
		return NULL;
	}
	struct transport *t = calloc(1, sizeof(*t));
	if (!t) {
		rig_error_set(err, NULL, 0, "transport '%s': out of memory", spec);
		return NULL;
	}
	t->ops = ops;
	snprintf(t->spec, sizeof(t->spec), "%s", spec);
	if (ops->open(t, colon + 1, err) < 0) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->write_lock, NULL);
	return t;
}

void transport_close(struct transport *t)
{
	if (!t)
		return;
	t->ops->close(t);
	pthread_mutex_destroy(&t->write_lock);
	free(t);
}

int transport_write(struct transport *t, const void *buf, size_t len, struct rig_error *err)
{
	pthread_mutex_lock(&t->write_lock);
	int rc = t->ops->write(t, buf, len, err);
	pthread_mutex_unlock(&t->write_lock);
	return rc;
}
