/* Signed audit receipts: an Ed25519-signed, SHA-256-chained trail of what a
 * run enforced, allowed and refused, in DIR/receipts.jsonl.
 *
 * One JSON object per line, written in RFC 8785 canonical form:
 *   {"event":{...},"prev":"<hex>","seq":N,"sig":"<base64>","ts":"<RFC 3339>","v":1}
 * sig  = Ed25519 over the canonical JSON of the object without "sig";
 * prev = SHA-256 (hex) of those signed bytes of the previous line, 64 zeros
 *        for the first line; seq counts from 1 without gaps.
 * Keys: secret key as PEM PKCS#8 "PRIVATE KEY" (mode 0600), public key as
 * PEM "PUBLIC KEY" (SubjectPublicKeyInfo), both readable by openssl.
 *
 * Writing is off the hot path: the caller only stamps and queues an event;
 * a writer thread gathers events for up to 100 ms (or 512 of them), signs
 * them and appends them in one write() under an exclusive flock on
 * DIR/receipts.lock, continuing whatever chain the file already holds
 * (other runs may share DIR).  Close writes the rest and fsyncs. */
#pragma once

#include "strv.h"

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct receipts;

#define RECEIPTS_FILE "receipts.jsonl"
#define RECEIPTS_LOCK "receipts.lock"

/* What the start receipt records (the plan actually enforced). */
struct receipt_start {
	const char *version;       /* srt version */
	const char *settings_json; /* normalised settings; hashed (SHA-256 of these bytes) */
	const char *command;       /* the shell command string */
	const strv *bwrap_argv;    /* hashed exactly as bwrap reads them: each word + NUL */
	const void *seccomp_filter; /* BPF program bytes in force; NULL when none */
	size_t seccomp_filter_len;
	const strv *mandatory_deny; /* may be NULL */
};

/* srt keygen FILE: new key pair; FILE (0600, refuses to overwrite) and
 * FILE.pub.  0 or -errno with *ret_err. */
int receipts_keygen(const char *path, char **ret_err);

/* srt verify DIR --pubkey FILE.pub.  0 when the whole chain is intact, with
 * *ret_summary "N receipts verified (seq 1 at TS … seq N at TS); head HASH";
 * -1 with *ret_err naming the first bad receipt ("line L (seq S): why"). */
int receipts_verify(const char *dir, const char *pubkey_path, char **ret_summary, char **ret_err);

/* Open DIR (created 0700 if missing) for appending with the secret key at
 * key_path.  With an event loop (base != NULL) writing is asynchronous, on
 * the writer thread (started with all signals blocked); with base NULL
 * every event is written at once, on the caller's thread.
 * Refuses a DIR whose chain is damaged or was signed with another key. */
struct receipts *receipts_open(struct event_base *base, const char *dir, const char *key_path,
			       char **ret_err);

void receipts_start(struct receipts *r, const struct receipt_start *info);
/* verdict "allow"/"deny"; rule may be NULL (recorded as null). */
void receipts_network(struct receipts *r, const char *host, int port, const char *protocol,
		      bool allowed, const char *rule);
/* The same from a proxy decision (proxy_event_cb): also records the
 * proxy's reason, and stamps the receipt with the decision's time. */
struct proxy_event;
void receipts_network_event(struct receipts *r, const struct proxy_event *ev);
/* A configuration update applied (e.g. from --control-fd); hashed. */
void receipts_control(struct receipts *r, const char *settings_json);
/* status: exit code; signal: 0 or the signal that ended the command. */
void receipts_exit(struct receipts *r, int status, int signal, double duration_s);

/* Write pending receipts now (any thread).  0 or -errno with *ret_err. */
int receipts_flush(struct receipts *r, char **ret_err);

/* Flush, fsync, unlock, free.  Errors are logged.  NULL-safe. */
void receipts_close(struct receipts *r);

/* SHA-256 of every word followed by its NUL, as lowercase hex (65 bytes). */
void receipts_hash_argv(const strv *argv, char hex[65]);
