/* HTTP/1.x head parsing for the HTTP proxy: pure, no I/O, no libevent, so
 * the fuzz harness (tests/fuzz/fuzz-http-head.c) runs exactly this code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX_HEADERS 128
/* head_content_length() when there is no Content-Length (== RELAY_UNLIMITED). */
#define HTTP_NO_LENGTH UINT64_MAX

struct http_header {
	char *name, *value;
};

struct http_head {
	char *buf; /* the caller's; every pointer below points into it */
	char *method, *target, *version; /* response: version, method = status code + reason */
	struct http_header hdr[HTTP_HEAD_MAX_HEADERS];
	size_t n;
};

/* Split a NUL-terminated head (without the final blank line) in place into
 * request/status line and headers.  Returns 0, or -1 when malformed (bare
 * control characters, an empty line (bare-LF termination before the
 * CRLFCRLF), obsolete line folding, a bad request line, more than
 * HTTP_HEAD_MAX_HEADERS headers).  Lines end in CRLF or a bare LF. */
int http_head_parse(char *buf, struct http_head *hd, bool response);

/* The first value of header name (case-insensitive), or NULL. */
const char *http_head_get(const struct http_head *hd, const char *name);
/* How many times header name occurs. */
size_t http_head_count(const struct http_head *hd, const char *name);

/* The value of Content-Length (or of every one, when repeated: they must
 * agree).  Returns 0 with *ret (HTTP_NO_LENGTH when there is none), or -1
 * when a value is not a plain decimal or two differ. */
int http_head_content_length(const struct http_head *hd, uint64_t *ret);

/* Does a comma list (Connection header) contain token?  list may be NULL. */
bool http_list_has(const char *list, const char *token);
/* Hop-by-hop header (fixed set, or named by the Connection header, which
 * cannot name the framing headers Content-Length and Transfer-Encoding)? */
bool http_is_hop_by_hop(const char *name, const char *connection);

/* host[:port] or [v6][:port] (len bytes) -> host (brackets kept, malloc'd)
 * and port (default_port when absent).  Returns 0, or -1 (nothing set). */
int http_split_authority(const char *a, size_t len, int default_port, char **ret_host, int *ret_port);

/* The destination of a request: CONNECT's authority-form, or the
 * authority of an http:// absolute-form target.  For absolute-form,
 * *ret_rest points into hd->target just after the authority ("", "/..."
 * or "?...").  Returns 0, or -1 (400: origin-form, another scheme,
 * userinfo, fragment, bad authority). */
int http_request_target(const struct http_head *hd, bool connect, char **ret_host, int *ret_port,
			const char **ret_rest);

/* Request body framing: Transfer-Encoding (only a single "chunked") or
 * Content-Length, never both.  Returns 0 with *ret_chunked and *ret_length
 * (HTTP_NO_LENGTH when absent), or -1 (400: smuggling shapes). */
int http_request_framing(const struct http_head *hd, bool *ret_chunked, uint64_t *ret_length);
