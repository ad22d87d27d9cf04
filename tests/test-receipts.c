/* Receipts module: keys, round trip, chain continued across runs, buffering
 * through the event loop, refusal of foreign or damaged chains, and many
 * processes appending to one directory at once. */
#include "proxy.h"
#include "receipts.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[] = "/tmp/srt-test-receipts.XXXXXX";

static char *in_tmp(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static int count_lines(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int n = 0;
	if (read_file_max(path, 64 << 20, &data, &len) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		n += data[i] == '\n';
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) < 0 ? -1 : st.st_size;
}

/* verify; returns 0/-1 and keeps the message for checks. */
static int verify(const char *dir, const char *pub, char **msg)
{
	char *summary = NULL, *err = NULL;
	int r = receipts_verify(dir, pub, &summary, &err);
	*msg = r == 0 ? summary : err;
	if (r == 0)
		free(err);
	else
		free(summary);
	return r;
}

static void write_some(const char *dir, const char *key, int n)
{
	_cleanup_free_ char *err = NULL;
	struct receipts *r = receipts_open(NULL, dir, key, &err);
	if (!r) {
		printf("# open %s: %s\n", dir, err);
		return;
	}
	for (int i = 0; i < n; i++)
		receipts_network(r, "example.com", 443, "http", true, "example.com");
	receipts_close(r);
}

static void test_keys(const char *key, const char *pub)
{
	_cleanup_free_ char *err = NULL, *text = NULL;
	struct stat st;

	is_int(receipts_keygen(key, &err), 0, "keygen");
	ok(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600, "secret key is mode 0600");
	ok(stat(pub, &st) == 0 && (st.st_mode & 0777) == 0644, "public key is mode 0644");
	ok(read_file_max(pub, 4096, &text, NULL) == 0 &&
		   str_has_prefix(text, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"),
	   "public key is PEM SubjectPublicKeyInfo for Ed25519");
	free(text);
	text = NULL;
	ok(read_file_max(key, 4096, &text, NULL) == 0 &&
		   str_has_prefix(text, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"),
	   "secret key is PEM PKCS#8 for Ed25519");
	free(err);
	err = NULL;
	ok(receipts_keygen(key, &err) < 0 && err && strstr(err, "File exists"),
	   "keygen refuses to overwrite a key");
}

static void test_bad_keys(const char *key, const char *dir)
{
	_cleanup_free_ char *err = NULL, *loose = in_tmp("loose.key"), *junk = in_tmp("junk.key");
	_cleanup_free_ char *data = NULL;
	struct receipts *r;

	read_file_max(key, 4096, &data, NULL);
	int fd = open(loose, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data), "copy key");
	close(fd);
	chmod(loose, 0644);
	r = receipts_open(NULL, dir, loose, &err);
	ok(!r && err && strstr(err, "too open"), "a group/world-readable secret key is refused");
	free(err);
	err = NULL;
	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "hello\n", 6) == 6, "write junk key");
	close(fd);
	r = receipts_open(NULL, dir, junk, &err);
	ok(!r && err && strstr(err, "no PEM PRIVATE KEY"), "junk key refused: %s", err ? err : "");
	free(err);
	err = NULL;
	r = receipts_open(NULL, dir, "/nonexistent/key", &err);
	ok(!r && err && strstr(err, "No such file"), "missing key refused");
	receipts_close(NULL); /* NULL-safe */
	receipts_network(NULL, "x", 1, "http", true, NULL);
	ok(true, "NULL receipts are no-ops");
}

static void test_round_trip(const char *dir, const char *key, const char *pub)
{
	_cleanup_free_ char *err = NULL, *msg = NULL, *file = xasprintf("%s/receipts.jsonl", dir);
	struct receipts *r = receipts_open(NULL, dir, key, &err);
	strv argv = {0}, deny = {0};

	ok(r != NULL, "open %s", err ? err : "");
	strv_push(&argv, "--ro-bind");
	strv_push(&argv, "/");
	strv_push(&argv, "/");
	strv_push(&deny, "/home/u/.bashrc");
	receipts_start(r, &(struct receipt_start){.version = "0.1.0",
						  .settings_json = "{}",
						  .command = "true",
						  .bwrap_argv = &argv,
						  .seccomp_filter = "\x06\0\0\0",
						  .seccomp_filter_len = 4,
						  .mandatory_deny = &deny});
	receipts_network(r, "example.com", 443, "http", true, "example.com");
	receipts_network(r, "evil.com", 80, "socks5", false, NULL);
	receipts_network_event(r, &(struct proxy_event){.when = {1700000000, 123456},
							 .protocol = "connect",
							 .host = "evil.test",
							 .port = 443,
							 .allowed = false,
							 .reason = "denied by deniedDomains",
							 .rule = "evil.test"});
	receipts_control(r, "{\"network\":{}}");
	receipts_exit(r, 3, 0, 0.5);
	receipts_close(r);
	is_int(count_lines(file), 6, "six receipts written");
	_cleanup_free_ char *text = NULL;
	read_file_max(file, 1 << 20, &text, NULL);
	ok(text && strstr(text, "{\"event\":{\"host\":\"evil.test\",\"port\":443,\"protocol\":\"connect\","
				"\"reason\":\"denied by deniedDomains\",\"rule\":\"evil.test\",\"run\":\""),
	   "proxy event: host, port, protocol, reason, rule");
	ok(text && strstr(text, "\"verdict\":\"deny\"},\"prev\":\"") &&
		   strstr(text, "\"ts\":\"2023-11-14T22:13:20.123Z\""),
	   "proxy event: verdict, stamped with the decision's time");
	is_int(verify(dir, pub, &msg), 0, "verify intact chain");
	ok(msg && str_has_prefix(msg, "6 receipts verified (seq 1 at ") && strstr(msg, "… seq 6 at "),
	   "summary: %s", msg);
	free(msg);
	msg = NULL;

	write_some(dir, key, 3);
	is_int(verify(dir, pub, &msg), 0, "chain continues across runs");
	ok(msg && str_has_prefix(msg, "9 receipts verified"), "summary: %s", msg);
	free(msg);
	msg = NULL;

	char hex[65];
	receipts_hash_argv(&argv, hex);
	/* printf -- '--ro-bind\0/\0/\0' | sha256sum */
	is_str(hex, "570e7fb795d9df565709be6d21fc5df295483b30e4bd797d73d0565fd0150a7c",
	       "argv hash: each word followed by NUL");
	strv_clear(&argv);
	strv_clear(&deny);
}

static void test_foreign_key(const char *dir, const char *pub)
{
	_cleanup_free_ char *err = NULL, *msg = NULL, *k2 = in_tmp("other.key"),
			       *k2pub = in_tmp("other.key.pub");
	struct receipts *r;

	is_int(receipts_keygen(k2, &err), 0, "second key");
	r = receipts_open(NULL, dir, k2, &err);
	ok(!r && err && strstr(err, "not signed by this key"),
	   "writer refuses a chain signed with another key: %s", err ? err : "");
	is_int(verify(dir, k2pub, &msg), -1, "verify with the wrong public key fails");
	ok(msg && str_has_prefix(msg, "line 1 (seq 1): bad signature"), "names line 1: %s", msg);
	free(msg);
	msg = NULL;
	is_int(verify(dir, "/nonexistent.pub", &msg), -1, "missing public key");
	free(msg);
	msg = NULL;
	_cleanup_free_ char *empty = in_tmp("empty");
	mkdir(empty, 0700);
	is_int(verify(empty, pub, &msg), -1, "no receipts file");
	free(msg);
	msg = NULL;
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void run_loop_for(struct event_base *base, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct event *ev = evtimer_new(base, timeout_cb, base);
	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
}

static void test_event_loop(const char *key, const char *pub)
{
	_cleanup_free_ char *dir = in_tmp("loop"), *file = in_tmp("loop/receipts.jsonl");
	_cleanup_free_ char *err = NULL, *msg = NULL;
	struct event_base *base = event_base_new();
	struct receipts *r = receipts_open(base, dir, key, &err);

	ok(r != NULL, "open with an event loop");
	receipts_network(r, "a.example", 443, "http", true, "a.example");
	receipts_network(r, "b.example", 443, "http", false, NULL);
	is_int(file_size(file), 0, "events are buffered, not written on the caller's path");
	run_loop_for(base, 300);
	is_int(count_lines(file), 2, "the writer wrote them within the interval");
	for (int i = 0; i < 2000; i++)
		receipts_network(r, "c.example", 80, "http", true, "c.example");
	/* A full batch goes out on its own; poll (bounded) rather than sleep a
	 * fixed time, so a loaded machine does not make this flaky. */
	for (int i = 0; i < 300 && count_lines(file) < 2 + 512; i++)
		usleep(10000);
	ok(count_lines(file) >= 2 + 512, "a full batch is written (%d lines)", count_lines(file));
	for (int i = 0; i < 30 && count_lines(file) < 2002; i++)
		run_loop_for(base, 100);
	is_int(count_lines(file), 2002, "the rest follows");
	receipts_exit(r, 0, 0, 0.1);
	receipts_close(r);
	is_int(count_lines(file), 2003, "close writes what is left");
	is_int(verify(dir, pub, &msg), 0, "verify: %s", msg);
	event_base_free(base);
}

static void test_damaged_tail(const char *key, const char *pub)
{
	_cleanup_free_ char *dir = in_tmp("damaged"), *file = in_tmp("damaged/receipts.jsonl");
	_cleanup_free_ char *err = NULL, *msg = NULL;
	struct receipts *r;

	write_some(dir, key, 2);
	int fd = open(file, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "{\"v\":1,\"seq\"", 12) == 12, "simulate a torn write");
	close(fd);
	r = receipts_open(NULL, dir, key, &err);
	ok(!r && err && strstr(err, "incomplete"), "writer refuses a damaged chain: %s",
	   err ? err : "");
	is_int(verify(dir, pub, &msg), -1, "verify fails");
	ok(msg && strstr(msg, "line 3: truncated"), "names line 3: %s", msg);
}

/* How often consecutive receipts come from different runs. */
static int run_switches(const char *path)
{
	_cleanup_free_ char *data = NULL;
	char prev[33] = "", cur[33];
	int n = 0;

	if (read_file_max(path, 64 << 20, &data, NULL) < 0)
		return -1;
	for (char *p = data; (p = strstr(p, "\"run\":\"")); p += 7) {
		memcpy(cur, p + 7, 32);
		cur[32] = '\0';
		if (prev[0] && strcmp(prev, cur) != 0)
			n++;
		memcpy(prev, cur, sizeof(cur));
	}
	return n;
}

/* Several processes, some synchronous, some through an event loop, append
 * to one directory at once; the chain must stay whole and lose nothing. */
static void test_concurrent(const char *key, const char *pub)
{
	enum { WRITERS = 6, EVENTS = 300 };
	_cleanup_free_ char *dir = in_tmp("concurrent"), *file = in_tmp("concurrent/receipts.jsonl");
	_cleanup_free_ char *msg = NULL;
	pid_t pids[WRITERS];
	int failures = 0, barrier[2];

	mkdir(dir, 0700);
	ok(pipe(barrier) == 0, "barrier pipe");
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			char *err = NULL, c;
			close(barrier[1]);
			/* Start together: all wait until the parent closes its end. */
			if (read(barrier[0], &c, 1) != 0)
				_exit(1);
			struct event_base *base = w % 2 ? event_base_new() : NULL;
			struct receipts *r = receipts_open(base, dir, key, &err);
			if (!r)
				_exit(1);
			for (int i = 0; i < EVENTS; i++) {
				receipts_network(r, "example.com", 1000 + w, "http", true, NULL);
				if (base && i % 50 == 0)
					event_base_loop(base, EVLOOP_NONBLOCK);
			}
			if (base)
				run_loop_for(base, 150);
			receipts_close(r);
			if (base)
				event_base_free(base);
			_exit(0);
		}
	}
	close(barrier[0]);
	close(barrier[1]);
	for (int w = 0; w < WRITERS; w++) {
		int status;
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failures++;
	}
	is_int(failures, 0, "%d writers finished", WRITERS);
	is_int(count_lines(file), WRITERS * EVENTS, "no receipt lost");
	is_int(verify(dir, pub, &msg), 0, "chain intact after concurrent writers: %s", msg);
	int switches = run_switches(file);
	ok(switches > WRITERS - 1, "the writers really interleaved (%d switches between runs)", switches);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	_cleanup_free_ char *key = in_tmp("k"), *pub = in_tmp("k.pub"), *dir = in_tmp("run");

	test_keys(key, pub);
	test_bad_keys(key, dir);
	test_round_trip(dir, key, pub);
	test_foreign_key(dir, pub);
	test_event_loop(key, pub);
	test_damaged_tail(key, pub);
	test_concurrent(key, pub);

	_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", tmp);
	if (system(rm) != 0)
		printf("# could not remove %s\n", tmp);
	return tap_done();
}
