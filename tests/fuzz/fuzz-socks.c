/* Fuzz the SOCKS5 handshake parsers (src/socks_parse.c) as the proxy runs
 * them: greeting, then username/password when chosen, then the request,
 * each on what is left of the input, at most 600 bytes at a time.
 * Invariants: no parser claims more bytes than it was given; a message is
 * complete at exactly one length (every shorter prefix asks for more);
 * a parsed request has a NUL-terminated host of the announced form and
 * only CONNECT is ever accepted. */
#include "fuzz.h"
#include "socks_parse.h"

#include <string.h>

typedef int (*parser)(const unsigned char *b, size_t n, void *ctx);

static int greet(const unsigned char *b, size_t n, void *ctx)
{
	return socks_parse_greeting(b, n, ctx);
}

static int auth(const unsigned char *b, size_t n, void *ctx)
{
	return socks_parse_auth(b, n);
}

static int request(const unsigned char *b, size_t n, void *ctx)
{
	unsigned char rep = 0x42;
	int r = socks_parse_request(b, n, ctx, &rep);
	if (r < 0)
		FUZZ_ASSERT(rep == SOCKS_REP_NONE || rep == SOCKS_REP_CMD_UNSUPPORTED || rep == SOCKS_REP_ATYP_UNSUPPORTED);
	return r;
}

/* Run one parser and check it against all of its shorter prefixes: a
 * complete message is complete at exactly its length, every shorter
 * prefix asks for more, and it parses the same again. */
static int step(parser f, const unsigned char *b, size_t n, void *ctx, void *scratch)
{
	int used = f(b, n, ctx);

	FUZZ_ASSERT(used <= (int)n);
	if (used > 0) {
		FUZZ_ASSERT(f(b, (size_t)used, scratch) == used);
		for (size_t k = 0; k < (size_t)used; k++)
			FUZZ_ASSERT(f(b, k, scratch) == 0);
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char method = 0, scratch_m;
	struct socks_request req, scratch_r;
	size_t off = 0, n;
	int used;

	n = size > 600 ? 600 : size;
	used = step(greet, data, n, &method, &scratch_m);
	if (used <= 0)
		return 0;
	FUZZ_ASSERT(used == 2 + data[1]);
	FUZZ_ASSERT(method == SOCKS_METHOD_NOAUTH || method == SOCKS_METHOD_USERPASS || method == SOCKS_METHOD_NONE);
	if (method == SOCKS_METHOD_NONE)
		return 0;
	off += (size_t)used;
	if (method == SOCKS_METHOD_USERPASS) {
		n = size - off > 600 ? 600 : size - off;
		used = step(auth, data + off, n, NULL, NULL);
		if (used <= 0)
			return 0;
		FUZZ_ASSERT((size_t)used == 3u + data[off + 1] + data[off + 2 + data[off + 1]]);
		off += (size_t)used;
	}
	n = size - off > 600 ? 600 : size - off;
	used = step(request, data + off, n, &req, &scratch_r);
	if (used <= 0)
		return 0;
	const unsigned char *b = data + off;
	FUZZ_ASSERT(req.cmd == 1 && req.atyp == b[3]);
	FUZZ_ASSERT(req.port >= 0 && req.port <= 65535);
	FUZZ_ASSERT(memchr(req.host, '\0', sizeof(req.host)));
	if (req.atyp == 1) {
		FUZZ_ASSERT(used == 10);
		struct in_addr a;
		FUZZ_ASSERT(inet_pton(AF_INET, req.host, &a) == 1 && memcmp(&a, b + 4, 4) == 0);
	} else if (req.atyp == 4) {
		FUZZ_ASSERT(used == 22);
		struct in6_addr a;
		FUZZ_ASSERT(inet_pton(AF_INET6, req.host, &a) == 1 && memcmp(&a, b + 4, 16) == 0);
	} else {
		FUZZ_ASSERT(req.atyp == 3 && used == 7 + b[4]);
		size_t hl = strlen(req.host);
		FUZZ_ASSERT(hl == b[4] || (hl == 0 && memchr(b + 5, '\0', b[4])));
		FUZZ_ASSERT(memcmp(req.host, b + 5, hl) == 0);
	}
	FUZZ_ASSERT(req.port == (b[used - 2] << 8 | b[used - 1]));
	return 0;
}
