/* Drive the receipts module from the command line (tests only):
 *   receipts-tool keygen FILE
 *   receipts-tool write DIR KEY N [COMMAND] [loop]  start, N network, control, exit
 *   receipts-tool verify DIR PUB
 * Exit 0 on success, 1 with the error on stderr. */
#include "receipts.h"
#include "strv.h"
#include "util.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int do_write(int argc, char **argv)
{
	const char *dir = argv[2], *key = argv[3];
	int n = atoi(argv[4]);
	const char *command = argc > 5 ? argv[5] : "echo hello";
	bool loop = argc > 6 && strcmp(argv[6], "loop") == 0;
	struct event_base *base = loop ? event_base_new() : NULL;
	_cleanup_free_ char *err = NULL;
	struct receipts *r = receipts_open(base, dir, key, &err);
	strv bwrap = {0}, deny = {0};
	static const unsigned char filter[] = {0x20, 0, 0, 0, 4, 0, 0, 0};

	if (!r) {
		fprintf(stderr, "receipts-tool: %s\n", err);
		return 1;
	}
	strv_pushv(&bwrap, (const char *const[]){"--new-session", "--die-with-parent", "--", "bash",
						 "-c", command, NULL});
	strv_pushv(&deny, (const char *const[]){"/home/u/.bashrc", "/home/u/.git/hooks", NULL});
	receipts_start(r, &(struct receipt_start){
				  .version = "0.1.0",
				  .settings_json = "{\"network\":{\"allowedDomains\":[]}}",
				  .command = command,
				  .bwrap_argv = &bwrap,
				  .seccomp_filter = filter,
				  .seccomp_filter_len = sizeof(filter),
				  .mandatory_deny = &deny,
			  });
	for (int i = 0; i < n; i++)
		receipts_network(r, i % 2 ? "example.com" : "évil.example", 443 + i,
				 i % 3 ? "http" : "socks5", i % 2, i % 2 ? "example.com" : NULL);
	receipts_control(r, "{\"network\":{\"allowedDomains\":[\"x.org\"]}}");
	receipts_exit(r, 0, 0, 1.25);
	if (base) {
		struct timeval tv = {0, 250000};
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	receipts_close(r);
	if (base)
		event_base_free(base);
	strv_clear(&bwrap);
	strv_clear(&deny);
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *err = NULL, *summary = NULL;

	if (argc == 3 && strcmp(argv[1], "keygen") == 0) {
		if (receipts_keygen(argv[2], &err) < 0) {
			fprintf(stderr, "receipts-tool: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "write") == 0)
		return do_write(argc, argv);
	if (argc == 4 && strcmp(argv[1], "verify") == 0) {
		if (receipts_verify(argv[2], argv[3], &summary, &err) < 0) {
			fprintf(stderr, "srt: %s\n", err);
			return 1;
		}
		printf("%s\n", summary);
		return 0;
	}
	fprintf(stderr, "usage: receipts-tool keygen FILE | write DIR KEY N [CMD] [loop] | verify DIR PUB\n");
	return 2;
}
