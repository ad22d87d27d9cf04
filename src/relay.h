/* Relay: splice two connected bufferevents both ways with watermark
 * backpressure and half-close (libevent sample/le-proxy.c, grown up). */
#pragma once

#include <stdint.h>

struct bufferevent;
struct relay;

/* Read size per syscall and the most bytes queued towards one side before
 * reading from the other side pauses. */
#define RELAY_READ_CHUNK (256 * 1024)
#define RELAY_HIGH_WATER (1024 * 1024)

typedef void (*relay_done_cb)(uint64_t bytes_a_to_b, uint64_t bytes_b_to_a, void *arg);

/* Take ownership of a and b (both connected, created with
 * BEV_OPT_CLOSE_ON_FREE) and relay until both directions have ended or
 * one fails, or nothing moved for idle_timeout_s seconds (0 = never).
 * Bytes already buffered in either input are forwarded first.  done (may
 * be NULL) runs once after both are freed. */
struct relay *relay_new(struct bufferevent *a, struct bufferevent *b, int idle_timeout_s, relay_done_cb done,
			void *arg);

/* Tune a bufferevent for bulk transfer (large reads and writes). */
void relay_tune(struct bufferevent *bev);

/* Number of live relays (for tests and benchmarks). */
unsigned long relay_count(void);
