/* Fuzz the domain grammar, the host canonicaliser and the matcher.
 * Input: lines.  Line 1 is a destination host, line 2 a port (decimal),
 * every further line a list entry: "+entry" allow, "-entry" deny, other
 * lines are tried with every entry kind.
 * Invariants: a valid allow/deny entry always splits; a canonical host is canonical
 * again (idempotent) and an IP literal by ip_is_v4/ip_is_v6 exactly when
 * the canonicaliser says so (spec 5 removes one trailing dot only: a
 * host still ending in a dot is checked to be never allowed); the verdict for the raw host equals the one
 * for its canonical form; with the allow list also as deny list nothing
 * is allowed; with no allow entries nothing is allowed; an allowed
 * verdict names a canonical host and a rule. */
#include "domain.h"
#include "fuzz.h"
#include "policy.h"

#include <string.h>

static void check_entry(const char *e)
{
	static const enum domain_entry_kind kinds[] = {DOMAIN_ALLOW, DOMAIN_DENY, DOMAIN_HOSTONLY};

	for (size_t k = 0; k < 3; k++) {
		char *err = NULL, *host = NULL;
		int port = -1;
		if (!domain_entry_validate(e, kinds[k], &err)) {
			FUZZ_ASSERT(err && *err);
			free(err);
			continue;
		}
		FUZZ_ASSERT(!err);
		if (kinds[k] == DOMAIN_HOSTONLY) {
			/* Host lists take upstream's host grammar as is ("[x.com]"
			 * passes it and matches nothing); no port split. */
			FUZZ_ASSERT(domain_host_pattern_valid(e));
			continue;
		}
		FUZZ_ASSERT(domain_entry_split(e, &host, &port) == 0);
		FUZZ_ASSERT(host && port >= 0 && port <= 65535);
		(void)domain_pattern_matches(host, host);
		free(host);
	}
	(void)domain_host_pattern_valid(e);
	unsigned char addr[16];
	int prefix;
	if (ip_range_parse(e, addr, &prefix) == 0)
		FUZZ_ASSERT(prefix >= 0 && prefix <= 128);
}

static void check_canonical(const char *host)
{
	char *c = NULL, *c2 = NULL;
	bool is_ip = false, is_ip2 = false;

	if (policy_canonical_host(host, &c, &is_ip) < 0) {
		FUZZ_ASSERT(!c);
		return;
	}
	FUZZ_ASSERT(c && *c);
	FUZZ_ASSERT(is_ip == (ip_is_v4(c) || ip_is_v6(c)));
	if (c[strlen(c) - 1] == '.') {
		/* Spec 5: one trailing dot is removed, so "a.com.." stays
		 * "a.com." (not a fixed point; LLVMFuzzerTestOneInput checks
		 * that such a host is never allowed). */
		FUZZ_ASSERT(!is_ip);
		free(c);
		return;
	}
	if (policy_canonical_host(c, &c2, &is_ip2) < 0) {
		/* A bare IPv6 literal is accepted again when bracketed. */
		FUZZ_ASSERT(!"canonical host is accepted again");
	}
	if (strcmp(c, c2) != 0) {
		fprintf(stderr, "host %s -> %s -> %s\n", host, c, c2);
		FUZZ_ASSERT(!"canonicalisation is idempotent");
	}
	FUZZ_ASSERT(is_ip == is_ip2);
	free(c2);
	free(c);
	/* The URL-level canonicaliser is idempotent too (up to the trailing dot). */
	c = domain_canonical_host(host);
	if (c && *c && c[strlen(c) - 1] != '.') {
		c2 = domain_canonical_host(c);
		FUZZ_ASSERT(c2 && strcmp(c, c2) == 0);
		free(c2);
	}
	free(c);
}

static bool decide(const struct net_settings *net, const char *host, int port, char **ret_host)
{
	struct policy *p = policy_new(net);
	struct policy_result r;
	bool ok = policy_decide(p, host, port, &r);

	FUZZ_ASSERT(r.reason);
	if (ok) {
		FUZZ_ASSERT(r.host && r.rule);
		FUZZ_ASSERT(r.host_is_ip == (ip_is_v4(r.host) || ip_is_v6(r.host)));
	}
	if (ret_host)
		*ret_host = r.host ? strdup(r.host) : NULL;
	policy_result_clear(&r);
	policy_free(p);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_settings net = {0}, both = {0};
	char *text, *save = NULL, *line, *host, *canon = NULL;
	int port = 443;

	if (size > 16 * 1024 || memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	host = strtok_r(text, "\n", &save);
	if (!host) {
		free(text);
		return 0;
	}
	line = strtok_r(NULL, "\n", &save);
	if (line)
		port = atoi(line);
	check_canonical(host);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *err = NULL;
		enum domain_entry_kind kind = line[0] == '-' ? DOMAIN_DENY : DOMAIN_ALLOW;
		if (line[0] != '+' && line[0] != '-') {
			check_entry(line);
			check_canonical(line);
			continue;
		}
		check_entry(line + 1);
		if (!domain_entry_validate(line + 1, kind, &err)) {
			free(err);
			continue;
		}
		strv_push(kind == DOMAIN_DENY ? &net.denied_domains : &net.allowed_domains, line + 1);
		strv_push(&both.allowed_domains, line + 1);
		/* as a deny entry only where the deny grammar takes it too */
		if (domain_entry_validate(line + 1, DOMAIN_DENY, &err))
			strv_push(&both.denied_domains, line + 1);
		free(err);
	}
	bool ok = decide(&net, host, port, &canon);
	if (canon && canon[strlen(canon) - 1] == '.') {
		/* No entry can end in a dot: such a host matches no allow entry. */
		FUZZ_ASSERT(!ok);
	} else if (canon) {
		bool ok2 = decide(&net, canon, port, NULL);
		if (ok != ok2) {
			fprintf(stderr, "host %s (canonical %s) port %d: %d vs %d\n", host, canon, port, ok, ok2);
			FUZZ_ASSERT(!"verdict follows the canonical host");
		}
	}
	if (net.allowed_domains.n == 0)
		FUZZ_ASSERT(!ok);
	if (both.denied_domains.n == both.allowed_domains.n)
		FUZZ_ASSERT(!decide(&both, host, port, NULL));
	free(canon);
	strv_clear(&net.allowed_domains);
	strv_clear(&net.denied_domains);
	strv_clear(&both.allowed_domains);
	strv_clear(&both.denied_domains);
	free(text);
	return 0;
}
