/* Fuzz the settings loader: config_parse_string() on arbitrary text (the
 * same entry a settings file and each --control-fd line go through).
 * Invariants: an accepted config serialises, the serialisation is accepted
 * again and serialises to the same text (a fixed point); a refusal always
 * comes with a message. */
#include "../../src/config.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srt_config *cfg = NULL, *again = NULL;
	char *err = NULL, *text, *json, *json2;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_string(text, &cfg, &err) < 0) {
		FUZZ_ASSERT(err && *err);
		FUZZ_ASSERT(!cfg);
		free(err);
		free(text);
		return 0;
	}
	FUZZ_ASSERT(cfg && !err);
	(void)config_check_enforceable(cfg, &err);
	free(err);
	err = NULL;
	json = config_to_json(cfg, false);
	FUZZ_ASSERT(json);
	if (config_parse_string(json, &again, &err) < 0) {
		fprintf(stderr, "re-parse of %s failed: %s\n", json, err);
		FUZZ_ASSERT(!"normalised settings are accepted again");
	}
	json2 = config_to_json(again, false);
	if (strcmp(json, json2) != 0) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", json, json2);
		FUZZ_ASSERT(!"normalised settings are a fixed point");
	}
	free(json2);
	free(json);
	config_free(again);
	config_free(cfg);
	free(text);
	return 0;
}
