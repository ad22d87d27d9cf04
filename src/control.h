/* --control-fd: whole-settings JSON lines read on the event loop.  Each
 * valid line is handed to the callback; invalid lines are reported and
 * ignored; blank lines are ignored; end of input keeps the last rules. */
#pragma once

#include <stdbool.h>

struct event_base;
struct srt_config;
struct control;

/* cfg is owned by the callee. */
typedef void (*control_update_cb)(struct srt_config *cfg, void *arg);
/* The channel failed.  before_first_update: no valid line ever arrived,
 * and the command must not keep running without its channel. */
typedef void (*control_error_cb)(bool before_first_update, void *arg);

struct control *control_start(struct event_base *base, int fd, control_update_cb on_update,
			      control_error_cb on_error, void *arg);
void control_free(struct control *c);
