/* The names the panel answers to. A browser sends the name it was given
 * in the Host header; a page of another site that points its own name at
 * this address (DNS rebinding) sends that name, and is refused: only
 * localhost, the loopback and listening addresses, this machine's name
 * and addresses, and the names in http_hosts are served. */
#include "rig/rigd/panel_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rig/common/log.h"

/* false when the name could not be kept (too long, or the list full) */
static bool add_host(struct panel *p, const char *name, size_t len)
{
	while (len && name[len - 1] == '.')
		len--;
	if (!len)
		return true;
	if (len >= PANEL_HOST_LEN || p->n_hosts == PANEL_MAX_HOSTS)
		return false;
	snprintf(p->hosts[p->n_hosts++], PANEL_HOST_LEN, "%.*s", (int)len, name);
	return true;
}

/* http_hosts before the machine's own addresses, so many interfaces
 * cannot crowd a configured name out; one that is dropped is said. */
static void add_configured(struct panel *p, const char *configured)
{
	for (const char *s = configured ? configured : ""; *s;) {
		s += strspn(s, " \t,");
		size_t len = strcspn(s, " \t,");
		if (!add_host(p, s, len))
			log_warn("panel: http_hosts name %.*s not served: longer than %d characters"
				 " or more than %d names", (int)len, s, PANEL_HOST_LEN - 1,
				 PANEL_MAX_HOSTS);
		s += len;
	}
}

static void add_address(struct panel *p, const struct sockaddr *sa)
{
	char text[INET6_ADDRSTRLEN + 2];
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof(text));
	} else if (sa->sa_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
		snprintf(text, sizeof(text), "[%s]", a);
	} else {
		return;
	}
	if (!add_host(p, text, strlen(text)))
		log_notice("panel: address %s not served by name: more than %d names", text,
			   PANEL_MAX_HOSTS);
}

static bool wildcard(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET)
		return ((const struct sockaddr_in *)addr)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)addr)->sin6_addr);
}

void panel_hosts_init(struct panel *p, const char *configured,
		      const struct sockaddr_storage *addr)
{
	static const char *const local[] = {"localhost", "127.0.0.1", "[::1]"};
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		add_host(p, local[i], strlen(local[i]));
	char name[256];
	if (gethostname(name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = '\0';
		add_host(p, name, strlen(name));
		add_host(p, name, strcspn(name, "."));	/* its short form */
	}
	add_configured(p, configured);
	if (!wildcard(addr)) {
		add_address(p, (const struct sockaddr *)addr);
	} else {
		/* on every address: each of this machine's */
		struct ifaddrs *ifs = NULL;
		if (getifaddrs(&ifs) == 0)
			for (const struct ifaddrs *i = ifs; i; i = i->ifa_next)
				if (i->ifa_addr)
					add_address(p, i->ifa_addr);
		freeifaddrs(ifs);
	}
}

bool panel_host_ok(const struct panel *p, const char *host)
{
	if (!host)
		return false;
	/* the name without its port: "[::1]:8080", "bench7:8080", "bench7" */
	size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (host[0] == '[' && host[len - 1] != ']')
		return false;
	const char *port = host + len;
	if (*port && (*port != ':' || strspn(port + 1, "0123456789") != strlen(port + 1)))
		return false;
	while (len && host[len - 1] == '.')
		len--;
	for (int i = 0; i < p->n_hosts; i++)
		if (strlen(p->hosts[i]) == len && strncasecmp(p->hosts[i], host, len) == 0)
			return true;
	return false;
}
