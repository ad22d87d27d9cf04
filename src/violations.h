/* Refused connections as violation events: a debug line with -d, a JSON
 * line in the --violations file, both after ignoreViolations filtering.
 * Nothing of this goes to stdout. */
#pragma once

#include "proxy.h"

struct srt_config;
struct violations;

/* path may be NULL (no file).  The file is opened for appending now so a
 * bad path fails before the command runs. */
struct violations *violations_open(const char *path, const char *command, char **ret_err);

/* ignoreViolations rules in force (replaced live by --control-fd). */
void violations_set_rules(struct violations *v, const struct srt_config *cfg);

/* Record one proxy decision; allowed ones are only debug lines. */
void violations_record(struct violations *v, const struct proxy_event *ev);

/* "deny network-outbound host:port (reason)", the line ignoreViolations
 * patterns are matched against (malloc'd). */
char *violations_line(const struct proxy_event *ev);

/* True when the rules say to drop this line for this command. */
bool violations_ignored(const struct srt_config *cfg, const char *command, const char *line);

void violations_close(struct violations *v); /* NULL-safe */
