#include "cli.h"

#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_CONTROL_FD = 0x100,
	OPT_DRY_RUN,
	OPT_VIOLATIONS,
	OPT_RECEIPTS,
	OPT_RECEIPT_KEY,
	OPT_PUBKEY,
};

static const struct option long_options[] = {
	{"debug", no_argument, NULL, 'd'},
	{"settings", required_argument, NULL, 's'},
	{"control-fd", required_argument, NULL, OPT_CONTROL_FD},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"violations", required_argument, NULL, OPT_VIOLATIONS},
	{"receipts", required_argument, NULL, OPT_RECEIPTS},
	{"receipt-key", required_argument, NULL, OPT_RECEIPT_KEY},
	{"pubkey", required_argument, NULL, OPT_PUBKEY},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
	fputs("Usage: srt [options] [--] command [args...]\n"
	      "       srt [options] -c 'shell command'\n"
	      "       srt keygen FILE\n"
	      "       srt verify DIR --pubkey FILE.pub\n"
	      "\n"
	      "Run a command inside a bubblewrap sandbox whose filesystem and network\n"
	      "are restricted by ~/.srt-settings.json.  Options end at the first\n"
	      "command word: in 'srt ls -d /tmp', -d belongs to ls.\n"
	      "\n"
	      "Options:\n"
	      "  -d, --debug            debug output on stderr\n"
	      "  -s, --settings FILE    settings file (default: ~/.srt-settings.json)\n"
	      "  -c STRING              run STRING with the shell\n"
	      "      --control-fd N     read whole-config JSON lines from fd N (N >= 3)\n"
	      "      --dry-run          validate the settings, print the plan, run nothing\n"
	      "      --violations FILE  append refused connections to FILE as JSON lines\n"
	      "      --receipts DIR     write signed receipts to DIR/receipts.jsonl\n"
	      "      --receipt-key FILE Ed25519 secret key for --receipts (srt keygen)\n"
	      "  -V, --version          print the version\n"
	      "  -h, --help             this help\n",
	      out);
}

__attribute__((noreturn, format(printf, 1, 2))) static void cli_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("srt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'srt --help' for more information.\n", stderr);
	exit(1);
}

/* Reject a second use of a single-value option (bubblewrap does the same). */
static void set_once(const char **slot, const char *value, const char *name)
{
	if (*slot)
		cli_fail("option %s used multiple times", name);
	*slot = value;
}

static int parse_control_fd(const char *arg)
{
	char *end;
	long v;
	bool digits = arg[0] != '\0';

	for (const char *p = arg; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	errno = 0;
	v = digits ? strtol(arg, &end, 10) : -1;
	if (!digits || errno || v < 3 || v > 1 << 20) {
		fprintf(stderr,
			"error: option '--control-fd <fd>' argument '%s' is invalid. must be an integer "
			"file descriptor >= 3 (0-2 are stdin, stdout and stderr).\n",
			arg);
		exit(1);
	}
	return (int)v;
}

int cli_probe_control_fd(int fd)
{
	char c;
	if (read(fd, &c, 0) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* keygen and verify are selected by the first word, unless "--" came first. */
static void parse_subcommand(struct srt_opts *o, bool after_dashdash)
{
	if (after_dashdash || o->n_words == 0)
		return;
	if (strcmp(o->words[0], "keygen") == 0) {
		if (o->n_words != 2)
			cli_fail("%s", "usage: srt keygen FILE");
		o->subcommand = SUBCMD_KEYGEN;
	} else if (strcmp(o->words[0], "verify") == 0) {
		o->subcommand = SUBCMD_VERIFY;
	}
}

/* "verify DIR --pubkey FILE": the one place options follow a word. */
static void parse_verify_args(struct srt_opts *o)
{
	const char *dir = NULL;
	for (int i = 1; i < o->n_words; i++) {
		const char *w = o->words[i];
		if (strcmp(w, "--pubkey") == 0 && i + 1 < o->n_words)
			set_once(&o->pubkey_path, o->words[++i], "--pubkey");
		else if (str_has_prefix(w, "--pubkey="))
			set_once(&o->pubkey_path, w + strlen("--pubkey="), "--pubkey");
		else if (!dir && w[0] != '-')
			dir = w;
		else
			cli_fail("verify: unexpected argument '%s'", w);
	}
	if (!dir || !o->pubkey_path)
		cli_fail("%s", "usage: srt verify DIR --pubkey FILE.pub");
	o->words[1] = (char *)dir;
	o->n_words = 2;
}

void cli_parse(int argc, char **argv, struct srt_opts *o)
{
	const char *control_fd = NULL;
	bool after_dashdash;
	int c;

	memset(o, 0, sizeof(*o));
	o->control_fd = -1;
	opterr = 0;
	/* '+': stop at the first non-option word, like env(1) and doas. */
	while ((c = getopt_long(argc, argv, "+:ds:c:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->debug = true;
			break;
		case 's':
			set_once(&o->settings_path, optarg, "-s/--settings");
			break;
		case 'c':
			set_once(&o->command_string, optarg, "-c");
			break;
		case OPT_CONTROL_FD:
			set_once(&control_fd, optarg, "--control-fd");
			o->control_fd = parse_control_fd(optarg);
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_VIOLATIONS:
			set_once(&o->violations_path, optarg, "--violations");
			break;
		case OPT_RECEIPTS:
			set_once(&o->receipts_dir, optarg, "--receipts");
			break;
		case OPT_RECEIPT_KEY:
			set_once(&o->receipt_key, optarg, "--receipt-key");
			break;
		case OPT_PUBKEY:
			set_once(&o->pubkey_path, optarg, "--pubkey");
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			puts(PACKAGE_VERSION);
			exit(0);
		case ':':
			cli_fail("option '%s' requires an argument", argv[optind - 1]);
		case '?':
			cli_fail("unknown option '%s'", argv[optind - 1]);
		default:
			cli_fail("unexpected option '%s'", argv[optind - 1]);
		}
	}
	after_dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	if (o->settings_path && o->settings_path[0] == '\0')
		o->settings_path = NULL; /* -s '' behaves like no -s */
	if (o->command_string && o->command_string[0] == '\0')
		o->command_string = NULL; /* an empty -c counts as absent */
	o->words = argv + optind;
	o->n_words = argc - optind;
	parse_subcommand(o, after_dashdash);
	if (o->subcommand == SUBCMD_VERIFY)
		parse_verify_args(o);
}

/* Characters that never need quoting (the same set the original leaves bare). */
static bool word_is_safe(const char *w)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@+,-";
	if (!*w || !strchr(first, *w))
		return false;
	for (const char *p = w + 1; *p; p++)
		if (!strchr(first, *p) && *p != '=')
			return false;
	return true;
}

char *cli_shell_quote(const char *word)
{
	size_t n = 2;
	char *out, *q;

	if (word_is_safe(word))
		return xstrdup(word);
	for (const char *p = word; *p; p++)
		n += *p == '\'' ? 5 : 1;
	q = out = xmalloc(n + 1);
	*q++ = '\'';
	for (const char *p = word; *p; p++) {
		if (*p == '\'') {
			memcpy(q, "'\"'\"'", 5);
			q += 5;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}

char *cli_command_string(const struct srt_opts *o)
{
	char *joined = NULL;

	if (o->command_string)
		return xstrdup(o->command_string);
	if (o->n_words == 0)
		return NULL;
	/* One word is a shell command; a blank one is no command (as -c ''). */
	if (o->n_words == 1)
		return o->words[0][strspn(o->words[0], " \t\n")] ? xstrdup(o->words[0]) : NULL;
	for (int i = 0; i < o->n_words; i++) {
		_cleanup_free_ char *q = cli_shell_quote(o->words[i]);
		char *next = joined ? xasprintf("%s %s", joined, q) : xstrdup(q);
		free(joined);
		joined = next;
	}
	return joined;
}
