/* Unit tests of the pure parts of the command line: option parsing that
 * stops at the command, shell quoting of positional words. */
#include "cli.h"
#include "util.h"

#include "lib/tap.h"

#include <fcntl.h>
#include <unistd.h>

static struct srt_opts parse(char **argv)
{
	struct srt_opts o;
	int argc = 0;
	while (argv[argc])
		argc++;
	optind = 0; /* reset getopt between parses (glibc) */
	cli_parse(argc, argv, &o);
	return o;
}

static void test_quote(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"echo", "echo"},
		{"a=b", "a=b"},
		{"=a", "'=a'"},
		{"hello world", "'hello world'"},
		{"it's", "'it'\"'\"'s'"},
		{"$HOME", "'$HOME'"},
		{"", "''"},
		{"-n", "-n"},
		{"/usr/bin/x@1:2,3+4", "/usr/bin/x@1:2,3+4"},
		{"a;b", "'a;b'"},
		{"*", "'*'"},
		{"%s\\n", "'%s\\n'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *q = cli_shell_quote(cases[i].in);
		is_str(q, cases[i].out, "quote '%s'", cases[i].in);
	}
}

static void test_options_stop_at_command(void)
{
	struct srt_opts o = parse((char *[]){"srt", "ls", "-d", "/tmp", NULL});
	ok(!o.debug, "srt ls -d: -d belongs to ls");
	is_int(o.n_words, 3, "srt ls -d /tmp: three command words");
	_cleanup_free_ char *cmd = cli_command_string(&o);
	is_str(cmd, "ls -d /tmp", "srt ls -d /tmp: command string");

	o = parse((char *[]){"srt", "-d", "-s", "f.json", "echo", "-c", "hi", NULL});
	ok(o.debug, "-d before the command is srt's");
	is_str(o.settings_path, "f.json", "-s before the command");
	ok(o.command_string == NULL, "-c after the command word is the command's");

	o = parse((char *[]){"srt", "--", "-weird", "x", NULL});
	is_int(o.n_words, 2, "-- ends the options");
	is_str(o.words[0], "-weird", "word after -- kept");
}

static void test_command_string(void)
{
	struct srt_opts o = parse((char *[]){"srt", "curl example.com | head", NULL});
	_cleanup_free_ char *a = cli_command_string(&o);
	is_str(a, "curl example.com | head", "one word is a shell command string");

	o = parse((char *[]){"srt", "printf", "%s\\n", "a b", NULL});
	_cleanup_free_ char *b = cli_command_string(&o);
	is_str(b, "printf '%s\\n' 'a b'", "several words are quoted one by one");

	o = parse((char *[]){"srt", "-c", "echo $HOME", "ignored", NULL});
	_cleanup_free_ char *c = cli_command_string(&o);
	is_str(c, "echo $HOME", "-c wins over words");

	o = parse((char *[]){"srt", "-c", "", NULL});
	ok(cli_command_string(&o) == NULL, "empty -c counts as absent");

	o = parse((char *[]){"srt", "-s", "", "true", NULL});
	ok(o.settings_path == NULL, "-s '' behaves like no -s");

	o = parse((char *[]){"srt", "--dry-run", NULL});
	ok(o.dry_run, "--dry-run parsed");
	ok(cli_command_string(&o) == NULL, "no command");
}

static void test_subcommands(void)
{
	struct srt_opts o = parse((char *[]){"srt", "keygen", "k", NULL});
	is_int(o.subcommand, SUBCMD_KEYGEN, "keygen selected");
	o = parse((char *[]){"srt", "verify", "dir", "--pubkey", "k.pub", NULL});
	is_int(o.subcommand, SUBCMD_VERIFY, "verify selected");
	is_str(o.pubkey_path, "k.pub", "verify --pubkey");
	is_str(o.words[1], "dir", "verify DIR");
	o = parse((char *[]){"srt", "--", "keygen", "k", NULL});
	is_int(o.subcommand, SUBCMD_RUN, "-- keygen runs a command named keygen");
}

static void test_control_fd_probe(void)
{
	int p[2];
	ok(pipe(p) == 0, "pipe");
	is_int(cli_probe_control_fd(p[0]), 0, "read end of a pipe is usable");
	ok(cli_probe_control_fd(p[1]) < 0, "write end is not usable");
	close(p[0]);
	close(p[1]);
	ok(cli_probe_control_fd(p[0]) < 0, "closed fd is not usable");
}

int main(void)
{
	test_quote();
	test_options_stop_at_command();
	test_command_string();
	test_subcommands();
	test_control_fd_probe();
	return tap_done();
}
