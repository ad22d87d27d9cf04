/* Mandatory deny names and their discovery with ripgrep (see mandatory.h). */
#include "mandatory.h"

#include "locate.h"

#include "log.h"
#include "paths.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define RG_TIMEOUT_MS 10000
#define RG_MAX_OUTPUT (64u << 20)
#define GITFILE_MAX 4096

/* The one list.  The original's names first, then the package-manager and
 * shell files srt protects too. */
const struct mandatory_name mandatory_names[] = {
	{ ".gitconfig", MANDATORY_FILE },
	{ ".gitmodules", MANDATORY_FILE },
	{ ".bashrc", MANDATORY_FILE },
	{ ".bash_profile", MANDATORY_FILE },
	{ ".zshrc", MANDATORY_FILE },
	{ ".zprofile", MANDATORY_FILE },
	{ ".profile", MANDATORY_FILE },
	{ ".ripgreprc", MANDATORY_FILE },
	{ ".mcp.json", MANDATORY_FILE },
	{ ".vscode", MANDATORY_DIR },
	{ ".idea", MANDATORY_DIR },
	{ ".claude/commands", MANDATORY_DIR },
	{ ".claude/agents", MANDATORY_DIR },
	/* srt additions */
	{ ".npmrc", MANDATORY_FILE },
	{ ".yarnrc", MANDATORY_FILE },
	{ ".yarnrc.yml", MANDATORY_FILE },
	{ ".pypirc", MANDATORY_FILE },
	{ ".zshenv", MANDATORY_FILE },
	{ ".zlogin", MANDATORY_FILE },
	{ ".mcp-settings.json", MANDATORY_FILE },
};
const size_t mandatory_n_names = sizeof(mandatory_names) / sizeof(mandatory_names[0]);

bool mandatory_strip_marker(char *p)
{
	size_t n = strlen(p);
	if (n > 1 && p[n - 1] == '/') {
		p[n - 1] = '\0';
		return true;
	}
	return false;
}

static void push_marked(strv *out, const char *path, enum mandatory_kind kind)
{
	strv_push_take(out, xasprintf("%s%s", path, kind == MANDATORY_DIR ? "/" : ""));
}

/* Read "gitdir: X" (or a one-line relative path in commondir) from file;
 * the result is made absolute against base. */
static char *read_git_pointer(const char *file, const char *prefix, const char *base)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	char *p, *nl;

	/* In a writable tree: a FIFO planted here must not hang srt. */
	if (read_regular_file_max(file, GITFILE_MAX, &data, &len) < 0)
		return NULL;
	p = data;
	if (prefix) {
		if (!str_has_prefix(p, prefix))
			return NULL;
		p += strlen(prefix);
	}
	while (*p == ' ' || *p == '\t')
		p++;
	nl = strpbrk(p, "\r\n");
	if (nl)
		*nl = '\0';
	if (!*p)
		return NULL;
	return path_normalize(p, base, "/");
}

static void git_dir_entries(const char *gitdir, bool allow_git_config, strv *out)
{
	_cleanup_free_ char *hooks = path_join(gitdir, "hooks");
	push_marked(out, hooks, MANDATORY_DIR);
	if (!allow_git_config) {
		_cleanup_free_ char *config = path_join(gitdir, "config");
		push_marked(out, config, MANDATORY_FILE);
	}
}

/* The common directory of a git directory: "<gitdir>/commondir", when
 * present, makes git take config and hooks from the directory it names, so
 * it is protected too (an absent one gets a placeholder holding ".", which
 * git reads as "this directory": see mounts.c), and so are the hooks and
 * config of the directory an existing one names.  An existing commondir
 * stays as it is for the run (read-only even when it is not a regular file
 * and so is not followed: a FIFO planted there must neither hang srt nor
 * be swapped for a pointer to unprotected hooks). */
static void git_common_entries(const char *gitdir, bool allow_git_config, strv *out)
{
	_cleanup_free_ char *cfile = path_join(gitdir, "commondir");
	push_marked(out, cfile, MANDATORY_FILE);
	_cleanup_free_ char *common = read_git_pointer(cfile, NULL, gitdir);
	if (common && strcmp(common, gitdir) != 0)
		git_dir_entries(common, allow_git_config, out);
}

/* Whether a directory above dir holds a .git (directory or pointer file). */
static bool inside_work_tree(const char *dir)
{
	_cleanup_free_ char *a = path_parent(dir);
	struct stat st;

	while (strcmp(a, "/") != 0) {
		_cleanup_free_ char *g = path_join(a, ".git");
		if (lstat(g, &st) == 0)
			return true;
		char *up = path_parent(a);
		free(a);
		a = up;
	}
	return false;
}

void mandatory_git_protect(const char *repo, bool allow_git_config, strv *out)
{
	_cleanup_free_ char *dotgit = path_join(repo, ".git");
	struct stat st;

	if (lstat(dotgit, &st) < 0) {
		/* Absent: a mount there would break "git init", unless the
		 * directory already belongs to the work tree of a repository
		 * further up, where git keeps working past an empty .git (it
		 * is not a repository) and a .git made there would hijack the
		 * host's git commands in it (core.fsmonitor, hooks). */
		if (errno == ENOENT && inside_work_tree(repo))
			push_marked(out, dotgit, MANDATORY_DIR);
		return;
	}
	/* A linked .git is what it points to (git follows it); the link
	 * itself is pinned by the helper (fs_plan_links). */
	if (S_ISLNK(st.st_mode) && stat(dotgit, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		git_dir_entries(dotgit, allow_git_config, out);
		git_common_entries(dotgit, allow_git_config, out);
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	/* A worktree or submodule pointer: keep the file itself read-only
	 * (so no .git/hooks can be made under it), and protect the git
	 * directory it names; mounts.c drops these if they are read-only
	 * anyway. */
	push_marked(out, dotgit, MANDATORY_FILE);
	_cleanup_free_ char *gitdir = read_git_pointer(dotgit, "gitdir:", repo);
	if (!gitdir)
		return;
	git_dir_entries(gitdir, allow_git_config, out);
	git_common_entries(gitdir, allow_git_config, out);
}

void mandatory_root_candidates(const char *root, bool allow_git_config, strv *out)
{
	for (size_t i = 0; i < mandatory_n_names; i++) {
		_cleanup_free_ char *p = path_join(root, mandatory_names[i].name);
		push_marked(out, p, mandatory_names[i].kind);
	}
	mandatory_git_protect(root, allow_git_config, out);
}

static bool lower_eq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	return true;
}

/* Join root with the first n segments of rel. */
static char *join_segments(const char *root, char **seg, size_t n)
{
	char *p = xstrdup(root);
	for (size_t i = 0; i < n; i++) {
		char *q = path_join(p, seg[i]);
		free(p);
		p = q;
	}
	return p;
}

void mandatory_classify(const char *root, const char *found, int depth, bool allow_git_config,
			strv *out)
{
	_cleanup_free_ char *rel = NULL;
	strv seg = { 0 };
	char *save = NULL;
	size_t rl = strlen(root);

	if (strcmp(root, "/") == 0)
		rl = 0;
	else if (!path_is_within(found, root))
		return;
	rel = xstrdup(found + rl);
	for (char *t = strtok_r(rel, "/", &save); t; t = strtok_r(NULL, "/", &save))
		strv_push(&seg, t);

	/* A dangerous name counts when it lies within `depth` components of
	 * the root (index <= depth-1), the same rule for files and
	 * directories. */
	for (size_t i = 0; i < seg.n && i < (size_t)depth; i++) {
		const char *s = seg.v[i];
		size_t n = strlen(s);
		bool last = i + 1 == seg.n;

		if (lower_eq(s, n, ".git")) {
			_cleanup_free_ char *repo = join_segments(root, seg.v, i);
			mandatory_git_protect(repo, allow_git_config, out);
			break;
		}
		if (lower_eq(s, n, ".claude") && i + 1 < seg.n) {
			const char *t = seg.v[i + 1];
			if (lower_eq(t, strlen(t), "commands") || lower_eq(t, strlen(t), "agents")) {
				_cleanup_free_ char *p = join_segments(root, seg.v, i + 2);
				push_marked(out, p, MANDATORY_DIR);
				break;
			}
		}
		bool hit = false;
		for (size_t k = 0; k < mandatory_n_names && !hit; k++) {
			const struct mandatory_name *m = &mandatory_names[k];
			if (strchr(m->name, '/') || !lower_eq(s, n, m->name))
				continue;
			if (m->kind == MANDATORY_FILE && !last)
				continue;
			_cleanup_free_ char *p = join_segments(root, seg.v, i + 1);
			push_marked(out, p, m->kind);
			hit = true;
		}
		if (hit)
			break;
	}
	strv_clear(&seg);
}

static bool user_sets_threads(const strv *args)
{
	for (size_t i = 0; i < args->n; i++)
		if (str_has_prefix(args->v[i], "-j") || str_has_prefix(args->v[i], "--threads"))
			return true;
	return false;
}

static int usable_cpus(void)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 12 ? 12 : n;
}

/* The bounded walk of the write roots that finds what ripgrep cannot:
 * `rg --files` never lists a symlink, so a nested dangerous name that is a
 * link (sub/.bashrc -> elsewhere, sub/.git -> ../realgit, sub/.claude ->
 * x) would go unprotected.  The walk looks at the entries the
 * classification accepts (index <= depth-1 below the root), skips
 * node_modules as ripgrep does, never descends into a symlinked directory
 * or into .git (only its HEAD is looked at), and reports the links that
 * carry a dangerous name, or lie in a dangerous directory, as paths for
 * mandatory_classify.
 *
 * It goes level by level, so its first two levels are also the count that
 * picks ripgrep's thread count (rg_threads): those are read once, before
 * ripgrep starts, and the deeper levels while it runs. */
struct walk_dir {
	char *path;
	int ctx;
};

struct link_walk {
	int max_index;  /* deepest entry index looked at */
	size_t budget;  /* entries that may still be visited */
	size_t top;     /* entries at index 0 and 1 */
	bool incomplete; /* stopped at the budget: the walk is partial */
	int next_index; /* index of the entries of the queued directories */
	struct walk_dir *queue, *next;
	size_t n_queue, n_next, cap_next;
	strv *found;    /* paths for mandatory_classify; NULL: count only */
	strv *direct;   /* links protected as themselves (their targets) */
	char buf[8192] __attribute__((aligned(8)));
};

enum { CTX_PLAIN, CTX_DANGER, CTX_CLAUDE };

static bool name_is(const char *s, const char *name)
{
	return lower_eq(s, strlen(s), name);
}

/* A table name of one segment (a file, or .vscode / .idea). */
static bool dangerous_name(const char *s)
{
	for (size_t k = 0; k < mandatory_n_names; k++)
		if (!strchr(mandatory_names[k].name, '/') && name_is(s, mandatory_names[k].name))
			return true;
	return false;
}

/* A link at path, named name, in a directory of kind ctx. */
static void walk_link(struct link_walk *w, const char *path, const char *name, int ctx)
{
	if (ctx == CTX_DANGER) {
		/* Inside .vscode or .claude/commands: the directory is denied
		 * (found here even when no regular file in it made ripgrep
		 * see it), and the link is what it points to, so its target
		 * is protected too. */
		strv_push(w->found, path);
		strv_push(w->direct, path);
		return;
	}
	if (ctx == CTX_CLAUDE && (name_is(name, "commands") || name_is(name, "agents"))) {
		strv_push(w->found, path);
		return;
	}
	if (name_is(name, ".claude")) {
		strv_pushf(w->found, "%s/commands", path);
		strv_pushf(w->found, "%s/agents", path);
		return;
	}
	if (name_is(name, ".git") || dangerous_name(name))
		strv_push(w->found, path);
}

static void walk_queue(struct link_walk *w, char *path, int ctx)
{
	if (w->n_next == w->cap_next) {
		w->cap_next = w->cap_next ? w->cap_next * 2 : 64;
		w->next = xrealloc(w->next, w->cap_next * sizeof(*w->next));
	}
	w->next[w->n_next++] = (struct walk_dir){ path, ctx };
}

/* The entries (at index) of one directory: links reported, directories
 * queued for the next level.  getdents64, not readdir: a third fewer
 * system calls per directory, which are most of the walk's cost. */
static void walk_one(struct link_walk *w, const struct walk_dir *dir, int index)
{
	int fd = open(dir->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(dir->path);
	ssize_t got;

	if (fd < 0)
		return;
	if (len == 1)
		len = 0; /* the root "/": "/name" */
	while (!w->incomplete && (got = getdents64(fd, w->buf, sizeof(w->buf))) > 0) {
		for (ssize_t off = 0; off < got;) {
			const struct dirent64 *e = (const struct dirent64 *)(w->buf + off);
			const char *n = e->d_name;
			unsigned char type = e->d_type;
			struct stat st;

			off += e->d_reclen;
			if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
				continue;
			if (w->budget == 0) {
				w->incomplete = true;
				break;
			}
			w->budget--;
			if (index <= 1)
				w->top++;
			if (type == DT_UNKNOWN) {
				if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
			}
			if (type == DT_LNK && w->found) {
				_cleanup_free_ char *p = xasprintf("%.*s/%s", (int)len, dir->path, n);
				walk_link(w, p, n, dir->ctx);
				continue;
			}
			if (type != DT_DIR)
				continue;
			if (name_is(n, ".git")) {
				/* A repository: ripgrep finds it by its HEAD
				 * unless that is a link (git follows one). */
				char head[NAME_MAX + 8];
				snprintf(head, sizeof(head), "%s/HEAD", n);
				if (w->found && fstatat(fd, head, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(st.st_mode))
					strv_pushf(w->found, "%.*s/%s", (int)len, dir->path, head);
				continue;
			}
			if (index >= w->max_index || name_is(n, "node_modules"))
				continue;
			int ctx = dir->ctx == CTX_DANGER || dangerous_name(n) ? CTX_DANGER
				  : name_is(n, ".claude") ? CTX_CLAUDE
				  : dir->ctx == CTX_CLAUDE && (name_is(n, "commands") || name_is(n, "agents"))
					  ? CTX_DANGER
					  : CTX_PLAIN;
			walk_queue(w, xasprintf("%.*s/%s", (int)len, dir->path, n), ctx);
		}
	}
	close(fd);
}

static void walk_drop(struct walk_dir *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Start a walk of roots: links into found and direct (NULL: count only). */
static struct link_walk *walk_new(const strv *roots, int max_index, strv *found, strv *direct)
{
	struct link_walk *w = xcalloc(1, sizeof(*w));

	w->max_index = max_index;
	w->budget = SIZE_MAX;
	w->found = found;
	w->direct = direct;
	for (size_t i = 0; i < roots->n; i++)
		walk_queue(w, xstrdup(roots->v[i]), CTX_PLAIN);
	return w;
}

/* Read the queued levels while the next entries are at index <= upto
 * (and the budget lasts). */
static void walk_levels(struct link_walk *w, int upto)
{
	while (w->n_next > 0 && !w->incomplete && w->next_index <= upto && w->next_index <= w->max_index) {
		walk_drop(w->queue, w->n_queue);
		w->queue = w->next;
		w->n_queue = w->n_next;
		w->next = NULL;
		w->n_next = w->cap_next = 0;
		for (size_t i = 0; i < w->n_queue && !w->incomplete; i++)
			walk_one(w, &w->queue[i], w->next_index);
		w->next_index++;
	}
}

static void walk_free(struct link_walk *w)
{
	if (!w)
		return;
	walk_drop(w->queue, w->n_queue);
	walk_drop(w->next, w->n_next);
	free(w);
}

/* rg's own default is one thread per usable CPU (at most 12), which costs
 * ~1.3 ms of thread start-up even for a near-empty tree, where one thread is
 * faster; a parallel walk pays off only for big trees (43k entries: 50 ms
 * with 2 threads vs 70 ms with one).  So: one thread when the write roots
 * hold at most SMALL_TREE entries in their first two levels (a cheap,
 * bounded look: the link walk's first two levels), else rg's default, given
 * explicitly (rg then also skips reading its cgroup files, ~1 ms). */
#define SMALL_TREE 1024
static int rg_threads(struct link_walk *w)
{
	w->budget = SMALL_TREE + 1;
	walk_levels(w, 1);
	w->budget = SIZE_MAX;
	return w->incomplete || w->top > SMALL_TREE ? usable_cpus() : 1;
}

static void build_rg_argv(const struct srt_config *cfg, const strv *roots, int threads, strv *out);

void mandatory_rg_argv(const struct srt_config *cfg, const strv *roots, strv *out)
{
	struct link_walk *w = walk_new(roots, 1, NULL, NULL);

	build_rg_argv(cfg, roots, rg_threads(w), out);
	walk_free(w);
}

static void build_rg_argv(const struct srt_config *cfg, const strv *roots, int threads, strv *out)
{
	const char *cmd = cfg->ripgrep_command ? cfg->ripgrep_command : "rg";
	int depth = cfg->mandatory_deny_search_depth > 0 ? cfg->mandatory_deny_search_depth : 3;

	strv_push(out, cfg->ripgrep_argv0 ? cfg->ripgrep_argv0 : cmd);
	strv_extend(out, &cfg->ripgrep_args);
	/* A -j/--threads in ripgrep.args still decides. */
	if (!user_sets_threads(&cfg->ripgrep_args))
		strv_pushf(out, "--threads=%d", threads);
	strv_pushv(out, (const char *const[]){ "--files", "--hidden", "--no-ignore", "--no-config",
					      "--no-messages", "--max-depth", NULL });
	strv_pushf(out, "%d", depth + 1);
	for (size_t i = 0; i < mandatory_n_names; i++) {
		const struct mandatory_name *m = &mandatory_names[i];
		strv_push(out, "--iglob");
		if (m->kind == MANDATORY_DIR)
			strv_pushf(out, "**/%s/**", m->name);
		else
			strv_push(out, m->name);
	}
	/* Git: directories via HEAD (hooks may not exist yet), pointer files
	 * (worktrees, submodules) via the name itself. */
	strv_pushv(out, (const char *const[]){ "--iglob", "**/.git/HEAD", "--iglob", ".git", "-g",
					      "!**/node_modules/**", "--", NULL });
	strv_extend(out, roots);
}

/* A running ripgrep: its pid, the read end of its stdout, and when it
 * started (the timeout counts from there). */
struct mandatory_scan {
	const struct srt_config *cfg;
	const strv *roots;
	pid_t pid;      /* -1: nothing runs (no roots) */
	int out_fd;
	int spawn_err;  /* errno of a failed spawn, reported by _finish */
	struct timespec t0;
	strv links, direct; /* the link walk's findings (struct link_walk) */
};

/* Spawn argv (file = program to run) with stdout on a pipe.  Returns 0, or
 * -errno when it could not run. */
static int spawn_capture(const char *file, char **argv, pid_t *ret_pid, int *ret_fd)
{
	int pout[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int r;

	if (pipe2(pout, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	spawnattr_init_clean(&attr);
	r = posix_spawnp(ret_pid, file, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pout[1]);
	if (r != 0) {
		close(pout[0]);
		return -r;
	}
	*ret_fd = pout[0];
	return 0;
}

/* Collect the scan's stdout until EOF, within RG_TIMEOUT_MS of its start,
 * then reap it.  Returns the wait status, or -ETIMEDOUT (killed). */
static int collect_capture(struct mandatory_scan *sc, char **ret_out, size_t *ret_len)
{
	int r, status = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct timespec now;
	bool killed = false;

	for (;;) {
		struct pollfd pfd = { .fd = sc->out_fd, .events = POLLIN };
		long elapsed;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - sc->t0.tv_sec) * 1000 + (now.tv_nsec - sc->t0.tv_nsec) / 1000000;
		if (elapsed >= RG_TIMEOUT_MS) {
			kill(sc->pid, SIGKILL);
			killed = true;
			break;
		}
		r = poll(&pfd, 1, (int)(RG_TIMEOUT_MS - elapsed));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 17;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(sc->out_fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > RG_MAX_OUTPUT) {
			kill(sc->pid, SIGKILL);
			killed = true;
			break;
		}
	}
	close(sc->out_fd);
	sc->out_fd = -1;
	while (waitpid(sc->pid, &status, 0) < 0 && errno == EINTR)
		;
	sc->pid = -1;
	if (!buf)
		buf = xmalloc(1);
	buf[len] = '\0';
	*ret_out = buf;
	*ret_len = len;
	if (killed)
		return -ETIMEDOUT;
	return status;
}

struct mandatory_scan *mandatory_scan_begin(const struct srt_config *cfg, const strv *roots)
{
	struct mandatory_scan *sc = xcalloc(1, sizeof(*sc));
	const char *cmd = cfg->ripgrep_command ? cfg->ripgrep_command : "rg";
	int depth = cfg->mandatory_deny_search_depth > 0 ? cfg->mandatory_deny_search_depth : 3;
	strv argv = { 0 };

	sc->cfg = cfg;
	sc->roots = roots;
	sc->pid = -1;
	sc->out_fd = -1;
	if (roots->n == 0)
		return sc;
	/* The walk's first levels pick ripgrep's threads; the rest is
	 * walked while ripgrep runs (a big tree, whose first levels were
	 * cut short, from the start). */
	struct link_walk *w = walk_new(roots, depth - 1, &sc->links, &sc->direct);
	build_rg_argv(cfg, roots, rg_threads(w), &argv);
	clock_gettime(CLOCK_MONOTONIC, &sc->t0);
	/* One PATH lookup here instead of posix_spawnp's execve per PATH entry. */
	_cleanup_free_ char *path = locate_program(cmd);
	sc->spawn_err = path ? -spawn_capture(path, strv_argv(&argv), &sc->pid, &sc->out_fd) : ENOENT;
	if (sc->spawn_err)
		sc->pid = -1;
	strv_clear(&argv);
	if (w->incomplete) {
		walk_free(w);
		strv_clear(&sc->links);
		strv_clear(&sc->direct);
		w = walk_new(roots, depth - 1, &sc->links, &sc->direct);
	}
	walk_levels(w, depth - 1);
	walk_free(w);
	return sc;
}

void mandatory_scan_abort(struct mandatory_scan *sc)
{
	if (!sc)
		return;
	if (sc->pid > 0) {
		kill(sc->pid, SIGKILL);
		while (waitpid(sc->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (sc->out_fd >= 0)
		close(sc->out_fd);
	strv_clear(&sc->links);
	strv_clear(&sc->direct);
	free(sc);
}

/* One found path, classified against every root holding it (each counts
 * the depth from itself): a dangerous name between a shallow root and a
 * deeper one (a `.vscode` that allowWrite names itself) is found too. */
static void classify_found(const struct srt_config *cfg, const strv *roots, const char *found, int depth,
			   strv *out)
{
	for (size_t i = 0; i < roots->n; i++)
		if (path_is_within(found, roots->v[i]))
			mandatory_classify(roots->v[i], found, depth, cfg->filesystem.allow_git_config, out);
}

void mandatory_root_itself(const char *root, bool allow_git_config, strv *out)
{
	_cleanup_free_ char *inside = path_join(root, "x");
	int depth = 0;

	/* Every component of the root, from the top (the first dangerous
	 * one decides, as for a finding). */
	for (const char *c = root; *c; c++)
		depth += *c == '/';
	if (strcmp(root, "/") != 0)
		mandatory_classify("/", inside, depth, allow_git_config, out);
}

bool mandatory_scan_spawn_failed(const struct mandatory_scan *sc)
{
	return sc && sc->spawn_err != 0;
}

int mandatory_scan_finish(struct mandatory_scan *sc, strv *out, char **ret_err)
{
	const struct srt_config *cfg = sc->cfg;
	const strv *roots = sc->roots;
	const char *cmd = cfg->ripgrep_command ? cfg->ripgrep_command : "rg";
	int depth = cfg->mandatory_deny_search_depth > 0 ? cfg->mandatory_deny_search_depth : 3;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = -1;
	int st;

	if (roots->n == 0) {
		mandatory_scan_abort(sc);
		return 0;
	}
	st = sc->spawn_err ? -sc->spawn_err : collect_capture(sc, &text, &len);
	if (st == -ENOENT || st == -EACCES) {
		*ret_err = xasprintf("cannot run ripgrep (ripgrep.command \"%s\"): %s. srt needs ripgrep to find "
				     "the dangerous files (.bashrc, .git/hooks, ...) inside the writable paths; "
				     "install ripgrep or set ripgrep.command in the settings",
				     cmd, strerror(-st));
		goto out;
	}
	if (st == -ETIMEDOUT) {
		*ret_err = xasprintf("ripgrep (ripgrep.command \"%s\") took longer than %d s or printed more than "
				     "%u MiB while looking for dangerous files; refusing to run unprotected",
				     cmd, RG_TIMEOUT_MS / 1000, RG_MAX_OUTPUT >> 20);
		goto out;
	}
	if (st < 0) {
		*ret_err = xasprintf("cannot run ripgrep (ripgrep.command \"%s\"): %s", cmd, strerror(-st));
		goto out;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 2) {
		*ret_err = xasprintf("ripgrep (ripgrep.command \"%s\") failed (%s %d) while looking for dangerous "
				     "files; refusing to run unprotected",
				     cmd, WIFEXITED(st) ? "exit status" : "signal",
				     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		goto out;
	}
	/* 0: matches, 1: none, 2: some directory could not be read (what was
	 * listed is still good; an unreadable directory is unreadable inside
	 * the sandbox too). */
	if (WEXITSTATUS(st) == 2)
		log_debug("ripgrep could not read every directory below the writable paths");
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line[0] == '/')
			classify_found(cfg, roots, line, depth, out);
	}
	/* Then the links ripgrep does not list (walk_dir). */
	for (size_t i = 0; i < sc->links.n; i++)
		classify_found(cfg, roots, sc->links.v[i], depth, out);
	for (size_t i = 0; i < sc->direct.n; i++)
		push_marked(out, sc->direct.v[i], MANDATORY_FILE);
	r = 0;
out:
	mandatory_scan_abort(sc); /* reaped already: only frees */
	return r;
}

int mandatory_discover(const struct srt_config *cfg, const strv *roots, strv *out, char **ret_err)
{
	return mandatory_scan_finish(mandatory_scan_begin(cfg, roots), out, ret_err);
}
