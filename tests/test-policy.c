/* Table-driven tests of the network policy (spec srt-schema-cli.md 5) and
 * the resolved-address guard classes. */
#include "addrguard.h"
#include "domain.h"
#include "policy.h"
#include "util.h"

#include "lib/tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static struct net_settings make_net(const char *const *allow, const char *const *deny)
{
	struct net_settings n = {0};
	if (allow)
		strv_pushv(&n.allowed_domains, allow);
	if (deny)
		strv_pushv(&n.denied_domains, deny);
	return n;
}

static void free_net(struct net_settings *n)
{
	strv_clear(&n->allowed_domains);
	strv_clear(&n->denied_domains);
	strv_clear(&n->denied_resolved_addresses);
}

static void test_canonical(void)
{
	static const struct {
		const char *in, *want; /* want NULL = malformed */
		bool ip;
	} t[] = {
		{"example.com", "example.com", false},
		{"EXAMPLE.COM", "example.com", false},
		{"Example.Com.", "example.com", false},
		{"example.com..", "example.com.", false},
		{"a_b-c.example", "a_b-c.example", false},
		{"localhost", "localhost", false},
		{"LOCALHOST.", "localhost", false},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.1", "127.0.0.1", true},
		{"127.0.1", "127.0.0.1", true},
		{"2130706433", "127.0.0.1", true},
		{"0x7f.1", "127.0.0.1", true},
		{"0x7f.0.0.1", "127.0.0.1", true},
		{"0X7F.0.0.1", "127.0.0.1", true},
		{"0177.0.0.1", "127.0.0.1", true},
		{"017700000001", "127.0.0.1", true},
		{"0x7f000001", "127.0.0.1", true},
		{"127.0.0.1.", "127.0.0.1", true},
		{"10.0.0.256", NULL, false},
		{"256.0.0.1", NULL, false},
		{"1.2.3.4.5", NULL, false},
		{"4294967296", NULL, false},
		{"4294967295", "255.255.255.255", true},
		{"0", "0.0.0.0", true},
		{"0x", "0.0.0.0", true},
		{"09.1.1.1", NULL, false},
		{"example.123", NULL, false},
		{"example.0x1g", "example.0x1g", false},
		{"1.2.3.4x", "1.2.3.4x", false},
		{"[::1]", "::1", true},
		{"::1", "::1", true},
		{"[0:0:0:0:0:0:0:1]", "::1", true},
		{"[::ffff:127.0.0.1]", "127.0.0.1", true},
		{"[::ffff:7f00:1]", "127.0.0.1", true},
		{"[2001:DB8:0:0:1:0:0:1]", "2001:db8::1:0:0:1", true},
		{"[2001:db8:0:1:1:1:1:1]", "2001:db8:0:1:1:1:1:1", true},
		{"[1:0:0:2:0:0:0:3]", "1:0:0:2::3", true},
		{"[1::]", "1::", true},
		{"[::]", "::", true},
		{"[fe80::1%eth0]", NULL, false},
		{"[::1", NULL, false},
		{"[]", NULL, false},
		{"[example.com]", NULL, false},
		{"1:2", NULL, false},
		{"", NULL, false},
		{".", NULL, false},
		{"ex ample.com", NULL, false},
		{"exa\tmple.com", NULL, false},
		{"example.com\r\nX: y", NULL, false},
		{"ex%41mple.com", NULL, false},
		{"a/b.com", NULL, false},
		{"a@b.com", NULL, false},
		{"\xc3\xbcnicode.com", NULL, false},
		/* empty labels would end a DNS query's name early */
		{"evil.test..x.ok.test", NULL, false},
		{".example.com", NULL, false},
		{"a...", NULL, false},
		{"..", NULL, false},
		{"example.com.", "example.com", false},
		{"Example.COM", "example.com", false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = NULL;
		bool ip = false;
		int r = policy_canonical_host(t[i].in, &out, &ip);
		if (!t[i].want) {
			ok(r < 0, "canonical '%s' is malformed", t[i].in);
		} else {
			is_str(r == 0 ? out : "(malformed)", t[i].want, "canonical '%s' -> '%s'", t[i].in, t[i].want);
			ok(r == 0 && ip == t[i].ip, "canonical '%s' is_ip=%d", t[i].in, t[i].ip);
		}
		free(out);
	}
	/* length limits: 255 bytes in all, 63 per label */
	char big[300];
	memset(big, 'a', sizeof(big));
	big[63] = big[127] = big[191] = '.';
	big[255] = '\0';
	char *out = NULL;
	ok(policy_canonical_host(big, &out, NULL) == 0, "255-char host of 63-char labels accepted");
	free(out);
	big[255] = 'x', big[256] = '\0';
	ok(policy_canonical_host(big, &out, NULL) < 0, "256-char host malformed");
	memset(big, 'a', 70);
	strcpy(big + 64, ".com");
	ok(policy_canonical_host(big, &out, NULL) < 0, "64-char label malformed");
	strcpy(big + 63, ".com");
	ok(policy_canonical_host(big, &out, NULL) == 0, "63-char label accepted");
	free(out);
}

static void test_split(void)
{
	static const struct {
		const char *in, *host;
		int port;
	} t[] = {
		{"example.com", "example.com", 0},
		{"example.com:443", "example.com", 443},
		{"*.npmjs.org:443", "*.npmjs.org", 443},
		{"*", "*", 0},
		{"*:80", "*", 80},
		{"[::1]", "::1", 0},
		{"[::1]:8080", "::1", 8080},
		{"[0::FFFF:127.0.0.1]", "127.0.0.1", 0},
		{"[fe80::1%eth0]:22", "fe80::1", 22},
		{"127.0.0.1:8080", "127.0.0.1", 8080},
		{"x.com:0", NULL, 0},
		{"x.com:65536", NULL, 0},
		{"x.com:0443", NULL, 0},
		{":443", NULL, 0},
		{"::1", NULL, 0},
		{"[::1]x", NULL, 0},
		{"x.com:80:443", NULL, 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *h = NULL;
		int port = -1;
		/* The entry grammar lives in domain.c: an entry is refused when
		 * validation (deny kind, the widest) or the split says so. */
		bool valid = domain_entry_validate(t[i].in, DOMAIN_DENY, NULL);
		int r = domain_entry_split(t[i].in, &h, &port);
		if (!t[i].host)
			ok(!valid || r < 0, "split '%s' refused", t[i].in);
		else
			ok(valid && r == 0 && strcmp(h, t[i].host) == 0 && port == t[i].port, "split '%s' -> '%s' port %d", t[i].in,
			   t[i].host, t[i].port);
		free(h);
	}
}

struct decide_case {
	const char *host;
	int port;
	bool allowed;
	const char *reason; /* NULL = don't check */
};

static void run_cases(const char *name, const struct net_settings *net, const struct decide_case *t, size_t n)
{
	struct policy *p = policy_new(net);
	for (size_t i = 0; i < n; i++) {
		struct policy_result r;
		bool got = policy_decide(p, t[i].host, t[i].port, &r);
		ok(got == t[i].allowed, "%s: %s:%d %s", name, t[i].host, t[i].port, t[i].allowed ? "allowed" : "denied");
		if (t[i].reason)
			is_str(r.reason, t[i].reason, "%s: %s:%d reason", name, t[i].host, t[i].port);
		policy_result_clear(&r);
	}
	policy_free(p);
}

#define RUN(name, net, cases) run_cases(name, net, cases, sizeof(cases) / sizeof(cases[0]))

static void test_spec_example(void)
{
	/* The observed example of spec 5, verbatim. */
	static const char *const allow[] = {"example.com", "*.allowed.org", "127.0.0.1:8080", "localhost", NULL};
	static const char *const deny[] = {"bad.allowed.org", NULL};
	static const struct decide_case t[] = {
		{"EXAMPLE.COM", 80, true, "allowed"},
		{"example.com.", 443, true, NULL},
		{"a.b.allowed.org", 443, true, NULL},
		{"x.bad.allowed.org", 443, true, NULL},
		{"127.1", 8080, true, NULL},
		{"2130706433", 8080, true, NULL},
		{"0x7f.1", 8080, true, NULL},
		{"[::ffff:127.0.0.1]", 8080, true, NULL},
		{"localhost", 9, true, NULL},
		{"LocalHost.", 9, true, NULL},
		{"www.example.com", 443, false, POLICY_REASON_NOT_ALLOWED},
		{"allowed.org", 443, false, POLICY_REASON_NOT_ALLOWED},
		{"bad.allowed.org", 443, false, POLICY_REASON_DENY_LIST},
		{"BAD.allowed.org.", 443, false, POLICY_REASON_DENY_LIST},
		{"127.0.0.1", 8081, false, POLICY_REASON_NOT_ALLOWED},
		{"[::1]", 80, false, POLICY_REASON_NOT_ALLOWED},
		{"::1", 80, false, NULL},
		{"exa mple.com", 80, false, POLICY_REASON_MALFORMED},
		{"example.com\n", 80, false, POLICY_REASON_MALFORMED},
		{"", 80, false, POLICY_REASON_MALFORMED},
		{"example.com", 0, false, NULL},
		{"example.com", 65536, false, NULL},
		{"example.com.evil.net", 80, false, NULL},
		{"evilexample.com", 80, false, NULL},
		{"allowed.org.evil", 80, false, NULL},
		{"xallowed.org", 80, false, NULL},
	};
	struct net_settings net = make_net(allow, deny);
	RUN("spec5", &net, t);
	free_net(&net);
}

static void test_more(void)
{
	{ /* empty allow list = nothing */
		struct net_settings net = make_net(NULL, NULL);
		static const struct decide_case t[] = {
			{"example.com", 443, false, POLICY_REASON_NOT_ALLOWED},
			{"127.0.0.1", 80, false, NULL},
			{"localhost", 80, false, NULL},
		};
		RUN("empty", &net, t);
		free_net(&net);
	}
	{ /* ports */
		static const char *const allow[] = {"*.npmjs.org:443", "example.com:80", "example.com:8080", NULL};
		struct net_settings net = make_net(allow, NULL);
		static const struct decide_case t[] = {
			{"registry.npmjs.org", 443, true, NULL},
			{"registry.npmjs.org", 80, false, NULL},
			{"npmjs.org", 443, false, NULL},
			{"example.com", 80, true, NULL},
			{"example.com", 8080, true, NULL},
			{"example.com", 443, false, NULL},
		};
		RUN("ports", &net, t);
		free_net(&net);
	}
	{ /* deny wins; '*' deny; '*:port' deny; reasons */
		static const char *const allow[] = {"example.com", "*.example.com", "ok.org", NULL};
		static const char *const deny[] = {"example.com", "*:25", "[2001:db8::1]", NULL};
		struct net_settings net = make_net(allow, deny);
		struct domain_reason reasons[] = {{"example.com", "no example today"}};
		net.denied_reasons = reasons;
		net.n_denied_reasons = 1;
		static const struct decide_case t[] = {
			{"example.com", 443, false, "no example today"},
			{"www.example.com", 443, true, NULL},
			{"www.example.com", 25, false, POLICY_REASON_DENY_LIST},
			{"ok.org", 25, false, POLICY_REASON_DENY_LIST},
			{"ok.org", 26, true, NULL},
			{"[2001:DB8:0::1]", 443, false, POLICY_REASON_DENY_LIST},
		};
		RUN("deny", &net, t);
		free_net(&net);
	}
	{ /* deny '*' blocks all, even allowed */
		static const char *const allow[] = {"example.com", NULL};
		static const char *const deny[] = {"*", NULL};
		struct net_settings net = make_net(allow, deny);
		static const struct decide_case t[] = {
			{"example.com", 443, false, POLICY_REASON_DENY_LIST},
		};
		RUN("deny-star", &net, t);
		free_net(&net);
	}
	{ /* IPv6 entries; wildcards never match IPs; entries not canonicalised */
		static const char *const allow[] = {"[::1]:8080", "[2001:db8::]", "*.0.0.1", "127.1", "10.0.0.1", NULL};
		struct net_settings net = make_net(allow, NULL);
		static const struct decide_case t[] = {
			{"[::1]", 8080, true, NULL},
			{"[0:0::1]", 8080, true, NULL},
			{"::1", 8080, true, NULL},
			{"[::1]", 8081, false, NULL},
			{"[2001:db8::]", 1, true, NULL},
			{"[2001:db8::0]", 2, true, NULL},
			{"127.0.0.1", 80, false, NULL},
			{"127.1", 80, false, NULL},
			{"10.1", 80, true, NULL}, /* WHATWG: 10.1 = 10.0.0.1 */
			{"10.0.0.1", 80, true, NULL},
			{"167772161", 80, true, NULL},
			{"0xa.0.0.1", 80, true, NULL},
			{"[::ffff:10.0.0.1]", 80, true, NULL},
			{"x.0.0.1", 80, false, NULL}, /* ends in a number: not an IPv4 either -> malformed */
		};
		RUN("ipv6", &net, t);
		free_net(&net);
	}
	{ /* case-insensitive entries */
		static const char *const allow[] = {"Example.COM", "*.GitHub.com", NULL};
		struct net_settings net = make_net(allow, NULL);
		static const struct decide_case t[] = {
			{"example.com", 443, true, NULL},
			{"API.github.COM", 443, true, NULL},
			{"github.com", 443, false, NULL},
		};
		RUN("case", &net, t);
		free_net(&net);
	}
	{ /* strictAllowlist changes nothing in the CLI */
		static const char *const allow[] = {"example.com", NULL};
		struct net_settings net = make_net(allow, NULL);
		net.strict_allowlist = true;
		static const struct decide_case t[] = {
			{"example.com", 443, true, NULL},
			{"other.com", 443, false, POLICY_REASON_NOT_ALLOWED},
		};
		RUN("strict", &net, t);
		free_net(&net);
	}
}

static void sa4(struct sockaddr_in *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, a, &s->sin_addr);
}

static void sa6(struct sockaddr_in6 *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s->sin6_addr);
}

static const char *check_addr(const struct addrguard *g, const char *host, int port, const char *addr)
{
	struct sockaddr_storage ss;
	if (strchr(addr, ':'))
		sa6((struct sockaddr_in6 *)&ss, addr);
	else
		sa4((struct sockaddr_in *)&ss, addr);
	return addrguard_check(g, host, port, (struct sockaddr *)&ss);
}

static void test_guard(void)
{
	static const char *const allow[] = {"example.com", "localhost", "10.9.9.9:443", "[fd00::5]", NULL};
	static const char *const deny[] = {"192.0.2.7", NULL};
	struct net_settings net = make_net(allow, deny);
	char *err = NULL;
	strv_push(&net.denied_resolved_addresses, "203.0.113.0/24");
	strv_push(&net.denied_resolved_addresses, "2001:db8:bad::/48");
	strv_push(&net.denied_resolved_addresses, "10.9.9.9");
	struct addrguard *g = addrguard_new(&net, false, &err);
	ok(g != NULL, "guard compiles");

	static const struct {
		const char *host;
		int port;
		const char *addr, *want;
	} t[] = {
		{"example.com", 443, "93.184.216.34", NULL},
		{"example.com", 443, "10.1.2.3", NULL},
		{"example.com", 443, "192.168.1.1", NULL},
		{"example.com", 443, "127.0.0.1", "a loopback address"},
		{"example.com", 443, "127.255.0.9", "a loopback address"},
		{"example.com", 443, "::1", "a loopback address"},
		{"example.com", 443, "::ffff:127.0.0.1", "a loopback address"},
		{"example.com", 443, "0.0.0.0", "an unspecified address"},
		{"example.com", 443, "0.1.2.3", "an unspecified address"},
		{"example.com", 443, "::", "an unspecified address"},
		{"example.com", 443, "169.254.1.1", "a link-local address"},
		{"example.com", 443, "fe80::1", "a link-local address"},
		{"example.com", 443, "febf::1", "a link-local address"},
		{"example.com", 443, "fec0::1", NULL},
		{"example.com", 443, "224.0.0.1", "a multicast address"},
		{"example.com", 443, "239.255.255.250", "a multicast address"},
		{"example.com", 443, "ff02::1", "a multicast address"},
		{"example.com", 443, "255.255.255.255", "a broadcast address"},
		{"example.com", 443, "169.254.169.254", "a cloud metadata address"},
		{"example.com", 443, "fd00:ec2::254", "a cloud metadata address"},
		{"example.com", 443, "fd20:ce::254", "a cloud metadata address"},
		{"example.com", 443, "100.100.100.200", "a cloud metadata address"},
		{"example.com", 443, "203.0.113.77", "a denied address"},
		{"example.com", 443, "2001:db8:bad:1::1", "a denied address"},
		{"example.com", 443, "2001:db8:bae::1", NULL},
		{"example.com", 443, "192.0.2.7", "a denied address"},
		{"example.com", 443, "::ffff:192.0.2.7", "a denied address"},
		{"example.com", 443, "10.9.9.9", "a denied address"}, /* deniedResolvedAddresses beats allow */
		{"example.com", 443, "fd00::5", NULL},
		{"localhost", 80, "127.0.0.1", NULL},
		{"localhost", 80, "::1", NULL},
		{"localhost", 80, "93.184.216.34", "a non-loopback address"},
		{"a.localhost", 80, "127.0.0.2", NULL},
	};
	for (size_t i = 0; g && i < sizeof(t) / sizeof(t[0]); i++)
		is_str(check_addr(g, t[i].host, t[i].port, t[i].addr), t[i].want, "guard %s -> %s: %s", t[i].host,
		       t[i].addr, t[i].want ? t[i].want : "ok");
	addrguard_free(g);
	free_net(&net);

	/* An allow-listed literal lifts the class check (test upstream case). */
	static const char *const allow2[] = {"upstream.test", "127.0.0.1", NULL};
	net = make_net(allow2, NULL);
	g = addrguard_new(&net, true, &err);
	is_str(check_addr(g, "upstream.test", 8080, "127.0.0.1"), NULL, "allowed literal 127.0.0.1 lifts loopback");
	is_str(check_addr(g, "upstream.test", 8080, "127.0.0.2"), "a loopback address", "127.0.0.2 still loopback");
	addrguard_free(g);
	free_net(&net);

	/* What config validation accepts, the guard compiles (one grammar). */
	static const char *const good[] = {"fe80::1%eth0", "::ffff:0:0/96", "10.0.0.0/008", "2001:db8::/32", NULL};
	for (size_t i = 0; good[i]; i++) {
		net = make_net(NULL, NULL);
		strv_push(&net.denied_resolved_addresses, good[i]);
		err = NULL;
		g = addrguard_new(&net, false, &err);
		ok(g != NULL, "deniedResolvedAddresses '%s' accepted", good[i]);
		if (g && i == 1)
			is_str(check_addr(g, "example.com", 443, "93.184.216.34"), "a denied address",
			       "::ffff:0:0/96 denies every IPv4 address");
		free(err);
		addrguard_free(g);
		free_net(&net);
	}

	/* Bad CIDRs are refused. */
	static const char *const bad[] = {"10.0.0.0/33", "10.0.0.0/", "::/129", "example.com", "10.0.0.0/-1", "1.2.3",
					  "::ffff:0:0/95", "10.0.0.0/1234", "010.0.0.1", "10.0.0.0/+8", NULL};
	for (size_t i = 0; bad[i]; i++) {
		net = make_net(NULL, NULL);
		strv_push(&net.denied_resolved_addresses, bad[i]);
		err = NULL;
		g = addrguard_new(&net, false, &err);
		ok(g == NULL && err != NULL, "deniedResolvedAddresses '%s' refused", bad[i]);
		free(err);
		addrguard_free(g);
		free_net(&net);
	}
}

int main(void)
{
	test_canonical();
	test_split();
	test_spec_example();
	test_more();
	test_guard();
	return tap_done();
}
