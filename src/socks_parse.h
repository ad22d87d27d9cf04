/* SOCKS5 handshake parsing (RFC 1928, RFC 1929) for the SOCKS proxy: pure,
 * no I/O, so the fuzz harness (tests/fuzz/fuzz-socks.c) runs exactly the
 * code the proxy runs.  Each parser takes the bytes received so far and
 * returns how many one message used (> 0), 0 when more bytes are needed,
 * or -1 when the connection must end. */
#pragma once

#include <arpa/inet.h>
#include <stddef.h>

/* Reply codes (RFC 1928 6). */
#define SOCKS_REP_OK 0x00
#define SOCKS_REP_NOT_ALLOWED 0x02
#define SOCKS_REP_HOST_UNREACHABLE 0x04
#define SOCKS_REP_CMD_UNSUPPORTED 0x07
#define SOCKS_REP_ATYP_UNSUPPORTED 0x08
#define SOCKS_REP_NONE 0xff /* end without a reply */

/* Auth methods (RFC 1928 3). */
#define SOCKS_METHOD_NOAUTH 0x00
#define SOCKS_METHOD_USERPASS 0x02
#define SOCKS_METHOD_NONE 0xff

/* Greeting: VER=5 NMETHODS METHODS.  *ret_method: the method chosen
 * (no-auth preferred), SOCKS_METHOD_NONE when none is acceptable (the
 * caller answers {5, 0xff} and ends).  -1: not SOCKS5. */
int socks_parse_greeting(const unsigned char *b, size_t n, unsigned char *ret_method);

/* RFC 1929 username/password: VER=1 ULEN UNAME PLEN PASSWD (any
 * credentials are accepted).  -1: bad version (answer {1, 1}). */
int socks_parse_auth(const unsigned char *b, size_t n);

struct socks_request {
	unsigned char cmd, atyp;
	char host[INET6_ADDRSTRLEN + 256]; /* IP text or the name as sent ("" when it holds a NUL) */
	int port;
};

/* Request: VER=5 CMD RSV ATYP DST.ADDR DST.PORT.  -1 with *ret_rep the
 * reply to send (SOCKS_REP_NONE: none) for a bad version, an unknown
 * address type or a command other than CONNECT. */
int socks_parse_request(const unsigned char *b, size_t n, struct socks_request *ret, unsigned char *ret_rep);
