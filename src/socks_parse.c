/* SOCKS5 handshake parsing (see socks_parse.h). */
#include "socks_parse.h"

#include <stdbool.h>
#include <string.h>

int socks_parse_greeting(const unsigned char *b, size_t n, unsigned char *ret_method)
{
	bool noauth = false, userpass = false;

	if (n < 2)
		return 0;
	if (b[0] != 5)
		return -1;
	if (n < 2u + b[1])
		return 0;
	for (size_t i = 0; i < b[1]; i++) {
		noauth |= b[2 + i] == SOCKS_METHOD_NOAUTH;
		userpass |= b[2 + i] == SOCKS_METHOD_USERPASS;
	}
	*ret_method = noauth ? SOCKS_METHOD_NOAUTH : userpass ? SOCKS_METHOD_USERPASS : SOCKS_METHOD_NONE;
	return 2 + b[1];
}

int socks_parse_auth(const unsigned char *b, size_t n)
{
	size_t ulen, plen;

	if (n < 2)
		return 0;
	if (b[0] != 1)
		return -1;
	ulen = b[1];
	if (n < 3 + ulen)
		return 0;
	plen = b[2 + ulen];
	if (n < 3 + ulen + plen)
		return 0;
	return (int)(3 + ulen + plen);
}

int socks_parse_request(const unsigned char *b, size_t n, struct socks_request *ret, unsigned char *ret_rep)
{
	size_t need, alen;

	if (n < 5)
		return 0;
	if (b[0] != 5) {
		*ret_rep = SOCKS_REP_NONE;
		return -1;
	}
	switch (b[3]) {
	case 1:
		alen = 4;
		break;
	case 3:
		alen = 1 + (size_t)b[4];
		break;
	case 4:
		alen = 16;
		break;
	default:
		*ret_rep = SOCKS_REP_ATYP_UNSUPPORTED;
		return -1;
	}
	need = 4 + alen + 2;
	if (n < need)
		return 0;
	if (b[1] != 1) { /* BIND, UDP ASSOCIATE */
		*ret_rep = SOCKS_REP_CMD_UNSUPPORTED;
		return -1;
	}
	memset(ret, 0, sizeof(*ret));
	ret->cmd = b[1];
	ret->atyp = b[3];
	if (b[3] == 1)
		inet_ntop(AF_INET, b + 4, ret->host, sizeof(ret->host));
	else if (b[3] == 4)
		inet_ntop(AF_INET6, b + 4, ret->host, sizeof(ret->host));
	else if (!memchr(b + 5, '\0', b[4]))
		memcpy(ret->host, b + 5, b[4]); /* an embedded NUL leaves "": malformed */
	ret->port = b[4 + alen] << 8 | b[5 + alen];
	return (int)need;
}
