/* Host-side placeholders (the mount points srt makes for absent deny paths)
 * and the per-user registry that lets srt remove them safely, also after an
 * earlier run was SIGKILLed, without ever touching a file it did not make or
 * one that another live srt still mounts.  The design is described at the
 * top of placeholder.c. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

struct ph_registry;

/* Open (create) the registry of this uid, start this run's record (held
 * with flock for the life of the process) and clean up after dead runs.
 * dir NULL = the default location.  Returns 0 or -1 with *ret_err. */
/* The registry directory of this uid (not created). */
char *ph_default_dir(void);

int ph_registry_open(const char *dir, struct ph_registry **ret, char **ret_err);

/* The registry lock (flock on <dir>/lock), held while placeholders are
 * planned and created, and while a run cleans up. */
void ph_registry_lock(struct ph_registry *r);
void ph_registry_unlock(struct ph_registry *r);

/* Create an empty placeholder (file: mode 0444, dir: mode 0700) with
 * O_EXCL/mkdir semantics and record it.  Must hold the lock.  Returns 0 or
 * -errno (-EEXIST: something is there already). */
int ph_create(struct ph_registry *r, const char *path, bool dir);

/* A file placeholder holding PH_GIT_COMMONDIR instead of nothing (for an
 * absent <gitdir>/commondir, which git must still be able to read);
 * otherwise as ph_create. */
#define PH_GIT_COMMONDIR ".\n"
int ph_create_commondir(struct ph_registry *r, const char *path);

/* If st is a placeholder recorded by another live run, record that this
 * run mounts it too (so it is removed only when the last user exits) and
 * return true.  Must hold the lock. */
bool ph_adopt(struct ph_registry *r, const char *path, const struct stat *st);

/* Make a private temporary directory (mkdtemp under base) and record it so
 * that it is removed after this run, or by the next run after a SIGKILL. */
int ph_make_tmpdir(struct ph_registry *r, const char *base, char **ret_path);
/* Record an existing directory srt made as a private tree (removed whole
 * after this run, or by the next run if this one dies).  Call with the
 * registry locked.  0 or -errno. */
int ph_record_private_dir(struct ph_registry *r, const char *path);

/* Remove what this run created or adopted (placeholders still empty and
 * unchanged, that no other live run uses; the temporary directory), then
 * drop the record.  Takes the lock itself.  Idempotent. */
void ph_cleanup(struct ph_registry *r);

void ph_registry_free(struct ph_registry *r);

/* The registry directory (for tests and debug output). */
const char *ph_registry_dir(const struct ph_registry *r);
