#include "audit.h"

#include "config.h"
#include "log.h"
#include "mounts.h"
#include "receipts.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The filter is at most a few hundred instructions of 8 bytes. */
#define FILTER_MAX (64 * 1024)

struct audit {
	struct receipts *receipts;
	struct timespec started;
};

int audit_keygen_main(const char *path)
{
	_cleanup_free_ char *err = NULL;

	if (receipts_keygen(path, &err) < 0) {
		log_warn("keygen: %s", err);
		return 1;
	}
	printf("wrote %s (secret key, mode 0600) and %s.pub (public key)\n", path, path);
	return 0;
}

int audit_verify_main(const char *dir, const char *pubkey_path)
{
	_cleanup_free_ char *summary = NULL, *err = NULL;

	if (receipts_verify(dir, pubkey_path, &summary, &err) < 0) {
		log_warn("verify: %s", err);
		return 1;
	}
	printf("%s\n", summary);
	return 0;
}

struct audit *audit_open(struct event_base *base, const char *dir, const char *key, char **ret_err)
{
	struct audit *a;
	struct receipts *rc;

	if (!dir && !key)
		return NULL;
	if (!dir || !key) {
		*ret_err = xstrdup("receipts need both a directory (--receipts / receipts.dir) and a key "
				   "(--receipt-key / receipts.key)");
		return NULL;
	}
	rc = receipts_open(base, dir, key, ret_err);
	if (!rc)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->receipts = rc;
	clock_gettime(CLOCK_MONOTONIC, &a->started);
	return a;
}

/* The exact BPF program the helper loads with these flags (--export-bpf). */
static char *helper_filter(const char *helper, const strv *flags, size_t *ret_len)
{
	strv argv = {0};
	char *buf;
	int st;

	strv_push(&argv, helper);
	strv_extend(&argv, flags);
	strv_pushv(&argv, (const char *const[]){"--export-bpf", "-", NULL});
	st = run_capture(strv_argv(&argv), false, FILTER_MAX, &buf, ret_len);
	strv_clear(&argv);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || *ret_len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Every write-protected destination of the plan (mandatory and configured). */
static void write_denies(const struct fs_plan *fs, strv *out)
{
	for (size_t i = 0; fs && i < fs_plan_n_ops(fs); i++) {
		const struct mount_op *op = fs_plan_op(fs, i);
		if (op->why == WHY_DENY_WRITE || op->why == WHY_PLACEHOLDER || op->why == WHY_HELD)
			strv_push(out, op->dest);
	}
}

void audit_start(struct audit *a, const struct audit_plan *p)
{
	_cleanup_free_ char *json = NULL, *filter = NULL;
	size_t filter_len = 0;
	strv denies = {0};
	struct receipt_start info;

	if (!a)
		return;
	json = config_to_json(p->cfg, false);
	filter = helper_filter(p->helper, p->helper_flags, &filter_len);
	if (!filter)
		log_warn("receipts: could not read the seccomp filter from %s; recorded as null", p->helper);
	write_denies(p->fs, &denies);
	info = (struct receipt_start){
		.version = PACKAGE_VERSION,
		.settings_json = json,
		.command = p->command,
		.bwrap_argv = p->bwrap_argv,
		.seccomp_filter = filter,
		.seccomp_filter_len = filter_len,
		.mandatory_deny = &denies,
	};
	receipts_start(a->receipts, &info);
	strv_clear(&denies);
}

void audit_network(struct audit *a, const struct proxy_event *ev)
{
	if (a)
		receipts_network_event(a->receipts, ev);
}

void audit_control(struct audit *a, const struct srt_config *cfg)
{
	_cleanup_free_ char *json = NULL;

	if (!a)
		return;
	json = config_to_json(cfg, false);
	receipts_control(a->receipts, json);
}

/* status is srt's exit status: 128+N when the command died of signal N. */
void audit_exit(struct audit *a, int status)
{
	struct timespec now;
	double secs;

	if (!a)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - a->started.tv_sec) + (double)(now.tv_nsec - a->started.tv_nsec) / 1e9;
	receipts_exit(a->receipts, status, status > 128 && status < 128 + 65 ? status - 128 : 0, secs);
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	receipts_close(a->receipts);
	free(a);
}
