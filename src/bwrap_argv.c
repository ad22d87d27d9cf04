/* The bwrap argument vector (see bwrap_argv.h).
 *
 * Order (spec 1.2): session and die-with-parent, network namespace,
 * environment, filesystem words, the network socket binds, --dev, user and
 * PID namespaces with capabilities dropped, /proc, --disable-userns, then
 * the command.  The socket binds come after the filesystem words so that a
 * denyRead tmpfs over their directory can never hide them. */
#include "bwrap_argv.h"

#include "util.h"

void bwrap_argv_proc(bool weaker_nested, strv *out)
{
	if (weaker_nested)
		strv_pushv(out, (const char *const[]){ "--bind", "/proc", "/proc", NULL });
	else
		strv_pushv(out, (const char *const[]){ "--proc", "/proc", NULL });
}

int bwrap_argv_build(const struct bwrap_request *req, strv *out, char **ret_err)
{
	strv w = { 0 };

	if (!req->command || req->command->n == 0) {
		*ret_err = xstrdup("no command to run inside bwrap");
		return -1;
	}
	if (req->setenv && req->setenv->n % 2) {
		*ret_err = xstrdup("setenv list must hold NAME VALUE pairs");
		return -1;
	}
	strv_pushv(&w, (const char *const[]){ "--new-session", "--die-with-parent", NULL });
	if (req->unshare_net)
		strv_push(&w, "--unshare-net");
	for (size_t i = 0; req->unsetenv && i < req->unsetenv->n; i++)
		strv_pushv(&w, (const char *const[]){ "--unsetenv", req->unsetenv->v[i], NULL });
	for (size_t i = 0; req->setenv && i + 1 < req->setenv->n; i += 2)
		strv_pushv(&w, (const char *const[]){ "--setenv", req->setenv->v[i], req->setenv->v[i + 1], NULL });
	if (req->fs)
		fs_plan_words(req->fs, &w);
	/* Read-only: connect() works on a socket in a read-only mount, while a
	 * writable directory would let the command swap a socket for a symlink
	 * that the unfiltered bridge then follows to any host socket. */
	for (size_t i = 0; req->net_binds && i < req->net_binds->n; i++)
		strv_pushv(&w, (const char *const[]){ "--ro-bind", req->net_binds->v[i], req->net_binds->v[i], NULL });
	strv_pushv(&w, (const char *const[]){ "--dev", "/dev", "--unshare-pid", "--unshare-user", "--cap-drop",
					    "ALL", NULL });
	if (req->cap_add_setfcap)
		strv_pushv(&w, (const char *const[]){ "--cap-add", "CAP_SETFCAP", NULL });
	if (req->cap_add_sys_admin)
		strv_pushv(&w, (const char *const[]){ "--cap-add", "CAP_SYS_ADMIN", NULL });
	bwrap_argv_proc(req->weaker_nested, &w);
	if (req->disable_userns && !req->weaker_nested)
		strv_push(&w, "--disable-userns");
	strv_push(&w, "--");
	strv_extend(&w, req->command);
	/* bwrap counts its own argv[0] too. */
	if (w.n + 1 > BWRAP_MAX_ARGS) {
		*ret_err = xasprintf("the sandbox needs %zu bwrap arguments, more than bubblewrap's limit of %d "
				     "(too many deny paths or glob matches); narrow the filesystem rules",
				     w.n + 1, BWRAP_MAX_ARGS);
		strv_clear(&w);
		return -1;
	}
	strv_extend(out, &w);
	strv_clear(&w);
	return 0;
}
