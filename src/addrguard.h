/* Resolved-address guard (spec 5, "New since v21"): an allowed *hostname*
 * must not resolve to an address srt refuses to dial (loopback,
 * unspecified, link-local, multicast, broadcast, cloud metadata, this
 * host's own interface addresses, deniedDomains IP literals,
 * network.deniedResolvedAddresses) unless that address is itself allowed
 * as a literal.  `localhost` may resolve only to loopback.  IP-literal
 * requests are not re-judged. */
#pragma once

#include "config.h"

#include <stdbool.h>
#include <sys/socket.h>

struct addrguard;

/* Compile the guard.  with_host_addrs: also refuse this host's own
 * interface addresses (getifaddrs).  Returns NULL with *ret_err when a
 * deniedResolvedAddresses entry is not an IP literal or CIDR. */
struct addrguard *addrguard_new(const struct net_settings *net, bool with_host_addrs, char **ret_err);
void addrguard_free(struct addrguard *g);

/* Check one resolved address for a connection to canonical host `host`
 * and `port`.  Returns NULL when it may be dialled, else the class text
 * used in "resolved to <class>" (e.g. "a loopback address"). */
const char *addrguard_check(const struct addrguard *g, const char *host, int port, const struct sockaddr *sa);

/* Class of an address by its range alone (no lists): NULL for an ordinary
 * address.  Exposed for tests. */
const char *addrguard_class(const struct sockaddr *sa);

/* Parse "1.2.3.4", "10.0.0.0/8", "::1", "fe80::/10" into a sockaddr-free
 * form for tests: returns 0 when text is a valid IP or CIDR. */
int addrguard_parse_cidr(const char *text, int *ret_family, unsigned char ret_addr[16], int *ret_prefix);
