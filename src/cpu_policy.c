/* SCHED_BATCH while bulk data moves.
 *
 * A download through the proxy is three busy processes on the machine's
 * CPUs: the server (or the host's network stack), srt and the command.
 * Under SCHED_OTHER every splice srt makes wakes the reader, and every
 * wakeup of srt preempts whoever runs on its CPU: thousands of context
 * switches a second, each cutting a batch short.  SCHED_BATCH tells the
 * scheduler srt is throughput work: it stops preempting on wakeup and
 * runs longer batches when it runs.  On a 2-core machine that moved the
 * sandbox's 256 MiB download from about 54% to about 61% of a direct one
 * (bench/net-throughput.sh).  The price is latency under CPU contention,
 * so the policy applies only while a relay carries bulk data; small
 * exchanges keep SCHED_OTHER.
 *
 * SCHED_RESET_ON_FORK keeps the policy from any child, and an
 * unprivileged process may switch between SCHED_OTHER and SCHED_BATCH
 * (sched(7)).  Failure changes nothing, so it is ignored. */
#include "cpu_policy.h"

#include <sched.h>
#include <stdbool.h>

static unsigned bulk_directions;

/* Was srt started under SCHED_OTHER?  Asked once, before srt changes it. */
static bool policy_is_ours(void)
{
	static int ours = -1;

	if (ours < 0)
		ours = (sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) == SCHED_OTHER;
	return ours;
}

static void set_policy(int policy)
{
	struct sched_param none = {0};

	(void)sched_setscheduler(0, policy | SCHED_RESET_ON_FORK, &none);
}

void cpu_policy_bulk_begin(void)
{
	if (bulk_directions++ == 0 && policy_is_ours())
		set_policy(SCHED_BATCH);
}

void cpu_policy_bulk_end(void)
{
	if (bulk_directions > 0 && --bulk_directions == 0 && policy_is_ours())
		set_policy(SCHED_OTHER);
}
