/* Network policy: host canonicalisation and allow/deny matching (spec 5).
 * Pure: no I/O. */
#include "policy.h"

#include "domain.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct pattern {
	char *host;         /* host pattern as domain_entry_split returns it */
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

/* Every label of a name 1-63 bytes, but for the root's after a final dot:
 * an empty one inside ("a..b", ".a") would end the name early in a DNS
 * query, so srt would look up another name than the one it checked. */
static bool dns_labels_ok(const char *name)
{
	for (const char *p = name;;) {
		size_t n = strcspn(p, ".");
		if (n == 0 || n > 63)
			return false;
		if (!p[n] || !p[n + 1])
			return true;
		p += n + 1;
	}
}

/* Spec 5 step 1 (upstream isValidHost), two stricter points: brackets may
 * only hold an IPv6 literal, and a name must have no empty label.  Step 2 is the shared URL host parser. */
int policy_canonical_host(const char *host, char **ret, bool *ret_is_ip)
{
	size_t len;
	bool v6 = false;
	char *out;

	if (!host)
		return -1;
	len = strlen(host);
	if (len == 0 || len > 255 || strchr(host, '%'))
		return -1;
	if (host[0] == '[' || strchr(host, ':')) {
		_cleanup_free_ char *bare = NULL;
		if (host[0] == '[') {
			if (len < 3 || host[len - 1] != ']')
				return -1;
			bare = xstrndup(host + 1, len - 2);
		} else {
			bare = xstrdup(host);
		}
		if (!ip_is_v6(bare))
			return -1;
		v6 = true;
	} else if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len) {
		return -1;
	}
	out = domain_canonical_host(host);
	if (!out || !*out || (!v6 && !ip_is_v4(out) && !dns_labels_ok(out))) {
		free(out);
		return -1;
	}
	if (ret_is_ip)
		*ret_is_ip = v6 || ip_is_v4(out);
	*ret = out;
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

		if (domain_entry_split(entries->v[i], &host, &port) < 0)
			continue;
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
		pt->host = host;
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

static bool pattern_matches(const struct pattern *pt, const char *host, int port)
{
	return (!pt->port || pt->port == port) && domain_pattern_matches(host, pt->host);
}

static const struct pattern *list_match(const struct pattern_list *l, const char *host, int port)
{
	for (size_t i = 0; i < l->n; i++)
		if (pattern_matches(&l->v[i], host, port))
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
	if ((m = list_match(&p->deny, ret->host, port))) {
		ret->reason = m->reason;
		ret->rule = m->entry;
		return false;
	}
	if ((m = list_match(&p->allow, ret->host, port))) {
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
