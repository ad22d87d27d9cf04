/* The placeholder registry.
 *
 * Why: an absent deny path (say <project>/.bashrc) is blocked by mounting
 * over a mount point that must exist on the host, so srt creates an empty
 * file or directory there.  It has to go away after the run, but:
 *  - srt must never remove a file it did not make (a user may have created
 *    the real .bashrc meanwhile);
 *  - another srt sandbox in the same directory may mount the same
 *    placeholder: unlinking a mount point on the host detaches the mount in
 *    every namespace, which would silently lift that sandbox's deny;
 *  - a SIGKILLed srt runs no cleanup at all.
 *
 * How: one directory per uid, /run/user/<uid>/srt when that runtime dir
 * exists and is ours, else /tmp/srt-<uid>; mode 0700, verified to be a real
 * directory owned by us before use.  Inside:
 *  - "lock": flock()ed (exclusive) around every plan-and-create step and
 *    every cleanup, so the decisions of concurrent runs never interleave;
 *  - "run-<pid>-<rand>.rec", one per live run, created and flock()ed
 *    (exclusive) under the registry lock and held until the process ends.
 *    The kernel drops the flock when the process dies, however it dies, so
 *    "can I take a shared lock on it" tells a dead run from a live one
 *    without trusting pids.  The record lists NUL-terminated entries
 *    "<type> <dev> <ino> <path>": C (file srt created), D (directory srt
 *    created), U (a live run's placeholder this run mounts too), T (this
 *    run's private TMPDIR), P (about to create this path, at this time:
 *    written before C/D, so a run SIGKILLed in between leaves a trace).
 * A run removes an entry only if no other live record names the same
 * dev/ino, and only if it still is what srt made: same dev/ino, owned by
 * us, and either an empty mode-0444 regular file with the recorded ctime
 * (C, U-of-file; the ctime tells a new file on a reused inode number) or a
 * directory that rmdir() accepts (D, U-of-dir).  The last run using a placeholder removes it.  At
 * start, under the lock, every dead record is processed the same way and
 * deleted: that is the cleanup after a SIGKILL.
 *
 * fs_plan_cleanup() is called by main on its normal exit path (after it
 * forwarded signals and reaped the child), never from a signal handler. */
#include "placeholder.h"

#include "locate.h"

#include "log.h"
#include "strv.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_MAX (16u << 20)

struct ph_entry {
	char type; /* C D U T */
	dev_t dev;
	ino_t ino;
	struct timespec ctime; /* files: an inode number reused for a new file has another ctime */
	char *path;
};

struct ph_list {
	struct ph_entry *v;
	size_t n, cap;
};

struct ph_registry {
	char *dir;
	int dir_fd;
	int lock_fd;
	int locked;
	int rec_fd;
	char *rec_name;
	struct ph_list mine;
	struct ph_list live; /* entries of other live runs, from the last scan */
	bool cleaned;
};

static void list_push(struct ph_list *l, char type, dev_t dev, ino_t ino, struct timespec ct, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct ph_entry){ type, dev, ino, ct, xstrdup(path) };
}

static void list_clear(struct ph_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	*l = (struct ph_list){ 0 };
}

static bool list_has(const struct ph_list *l, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == dev && l->v[i].ino == ino && l->v[i].type != 'T')
			return true;
	return false;
}

/* Parse a record's content into l; an incomplete trailing entry (a run
 * that died mid-write) is ignored. */
static void parse_record(const char *data, size_t len, struct ph_list *l)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		char type;
		uintmax_t dev, ino;
		intmax_t sec;
		long nsec;
		int off = 0;
		if (!z)
			break;
		if (sscanf(p, "%c %ju %ju %jd.%ld %n", &type, &dev, &ino, &sec, &nsec, &off) == 5 && off > 0 &&
		    p[off] == '/')
			list_push(l, type, (dev_t)dev, (ino_t)ino,
				  (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = nsec }, p + off);
		p = z + 1;
	}
}

static int record_append(struct ph_registry *r, char type, const struct stat *st, const char *path)
{
	_cleanup_free_ char *line = xasprintf("%c %ju %ju %jd.%09ld %s", type, (uintmax_t)st->st_dev,
					      (uintmax_t)st->st_ino, (intmax_t)st->st_ctim.tv_sec,
					      (long)st->st_ctim.tv_nsec, path);
	size_t n = strlen(line) + 1, off = 0;
	while (off < n) {
		ssize_t w = write(r->rec_fd, line + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	list_push(&r->mine, type, st->st_dev, st->st_ino, st->st_ctim, path);
	return 0;
}

/* fdopendir() that closes fd when it fails. */
static DIR *dir_from_fd(int fd)
{
	DIR *d = fdopendir(fd);
	if (!d)
		close_keep_errno(fd);
	return d;
}

/* A directory we own but may not read (a sandboxed command left it mode
 * 000 in its TMPDIR): chmod it through an O_PATH descriptor (the inode
 * itself, never a symlink swapped in by name), then open it. */
static int open_unreadable_dir(int dfd, const char *name)
{
	char p[64];
	_cleanup_close_ int pfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (pfd < 0)
		return -1;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
	if (chmod(p, 0700) < 0)
		return -1;
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Remove a directory tree we own without following symlinks. */
static void remove_tree_at(int dfd, const char *name, int depth)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (depth > 256)
		return;
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return;
	/* Open first (O_NOFOLLOW), then fchmod: a chmod by name would follow
	 * a symlink swapped in meanwhile. */
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		fd = open_unreadable_dir(dfd, name);
	if (fd < 0)
		return;
	(void)fchmod(fd, 0700);
	d = dir_from_fd(fd);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree_at(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* A commondir placeholder: named so and holding exactly what srt wrote. */
static bool is_commondir_placeholder(const char *path, const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	char buf[sizeof(PH_GIT_COMMONDIR)];
	_cleanup_close_ int fd = -1;

	if (!slash || strcmp(slash + 1, "commondir") != 0 || st->st_size != (off_t)strlen(PH_GIT_COMMONDIR))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf));
	return n == (ssize_t)strlen(PH_GIT_COMMONDIR) && memcmp(buf, PH_GIT_COMMONDIR, (size_t)n) == 0;
}

/* Remove one entry if it is still what srt made (see the top comment). */
static void remove_entry(const struct ph_entry *e)
{
	struct stat st;

	if (lstat(e->path, &st) < 0)
		return;
	if (st.st_dev != e->dev || st.st_ino != e->ino || st.st_uid != geteuid())
		return;
	if (e->type == 'T') {
		_cleanup_free_ char *parent = xstrdup(e->path);
		char *slash = strrchr(parent, '/');
		_cleanup_close_ int pfd = -1;
		/* Only trees srt names itself: a forged record cannot point the
		 * removal at any other directory of ours. */
		if (!S_ISDIR(st.st_mode) || !slash ||
		    !(str_has_prefix(slash + 1, "srt-tmp.") || str_has_prefix(slash + 1, "srt-net-")))
			return;
		*slash = '\0';
		pfd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0)
			remove_tree_at(pfd, slash + 1, 0);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (rmdir(e->path) < 0 && errno != ENOTEMPTY && errno != EEXIST)
			log_debug("cannot remove placeholder directory %s: %s", e->path, strerror(errno));
	} else if (S_ISREG(st.st_mode) && (st.st_size == 0 || is_commondir_placeholder(e->path, &st)) &&
		   (st.st_mode & 07777) == 0444 &&
		   st.st_ctim.tv_sec == e->ctime.tv_sec && st.st_ctim.tv_nsec == e->ctime.tv_nsec) {
		if (unlink(e->path) < 0)
			log_debug("cannot remove placeholder %s: %s", e->path, strerror(errno));
	}
}

/* Remove the entries of l (deepest first: later entries were made
 * deeper or later) that no live run uses. */
static void remove_entries(const struct ph_list *l, const struct ph_list *live)
{
	for (size_t i = l->n; i > 0; i--) {
		const struct ph_entry *e = &l->v[i - 1];
		if (e->type != 'T' && list_has(live, e->dev, e->ino))
			continue;
		remove_entry(e);
	}
}

/* The P entries of a dead run without a C/D entry for the same path after
 * them: that srt died between creating a placeholder and recording it.  The
 * object goes only if it still is exactly a fresh placeholder of ours (an
 * empty mode-0700 directory, or a mode-0444 file empty or holding the
 * commondir text), no live run records it, and it was made within seconds
 * of the intent (a file someone made later is left alone). */
static void remove_orphans(const struct ph_list *l, const struct ph_list *live)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ph_entry *e = &l->v[i];
		struct stat st;
		bool recorded = false;

		if (e->type != 'P')
			continue;
		for (size_t j = i + 1; j < l->n && !recorded; j++)
			recorded = (l->v[j].type == 'C' || l->v[j].type == 'D') && strcmp(l->v[j].path, e->path) == 0;
		if (recorded || lstat(e->path, &st) < 0 || st.st_uid != geteuid() ||
		    list_has(live, st.st_dev, st.st_ino) || st.st_ctim.tv_sec < e->ctime.tv_sec - 1 ||
		    st.st_ctim.tv_sec > e->ctime.tv_sec + 5)
			continue;
		if (S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700)
			(void)rmdir(e->path); /* only when empty */
		else if (S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444 &&
			 (st.st_size == 0 || is_commondir_placeholder(e->path, &st)))
			(void)unlink(e->path);
	}
}

/* Under the lock: collect live runs' entries, clean up dead runs. */
static void scan_records(struct ph_registry *r)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(r->dir_fd);

	list_clear(&r->live);
	if (fd < 0)
		return;
	d = dir_from_fd(fd);
	if (!d)
		return;
	rewinddir(d); /* the dup shares its offset with dir_fd */
	/* Two passes: first learn every live entry, then clean dead runs
	 * against that set. */
	strv dead = { 0 };
	while ((de = readdir(d))) {
		_cleanup_close_ int rfd = -1;
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (!str_has_prefix(de->d_name, "run-") || !str_has_suffix(de->d_name, ".rec"))
			continue;
		if (r->rec_name && strcmp(de->d_name, r->rec_name) == 0)
			continue;
		rfd = openat(r->dir_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (rfd < 0)
			continue;
		if (flock(rfd, LOCK_SH | LOCK_NB) == 0) {
			strv_push(&dead, de->d_name);
			continue;
		}
		_cleanup_free_ char *path = path_join(r->dir, de->d_name);
		if (read_regular_file_max(path, RECORD_MAX, &data, &len) == 0)
			parse_record(data, len, &r->live);
	}
	closedir(d);
	for (size_t i = 0; i < dead.n; i++) {
		_cleanup_free_ char *path = path_join(r->dir, dead.v[i]);
		_cleanup_free_ char *data = NULL;
		struct ph_list l = { 0 };
		size_t len = 0;
		if (read_regular_file_max(path, RECORD_MAX, &data, &len) == 0) {
			parse_record(data, len, &l);
			log_debug("cleaning up after dead srt run %s (%zu entries)", dead.v[i], l.n);
			remove_orphans(&l, &r->live);
			remove_entries(&l, &r->live);
			/* A live run may have adopted one of these: it
			 * recorded a U entry of its own, so nothing is lost. */
		}
		list_clear(&l);
		(void)unlinkat(r->dir_fd, dead.v[i], 0);
	}
	strv_clear(&dead);
}

char *ph_default_dir(void)
{
	uid_t uid = geteuid();
	_cleanup_free_ char *run = xasprintf("/run/user/%u", (unsigned)uid);
	const char *test_parent = locate_in_build_tree() ? getenv("SRT_TEST_REGISTRY_DIR") : NULL;
	struct stat st;

	/* Tests only (an installed srt ignores it): tests running in parallel
	 * must not clean up each other's deliberately killed runs.  Every srt
	 * of a user must otherwise share one registry, so this is not a user
	 * setting. */
	if (test_parent && test_parent[0] == '/')
		return xasprintf("%s/srt-%u", test_parent, (unsigned)uid);
	if (lstat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid)
		return xasprintf("%s/srt", run);
	return xasprintf("/tmp/srt-%u", (unsigned)uid);
}

int ph_registry_open(const char *dir, struct ph_registry **ret, char **ret_err)
{
	struct ph_registry *r = xcalloc(1, sizeof(*r));
	struct stat st;
	uint64_t rnd = 0;

	r->dir_fd = r->lock_fd = r->rec_fd = -1;
	r->dir = dir ? xstrdup(dir) : ph_default_dir();
	if (mkdir(r->dir, 0700) < 0 && errno != EEXIST) {
		*ret_err = xasprintf("cannot create srt's placeholder registry %s: %s", r->dir, strerror(errno));
		goto fail;
	}
	r->dir_fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->dir_fd < 0 || fstat(r->dir_fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		*ret_err = xasprintf("srt's placeholder registry %s is not a private directory owned by uid %u; "
				     "remove it and try again",
				     r->dir, (unsigned)geteuid());
		goto fail;
	}
	r->lock_fd = openat(r->dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->lock_fd < 0) {
		*ret_err = xasprintf("cannot open %s/lock: %s", r->dir, strerror(errno));
		goto fail;
	}
	ph_registry_lock(r);
	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (uint64_t)getpid() * 2654435761u;
	r->rec_name = xasprintf("run-%d-%016" PRIx64 ".rec", (int)getpid(), rnd);
	r->rec_fd = openat(r->dir_fd, r->rec_name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			   0600);
	if (r->rec_fd < 0 || flock(r->rec_fd, LOCK_EX) < 0) {
		*ret_err = xasprintf("cannot create a record in %s: %s", r->dir, strerror(errno));
		ph_registry_unlock(r);
		goto fail;
	}
	scan_records(r);
	ph_registry_unlock(r);
	*ret = r;
	return 0;
fail:
	ph_registry_free(r);
	return -1;
}

void ph_registry_lock(struct ph_registry *r)
{
	if (r->locked++ > 0)
		return;
	while (flock(r->lock_fd, LOCK_EX) < 0 && errno == EINTR)
		;
	/* What other runs created may have changed since we last looked:
	 * decide only on a fresh view (and reap runs that died meanwhile). */
	if (r->rec_fd >= 0)
		scan_records(r);
}

void ph_registry_unlock(struct ph_registry *r)
{
	if (r->locked > 0 && --r->locked == 0)
		(void)flock(r->lock_fd, LOCK_UN);
}

static int create_placeholder(struct ph_registry *r, const char *path, bool dir, const char *content)
{
	struct stat st, intent = { 0 };
	int e;

	/* The intent first (P, with the time): a srt killed between making
	 * the placeholder and recording it leaves a P entry without its C/D
	 * entry, which the next run resolves (remove_orphans). */
	clock_gettime(CLOCK_REALTIME, &intent.st_ctim);
	e = record_append(r, 'P', &intent, path);
	if (e < 0)
		return e;
	if (dir) {
		if (mkdir(path, 0700) < 0)
			return -errno;
		if (lstat(path, &st) < 0)
			return -errno;
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		if (fd < 0)
			return -errno;
		if (content) {
			ssize_t n = write(fd, content, strlen(content));
			if (n != (ssize_t)strlen(content)) {
				e = n < 0 ? -errno : -EIO;
				close(fd);
				unlink(path);
				return e;
			}
		}
		/* Exact mode whatever the umask: cleanup checks it.  fchmod
		 * only when the umask took bits away (it changes the ctime,
		 * so the fstat that records it comes last). */
		if (fstat(fd, &st) < 0 ||
		    ((st.st_mode & 07777) != 0444 && (fchmod(fd, 0444) < 0 || fstat(fd, &st) < 0))) {
			e = -errno;
			close(fd);
			return e;
		}
		close(fd);
	}
	e = record_append(r, dir ? 'D' : 'C', &st, path);
	if (e < 0) {
		/* Unrecorded means it could leak: undo it now. */
		if (dir)
			rmdir(path);
		else
			unlink(path);
		return e;
	}
	return 0;
}

int ph_create(struct ph_registry *r, const char *path, bool dir)
{
	return create_placeholder(r, path, dir, NULL);
}

int ph_create_commondir(struct ph_registry *r, const char *path)
{
	return create_placeholder(r, path, false, PH_GIT_COMMONDIR);
}

bool ph_adopt(struct ph_registry *r, const char *path, const struct stat *st)
{
	if (!list_has(&r->live, st->st_dev, st->st_ino))
		return false;
	if (list_has(&r->mine, st->st_dev, st->st_ino))
		return true;
	return record_append(r, 'U', st, path) == 0;
}

int ph_make_tmpdir(struct ph_registry *r, const char *base, char **ret_path)
{
	_cleanup_free_ char *tmpl = path_join(base, "srt-tmp.XXXXXX");
	struct stat st;
	int e;

	if (!mkdtemp(tmpl))
		return -errno;
	if (lstat(tmpl, &st) < 0) {
		e = -errno;
		rmdir(tmpl);
		return e;
	}
	e = record_append(r, 'T', &st, tmpl);
	if (e < 0) {
		rmdir(tmpl);
		return e;
	}
	*ret_path = steal_pointer(&tmpl);
	return 0;
}

int ph_record_private_dir(struct ph_registry *r, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return record_append(r, 'T', &st, path);
}

void ph_cleanup(struct ph_registry *r)
{
	if (!r || r->cleaned)
		return;
	ph_registry_lock(r); /* rescans */
	remove_entries(&r->mine, &r->live);
	if (r->rec_name)
		(void)unlinkat(r->dir_fd, r->rec_name, 0);
	r->cleaned = true;
	ph_registry_unlock(r);
}

void ph_registry_free(struct ph_registry *r)
{
	if (!r)
		return;
	close_keep_errno(r->rec_fd);
	close_keep_errno(r->lock_fd);
	close_keep_errno(r->dir_fd);
	list_clear(&r->mine);
	list_clear(&r->live);
	free(r->rec_name);
	free(r->dir);
	free(r);
}

const char *ph_registry_dir(const struct ph_registry *r)
{
	return r->dir;
}
