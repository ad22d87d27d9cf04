/* Shared helpers of the fs unit tests: a temp tree, settings from JSON,
 * plan words as one string with the temp paths replaced by $T and $TMP. */
#pragma once

#include "bwrap_argv.h"
#include "config.h"
#include "mounts.h"
#include "paths.h"
#include "util.h"

#include "lib/tap.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *T; /* resolved temp root */

__attribute__((unused, format(printf, 1, 2))) static char *tp(const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;
	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = path_join(T, rel);
	free(rel);
	return p;
}

__attribute__((unused)) static void mk(const char *rel) /* "dir/" or "file" */
{
	_cleanup_free_ char *p = path_join(T, rel);
	size_t n = strlen(p);
	if (p[n - 1] == '/') {
		p[n - 1] = '\0';
		_cleanup_free_ char *cmd = xasprintf("mkdir -p '%s'", p);
		if (system(cmd) != 0)
			abort();
	} else {
		_cleanup_free_ char *parent = path_parent(p);
		_cleanup_free_ char *cmd = xasprintf("mkdir -p '%s'", parent);
		if (system(cmd) != 0)
			abort();
		int fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
	}
}

__attribute__((unused)) static void fs_test_setup(void)
{
	char tmpl[] = "/tmp/srt-test-fs.XXXXXX";
	if (!mkdtemp(tmpl) || path_resolve(tmpl, &T) < 0)
		abort();
}

__attribute__((unused)) static void fs_test_teardown(void)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", T);
	if (system(cmd) != 0)
		ok(false, "cleanup of %s", T);
	free(T);
}

/* Settings JSON with $T replaced by the temp root. */
__attribute__((unused)) static struct srt_config *cfg_from(const char *json_with_T)
{
	_cleanup_free_ char *json = NULL;
	struct srt_config *cfg = NULL;
	char *err = NULL;
	size_t cap = strlen(json_with_T) * 4 + strlen(T) * 64 + 1;
	json = xmalloc(cap);
	json[0] = '\0';
	for (const char *s = json_with_T; *s; s++) {
		if (s[0] == '$' && s[1] == 'T') {
			strcat(json, T);
			s++;
		} else {
			strncat(json, s, 1);
		}
	}
	if (config_parse_string(json, &cfg, &err) < 0) {
		ok(false, "settings parse: %s", err);
		free(err);
		return NULL;
	}
	return cfg;
}

/* Replace every occurrence of from by to in s (new string). */
__attribute__((unused)) static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *out, *o;
	for (const char *p = s; (p = strstr(p, from)); p += fl)
		n++;
	out = o = xmalloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
	while (*s) {
		if (strncmp(s, from, fl) == 0) {
			memcpy(o, to, tl);
			o += tl;
			s += fl;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* The plan's words, one per line, with $TMP and $T substituted. */
__attribute__((unused)) static char *plan_text(const struct fs_plan *plan)
{
	strv w = { 0 };
	size_t len = 0;
	char *s, *a, *b;
	fs_plan_words(plan, &w);
	for (size_t i = 0; i < w.n; i++)
		len += strlen(w.v[i]) + 1;
	s = xmalloc(len + 1);
	s[0] = '\0';
	for (size_t i = 0; i < w.n; i++) {
		strcat(s, w.v[i]);
		strcat(s, "\n");
	}
	strv_clear(&w);
	a = fs_plan_tmpdir(plan) ? replace_all(s, fs_plan_tmpdir(plan), "$TMP") : xstrdup(s);
	b = replace_all(a, T, "$T");
	free(s);
	free(a);
	return b;
}

/* Every destination appears once. */
__attribute__((unused)) static bool dests_unique(const struct fs_plan *plan)
{
	for (size_t i = 0; i < fs_plan_n_ops(plan); i++)
		for (size_t j = i + 1; j < fs_plan_n_ops(plan); j++)
			if (!strcmp(fs_plan_op(plan, i)->dest, fs_plan_op(plan, j)->dest)) {
				printf("# duplicate destination %s\n", fs_plan_op(plan, i)->dest);
				return false;
			}
	return true;
}

/* The op whose destination is dest (with $T expanded), or NULL. */
__attribute__((unused)) static const struct mount_op *op_for(const struct fs_plan *plan, const char *rel)
{
	_cleanup_free_ char *d = path_join(T, rel);
	for (size_t i = 0; i < fs_plan_n_ops(plan); i++)
		if (!strcmp(fs_plan_op(plan, i)->dest, d))
			return fs_plan_op(plan, i);
	return NULL;
}

__attribute__((unused)) static size_t op_index(const struct fs_plan *plan, const char *rel)
{
	_cleanup_free_ char *d = path_join(T, rel);
	for (size_t i = 0; i < fs_plan_n_ops(plan); i++)
		if (!strcmp(fs_plan_op(plan, i)->dest, d))
			return i;
	return (size_t)-1;
}

__attribute__((unused)) static struct fs_plan *plan_for(const char *json, const char *cwd_rel, const char *home_rel)
{
	struct srt_config *cfg = cfg_from(json);
	struct fs_plan *plan = NULL;
	char *err = NULL;
	_cleanup_free_ char *cwd = path_join(T, cwd_rel), *home = path_join(T, home_rel);
	if (!cfg)
		return NULL;
	if (fs_plan_build(cfg, cwd, home, &plan, &err) < 0) {
		ok(false, "plan build: %s", err);
		free(err);
		plan = NULL;
	}
	config_free(cfg);
	return plan;
}

__attribute__((unused)) static void plan_done(struct fs_plan *plan)
{
	if (!plan)
		return;
	fs_plan_cleanup(plan);
	fs_plan_free(plan);
}
