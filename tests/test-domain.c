/* Domain entry grammar (spec 1.6) and host-pattern matching (spec 5):
 * every example of the spec, accepted and rejected, with split results. */
#include "domain.h"

#include "tap.h"

#include <stdlib.h>

struct vcase {
	const char *entry;
	enum domain_entry_kind kind;
	bool valid;
	const char *host; /* split result when valid (NULL: not checked) */
	int port;
};

#define A DOMAIN_ALLOW
#define D DOMAIN_DENY
#define H DOMAIN_HOSTONLY

static const struct vcase cases[] = {
	/* accepted allow entries */
	{ "example.com", A, true, "example.com", 0 },
	{ "*.example.com", A, true, "*.example.com", 0 },
	{ "*.co.uk", A, true, "*.co.uk", 0 },
	{ "*.*.com", A, true, "*.*.com", 0 }, /* upstream quirk */
	{ "ex ample.com", A, true, "ex ample.com", 0 },
	{ "a..b.com", A, true, "a..b.com", 0 },
	{ "\xc3\xbcnicode.com", A, true, "\xc3\xbcnicode.com", 0 },
	{ "localhost", A, true, "localhost", 0 },
	{ "localhost:8080", A, true, "localhost", 8080 },
	{ "example.com:443", A, true, "example.com", 443 },
	{ "*.npmjs.org:443", A, true, "*.npmjs.org", 443 },
	{ "x.com:1", A, true, "x.com", 1 },
	{ "x.com:65535", A, true, "x.com", 65535 },
	{ "127.0.0.1", A, true, "127.0.0.1", 0 },
	{ "127.0.0.1:8080", A, true, "127.0.0.1", 8080 },
	{ "127.1", A, true, "127.1", 0 }, /* entries are not canonicalised */
	{ "[::1]", A, true, "::1", 0 },
	{ "[::1]:443", A, true, "::1", 443 },
	{ "[2001:db8::1]:443", A, true, "2001:db8::1", 443 },
	{ "[2001:DB8:0:0:0:0:0:1]", A, true, "2001:db8::1", 0 },
	{ "[2001:db8:0:0:1:0:0:1]", A, true, "2001:db8::1:0:0:1", 0 },
	{ "[fe80::1%eth0]", A, true, "fe80::1", 0 },
	{ "[fe80::1%eth0]:22", A, true, "fe80::1", 22 },
	{ "[::ffff:127.0.0.1]", A, true, "127.0.0.1", 0 },
	{ "[0:0:0:0:0:0:0:0]", A, true, "::", 0 },
	{ "[1:0:0:2:0:0:0:3]", A, true, "1:0:0:2::3", 0 },
	{ "[Example.COM]", A, true, "example.com", 0 },
	{ "[1.2.3.4]", A, true, "1.2.3.4", 0 },
	{ "[127.1]:80", A, true, "127.0.0.1", 80 },
	{ "[1.2.3.4.]", A, true, "1.2.3.4", 0 },
	/* rejected allow entries */
	{ "singlelabel", A, false, NULL, 0 },
	{ "example.com.", A, false, NULL, 0 },
	{ ".example.com", A, false, NULL, 0 },
	{ "*", A, false, NULL, 0 },
	{ "*:22", A, false, NULL, 0 },
	{ "a*.b.com", A, false, NULL, 0 },
	{ "*.localhost", A, false, NULL, 0 },
	{ "*.com", A, false, NULL, 0 },
	{ "*.", A, false, NULL, 0 },
	{ "*.a", A, false, NULL, 0 },
	{ "*..com", A, false, NULL, 0 },
	{ "*.example.com.", A, false, NULL, 0 },
	{ "::1", A, false, NULL, 0 },
	{ "2001:db8::1", A, false, NULL, 0 },
	{ "x.com:0", A, false, NULL, 0 },
	{ "x.com:0443", A, false, NULL, 0 },
	{ "x.com:65536", A, false, NULL, 0 },
	{ "x.com:80:443", A, false, NULL, 0 },
	{ "x.com:", A, false, NULL, 0 },
	{ "x.com:http", A, false, NULL, 0 },
	{ "evil.com:443.allowed.com", A, false, NULL, 0 },
	{ "https://example.com", A, false, NULL, 0 },
	{ "example.com/path", A, false, NULL, 0 },
	{ "not-a-domain", A, false, NULL, 0 },
	{ "", A, false, NULL, 0 },
	{ "[::1]x", A, false, NULL, 0 },
	{ "[::1]:0", A, false, NULL, 0 },
	{ "[::1]:65536", A, false, NULL, 0 },
	{ "[]", A, false, NULL, 0 },
	/* deny entries: bare "*" and "*:port" too */
	{ "*", D, true, "*", 0 },
	{ "*:22", D, true, "*", 22 },
	{ "bad.allowed.org", D, true, "bad.allowed.org", 0 },
	{ "[::1]:80", D, true, "::1", 80 },
	{ "*:0", D, false, NULL, 0 },
	{ "*.com", D, false, NULL, 0 },
	{ "**", D, false, NULL, 0 },
	{ "::1", D, false, NULL, 0 },
	/* host-only lists (mitmProxy.domains, excludeDomains, injectHosts) */
	{ "api.example.com", H, true, "api.example.com", 0 },
	{ "*.internal.org", H, true, "*.internal.org", 0 },
	{ "localhost", H, true, "localhost", 0 },
	{ "::1", H, true, "::1", 0 }, /* unbracketed IPv6 literal passes here */
	{ "example.com:443", H, false, NULL, 0 },
	{ "*", H, false, NULL, 0 },
	{ "[::1]", H, false, NULL, 0 },
	{ "*.com", H, false, NULL, 0 },
};

struct mcase {
	const char *host, *pattern;
	bool match;
};

/* Spec 5: allow ["example.com","*.allowed.org","127.0.0.1:8080","localhost"]. */
static const struct mcase matches[] = {
	{ "EXAMPLE.COM", "example.com", true },
	{ "a.b.allowed.org", "*.allowed.org", true },
	{ "x.bad.allowed.org", "*.allowed.org", true },
	{ "bad.allowed.org", "bad.allowed.org", true },
	{ "allowed.org", "*.allowed.org", false },
	{ "www.example.com", "example.com", false },
	{ "example.com", "*.example.com", false },
	{ "a.b.example.com", "*.example.com", true },
	{ "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.1", "*.0.0.1", false }, /* wildcards never match IP literals */
	{ "[::1]", "*.1", false },
	{ "localhost", "localhost", true },
	{ "anything.at.all", "*", true },
	{ "127.0.0.1", "127.1", false },
	{ "xexample.com", "*.example.com", false },
	{ ".example.com", "*.example.com", true }, /* upstream: endsWith(".example.com") */
};

struct ccase {
	const char *in, *out; /* out NULL = unparseable */
};

static const struct ccase canon[] = {
	{ "EXAMPLE.COM", "example.com" },
	{ "example.com.", "example.com" },
	{ "127.1", "127.0.0.1" },
	{ "2130706433", "127.0.0.1" },
	{ "0x7f.0.0.1", "127.0.0.1" },
	{ "[::1]", "::1" },
	{ "::FFFF:10.0.0.1", "10.0.0.1" },
	{ "2001:db8:0:0:0:0:0:1", "2001:db8::1" },
	{ "0x", "0.0.0.0" }, /* WHATWG: an empty 0x number is 0 (inet_aton says no) */
	{ "1.0x", "1.0.0.0" },
	{ "0x.1", "0.0.0.1" },
	{ "017700000001", "127.0.0.1" },
	{ "09.1.1.1", NULL },
	{ "example.com..", "example.com." },
	{ "1.2.3.256", NULL },
	{ "a b.com", NULL },
	{ "", NULL },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *t = &cases[i];
		const char *kn = t->kind == A ? "allow" : t->kind == D ? "deny" : "host";
		char *err = NULL, *host = NULL;
		int port = -1;
		bool v = domain_entry_validate(t->entry, t->kind, &err);
		ok(v == t->valid, "%s '%s' %s", kn, t->entry, t->valid ? "accepted" : "rejected");
		if (!t->valid) {
			ok(err && strncmp(err, "Invalid domain pattern. Must be a valid domain (e.g., \"example.com\")", 66) == 0,
			   "%s '%s' message", kn, t->entry);
			if (t->kind == D)
				ok(err && strstr(err, "In deniedDomains a bare \"*\""), "deny message variant");
			if (t->kind == A)
				ok(err && strstr(err, "An optional \":port\" suffix"), "allow message variant");
		} else {
			ok(err == NULL, "%s '%s' no message", kn, t->entry);
			if (t->host) {
				is_int(domain_entry_split(t->entry, &host, &port), 0, "split '%s'", t->entry);
				is_str(host, t->host, "split '%s' host", t->entry);
				is_int(port, t->port, "split '%s' port", t->entry);
			}
		}
		free(err);
		free(host);
	}
	{
		char *host = NULL;
		int port = 7;
		is_int(domain_entry_split("x.com:80:443", &host, &port), -1, "split refuses a bad entry");
		ok(host == NULL && port == 7, "split leaves outputs alone on failure");
	}
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
		ok(domain_pattern_matches(matches[i].host, matches[i].pattern) == matches[i].match, "'%s' %s '%s'",
		   matches[i].host, matches[i].match ? "matches" : "does not match", matches[i].pattern);
	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		char *c = domain_canonical_host(canon[i].in);
		is_str(c, canon[i].out, "canonical '%s'", canon[i].in);
		free(c);
	}
	ok(ip_is_v4("10.0.0.1") && !ip_is_v4("010.0.0.1") && !ip_is_v4("1.2.3") && !ip_is_v4("256.1.1.1"),
	   "strict dotted quad");
	ok(ip_is_v6("fe80::1%eth0") && ip_is_v6("::") && !ip_is_v6("fe80::1%") && !ip_is_v6("1.2.3.4"),
	   "IPv6 literal with zone");
	return tap_done();
}
