/* Domain entry grammar (spec 1.6) and host canonicalisation (spec 5).
 * Pure: no I/O. */
#pragma once

#include <stdbool.h>

enum domain_entry_kind {
	DOMAIN_ALLOW,    /* allowedDomains: no bare "*" */
	DOMAIN_DENY,     /* deniedDomains: bare "*" and "*:port" allowed */
	DOMAIN_HOSTONLY, /* mitmProxy.domains etc.: no port, no "*" */
};

/* Validate one entry.  Returns true, or false with *ret_err (malloc'd)
 * set to the message ("Invalid domain pattern. Must be a valid domain
 * (e.g., \"example.com\")..."). */
bool domain_entry_validate(const char *entry, enum domain_entry_kind kind, char **ret_err);

/* Split a validated entry into host pattern and port (0 = any port).
 * A bracketed IPv6 host is returned unbracketed and canonical (zone
 * dropped, IPv4-mapped as dotted quad); other hosts are returned as
 * written ("*" for the deny-all entry).  Returns 0, or -1 (outputs left
 * untouched) when the host part does not follow the grammar.  Validate
 * with domain_entry_validate() first: split does not apply the per-kind
 * rules (bracketing, bare "*"). */
int domain_entry_split(const char *entry, char **ret_host, int *ret_port);

/* The three messages (zod wording of upstream). */
#define DOMAIN_PATTERN_MESSAGE                                                                    \
	"Invalid domain pattern. Must be a valid domain (e.g., \"example.com\"), a wildcard "   \
	"(e.g., \"*.example.com\"), or a bracketed IPv6 literal (e.g., \"[::1]\", "             \
	"\"[2001:db8::1]:443\"). Overly broad patterns like \"*.com\" or \"*\" are not allowed " \
	"for security reasons."
#define DOMAIN_ALLOW_MESSAGE                                                                      \
	DOMAIN_PATTERN_MESSAGE " An optional \":port\" suffix (1-65535) restricts the entry to that port."
#define DOMAIN_DENY_MESSAGE                                                                       \
	DOMAIN_PATTERN_MESSAGE " In deniedDomains a bare \"*\" (deny-all) is also accepted, and an " \
			       "optional \":port\" suffix (1-65535) restricts the entry to that port."

/* Host part of an entry, no port (upstream isValidDomainPattern): an IPv6
 * literal (unbracketed, zone allowed), "localhost", "*.a.b", or a name
 * with a dot that neither starts nor ends with one. */
bool domain_host_pattern_valid(const char *host);

/* Case-insensitive match of a host against a host pattern without port:
 * "*" matches all, "*.base" strict subdomains of base (never an IP
 * literal), anything else exact equality. */
bool domain_pattern_matches(const char *host, const char *pattern);

/* Host canonicalisation as a URL parser does it (lowercase, IPv4
 * shorthand folded, IPv6 compressed and unbracketed, IPv4-mapped IPv6 as
 * IPv4, one trailing dot removed).  NULL if the host is unparseable. */
char *domain_canonical_host(const char *host);

/* Strict IP literal checks (node's net.isIP): dotted quad without leading
 * zeros; IPv6 unbracketed, optional "%zone". */
bool ip_is_v4(const char *s);
bool ip_is_v6(const char *s);

/* An IP literal or CIDR range (network.deniedResolvedAddresses): IPv4 or
 * IPv6 (a "%zone" is dropped), optional "/prefix" of 1-3 digits up to 32
 * or 128; an IPv4-mapped IPv6 range needs a prefix of 96 or more.  The
 * address comes back as 16 bytes (IPv4 v4-mapped, its prefix + 96).
 * Returns 0, or -1 when text is none of these. */
int ip_range_parse(const char *text, unsigned char ret_addr[16], int *ret_prefix);
