#include "cli.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct srt_opts opts;
	cli_parse(argc, argv, &opts);
	log_set_debug(opts.debug);
	die("not implemented yet");
}
