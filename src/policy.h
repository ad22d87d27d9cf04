/* Network policy: the pure decision "may this host:port be reached?" (spec
 * srt-schema-cli.md section 5).  No I/O, no libevent.
 *
 *   struct policy *p = policy_new(&cfg->network);
 *   struct policy_result r;
 *   policy_decide(p, "Example.COM.", 443, &r);   r.allowed, r.reason, r.host
 *   policy_result_clear(&r); policy_free(p);
 */
#pragma once

#include "config.h"

#include <stdbool.h>

/* Fixed reasons (the spec's exact text). */
#define POLICY_REASON_MALFORMED "malformed host"
#define POLICY_REASON_DENY_LIST "host is on the deny list"
#define POLICY_REASON_NOT_ALLOWED "host is not on the allow list"
#define POLICY_REASON_BAD_PORT "invalid port"

struct policy;

struct policy_result {
	bool allowed;
	const char *reason; /* why (deny) or "allowed"; points into the policy or a constant */
	const char *rule;   /* the matching entry as written, or NULL */
	char *host;         /* canonical host (malloc'd), NULL when malformed */
	bool host_is_ip;    /* canonical host is an IPv4/IPv6 literal */
};

/* Compile the allow/deny lists.  Entries that do not follow the grammar
 * are skipped (config validation has already refused them). */
struct policy *policy_new(const struct net_settings *net);
void policy_free(struct policy *p);

/* Decide for one destination.  host may be bracketed IPv6.  Always fills
 * *ret (free with policy_result_clear) and returns ret->allowed. */
bool policy_decide(const struct policy *p, const char *host, int port, struct policy_result *ret);
void policy_result_clear(struct policy_result *r);

/* Canonical form of a destination host (spec 5 steps 1-2): the host
 * check of step 1 (1..255 chars, no '%', [A-Za-z0-9._-] or an IP literal;
 * brackets only around IPv6), then domain_canonical_host(): lowercase, one
 * trailing dot removed, IPv4 shorthands folded (127.1, 0x7f.1,
 * 2130706433), IPv6 compressed and unbracketed, v4-mapped IPv6 -> IPv4.
 * Returns 0 and *ret (malloc'd), or -1 for a malformed host.  *ret_is_ip
 * (may be NULL) tells whether the result is an IP literal. */
int policy_canonical_host(const char *host, char **ret, bool *ret_is_ip);

