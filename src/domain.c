/* Domain entry grammar of allowedDomains / deniedDomains / host lists
 * (spec 1.6), and the small IP-literal helpers it needs.  Pure: no I/O. */
#include "domain.h"

#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IPv6 literal, optionally with a zone ("fe80::1%eth0"), no brackets. */
bool ip_is_v6(const char *s)
{
	struct in6_addr a;
	const char *pct = strchr(s, '%');
	_cleanup_free_ char *addr = NULL;

	if (pct) {
		/* A zone is one or more of [0-9A-Za-z.:-]. */
		const char *z = pct + 1;
		if (!*z)
			return false;
		for (; *z; z++)
			if (!isalnum((unsigned char)*z) && !strchr("-.:", *z))
				return false;
		addr = xstrndup(s, (size_t)(pct - s));
	} else {
		addr = xstrdup(s);
	}
	return inet_pton(AF_INET6, addr, &a) == 1;
}

/* Strict dotted quad: four decimal parts 0..255, no leading zeros. */
bool ip_is_v4(const char *s)
{
	int parts = 0;

	for (;;) {
		unsigned v = 0;
		int digits = 0;
		const char *start = s;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3)
				return false;
			s++;
		}
		if (digits == 0 || v > 255 || (digits > 1 && *start == '0'))
			return false;
		parts++;
		if (*s == '\0')
			return parts == 4;
		if (*s != '.' || parts == 4)
			return false;
		s++;
	}
}

/* Serialise an IPv6 address the WHATWG way: lowercase hex, the first
 * longest run of two or more zero pieces compressed, no dotted quad;
 * an IPv4-mapped address (::ffff:a.b.c.d) comes out as a.b.c.d. */
static char *ipv6_serialise(const struct in6_addr *a)
{
	uint16_t p[8];
	int best = -1, bestlen = 0;
	char buf[64];
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		p[i] = (uint16_t)(a->s6_addr[2 * i] << 8 | a->s6_addr[2 * i + 1]);
	if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0 && p[4] == 0 && p[5] == 0xffff)
		return xasprintf("%u.%u.%u.%u", a->s6_addr[12], a->s6_addr[13], a->s6_addr[14],
				 a->s6_addr[15]);
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && p[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, i == 0 ? "::" : ":");
			i += bestlen - 1;
			continue;
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%x%s", p[i], i < 7 ? ":" : "");
	}
	return xstrdup(buf);
}

/* One WHATWG IPv4 "number": decimal, 0x hex (empty after "0x" is 0) or
 * 0-prefixed octal.  Returns 0, or -1 when it is not a number.  Values are
 * clamped far above any valid part so they cannot overflow. */
static int ipv4_number(const char *s, size_t len, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len == 0)
		return -1;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		s++;
		len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > 0xffffffffULL * 256)
			v = 0xffffffffULL * 256;
	}
	*ret = v;
	return 0;
}

/* WHATWG "ends in a number": the last label (one trailing dot ignored) is
 * all digits or a valid 0x number, so a URL parser takes the host for an
 * IPv4 address. */
static bool ends_in_number(const char *h)
{
	size_t len = strlen(h), llen;
	const char *last;
	uint64_t v;

	if (len > 0 && h[len - 1] == '.')
		len--;
	if (len == 0)
		return false;
	last = memrchr(h, '.', len);
	last = last ? last + 1 : h;
	llen = (size_t)(h + len - last);
	if (llen == 0)
		return false;
	if (strspn(last, "0123456789") >= llen)
		return true;
	return llen >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') && ipv4_number(last, llen, &v) == 0;
}

/* WHATWG IPv4 parser (1 to 4 parts, the last one fills the remaining
 * bytes: 127.1, 2130706433, 0x7f.0.0.1).  Returns 0, or -1 on failure. */
static int ipv4_parse(const char *h, uint32_t *ret)
{
	size_t len = strlen(h), n = 0, start = 0;
	uint64_t nums[4], v;

	if (len > 0 && h[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && h[i] != '.')
			continue;
		if (n == 4 || ipv4_number(h + start, i - start, &nums[n]) < 0)
			return -1;
		n++;
		start = i + 1;
	}
	if (n == 0)
		return -1;
	for (size_t i = 0; i + 1 < n; i++)
		if (nums[i] > 255)
			return -1;
	if (nums[n - 1] >= (1ULL << (8 * (5 - n))))
		return -1;
	v = nums[n - 1];
	for (size_t i = 0; i + 1 < n; i++)
		v += nums[i] << (8 * (3 - i));
	*ret = (uint32_t)v;
	return 0;
}

/* A copy of host without one pair of enclosing brackets ("[::1]" -> "::1"). */
static char *unbracket(const char *host)
{
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		return xstrndup(host + 1, len - 2);
	return xstrdup(host);
}

char *domain_canonical_host(const char *host)
{
	_cleanup_free_ char *bare = unbracket(host);
	struct in6_addr a6;
	size_t len;
	char *out;

	if (strchr(bare, '%'))
		return NULL; /* zones and percent signs are refused by URL parsing */
	if (inet_pton(AF_INET6, bare, &a6) == 1)
		return ipv6_serialise(&a6);
	if (!*bare)
		return NULL;
	for (const char *c = bare; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch <= 0x20 || ch == 0x7f || strchr("#/:<>?@[\\]^|", ch))
			return NULL;
	}
	if (ends_in_number(bare)) {
		uint32_t a4;
		if (ipv4_parse(bare, &a4) < 0)
			return NULL;
		return xasprintf("%u.%u.%u.%u", a4 >> 24, (a4 >> 16) & 255, (a4 >> 8) & 255, a4 & 255);
	}
	out = xstrdup(bare);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	len = strlen(out);
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = '\0';
	return out;
}

bool domain_host_pattern_valid(const char *val)
{
	size_t len = strlen(val);

	if (ip_is_v6(val))
		return true;
	if (strstr(val, "://") || strchr(val, '/') || strchr(val, ':'))
		return false;
	if (strcmp(val, "localhost") == 0)
		return true;
	if (str_has_prefix(val, "*.")) {
		const char *d = val + 2;
		size_t dl = strlen(d);
		if (!strchr(d, '.') || d[0] == '.' || d[dl - 1] == '.' || strstr(d, ".."))
			return false;
		return true;
	}
	if (strchr(val, '*'))
		return false;
	return strchr(val, '.') && val[0] != '.' && val[len - 1] != '.';
}

/* A port suffix: ^[1-9][0-9]{0,4}$ and at most 65535; 0 if not one. */
static int parse_port_suffix(const char *s)
{
	size_t n = strlen(s);
	int v = 0;

	if (n < 1 || n > 5 || s[0] < '1' || s[0] > '9')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? v : 0;
}

static char *drop_zone(const char *h, size_t len)
{
	const char *pct = memchr(h, '%', len);
	return xstrndup(h, pct ? (size_t)(pct - h) : len);
}

/* Split off a ":port" suffix the way spec 1.6 says, without judging the
 * host part.  Never fails: a suffix that is no port stays in the host. */
static void split_port(const char *pattern, char **ret_host, int *ret_port)
{
	const char *last, *first;
	int port;

	*ret_port = 0;
	if (pattern[0] == '[') {
		const char *close = strchr(pattern, ']');
		_cleanup_free_ char *inner = NULL;
		char *host;
		if (!close) {
			*ret_host = xstrdup(pattern);
			return;
		}
		inner = drop_zone(pattern + 1, (size_t)(close - pattern - 1));
		host = domain_canonical_host(inner);
		if (!host)
			host = xstrdup(inner);
		if (close[1] == '\0') {
			*ret_host = host;
			return;
		}
		port = close[1] == ':' ? parse_port_suffix(close + 2) : 0;
		if (port == 0) {
			free(host);
			*ret_host = xstrdup(pattern);
			return;
		}
		*ret_host = host;
		*ret_port = port;
		return;
	}
	last = strrchr(pattern, ':');
	if (!last) {
		*ret_host = xstrdup(pattern);
		return;
	}
	first = strchr(pattern, ':');
	if (first != last) {
		/* Unbracketed IPv6: never split, a trailing hextet is no port. */
		_cleanup_free_ char *h = drop_zone(pattern, strlen(pattern));
		char *c = domain_canonical_host(h);
		*ret_host = c ? c : steal_pointer(&h);
		return;
	}
	port = parse_port_suffix(last + 1);
	if (port == 0) {
		*ret_host = xstrdup(pattern);
		return;
	}
	*ret_host = xstrndup(pattern, (size_t)(last - pattern));
	*ret_port = port;
}

/* An entry with two or more ':' must be bracketed. */
static bool ipv6_bracketing_ok(const char *val)
{
	const char *first = strchr(val, ':');
	return !first || !strchr(first + 1, ':') || val[0] == '[';
}

bool domain_entry_validate(const char *entry, enum domain_entry_kind kind, char **ret_err)
{
	bool valid;

	if (kind == DOMAIN_HOSTONLY) {
		valid = domain_host_pattern_valid(entry);
	} else if (!ipv6_bracketing_ok(entry)) {
		valid = false;
	} else {
		_cleanup_free_ char *host = NULL;
		int port;
		split_port(entry, &host, &port);
		valid = domain_host_pattern_valid(host) || (kind == DOMAIN_DENY && strcmp(host, "*") == 0);
	}
	if (!valid && ret_err)
		*ret_err = xstrdup(kind == DOMAIN_ALLOW	  ? DOMAIN_ALLOW_MESSAGE
				   : kind == DOMAIN_DENY ? DOMAIN_DENY_MESSAGE
							 : DOMAIN_PATTERN_MESSAGE);
	return valid;
}

int domain_entry_split(const char *entry, char **ret_host, int *ret_port)
{
	_cleanup_free_ char *host = NULL;
	int port;

	split_port(entry, &host, &port);
	if (strcmp(host, "*") != 0 && !domain_host_pattern_valid(host))
		return -1;
	*ret_host = steal_pointer(&host);
	*ret_port = port;
	return 0;
}

bool domain_pattern_matches(const char *host, const char *pattern)
{
	size_t hl = strlen(host), bl;

	if (strcmp(pattern, "*") == 0)
		return true;
	if (str_has_prefix(pattern, "*.")) {
		_cleanup_free_ char *bare = unbracket(host);
		if (ip_is_v4(bare) || ip_is_v6(bare))
			return false;
		bl = strlen(pattern + 1); /* ".base" */
		return hl >= bl && strcasecmp(host + hl - bl, pattern + 1) == 0;
	}
	return strcasecmp(host, pattern) == 0;
}

int ip_range_parse(const char *text, unsigned char ret_addr[16], int *ret_prefix)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const char *slash = strchr(text, '/');
	_cleanup_free_ char *addr = xstrndup(text, slash ? (size_t)(slash - text) : strlen(text));
	char *pct = strchr(addr, '%');
	unsigned char a[16];
	int prefix = -1;

	if (pct)
		*pct = '\0';
	if (slash) {
		size_t n = strlen(slash + 1);
		if (n < 1 || n > 3 || strspn(slash + 1, "0123456789") != n)
			return -1;
		prefix = atoi(slash + 1);
	}
	if (ip_is_v4(addr) && !pct) {
		if (prefix > 32 || inet_pton(AF_INET, addr, a + 12) != 1)
			return -1;
		memcpy(a, mapped, 12);
		prefix = prefix < 0 ? 128 : prefix + 96;
	} else if (ip_is_v6(addr) && inet_pton(AF_INET6, addr, a) == 1) {
		if (prefix < 0)
			prefix = 128;
		if (prefix > 128 || (memcmp(a, mapped, 12) == 0 && prefix < 96))
			return -1;
	} else {
		return -1;
	}
	memcpy(ret_addr, a, 16);
	*ret_prefix = prefix;
	return 0;
}
