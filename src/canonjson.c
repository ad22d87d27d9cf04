/* RFC 8785 canonical JSON writer over a small value tree. */
#include "canonjson.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cj_type { CJ_NULL, CJ_BOOL, CJ_INT, CJ_DOUBLE, CJ_STRING, CJ_ARRAY, CJ_OBJECT };

struct cj_member {
	char *key;
	size_t key_len;
	struct cj *v;
};

struct cj {
	enum cj_type type;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			struct cj **v;
			size_t n, cap;
		} arr;
		struct {
			struct cj_member *m;
			size_t n, cap;
		} obj;
	} u;
};

/* Exact range of IEEE 754 doubles for integers. */
#define CJ_MAX_SAFE_INT 9007199254740992LL

/* ---- UTF-8 ---- */

/* Decode one well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF).  Returns its length, 0 when malformed. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *ret_cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t cp;

	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		unsigned char b = p[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
			return 0;
		cp = (cp << 6) | (b & 0x3F);
	}
	*ret_cp = cp;
	return len;
}

/* Copy s into a new NUL-terminated string, replacing every malformed byte
 * by U+FFFD so that the result is valid UTF-8. */
static char *utf8_sanitize(const char *s, size_t len, size_t *ret_len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t l = utf8_decode(p + i, len - i, &cp);
		if (l == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	*ret_len = o;
	return out;
}

/* Walk a valid UTF-8 string as UTF-16 code units. */
struct u16_iter {
	const unsigned char *p, *end;
	uint16_t pending; /* low surrogate still to return, or 0 */
};

static bool u16_next(struct u16_iter *it, uint16_t *ret)
{
	uint32_t cp;
	size_t l;

	if (it->pending) {
		*ret = it->pending;
		it->pending = 0;
		return true;
	}
	if (it->p >= it->end)
		return false;
	l = utf8_decode(it->p, (size_t)(it->end - it->p), &cp);
	if (l == 0) { /* cannot happen for built strings; order bytes as is */
		cp = *it->p;
		l = 1;
	}
	it->p += l;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*ret = (uint16_t)(0xD800 + (cp >> 10));
		it->pending = (uint16_t)(0xDC00 + (cp & 0x3FF));
	} else {
		*ret = (uint16_t)cp;
	}
	return true;
}

int cj_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct u16_iter ia = {(const unsigned char *)a, (const unsigned char *)a + alen, 0};
	struct u16_iter ib = {(const unsigned char *)b, (const unsigned char *)b + blen, 0};

	for (;;) {
		uint16_t ca, cb;
		bool ha = u16_next(&ia, &ca), hb = u16_next(&ib, &cb);
		if (!ha || !hb)
			return (int)ha - (int)hb;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
}

/* ---- building ---- */

static struct cj *cj_new(enum cj_type t)
{
	struct cj *v = xcalloc(1, sizeof(*v));
	v->type = t;
	return v;
}

struct cj *cj_null(void)
{
	return cj_new(CJ_NULL);
}

struct cj *cj_bool(bool b)
{
	struct cj *v = cj_new(CJ_BOOL);
	v->u.b = b;
	return v;
}

struct cj *cj_int(int64_t i)
{
	struct cj *v = cj_new(CJ_INT);
	v->u.i = i;
	return v;
}

struct cj *cj_double(double d)
{
	struct cj *v = cj_new(CJ_DOUBLE);
	v->u.d = d;
	return v;
}

struct cj *cj_stringn(const char *s, size_t len)
{
	struct cj *v = cj_new(CJ_STRING);
	v->u.str.s = utf8_sanitize(s, len, &v->u.str.len);
	return v;
}

struct cj *cj_string(const char *s)
{
	return cj_stringn(s, strlen(s));
}

struct cj *cj_array(void)
{
	return cj_new(CJ_ARRAY);
}

struct cj *cj_object(void)
{
	return cj_new(CJ_OBJECT);
}

void cj_array_add(struct cj *array, struct cj *v)
{
	if (array->u.arr.n == array->u.arr.cap) {
		array->u.arr.cap = array->u.arr.cap ? array->u.arr.cap * 2 : 4;
		array->u.arr.v = xrealloc(array->u.arr.v, array->u.arr.cap * sizeof(*array->u.arr.v));
	}
	array->u.arr.v[array->u.arr.n++] = v;
}

static struct cj_member *object_find(struct cj *object, const char *key, size_t key_len)
{
	for (size_t i = 0; i < object->u.obj.n; i++) {
		struct cj_member *m = &object->u.obj.m[i];
		if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			return m;
	}
	return NULL;
}

void cj_object_setn(struct cj *object, const char *key, size_t key_len, struct cj *v)
{
	size_t clean_len;
	char *clean = utf8_sanitize(key, key_len, &clean_len);
	struct cj_member *m = object_find(object, clean, clean_len);

	if (m) {
		free(clean);
		cj_free(m->v);
		m->v = v;
		return;
	}
	if (object->u.obj.n == object->u.obj.cap) {
		object->u.obj.cap = object->u.obj.cap ? object->u.obj.cap * 2 : 8;
		object->u.obj.m = xrealloc(object->u.obj.m, object->u.obj.cap * sizeof(*object->u.obj.m));
	}
	object->u.obj.m[object->u.obj.n++] = (struct cj_member){clean, clean_len, v};
}

void cj_object_set(struct cj *object, const char *key, struct cj *v)
{
	cj_object_setn(object, key, strlen(key), v);
}

void cj_object_del(struct cj *object, const char *key)
{
	struct cj_member *m = object_find(object, key, strlen(key));
	if (!m)
		return;
	free(m->key);
	cj_free(m->v);
	*m = object->u.obj.m[--object->u.obj.n];
}

struct cj *cj_object_steal(struct cj *object, const char *key)
{
	struct cj_member *m = object_find(object, key, strlen(key));
	struct cj *v;

	if (!m)
		return NULL;
	v = m->v;
	free(m->key);
	*m = object->u.obj.m[--object->u.obj.n];
	return v;
}

void cj_free(struct cj *v)
{
	if (!v)
		return;
	switch (v->type) {
	case CJ_STRING:
		free(v->u.str.s);
		break;
	case CJ_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			cj_free(v->u.arr.v[i]);
		free(v->u.arr.v);
		break;
	case CJ_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++) {
			free(v->u.obj.m[i].key);
			cj_free(v->u.obj.m[i].v);
		}
		free(v->u.obj.m);
		break;
	case CJ_NULL:
	case CJ_BOOL:
	case CJ_INT:
	case CJ_DOUBLE:
	default:
		break;
	}
	free(v);
}

/* ---- numbers ---- */

int cj_format_double(double d, char *buf, size_t size)
{
	char tmp[40], digits[24];
	int k = 0, n, prec;
	bool neg;
	char *e;
	size_t o = 0;

	if (!isfinite(d) || size < 32)
		return -EINVAL;
	if (d == 0) { /* also -0 */
		snprintf(buf, size, "0");
		return 0;
	}
	neg = d < 0;
	if (neg)
		d = -d;
	/* The shortest digit string that reads back as d; glibc rounds
	 * correctly, so this is also the closest one, as ECMAScript wants. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	e = strchr(tmp, 'e');
	for (char *p = tmp; p < e; p++)
		if (*p != '.')
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	n = atoi(e + 1) + 1; /* d = 0.digits * 10^n */

	if (neg)
		buf[o++] = '-';
	if (k <= n && n <= 21) {
		memcpy(buf + o, digits, (size_t)k);
		o += (size_t)k;
		for (int i = 0; i < n - k; i++)
			buf[o++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(buf + o, digits, (size_t)n);
		o += (size_t)n;
		buf[o++] = '.';
		memcpy(buf + o, digits + n, (size_t)(k - n));
		o += (size_t)(k - n);
	} else if (-6 < n && n <= 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int i = 0; i < -n; i++)
			buf[o++] = '0';
		memcpy(buf + o, digits, (size_t)k);
		o += (size_t)k;
	} else {
		buf[o++] = digits[0];
		if (k > 1) {
			buf[o++] = '.';
			memcpy(buf + o, digits + 1, (size_t)(k - 1));
			o += (size_t)(k - 1);
		}
		o += (size_t)snprintf(buf + o, size - o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
	buf[o] = '\0';
	return 0;
}

/* ---- writing ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 256;
	b->p = xrealloc(b->p, b->cap);
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void write_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	buf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		default:
			if (c < 0x20) {
				char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_add(b, esc, sizeof(esc));
			} else {
				buf_addc(b, (char)c);
			}
			break;
		}
	}
	buf_addc(b, '"');
}

static int member_cmp(const void *a, const void *b)
{
	const struct cj_member *ma = *(const struct cj_member *const *)a;
	const struct cj_member *mb = *(const struct cj_member *const *)b;
	return cj_utf16_cmp(ma->key, ma->key_len, mb->key, mb->key_len);
}

static int write_value(struct buf *b, const struct cj *v, char **ret_err)
{
	char num[40];

	switch (v->type) {
	case CJ_NULL:
		buf_add(b, "null", 4);
		return 0;
	case CJ_BOOL:
		if (v->u.b)
			buf_add(b, "true", 4);
		else
			buf_add(b, "false", 5);
		return 0;
	case CJ_INT:
		if (v->u.i >= -CJ_MAX_SAFE_INT && v->u.i <= CJ_MAX_SAFE_INT)
			snprintf(num, sizeof(num), "%lld", (long long)v->u.i);
		else
			cj_format_double((double)v->u.i, num, sizeof(num));
		buf_add(b, num, strlen(num));
		return 0;
	case CJ_DOUBLE:
		if (cj_format_double(v->u.d, num, sizeof(num)) < 0) {
			*ret_err = xstrdup("NaN and Infinity have no JSON form");
			return -EINVAL;
		}
		buf_add(b, num, strlen(num));
		return 0;
	case CJ_STRING:
		write_string(b, v->u.str.s, v->u.str.len);
		return 0;
	case CJ_ARRAY:
		buf_addc(b, '[');
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if (i)
				buf_addc(b, ',');
			int r = write_value(b, v->u.arr.v[i], ret_err);
			if (r < 0)
				return r;
		}
		buf_addc(b, ']');
		return 0;
	case CJ_OBJECT: {
		_cleanup_free_ const struct cj_member **sorted =
			xcalloc(v->u.obj.n, sizeof(*sorted));
		for (size_t i = 0; i < v->u.obj.n; i++)
			sorted[i] = &v->u.obj.m[i];
		qsort(sorted, v->u.obj.n, sizeof(*sorted), member_cmp);
		buf_addc(b, '{');
		for (size_t i = 0; i < v->u.obj.n; i++) {
			if (i)
				buf_addc(b, ',');
			write_string(b, sorted[i]->key, sorted[i]->key_len);
			buf_addc(b, ':');
			int r = write_value(b, sorted[i]->v, ret_err);
			if (r < 0)
				return r;
		}
		buf_addc(b, '}');
		return 0;
	}
	default:
		*ret_err = xstrdup("unknown JSON value type");
		return -EINVAL;
	}
}

int cj_serialize(const struct cj *v, char **ret, size_t *ret_len, char **ret_err)
{
	struct buf b = {0};
	int r = write_value(&b, v, ret_err);

	if (r < 0) {
		free(b.p);
		return r;
	}
	buf_reserve(&b, 0);
	b.p[b.len] = '\0';
	*ret = b.p;
	if (ret_len)
		*ret_len = b.len;
	return 0;
}
