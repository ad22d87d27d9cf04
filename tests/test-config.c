/* Unit tests of the settings model: parse_string, defaults, to_json. */
#include "../src/config.h"

#include "tap.h"

#include <stdlib.h>

int main(void)
{
	struct srt_config *cfg = NULL;
	char *err = NULL;

	is_int(config_parse_string("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
				   "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}",
				   &cfg, &err),
	       0, "minimal config parses");
	config_free(cfg);
	return tap_done();
}
