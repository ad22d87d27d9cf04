#!/bin/sh
# Escape attempts through IP literal spellings of loopback when only a name
# is allowed: decimal, octal, hex, short forms, IPv4-mapped and long IPv6,
# sent exactly as spelled (raw bytes, no client-side normalisation) through
# HTTP absolute-form, CONNECT and SOCKS5 (as a domain name).  Each must be
# refused as not allowed, and the upstream must never see a connection.
. "$SRT_TEST_SRCDIR/escape/net-lib.sh"

settings name.json '["ok.test","localhost"]' '[]'
forms="127.0.0.1 2130706433 0177.0.0.1 0x7f.1 127.1 0x7f000001 017700000001 127.0.0.1. 127.000.000.001 0 0.0.0.0
[::ffff:127.0.0.1] [::ffff:7f00:1] [0:0:0:0:0:0:0:1] [::1] [::] [0:0:0:0:0:ffff:127.0.0.1]"
set -f
for f in $forms; do
	# SOCKS carries the host without brackets.
	sh=$(printf '%s' "$f" | tr -d '[]')
	out=$(run name.json "$PEER http 3128 'GET http://$f:$P/lit HTTP/1.1\\r\\nHost: $f:$P\\r\\n\\r\\n'; $PEER http 3128 'CONNECT $f:$P HTTP/1.1\\r\\nHost: $f:$P\\r\\n\\r\\n'; $PEER socks 3 '$sh' $P")
	is "$f: HTTP absolute-form 403, CONNECT 403 (not on the allow list), SOCKS reply 2" "$out" "HTTP/1.1 403 Forbidden
open
HTTP/1.1 403 host is not on the allow list
closed
reply 2"
	up_untouched "$f"
done
# The binary address types of SOCKS for the same loopback addresses.
out=$(run name.json "$PEER socks 1 127.0.0.1 $P; $PEER socks 4 ::1 $P; $PEER socks 4 ::ffff:127.0.0.1 $P; $PEER socks 1 0.0.0.0 $P; $PEER socks 4 :: $P")
is "SOCKS ATYP 1 127.0.0.1 / ATYP 4 ::1, ::ffff:127.0.0.1 / 0.0.0.0 / ::: reply 2 each" "$out" "reply 2
reply 2
reply 2
reply 2
reply 2"
up_untouched "SOCKS binary address types"
set +f

# Control: the allowed name passes through each of the three paths.
out=$(run name.json "$PEER http 3128 'GET http://ok.test:$P/ctl1 HTTP/1.1\\r\\nHost: ok.test:$P\\r\\n\\r\\n'")
# ok.test maps to 127.0.0.1: the guard refuses it unless 127.0.0.1 is allowed as an address.
like "control: ok.test resolving to loopback refused by the guard" "$out" '^HTTP/1.1 403 Forbidden'
settings ctl.json '["ok.test","127.0.0.1"]' '[]'
out=$(run ctl.json "$PEER http 3128 'GET http://ok.test:$P/ctl2 HTTP/1.1\\r\\nHost: ok.test:$P\\r\\nConnection: close\\r\\n\\r\\n'")
like "control: ok.test passes once 127.0.0.1 is allowed" "$out" '^HTTP/1.1 200 OK'
like "control: upstream logged it" "$(cat "$UP_LOG")" 'req GET /ctl2'
up_reset

done_testing
