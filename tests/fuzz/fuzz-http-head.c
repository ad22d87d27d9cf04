/* Fuzz the HTTP proxy's head parser (src/http_head.c) the way the proxy
 * calls it: the bytes before the first CRLFCRLF, refused when they hold a
 * NUL, parsed as a request (destination, body framing) and as a response.
 * Invariants: every pointer the parser returns lies inside the buffer, the
 * header count is within its bound, names are non-empty tokens, values
 * hold no CR/LF and no edge blanks; no accepted head holds a blank line;
 * a destination has a non-empty host and a port in 1..65535, is either
 * refused by the policy's host check or canonicalises to plain host
 * characters, and, for absolute-form, its authority is exactly the text
 * between "http://" and the rest; framing is never both chunked and a
 * length, and the Connection header can never drop a framing header. */
#include "fuzz.h"
#include "http_head.h"
#include "policy.h"

#include <string.h>
#include <strings.h>

static bool inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p <= buf + len && strlen(p) <= (size_t)(buf + len - p);
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("\"(),/:;<=>?@[\\]{}", *s) || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void check_head(const struct http_head *hd, const char *buf, size_t len, bool response)
{
	FUZZ_ASSERT(hd->n <= HTTP_HEAD_MAX_HEADERS);
	FUZZ_ASSERT(inside(hd->method, buf, len) && inside(hd->version, buf, len));
	FUZZ_ASSERT(strncmp(hd->version, "HTTP/1.", 7) == 0);
	if (!response) {
		FUZZ_ASSERT(inside(hd->target, buf, len) && *hd->target);
		FUZZ_ASSERT(is_token(hd->method));
		FUZZ_ASSERT(!strchr(hd->target, ' ') && !strchr(hd->version, ' '));
	}
	for (size_t i = 0; i < hd->n; i++) {
		const char *n = hd->hdr[i].name, *v = hd->hdr[i].value;
		size_t vl = strlen(v);
		FUZZ_ASSERT(inside(n, buf, len) && inside(v, buf, len));
		FUZZ_ASSERT(is_token(n));
		FUZZ_ASSERT(!strpbrk(v, "\r\n"));
		FUZZ_ASSERT(vl == 0 || (v[0] != ' ' && v[0] != '\t' && v[vl - 1] != ' ' && v[vl - 1] != '\t'));
		FUZZ_ASSERT(http_head_count(hd, n) >= 1);
		FUZZ_ASSERT(http_head_get(hd, n) != NULL);
	}
}

static void check_request(char *buf, size_t len, bool blank_line)
{
	struct http_head hd;
	char *host = NULL;
	const char *rest = NULL;
	int port = -1;

	if (http_head_parse(buf, &hd, false) < 0)
		return;
	/* No blank line inside an accepted head (bare-LF early end). */
	FUZZ_ASSERT(!blank_line);
	check_head(&hd, buf, len, false);
	bool connect = strcmp(hd.method, "CONNECT") == 0;
	if (http_request_target(&hd, connect, &host, &port, &rest) == 0) {
		FUZZ_ASSERT(host && *host && port >= 1 && port <= 65535);
		FUZZ_ASSERT(inside(rest, buf, len));
		FUZZ_ASSERT(connect || !strpbrk(host, "/?#@") || host[0] == '[');
		if (host[0] == '[')
			FUZZ_ASSERT(host[strlen(host) - 1] == ']');
		else
			FUZZ_ASSERT(!strchr(host, ':'));
		/* Whatever the splitter passes on, the policy either refuses it as
		 * malformed or makes a host of plain characters of it: nothing
		 * else is ever judged or dialled. */
		char *canon = NULL;
		if (policy_canonical_host(host, &canon, NULL) == 0) {
			FUZZ_ASSERT(strspn(canon, "abcdefghijklmnopqrstuvwxyz0123456789.-_:") == strlen(canon));
			free(canon);
		}
		if (!connect) {
			const char *auth = hd.target + 7;
			FUZZ_ASSERT(strncasecmp(hd.target, "http://", 7) == 0);
			FUZZ_ASSERT(strncmp(auth, host, strlen(host)) == 0);
			FUZZ_ASSERT(rest >= auth + strlen(host));
			FUZZ_ASSERT(*rest == '\0' || *rest == '/' || *rest == '?');
		} else {
			FUZZ_ASSERT(*rest == '\0');
		}
		free(host);
	} else {
		FUZZ_ASSERT(!host);
	}
	bool chunked = false;
	uint64_t cl = 0;
	if (http_request_framing(&hd, &chunked, &cl) == 0) {
		FUZZ_ASSERT(!(chunked && cl != HTTP_NO_LENGTH));
		if (chunked)
			FUZZ_ASSERT(http_head_count(&hd, "Transfer-Encoding") == 1);
		if (cl != HTTP_NO_LENGTH)
			FUZZ_ASSERT(cl < 1000000000000000000ULL);
	}
	(void)http_list_has(http_head_get(&hd, "Connection"), "close");
	for (size_t i = 0; i < hd.n; i++)
		(void)http_is_hop_by_hop(hd.hdr[i].name, http_head_get(&hd, "Connection"));
	/* Whatever Connection names, the framing headers are forwarded. */
	for (size_t i = 0; i < hd.n; i++) {
		FUZZ_ASSERT(!http_is_hop_by_hop("Transfer-Encoding", hd.hdr[i].value));
		FUZZ_ASSERT(!http_is_hop_by_hop("content-length", hd.hdr[i].value));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end;
	size_t len;
	char *buf;

	if (size > 64 * 1024)
		return 0;
	/* What hconn_process hands to the parser: up to the first CRLFCRLF. */
	end = memmem(data, size, "\r\n\r\n", 4);
	len = end ? (size_t)(end - data) : size;
	if (memchr(data, '\0', len))
		return 0; /* the proxy answers 400 before parsing */
	buf = malloc(len + 1);
	memcpy(buf, data, len);
	buf[len] = '\0';
	check_request(buf, len, memmem(data, len, "\n\n", 2) || memmem(data, len, "\n\r\n", 3));
	memcpy(buf, data, len);
	buf[len] = '\0';
	struct http_head hd;
	if (http_head_parse(buf, &hd, true) == 0) {
		uint64_t cl;
		check_head(&hd, buf, len, true);
		(void)http_head_content_length(&hd, &cl);
	}
	free(buf);
	/* The authority splitter on the raw bytes (lengths, not strings). */
	char *host = NULL;
	int port = -1;
	if (http_split_authority((const char *)data, len, 80, &host, &port) == 0) {
		FUZZ_ASSERT(host && *host && strlen(host) <= len && port >= 1 && port <= 65535);
		free(host);
	}
	return 0;
}
