/* A growable, NULL-terminated vector of owned strings (an argv). */
#pragma once

#include <stddef.h>

typedef struct strv {
	char **v; /* NULL-terminated; v may be NULL while n == 0 */
	size_t n;
	size_t cap;
} strv;

void strv_push(strv *s, const char *str);          /* copies str */
void strv_push_take(strv *s, char *str);           /* takes ownership */
void strv_pushf(strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_pushv(strv *s, const char *const *strs); /* NULL-terminated list */
void strv_extend(strv *s, const strv *other);
int strv_contains(const strv *s, const char *str);
void strv_clear(strv *s);
/* The vector as an argv (never NULL). */
char **strv_argv(strv *s);
