/* Relay: move bytes between two connected sockets both ways, with
 * backpressure, half-close, an idle timeout and byte counters.
 *
 * It works on the descriptors, not through bufferevents: libevent 2.1
 * reads at most 4 KiB per readable event (EVBUFFER_MAX_READ), which made a
 * bufferevent splice cost one epoll round per packet.  Small exchanges are
 * copied through one shared buffer; a direction that has carried more than
 * RELAY_SPLICE_AFTER bytes switches to splice(2) through a pipe of its own,
 * so bulk data never enters user space. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct event_base;
struct evbuffer;
struct relay;

#define RELAY_UNLIMITED UINT64_MAX
/* Most bytes read per syscall in copy mode. */
#define RELAY_CHUNK (256 * 1024)
/* Bytes one direction moves before it gets a pipe for splice(2)
 * (overridable at build time to compare copy and splice). */
#ifndef RELAY_SPLICE_AFTER
#define RELAY_SPLICE_AFTER (1024 * 1024)
#endif
/* Pipe size asked for (within pipe_budget.h's budget), and bytes asked of
 * one splice.  With srt in SCHED_BATCH (cpu_policy.c) it runs long
 * batches, and 1 MiB per splice beat 256 KiB by about a fifth
 * (bench/net-throughput.sh). */
#ifndef RELAY_PIPE_SIZE
#define RELAY_PIPE_SIZE (1024 * 1024)
#endif
/* Send buffer asked for on a bulk direction towards the client, fd_a of
 * relay_start (0 = leave it; the kernel caps it at net.core.wmem_max, 208
 * KiB by default and raised on many hosts, then doubles it).  With the
 * 1 MiB pipe, 1 MiB here was faster than 256 KiB and than autotuning
 * (bench/net-throughput.sh, wmem_max 4 MiB). */
#ifndef RELAY_SNDBUF
#define RELAY_SNDBUF (1024 * 1024)
#endif
/* Bytes one direction moves per wakeup before it yields to other events. */
#define RELAY_BUDGET (8 * 1024 * 1024)

struct relay_result {
	uint64_t bytes_ab, bytes_ba; /* read from a (to b) and from b (to a) */
	uint64_t limit_ab_left;      /* what remained of opts.limit_ab */
	uint64_t limit_ba_left;      /* what remained of opts.limit_ba */
	bool ba_overrun;             /* b had bytes beyond limit_ba waiting when it ran out */
	bool failed;                 /* error or idle timeout (else ended cleanly) */
};

typedef void (*relay_done_cb)(const struct relay_result *res, void *arg);

struct relay_opts {
	int idle_timeout_s;  /* nothing moved either way this long: fail (0 = never) */
	uint64_t limit_ab;   /* most bytes read from a (RELAY_UNLIMITED: until EOF) */
	/* Most bytes read from b.  With borrow_a, reaching it ends the b -> a
	 * direction as b's EOF would (one response of a known length). */
	uint64_t limit_ba;
	/* Borrowed a: the relay ends, without shutting a down or closing it,
	 * once b's EOF was reached and everything from b was written to a
	 * (one HTTP response).  Otherwise the relay ends when both directions
	 * have passed their EOF on, and closes both descriptors. */
	bool borrow_a;
	relay_done_cb done;  /* may be NULL; runs once, after the relay is freed */
	void *arg;
};

/* Relay between fd_a, the client's side, and fd_b, upstream (connected,
 * non-blocking; b is always owned, a unless opts->borrow_a).  to_a and to_b (may be NULL) hold bytes to
 * write to a and to b before anything relayed; their contents are moved.
 * Returns NULL (descriptors untouched) when out of memory. */
struct relay *relay_start(struct event_base *base, int fd_a, struct evbuffer *to_a, int fd_b, struct evbuffer *to_b,
			  const struct relay_opts *opts);

/* Stop a relay without running its callback; closes the owned descriptors. */
void relay_cancel(struct relay *r);

/* Relay two bufferevents, a the client's side, as a raw tunnel until both
 * directions ended:
 * takes their descriptors (bytes already buffered in either direction go
 * first) and frees them; done (may be NULL) runs when the tunnel ends.
 * On failure both are freed and closed, NULL is returned and done does
 * not run. */
struct relay *relay_new(struct bufferevent *a, struct bufferevent *b, int idle_timeout_s, relay_done_cb done,
			void *arg);

/* Detach the descriptor from a socket bufferevent and free it.  Its output
 * is appended to out_to_fd, its input to in_from_fd (either may be NULL to
 * drop them).  Returns the descriptor, now owned by the caller. */
int relay_take_fd(struct bufferevent *bev, struct evbuffer *out_to_fd, struct evbuffer *in_from_fd);

/* Number of live relays (for tests and benchmarks). */
unsigned long relay_count(void);

/* Bytes the pipe of one direction was enlarged to (pipe_budget.h), 0 if
 * none (for tests). */
size_t relay_enlarged_pipe(const struct relay *r, bool from_a);
