/* Network policy: host canonicalisation and allow/deny matching (spec 5).
 * Pure: no I/O. */
#include "policy.h"

#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

enum pattern_kind { PATTERN_ANY, PATTERN_SUFFIX, PATTERN_EXACT };

struct pattern {
	enum pattern_kind kind;
	char *host;         /* lowercase; for PATTERN_SUFFIX the ".base" part */
	int port;           /* 0 = any */
	const char *entry;  /* as written (points into entries) */
	const char *reason; /* deny reason (deny list only) */
};

struct pattern_list {
	struct pattern *v;
	size_t n;
};

struct policy {
	struct pattern_list allow, deny;
	bool strict;
	strv entries; /* owned copies of the entry strings and reasons */
};

/* Parse one WHATWG IPv4 "number": decimal, 0x hex or 0-prefixed octal.
 * Returns 0, or -1 when it is not a number. */
static int parse_ipv4_number(const char *s, size_t len, uint64_t *ret)
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
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > 0xffffffffULL * 256) /* far out of range; stop growing */
			v = 0xffffffffULL * 256;
	}
	*ret = v;
	return 0;
}

/* WHATWG "ends in a number": does the last label look numeric? */
static bool ends_in_number(const char *h, size_t len)
{
	const char *last;
	size_t llen;
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
	bool digits = true;
	for (size_t i = 0; i < llen; i++)
		if (!isdigit((unsigned char)last[i]))
			digits = false;
	if (digits)
		return true;
	return llen >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
	       parse_ipv4_number(last, llen, &v) == 0;
}

/* WHATWG IPv4 parser.  Returns 0 and the address, or -1 on failure. */
static int parse_ipv4(const char *h, size_t len, uint32_t *ret)
{
	uint64_t nums[4];
	size_t n = 0, start = 0;

	if (len > 0 && h[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && h[i] != '.')
			continue;
		if (n == 4)
			return -1;
		if (parse_ipv4_number(h + start, i - start, &nums[n]) < 0)
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
	uint64_t v = nums[n - 1];
	for (size_t i = 0; i + 1 < n; i++)
		v += nums[i] << (8 * (3 - i));
	*ret = (uint32_t)v;
	return 0;
}

static char *format_ipv4(uint32_t a)
{
	return xasprintf("%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* WHATWG IPv6 serialiser: lowercase hex, longest run (>= 2) of zero
 * pieces compressed; IPv4-mapped addresses become dotted IPv4. */
static char *format_ipv6(const unsigned char b[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned pieces[8];
	int best = -1, best_len = 1;
	char out[64];
	size_t o = 0;

	if (memcmp(b, mapped, 12) == 0)
		return format_ipv4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	for (int i = 0; i < 8; i++)
		pieces[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && pieces[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, i == 0 ? "::" : ":");
			i += best_len - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%x%s", pieces[i], i < 7 ? ":" : "");
	}
	return xstrdup(out);
}

/* Canonical IPv6 from text without brackets; -1 when not IPv6. */
static int canonical_ipv6(const char *s, size_t len, char **ret)
{
	unsigned char b[16];
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, b) != 1)
		return -1;
	*ret = format_ipv6(b);
	return 0;
}

static bool is_host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

int policy_canonical_host(const char *host, char **ret, bool *ret_is_ip)
{
	size_t len;
	uint32_t v4;
	char *out;

	if (!host)
		return -1;
	len = strlen(host);
	if (len == 0 || len > 255)
		return -1;
	if (host[0] == '[' || strchr(host, ':')) {
		const char *s = host;
		if (host[0] == '[') {
			if (len < 3 || host[len - 1] != ']')
				return -1;
			s = host + 1;
			len -= 2;
		}
		if (memchr(s, '%', len) || canonical_ipv6(s, len, &out) < 0)
			return -1;
		if (ret_is_ip)
			*ret_is_ip = true;
		*ret = out;
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (!is_host_char(host[i]))
			return -1;
	if (ends_in_number(host, len)) {
		if (parse_ipv4(host, len, &v4) < 0)
			return -1;
		if (ret_is_ip)
			*ret_is_ip = true;
		*ret = format_ipv4(v4);
		return 0;
	}
	if (host[len - 1] == '.')
		len--;
	if (len == 0)
		return -1;
	out = xstrndup(host, len);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (ret_is_ip)
		*ret_is_ip = false;
	*ret = out;
	return 0;
}

/* "^[1-9][0-9]{0,4}$" and <= 65535 */
static int parse_entry_port(const char *s)
{
	size_t n = strlen(s);
	int v = 0;

	if (n == 0 || n > 5 || s[0] < '1' || s[0] > '9')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

int policy_entry_split(const char *entry, char **ret_host, int *ret_port)
{
	const char *colon;
	int port = 0;

	if (!entry || !*entry)
		return -1;
	if (entry[0] == '[') {
		const char *end = strchr(entry, ']');
		const char *pct;
		size_t hlen;
		char *h;
		if (!end)
			return -1;
		if (end[1] == ':') {
			if ((port = parse_entry_port(end + 2)) < 0)
				return -1;
		} else if (end[1] != '\0')
			return -1;
		hlen = (size_t)(end - entry - 1);
		pct = memchr(entry + 1, '%', hlen); /* zone dropped */
		if (pct)
			hlen = (size_t)(pct - entry - 1);
		if (canonical_ipv6(entry + 1, hlen, &h) < 0)
			return -1;
		*ret_host = h;
		*ret_port = port;
		return 0;
	}
	colon = strrchr(entry, ':');
	if (colon) {
		if ((port = parse_entry_port(colon + 1)) < 0)
			return -1;
		if (memchr(entry, ':', (size_t)(colon - entry)) || colon == entry)
			return -1;
		*ret_host = xstrndup(entry, (size_t)(colon - entry));
	} else
		*ret_host = xstrdup(entry);
	*ret_port = port;
	return 0;
}

static const char *deny_reason_for(const struct net_settings *net, const char *entry)
{
	for (size_t i = 0; i < net->n_denied_reasons; i++)
		if (strcmp(net->denied_reasons[i].entry, entry) == 0)
			return net->denied_reasons[i].reason;
	return NULL;
}

static void compile_list(struct policy *p, struct pattern_list *list, const strv *entries,
			 const struct net_settings *net, bool deny)
{
	list->v = xcalloc(entries->n ? entries->n : 1, sizeof(*list->v));
	for (size_t i = 0; i < entries->n; i++) {
		struct pattern *pt = &list->v[list->n];
		char *host;
		int port;

		if (policy_entry_split(entries->v[i], &host, &port) < 0)
			continue;
		for (char *c = host; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		strv_push(&p->entries, entries->v[i]);
		pt->entry = p->entries.v[p->entries.n - 1];
		pt->port = port;
		pt->reason = POLICY_REASON_DENY_LIST;
		if (deny) {
			const char *r = deny_reason_for(net, entries->v[i]);
			if (r) {
				strv_push(&p->entries, r);
				pt->reason = p->entries.v[p->entries.n - 1];
			}
		}
		if (strcmp(host, "*") == 0) {
			pt->kind = PATTERN_ANY;
			pt->host = host;
		} else if (str_has_prefix(host, "*.")) {
			pt->kind = PATTERN_SUFFIX;
			pt->host = xstrdup(host + 1); /* ".base" */
			free(host);
		} else {
			pt->kind = PATTERN_EXACT;
			pt->host = host;
		}
		list->n++;
	}
}

struct policy *policy_new(const struct net_settings *net)
{
	struct policy *p = xcalloc(1, sizeof(*p));

	compile_list(p, &p->allow, &net->allowed_domains, net, false);
	compile_list(p, &p->deny, &net->denied_domains, net, true);
	p->strict = net->strict_allowlist;
	return p;
}

static void free_list(struct pattern_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host);
	free(l->v);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free_list(&p->allow);
	free_list(&p->deny);
	strv_clear(&p->entries);
	free(p);
}

static bool pattern_matches(const struct pattern *pt, const char *host, bool is_ip, int port)
{
	size_t hl, bl;

	if (pt->port && pt->port != port)
		return false;
	switch (pt->kind) {
	case PATTERN_ANY:
		return true;
	case PATTERN_SUFFIX:
		if (is_ip)
			return false;
		hl = strlen(host);
		bl = strlen(pt->host);
		return hl > bl && strcmp(host + hl - bl, pt->host) == 0;
	case PATTERN_EXACT:
		return strcmp(host, pt->host) == 0;
	default:
		return false;
	}
}

static const struct pattern *list_match(const struct pattern_list *l, const char *host, bool is_ip, int port)
{
	for (size_t i = 0; i < l->n; i++)
		if (pattern_matches(&l->v[i], host, is_ip, port))
			return &l->v[i];
	return NULL;
}

bool policy_decide(const struct policy *p, const char *host, int port, struct policy_result *ret)
{
	const struct pattern *m;

	memset(ret, 0, sizeof(*ret));
	if (port < 1 || port > 65535) {
		ret->reason = POLICY_REASON_BAD_PORT;
		return false;
	}
	if (policy_canonical_host(host, &ret->host, &ret->host_is_ip) < 0) {
		ret->reason = POLICY_REASON_MALFORMED;
		return false;
	}
	if ((m = list_match(&p->deny, ret->host, ret->host_is_ip, port))) {
		ret->reason = m->reason;
		ret->rule = m->entry;
		return false;
	}
	if ((m = list_match(&p->allow, ret->host, ret->host_is_ip, port))) {
		ret->allowed = true;
		ret->reason = "allowed";
		ret->rule = m->entry;
		return true;
	}
	/* strictAllowlist, per-command lists and the ask callback all end in
	 * a deny in the CLI, which has neither lists nor callback. */
	ret->reason = POLICY_REASON_NOT_ALLOWED;
	return false;
}

void policy_result_clear(struct policy_result *r)
{
	if (!r)
		return;
	free(r->host);
	memset(r, 0, sizeof(*r));
}
