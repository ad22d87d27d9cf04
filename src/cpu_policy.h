/* The scheduling policy of srt's own process while it relays bulk data. */
#pragma once

/* A relay direction started or stopped carrying bulk data (splice mode).
 * From the first begin to the matching last end the process runs as
 * SCHED_BATCH, unless it was started under a policy other than
 * SCHED_OTHER, which is then left alone. */
void cpu_policy_bulk_begin(void);
void cpu_policy_bulk_end(void);
