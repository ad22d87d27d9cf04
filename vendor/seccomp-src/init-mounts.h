/* The mounts init makes before it locks them (init-mounts.c). */
#pragma once

#include <stdbool.h>

/* --pin-link PATH (absolute; kept, not copied): 0, or -1 when too many. */
int pin_link_add(const char *path);

/* --late-mounts DATA,READY: 0, or -1 unless two open descriptors (then
 * made close-on-exec). */
int late_mounts_set(const char *arg);
bool late_mounts_given(void);

/* In init, in this order, after the private /proc is mounted; each dies
 * (refuses to run) when what it must mount cannot be mounted. */
void cover_proc(void);
void apply_late_mounts(void);
void pin_symlinks(void);
