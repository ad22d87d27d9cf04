#include "strv.h"

#include "log.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void strv_grow(strv *s)
{
	if (s->n + 1 < s->cap)
		return;
	s->cap = s->cap ? s->cap * 2 : 16;
	s->v = xrealloc(s->v, s->cap * sizeof(char *));
}

void strv_push_take(strv *s, char *str)
{
	strv_grow(s);
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void strv_push(strv *s, const char *str) { strv_push_take(s, xstrdup(str)); }

void strv_pushf(strv *s, const char *fmt, ...)
{
	va_list ap;
	char *str;
	va_start(ap, fmt);
	if (vasprintf(&str, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	strv_push_take(s, str);
}

void strv_pushv(strv *s, const char *const *strs)
{
	for (; strs && *strs; strs++)
		strv_push(s, *strs);
}

void strv_extend(strv *s, const strv *other)
{
	for (size_t i = 0; i < other->n; i++)
		strv_push(s, other->v[i]);
}

int strv_contains(const strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

void strv_clear(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

char **strv_argv(strv *s)
{
	strv_grow(s);
	s->v[s->n] = NULL;
	return s->v;
}
