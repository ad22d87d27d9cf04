/* The scheduling policy of srt's event-loop thread while it relays bulk
 * data: SCHED_BATCH while relays splice at least 16 MiB/s, SCHED_OTHER
 * otherwise; a policy srt was started under other than SCHED_OTHER is left
 * alone.  One event base per process (the timer lives on the first one). */
#pragma once

#include <spawn.h>
#include <stddef.h>

struct event_base;

/* A relay direction spliced n bytes (it carries bulk data). */
void cpu_policy_bulk_moved(struct event_base *base, size_t n);

/* Back to the policy srt started under, and the timer freed: before the
 * event base is freed. */
void cpu_policy_free(void);

/* For posix_spawn: a child starts under SCHED_OTHER, not under the
 * SCHED_BATCH srt set for itself. */
void cpu_policy_spawnattr(posix_spawnattr_t *attr, short *flags);
