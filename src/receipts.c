/* Signed audit receipts (see receipts.h for the format). */
#include "receipts.h"

#include "canonjson.h"
#include "log.h"
#include "proxy.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECEIPT_VERSION 1
/* Longest line verify and the writers accept (a start receipt lists the
 * mandatory-deny paths; this leaves room for thousands). */
#define RECEIPT_MAX_LINE (4u << 20)
#define FLUSH_INTERVAL_USEC 100000
#define FLUSH_BATCH 512        /* flush on the next loop turn past this many */
#define PENDING_MAX 100000     /* past this (disk trouble), count and drop */
#define KEYFILE_MAX 4096

/* DER prefixes of the two Ed25519 key encodings (RFC 8410). */
static const unsigned char pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
					       0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const unsigned char spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
					      0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static const char zero_hash[65] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct pending {
	char *ts;
	struct cj *event;
	bool droppable; /* a refused connection: may be counted instead of kept */
};

struct plist {
	struct pending *v;
	size_t n, cap;
};

struct receipts {
	char *path;
	int fd;      /* receipts.jsonl, O_APPEND */
	int lock_fd; /* receipts.lock */
	int dir_fd;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char run_id[33];

	/* Events come in on the caller's thread; with an event loop, a writer
	 * thread signs and appends them so that neither Ed25519 nor flock nor
	 * write() ever runs on the proxy's path. */
	bool async;
	bool thread_started;
	pthread_t thread;
	pthread_mutex_t mu; /* guards pend, dropped, stop */
	pthread_cond_t cv;
	struct plist pend;
	uint64_t dropped;
	bool stop;

	pthread_mutex_t wmu; /* one flush at a time; guards batch and head_* */
	struct plist batch;  /* taken from pend, not yet written */
	/* The chain head as of our last append, valid while the file size
	 * still matches (nobody appended since). */
	bool head_known;
	off_t head_size;
	int64_t head_seq;
	char head_hash[65];
};

/* A receipt line taken apart. */
struct parsed {
	int64_t seq;
	char *ts;
	char prev[65];
	unsigned char sig[crypto_sign_BYTES];
	char *signed_bytes; /* canonical JSON without sig */
	size_t signed_len;
	char hash[65]; /* SHA-256 of signed_bytes */
};

static void parsed_clear(struct parsed *p)
{
	free(p->ts);
	free(p->signed_bytes);
	memset(p, 0, sizeof(*p));
}

static void hex_encode(const unsigned char *bin, size_t len, char *hex)
{
	sodium_bin2hex(hex, len * 2 + 1, bin, len);
}

static void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	hex_encode(h, sizeof(h), hex);
}

static int init_sodium(char **ret_err)
{
	if (sodium_init() < 0) {
		*ret_err = xstrdup("libsodium failed to initialise");
		return -EIO;
	}
	return 0;
}

/* ---- keys ---- */

static char *pem_encode(const char *label, const unsigned char *der, size_t len)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	_cleanup_free_ char *b64 = xmalloc(b64len);
	sodium_bin2base64(b64, b64len, der, len, sodium_base64_VARIANT_ORIGINAL);
	/* Our keys are under 64 base64 characters: one body line. */
	return xasprintf("-----BEGIN %s-----\n%s\n-----END %s-----\n", label, b64, label);
}

/* Body of the PEM block with this label, decoded; exactly want bytes. */
static int pem_decode(const char *text, const char *label, unsigned char *der, size_t want,
		      const char *path, char **ret_err)
{
	_cleanup_free_ char *begin = xasprintf("-----BEGIN %s-----", label);
	_cleanup_free_ char *end = xasprintf("-----END %s-----", label);
	const char *b = strstr(text, begin), *e;
	size_t len;

	if (!b || !(e = strstr(b, end))) {
		*ret_err = xasprintf("%s: no PEM %s block", path, label);
		return -EINVAL;
	}
	b += strlen(begin);
	if (sodium_base642bin(der, want, b, (size_t)(e - b), " \t\r\n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    len != want) {
		*ret_err = xasprintf("%s: PEM %s is not an Ed25519 key", path, label);
		return -EINVAL;
	}
	return 0;
}

static int load_secret_key(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
			   unsigned char pk[crypto_sign_PUBLICKEYBYTES], char **ret_err)
{
	_cleanup_free_ char *text = NULL;
	unsigned char der[sizeof(pkcs8_prefix) + crypto_sign_SEEDBYTES];
	struct stat st;
	int r;

	if (stat(path, &st) < 0) {
		r = -errno;
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return r;
	}
	if (st.st_mode & 077) {
		*ret_err = xasprintf("%s: permissions %04o are too open for a secret key (chmod 600)",
				     path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	r = read_file_max(path, KEYFILE_MAX, &text, NULL);
	if (r < 0) {
		*ret_err = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	r = pem_decode(text, "PRIVATE KEY", der, sizeof(der), path, ret_err);
	if (r == 0 && memcmp(der, pkcs8_prefix, sizeof(pkcs8_prefix)) != 0) {
		*ret_err = xasprintf("%s: not an Ed25519 private key", path);
		r = -EINVAL;
	}
	if (r == 0)
		crypto_sign_seed_keypair(pk, sk, der + sizeof(pkcs8_prefix));
	sodium_memzero(der, sizeof(der));
	sodium_memzero(text, strlen(text));
	return r;
}

static int load_public_key(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
			   char **ret_err)
{
	_cleanup_free_ char *text = NULL;
	unsigned char der[sizeof(spki_prefix) + crypto_sign_PUBLICKEYBYTES];
	int r = read_file_max(path, KEYFILE_MAX, &text, NULL);

	if (r < 0) {
		*ret_err = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	r = pem_decode(text, "PUBLIC KEY", der, sizeof(der), path, ret_err);
	if (r < 0)
		return r;
	if (memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0) {
		*ret_err = xasprintf("%s: not an Ed25519 public key", path);
		return -EINVAL;
	}
	memcpy(pk, der + sizeof(spki_prefix), crypto_sign_PUBLICKEYBYTES);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Create path with mode and exactly this content; excl refuses an existing file. */
static int write_new_file(const char *path, const char *text, mode_t mode, bool excl,
			  char **ret_err)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (excl ? O_EXCL : O_TRUNC),
		     mode);
	int r;

	if (fd < 0) {
		r = -errno;
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return r;
	}
	if (fchmod(fd, mode) < 0 || (r = write_all(fd, text, strlen(text))) < 0 || fsync(fd) < 0) {
		r = -errno;
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return r;
	}
	return 0;
}

int receipts_keygen(const char *path, char **ret_err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char der_sk[sizeof(pkcs8_prefix) + crypto_sign_SEEDBYTES];
	unsigned char der_pk[sizeof(spki_prefix) + crypto_sign_PUBLICKEYBYTES];
	_cleanup_free_ char *pub_path = xasprintf("%s.pub", path);
	_cleanup_free_ char *pem_pk = NULL;
	char *pem_sk;
	int r = init_sodium(ret_err);

	if (r < 0)
		return r;
	crypto_sign_keypair(pk, sk);
	memcpy(der_sk, pkcs8_prefix, sizeof(pkcs8_prefix));
	crypto_sign_ed25519_sk_to_seed(der_sk + sizeof(pkcs8_prefix), sk);
	memcpy(der_pk, spki_prefix, sizeof(spki_prefix));
	memcpy(der_pk + sizeof(spki_prefix), pk, sizeof(pk));
	pem_sk = pem_encode("PRIVATE KEY", der_sk, sizeof(der_sk));
	pem_pk = pem_encode("PUBLIC KEY", der_pk, sizeof(der_pk));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(der_sk, sizeof(der_sk));

	r = write_new_file(path, pem_sk, 0600, true, ret_err);
	sodium_memzero(pem_sk, strlen(pem_sk));
	free(pem_sk);
	if (r < 0)
		return r;
	r = write_new_file(pub_path, pem_pk, 0644, false, ret_err);
	if (r < 0)
		unlink(path); /* no half key pair */
	return r;
}

/* ---- parsing a line ---- */

static struct cj *json_to_cj(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return cj_null();
	case json_type_boolean:
		return cj_bool(json_object_get_boolean(o));
	case json_type_int:
		return cj_int(json_object_get_int64(o));
	case json_type_double:
		return cj_double(json_object_get_double(o));
	case json_type_string:
		return cj_stringn(json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_array: {
		struct cj *a = cj_array();
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			cj_array_add(a, json_to_cj(json_object_array_get_idx(o, i)));
		return a;
	}
	case json_type_object: {
		struct cj *obj = cj_object();
		json_object_object_foreach(o, key, val) cj_object_set(obj, key, json_to_cj(val));
		return obj;
	}
	default:
		return cj_null();
	}
}

static bool is_lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Check the shape of one receipt line (without its '\n') and compute the
 * bytes its signature covers.  No crypto check here. */
static int parse_line(const char *line, size_t len, struct parsed *p, char **ret_err)
{
	static const char *const keys[] = {"v", "seq", "ts", "prev", "event", "sig"};
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *v, *seq, *ts, *prev, *event, *sig, *type;
	struct cj *c;
	size_t siglen;
	int r = -EINVAL;

	memset(p, 0, sizeof(*p));
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len) {
		*ret_err = xstrdup("not valid JSON");
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		*ret_err = xstrdup("not a JSON object");
		goto out;
	}
	if (json_object_object_length(o) != (int)(sizeof(keys) / sizeof(keys[0]))) {
		*ret_err = xstrdup("fields other than v, seq, ts, prev, event, sig");
		goto out;
	}
	if (!json_object_object_get_ex(o, "v", &v) || !json_object_object_get_ex(o, "seq", &seq) ||
	    !json_object_object_get_ex(o, "ts", &ts) || !json_object_object_get_ex(o, "prev", &prev) ||
	    !json_object_object_get_ex(o, "event", &event) ||
	    !json_object_object_get_ex(o, "sig", &sig)) {
		*ret_err = xstrdup("missing one of v, seq, ts, prev, event, sig");
		goto out;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != RECEIPT_VERSION) {
		*ret_err = xstrdup("unknown receipt version v");
		goto out;
	}
	if (!json_object_is_type(seq, json_type_int) || json_object_get_int64(seq) < 1) {
		*ret_err = xstrdup("seq is not a positive integer");
		goto out;
	}
	if (!json_object_is_type(ts, json_type_string) ||
	    !json_object_is_type(prev, json_type_string) || json_object_get_string_len(prev) != 64 ||
	    !is_lower_hex(json_object_get_string(prev), 64)) {
		*ret_err = xstrdup("ts or prev is malformed");
		goto out;
	}
	if (!json_object_is_type(event, json_type_object) ||
	    !json_object_object_get_ex(event, "type", &type) ||
	    !json_object_is_type(type, json_type_string)) {
		*ret_err = xstrdup("event is not an object with a type");
		goto out;
	}
	if (!json_object_is_type(sig, json_type_string) ||
	    sodium_base642bin(p->sig, sizeof(p->sig), json_object_get_string(sig),
			      (size_t)json_object_get_string_len(sig), NULL, &siglen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    siglen != sizeof(p->sig)) {
		*ret_err = xstrdup("sig is not a base64 Ed25519 signature");
		goto out;
	}
	p->seq = json_object_get_int64(seq);
	p->ts = xstrdup(json_object_get_string(ts));
	memcpy(p->prev, json_object_get_string(prev), 65);

	/* srt writes canonical lines only: anything else (spacing, escapes,
	 * duplicate keys that one reader sees and another does not) was not
	 * written by srt. */
	c = json_to_cj(o);
	_cleanup_free_ char *whole = NULL;
	size_t whole_len;
	r = cj_serialize(c, &whole, &whole_len, ret_err);
	if (r == 0 && (whole_len != len || memcmp(whole, line, len) != 0)) {
		*ret_err = xstrdup("not in canonical form (RFC 8785)");
		r = -EINVAL;
	}
	cj_object_del(c, "sig");
	if (r == 0)
		r = cj_serialize(c, &p->signed_bytes, &p->signed_len, ret_err);
	cj_free(c);
	if (r < 0)
		goto out;
	sha256_hex(p->signed_bytes, p->signed_len, p->hash);
	r = 0;
out:
	if (r < 0)
		parsed_clear(p);
	json_object_put(o);
	json_tokener_free(tok);
	return r;
}

static bool parsed_sig_ok(const struct parsed *p, const unsigned char *pk)
{
	return crypto_sign_verify_detached(p->sig, (const unsigned char *)p->signed_bytes,
					   p->signed_len, pk) == 0;
}

/* ---- reading the chain head ---- */

/* The last line of fd (size bytes), without its '\n'.  *ret_line is NULL
 * when the file is empty. */
static int read_last_line(int fd, const char *path, off_t size, char **ret_line, size_t *ret_len,
			  char **ret_err)
{
	size_t want = 4096;

	*ret_line = NULL;
	*ret_len = 0;
	if (size == 0)
		return 0;
	for (;;) {
		size_t n = (off_t)want < size ? want : (size_t)size;
		_cleanup_free_ char *buf = xmalloc(n + 1);
		ssize_t got = pread(fd, buf, n, size - (off_t)n);
		if (got < 0) {
			int r = -errno;
			*ret_err = xasprintf("reading %s: %s", path, strerror(errno));
			return r;
		}
		if ((size_t)got != n) {
			*ret_err = xasprintf("%s changed while reading it", path);
			return -EIO;
		}
		if (buf[n - 1] != '\n') {
			*ret_err = xasprintf("%s: the last line is incomplete (damaged chain; "
					     "run srt verify)", path);
			return -EBADMSG;
		}
		char *nl = memrchr(buf, '\n', n - 1);
		if (nl || (off_t)n == size) {
			char *start = nl ? nl + 1 : buf;
			*ret_len = (size_t)(buf + n - 1 - start);
			*ret_line = xstrndup(start, *ret_len);
			return 0;
		}
		if (want > RECEIPT_MAX_LINE) {
			*ret_err = xasprintf("%s: the last line is too long", path);
			return -EFBIG;
		}
		want *= 2;
	}
}

/* Where the chain in r->fd ends: last seq and hash (0 and zeros when
 * empty).  The last receipt must be ours (signed with r's key). */
static int chain_head(struct receipts *r, int64_t *ret_seq, char ret_hash[65], off_t *ret_size,
		      char **ret_err)
{
	_cleanup_free_ char *line = NULL;
	struct parsed p;
	struct stat st;
	size_t len;
	int k;

	if (fstat(r->fd, &st) < 0) {
		k = -errno;
		*ret_err = xasprintf("%s: %s", r->path, strerror(errno));
		return k;
	}
	*ret_size = st.st_size;
	if (r->head_known && st.st_size == r->head_size) {
		*ret_seq = r->head_seq;
		memcpy(ret_hash, r->head_hash, 65);
		return 0;
	}
	k = read_last_line(r->fd, r->path, st.st_size, &line, &len, ret_err);
	if (k < 0)
		return k;
	if (!line) {
		*ret_seq = 0;
		memcpy(ret_hash, zero_hash, 65);
		return 0;
	}
	_cleanup_free_ char *why = NULL;
	if (parse_line(line, len, &p, &why) < 0) {
		*ret_err = xasprintf("%s: the last receipt is damaged (%s); run srt verify", r->path,
				     why);
		return -EBADMSG;
	}
	if (!parsed_sig_ok(&p, r->pk)) {
		*ret_err = xasprintf("%s: the last receipt is not signed by this key "
				     "(use one key per receipts directory)", r->path);
		parsed_clear(&p);
		return -EBADMSG;
	}
	*ret_seq = p.seq;
	memcpy(ret_hash, p.hash, 65);
	parsed_clear(&p);
	return 0;
}

/* ---- writing ---- */

static int lock_fd_op(int fd, int op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void format_rfc3339(const struct timespec *ts, char buf[32])
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)(ts->tv_nsec / 1000000) % 1000u);
}

static void now_rfc3339(char buf[32])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	format_rfc3339(&ts, buf);
}

/* Sign one receipt: the line (without '\n') and the hash of its signed
 * bytes.  The envelope's keys are fixed and already in canonical order
 * (event, prev, seq[, sig], ts, v) and its values need no escaping (hex,
 * digits, our own timestamp), so only the event goes through the writer. */
static int sign_receipt(struct receipts *r, int64_t seq, const char *ts, const char *prev,
			const struct cj *event, char **ret_line, char hash[65], char **ret_err)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	_cleanup_free_ char *ev = NULL, *signed_bytes = NULL;
	int k = cj_serialize(event, &ev, NULL, ret_err);

	if (k < 0)
		return k;
	signed_bytes = xasprintf("{\"event\":%s,\"prev\":\"%s\",\"seq\":%" PRId64
				 ",\"ts\":\"%s\",\"v\":%d}",
				 ev, prev, seq, ts, RECEIPT_VERSION);
	crypto_sign_detached(sig, NULL, (const unsigned char *)signed_bytes, strlen(signed_bytes),
			     r->sk);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	sha256_hex(signed_bytes, strlen(signed_bytes), hash);
	*ret_line = xasprintf("{\"event\":%s,\"prev\":\"%s\",\"seq\":%" PRId64
			      ",\"sig\":\"%s\",\"ts\":\"%s\",\"v\":%d}",
			      ev, prev, seq, sig64, ts, RECEIPT_VERSION);
	return 0;
}

static void plist_push(struct plist *l, char *ts, struct cj *event, bool droppable)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct pending){ts, event, droppable};
}

static void plist_clear(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].ts);
		cj_free(l->v[i].event);
	}
	l->n = 0;
}

/* Sign and append the batch; caller holds wmu and the file lock. */
static int flush_locked(struct receipts *r, char **ret_err)
{
	int64_t seq;
	char hash[65];
	off_t size;
	struct {
		char *p;
		size_t len, cap;
	} out = {0};
	int k = chain_head(r, &seq, hash, &size, ret_err);

	if (k < 0)
		return k;
	for (size_t i = 0; i < r->batch.n; i++) {
		_cleanup_free_ char *line = NULL;
		size_t len;
		char next_hash[65];
		k = sign_receipt(r, seq + 1, r->batch.v[i].ts, hash, r->batch.v[i].event, &line,
				 next_hash, ret_err);
		if (k < 0) {
			free(out.p);
			return k;
		}
		len = strlen(line);
		if (out.len + len + 1 > out.cap) {
			out.cap = (out.len + len + 1) * 2;
			out.p = xrealloc(out.p, out.cap);
		}
		memcpy(out.p + out.len, line, len);
		out.p[out.len + len] = '\n';
		out.len += len + 1;
		seq++;
		memcpy(hash, next_hash, 65);
	}
	k = write_all(r->fd, out.p, out.len);
	free(out.p);
	if (k < 0) {
		/* Leave no partial line behind: it would break the chain. */
		if (ftruncate(r->fd, size) < 0)
			r->head_known = false;
		*ret_err = xasprintf("%s: %s", r->path, strerror(-k));
		return k;
	}
	r->head_known = true;
	r->head_size = size + (off_t)out.len;
	r->head_seq = seq;
	memcpy(r->head_hash, hash, 65);
	plist_clear(&r->batch);
	return 0;
}

static struct cj *receipt_event(struct receipts *r, const char *type)
{
	struct cj *e = cj_object();
	cj_object_set(e, "type", cj_string(type));
	cj_object_set(e, "run", cj_string(r->run_id));
	return e;
}

/* Move what is pending into the batch (caller holds wmu). */
static void take_pending(struct receipts *r)
{
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->pend.n; i++) {
		struct pending *p = &r->pend.v[i];
		if (p->droppable && r->batch.n >= PENDING_MAX) { /* writes keep failing */
			free(p->ts);
			cj_free(p->event);
			r->dropped++;
			continue;
		}
		plist_push(&r->batch, p->ts, p->event, p->droppable);
	}
	r->pend.n = 0;
	if (r->dropped) {
		/* Say so in the chain itself, where the gap is. */
		char ts[32];
		struct cj *e = receipt_event(r, "dropped");
		cj_object_set(e, "count", cj_int((int64_t)r->dropped));
		now_rfc3339(ts);
		plist_push(&r->batch, xstrdup(ts), e, false);
		r->dropped = 0;
	}
	pthread_mutex_unlock(&r->mu);
}

int receipts_flush(struct receipts *r, char **ret_err)
{
	int k = 0, u;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->wmu);
	take_pending(r);
	if (r->batch.n == 0)
		goto out;
	k = lock_fd_op(r->lock_fd, LOCK_EX);
	if (k < 0) {
		*ret_err = xasprintf("locking %s: %s", RECEIPTS_LOCK, strerror(-k));
		goto out;
	}
	k = flush_locked(r, ret_err);
	u = lock_fd_op(r->lock_fd, LOCK_UN);
	if (k == 0 && u < 0) {
		*ret_err = xasprintf("unlocking %s: %s", RECEIPTS_LOCK, strerror(-u));
		k = u;
	}
out:
	pthread_mutex_unlock(&r->wmu);
	return k;
}

static void deadline_in(struct timespec *ts, long usec)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (usec % 1000000) * 1000;
	ts->tv_sec += usec / 1000000 + ts->tv_nsec / 1000000000;
	ts->tv_nsec %= 1000000000;
}

/* The writer thread: wait for events, gather for a moment (or until a
 * batch is full), sign and append; after a failure, retry every second. */
static void *writer_main(void *arg)
{
	struct receipts *r = arg;
	bool failing = false;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec deadline;
		if (r->pend.n == 0 && r->dropped == 0 && !failing) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		deadline_in(&deadline, failing ? 1000000 : FLUSH_INTERVAL_USEC);
		while (!r->stop && (failing || r->pend.n < FLUSH_BATCH))
			if (pthread_cond_timedwait(&r->cv, &r->mu, &deadline) == ETIMEDOUT)
				break;
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->mu);

		char *err = NULL;
		if (receipts_flush(r, &err) < 0) {
			if (!failing)
				log_warn("receipts: %s (will retry)", err);
			failing = true;
		} else {
			if (failing)
				log_warn("receipts: writing again");
			failing = false;
		}
		free(err);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Queue one event (takes it), stamped with when (NULL: now).  This is all
 * the caller pays.  Only refused connections are droppable: past the cap
 * they are counted (a "dropped" receipt says how many), so a sandboxed
 * flood of refusals cannot push the start, allow, control or exit
 * receipts out of the trail. */
static void enqueue_at(struct receipts *r, struct cj *event, const struct timeval *when, bool droppable)
{
	char ts[32];

	if (when && when->tv_sec > 0) {
		struct timespec t = {when->tv_sec, (long)when->tv_usec * 1000};
		format_rfc3339(&t, ts);
	} else {
		now_rfc3339(ts);
	}
	pthread_mutex_lock(&r->mu);
	if (droppable && r->pend.n >= PENDING_MAX) {
		r->dropped++;
		pthread_mutex_unlock(&r->mu);
		cj_free(event);
		return;
	}
	plist_push(&r->pend, xstrdup(ts), event, droppable);
	if (r->pend.n == 1 || r->pend.n == FLUSH_BATCH)
		pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (!r->async) {
		_cleanup_free_ char *err = NULL;
		if (receipts_flush(r, &err) < 0)
			log_warn("receipts: %s", err);
	}
}

static void enqueue(struct receipts *r, struct cj *event)
{
	enqueue_at(r, event, NULL, false);
}

/* Start the writer with every signal blocked: signals are the main
 * thread's business (libevent, sandbox forwarding). */
static int start_writer(struct receipts *r, char **ret_err)
{
	sigset_t all, old;
	int k;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	k = pthread_create(&r->thread, NULL, writer_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (k != 0) {
		*ret_err = xasprintf("cannot start the receipts writer: %s", strerror(k));
		return -k;
	}
	r->thread_started = true;
	return 0;
}

struct receipts *receipts_open(struct event_base *base, const char *dir, const char *key_path,
			       char **ret_err)
{
	struct receipts *r;
	_cleanup_free_ char *lock_path = NULL;
	unsigned char id[16];
	int64_t seq;
	char hash[65];
	off_t size;

	if (init_sodium(ret_err) < 0)
		return NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*ret_err = xasprintf("%s: %s", dir, strerror(errno));
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = r->lock_fd = r->dir_fd = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->wmu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (load_secret_key(key_path, r->sk, r->pk, ret_err) < 0)
		goto fail;
	r->path = path_join(dir, RECEIPTS_FILE);
	lock_path = path_join(dir, RECEIPTS_LOCK);
	r->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->dir_fd < 0 || r->lock_fd < 0) {
		*ret_err = xasprintf("%s: %s", r->dir_fd < 0 ? dir : lock_path, strerror(errno));
		goto fail;
	}
	r->fd = open(r->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fd < 0) {
		*ret_err = xasprintf("%s: %s", r->path, strerror(errno));
		goto fail;
	}
	/* Refuse now, not at the first flush, a chain we cannot continue. */
	if (lock_fd_op(r->lock_fd, LOCK_SH) < 0) {
		*ret_err = xasprintf("locking %s: %s", lock_path, strerror(errno));
		goto fail;
	}
	int k = chain_head(r, &seq, hash, &size, ret_err);
	lock_fd_op(r->lock_fd, LOCK_UN);
	if (k < 0)
		goto fail;
	randombytes_buf(id, sizeof(id));
	hex_encode(id, sizeof(id), r->run_id);
	if (base) {
		r->async = true;
		if (start_writer(r, ret_err) < 0)
			goto fail;
	}
	return r;
fail:
	receipts_close(r);
	return NULL;
}

static struct cj *strv_to_cj(const strv *s)
{
	struct cj *a = cj_array();
	for (size_t i = 0; s && i < s->n; i++)
		cj_array_add(a, cj_string(s->v[i]));
	return a;
}

void receipts_hash_argv(const strv *argv, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; argv && i < argv->n; i++)
		crypto_hash_sha256_update(&st, (const unsigned char *)argv->v[i],
					  strlen(argv->v[i]) + 1);
	crypto_hash_sha256_final(&st, h);
	hex_encode(h, sizeof(h), hex);
}

static struct cj *hash_or_null(const void *data, size_t len)
{
	char hex[65];
	if (!data)
		return cj_null();
	sha256_hex(data, len, hex);
	return cj_string(hex);
}

void receipts_start(struct receipts *r, const struct receipt_start *info)
{
	struct cj *e;
	char hex[65];

	if (!r)
		return;
	e = receipt_event(r, "start");
	cj_object_set(e, "pid", cj_int(getpid()));
	cj_object_set(e, "version", info->version ? cj_string(info->version) : cj_null());
	cj_object_set(e, "settings_sha256",
		      hash_or_null(info->settings_json,
				   info->settings_json ? strlen(info->settings_json) : 0));
	cj_object_set(e, "command", info->command ? cj_string(info->command) : cj_null());
	receipts_hash_argv(info->bwrap_argv, hex);
	cj_object_set(e, "bwrap_argv_sha256", info->bwrap_argv ? cj_string(hex) : cj_null());
	cj_object_set(e, "seccomp_sha256",
		      hash_or_null(info->seccomp_filter, info->seccomp_filter_len));
	cj_object_set(e, "mandatory_deny", strv_to_cj(info->mandatory_deny));
	enqueue(r, e);
}

void receipts_network(struct receipts *r, const char *host, int port, const char *protocol,
		      bool allowed, const char *rule)
{
	struct cj *e;

	if (!r)
		return;
	e = receipt_event(r, "network");
	cj_object_set(e, "host", cj_string(host ? host : ""));
	cj_object_set(e, "port", cj_int(port));
	cj_object_set(e, "protocol", cj_string(protocol ? protocol : ""));
	cj_object_set(e, "verdict", cj_string(allowed ? "allow" : "deny"));
	cj_object_set(e, "rule", rule ? cj_string(rule) : cj_null());
	cj_object_set(e, "reason", cj_null());
	enqueue_at(r, e, NULL, !allowed);
}

void receipts_network_event(struct receipts *r, const struct proxy_event *ev)
{
	struct cj *e;

	if (!r || !ev)
		return;
	e = receipt_event(r, "network");
	cj_object_set(e, "host", cj_string(ev->host ? ev->host : ""));
	cj_object_set(e, "port", cj_int(ev->port));
	cj_object_set(e, "protocol", cj_string(ev->protocol ? ev->protocol : ""));
	cj_object_set(e, "verdict", cj_string(ev->allowed ? "allow" : "deny"));
	cj_object_set(e, "rule", ev->rule ? cj_string(ev->rule) : cj_null());
	cj_object_set(e, "reason", ev->reason ? cj_string(ev->reason) : cj_null());
	enqueue_at(r, e, &ev->when, !ev->allowed);
}

void receipts_control(struct receipts *r, const char *settings_json)
{
	struct cj *e;

	if (!r)
		return;
	e = receipt_event(r, "control");
	cj_object_set(e, "settings_sha256",
		      hash_or_null(settings_json, settings_json ? strlen(settings_json) : 0));
	enqueue(r, e);
}

void receipts_exit(struct receipts *r, int status, int signal, double duration_s)
{
	struct cj *e;

	if (!r)
		return;
	e = receipt_event(r, "exit");
	cj_object_set(e, "status", cj_int(status));
	cj_object_set(e, "signal", cj_int(signal));
	/* Integers only: every JSON tool agrees on how to write them. */
	cj_object_set(e, "duration_ms",
		      cj_int(duration_s > 0 ? (int64_t)(duration_s * 1000.0 + 0.5) : 0));
	enqueue(r, e);
}

void receipts_close(struct receipts *r)
{
	_cleanup_free_ char *err = NULL;

	if (!r)
		return;
	if (r->thread_started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	if (r->fd >= 0) {
		/* Until nothing is pending: a flush may leave the "dropped" marker
		 * or a capped batch behind. */
		do {
			if (receipts_flush(r, &err) < 0) {
				log_warn("receipts: %s; %zu receipts lost", err, r->batch.n);
				break;
			}
		} while (r->pend.n > 0 || r->dropped > 0);
		if (fsync(r->fd) < 0)
			log_warn("receipts: fsync %s: %s", r->path, strerror(errno));
		if (r->dir_fd >= 0)
			fsync(r->dir_fd); /* a new file's name is durable too */
	}
	plist_clear(&r->pend);
	plist_clear(&r->batch);
	free(r->pend.v);
	free(r->batch.v);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->wmu);
	close_keep_errno(r->fd);
	close_keep_errno(r->lock_fd);
	close_keep_errno(r->dir_fd);
	free(r->path);
	sodium_memzero(r->sk, sizeof(r->sk));
	free(r);
}

/* ---- verify ---- */

int receipts_verify(const char *dir, const char *pubkey_path, char **ret_summary, char **ret_err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	_cleanup_free_ char *path = path_join(dir, RECEIPTS_FILE);
	_cleanup_free_ char *lock_path = path_join(dir, RECEIPTS_LOCK);
	_cleanup_free_ char *line = NULL, *first_ts = NULL, *last_ts = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_close_ int lock_fd = -1;
	char prev_hash[65];
	int64_t expect = 1, lineno = 0;
	size_t cap = 0;
	ssize_t n;

	if (init_sodium(ret_err) < 0 || load_public_key(pubkey_path, pk, ret_err) < 0)
		return -1;
	f = fopen(path, "re");
	if (!f) {
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	/* Wait out a writer's append in progress, if the lock is there. */
	lock_fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (lock_fd >= 0)
		lock_fd_op(lock_fd, LOCK_SH);
	memcpy(prev_hash, zero_hash, 65);

	while ((n = getline(&line, &cap, f)) >= 0) {
		struct parsed p;
		_cleanup_free_ char *why = NULL;
		size_t len = (size_t)n;

		lineno++;
		if (len == 0 || line[len - 1] != '\n') {
			*ret_err = xasprintf("line %" PRId64 ": truncated (no newline at the end)",
					     lineno);
			return -1;
		}
		len--;
		if (len > RECEIPT_MAX_LINE) {
			*ret_err = xasprintf("line %" PRId64 ": longer than %u bytes", lineno,
					     RECEIPT_MAX_LINE);
			return -1;
		}
		if (memchr(line, '\0', len) || parse_line(line, len, &p, &why) < 0) {
			*ret_err = xasprintf("line %" PRId64 ": not a receipt (%s)", lineno,
					     why ? why : "NUL byte");
			return -1;
		}
		_cleanup_free_ char *problem = NULL;
		if (!parsed_sig_ok(&p, pk))
			problem = xstrdup("bad signature (altered, or not signed by this key)");
		else if (p.seq != expect)
			problem = xasprintf("out of sequence, expected seq %" PRId64
					    " (a receipt was removed, reordered or inserted)",
					    expect);
		else if (strcmp(p.prev, prev_hash) != 0)
			problem = xstrdup("prev does not match the receipt before it (broken chain)");
		if (problem) {
			*ret_err = xasprintf("line %" PRId64 " (seq %" PRId64 "): %s", lineno, p.seq,
					     problem);
			parsed_clear(&p);
			return -1;
		}
		if (!first_ts)
			first_ts = xstrdup(p.ts);
		free(last_ts);
		last_ts = xstrdup(p.ts);
		memcpy(prev_hash, p.hash, 65);
		expect++;
		parsed_clear(&p);
	}
	if (ferror(f)) {
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (lineno == 0) {
		*ret_err = xasprintf("%s: no receipts", path);
		return -1;
	}
	*ret_summary = xasprintf("%" PRId64 " receipts verified (seq 1 at %s … seq %" PRId64
				 " at %s); head %s",
				 lineno, first_ts, lineno, last_ts, prev_hash);
	return 0;
}
