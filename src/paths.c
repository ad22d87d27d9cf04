/* Path normalisation, symlink resolution and glob expansion (see paths.h). */
#include "paths.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SYMLINK_HOPS 40
#define MAX_GLOB_VISITS 2000000 /* directory entries looked at per pattern */

bool path_has_glob(const char *s)
{
	return strpbrk(s, "*?[]") != NULL;
}

/* Append component c (length n) to the buffer b (length *len), folding "."
 * and "..".  b always holds an absolute path without trailing '/'. */
static void push_component(char *b, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && b[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--; /* drop the '/' too */
		b[*len] = '\0';
		return;
	}
	b[(*len)++] = '/';
	memcpy(b + *len, c, n);
	*len += n;
	b[*len] = '\0';
}

/* Append every component of p to b. */
static void push_all(char *b, size_t *len, const char *p)
{
	while (*p) {
		const char *e = strchrnul(p, '/');
		push_component(b, len, p, (size_t)(e - p));
		p = *e ? e + 1 : e;
	}
}

char *path_normalize(const char *p, const char *cwd, const char *home)
{
	const char *rest = p;
	const char *base;
	char *b;
	size_t len = 0;

	if (!p || !*p)
		return NULL;
	if (p[0] == '~' && (p[1] == '\0' || p[1] == '/')) {
		base = home;
		rest = p + 1;
	} else if (p[0] == '/') {
		base = "";
	} else {
		base = cwd;
	}
	b = xmalloc(strlen(base) + strlen(rest) + 3);
	b[0] = '\0';
	push_all(b, &len, base);
	push_all(b, &len, rest);
	if (len == 0) {
		b[0] = '/';
		b[1] = '\0';
	}
	return b;
}

size_t path_depth(const char *abs)
{
	size_t n = 0;
	for (const char *s = abs; *s; s++)
		if (*s == '/' && s[1] != '\0')
			n++;
	return n;
}

char *path_parent(const char *abs)
{
	const char *slash = strrchr(abs, '/');
	if (!slash || slash == abs)
		return xstrdup("/");
	return xstrndup(abs, (size_t)(slash - abs));
}

/* The resolved path being built: at most PATH_MAX - 1 bytes, the longest
 * path the kernel (and so bwrap) accepts. */
struct rbuf {
	char b[PATH_MAX];
	size_t len;
};

/* push_component with a bound: -ENAMETOOLONG instead of growing past
 * PATH_MAX - 1 bytes. */
static int rbuf_push(struct rbuf *r, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
		push_component(r->b, &r->len, c, n); /* never grows */
		return 0;
	}
	if (n >= sizeof(r->b) || r->len + 1 + n >= sizeof(r->b))
		return -ENAMETOOLONG;
	push_component(r->b, &r->len, c, n);
	return 0;
}

/* Append every component of p, lexically. */
static int rbuf_push_all(struct rbuf *r, const char *p)
{
	while (*p) {
		const char *e = strchrnul(p, '/');
		int err = rbuf_push(r, p, (size_t)(e - p));
		if (err < 0)
			return err;
		p = *e ? e + 1 : e;
	}
	return 0;
}

int path_resolve(const char *abs, char **ret)
{
	/* todo holds the components still to walk; out the resolved prefix. */
	_cleanup_free_ char *todo = xstrdup(abs);
	_cleanup_free_ struct rbuf *out = xmalloc(sizeof(*out));
	size_t todo_off = 0;
	int hops = 0, e;

	out->b[0] = '\0';
	out->len = 0;
	while (todo[todo_off]) {
		const char *c = todo + todo_off;
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);
		size_t saved = out->len;
		struct stat st;

		todo_off = (size_t)(end - todo) + (*end ? 1 : 0);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		e = rbuf_push(out, c, n);
		if (e < 0)
			return e;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			continue;
		if (lstat(out->b, &st) < 0) {
			/* Missing or unreadable: the rest is taken as spelled. */
			e = rbuf_push_all(out, todo + todo_off);
			if (e < 0)
				return e;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl;
			char *next;

			if (++hops > MAX_SYMLINK_HOPS)
				return -ELOOP;
			tl = readlink(out->b, target, sizeof(target) - 1);
			if (tl < 0) {
				e = rbuf_push_all(out, todo + todo_off);
				if (e < 0)
					return e;
				break;
			}
			target[tl] = '\0';
			out->len = saved;
			out->b[saved] = '\0';
			if (target[0] == '/') {
				out->len = 0;
				out->b[0] = '\0';
			}
			/* At most 40 hops of at most PATH_MAX each: bounded. */
			next = xasprintf("%s/%s", target, todo + todo_off);
			free(todo);
			todo = next;
			todo_off = 0;
		} else if (!S_ISDIR(st.st_mode) && todo[todo_off]) {
			e = rbuf_push_all(out, todo + todo_off);
			if (e < 0)
				return e;
			break;
		}
	}
	if (out->len == 0) {
		out->b[0] = '/';
		out->b[1] = '\0';
	}
	*ret = xstrdup(out->b);
	return 0;
}

int path_resolve_allow(const char *abs, char **ret)
{
	_cleanup_free_ char *r = NULL;
	struct stat st;
	int e = path_resolve(abs, &r);

	if (e < 0)
		return e;
	if (stat(r, &st) < 0)
		return -errno;
	if (strcmp(r, abs) != 0) {
		if (strcmp(r, "/") == 0 || path_depth(r) == 1 || path_is_within(abs, r))
			return -EXDEV;
	}
	*ret = steal_pointer(&r);
	return 0;
}

/* --- glob --- */

struct glob_walk {
	strv *out;
	size_t max;
	size_t visits;
	int err;
};

static bool is_dir_entry(int dfd, struct dirent *de)
{
	struct stat st;
	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static void glob_add(struct glob_walk *w, const char *path)
{
	if (w->out->n >= w->max) {
		w->err = -E2BIG;
		return;
	}
	strv_push(w->out, path);
}

/* Match comps[i..n) below dir (an existing path). */
static void glob_step(struct glob_walk *w, const char *dir, char **comps, size_t i, size_t n)
{
	DIR *d;
	struct dirent *de;

	if (w->err)
		return;
	if (i == n) {
		glob_add(w, dir);
		return;
	}
	if (!path_has_glob(comps[i])) {
		_cleanup_free_ char *p = path_join(dir, comps[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && (i + 1 == n || S_ISDIR(st.st_mode)))
			glob_step(w, p, comps, i + 1, n);
		return;
	}
	if (strcmp(comps[i], "**") == 0)
		glob_step(w, dir, comps, i + 1, n); /* zero directories */
	d = opendir(dir);
	if (!d)
		return;
	while (!w->err && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		bool isdir;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->visits > MAX_GLOB_VISITS) {
			w->err = -E2BIG;
			break;
		}
		isdir = is_dir_entry(dirfd(d), de);
		p = path_join(dir, de->d_name);
		if (strcmp(comps[i], "**") == 0) {
			if (isdir)
				glob_step(w, p, comps, i, n);
			continue;
		}
		if (fnmatch(comps[i], de->d_name, FNM_NOESCAPE) != 0)
			continue;
		if (i + 1 == n || isdir)
			glob_step(w, p, comps, i + 1, n);
	}
	closedir(d);
}

int path_glob(const char *pattern, strv *out, size_t max)
{
	_cleanup_free_ char *copy = xstrdup(pattern);
	_cleanup_free_ char *prefix = NULL, *resolved = NULL;
	strv comps = { 0 };
	struct glob_walk w = { .out = out, .max = out->n + max };
	size_t first_glob = 0, start = out->n;
	char *save = NULL;

	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
		strv_push(&comps, t);
	while (first_glob < comps.n && !path_has_glob(comps.v[first_glob]))
		first_glob++;
	prefix = xstrdup("/");
	for (size_t i = 0; i < first_glob; i++) {
		char *p = path_join(prefix, comps.v[i]);
		free(prefix);
		prefix = p;
	}
	if (path_resolve(prefix, &resolved) < 0 || access(resolved, F_OK) < 0) {
		strv_clear(&comps);
		return 0;
	}
	glob_step(&w, resolved, comps.v, first_glob, comps.n);
	strv_clear(&comps);
	if (w.err)
		return w.err;
	/* Matches are real locations below a resolved prefix; resolve the
	 * last component too (a matched symlink). */
	for (size_t i = start; i < out->n; i++) {
		char *r;
		if (path_resolve(out->v[i], &r) == 0) {
			free(out->v[i]);
			out->v[i] = r;
		}
	}
	return (int)(out->n - start);
}

/* Order where '/' sorts before every other byte, so that the paths
 * below a directory directly follow it. */
int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == cb) {
			if (!ca)
				return 0;
			continue;
		}
		if (!ca || !cb)
			return ca ? 1 : -1;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
}

static int cmp_path_p(const void *a, const void *b)
{
	return path_cmp(*(char *const *)a, *(char *const *)b);
}

void paths_sort_unique(strv *s)
{
	size_t j = 0;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(char *), cmp_path_p);
	for (size_t i = 0; i < s->n; i++) {
		if (j > 0 && strcmp(s->v[j - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	s->v[j] = NULL;
}

void paths_collapse_nested(strv *s)
{
	size_t j = 0;
	paths_sort_unique(s);
	for (size_t i = 0; i < s->n; i++) {
		if (j > 0 && path_is_within(s->v[i], s->v[j - 1])) {
			free(s->v[i]);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	if (s->v)
		s->v[j] = NULL;
}
