/* Command line of srt: options end at the first command word. */
#pragma once

#include <stdbool.h>

enum srt_subcommand { SUBCMD_RUN = 0, SUBCMD_KEYGEN, SUBCMD_VERIFY };

struct srt_opts {
	enum srt_subcommand subcommand;
	bool debug;
	bool dry_run;
	const char *settings_path;   /* -s; NULL = default */
	const char *command_string;  /* -c; NULL when absent or empty */
	int control_fd;              /* -1 = none */
	const char *violations_path; /* --violations FILE */
	const char *receipts_dir;    /* --receipts DIR */
	const char *receipt_key;     /* --receipt-key FILE */
	const char *pubkey_path;     /* verify --pubkey FILE */
	char **words;                /* positional words after the options */
	int n_words;
};

/* Parse argv.  Prints usage/version itself for -h/-V and exits 0; on a bad
 * command line prints the error and exits 1 (the only exits outside main:
 * this runs before anything else exists). */
void cli_parse(int argc, char **argv, struct srt_opts *ret);

/* The shell string to run: -c wins; one word is used as is; several words
 * are shell-quoted one by one and joined by spaces.  NULL if there is no
 * command. */
char *cli_command_string(const struct srt_opts *opts);

/* Quote one word for POSIX sh (bare when it is safe, '' when empty). */
char *cli_shell_quote(const char *word);

/* Probe that fd is open and readable (a zero-length read).  0 or -errno. */
int cli_probe_control_fd(int fd);
