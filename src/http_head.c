/* HTTP/1.x head parsing (see http_head.h). */
#include "http_head.h"

#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(char c)
{
	return c != '\0' && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

int http_head_parse(char *buf, struct http_head *hd, bool response)
{
	char *line, *next;
	bool first = true;

	memset(hd, 0, sizeof(*hd));
	hd->buf = buf;
	for (line = buf; line; line = next) {
		size_t l;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		/* The head ends only at CRLFCRLF: an empty line inside it means a
		 * bare LF ended the head early for a lenient reader, and what
		 * follows must not pass for more header fields. */
		if (l == 0)
			return -1;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
				return -1;
		if (first) {
			char *sp1 = strchr(line, ' '), *sp2;
			if (!sp1)
				return -1;
			*sp1 = '\0';
			sp2 = strchr(sp1 + 1, ' ');
			if (!response) {
				if (!sp2 || strchr(sp2 + 1, ' '))
					return -1;
				*sp2 = '\0';
				hd->method = line;
				hd->target = sp1 + 1;
				hd->version = sp2 + 1;
				if (!*hd->method || !*hd->target || strncmp(hd->version, "HTTP/1.", 7) != 0 ||
				    (hd->version[7] != '0' && hd->version[7] != '1') || hd->version[8])
					return -1;
				for (char *c = hd->method; *c; c++)
					if (!is_tchar(*c))
						return -1;
			} else {
				hd->version = line;
				hd->method = sp1 + 1; /* status code + reason */
				if (strncmp(line, "HTTP/1.", 7) != 0)
					return -1;
			}
			first = false;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			return -1; /* obsolete line folding */
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return -1;
		*colon = '\0';
		for (char *c = line; *c; c++)
			if (!is_tchar(*c))
				return -1;
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		char *e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (hd->n == HTTP_HEAD_MAX_HEADERS)
			return -1;
		hd->hdr[hd->n].name = line;
		hd->hdr[hd->n].value = v;
		hd->n++;
	}
	return first ? -1 : 0;
}

const char *http_head_get(const struct http_head *hd, const char *name)
{
	for (size_t i = 0; i < hd->n; i++)
		if (strcasecmp(hd->hdr[i].name, name) == 0)
			return hd->hdr[i].value;
	return NULL;
}

size_t http_head_count(const struct http_head *hd, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < hd->n; i++)
		n += strcasecmp(hd->hdr[i].name, name) == 0;
	return n;
}

int http_head_content_length(const struct http_head *hd, uint64_t *ret)
{
	uint64_t v = HTTP_NO_LENGTH;

	for (size_t i = 0; i < hd->n; i++) {
		const char *s = hd->hdr[i].value;
		uint64_t x = 0;
		size_t l = strlen(s);
		if (strcasecmp(hd->hdr[i].name, "Content-Length") != 0)
			continue;
		if (l == 0 || l > 18 || strspn(s, "0123456789") != l)
			return -1;
		for (; *s; s++)
			x = x * 10 + (uint64_t)(*s - '0');
		if (v != HTTP_NO_LENGTH && v != x)
			return -1;
		v = x;
	}
	*ret = v;
	return 0;
}

bool http_list_has(const char *list, const char *token)
{
	size_t tl = strlen(token);

	for (const char *s = list; s && *s;) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = strcspn(s, ", ");
		if (n == tl && strncasecmp(s, token, tl) == 0)
			return true;
		s += n;
	}
	return false;
}

bool http_is_hop_by_hop(const char *name, const char *connection)
{
	static const char *const hop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
					  "Proxy-Authenticate", "TE", "Trailer", "Upgrade", NULL};
	for (size_t i = 0; hop[i]; i++)
		if (strcasecmp(name, hop[i]) == 0)
			return true;
	/* The framing of the message the proxy forwards is never dropped:
	 * a body sent on without its Transfer-Encoding (or a response without
	 * its Content-Length) would be read differently on the other side. */
	if (strcasecmp(name, "Transfer-Encoding") == 0 || strcasecmp(name, "Content-Length") == 0)
		return false;
	return connection && http_list_has(connection, name);
}

int http_split_authority(const char *a, size_t len, int default_port, char **ret_host, int *ret_port)
{
	const char *colon = NULL;
	char *host;
	int port = default_port;

	if (len == 0)
		return -1;
	if (a[0] == '[') {
		const char *rb = memchr(a, ']', len);
		if (!rb)
			return -1;
		if ((size_t)(rb - a) + 1 < len) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
		host = xstrndup(a, (size_t)(rb - a) + 1);
	} else {
		colon = memchr(a, ':', len);
		host = xstrndup(a, colon ? (size_t)(colon - a) : len);
	}
	if (colon) {
		size_t pl = len - (size_t)(colon - a) - 1;
		port = 0;
		if (pl == 0 || pl > 5)
			goto fail;
		for (size_t i = 1; i <= pl; i++) {
			if (!isdigit((unsigned char)colon[i]))
				goto fail;
			port = port * 10 + (colon[i] - '0');
		}
		if (port < 1 || port > 65535)
			goto fail;
	}
	if (!*host)
		goto fail;
	*ret_host = host;
	*ret_port = port;
	return 0;
fail:
	free(host);
	return -1;
}

int http_request_target(const struct http_head *hd, bool connect, char **ret_host, int *ret_port,
			const char **ret_rest)
{
	const char *t = hd->target, *auth_end;

	if (connect) {
		if (http_split_authority(t, strlen(t), 0, ret_host, ret_port) < 0)
			return -1;
		if (*ret_port == 0) {
			free(*ret_host);
			*ret_host = NULL;
			return -1;
		}
		*ret_rest = t + strlen(t);
		return 0;
	}
	if (strncasecmp(t, "http://", 7) != 0)
		return -1; /* origin-form, '*' or another scheme */
	if (strchr(t, '#'))
		return -1;
	t += 7;
	auth_end = t + strcspn(t, "/?#");
	if (memchr(t, '@', (size_t)(auth_end - t)))
		return -1;
	if (http_split_authority(t, (size_t)(auth_end - t), 80, ret_host, ret_port) < 0)
		return -1;
	*ret_rest = auth_end;
	return 0;
}

int http_request_framing(const struct http_head *hd, bool *ret_chunked, uint64_t *ret_length)
{
	const char *te = http_head_get(hd, "Transfer-Encoding");
	uint64_t cl;

	if (http_head_content_length(hd, &cl) < 0)
		return -1; /* bad or conflicting Content-Length */
	/* Only plain chunked framing is relayed (the proxy forwards the chunks
	 * raw and cannot judge another coding's end). */
	if (te && (http_head_count(hd, "Transfer-Encoding") > 1 || strcasecmp(te, "chunked") != 0))
		return -1;
	if (te && cl != HTTP_NO_LENGTH)
		return -1; /* request smuggling shape */
	*ret_chunked = te != NULL;
	*ret_length = cl;
	return 0;
}
