/* Drive config_load() like srt does, for the settings corpus:
 *   config-load [-d] [-s FILE] [--enforce]
 * Valid: the normalised JSON on stdout, exit 0.  Invalid: the message on
 * stderr (both lines), exit 1. */
#include "../src/config.h"
#include "../src/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool enforce = false;
	struct srt_config *cfg = NULL;
	char *used = NULL, *err = NULL, *json;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "-d") == 0)
			log_set_debug(true);
		else if (strcmp(argv[i], "--enforce") == 0)
			enforce = true;
		else {
			fprintf(stderr, "usage: config-load [-d] [-s FILE] [--enforce]\n");
			return 2;
		}
	}
	if (config_load(path, &cfg, &used, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return 1;
	}
	if (enforce && config_check_enforceable(cfg, &err) < 0) {
		fprintf(stderr, "srt: %s\n", err);
		free(err);
		config_free(cfg);
		free(used);
		return 1;
	}
	config_log_ignored_keys(cfg);
	json = config_to_json(cfg, true);
	printf("%s\n", json);
	free(json);
	free(used);
	config_free(cfg);
	return 0;
}
