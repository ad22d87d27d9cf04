/* Settings file: json-c → struct srt_config, validated the way upstream's
 * zod schema does it (spec section 1), and loaded as spec section 2 says.
 *
 * Validation mirrors zod v3 semantics because the error text and the
 * accept/reject verdict are part of the interface:
 *   - every problem is collected, as "<dotted.path>: <message>";
 *   - a type error (or enum/union/literal mismatch) "aborts" its value and
 *     every enclosing one, a failed check (min, max, refine, strict keys)
 *     only makes it "dirty";
 *   - a refinement on an object runs only when that object is not aborted,
 *     so the top-level cross-field rules are hidden by shape errors.
 * This is the only file that includes json-c. */
#include "config.h"

#include "domain.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (16u * 1024 * 1024)
#define JSON_MAX_DEPTH 256
#define PATH_MAX_DEPTH 32

#define FILE_RULES "this file's rules (its denyRead, allowRead and credential entries included)"
#define FLAG_RULES "the rules --settings asked for"

/* Validation status of one value, ordered so that MAX() combines them. */
enum { V_OK = 0, V_DIRTY = 1, V_ABORT = 2 };
static inline void merge_status(int *st, int x)
{
	if (x > *st)
		*st = x;
}
#define MERGE(st, x) merge_status(&(st), (x))

/* json-c represents JSON null as NULL, so an absent key needs its own
 * marker.  Never handed to json-c. */
static char j_absent_tag;
#define J_ABSENT ((json_object *)(void *)&j_absent_tag)

struct vctx {
	strv issues; /* "<path>: <message>" in zod's order */
	char *path[PATH_MAX_DEPTH];
	int depth;
};

static void push_key(struct vctx *c, const char *key)
{
	if (c->depth >= PATH_MAX_DEPTH)
		abort(); /* the schema is not that deep */
	c->path[c->depth++] = xstrdup(key);
}

static void push_idx(struct vctx *c, size_t i)
{
	if (c->depth >= PATH_MAX_DEPTH)
		abort();
	c->path[c->depth++] = xasprintf("%zu", i);
}

static void pop(struct vctx *c) { free(c->path[--c->depth]); }

__attribute__((format(printf, 2, 3))) static void issue(struct vctx *c, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	size_t len = 0;
	char *p;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	for (int i = 0; i < c->depth; i++)
		len += strlen(c->path[i]) + 1;
	if (c->depth == 0) {
		strv_push_take(&c->issues, xasprintf("(root): %s", msg));
		return;
	}
	p = xmalloc(len + strlen(msg) + 2);
	p[0] = '\0';
	for (int i = 0; i < c->depth; i++) {
		if (i)
			strcat(p, ".");
		strcat(p, c->path[i]);
	}
	strcat(p, ": ");
	strcat(p, msg);
	strv_push_take(&c->issues, p);
}

static void issues_truncate(struct vctx *c, size_t n)
{
	while (c->issues.n > n) {
		free(c->issues.v[--c->issues.n]);
		c->issues.v[c->issues.n] = NULL;
	}
}

static json_object *jget(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return J_ABSENT;
	return v;
}

/* zod's name for the type of a value. */
static const char *jtype(json_object *j)
{
	if (j == J_ABSENT)
		return "undefined";
	if (!j)
		return "null";
	switch (json_object_get_type(j)) {
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	case json_type_null:
	default:
		return "null";
	}
}

static bool jis(json_object *j, json_type t) { return j != J_ABSENT && j && json_object_is_type(j, t); }

/* An invalid_type issue; always aborts. */
static int type_issue(struct vctx *c, json_object *j, const char *expected)
{
	if (j == J_ABSENT)
		issue(c, "Required");
	else
		issue(c, "Expected %s, received %s", expected, jtype(j));
	return V_ABORT;
}

/* Keys of an object in JavaScript's enumeration order: array-index keys
 * ascending first, then the rest in insertion order. */
static int js_index_key(const char *k, unsigned long *ret)
{
	unsigned long v = 0;

	if (!*k || (k[0] == '0' && k[1]) || strlen(k) > 10)
		return 0;
	for (const char *p = k; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v >= 4294967295UL)
		return 0;
	*ret = v;
	return 1;
}

static int cmp_index_keys(const void *a, const void *b)
{
	unsigned long x = 0, y = 0;
	js_index_key(*(char *const *)a, &x);
	js_index_key(*(char *const *)b, &y);
	return x < y ? -1 : x > y;
}

static void js_keys(json_object *obj, strv *out)
{
	strv idx = { 0 };
	unsigned long dummy;

	json_object_object_foreach(obj, k, v)
	{
		(void)v;
		if (js_index_key(k, &dummy))
			strv_push(&idx, k);
	}
	if (idx.n)
		qsort(idx.v, idx.n, sizeof(char *), cmp_index_keys);
	strv_extend(out, &idx);
	strv_clear(&idx);
	json_object_object_foreach(obj, k2, v2)
	{
		(void)v2;
		if (!js_index_key(k2, &dummy))
			strv_push(out, k2);
	}
}

/* Strict objects: "Unrecognized key(s) in object: 'a', 'b'". */
static int strict_keys(struct vctx *c, json_object *obj, const char *const *known)
{
	strv keys = { 0 };
	char *msg = NULL;
	size_t len = 0;
	int st = V_OK;

	js_keys(obj, &keys);
	for (size_t i = 0; i < keys.n; i++) {
		bool found = false;
		for (const char *const *k = known; *k; k++)
			if (strcmp(*k, keys.v[i]) == 0)
				found = true;
		if (found)
			continue;
		msg = xrealloc(msg, len + strlen(keys.v[i]) + 5);
		len += (size_t)sprintf(msg + len, "%s'%s'", len ? ", " : "", keys.v[i]);
	}
	if (msg) {
		issue(c, "Unrecognized key(s) in object: %s", msg);
		st = V_DIRTY;
	}
	free(msg);
	strv_clear(&keys);
	return st;
}

/* Length as JavaScript counts it (UTF-16 code units). */
static size_t js_length(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* ---- scalar validators ------------------------------------------------ */

static int v_bool(struct vctx *c, json_object *j, bool *out)
{
	if (!jis(j, json_type_boolean))
		return type_issue(c, j, "boolean");
	if (out)
		*out = json_object_get_boolean(j);
	return V_OK;
}

/* A string; min1_msg != NULL adds zod's .min(1, msg). */
static int v_str(struct vctx *c, json_object *j, const char *min1_msg, const char **out)
{
	const char *s;
	int st = V_OK;

	if (!jis(j, json_type_string))
		return type_issue(c, j, "string");
	s = json_object_get_string(j);
	/* C strings end at NUL: a value with an embedded one cannot mean
	 * what it says to any program srt hands it to. */
	if ((size_t)json_object_get_string_len(j) != strlen(s)) {
		issue(c, "String must not contain NUL characters");
		st = V_DIRTY;
	}
	if (min1_msg && !*s) {
		issue(c, "%s", min1_msg);
		st = V_DIRTY;
	}
	if (out)
		*out = s;
	return st;
}

#define MIN1 "String must contain at least 1 character(s)"

/* A number with .int() and a range; every check runs, as in zod. */
static int v_int(struct vctx *c, json_object *j, long min, long max, long *out)
{
	double d;
	int st = V_OK;

	if (!jis(j, json_type_int) && !jis(j, json_type_double))
		return type_issue(c, j, "number");
	if (json_object_is_type(j, json_type_int))
		d = (double)json_object_get_int64(j);
	else
		d = json_object_get_double(j);
	/* Every double of magnitude >= 2^53 is an integer. */
	if (!isfinite(d) || (fabs(d) < 9007199254740992.0 && (double)(int64_t)d != d)) {
		issue(c, "Expected integer, received float");
		st = V_DIRTY;
	}
	if (d < (double)min) {
		issue(c, "Number must be greater than or equal to %ld", min);
		st = V_DIRTY;
	}
	if (d > (double)max) {
		issue(c, "Number must be less than or equal to %ld", max);
		st = V_DIRTY;
	}
	if (out && st == V_OK)
		*out = (long)d;
	return st;
}

static char *join_options(const char *const *opts)
{
	char *s = xstrdup("");

	for (const char *const *o = opts; *o; o++) {
		char *n = xasprintf("%s%s'%s'", s, o == opts ? "" : " | ", *o);
		free(s);
		s = n;
	}
	return s;
}

static int v_enum(struct vctx *c, json_object *j, const char *const *opts, int *out)
{
	_cleanup_free_ char *expected = join_options(opts);
	const char *s;

	if (!jis(j, json_type_string))
		return type_issue(c, j, expected);
	s = json_object_get_string(j);
	for (int i = 0; opts[i]; i++) {
		if (strcmp(opts[i], s) == 0) {
			if (out)
				*out = i;
			return V_OK;
		}
	}
	issue(c, "Invalid enum value. Expected %s, received '%s'", expected, s);
	return V_ABORT;
}

/* ---- item grammars of string arrays ----------------------------------- */

enum item_kind {
	ITEM_ANY,
	ITEM_NONEMPTY, /* .min(1), zod's default message */
	ITEM_DOMAIN_ALLOW,
	ITEM_DOMAIN_DENY,
	ITEM_DOMAIN_HOST,
	ITEM_ADDRESS,
	ITEM_MACH,
};

/* IP literal or CIDR (deniedResolvedAddresses); the guard parses the
 * same grammar (domain.c). */
static bool address_range_valid(const char *entry)
{
	unsigned char a[16];
	int prefix;

	return ip_range_parse(entry, a, &prefix) == 0;
}

static int v_item(struct vctx *c, json_object *j, enum item_kind kind, const char **out)
{
	const char *s = NULL;
	_cleanup_free_ char *err = NULL;
	int st;

	st = v_str(c, j, kind == ITEM_NONEMPTY ? MIN1 : NULL, &s);
	if (st == V_ABORT)
		return st;
	*out = s;
	switch (kind) {
	case ITEM_DOMAIN_ALLOW:
	case ITEM_DOMAIN_DENY:
	case ITEM_DOMAIN_HOST:
		if (!domain_entry_validate(s,
					   kind == ITEM_DOMAIN_ALLOW  ? DOMAIN_ALLOW
					   : kind == ITEM_DOMAIN_DENY ? DOMAIN_DENY
								      : DOMAIN_HOSTONLY,
					   &err)) {
			issue(c, "%s", err);
			MERGE(st, V_DIRTY);
		}
		break;
	case ITEM_ADDRESS:
		if (!address_range_valid(s)) {
			issue(c, "Invalid IP address or CIDR range. Use an IPv4/IPv6 literal or CIDR, e.g. "
				 "\"10.0.0.0/8\", \"192.168.1.10\", \"fc00::/7\" (IPv6 unbracketed).");
			MERGE(st, V_DIRTY);
		}
		break;
	case ITEM_MACH: {
		size_t n = strlen(s);
		if (memchr(s, '*', n && s[n - 1] == '*' ? n - 1 : n)) {
			issue(c, "Wildcards are only allowed as a single trailing \"*\" (e.g., "
				 "\"com.example.*\" or \"*\" for all services).");
			MERGE(st, V_DIRTY);
		}
		break;
	}
	case ITEM_ANY:
	case ITEM_NONEMPTY:
	default:
		break;
	}
	return st;
}

static int v_strv(struct vctx *c, json_object *j, enum item_kind kind, strv *out)
{
	int st = V_OK;
	size_t n;

	if (!jis(j, json_type_array))
		return type_issue(c, j, "array");
	n = json_object_array_length(j);
	for (size_t i = 0; i < n; i++) {
		const char *s = NULL;
		int ist;
		push_idx(c, i);
		ist = v_item(c, json_object_array_get_idx(j, i), kind, &s);
		pop(c);
		MERGE(st, ist);
		if (ist != V_ABORT)
			strv_push(out, s);
	}
	return st;
}

/* ---- field helpers: look a key up, validate it under its path --------- */

static int f_bool(struct vctx *c, json_object *obj, const char *key, bool *out)
{
	json_object *j = jget(obj, key);
	int st;

	if (j == J_ABSENT)
		return V_OK;
	push_key(c, key);
	st = v_bool(c, j, out);
	pop(c);
	return st;
}

/* Optional string (required when req): strdup'd into *out. */
static int f_str(struct vctx *c, json_object *obj, const char *key, bool req, const char *min1_msg,
		 char **out)
{
	json_object *j = jget(obj, key);
	const char *s = NULL;
	int st;

	if (j == J_ABSENT && !req)
		return V_OK;
	push_key(c, key);
	st = v_str(c, j, min1_msg, &s);
	pop(c);
	if (st != V_ABORT && out) {
		free(*out);
		*out = xstrdup(s);
	}
	return st;
}

static int f_int(struct vctx *c, json_object *obj, const char *key, long min, long max, int *out)
{
	json_object *j = jget(obj, key);
	long v = 0;
	int st;

	if (j == J_ABSENT)
		return V_OK;
	push_key(c, key);
	st = v_int(c, j, min, max, &v);
	pop(c);
	if (st == V_OK && out)
		*out = (int)v;
	return st;
}

static int f_enum(struct vctx *c, json_object *obj, const char *key, const char *const *opts, int *out,
		  bool *present)
{
	json_object *j = jget(obj, key);
	int st;

	if (j == J_ABSENT)
		return V_OK;
	push_key(c, key);
	st = v_enum(c, j, opts, out);
	pop(c);
	if (present)
		*present = true;
	return st;
}

static int f_strv(struct vctx *c, json_object *obj, const char *key, bool req, enum item_kind kind,
		  strv *out, bool *present)
{
	json_object *j = jget(obj, key);
	int st;

	if (j == J_ABSENT && !req)
		return V_OK;
	if (present)
		*present = true;
	push_key(c, key);
	st = v_strv(c, j, kind, out);
	pop(c);
	return st;
}

/* Look up an object-valued key; V_OK with *ret NULL when absent. */
static int f_obj(struct vctx *c, json_object *obj, const char *key, bool req, json_object **ret)
{
	json_object *j = jget(obj, key);

	*ret = NULL;
	if (j == J_ABSENT && !req)
		return V_OK;
	if (!jis(j, json_type_object)) {
		int st;
		push_key(c, key);
		st = type_issue(c, j, "object");
		pop(c);
		return st;
	}
	*ret = j;
	return V_OK;
}

/* A copy of obj with only the known keys (zod's output for a stripping
 * object); nested objects are the caller's business. */
static json_object *strip_copy(json_object *obj, const char *const *known)
{
	json_object *out = json_object_new_object();

	for (const char *const *k = known; *k; k++) {
		json_object *v = jget(obj, *k);
		if (v == J_ABSENT)
			continue;
		json_object_object_add(out, *k, json_object_get(v));
	}
	return out;
}

static char *json_text(json_object *j)
{
	return xstrdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- filesystem ------------------------------------------------------- */

#define FS_ENTRY_UNION_MSG "Expected a path, or { \"path\": \"<path>\", \"literal\": true }"

static int v_fs_entry(struct vctx *c, json_object *j, struct fs_entry *out)
{
	static const char *const known[] = { "path", "literal", NULL };
	size_t mark = c->issues.n;
	const char *s = NULL;
	int st;

	if (jis(j, json_type_string)) {
		st = v_str(c, j, "Path cannot be empty", &s);
		out->path = xstrdup(s);
		out->literal = false;
		return st;
	}
	if (jis(j, json_type_object)) {
		json_object *lit = jget(j, "literal");
		push_key(c, "path");
		st = v_str(c, jget(j, "path"), "Path cannot be empty", &s);
		pop(c);
		if (!jis(lit, json_type_boolean) || !json_object_get_boolean(lit))
			st = V_ABORT; /* z.literal(true) */
		if (st != V_ABORT)
			MERGE(st, strict_keys(c, j, known));
		if (st != V_ABORT) {
			out->path = xstrdup(s);
			out->literal = true;
			return st;
		}
		issues_truncate(c, mark);
	}
	issue(c, FS_ENTRY_UNION_MSG);
	return V_ABORT;
}

static int f_fs_entries(struct vctx *c, json_object *obj, const char *key, bool req, struct fs_entries *out)
{
	json_object *j = jget(obj, key);
	int st = V_OK;
	size_t n;

	if (j == J_ABSENT && !req)
		return V_OK;
	push_key(c, key);
	if (!jis(j, json_type_array)) {
		st = type_issue(c, j, "array");
		pop(c);
		return st;
	}
	n = json_object_array_length(j);
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		struct fs_entry e = { 0 };
		int ist;
		push_idx(c, i);
		ist = v_fs_entry(c, json_object_array_get_idx(j, i), &e);
		pop(c);
		MERGE(st, ist);
		if (e.path)
			out->v[out->n++] = e;
	}
	pop(c);
	return st;
}

static int v_filesystem(struct vctx *c, json_object *fs, struct fs_settings *out)
{
	int st = V_OK;

	MERGE(st, f_bool(c, fs, "disabled", &out->disabled));
	MERGE(st, f_fs_entries(c, fs, "denyRead", true, &out->deny_read));
	MERGE(st, f_fs_entries(c, fs, "allowRead", false, &out->allow_read));
	MERGE(st, f_fs_entries(c, fs, "allowWrite", true, &out->allow_write));
	MERGE(st, f_fs_entries(c, fs, "denyWrite", true, &out->deny_write));
	MERGE(st, f_bool(c, fs, "allowGitConfig", &out->allow_git_config));
	return st;
}

/* ---- network ---------------------------------------------------------- */

/* zod's .url(): whatever WHATWG `new URL()` accepts.  An approximation
 * of that parser good for the proxy URLs people write. */
static bool url_valid(const char *raw)
{
	static const char *const special[] = { "http", "https", "ws", "wss", "ftp", "file", NULL };
	_cleanup_free_ char *u = NULL;
	const char *p, *auth, *end, *host, *at, *colon;
	size_t len, scheme_len;
	bool is_special = false;
	_cleanup_free_ char *hostpart = NULL;

	/* Leading/trailing C0 controls and spaces are trimmed, tabs and
	 * newlines removed anywhere. */
	while (*raw && (unsigned char)*raw <= 0x20)
		raw++;
	u = xstrdup(raw);
	len = strlen(u);
	while (len && (unsigned char)u[len - 1] <= 0x20)
		u[--len] = '\0';
	{
		char *w = u;
		for (char *r = u; *r; r++)
			if (*r != '\t' && *r != '\n' && *r != '\r')
				*w++ = *r;
		*w = '\0';
	}
	if (!isalpha((unsigned char)u[0]))
		return false;
	for (p = u + 1; isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'; p++)
		;
	if (*p != ':')
		return false;
	scheme_len = (size_t)(p - u);
	for (const char *const *s = special; *s; s++)
		if (strlen(*s) == scheme_len && strncasecmp(u, *s, scheme_len) == 0)
			is_special = true;
	p++;
	if (!is_special)
		return true; /* opaque paths and authorities are hardly checked */
	if (scheme_len == 4 && strncasecmp(u, "file", 4) == 0)
		return true;
	while (*p == '/' || *p == '\\')
		p++;
	auth = p;
	end = auth + strcspn(auth, "/\\?#");
	at = NULL;
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	host = at ? at + 1 : auth;
	if (host >= end)
		return false;
	hostpart = xstrndup(host, (size_t)(end - host));
	if (hostpart[0] == '[') {
		char *close = strchr(hostpart, ']');
		struct in6_addr a;
		if (!close)
			return false;
		*close = '\0';
		if (inet_pton(AF_INET6, hostpart + 1, &a) != 1)
			return false;
		colon = close + 1;
		if (*colon && *colon != ':')
			return false;
	} else {
		char *cl = strchr(hostpart, ':');
		_cleanup_free_ char *canon = NULL;
		if (cl)
			*cl = '\0';
		canon = domain_canonical_host(hostpart);
		if (!canon || !*canon)
			return false;
		if (cl)
			*cl = ':';
		colon = cl;
	}
	if (colon && *colon == ':') {
		const char *port = colon + 1;
		size_t n = strlen(port);
		if (strspn(port, "0123456789") != n || (n > 0 && strtoul(port, NULL, 10) > 65535) || n > 10)
			return false;
	}
	return true;
}

static int v_mitm(struct vctx *c, json_object *m, struct net_settings *out)
{
	int st = V_OK;
	json_object *d = jget(m, "domains");

	MERGE(st, f_str(c, m, "socketPath", true, MIN1, &out->mitm_socket_path));
	push_key(c, "domains");
	if (!jis(d, json_type_array)) {
		MERGE(st, type_issue(c, d, "array"));
	} else {
		MERGE(st, v_strv(c, d, ITEM_DOMAIN_HOST, &out->mitm_domains));
		if (json_object_array_length(d) < 1) {
			issue(c, "Array must contain at least 1 element(s)");
			MERGE(st, V_DIRTY);
		}
	}
	pop(c);
	return st;
}

static int v_parent_proxy(struct vctx *c, json_object *pp, struct net_settings *out)
{
	static const char *const keys[] = { "http", "https" };
	int st = V_OK;

	for (int i = 0; i < 2; i++) {
		json_object *j = jget(pp, keys[i]);
		const char *s = NULL;
		int fst;
		if (j == J_ABSENT)
			continue;
		push_key(c, keys[i]);
		fst = v_str(c, j, NULL, &s);
		if (fst != V_ABORT && !url_valid(s)) {
			issue(c, "Invalid url");
			fst = V_DIRTY;
		}
		pop(c);
		MERGE(st, fst);
		if (fst != V_ABORT) {
			char **dst = i == 0 ? &out->parent_http : &out->parent_https;
			free(*dst);
			*dst = xstrdup(s);
		}
	}
	MERGE(st, f_str(c, pp, "noProxy", false, NULL, &out->parent_no_proxy));
	return st;
}

struct tls_info {
	bool present;
	strv exclude;
	json_object *stripped;
};

static int v_tls(struct vctx *c, json_object *t, struct tls_info *ti)
{
	static const char *const known[] = { "caCertPath", "caKeyPath", "excludeDomains", "extraCaCertPaths",
					     "maxTunnels", "handshakeTimeoutMs", NULL };
	_cleanup_free_ char *cert = NULL, *key = NULL;
	strv extra = { 0 };
	int st = V_OK;

	MERGE(st, f_str(c, t, "caCertPath", false, MIN1, &cert));
	MERGE(st, f_str(c, t, "caKeyPath", false, MIN1, &key));
	MERGE(st, f_strv(c, t, "excludeDomains", false, ITEM_DOMAIN_HOST, &ti->exclude, NULL));
	MERGE(st, f_strv(c, t, "extraCaCertPaths", false, ITEM_NONEMPTY, &extra, NULL));
	MERGE(st, f_int(c, t, "maxTunnels", 1, 65536, NULL));
	MERGE(st, f_int(c, t, "handshakeTimeoutMs", 100, 600000, NULL));
	strv_clear(&extra);
	if (st == V_ABORT)
		return st;
	/* !caCertPath === !caKeyPath, where "" counts as absent. */
	if ((cert && *cert) != (key && *key)) {
		issue(c, "caCertPath and caKeyPath must be provided together");
		MERGE(st, V_DIRTY);
	}
	ti->stripped = strip_copy(t, known);
	return st;
}

static int v_reasons(struct vctx *c, json_object *r, struct net_settings *out)
{
	strv keys = { 0 };
	int st = V_OK;

	if (!jis(r, json_type_object))
		return type_issue(c, r, "object");
	js_keys(r, &keys);
	out->denied_reasons = xcalloc(keys.n ? keys.n : 1, sizeof(*out->denied_reasons));
	for (size_t i = 0; i < keys.n; i++) {
		const char *s = NULL;
		int ist;
		push_key(c, keys.v[i]);
		ist = v_str(c, jget(r, keys.v[i]), MIN1, &s);
		pop(c);
		MERGE(st, ist);
		if (ist != V_ABORT) {
			struct domain_reason *dr = &out->denied_reasons[out->n_denied_reasons++];
			dr->entry = xstrdup(keys.v[i]);
			dr->reason = xstrdup(s);
		}
	}
	strv_clear(&keys);
	return st;
}

static int v_network(struct vctx *c, json_object *n, struct net_settings *out, struct tls_info *ti)
{
	static const char *const ambiguous[] = { "refuse", "asSpelled", "normalize", NULL };
	json_object *o, *fr;
	int st = V_OK, e = 0;

	MERGE(st, f_strv(c, n, "allowedDomains", true, ITEM_DOMAIN_ALLOW, &out->allowed_domains, NULL));
	MERGE(st, f_strv(c, n, "deniedDomains", true, ITEM_DOMAIN_DENY, &out->denied_domains, NULL));
	o = jget(n, "deniedDomainReasons");
	if (o != J_ABSENT) {
		push_key(c, "deniedDomainReasons");
		MERGE(st, v_reasons(c, o, out));
		pop(c);
	}
	MERGE(st, f_bool(c, n, "strictAllowlist", &out->strict_allowlist));
	MERGE(st, f_strv(c, n, "deniedResolvedAddresses", false, ITEM_ADDRESS, &out->denied_resolved_addresses,
			 NULL));
	MERGE(st, f_strv(c, n, "allowUnixSockets", false, ITEM_ANY, &out->allow_unix_sockets, NULL));
	MERGE(st, f_bool(c, n, "allowAllUnixSockets", &out->allow_all_unix_sockets));
	MERGE(st, f_bool(c, n, "allowLocalBinding", &out->allow_local_binding));
	MERGE(st, f_strv(c, n, "allowMachLookup", false, ITEM_MACH, &out->allow_mach_lookup, NULL));
	MERGE(st, f_int(c, n, "httpProxyPort", 1, 65535, &out->http_proxy_port));
	MERGE(st, f_int(c, n, "socksProxyPort", 1, 65535, &out->socks_proxy_port));
	MERGE(st, f_obj(c, n, "mitmProxy", false, &o));
	if (o) {
		out->has_mitm_proxy = true;
		push_key(c, "mitmProxy");
		MERGE(st, v_mitm(c, o, out));
		pop(c);
	}
	fr = jget(n, "filterRequest");
	if (fr != J_ABSENT) {
		/* A function cannot be written in JSON: any value fails, fatally. */
		push_key(c, "filterRequest");
		issue(c, "filterRequest must be a function");
		pop(c);
		MERGE(st, V_ABORT);
	}
	MERGE(st, f_bool(c, n, "allowPlaintextHeaderSet", &out->allow_plaintext_header_set));
	MERGE(st, f_strv(c, n, "stripResponseHeaders", false, ITEM_NONEMPTY, &out->strip_response_headers, NULL));
	MERGE(st, f_bool(c, n, "refuseOpaqueTunnels", &out->refuse_opaque_tunnels));
	MERGE(st, f_bool(c, n, "requireHostMatch", &out->require_host_match));
	MERGE(st, f_enum(c, n, "ambiguousRequestTarget", ambiguous, &e, NULL));
	out->ambiguous_request_target = (enum ambiguous_target)e;
	MERGE(st, f_obj(c, n, "tlsTerminate", false, &o));
	if (o) {
		ti->present = out->has_tls_terminate = true;
		push_key(c, "tlsTerminate");
		MERGE(st, v_tls(c, o, ti));
		pop(c);
	}
	MERGE(st, f_obj(c, n, "parentProxy", false, &o));
	if (o) {
		out->has_parent_proxy = true;
		push_key(c, "parentProxy");
		MERGE(st, v_parent_proxy(c, o, out));
		pop(c);
	}
	return st;
}

/* ---- credentials ------------------------------------------------------ */

struct cred {
	char *key; /* files: path; envVars: name */
	int mode;  /* 0 deny, 1 mask */
	bool has_extract, has_decode, has_mask_claims, has_inject;
	size_t n_mask_claims;
	strv inject;
};

struct creds {
	struct cred *files, *vars;
	size_t n_files, n_vars;
	bool allow_plaintext_inject;
	struct aws_pair {
		char *var[3]; /* access key id, secret, session token (may be NULL) */
	} *pairs;
	size_t n_pairs;
};

static void creds_clear(struct creds *cr)
{
	for (size_t i = 0; i < cr->n_files; i++) {
		free(cr->files[i].key);
		strv_clear(&cr->files[i].inject);
	}
	for (size_t i = 0; i < cr->n_vars; i++) {
		free(cr->vars[i].key);
		strv_clear(&cr->vars[i].inject);
	}
	for (size_t i = 0; i < cr->n_pairs; i++)
		for (int k = 0; k < 3; k++)
			free(cr->pairs[i].var[k]);
	free(cr->files);
	free(cr->vars);
	free(cr->pairs);
}

/* A JavaScript RegExp's syntax, checked approximately: balanced groups,
 * closed classes, no dangling quantifier, no trailing backslash.
 * Returns the number of capturing groups, or -1 with *ret_msg. */
static int js_regex_groups(const char *re, const char **ret_msg)
{
	int depth = 0, groups = 0;
	bool can_repeat = false;

	for (const char *p = re; *p; p++) {
		switch (*p) {
		case '\\':
			if (!p[1]) {
				*ret_msg = "\\ at end of pattern";
				return -1;
			}
			p++;
			can_repeat = true;
			break;
		case '[':
			p++;
			if (*p == '^')
				p++;
			while (*p && *p != ']') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (!*p) {
				*ret_msg = "Unterminated character class";
				return -1;
			}
			can_repeat = true;
			break;
		case '(':
			depth++;
			can_repeat = false;
			if (p[1] != '?') {
				groups++;
			} else if (p[2] == ':' || p[2] == '=' || p[2] == '!') {
				p += 2;
			} else if (p[2] == '<' && (p[3] == '=' || p[3] == '!')) {
				p += 3;
			} else if (p[2] == '<') {
				const char *gt = strchr(p + 3, '>');
				if (!gt || gt == p + 3) {
					*ret_msg = "Invalid capture group name";
					return -1;
				}
				groups++; /* named group */
				p = gt;
			} else {
				*ret_msg = "Invalid group";
				return -1;
			}
			break;
		case ')':
			if (depth == 0) {
				*ret_msg = "Unmatched ')'";
				return -1;
			}
			depth--;
			can_repeat = true;
			break;
		case '|':
		case '^':
		case '$':
			can_repeat = false; /* assertions take no quantifier */
			break;
		case '*':
		case '+':
		case '?':
			if (!can_repeat) {
				*ret_msg = "Nothing to repeat";
				return -1;
			}
			if (p[1] == '?')
				p++;
			can_repeat = false;
			break;
		case '{': {
			/* A well-formed {n} / {n,} / {n,m} is a quantifier. */
			const char *q = p + 1;
			if (isdigit((unsigned char)*q)) {
				while (isdigit((unsigned char)*q))
					q++;
				if (*q == ',')
					q++;
				while (isdigit((unsigned char)*q))
					q++;
				if (*q == '}') {
					if (!can_repeat) {
						*ret_msg = "Nothing to repeat";
						return -1;
					}
					p = q;
					if (p[1] == '?')
						p++; /* lazy */
					can_repeat = false;
					break;
				}
			}
			can_repeat = true;
			break;
		}
		default:
			can_repeat = true;
			break;
		}
	}
	if (depth > 0) {
		*ret_msg = "Unterminated group";
		return -1;
	}
	return groups;
}

static int v_env_name(struct vctx *c, json_object *j, char **out)
{
	const char *s = NULL;
	int st = v_str(c, j, NULL, &s);
	bool okname;

	if (st == V_ABORT)
		return st;
	okname = isalpha((unsigned char)s[0]) || s[0] == '_';
	for (const char *p = s; okname && *p; p++)
		okname = isalnum((unsigned char)*p) || *p == '_';
	if (!okname) {
		issue(c, "Environment variable name must start with a letter or underscore and contain only "
			 "letters, digits, and underscores");
		st = V_DIRTY;
	}
	*out = xstrdup(s);
	return st;
}

static int v_cred_entry(struct vctx *c, json_object *j, bool is_file, struct cred *out)
{
	static const char *const modes[] = { "deny", "mask", NULL };
	static const char *const nomatch[] = { "warn", "deny", "error", NULL };
	static const char *const decodes[] = { "jwt", NULL };
	json_object *x;
	int st = V_OK;
	strv claims = { 0 };

	if (!jis(j, json_type_object))
		return type_issue(c, j, "object");
	if (is_file) {
		MERGE(st, f_str(c, j, "path", true, "Path cannot be empty", &out->key));
	} else {
		push_key(c, "name");
		MERGE(st, v_env_name(c, jget(j, "name"), &out->key));
		pop(c);
	}
	push_key(c, "mode");
	MERGE(st, v_enum(c, jget(j, "mode"), modes, &out->mode));
	pop(c);
	x = jget(j, "extract");
	if (x != J_ABSENT) {
		const char *s = NULL, *msg = NULL;
		int xst;
		out->has_extract = true;
		push_key(c, "extract");
		xst = v_str(c, x, NULL, &s);
		if (xst != V_ABORT) {
			int g = js_regex_groups(s, &msg);
			if (g < 0) {
				issue(c, "extract is not a valid regular expression: Invalid regular expression: /%s/: %s",
				      s, msg);
				xst = V_DIRTY;
			} else if (g < 1) {
				issue(c, "extract must contain at least one capturing group — group 1 is the credential "
					 "value to mask (e.g. \"token:\\s*(\\S+)\").");
				xst = V_DIRTY;
			}
		}
		pop(c);
		MERGE(st, xst);
	}
	MERGE(st, f_enum(c, j, "onExtractNoMatch", nomatch, NULL, NULL));
	MERGE(st, f_enum(c, j, "decode", decodes, NULL, &out->has_decode));
	MERGE(st, f_strv(c, j, "maskClaims", false, ITEM_NONEMPTY, &claims, &out->has_mask_claims));
	out->n_mask_claims = claims.n;
	strv_clear(&claims);
	if (is_file)
		MERGE(st, f_bool(c, j, "maskDuplicates", NULL));
	MERGE(st, f_strv(c, j, "injectHosts", false, ITEM_DOMAIN_HOST, &out->inject, &out->has_inject));
	return st;
}

static int f_cred_list(struct vctx *c, json_object *cr, const char *key, bool is_file, struct cred **ret,
		       size_t *ret_n)
{
	json_object *a = jget(cr, key);
	int st = V_OK;
	size_t n;

	if (a == J_ABSENT)
		return V_OK;
	push_key(c, key);
	if (!jis(a, json_type_array)) {
		st = type_issue(c, a, "array");
		pop(c);
		return st;
	}
	n = json_object_array_length(a);
	*ret = xcalloc(n ? n : 1, sizeof(**ret));
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		push_idx(c, i);
		MERGE(st, v_cred_entry(c, json_object_array_get_idx(a, i), is_file, &(*ret)[i]));
		pop(c);
	}
	pop(c);
	return st;
}

static int v_credentials(struct vctx *c, json_object *cr, struct creds *out, json_object **ret_stripped)
{
	static const char *const known[] = { "files", "envVars", "allowPlaintextInject", "awsPairs", "sigv4", NULL };
	static const char *const file_keys[] = { "path", "mode", "extract", "onExtractNoMatch", "decode",
						 "maskClaims", "maskDuplicates", "injectHosts", NULL };
	static const char *const var_keys[] = { "name", "mode", "extract", "onExtractNoMatch", "decode",
						"maskClaims", "injectHosts", NULL };
	static const char *const pair_keys[] = { "accessKeyIdVar", "secretAccessKeyVar", "sessionTokenVar", NULL };
	static const char *const sig_keys[] = { "streaming", "presigned", "sigv4a", NULL };
	static const char *const sig_modes[] = { "deny", "passthrough", NULL };
	json_object *a, *o;
	int st = V_OK;

	MERGE(st, f_cred_list(c, cr, "files", true, &out->files, &out->n_files));
	MERGE(st, f_cred_list(c, cr, "envVars", false, &out->vars, &out->n_vars));
	MERGE(st, f_bool(c, cr, "allowPlaintextInject", &out->allow_plaintext_inject));
	a = jget(cr, "awsPairs");
	if (a != J_ABSENT) {
		push_key(c, "awsPairs");
		if (!jis(a, json_type_array)) {
			MERGE(st, type_issue(c, a, "array"));
		} else {
			size_t n = json_object_array_length(a);
			out->pairs = xcalloc(n ? n : 1, sizeof(*out->pairs));
			out->n_pairs = n;
			for (size_t i = 0; i < n; i++) {
				json_object *p = json_object_array_get_idx(a, i);
				push_idx(c, i);
				if (!jis(p, json_type_object)) {
					MERGE(st, type_issue(c, p, "object"));
				} else {
					for (int k = 0; k < 3; k++) {
						json_object *v = jget(p, pair_keys[k]);
						if (v == J_ABSENT && k == 2)
							continue;
						push_key(c, pair_keys[k]);
						MERGE(st, v_env_name(c, v, &out->pairs[i].var[k]));
						pop(c);
					}
					MERGE(st, strict_keys(c, p, pair_keys));
				}
				pop(c);
			}
		}
		pop(c);
	}
	MERGE(st, f_obj(c, cr, "sigv4", false, &o));
	if (o) {
		push_key(c, "sigv4");
		for (int k = 0; sig_keys[k]; k++)
			MERGE(st, f_enum(c, o, sig_keys[k], sig_modes, NULL, NULL));
		MERGE(st, strict_keys(c, o, sig_keys));
		pop(c);
	}
	MERGE(st, strict_keys(c, cr, known));
	if (st != V_ABORT) {
		/* zod's output: entries of files/envVars stripped of extra keys. */
		json_object *s = strip_copy(cr, known);
		const char *lists[] = { "files", "envVars" };
		for (int l = 0; l < 2; l++) {
			json_object *arr = jget(cr, lists[l]), *na;
			if (arr == J_ABSENT)
				continue;
			na = json_object_new_array();
			for (size_t i = 0; i < json_object_array_length(arr); i++)
				json_object_array_add(na, strip_copy(json_object_array_get_idx(arr, i),
								     l == 0 ? file_keys : var_keys));
			json_object_object_add(s, lists[l], na);
		}
		*ret_stripped = s;
	}
	return st;
}

/* ---- windows ---------------------------------------------------------- */

static bool uuid_valid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

static int v_windows(struct vctx *c, json_object *w, json_object **ret_stripped)
{
	static const char *const known[] = { "backend", "sandboxUser", "sublayerGuid", "wfpSublayerGuid",
					     "proxyPortRange", "srtWin", NULL };
	static const char *const backends[] = { "mxc", "srt-win", NULL };
	static const char *const guids[] = { "sublayerGuid", "wfpSublayerGuid" };
	static const char *const srtwin_keys[] = { "path", NULL };
	json_object *j, *o;
	int st = V_OK;

	MERGE(st, f_enum(c, w, "backend", backends, NULL, NULL));
	j = jget(w, "sandboxUser");
	if (j != J_ABSENT) {
		const char *s = NULL;
		int ust;
		push_key(c, "sandboxUser");
		ust = v_str(c, j, MIN1, &s);
		if (ust != V_ABORT && js_length(s) > 20) {
			issue(c, "Windows local usernames are limited to 20 characters");
			ust = V_DIRTY;
		}
		pop(c);
		MERGE(st, ust);
	}
	for (int g = 0; g < 2; g++) {
		const char *s = NULL;
		int gst;
		j = jget(w, guids[g]);
		if (j == J_ABSENT)
			continue;
		push_key(c, guids[g]);
		gst = v_str(c, j, NULL, &s);
		if (gst != V_ABORT && !uuid_valid(s)) {
			issue(c, "Invalid uuid");
			gst = V_DIRTY;
		}
		pop(c);
		MERGE(st, gst);
	}
	j = jget(w, "proxyPortRange");
	if (j != J_ABSENT) {
		int tst = V_OK;
		push_key(c, "proxyPortRange");
		if (!jis(j, json_type_array)) {
			tst = type_issue(c, j, "array");
		} else if (json_object_array_length(j) < 2) {
			issue(c, "Array must contain at least 2 element(s)");
			tst = V_ABORT;
		} else {
			long lo = 0, hi = 0;
			if (json_object_array_length(j) > 2) {
				issue(c, "Array must contain at most 2 element(s)");
				tst = V_DIRTY;
			}
			push_idx(c, 0);
			MERGE(tst, v_int(c, json_object_array_get_idx(j, 0), 1, LONG_MAX, &lo));
			pop(c);
			push_idx(c, 1);
			MERGE(tst, v_int(c, json_object_array_get_idx(j, 1), LONG_MIN, 65535, &hi));
			pop(c);
			if (tst != V_ABORT) {
				double dlo = json_object_get_double(json_object_array_get_idx(j, 0));
				double dhi = json_object_get_double(json_object_array_get_idx(j, 1));
				if (!(dlo <= dhi && dhi - dlo <= 64)) {
					issue(c, "low must be ≤ high and range width ≤ 64");
					MERGE(tst, V_DIRTY);
				}
			}
		}
		pop(c);
		MERGE(st, tst);
	}
	MERGE(st, f_obj(c, w, "srtWin", false, &o));
	if (o) {
		push_key(c, "srtWin");
		MERGE(st, f_str(c, o, "path", true, MIN1, NULL));
		pop(c);
	}
	if (st != V_ABORT) {
		json_object *s = strip_copy(w, known);
		if (o)
			json_object_object_add(s, "srtWin", strip_copy(o, srtwin_keys));
		*ret_stripped = s;
	}
	return st;
}

/* ---- top level -------------------------------------------------------- */

static int v_ignore(struct vctx *c, json_object *r, struct srt_config *cfg)
{
	strv keys = { 0 };
	int st = V_OK;

	if (!jis(r, json_type_object))
		return type_issue(c, r, "object");
	js_keys(r, &keys);
	cfg->ignore_violations = xcalloc(keys.n ? keys.n : 1, sizeof(*cfg->ignore_violations));
	for (size_t i = 0; i < keys.n; i++) {
		struct ignore_rule *rule = &cfg->ignore_violations[cfg->n_ignore_violations++];
		rule->command = xstrdup(keys.v[i]);
		push_key(c, keys.v[i]);
		MERGE(st, v_strv(c, jget(r, keys.v[i]), ITEM_ANY, &rule->patterns));
		pop(c);
	}
	strv_clear(&keys);
	return st;
}

static int f_binary_path(struct vctx *c, json_object *obj, const char *key, char **out)
{
	json_object *j = jget(obj, key);
	const char *s = NULL;
	int st;

	if (j == J_ABSENT)
		return V_OK;
	push_key(c, key);
	st = v_str(c, j, "Path cannot be empty", &s);
	if (st != V_ABORT) {
		if (s[0] != '/') {
			issue(c, "Binary path must be absolute");
			st = V_DIRTY;
		}
		free(*out);
		*out = xstrdup(s);
	}
	pop(c);
	return st;
}

/* The deny-glob rule: an absolute or ~ glob ending in '/' matches nothing. */
static void deny_glob_check(struct vctx *c, const char *value)
{
	size_t n = strlen(value), m;

	if (n == 0 || value[n - 1] != '/')
		return;
	if (!strpbrk(value, "*?[]"))
		return;
	if (value[0] != '/' && value[0] != '~')
		return;
	m = n;
	while (m > 0 && value[m - 1] == '/')
		m--;
	issue(c,
	      "Deny glob \"%s\" ends in a separator, so as a pattern it can match no path. Write \"%.*s\", "
	      "which is also read as the path of that name where it exists, or add a \"**\" segment to "
	      "match at any depth.",
	      value, (int)m, value);
}

static void deny_glob_list(struct vctx *c, const char *key, const struct fs_entries *e)
{
	push_key(c, "filesystem");
	push_key(c, key);
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].literal)
			continue;
		push_idx(c, i);
		deny_glob_check(c, e->v[i].path);
		pop(c);
	}
	pop(c);
	pop(c);
}

/* Is every host inject_host can match allowed by one of the patterns
 * (ports already stripped)? */
static bool inject_host_covered(const char *inject_host, const strv *hosts)
{
	if (!str_has_prefix(inject_host, "*.")) {
		for (size_t i = 0; i < hosts->n; i++)
			if (domain_pattern_matches(inject_host, hosts->v[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < hosts->n; i++) {
		const char *p = hosts->v[i], *ib = inject_host + 2, *ab;
		size_t il, al;
		if (!str_has_prefix(p, "*."))
			continue;
		ab = p + 2;
		il = strlen(ib);
		al = strlen(ab);
		if (strcasecmp(ib, ab) == 0)
			return true;
		if (il > al && ib[il - al - 1] == '.' && strcasecmp(ib + il - al, ab) == 0)
			return true;
	}
	return false;
}

static void strip_ports(const strv *entries, strv *out)
{
	for (size_t i = 0; i < entries->n; i++) {
		char *host = NULL;
		int port;
		if (domain_entry_split(entries->v[i], &host, &port) == 0)
			strv_push_take(out, host);
		else
			strv_push(out, entries->v[i]);
	}
}

static void check_masked_entry(struct vctx *c, const struct cred *e, const strv *allowed_hosts,
			       const struct tls_info *ti, bool *has_masked)
{
	if (e->has_inject) {
		push_key(c, "injectHosts");
		for (size_t i = 0; i < e->inject.n; i++) {
			if (inject_host_covered(e->inject.v[i], allowed_hosts))
				continue;
			push_idx(c, i);
			issue(c,
			      "injectHosts entry \"%s\" is not reachable via network.allowedDomains — add \"%s\" "
			      "(or a covering wildcard) to allowedDomains, or remove it from injectHosts.",
			      e->inject.v[i], e->inject.v[i]);
			pop(c);
		}
		pop(c);
	}
	if (e->mode != 1)
		return;
	*has_masked = true;
	if (ti->present && ti->exclude.n > 0) {
		if (e->has_inject) {
			push_key(c, "injectHosts");
			for (size_t i = 0; i < e->inject.n; i++) {
				if (!inject_host_covered(e->inject.v[i], &ti->exclude))
					continue;
				push_idx(c, i);
				issue(c,
				      "injectHosts entry \"%s\" is entirely covered by "
				      "network.tlsTerminate.excludeDomains. Credential injection only runs on "
				      "TLS-terminated connections, so this host would receive the placeholder instead "
				      "of the credential. Remove it from one of the two lists.",
				      e->inject.v[i]);
				pop(c);
			}
			pop(c);
		} else if (allowed_hosts->n > 0) {
			bool all = true;
			for (size_t i = 0; i < allowed_hosts->n && all; i++)
				all = inject_host_covered(allowed_hosts->v[i], &ti->exclude);
			if (all)
				issue(c, "This masked credential has no injectHosts, so it defaults to "
					 "network.allowedDomains — but network.tlsTerminate.excludeDomains covers every "
					 "allowed domain, so it could never be injected anywhere. Credential injection "
					 "only runs on TLS-terminated connections.");
		}
	}
	if (e->has_inject && e->inject.n == 0)
		issue(c, "injectHosts is explicitly empty — the credential would be masked but never injected. "
			 "Omit injectHosts to default to network.allowedDomains, or list the intended hosts.");
}

static void check_mask_claims(struct vctx *c, const struct cred *e, const char *whole)
{
	if (!e->has_mask_claims)
		return;
	push_key(c, "maskClaims");
	if (!e->has_decode)
		issue(c,
		      "maskClaims requires decode — it names claims inside the decoded payload. Set decode (e.g. "
		      "\"jwt\"), or remove maskClaims to mask the %s.",
		      whole);
	if (e->n_mask_claims == 0)
		issue(c, "maskClaims is explicitly empty — no claim would ever be masked. Omit maskClaims to mask "
			 "the whole token, or list the claims to protect.");
	pop(c);
}

static void check_credentials(struct vctx *c, const struct srt_config *cfg, const struct creds *cr,
			      const struct tls_info *ti)
{
	static const char *const slot[] = { "accessKeyIdVar", "secretAccessKeyVar", "sessionTokenVar" };
	strv allowed_hosts = { 0 }, seen = { 0 };
	bool has_masked = false;

	strip_ports(&cfg->network.allowed_domains, &allowed_hosts);
	push_key(c, "credentials");
	push_key(c, "envVars");
	for (size_t i = 0; i < cr->n_vars; i++) {
		push_idx(c, i);
		check_masked_entry(c, &cr->vars[i], &allowed_hosts, ti, &has_masked);
		check_mask_claims(c, &cr->vars[i], "whole value");
		pop(c);
	}
	pop(c);
	push_key(c, "files");
	for (size_t i = 0; i < cr->n_files; i++) {
		const struct cred *f = &cr->files[i];
		push_idx(c, i);
		check_masked_entry(c, f, &allowed_hosts, ti, &has_masked);
		check_mask_claims(c, f, "extracted value whole");
		push_key(c, "path");
		if (f->mode == 1 && str_has_suffix(f->key, "/"))
			issue(c,
			      "Credential mode \"mask\" applies to a single file, not a directory. Use mode "
			      "\"deny\" for \"%s\", or point at the credential file inside it.",
			      f->key);
		if (!cfg->filesystem.disabled && f->mode == 0)
			deny_glob_check(c, f->key);
		pop(c);
		pop(c);
	}
	pop(c);
	push_key(c, "awsPairs");
	for (size_t i = 0; i < cr->n_pairs; i++) {
		push_idx(c, i);
		for (int k = 0; k < 3; k++) {
			const char *name = cr->pairs[i].var[k];
			const struct cred *entry = NULL;
			if (!name)
				continue;
			push_key(c, slot[k]);
			if (strv_contains(&seen, name)) {
				issue(c,
				      "\"%s\" appears in more than one awsPairs slot (within or across pairs) — each "
				      "variable can fill exactly one slot.",
				      name);
				pop(c);
				continue;
			}
			strv_push(&seen, name);
			for (size_t v = 0; v < cr->n_vars && !entry; v++)
				if (cr->vars[v].key && strcmp(cr->vars[v].key, name) == 0)
					entry = &cr->vars[v];
			if (!entry || entry->mode != 1)
				issue(c,
				      "\"%s\" does not reference a credentials.envVars entry with mode \"mask\" — an "
				      "AWS pair links already-masked variables; add the entry (masking is the opt-in "
				      "for SigV4 re-signing).",
				      name);
			else if (entry->has_extract || entry->has_decode)
				issue(c,
				      "\"%s\" uses extract/decode, but an AWS pair member must be masked whole-value: "
				      "the SigV4 trigger is an exact match of the fake access key id, and the signer "
				      "needs the entire real value.",
				      name);
			pop(c);
		}
		pop(c);
	}
	pop(c);
	if (has_masked && !ti->present && !cr->allow_plaintext_inject)
		issue(c, "Credential masking requires network.tlsTerminate so substitution runs only over a "
			 "verified TLS connection. Enable tlsTerminate, or set credentials.allowPlaintextInject to "
			 "opt out (not recommended).");
	pop(c);
	strv_clear(&allowed_hosts);
	strv_clear(&seen);
}

static int v_root(struct vctx *c, json_object *root, struct srt_config *cfg)
{
	json_object *o;
	struct tls_info ti = { 0 };
	struct creds cr = { 0 };
	json_object *cred_stripped = NULL, *win_stripped = NULL;
	int st = V_OK;

	if (!jis(root, json_type_object))
		return type_issue(c, root, "object");

	MERGE(st, f_obj(c, root, "network", true, &o));
	if (o) {
		push_key(c, "network");
		MERGE(st, v_network(c, o, &cfg->network, &ti));
		pop(c);
	}
	MERGE(st, f_obj(c, root, "filesystem", true, &o));
	if (o) {
		push_key(c, "filesystem");
		MERGE(st, v_filesystem(c, o, &cfg->filesystem));
		pop(c);
	}
	MERGE(st, f_obj(c, root, "credentials", false, &o));
	if (o) {
		cfg->has_credentials = true;
		push_key(c, "credentials");
		MERGE(st, v_credentials(c, o, &cr, &cred_stripped));
		pop(c);
		for (size_t i = 0; i < cr.n_files; i++)
			cfg->has_credential_masks |= cr.files[i].mode == 1;
		for (size_t i = 0; i < cr.n_vars; i++)
			cfg->has_credential_masks |= cr.vars[i].mode == 1;
	}
	o = jget(root, "ignoreViolations");
	if (o != J_ABSENT) {
		push_key(c, "ignoreViolations");
		MERGE(st, v_ignore(c, o, cfg));
		pop(c);
	}
	MERGE(st, f_bool(c, root, "enableWeakerNestedSandbox", &cfg->enable_weaker_nested_sandbox));
	MERGE(st, f_bool(c, root, "allowNestedUserNamespaces", &cfg->allow_nested_user_namespaces));
	MERGE(st, f_bool(c, root, "enableWeakerNetworkIsolation", &cfg->enable_weaker_network_isolation));
	MERGE(st, f_bool(c, root, "allowAppleEvents", &cfg->allow_apple_events));
	MERGE(st, f_obj(c, root, "ripgrep", false, &o));
	if (o) {
		push_key(c, "ripgrep");
		MERGE(st, f_str(c, o, "command", true, NULL, &cfg->ripgrep_command));
		MERGE(st, f_strv(c, o, "args", false, ITEM_ANY, &cfg->ripgrep_args, NULL));
		MERGE(st, f_str(c, o, "argv0", false, NULL, &cfg->ripgrep_argv0));
		pop(c);
	}
	MERGE(st, f_int(c, root, "mandatoryDenySearchDepth", 1, 10, &cfg->mandatory_deny_search_depth));
	MERGE(st, f_bool(c, root, "allowPty", &cfg->allow_pty));
	MERGE(st, f_obj(c, root, "seccomp", false, &o));
	if (o) {
		push_key(c, "seccomp");
		MERGE(st, f_str(c, o, "applyPath", false, NULL, &cfg->seccomp_apply_path));
		MERGE(st, f_str(c, o, "argv0", false, NULL, &cfg->seccomp_argv0));
		pop(c);
	}
	MERGE(st, f_binary_path(c, root, "bwrapPath", &cfg->bwrap_path));
	MERGE(st, f_binary_path(c, root, "socatPath", &cfg->socat_path));
	MERGE(st, f_binary_path(c, root, "javaAgentJarPath", &cfg->java_agent_jar_path));
	MERGE(st, f_obj(c, root, "windows", false, &o));
	if (o) {
		cfg->has_windows = true;
		push_key(c, "windows");
		MERGE(st, v_windows(c, o, &win_stripped));
		pop(c);
	}
	MERGE(st, f_obj(c, root, "git", false, &o));
	if (o) {
		cfg->has_git = true;
		push_key(c, "git");
		MERGE(st, f_strv(c, o, "safeDirectories", false, ITEM_ANY, &cfg->git_safe_directories, NULL));
		pop(c);
	}
	/* Our addition: signed receipts. */
	MERGE(st, f_obj(c, root, "receipts", false, &o));
	if (o) {
		push_key(c, "receipts");
		MERGE(st, f_str(c, o, "dir", true, MIN1, &cfg->receipts_dir));
		MERGE(st, f_str(c, o, "key", true, MIN1, &cfg->receipts_key));
		pop(c);
	}

	/* Cross-field rules (zod superRefine): only on an unaborted shape. */
	if (st != V_ABORT) {
		size_t before = c->issues.n;
		if (!cfg->filesystem.disabled) {
			deny_glob_list(c, "denyRead", &cfg->filesystem.deny_read);
			deny_glob_list(c, "denyWrite", &cfg->filesystem.deny_write);
		}
		if (cfg->has_credentials)
			check_credentials(c, cfg, &cr, &ti);
		if (c->issues.n > before)
			MERGE(st, V_DIRTY);
	}
	if (cred_stripped) {
		cfg->credentials_json = json_text(cred_stripped);
		json_object_put(cred_stripped);
	}
	if (win_stripped) {
		cfg->windows_json = json_text(win_stripped);
		json_object_put(win_stripped);
	}
	if (ti.stripped) {
		cfg->tls_terminate_json = json_text(ti.stripped);
		json_object_put(ti.stripped);
	}
	strv_clear(&ti.exclude);
	creds_clear(&cr);
	return st;
}

/* ---- public API ------------------------------------------------------- */

struct srt_config *config_new_defaults(void)
{
	struct srt_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->ripgrep_command = xstrdup("rg");
	cfg->mandatory_deny_search_depth = 3;
	return cfg;
}

static void fs_entries_clear(struct fs_entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].path);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

void config_add_fs_entry(struct fs_entries *list, const char *path, bool literal)
{
	list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
	list->v[list->n++] = (struct fs_entry){ .path = xstrdup(path), .literal = literal };
}

void config_free(struct srt_config *cfg)
{
	struct net_settings *n;

	if (!cfg)
		return;
	n = &cfg->network;
	strv_clear(&n->allowed_domains);
	strv_clear(&n->denied_domains);
	for (size_t i = 0; i < n->n_denied_reasons; i++) {
		free(n->denied_reasons[i].entry);
		free(n->denied_reasons[i].reason);
	}
	free(n->denied_reasons);
	strv_clear(&n->denied_resolved_addresses);
	free(n->mitm_socket_path);
	strv_clear(&n->mitm_domains);
	free(n->parent_http);
	free(n->parent_https);
	free(n->parent_no_proxy);
	strv_clear(&n->strip_response_headers);
	strv_clear(&n->allow_unix_sockets);
	strv_clear(&n->allow_mach_lookup);
	fs_entries_clear(&cfg->filesystem.deny_read);
	fs_entries_clear(&cfg->filesystem.allow_read);
	fs_entries_clear(&cfg->filesystem.allow_write);
	fs_entries_clear(&cfg->filesystem.deny_write);
	for (size_t i = 0; i < cfg->n_ignore_violations; i++) {
		free(cfg->ignore_violations[i].command);
		strv_clear(&cfg->ignore_violations[i].patterns);
	}
	free(cfg->ignore_violations);
	free(cfg->ripgrep_command);
	strv_clear(&cfg->ripgrep_args);
	free(cfg->ripgrep_argv0);
	free(cfg->seccomp_apply_path);
	free(cfg->seccomp_argv0);
	free(cfg->bwrap_path);
	free(cfg->socat_path);
	strv_clear(&cfg->git_safe_directories);
	free(cfg->receipts_dir);
	free(cfg->receipts_key);
	free(cfg->java_agent_jar_path);
	free(cfg->credentials_json);
	free(cfg->tls_terminate_json);
	free(cfg->windows_json);
	free(cfg);
}

/* What json-c accepts and JSON.parse does not, found before json-c sees
 * the text: raw control characters inside strings, single-quoted
 * strings, and the NaN / Infinity words. */
static char *json_prescan(const char *text, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
			else if (ch < 0x20)
				return xasprintf("Bad control character in string literal in JSON at position %zu", i);
			continue;
		}
		if (ch == '"') {
			in_str = true;
		} else if (ch == '-' || isdigit(ch)) {
			/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
			size_t j = i + (ch == '-'), d;
			if (j < len && text[j] == '0') {
				j++;
			} else {
				for (d = j; j < len && isdigit((unsigned char)text[j]); j++)
					;
				if (j == d)
					return xasprintf("No number after minus sign in JSON at position %zu", j);
			}
			if (j < len && text[j] == '.') {
				for (d = ++j; j < len && isdigit((unsigned char)text[j]); j++)
					;
				if (j == d)
					return xasprintf("Unterminated fractional number in JSON at position %zu", j);
			}
			if (j < len && (text[j] == 'e' || text[j] == 'E')) {
				j++;
				if (j < len && (text[j] == '+' || text[j] == '-'))
					j++;
				for (d = j; j < len && isdigit((unsigned char)text[j]); j++)
					;
				if (j == d)
					return xasprintf("Exponent part is missing a number in JSON at position %zu", j);
			}
			if (j < len && isdigit((unsigned char)text[j]))
				return xasprintf("Unexpected number in JSON at position %zu", j);
			i = j - 1;
		} else if (ch == '\'' || ch == 'N' || ch == 'I')
			return xasprintf("Unexpected token '%c' in JSON at position %zu", ch, i);
	}
	return NULL;
}

/* JSON.parse-like: one value, JSON whitespace around it, nothing else.
 * Returns the value (may be NULL for "null": see *ret_ok) or sets
 * *ret_err. */
static json_object *parse_json(const char *text, size_t len, bool *ret_ok, char **ret_err)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	enum json_tokener_error jerr;
	json_object *root;
	size_t end;

	*ret_ok = false;
	if (!tok)
		die_oom();
	*ret_err = json_prescan(text, len);
	if (*ret_err) {
		json_tokener_free(tok);
		return NULL;
	}
#ifdef JSON_TOKENER_ALLOW_TRAILING_CHARS
	/* Trailing text is judged below, with JSON.parse's message. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
#else
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
#endif
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		*ret_err = xstrdup("input too large");
		return NULL;
	}
	/* Hand over the terminating NUL too, so that a top-level scalar
	 * ("null", "42") is known to have ended (as json_tokener_parse does). */
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue || jerr == json_tokener_error_parse_eof) {
		*ret_err = xstrdup("Unexpected end of JSON input");
		json_tokener_free(tok);
		return NULL;
	}
	if (jerr != json_tokener_success) {
		*ret_err = xasprintf("%s at position %zu", json_tokener_error_desc(jerr), end ? end - 1 : 0);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	for (size_t i = end; i < len; i++) {
		if (!strchr(" \t\n\r", text[i]) || text[i] == '\0') {
			*ret_err = xasprintf("Unexpected non-whitespace character after JSON at position %zu", i);
			json_object_put(root);
			return NULL;
		}
	}
	*ret_ok = true;
	return root;
}

enum parse_result { PARSE_OK, PARSE_BAD_JSON, PARSE_BAD_SCHEMA };

static enum parse_result parse_text(const char *text, size_t len, struct srt_config **ret, char **ret_err)
{
	_cleanup_free_ char *jerr = NULL;
	struct vctx c = { 0 };
	struct srt_config *cfg;
	json_object *root;
	bool ok;
	int st;

	root = parse_json(text, len, &ok, &jerr);
	if (!ok) {
		*ret_err = steal_pointer(&jerr);
		return PARSE_BAD_JSON;
	}
	cfg = config_new_defaults();
	st = v_root(&c, root, cfg);
	json_object_put(root);
	if (st != V_OK || c.issues.n > 0) {
		size_t total = 1;
		char *msg;
		for (size_t i = 0; i < c.issues.n; i++)
			total += strlen(c.issues.v[i]) + 2;
		msg = xmalloc(total);
		msg[0] = '\0';
		for (size_t i = 0; i < c.issues.n; i++) {
			if (i)
				strcat(msg, "; ");
			strcat(msg, c.issues.v[i]);
		}
		strv_clear(&c.issues);
		config_free(cfg);
		*ret_err = msg;
		return PARSE_BAD_SCHEMA;
	}
	strv_clear(&c.issues);
	*ret = cfg;
	return PARSE_OK;
}

int config_parse_string(const char *text, struct srt_config **ret, char **ret_err)
{
	char *err = NULL;
	enum parse_result r = parse_text(text, strlen(text), ret, &err);

	if (r == PARSE_OK)
		return 0;
	if (r == PARSE_BAD_JSON) {
		*ret_err = xasprintf("JSON: %s", err);
		free(err);
	} else {
		*ret_err = err;
	}
	return -1;
}

/* JavaScript's String.prototype.trim() whitespace, in UTF-8. */
static bool js_blank(const char *s, size_t len)
{
	static const char *const wide[] = {
		"\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83",
		"\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89",
		"\xe2\x80\x8a", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
		"\xef\xbb\xbf", NULL,
	};
	size_t i = 0;

	while (i < len) {
		bool hit = false;
		if (strchr(" \t\n\v\f\r", s[i]) && s[i]) {
			i++;
			continue;
		}
		for (const char *const *w = wide; *w && !hit; w++) {
			size_t wl = strlen(*w);
			if (i + wl <= len && memcmp(s + i, *w, wl) == 0) {
				i += wl;
				hit = true;
			}
		}
		if (!hit)
			return false;
	}
	return true;
}

static char *default_settings_path(void)
{
	const char *home = getenv("HOME");

	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	return path_join(home, ".srt-settings.json");
}

static const char *errno_code(int e)
{
	const char *name = strerrorname_np(e);
	return name ? name : "EIO";
}

int config_load(const char *path_from_flag, struct srt_config **ret, char **ret_path, char **ret_err)
{
	bool from_flag = path_from_flag && *path_from_flag;
	_cleanup_free_ char *path = from_flag ? xstrdup(path_from_flag) : default_settings_path();
	_cleanup_free_ char *data = NULL, *err = NULL;
	const char *lost = FILE_RULES;
	size_t len = 0;
	int r;

	r = read_file_max(path, CONFIG_MAX_BYTES, &data, &len);
	if (r == -ENOENT && !from_flag) {
		log_debug("No config found at %s, using default config", path);
		*ret = config_new_defaults();
		*ret_path = steal_pointer(&path);
		return 0;
	}
	if (r == -ENOENT) {
		err = xasprintf("%s does not exist.", path);
		lost = FLAG_RULES;
	} else if (r == -EFBIG) {
		err = xasprintf("%s is too large (the limit is %u MiB).", path, CONFIG_MAX_BYTES >> 20);
	} else if (r < 0) {
		err = xasprintf("%s could not be read (%s).", path, errno_code(-r));
	} else if (js_blank(data, len)) {
		err = xasprintf("%s is empty. Delete it, or put a config in it.", path);
	} else {
		_cleanup_free_ char *msg = NULL;
		switch (parse_text(data, len, ret, &msg)) {
		case PARSE_OK:
			*ret_path = steal_pointer(&path);
			return 0;
		case PARSE_BAD_JSON:
			err = xasprintf("%s is not valid JSON: %s", path, msg);
			break;
		case PARSE_BAD_SCHEMA:
		default:
			err = xasprintf("%s does not hold a valid config — %s", path, msg);
			break;
		}
	}
	*ret_err = xasprintf("Error: %s\nRefusing to run with the built-in defaults, which would drop %s.", err, lost);
	return -1;
}

int config_check_enforceable(const struct srt_config *cfg, char **ret_err)
{
	if (cfg->has_credentials) {
		*ret_err = xstrdup(cfg->has_credential_masks
					   ? "credentials: credential masking (mode \"mask\") is not supported by this "
					     "srt yet; remove the credentials key to run"
					   : "credentials: not supported by this srt yet; remove the credentials key to run");
		return -1;
	}
	if (cfg->network.has_tls_terminate) {
		*ret_err = xstrdup("network.tlsTerminate: TLS termination is not supported by this srt; remove the "
				   "key to run");
		return -1;
	}
	return 0;
}

void config_log_ignored_keys(const struct srt_config *cfg)
{
	const struct net_settings *n = &cfg->network;

	if (n->allow_unix_sockets.n)
		log_debug("network.allowUnixSockets is macOS-only: ignored on Linux");
	if (n->allow_local_binding)
		log_debug("network.allowLocalBinding is macOS/Windows-only: ignored on Linux");
	if (n->allow_mach_lookup.n)
		log_debug("network.allowMachLookup is macOS-only: ignored on Linux");
	if (cfg->enable_weaker_network_isolation)
		log_debug("enableWeakerNetworkIsolation is macOS-only: ignored on Linux");
	if (cfg->allow_apple_events)
		log_debug("allowAppleEvents is macOS-only: ignored on Linux");
	if (cfg->allow_pty)
		log_debug("allowPty is macOS-only: ignored on Linux");
	if (cfg->has_windows)
		log_debug("windows is Windows-only: ignored on Linux");
}

/* ---- normalised JSON -------------------------------------------------- */

static json_object *j_strv(const strv *s)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

static json_object *j_entries(const struct fs_entries *e)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].literal) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "path", json_object_new_string(e->v[i].path));
			json_object_object_add(o, "literal", json_object_new_boolean(1));
			json_object_array_add(a, o);
		} else {
			json_object_array_add(a, json_object_new_string(e->v[i].path));
		}
	}
	return a;
}

static void j_add_str(json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

static void j_add_raw(json_object *o, const char *key, const char *text)
{
	json_object *v;

	if (!text)
		return;
	v = json_tokener_parse(text);
	if (v)
		json_object_object_add(o, key, v);
}

char *config_to_json(const struct srt_config *cfg, bool pretty)
{
	static const char *const ambiguous[] = { "refuse", "asSpelled", "normalize" };
	const struct net_settings *n = &cfg->network;
	const struct fs_settings *f = &cfg->filesystem;
	json_object *root = json_object_new_object();
	json_object *net = json_object_new_object();
	json_object *fs = json_object_new_object();
	json_object *o;
	char *out;

	json_object_object_add(net, "allowedDomains", j_strv(&n->allowed_domains));
	json_object_object_add(net, "deniedDomains", j_strv(&n->denied_domains));
	if (n->n_denied_reasons) {
		o = json_object_new_object();
		for (size_t i = 0; i < n->n_denied_reasons; i++)
			json_object_object_add(o, n->denied_reasons[i].entry,
					       json_object_new_string(n->denied_reasons[i].reason));
		json_object_object_add(net, "deniedDomainReasons", o);
	}
	json_object_object_add(net, "strictAllowlist", json_object_new_boolean(n->strict_allowlist));
	if (n->denied_resolved_addresses.n)
		json_object_object_add(net, "deniedResolvedAddresses", j_strv(&n->denied_resolved_addresses));
	if (n->allow_unix_sockets.n)
		json_object_object_add(net, "allowUnixSockets", j_strv(&n->allow_unix_sockets));
	json_object_object_add(net, "allowAllUnixSockets", json_object_new_boolean(n->allow_all_unix_sockets));
	json_object_object_add(net, "allowLocalBinding", json_object_new_boolean(n->allow_local_binding));
	if (n->allow_mach_lookup.n)
		json_object_object_add(net, "allowMachLookup", j_strv(&n->allow_mach_lookup));
	if (n->http_proxy_port)
		json_object_object_add(net, "httpProxyPort", json_object_new_int(n->http_proxy_port));
	if (n->socks_proxy_port)
		json_object_object_add(net, "socksProxyPort", json_object_new_int(n->socks_proxy_port));
	if (n->has_mitm_proxy) {
		o = json_object_new_object();
		j_add_str(o, "socketPath", n->mitm_socket_path);
		json_object_object_add(o, "domains", j_strv(&n->mitm_domains));
		json_object_object_add(net, "mitmProxy", o);
	}
	json_object_object_add(net, "allowPlaintextHeaderSet", json_object_new_boolean(n->allow_plaintext_header_set));
	if (n->strip_response_headers.n)
		json_object_object_add(net, "stripResponseHeaders", j_strv(&n->strip_response_headers));
	json_object_object_add(net, "refuseOpaqueTunnels", json_object_new_boolean(n->refuse_opaque_tunnels));
	json_object_object_add(net, "requireHostMatch", json_object_new_boolean(n->require_host_match));
	json_object_object_add(net, "ambiguousRequestTarget",
			       json_object_new_string(ambiguous[n->ambiguous_request_target]));
	j_add_raw(net, "tlsTerminate", cfg->tls_terminate_json);
	if (n->has_parent_proxy) {
		o = json_object_new_object();
		j_add_str(o, "http", n->parent_http);
		j_add_str(o, "https", n->parent_https);
		j_add_str(o, "noProxy", n->parent_no_proxy);
		json_object_object_add(net, "parentProxy", o);
	}
	json_object_object_add(root, "network", net);

	json_object_object_add(fs, "disabled", json_object_new_boolean(f->disabled));
	json_object_object_add(fs, "denyRead", j_entries(&f->deny_read));
	json_object_object_add(fs, "allowRead", j_entries(&f->allow_read));
	json_object_object_add(fs, "allowWrite", j_entries(&f->allow_write));
	json_object_object_add(fs, "denyWrite", j_entries(&f->deny_write));
	json_object_object_add(fs, "allowGitConfig", json_object_new_boolean(f->allow_git_config));
	json_object_object_add(root, "filesystem", fs);

	j_add_raw(root, "credentials", cfg->credentials_json);
	if (cfg->n_ignore_violations) {
		o = json_object_new_object();
		for (size_t i = 0; i < cfg->n_ignore_violations; i++)
			json_object_object_add(o, cfg->ignore_violations[i].command,
					       j_strv(&cfg->ignore_violations[i].patterns));
		json_object_object_add(root, "ignoreViolations", o);
	}
	json_object_object_add(root, "enableWeakerNestedSandbox",
			       json_object_new_boolean(cfg->enable_weaker_nested_sandbox));
	json_object_object_add(root, "allowNestedUserNamespaces",
			       json_object_new_boolean(cfg->allow_nested_user_namespaces));
	if (cfg->enable_weaker_network_isolation)
		json_object_object_add(root, "enableWeakerNetworkIsolation", json_object_new_boolean(1));
	if (cfg->allow_apple_events)
		json_object_object_add(root, "allowAppleEvents", json_object_new_boolean(1));
	o = json_object_new_object();
	j_add_str(o, "command", cfg->ripgrep_command);
	if (cfg->ripgrep_args.n)
		json_object_object_add(o, "args", j_strv(&cfg->ripgrep_args));
	j_add_str(o, "argv0", cfg->ripgrep_argv0);
	json_object_object_add(root, "ripgrep", o);
	json_object_object_add(root, "mandatoryDenySearchDepth",
			       json_object_new_int(cfg->mandatory_deny_search_depth));
	if (cfg->allow_pty)
		json_object_object_add(root, "allowPty", json_object_new_boolean(1));
	if (cfg->seccomp_apply_path || cfg->seccomp_argv0) {
		o = json_object_new_object();
		j_add_str(o, "applyPath", cfg->seccomp_apply_path);
		j_add_str(o, "argv0", cfg->seccomp_argv0);
		json_object_object_add(root, "seccomp", o);
	}
	j_add_str(root, "bwrapPath", cfg->bwrap_path);
	j_add_str(root, "socatPath", cfg->socat_path);
	j_add_str(root, "javaAgentJarPath", cfg->java_agent_jar_path);
	j_add_raw(root, "windows", cfg->windows_json);
	if (cfg->has_git) {
		o = json_object_new_object();
		json_object_object_add(o, "safeDirectories", j_strv(&cfg->git_safe_directories));
		json_object_object_add(root, "git", o);
	}
	if (cfg->receipts_dir || cfg->receipts_key) {
		o = json_object_new_object();
		j_add_str(o, "dir", cfg->receipts_dir);
		j_add_str(o, "key", cfg->receipts_key);
		json_object_object_add(root, "receipts", o);
	}
	out = xstrdup(json_object_to_json_string_ext(
		root, (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) |
			      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return out;
}
