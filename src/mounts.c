/* The filesystem plan (see mounts.h).
 *
 * Model: every path named by the settings (after normalisation, glob
 * expansion and symlink resolution) becomes one candidate destination with
 * a set of flags (write, deny-read, allow-read, deny-write).  Flags on the
 * same destination are settled first (allowRead beats denyRead, denyWrite
 * beats allowWrite, a write path is readable).  Candidates are then
 * processed shallowest first; each looks at the mount that covers it (the
 * deepest already planned mount above it) and is emitted only if it changes
 * something:
 *   write       emitted unless already writable, or under a write deny;
 *   deny-read   tmpfs (dir) or /dev/null (file), unless already hidden;
 *   allow-read  read-only bind, only inside a hidden (tmpfs) area;
 *   deny-write  read-only bind if it exists and is writable; if absent, a
 *               placeholder at the first missing component.
 * Because bwrap binds each source from the host tree, a mount buries every
 * earlier mount below its destination; emitting the final list sorted by
 * depth means that never happens, which replaces the original's
 * "re-application" step and guarantees one mount per destination.
 * Finally every existing directory above a write deny whose parent is
 * writable is pinned (bound onto itself, writable as before): the kernel
 * refuses to rename a mount point, so `mv .git x` cannot carry a deny away
 * and let the command recreate the path unprotected.
 *
 * srt runs the plan split (fs_plan_settle): while ripgrep searches, the
 * whole plan without its findings is made; bwrap gets the base (root,
 * write paths, denyRead areas and re-opened reads) and starts, and the
 * write protections and pins, which only bind what the sandbox sees onto
 * itself, go to the helper.  Once ripgrep is done, its findings are
 * planned on top of that (build_late) and join the helper's list, which
 * the helper mounts after bwrap's, each a recursive copy (so it never
 * buries a mount below it), before the command starts. */
#include "mounts.h"

#include "log.h"
#include "mandatory.h"
#include "paths.h"
#include "placeholder.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_GLOB_MATCHES 8000

enum {
	F_WRITE = 1,
	F_DENY_READ = 2,
	F_ALLOW_READ = 4,
	F_DENY_WRITE = 8,
	F_DIR = 16,     /* deny-write names a directory (placeholder type) */
	F_DEFAULT = 32, /* only a default write path */
};

/* A string -> index map (open addressing). */
struct smap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static size_t smap_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t *smap_slot(struct smap *m, const char *key, bool insert);

static void smap_grow(struct smap *m)
{
	struct smap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof(char *));
	m->vals = xcalloc(m->cap, sizeof(size_t));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i]) {
			size_t *v = smap_slot(m, old.keys[i], true);
			*v = old.vals[i];
			free(old.keys[i]);
		}
	free(old.keys);
	free(old.vals);
}

static size_t *smap_slot(struct smap *m, const char *key, bool insert)
{
	size_t i;
	if (insert && (m->n + 1) * 2 > m->cap)
		smap_grow(m);
	if (!m->cap)
		return NULL;
	for (i = smap_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return &m->vals[i];
	if (!insert)
		return NULL;
	m->keys[i] = xstrdup(key);
	m->n++;
	return &m->vals[i];
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	*m = (struct smap){ 0 };
}

struct cand {
	char *path;
	unsigned flags;
	size_t depth;
};

/* What fs_plan_begin leaves for fs_plan_finish while ripgrep runs. */
struct pending {
	const struct srt_config *cfg;
	strv w, wdef, dr, ar, dw, dw_raw, md, roots, rg_roots;
	bool root_write;
	struct mandatory_scan *scan;
};

static void pending_free(struct pending *st)
{
	if (!st)
		return;
	mandatory_scan_abort(st->scan);
	strv_clear(&st->w);
	strv_clear(&st->wdef);
	strv_clear(&st->dr);
	strv_clear(&st->ar);
	strv_clear(&st->dw);
	strv_clear(&st->dw_raw);
	strv_clear(&st->md);
	strv_clear(&st->roots);
	strv_clear(&st->rg_roots);
	free(st);
}

struct fs_plan {
	bool disabled;
	struct pending *pending; /* between fs_plan_begin and fs_plan_finish */
	struct mount_op *ops;
	size_t n_ops, cap_ops;
	size_t *depth; /* parallel to ops while building */
	struct smap by_dest;
	char *tmpdir;
	struct ph_registry *reg;
	/* candidates while building */
	struct cand *cands;
	size_t n_cands, cap_cands;
	struct smap cand_idx;
	strv links; /* protected names that are symlinks (fs_plan_links) */
	/* After fs_plan_settle: ops[0, n_bwrap_ops) are bwrap's, the rest
	 * and every link the helper's. */
	bool settled;
	size_t n_bwrap_ops, n_settled_md;
};

static void add_op(struct fs_plan *p, enum mount_kind kind, enum mount_why why, const char *src,
		   const char *dest)
{
	if (p->n_ops == p->cap_ops) {
		p->cap_ops = p->cap_ops ? p->cap_ops * 2 : 64;
		p->ops = xrealloc(p->ops, p->cap_ops * sizeof(*p->ops));
	}
	p->ops[p->n_ops] = (struct mount_op){ kind, why, src ? xstrdup(src) : NULL, xstrdup(dest) };
	*smap_slot(&p->by_dest, dest, true) = p->n_ops;
	p->n_ops++;
}

static const struct mount_op *op_at(const struct fs_plan *p, const char *dest)
{
	size_t *i = smap_slot((struct smap *)&p->by_dest, dest, false);
	return i ? &p->ops[*i] : NULL;
}

/* The deepest planned mount strictly above path ("/" always exists). */
static const struct mount_op *covering(const struct fs_plan *p, const char *path)
{
	_cleanup_free_ char *buf = xstrdup(path);
	for (;;) {
		char *slash = strrchr(buf, '/');
		const struct mount_op *op;
		if (!slash || slash == buf) {
			if (strcmp(buf, "/") == 0)
				return &p->ops[0];
			buf[1] = '\0';
		} else {
			*slash = '\0';
		}
		op = op_at(p, buf);
		if (op)
			return op;
	}
}

static bool op_writable(const struct mount_op *op)
{
	return op->kind == MOUNT_BIND;
}

static bool op_hidden(const struct mount_op *op)
{
	return op->kind == MOUNT_TMPFS;
}

static bool op_write_denied(const struct mount_op *op)
{
	return op->why == WHY_DENY_WRITE || op->why == WHY_HELD || op->why == WHY_PLACEHOLDER;
}

static void add_cand(struct fs_plan *p, const char *path, unsigned flags)
{
	size_t *i = smap_slot(&p->cand_idx, path, false);
	if (i) {
		/* A default write path named again by allowWrite is explicit. */
		if ((flags & F_WRITE) && !(flags & F_DEFAULT))
			p->cands[*i].flags &= ~(unsigned)F_DEFAULT;
		if ((p->cands[*i].flags & F_WRITE) && (flags & F_DEFAULT))
			flags &= ~(unsigned)F_DEFAULT;
		p->cands[*i].flags |= flags;
		return;
	}
	if (p->n_cands == p->cap_cands) {
		p->cap_cands = p->cap_cands ? p->cap_cands * 2 : 64;
		p->cands = xrealloc(p->cands, p->cap_cands * sizeof(*p->cands));
	}
	p->cands[p->n_cands] = (struct cand){ xstrdup(path), flags, path_depth(path) };
	*smap_slot(&p->cand_idx, path, true) = p->n_cands;
	p->n_cands++;
}

enum list_mode { LIST_ALLOW, LIST_DENY_READ, LIST_DENY_WRITE };

static const char *list_name(enum list_mode m, bool write)
{
	if (m == LIST_ALLOW)
		return write ? "allowWrite" : "allowRead";
	return m == LIST_DENY_READ ? "denyRead" : "denyWrite";
}

/* Normalise, expand and resolve one settings list into out. */
static int expand_list(const struct fs_entries *list, enum list_mode mode, bool write, const char *cwd,
		       const char *home, strv *out, strv *raw_out, char **ret_err)
{
	for (size_t i = 0; i < list->n; i++) {
		_cleanup_free_ char *p = path_normalize(list->v[i].path, cwd, home);
		strv matches = { 0 };
		size_t len;

		if (!p)
			continue;
		/* "X/ **" means X and everything below: X as a whole. */
		len = strlen(p);
		if (!list->v[i].literal && len > 3 && str_has_suffix(p, "/**"))
			p[len - 3] = '\0';
		if (!list->v[i].literal && path_has_glob(p)) {
			int n = path_glob(p, &matches, MAX_GLOB_MATCHES);
			if (n < 0) {
				*ret_err = xasprintf("filesystem.%s pattern \"%s\" matches more than %d paths; "
						     "narrow it down",
						     list_name(mode, write), list->v[i].path, MAX_GLOB_MATCHES);
				strv_clear(&matches);
				return -1;
			}
			log_debug("%s glob %s: %d matches", list_name(mode, write), p, n);
		} else {
			strv_push(&matches, p);
		}
		for (size_t k = 0; k < matches.n; k++) {
			char *r = NULL;
			int e;
			if (mode == LIST_ALLOW) {
				e = path_resolve_allow(matches.v[k], &r);
				if (e == -EXDEV)
					log_debug("skipping %s %s: its symlink escapes to %s", list_name(mode, write),
						  matches.v[k], "an ancestor or a top-level directory");
				if (e < 0)
					continue;
				if (write && path_is_within(r, "/dev")) {
					free(r);
					continue;
				}
			} else {
				if (raw_out)
					strv_push(raw_out, matches.v[k]);
				e = path_resolve(matches.v[k], &r);
				if (e < 0) {
					*ret_err = xasprintf("filesystem.%s path %s: %s", list_name(mode, write),
							     matches.v[k], strerror(-e));
					strv_clear(&matches);
					return -1;
				}
				if (mode == LIST_DENY_READ && access(r, F_OK) < 0 && errno == ENOENT) {
					free(r);
					continue; /* nothing there to hide */
				}
			}
			strv_push_take(out, r);
		}
		strv_clear(&matches);
	}
	return 0;
}

/* "/" in denyRead: every top-level entry but /proc /dev /sys and those an
 * allowRead entry covers. */
static void expand_root_deny(strv *deny_read, const strv *allow_read)
{
	strv add = { 0 };
	bool had = false;
	size_t j = 0;

	for (size_t i = 0; i < deny_read->n; i++) {
		if (strcmp(deny_read->v[i], "/") == 0) {
			had = true;
			free(deny_read->v[i]);
			continue;
		}
		deny_read->v[j++] = deny_read->v[i];
	}
	deny_read->n = j;
	if (deny_read->v)
		deny_read->v[j] = NULL;
	if (!had)
		return;
	DIR *d = opendir("/");
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		bool covered = false;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "proc") ||
		    !strcmp(de->d_name, "dev") || !strcmp(de->d_name, "sys"))
			continue;
		p = path_join("/", de->d_name);
		for (size_t k = 0; k < allow_read->n && !covered; k++)
			covered = path_is_within(p, allow_read->v[k]);
		if (!covered)
			strv_push(&add, p);
	}
	closedir(d);
	paths_sort_unique(&add);
	strv_extend(deny_read, &add);
	strv_clear(&add);
}

/* True if path is hidden by a denyRead that no allowRead re-opens. */
static bool read_hidden(const char *path, const strv *dr, const strv *ar)
{
	size_t best_dr = 0, best_ar = 0;
	for (size_t i = 0; i < dr->n; i++)
		if (path_is_within(path, dr->v[i]) && strlen(dr->v[i]) + 1 > best_dr)
			best_dr = strlen(dr->v[i]) + 1;
	for (size_t i = 0; i < ar->n; i++)
		if (path_is_within(path, ar->v[i]) && strlen(ar->v[i]) + 1 > best_ar)
			best_ar = strlen(ar->v[i]) + 1;
	return best_dr > best_ar;
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return path_cmp(x->path, y->path);
}

/* Symlinks on the way from a write path down to path, path itself
 * included: a deny is resolved through them and lands on their targets,
 * so the command could still unlink or replace the links; the helper pins
 * them (fs_plan_links).  Links outside every write path are read-only
 * anyway. */
static void collect_links(const char *path, const strv *w, const strv *wdef, strv *links)
{
	_cleanup_free_ char *a = xstrdup(path);
	struct stat st;

	while (strcmp(a, "/") != 0 && !strv_contains(w, a) && !strv_contains(wdef, a)) {
		bool inside = false;
		for (size_t i = 0; i < w->n && !inside; i++)
			inside = path_is_within(a, w->v[i]);
		for (size_t i = 0; i < wdef->n && !inside; i++)
			inside = path_is_within(a, wdef->v[i]);
		if (!inside)
			break;
		if (lstat(a, &st) == 0 && S_ISLNK(st.st_mode) && !strv_contains(links, a))
			strv_push(links, a);
		char *up = path_parent(a);
		free(a);
		a = up;
	}
}

/* A write deny at p (dir: absent form needs a directory). */
static int plan_deny_write(struct fs_plan *p, const char *path, bool dir, char **ret_err)
{
	struct stat st;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (lstat(path, &st) == 0) {
			const struct mount_op *cov = covering(p, path);
			if (!op_writable(cov) || op_at(p, path))
				return 0;
			ph_adopt(p->reg, path, &st);
			add_op(p, MOUNT_RO_BIND, WHY_DENY_WRITE, path, path);
			return 0;
		}
		/* Absent: find the first missing component. */
		_cleanup_free_ char *comp = xstrdup(path);
		_cleanup_free_ char *exist = NULL;
		for (;;) {
			_cleanup_free_ char *parent = path_parent(comp);
			if (lstat(parent, &st) == 0) {
				exist = steal_pointer(&parent);
				break;
			}
			free(comp);
			comp = steal_pointer(&parent);
		}
		if (!S_ISDIR(st.st_mode)) {
			/* A file on the way (a .git pointer file): hold it. */
			if (!op_at(p, exist) && op_writable(covering(p, exist))) {
				ph_adopt(p->reg, exist, &st);
				add_op(p, MOUNT_RO_BIND, WHY_HELD, exist, exist);
			}
			return 0;
		}
		/* Inside another live run's placeholder directory: mount
		 * that (read-only, empty) instead of nesting ours in it. */
		if (strcmp(exist, "/") != 0 && ph_adopt(p->reg, exist, &st)) {
			if (!op_at(p, exist) && op_writable(covering(p, exist)))
				add_op(p, MOUNT_RO_BIND, WHY_PLACEHOLDER, exist, exist);
			return 0;
		}
		if (op_at(p, comp) || !op_writable(covering(p, comp)))
			return 0;
		bool make_dir = dir || strcmp(comp, path) != 0;
		/* git must still read an absent commondir we protect: it gets
		 * one that says "here" (mandatory.c), bound over itself. */
		bool commondir = !make_dir && str_has_suffix(comp, "/commondir");
		int e = commondir ? ph_create_commondir(p->reg, comp) : ph_create(p->reg, comp, make_dir);
		if (e == 0) {
			log_debug("placeholder %s%s for %s", comp, make_dir ? "/" : "", path);
			if (make_dir || commondir)
				add_op(p, MOUNT_RO_BIND, WHY_PLACEHOLDER, comp, comp);
			else
				add_op(p, MOUNT_MASK, WHY_PLACEHOLDER, NULL, comp);
			return 0;
		}
		if (e == -EEXIST)
			continue; /* appeared meanwhile: deny what is there */
		if (e == -EACCES || e == -EPERM || e == -EROFS) {
			/* Nobody can create it, so the command cannot either. */
			log_debug("no placeholder for %s: %s", comp, strerror(-e));
			return 0;
		}
		*ret_err = xasprintf("cannot create the placeholder %s (protecting %s): %s", comp, path, strerror(-e));
		return -1;
	}
	return 0;
}

/* A write deny named above path, planned as a mount or not (above a
 * read-only area it needs none, but a write path below it stays
 * read-only all the same): its path, or NULL. */
static const char *deny_cand_above(const struct fs_plan *p, const char *path)
{
	_cleanup_free_ char *d = path_parent(path);

	while (strcmp(d, "/") != 0) {
		size_t *i = smap_slot((struct smap *)&p->cand_idx, d, false);
		char *up;
		if (i && (p->cands[*i].flags & F_DENY_WRITE))
			return p->cands[*i].path;
		up = path_parent(d);
		free(d);
		d = up;
	}
	return NULL;
}

static int plan_cand(struct fs_plan *p, const struct cand *c, char **ret_err)
{
	unsigned f = c->flags;
	const struct mount_op *cov;
	struct stat st;

	if ((f & F_DENY_READ) && (f & F_ALLOW_READ))
		f &= ~(unsigned)F_DENY_READ;
	if ((f & F_DENY_READ) && (f & F_WRITE))
		f &= ~(unsigned)F_DENY_READ; /* write access implies read */
	if (strcmp(c->path, "/") == 0)
		return 0;
	cov = covering(p, c->path);
	if (f & F_DENY_READ) {
		if (op_hidden(cov) || lstat(c->path, &st) < 0)
			return 0;
		if (S_ISDIR(st.st_mode))
			add_op(p, MOUNT_TMPFS, WHY_DENY_READ, NULL, c->path);
		else
			add_op(p, MOUNT_MASK, WHY_DENY_READ, NULL, c->path);
		return 0;
	}
	if (f & F_DENY_WRITE) {
		if (op_hidden(cov) && !(f & (F_WRITE | F_ALLOW_READ)))
			return 0;
		if (op_hidden(cov) && lstat(c->path, &st) == 0) {
			/* Re-opened for reading inside a hidden area, but
			 * never writable. */
			add_op(p, MOUNT_RO_BIND, WHY_DENY_WRITE, c->path, c->path);
			return 0;
		}
		return plan_deny_write(p, c->path, f & F_DIR, ret_err);
	}
	if (f & F_WRITE) {
		const char *deny = op_write_denied(cov) ? cov->dest : deny_cand_above(p, c->path);
		if (deny) {
			log_debug("allowWrite %s lies under the write deny %s: stays read-only", c->path, deny);
			return 0;
		}
		if (op_writable(cov))
			return 0;
		add_op(p, MOUNT_BIND, WHY_WRITE, c->path, c->path);
		return 0;
	}
	if ((f & F_ALLOW_READ) && op_hidden(cov))
		add_op(p, MOUNT_RO_BIND, WHY_ALLOW_READ, c->path, c->path);
	return 0;
}

static bool never_pin(const char *d)
{
	return path_is_within(d, "/proc") || path_is_within(d, "/dev") || path_is_within(d, "/sys");
}

/* Pin every directory above path whose parent is writable. */
static void pin_above(struct fs_plan *p, const char *path)
{
	_cleanup_free_ char *d = path_parent(path);

	while (strcmp(d, "/") != 0) {
		char *up;
		if (!op_at(p, d) && !never_pin(d) && op_writable(covering(p, d)))
			add_op(p, MOUNT_BIND, WHY_PIN, d, d);
		up = path_parent(d);
		free(d);
		d = up;
	}
}

/* Ancestor pins: above each write deny, and above each pinned link (the
 * helper's pin holds the link in its directory, but renaming that
 * directory away would let the command make a new one holding a file of
 * its own under the link's name).  Ops and links from the given indices. */
static void plan_pins(struct fs_plan *p, size_t first_op, size_t first_link)
{
	size_t n = p->n_ops;
	for (size_t i = first_op; i < n; i++)
		if (op_write_denied(&p->ops[i]))
			pin_above(p, p->ops[i].dest);
	for (size_t i = first_link; i < p->links.n; i++)
		pin_above(p, p->links.v[i]);
}

struct op_sort {
	struct mount_op op;
	size_t depth, seq;
};

static int cmp_op_sort(const void *a, const void *b)
{
	const struct op_sort *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* by_dest after ops moved (a destination planned twice: the later op). */
static void index_ops(struct fs_plan *p)
{
	smap_free(&p->by_dest);
	for (size_t i = 0; i < p->n_ops; i++)
		*smap_slot(&p->by_dest, p->ops[i].dest, true) = i;
}

/* Sort ops[from, n_ops) shallowest first (stable), and index them again. */
static void sort_ops(struct fs_plan *p, size_t from)
{
	size_t n = p->n_ops - from;
	struct op_sort *v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (struct op_sort){ p->ops[from + i], path_depth(p->ops[from + i].dest), i };
	qsort(v, n, sizeof(*v), cmp_op_sort);
	for (size_t i = 0; i < n; i++)
		p->ops[from + i] = v[i].op;
	free(v);
	index_ops(p);
}

static const char *tmp_base(void)
{
	const char *vars[] = { "CLAUDE_CODE_TMPDIR", "CLAUDE_TMPDIR", "TMPDIR" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		struct stat st;
		if (v && v[0] == '/' && stat(v, &st) == 0 && S_ISDIR(st.st_mode))
			return v;
	}
	return "/tmp";
}

/* Everything up to ripgrep's start: settings lists to paths, the roots,
 * the fixed names at each root; then ripgrep runs while the registry and
 * the private TMPDIR are made. */
static int build_begin(struct fs_plan *p, const struct srt_config *cfg, const char *cwd, const char *home,
		       char **ret_err)
{
	const struct fs_settings *fs = &cfg->filesystem;
	struct pending *st = p->pending = xcalloc(1, sizeof(*st));
	const char *defaults[] = { "/tmp/claude", "/private/tmp/claude", "~/.npm/_logs", "~/.claude/debug" };
	int e;

	st->cfg = cfg;
	if (expand_list(&fs->allow_write, LIST_ALLOW, true, cwd, home, &st->w, NULL, ret_err) < 0 ||
	    expand_list(&fs->allow_read, LIST_ALLOW, false, cwd, home, &st->ar, NULL, ret_err) < 0 ||
	    expand_list(&fs->deny_read, LIST_DENY_READ, false, cwd, home, &st->dr, NULL, ret_err) < 0 ||
	    expand_list(&fs->deny_write, LIST_DENY_WRITE, true, cwd, home, &st->dw, &st->dw_raw, ret_err) < 0)
		return -1;
	expand_root_deny(&st->dr, &st->ar);
	if (st->dr.n > 0 && access("/etc/ssh/ssh_config.d", F_OK) == 0)
		strv_push(&st->dr, "/etc/ssh/ssh_config.d"); /* ssh ownership checks fail in a userns */
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		_cleanup_free_ char *n = path_normalize(defaults[i], cwd, home);
		char *res = NULL;
		if (path_resolve_allow(n, &res) < 0)
			continue;
		if (read_hidden(res, &st->dr, &st->ar)) {
			free(res);
			continue;
		}
		strv_push_take(&st->wdef, res);
	}
	for (size_t i = 0; i < st->w.n; i++)
		st->root_write |= strcmp(st->w.v[i], "/") == 0;

	/* Mandatory denies: fixed names at each explicit write root and at
	 * the cwd when it is writable; ripgrep inside every write path. */
	for (size_t i = 0; i < st->w.n; i++) {
		struct stat sb;
		if (stat(st->w.v[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			strv_push(&st->roots, st->w.v[i]);
			strv_push(&st->rg_roots, st->w.v[i]);
		}
	}
	for (size_t i = 0; i < st->wdef.n; i++)
		strv_push(&st->rg_roots, st->wdef.v[i]);
	{
		_cleanup_free_ char *rcwd = NULL;
		if (path_resolve(cwd, &rcwd) == 0)
			for (size_t i = 0; i < st->w.n; i++)
				if (path_is_within(rcwd, st->w.v[i])) {
					strv_push(&st->roots, rcwd);
					break;
				}
	}
	paths_sort_unique(&st->roots);
	paths_sort_unique(&st->rg_roots);
	st->scan = mandatory_scan_begin(cfg, &st->rg_roots);
	for (size_t i = 0; i < st->roots.n; i++)
		mandatory_root_candidates(st->roots.v[i], fs->allow_git_config, &st->md);
	for (size_t i = 0; i < st->rg_roots.n; i++)
		mandatory_root_itself(st->rg_roots.v[i], fs->allow_git_config, &st->md);

	if (ph_registry_open(NULL, &p->reg, ret_err) < 0)
		return -1;
	e = ph_make_tmpdir(p->reg, tmp_base(), &p->tmpdir);
	if (e < 0) {
		*ret_err = xasprintf("cannot create a private TMPDIR under %s: %s", tmp_base(), strerror(-e));
		return -1;
	}
	return 0;
}

/* The candidates the settings name (write paths, reads, denies). */
static void add_settings_cands(struct fs_plan *p)
{
	struct pending *st = p->pending;

	for (size_t i = 0; i < st->wdef.n; i++)
		add_cand(p, st->wdef.v[i], F_WRITE | F_DEFAULT);
	add_cand(p, p->tmpdir, F_WRITE);
	for (size_t i = 0; i < st->w.n; i++)
		add_cand(p, st->w.v[i], F_WRITE);
	for (size_t i = 0; i < st->ar.n; i++)
		add_cand(p, st->ar.v[i], F_ALLOW_READ);
	for (size_t i = 0; i < st->dr.n; i++)
		add_cand(p, st->dr.v[i], F_DENY_READ);
	for (size_t i = 0; i < st->dw.n; i++)
		add_cand(p, st->dw.v[i], F_DENY_WRITE);
	for (size_t i = 0; i < st->dw_raw.n; i++)
		collect_links(st->dw_raw.v[i], &st->w, &st->wdef, &p->links);
}

/* One mandatory deny (a "/" suffix marks a directory), resolved; the
 * symlinks on its way (the name itself, a linked .git) are kept for the
 * helper to pin, its target is what gets protected. */
static int resolve_mandatory(struct fs_plan *p, const char *entry, char **ret_path, bool *ret_dir,
			     char **ret_err)
{
	struct pending *st = p->pending;
	_cleanup_free_ char *raw = xstrdup(entry);
	bool dir = mandatory_strip_marker(raw);
	int e = path_resolve(raw, ret_path);

	if (e < 0) {
		/* Fail closed: skipping would leave the path writable, and a
		 * sandboxed program can plant exactly that (a symlink loop, an
		 * overlong git pointer). */
		*ret_err = xasprintf("cannot resolve %s, which must be kept read-only: %s; "
				     "refusing to run unprotected (remove or fix it)",
				     raw, strerror(-e));
		return -1;
	}
	collect_links(raw, &st->w, &st->wdef, &p->links);
	*ret_dir = dir;
	return 0;
}

static int add_mandatory_cands(struct fs_plan *p, char **ret_err)
{
	struct pending *st = p->pending;

	for (size_t i = 0; i < st->md.n; i++) {
		char *res = NULL;
		bool dir;
		if (resolve_mandatory(p, st->md.v[i], &res, &dir, ret_err) < 0)
			return -1;
		add_cand(p, res, F_DENY_WRITE | (dir ? F_DIR : 0));
		free(res);
	}
	return 0;
}

/* Every decision on the candidates: placeholders (under the registry
 * lock, so concurrent runs see each other's), pins, order. */
static int plan_cands(struct fs_plan *p, char **ret_err)
{
	qsort(p->cands, p->n_cands, sizeof(*p->cands), cmp_cand);
	add_op(p, p->pending->root_write ? MOUNT_BIND : MOUNT_RO_BIND, WHY_ROOT, "/", "/");
	ph_registry_lock(p->reg);
	for (size_t i = 0; i < p->n_cands; i++)
		if (plan_cand(p, &p->cands[i], ret_err) < 0) {
			ph_registry_unlock(p->reg);
			return -1;
		}
	ph_registry_unlock(p->reg);
	plan_pins(p, 0, 0);
	sort_ops(p, 0);
	return 0;
}

/* ripgrep's findings, then every decision. */
static int build_finish(struct fs_plan *p, char **ret_err)
{
	struct pending *st = p->pending;
	struct mandatory_scan *scan = steal_pointer(&st->scan);

	if (mandatory_scan_finish(scan, &st->md, ret_err) < 0)
		return -1;
	add_settings_cands(p);
	if (add_mandatory_cands(p, ret_err) < 0)
		return -1;
	return plan_cands(p, ret_err);
}

/* A write protection that binds what the sandbox sees onto itself (or
 * /dev/null onto it) can be made from inside, after bwrap's mounts: not
 * one right below a tmpfs (the deepest mount above it), whose source is
 * the host path the tmpfs hides, nor one in /proc, /dev or /sys, which
 * bwrap and the helper mount anew.  Below a bind that re-opens a hidden
 * area the sandbox sees the host again. */
static bool helper_can_make(const struct fs_plan *p, const struct mount_op *op)
{
	bool self = op->kind == MOUNT_MASK || (op->src && strcmp(op->src, op->dest) == 0);

	return self && op->kind != MOUNT_TMPFS && (op_write_denied(op) || op->why == WHY_PIN) &&
	       !never_pin(op->dest) && !op_hidden(covering(p, op->dest));
}

/* Stable partition: bwrap's ops first, the helper's after. */
static void split_ops(struct fs_plan *p)
{
	struct mount_op *v = xcalloc(p->n_ops ? p->n_ops : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < p->n_ops; i++)
		if (!helper_can_make(p, &p->ops[i]))
			v[n++] = p->ops[i];
	p->n_bwrap_ops = n;
	for (size_t i = 0; i < p->n_ops; i++)
		if (helper_can_make(p, &p->ops[i]))
			v[n++] = p->ops[i];
	memcpy(p->ops, v, p->n_ops * sizeof(*v));
	free(v);
	index_ops(p);
}

/* Everything but ripgrep's findings, while it still runs.  bwrap makes
 * the base (root, write paths, denyRead areas, re-opened reads); the
 * write protections and pins go to the helper, which makes them without
 * bwrap's mountinfo walk per mount, and every symlink pin. */
static int build_settle(struct fs_plan *p, char **ret_err)
{
	add_settings_cands(p);
	if (add_mandatory_cands(p, ret_err) < 0 || plan_cands(p, ret_err) < 0)
		return -1;
	split_ops(p);
	p->settled = true;
	p->n_settled_md = p->pending->md.n;
	return 0;
}

/* One of ripgrep's findings on top of bwrap's part. */
static int plan_late_cand(struct fs_plan *p, const struct cand *c, char **ret_err)
{
	const struct mount_op *at = op_at(p, c->path);

	/* bwrap mounts /dev and /proc anew over anything planned there (as
	 * it did over bwrap's own binds), and /sys holds no dotfiles. */
	if (never_pin(c->path))
		return 0;
	if (at) {
		/* An allowWrite path or a pin that turns out to be protected:
		 * read-only over it; anything else there is read-only already. */
		if (op_writable(at))
			add_op(p, MOUNT_RO_BIND, WHY_DENY_WRITE, c->path, c->path);
		return 0;
	}
	return plan_cand(p, c, ret_err);
}

/* ripgrep's findings once bwrap's part is fixed (build_settle): each new
 * deny is planned on top of that part, as if it had been a candidate all
 * along (a path bwrap's part denies already is skipped), then the pins
 * above the new denies and links, shallowest first.  The helper applies
 * these after bwrap's mounts, each a recursive bind of the sandbox's own
 * view, so it carries the mounts below it (a read-only one makes them
 * read-only too, as a deny above an allowWrite path does). */
static int build_late(struct fs_plan *p, char **ret_err)
{
	struct pending *st = p->pending;
	struct mandatory_scan *scan = steal_pointer(&st->scan);
	size_t first_op = p->n_ops, first_link = p->links.n, n = 0;
	struct cand *late;
	int r = 0;

	if (mandatory_scan_finish(scan, &st->md, ret_err) < 0)
		return -1;
	late = xcalloc(st->md.n - p->n_settled_md + 1, sizeof(*late));
	for (size_t i = p->n_settled_md; i < st->md.n && r == 0; i++) {
		char *res = NULL;
		bool dir;
		size_t *k;

		r = resolve_mandatory(p, st->md.v[i], &res, &dir, ret_err);
		if (r < 0)
			break;
		k = smap_slot(&p->cand_idx, res, false);
		if (k && (p->cands[*k].flags & F_DENY_WRITE)) {
			free(res);
			continue;
		}
		late[n++] = (struct cand){ res, F_DENY_WRITE | (dir ? F_DIR : 0) |
						   (k ? p->cands[*k].flags & (F_WRITE | F_ALLOW_READ) : 0),
					   path_depth(res) };
	}
	qsort(late, n, sizeof(*late), cmp_cand);
	if (r == 0) {
		ph_registry_lock(p->reg);
		for (size_t i = 0; i < n && r == 0; i++)
			r = plan_late_cand(p, &late[i], ret_err);
		ph_registry_unlock(p->reg);
	}
	for (size_t i = 0; i < n; i++)
		free(late[i].path);
	free(late);
	if (r < 0)
		return -1;
	plan_pins(p, first_op, first_link);
	sort_ops(p, first_op);
	return 0;
}

int fs_plan_begin(const struct srt_config *cfg, const char *cwd, const char *home, struct fs_plan **ret,
		  char **ret_err)
{
	struct fs_plan *p = xcalloc(1, sizeof(*p));

	if (cfg->filesystem.disabled) {
		p->disabled = true;
		add_op(p, MOUNT_BIND, WHY_ROOT, "/", "/");
		smap_free(&p->by_dest);
		*ret = p;
		return 0;
	}
	if (build_begin(p, cfg, cwd, home, ret_err) < 0) {
		fs_plan_cleanup(p);
		fs_plan_free(p);
		return -1;
	}
	*ret = p;
	return 0;
}

int fs_plan_finish(struct fs_plan *p, char **ret_err)
{
	int r;

	if (!p->pending)
		return 0;
	r = p->settled ? build_late(p, ret_err) : build_finish(p, ret_err);
	pending_free(p->pending);
	p->pending = NULL;
	if (r < 0)
		return -1;
	for (size_t i = 0; i < p->n_cands; i++)
		free(p->cands[i].path);
	free(p->cands);
	p->cands = NULL;
	p->n_cands = 0;
	smap_free(&p->cand_idx);
	return 0;
}

int fs_plan_settle(struct fs_plan *p, char **ret_err)
{
	/* A ripgrep that could not start: no split, _finish says why before
	 * anything runs. */
	if (!p->pending || p->settled || mandatory_scan_spawn_failed(p->pending->scan))
		return 0;
	return build_settle(p, ret_err);
}

bool fs_plan_split(const struct fs_plan *p)
{
	return p->settled;
}

int fs_plan_build(const struct srt_config *cfg, const char *cwd, const char *home, struct fs_plan **ret,
		  char **ret_err)
{
	struct fs_plan *p;

	if (fs_plan_begin(cfg, cwd, home, &p, ret_err) < 0)
		return -1;
	if (fs_plan_finish(p, ret_err) < 0) {
		fs_plan_cleanup(p);
		fs_plan_free(p);
		return -1;
	}
	*ret = p;
	return 0;
}

int fs_plan_record_private_dir(struct fs_plan *plan, const char *path)
{
	int e;

	if (!plan->reg)
		return 0;
	ph_registry_lock(plan->reg);
	e = ph_record_private_dir(plan->reg, path);
	ph_registry_unlock(plan->reg);
	return e;
}

const char *fs_plan_tmpdir(const struct fs_plan *plan)
{
	return plan->tmpdir;
}

bool fs_plan_disabled(const struct fs_plan *plan)
{
	return plan->disabled;
}

size_t fs_plan_n_ops(const struct fs_plan *plan)
{
	return plan->n_ops;
}

const struct mount_op *fs_plan_op(const struct fs_plan *plan, size_t i)
{
	return i < plan->n_ops ? &plan->ops[i] : NULL;
}

void fs_plan_words(const struct fs_plan *plan, strv *out)
{
	size_t n = plan->settled ? plan->n_bwrap_ops : plan->n_ops;

	for (size_t i = 0; i < n; i++) {
		const struct mount_op *op = &plan->ops[i];
		switch (op->kind) {
		case MOUNT_BIND:
			strv_pushv(out, (const char *const[]){ "--bind", op->src, op->dest, NULL });
			break;
		case MOUNT_RO_BIND:
			strv_pushv(out, (const char *const[]){ "--ro-bind", op->src, op->dest, NULL });
			break;
		case MOUNT_TMPFS:
			strv_pushv(out, (const char *const[]){ "--tmpfs", op->dest, NULL });
			break;
		case MOUNT_MASK:
			strv_pushv(out, (const char *const[]){ "--ro-bind", "/dev/null", op->dest, NULL });
			break;
		default:
			break;
		}
	}
}

void fs_plan_cleanup(struct fs_plan *plan)
{
	if (plan && plan->reg)
		ph_cleanup(plan->reg);
}

void fs_plan_free(struct fs_plan *plan)
{
	if (!plan)
		return;
	pending_free(plan->pending);
	for (size_t i = 0; i < plan->n_ops; i++) {
		free(plan->ops[i].src);
		free(plan->ops[i].dest);
	}
	free(plan->ops);
	for (size_t i = 0; i < plan->n_cands; i++)
		free(plan->cands[i].path);
	free(plan->cands);
	smap_free(&plan->cand_idx);
	smap_free(&plan->by_dest);
	free(plan->depth);
	free(plan->tmpdir);
	strv_clear(&plan->links);
	ph_registry_free(plan->reg);
	free(plan);
}

const strv *fs_plan_links(const struct fs_plan *plan)
{
	return &plan->links;
}

size_t fs_plan_n_bwrap_links(const struct fs_plan *plan)
{
	return plan->settled ? 0 : plan->links.n;
}

/* One record: the kind letter, the path, NUL. */
static void push_record(char kind, const char *path, char **buf, size_t *len, size_t *cap)
{
	size_t n = strlen(path) + 2;

	while (*len + n > *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*buf = xrealloc(*buf, *cap);
	}
	(*buf)[*len] = kind;
	memcpy(*buf + *len + 1, path, n - 1);
	*len += n;
}

int fs_plan_helper_mounts(const struct fs_plan *p, char **ret_buf, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (size_t i = p->n_bwrap_ops; p->settled && i < p->n_ops; i++) {
		const struct mount_op *op = &p->ops[i];

		if (!helper_can_make(p, op)) {
			/* The helper binds what it sees: never a host source. */
			free(buf);
			return -EINVAL;
		}
		push_record(op->kind == MOUNT_MASK ? 'm' : op->kind == MOUNT_BIND ? 'b' : 'r', op->dest, &buf,
			    &len, &cap);
	}
	for (size_t i = 0; p->settled && i < p->links.n; i++)
		push_record('l', p->links.v[i], &buf, &len, &cap);
	push_record('.', "", &buf, &len, &cap);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

const char *fs_plan_registry_dir(const struct fs_plan *plan)
{
	return plan->reg ? ph_registry_dir(plan->reg) : NULL;
}
