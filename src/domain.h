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
 * A bracketed IPv6 host is returned unbracketed and canonical.  Returns
 * 0 or -1 when the entry does not follow the grammar. */
int domain_entry_split(const char *entry, char **ret_host, int *ret_port);
