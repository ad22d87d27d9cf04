/* Unit tests of paths.c: normalisation table, symlink resolution, globs. */
#include "paths.h"
#include "util.h"

#include "lib/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *root, const char *rel)
{
	_cleanup_free_ char *p = path_join(root, rel);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static void mkd(const char *root, const char *rel)
{
	_cleanup_free_ char *p = path_join(root, rel);
	mkdir(p, 0755);
}

static void lnk(const char *root, const char *target, const char *rel)
{
	_cleanup_free_ char *p = path_join(root, rel);
	if (symlink(target, p) < 0)
		ok(false, "symlink %s", p);
}

static void test_normalize(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "~", "/home/u" },
		{ "~/", "/home/u" },
		{ "~/x/y", "/home/u/x/y" },
		{ "~user/x", "/work/cwd/~user/x" },
		{ "x~", "/work/cwd/x~" },
		{ "rel", "/work/cwd/rel" },
		{ "./rel/", "/work/cwd/rel" },
		{ ".", "/work/cwd" },
		{ "..", "/work" },
		{ "../..", "/" },
		{ "../../../..", "/" },
		{ "/a//b///c", "/a/b/c" },
		{ "/a/./b/.", "/a/b" },
		{ "/a/b/", "/a/b" },
		{ "/a/b/..", "/a" },
		{ "/", "/" },
		{ "//", "/" },
		{ "/.", "/" },
		{ "/a/*.pem", "/a/*.pem" },
		{ "~/.ssh/", "/home/u/.ssh" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		_cleanup_free_ char *got = path_normalize(t[i].in, "/work/cwd", "/home/u");
		is_str(got, t[i].want, "normalize %s", t[i].in);
	}
	ok(path_normalize("", "/c", "/h") == NULL, "normalize empty -> NULL");
	is_int(path_depth("/"), 0, "depth /");
	is_int(path_depth("/a/b"), 2, "depth /a/b");
	_cleanup_free_ char *p1 = path_parent("/a"), *p2 = path_parent("/a/b/c");
	is_str(p1, "/", "parent /a");
	is_str(p2, "/a/b", "parent /a/b/c");
	ok(path_has_glob("/a/*") && path_has_glob("/a/[x]") && path_has_glob("a?") && !path_has_glob("/a/b"),
	   "has_glob");
	ok(path_cmp("/a/b", "/a-x") < 0 && path_cmp("/a", "/a/b") < 0 && path_cmp("/b", "/a/b") > 0, "path_cmp");
}

static void test_resolve(const char *t)
{
	_cleanup_free_ char *real = NULL;
	mkd(t, "d");
	mkd(t, "d/sub");
	touch(t, "d/file");
	lnk(t, "d", "ld");                /* relative dir link */
	lnk(t, "/nonexistent-srt/zz", "dangling");
	lnk(t, "d/sub/../file", "lf");
	lnk(t, "loop2", "loop1");
	lnk(t, "loop1", "loop2");
	lnk(t, "..", "up");               /* escapes to an ancestor */
	lnk(t, "/", "toroot");

	struct {
		const char *rel, *want_rel; /* want_rel NULL: absolute want in rel2 */
		const char *abs_want;
	} c[] = {
		{ "d", "d", NULL },
		{ "ld/sub", "d/sub", NULL },
		{ "ld/missing/x", "d/missing/x", NULL },
		{ "lf", "d/file", NULL },
		{ "d/file/below", "d/file/below", NULL },
		{ "dangling", NULL, "/nonexistent-srt/zz" },
		{ "dangling/more", NULL, "/nonexistent-srt/zz/more" },
		{ "ld/../d/sub", "d/sub", NULL },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		_cleanup_free_ char *in = path_join(t, c[i].rel), *got = NULL;
		_cleanup_free_ char *want = c[i].want_rel ? path_join(t, c[i].want_rel) : xstrdup(c[i].abs_want);
		is_int(path_resolve(in, &got), 0, "resolve %s ok", c[i].rel);
		is_str(got, want, "resolve %s", c[i].rel);
	}
	{
		_cleanup_free_ char *in = path_join(t, "loop1"), *got = NULL;
		is_int(path_resolve(in, &got), -ELOOP, "resolve loop -> ELOOP");
	}
	{
		_cleanup_free_ char *in = path_join(t, "ld"), *got = NULL, *want = path_join(t, "d");
		is_int(path_resolve_allow(in, &got), 0, "allow: link to a sibling dir is fine");
		is_str(got, want, "allow: resolved");
	}
	{
		_cleanup_free_ char *in = path_join(t, "up"), *got = NULL;
		is_int(path_resolve_allow(in, &got), -EXDEV, "allow: link to an ancestor escapes");
	}
	{
		_cleanup_free_ char *in = path_join(t, "toroot"), *got = NULL;
		is_int(path_resolve_allow(in, &got), -EXDEV, "allow: link to / escapes");
	}
	{
		_cleanup_free_ char *in = path_join(t, "nothere"), *got = NULL;
		is_int(path_resolve_allow(in, &got), -ENOENT, "allow: missing -> ENOENT");
	}
	(void)real;
}

/* Very long inputs: no overflow, an error or a resolved path that fits
 * PATH_MAX (the kernel could not use a longer one anyway). */
static void test_resolve_long(const char *t)
{
	size_t big = 12 * 1024;
	char *in = xmalloc(big + 64);
	char *got = NULL;
	int e;

	/* A missing component, then ~12 KB of lexical tail (a denyWrite
	 * "/nonexistent/aaaa/aaaa/..."). */
	strcpy(in, "/nonexistent-srt");
	for (size_t n = strlen(in); n + 5 < big; n += 5)
		strcat(in, "/aaaa");
	e = path_resolve(in, &got);
	is_int(e, -ENAMETOOLONG, "12 KB tail after a missing component -> ENAMETOOLONG");
	free(got);
	got = NULL;

	/* One 12 KB component after a missing one. */
	strcpy(in, "/nonexistent-srt/");
	memset(in + strlen(in), 'b', big);
	in[17 + big] = '\0';
	is_int(path_resolve(in, &got), -ENAMETOOLONG, "one 12 KB component -> ENAMETOOLONG");
	free(got);
	got = NULL;

	/* A tail after a regular file (not a directory). */
	{
		_cleanup_free_ char *f = path_join(t, "d/file");
		strcpy(in, f);
		for (size_t n = strlen(in); n + 5 < big; n += 5)
			strcat(in, "/cccc");
		is_int(path_resolve(in, &got), -ENAMETOOLONG, "12 KB tail after a file -> ENAMETOOLONG");
		free(got);
		got = NULL;
	}

	/* A long symlink target followed by a long tail: the git pointer
	 * case (gitdir chain + link to a 4000-char relative target +
	 * 4000 more chars). */
	{
		char *target = xmalloc(4200);
		_cleanup_free_ char *l = path_join(t, "longlink");
		target[0] = '\0';
		for (size_t n = 0; n + 5 < 4000; n += 5)
			strcat(target, "dddd/");
		target[strlen(target) - 1] = '\0';
		if (symlink(target, l) < 0)
			ok(false, "symlink longlink");
		strcpy(in, l);
		strcat(in, "/");
		for (size_t n = strlen(in); n + 5 < 8000; n += 5)
			strcat(in, "eeee/");
		e = path_resolve(in, &got);
		is_int(e, -ENAMETOOLONG, "long link target + long tail -> ENAMETOOLONG");
		free(got);
		got = NULL;
		free(target);
	}

	/* Just under the limit still resolves, to a path that fits. */
	{
		strcpy(in, "/nonexistent-srt");
		for (size_t n = strlen(in); n + 5 < PATH_MAX - 1; n += 5)
			strcat(in, "/ffff");
		e = path_resolve(in, &got);
		is_int(e, 0, "a %zu-byte path resolves", strlen(in));
		is_str(got, in, "and comes back as spelled");
		free(got);
		got = NULL;
	}

	/* Normalisation of long inputs (heap sized to fit). */
	memset(in, 'g', big);
	in[big] = '\0';
	got = path_normalize(in, "/x/y", "/h");
	ok(got && strlen(got) == big + 5, "path_normalize of a 12 KB relative path");
	free(got);
	free(in);
}

static void test_glob(const char *t)
{
	strv out = { 0 };
	_cleanup_free_ char *pat = NULL, *w1 = NULL, *w2 = NULL, *w3 = NULL;

	mkd(t, "g");
	mkd(t, "g/a");
	mkd(t, "g/a/b");
	mkd(t, "g/node");
	touch(t, "g/x.pem");
	touch(t, "g/a/y.pem");
	touch(t, "g/a/b/z.pem");
	touch(t, "g/a/b/z.txt");
	touch(t, "g/.hidden.pem");

	pat = xasprintf("%s/g/**/*.pem", t);
	is_int(path_glob(pat, &out, 100), 4, "**/*.pem matches 4 (dotfiles too)");
	paths_sort_unique(&out);
	w1 = xasprintf("%s/g/a/b/z.pem", t);
	ok(strv_contains(&out, w1), "**/*.pem found a/b/z.pem");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/g/*/", t);
	free(pat);
	pat = xasprintf("%s/g/*", t);
	is_int(path_glob(pat, &out, 100), 4, "g/* one level (a, node, x.pem, .hidden.pem)");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/g/?.pem", t);
	is_int(path_glob(pat, &out, 100), 1, "? matches one char");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/g/[xy].pem", t);
	is_int(path_glob(pat, &out, 100), 1, "[set]");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/g/**", t);
	ok(path_glob(pat, &out, 100) >= 1, "g/** matches g itself too");
	w2 = xasprintf("%s/g", t);
	ok(strv_contains(&out, w2), "g/** includes g");
	paths_collapse_nested(&out);
	is_int(out.n, 1, "collapse g/** to g");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/g/**", t);
	is_int(path_glob(pat, &out, 3), -E2BIG, "glob limit -> E2BIG");
	strv_clear(&out);
	free(pat);

	pat = xasprintf("%s/nothere/*", t);
	is_int(path_glob(pat, &out, 100), 0, "glob under a missing prefix");
	strv_clear(&out);

	strv_pushv(&out, (const char *const[]){ "/a/b", "/a", "/a-x", "/a/b/c", "/b", "/a", NULL });
	paths_collapse_nested(&out);
	is_int(out.n, 3, "collapse keeps /a /a-x /b");
	w3 = xstrdup("/a-x");
	ok(out.n == 3 && !strcmp(out.v[0], "/a") && !strcmp(out.v[1], "/a-x") && !strcmp(out.v[2], "/b"),
	   "collapse order");
	strv_clear(&out);
}

int main(void)
{
	char tmpl[] = "/tmp/srt-test-paths.XXXXXX";
	char *t = mkdtemp(tmpl);
	_cleanup_free_ char *cmd = NULL;
	_cleanup_free_ char *rt = NULL;

	if (!t || path_resolve(t, &rt) < 0)
		return 1;
	test_normalize();
	test_resolve(rt);
	test_resolve_long(rt);
	test_glob(rt);
	cmd = xasprintf("rm -rf '%s'", rt);
	if (system(cmd) != 0)
		ok(false, "cleanup");
	return tap_done();
}
