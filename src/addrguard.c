/* Resolved-address guard.  Every address is kept as 16 bytes, IPv4 as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so one prefix matcher serves both. */
#include "addrguard.h"

#include "domain.h"
#include "util.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

struct cidr {
	unsigned char addr[16];
	int prefix; /* 0..128, in IPv6 bits */
	int port;   /* allowed literals only: 0 = any */
};

struct cidr_list {
	struct cidr *v;
	size_t n, cap;
};

struct addrguard {
	struct cidr_list denied;   /* deniedResolvedAddresses + deniedDomains literals */
	struct cidr_list own;      /* this host's interface addresses */
	struct cidr_list allowed;  /* allowedDomains IP literals */
};

static const unsigned char v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void cidr_push(struct cidr_list *l, const unsigned char addr[16], int prefix, int port)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memcpy(l->v[l->n].addr, addr, 16);
	l->v[l->n].prefix = prefix;
	l->v[l->n].port = port;
	l->n++;
}

static bool prefix_match(const unsigned char a[16], const unsigned char net[16], int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static bool list_match(const struct cidr_list *l, const unsigned char a[16], int port)
{
	for (size_t i = 0; i < l->n; i++)
		if (prefix_match(a, l->v[i].addr, l->v[i].prefix) && (!l->v[i].port || !port || l->v[i].port == port))
			return true;
	return false;
}

static int text_to_addr(const char *s, unsigned char out[16], bool *ret_v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4mapped_prefix, 12);
		memcpy(out + 12, &a4, 4);
		*ret_v4 = true;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*ret_v4 = memcmp(out, v4mapped_prefix, 12) == 0;
		return 0;
	}
	return -1;
}

int addrguard_parse_cidr(const char *text, int *ret_family, unsigned char ret_addr[16], int *ret_prefix)
{
	/* One grammar for config validation and the guard (domain.c). */
	if (ip_range_parse(text, ret_addr, ret_prefix) < 0)
		return -1;
	*ret_family = memcmp(ret_addr, v4mapped_prefix, 12) == 0 ? AF_INET : AF_INET6;
	return 0;
}

static int sockaddr_to_addr(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, v4mapped_prefix, 12);
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

struct range {
	const char *cidr;
	const char *class;
};

/* Order matters: metadata before link-local. */
static const struct range fixed_ranges[] = {
	{"169.254.169.254/32", "a cloud metadata address"},
	{"169.254.170.2/32", "a cloud metadata address"},
	{"100.100.100.200/32", "a cloud metadata address"},
	{"168.63.129.16/32", "a cloud metadata address"},
	{"fd00:ec2::254/128", "a cloud metadata address"},
	{"fd20:ce::254/128", "a cloud metadata address"}, /* GCP over IPv6 */
	{"127.0.0.0/8", "a loopback address"},
	{"::1/128", "a loopback address"},
	{"0.0.0.0/8", "an unspecified address"},
	{"::/128", "an unspecified address"},
	{"169.254.0.0/16", "a link-local address"},
	{"fe80::/10", "a link-local address"},
	{"224.0.0.0/4", "a multicast address"},
	{"ff00::/8", "a multicast address"},
	{"255.255.255.255/32", "a broadcast address"},
};

static const char *addr_class(const unsigned char a[16])
{
	for (size_t i = 0; i < sizeof(fixed_ranges) / sizeof(fixed_ranges[0]); i++) {
		unsigned char net[16];
		int fam, prefix;
		if (addrguard_parse_cidr(fixed_ranges[i].cidr, &fam, net, &prefix) == 0 && prefix_match(a, net, prefix))
			return fixed_ranges[i].class;
	}
	return NULL;
}

const char *addrguard_class(const struct sockaddr *sa)
{
	unsigned char a[16];

	if (sockaddr_to_addr(sa, a) < 0)
		return "an unsupported address";
	return addr_class(a);
}

static void add_literals(struct cidr_list *l, const strv *entries)
{
	for (size_t i = 0; i < entries->n; i++) {
		_cleanup_free_ char *host = NULL;
		unsigned char a[16];
		bool v4;
		int port;

		if (domain_entry_split(entries->v[i], &host, &port) < 0)
			continue;
		if (text_to_addr(host, a, &v4) == 0)
			cidr_push(l, a, 128, port);
	}
}

static void add_host_addrs(struct cidr_list *l)
{
	struct ifaddrs *ifa, *it;

	if (getifaddrs(&ifa) < 0)
		return;
	for (it = ifa; it; it = it->ifa_next) {
		unsigned char a[16];
		if (it->ifa_addr && sockaddr_to_addr(it->ifa_addr, a) == 0)
			cidr_push(l, a, 128, 0);
	}
	freeifaddrs(ifa);
}

struct addrguard *addrguard_new(const struct net_settings *net, bool with_host_addrs, char **ret_err)
{
	struct addrguard *g = xcalloc(1, sizeof(*g));

	for (size_t i = 0; i < net->denied_resolved_addresses.n; i++) {
		unsigned char a[16];
		int fam, prefix;
		if (addrguard_parse_cidr(net->denied_resolved_addresses.v[i], &fam, a, &prefix) < 0) {
			*ret_err = xasprintf("network.deniedResolvedAddresses: not an IP address or CIDR: %s",
					     net->denied_resolved_addresses.v[i]);
			addrguard_free(g);
			return NULL;
		}
		cidr_push(&g->denied, a, prefix, 0);
	}
	add_literals(&g->denied, &net->denied_domains);
	for (size_t i = 0; i < g->denied.n; i++)
		g->denied.v[i].port = 0; /* a denied literal is denied on every port */
	add_literals(&g->allowed, &net->allowed_domains);
	if (with_host_addrs)
		add_host_addrs(&g->own);
	return g;
}

void addrguard_free(struct addrguard *g)
{
	if (!g)
		return;
	free(g->denied.v);
	free(g->own.v);
	free(g->allowed.v);
	free(g);
}

static bool is_localhost_name(const char *host)
{
	return strcmp(host, "localhost") == 0 || str_has_suffix(host, ".localhost");
}

const char *addrguard_check(const struct addrguard *g, const char *host, int port, const struct sockaddr *sa)
{
	unsigned char a[16];
	const char *cls;

	if (sockaddr_to_addr(sa, a) < 0)
		return "an unsupported address";
	cls = addr_class(a);
	/* Denied addresses first: an allowed localhost does not reach them. */
	if (list_match(&g->denied, a, 0))
		return "a denied address";
	if (is_localhost_name(host))
		return cls && strcmp(cls, "a loopback address") == 0 ? NULL : "a non-loopback address";
	if (list_match(&g->allowed, a, port))
		return NULL;
	if (cls)
		return cls;
	if (list_match(&g->own, a, 0))
		return "this host's own address";
	return NULL;
}
