/* SCHED_BATCH while bulk data moves.
 *
 * A download through the proxy is three busy processes on the machine's
 * CPUs: the server (or the host's network stack), srt and the command.
 * Under SCHED_OTHER every splice srt makes wakes the reader, and every
 * wakeup of srt preempts whoever runs on its CPU: thousands of context
 * switches a second, each cutting a batch short.  SCHED_BATCH tells the
 * scheduler srt is throughput work: it stops preempting on wakeup and runs
 * longer batches when it runs.  On a 2-core machine that alone moved the
 * sandbox's 256 MiB download from about 54% to about 61% of a direct one
 * (bench/net-throughput.sh, with 256 KiB pipes; the larger pipes it made
 * worthwhile brought it to 73-82%).
 *
 * The price is latency under CPU contention, so the policy follows the
 * traffic, not the connections: srt enters SCHED_BATCH once relays splice
 * BULK_MIN_BYTES within a tick (16 MiB/s; slower transfers hardly load a
 * CPU), and a timer takes it back to SCHED_OTHER after a tick with less.
 * A tunnel that once moved a lot and now sits idle or trickles leaves srt
 * in SCHED_OTHER.
 *
 * An unprivileged thread may switch between SCHED_OTHER and SCHED_BATCH
 * (sched(7)); failure changes nothing, so it is ignored.  SCHED_RESET_ON_FORK
 * would not help (it resets only real-time policies), and srt starts no
 * process once its event loop runs; posix_spawn callers still ask
 * cpu_policy_spawnattr, so a later one cannot hand SCHED_BATCH on. */
#include "cpu_policy.h"

#include <event2/event.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>

#define TICK_MS 250
#define BULK_MIN_BYTES (4 * 1024 * 1024) /* per tick: 16 MiB/s */

static struct event *tick;
static size_t moved_in_tick;
static struct timespec tick_start;
static bool in_batch;
static int ours = -1; /* is the policy srt's to change?  -1: not asked yet */

/* Was srt started under SCHED_OTHER?  Asked once, before srt changes it. */
static bool policy_is_ours(void)
{
	if (ours < 0)
		ours = sched_getscheduler(0) == SCHED_OTHER;
	return ours;
}

static int set_policy(int policy)
{
	struct sched_param none = {0};

	return sched_setscheduler(0, policy, &none);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void leave_batch(void);

static void start_tick(void)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = TICK_MS * 1000};

	moved_in_tick = 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &tick_start);
	if (in_batch && evtimer_add(tick, &tv) < 0)
		leave_batch(); /* without the timer nothing would bring it back */
}

static void leave_batch(void)
{
	in_batch = false;
	if (sched_getscheduler(0) == SCHED_BATCH)
		set_policy(SCHED_OTHER);
	else
		ours = 0; /* changed since (chrt -p): theirs from now on */
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	if (moved_in_tick < BULK_MIN_BYTES)
		leave_batch();
	start_tick();
}

void cpu_policy_bulk_moved(struct event_base *base, size_t n)
{
	if (!policy_is_ours())
		return;
	if (!in_batch && ms_since(&tick_start) >= TICK_MS)
		start_tick();
	moved_in_tick += n;
	if (in_batch || moved_in_tick < BULK_MIN_BYTES)
		return;
	if (!tick)
		tick = evtimer_new(base, on_tick, NULL);
	if (!tick || set_policy(SCHED_BATCH) < 0) {
		ours = 0; /* not possible here (a seccomp filter, say): stop asking */
		return;
	}
	in_batch = true;
	start_tick();
}

void cpu_policy_free(void)
{
	if (in_batch)
		leave_batch();
	if (tick)
		event_free(tick);
	tick = NULL;
}

void cpu_policy_spawnattr(posix_spawnattr_t *attr, short *flags)
{
	struct sched_param none = {0};

	if (!in_batch)
		return;
	posix_spawnattr_setschedpolicy(attr, SCHED_OTHER);
	posix_spawnattr_setschedparam(attr, &none);
	*flags |= POSIX_SPAWN_SETSCHEDULER;
}
