/* Signed receipts of one srt run (issue 7), and the keygen/verify
 * subcommands: glue between main's run and receipts.c. */
#pragma once

#include "strv.h"

#include <stdbool.h>

struct event_base;
struct fs_plan;
struct proxy_event;
struct srt_config;
struct audit;

/* srt keygen FILE / srt verify DIR --pubkey FILE: print, return the exit status. */
int audit_keygen_main(const char *path);
int audit_verify_main(const char *dir, const char *pubkey_path);

/* dir/key: the flags, else the settings' "receipts" object; NULL (and no
 * error) when receipts are off.  One without the other is an error. */
struct audit *audit_open(struct event_base *base, const char *dir, const char *key, char **ret_err);

struct audit_plan {
	const struct srt_config *cfg;
	const char *command;
	const strv *bwrap_argv;   /* every word, options and command */
	const char *helper;       /* apply-seccomp, asked for the filter it loads */
	const strv *helper_flags; /* the flags the command runs with */
	const struct fs_plan *fs;
};

/* The "start" receipt: the plan actually enforced. */
void audit_start(struct audit *a, const struct audit_plan *plan);
void audit_network(struct audit *a, const struct proxy_event *ev);
void audit_control(struct audit *a, const struct srt_config *cfg);
void audit_exit(struct audit *a, int status);
void audit_close(struct audit *a); /* NULL-safe */
