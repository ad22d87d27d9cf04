/* A small JSON value tree with one writer: RFC 8785 (JCS) canonical form.
 * Object members are sorted by their UTF-16 code units, strings are escaped
 * the JCS way (only '"', '\\' and control characters), numbers are written
 * as ECMAScript does.  Strings are made valid UTF-8 when they are built
 * (invalid bytes become U+FFFD), so whatever is built can be written. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cj;

struct cj *cj_null(void);
struct cj *cj_bool(bool b);
/* Integers in +-2^53 are exact; larger ones are written as the double
 * they round to, as RFC 8785 (IEEE 754 numbers) requires. */
struct cj *cj_int(int64_t i);
struct cj *cj_double(double d);
struct cj *cj_string(const char *s);
struct cj *cj_stringn(const char *s, size_t len); /* may hold NUL bytes */
struct cj *cj_array(void);
struct cj *cj_object(void);

/* Take ownership of v.  Setting an existing key replaces its value. */
void cj_array_add(struct cj *array, struct cj *v);
void cj_object_set(struct cj *object, const char *key, struct cj *v);
void cj_object_setn(struct cj *object, const char *key, size_t key_len, struct cj *v);
/* Remove key (no-op when absent). */
void cj_object_del(struct cj *object, const char *key);

void cj_free(struct cj *v); /* NULL-safe */

/* Canonical bytes of v (NUL-terminated for convenience; *ret_len excludes
 * the NUL).  Fails only for NaN and infinities. */
int cj_serialize(const struct cj *v, char **ret, size_t *ret_len, char **ret_err);

/* ECMAScript Number::toString of a finite double into buf (>= 32 bytes). */
int cj_format_double(double d, char *buf, size_t size);

/* Compare two valid UTF-8 strings by UTF-16 code units (<0, 0, >0). */
int cj_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Detach and return the value of key (NULL when absent); the caller owns it. */
struct cj *cj_object_steal(struct cj *object, const char *key);
