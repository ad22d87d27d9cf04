#!/bin/sh
# Escape attempts through HTTP request confusion: CONNECT target vs Host,
# two Host headers, absolute URI vs Host, userinfo and fragment tricks,
# request smuggling shapes (CL+TE, two CL, obs-fold, bare LF, bare CR, NUL)
# and a pipelined request to a denied host after an allowed one.  Two
# upstreams: A (127.0.0.1:$P, allowed as ok.test:$P) and B (127.0.0.1:$Q,
# reachable only as the denied other.test:$Q).  The proxy must decide and
# dial by the request target alone; B must never see a connection, and A
# must never get a Host header naming anyone else.
. "$SRT_TEST_SRCDIR/escape/net-lib.sh"

B_LOG=$D/b.log
: > "$B_LOG"
$PEER upstream "$B_LOG" 127.0.0.1 > "$D/qport" & PIDS="$PIDS $!"
wait_file "$D/qport" || { echo "Bail out! upstream B did not start"; exit 1; }
Q=$(cat "$D/qport")
b_untouched() {
	if [ -s "$B_LOG" ]; then
		_report 1 "$1: denied upstream B untouched"
		sed 's/^/#   B: /' "$B_LOG"
	else
		_report 0 "$1: denied upstream B untouched"
	fi
	: > "$B_LOG"
}
# a_hosts: every Host header A received since the last reset, one line.
a_hosts() { sed -n 's/^req [^ ]* [^ ]* host=//p' "$UP_LOG" | tr '\n' ' '; }

settings h.json "[\"ok.test:$P\",\"127.0.0.1:$P\"]" '["other.test"]'
A="ok.test:$P"
Bt="other.test:$Q"
h() { echo "$PEER http 3128 '$1'"; }

# --- CONNECT target vs Host header ---
out=$(run h.json "$(h "CONNECT $A HTTP/1.1\\r\\nHost: $Bt\\r\\n\\r\\nGET /in-tunnel HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
like "CONNECT allowed target + Host of the denied name: tunnel to the target" "$out" '^HTTP/1.1 200 Connection Established'
like "CONNECT allowed target: the tunnel reached A" "$out" '^upstream /in-tunnel'
like "CONNECT allowed target: A saw the tunnel's request" "$(cat "$UP_LOG")" "req GET /in-tunnel host=$A"
b_untouched "CONNECT allowed target + denied Host"
up_reset
out=$(run h.json "$(h "CONNECT $Bt HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
like "CONNECT denied target + Host of the allowed name: 403 deny list" "$out" '^HTTP/1.1 403 host is on the deny list'
out=$(run h.json "$(h "CONNECT ok.test:$Q HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
like "CONNECT allowed name on another port + allowed Host: 403" "$out" '^HTTP/1.1 403 host is not on the allow list'
b_untouched "CONNECT denied targets"
up_untouched "CONNECT denied targets"

# --- absolute URI vs Host (and two Host headers) ---
out=$(run h.json "$(h "GET http://$A/uri-a HTTP/1.1\\r\\nHost: $Bt\\r\\nConnection: close\\r\\n\\r\\n")")
like "GET allowed URI + Host of the denied name: 200 from A" "$out" '^upstream /uri-a'
is "A got exactly one Host, the URI authority" "$(a_hosts)" "$A "
up_reset
out=$(run h.json "$(h "GET http://$A/two HTTP/1.1\\r\\nHost: $A\\r\\nHost: $Bt\\r\\nConnection: close\\r\\n\\r\\n")")
like "two Host headers (allowed, denied) under an allowed URI: served by A" "$out" '^upstream /two'
is "two Host headers: A got one Host, the URI authority" "$(a_hosts)" "$A "
up_reset
out=$(run h.json "$(h "GET http://$A/two-b HTTP/1.1\\r\\nHost: $Bt\\r\\nhost: $Bt\\r\\nConnection: close\\r\\n\\r\\n")")
is "two Host headers both denied under an allowed URI: A got the URI authority" "$(a_hosts)" "$A "
up_reset
out=$(run h.json "$(h "GET http://$Bt/uri-b HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
like "GET denied URI + Host of the allowed name: 403" "$out" '^HTTP/1.1 403 Forbidden'
out=$(run h.json "$(h "GET http://$Bt/two HTTP/1.1\\r\\nHost: $A\\r\\nHost: $A\\r\\n\\r\\n")")
like "GET denied URI + two allowed Host headers: 403" "$out" '^HTTP/1.1 403 Forbidden'
out=$(run h.json "$(h "GET /origin-form HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
like "origin-form request with an allowed Host: 400 (the Host is never the target)" "$out" '^HTTP/1.1 400'
b_untouched "URI vs Host"
up_untouched "URI vs Host (denied URIs)"

# --- authority tricks ---
for t in "http://$A@$Bt/ui" "http://$Bt#@$A/frag" "http://$Bt\\\\@$A/bs" "http://$A:@$Bt/ui2" "https://$A/scheme" "http:/$A/one-slash"; do
	out=$(run h.json "$(h "GET $t HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
	like "target $t: refused (400/403)" "$out" '^HTTP/1.1 40[03] '
done
b_untouched "authority tricks"
up_untouched "authority tricks"

# --- smuggling shapes ---
smug="GET http://$Bt/smuggled HTTP/1.1\\r\\nHost: $Bt\\r\\n\\r\\n"
n=$(printf "0\r\n\r\nGET http://$Bt/smuggled HTTP/1.1\r\nHost: $Bt\r\n\r\n" | wc -c)
out=$(run h.json "$(h "POST http://$A/clte HTTP/1.1\\r\\nHost: $A\\r\\nContent-Length: $n\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n$smug")")
is "CL + TE: 400, connection closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "POST http://$A/cl2 HTTP/1.1\\r\\nHost: $A\\r\\nContent-Length: 0\\r\\nContent-Length: $((n - 5))\\r\\n\\r\\n$smug")")
is "two different Content-Length: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "POST http://$A/te2 HTTP/1.1\\r\\nHost: $A\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n0\\r\\n\\r\\n$smug")")
is "two Transfer-Encoding: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "POST http://$A/tecomma HTTP/1.1\\r\\nHost: $A\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n$smug")")
is "Transfer-Encoding other than chunked: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/fold HTTP/1.1\\r\\nX-A: a\\r\\n Host: $Bt\\r\\n\\r\\n")")
is "obs-fold: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/lf HTTP/1.1\\nHost: $A\\n\\nGET http://$Bt/lf2 HTTP/1.1\\r\\nHost: $Bt\\r\\n\\r\\n")")
is "bare LF (a blank line inside the head): 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/lfh HTTP/1.1\\nHost: $A\\n\\nTransfer-Encoding: chunked\\r\\n\\r\\n")")
is "bare LF blank line followed by more header lines: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/cr HTTP/1.1\\r\\nX-A: a\\rHost: $Bt\\r\\n\\r\\n")")
is "bare CR inside a header: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/nul HTTP/1.1\\r\\nX-A: a\\x00\\r\\nHost: $Bt\\r\\n\\r\\n")")
is "NUL in the head: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
out=$(run h.json "$(h "GET http://$A/sp HTTP/1.1\\r\\nHost : $Bt\\r\\n\\r\\n")")
is "space before the colon: 400, closed" "$out" "HTTP/1.1 400 Bad Request
closed"
b_untouched "smuggling shapes"
up_untouched "smuggling shapes"

# A Content-Length body that holds a request: forwarded to A as body bytes
# only; the request after it is judged on its own.
body="GET http://$Bt/inbody HTTP/1.1\\r\\nHost: $Bt\\r\\n\\r\\n"
bl=$(printf "GET http://$Bt/inbody HTTP/1.1\r\nHost: $Bt\r\n\r\n" | wc -c)
out=$(run h.json "$(h "POST http://$A/cl HTTP/1.1\\r\\nHost: $A\\r\\nContent-Length: $bl\\r\\n\\r\\n$body$smug")")
is "request inside a Content-Length body, then a denied request: 200 then 403" "$(printf '%s\n' "$out" | grep '^HTTP/')" "HTTP/1.1 200 OK
HTTP/1.1 403 Forbidden"
like "the body reached A as a body" "$(cat "$UP_LOG")" "body b'GET http://$Bt/inbody"
is "A served one request" "$(grep -c '^req ' "$UP_LOG")" 1
up_reset
# A chunked body is streamed raw until the response ends; bytes after its
# last chunk can reach only A (the destination that was judged), never B.
out=$(run h.json "$(h "POST http://$A/chunked HTTP/1.1\\r\\nHost: $A\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n$smug")")
like "chunked body + trailing request: A answers" "$out" '^HTTP/1.1 200 OK'
b_untouched "chunked body + trailing request"
up_reset

# The Connection header may not drop the framing: a chunked body forwarded
# without its Transfer-Encoding would be read as the next request by A.
out=$(run h.json "$(h "POST http://$A/conn-te HTTP/1.1\\r\\nHost: $A\\r\\nConnection: Transfer-Encoding, Content-Length\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n")")
like "Connection: Transfer-Encoding on a chunked request: A answers" "$out" '^HTTP/1.1 200 OK'
like "Connection: Transfer-Encoding: A still got Transfer-Encoding: chunked" "$(cat "$UP_LOG")" '^hdr Transfer-Encoding: chunked$'
up_reset
out=$(run h.json "$(h "POST http://$A/conn-cl HTTP/1.1\\r\\nHost: $A\\r\\nConnection: Content-Length\\r\\nContent-Length: 2\\r\\n\\r\\nok")")
like "Connection: Content-Length: A still got the length and the body" "$(cat "$UP_LOG")" "body b'ok'"
up_reset
b_untouched "Connection naming the framing"

# --- pipelining on one keep-alive connection ---
out=$(run h.json "$(h "GET http://$A/p1 HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n$smug")")
is "pipelined: allowed then denied -> 200 then 403" "$(printf '%s\n' "$out" | grep '^HTTP/')" "HTTP/1.1 200 OK
HTTP/1.1 403 Forbidden"
out=$(run h.json "$(h "GET http://$A/p2 HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\nCONNECT $Bt HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
is "pipelined: allowed GET then CONNECT to the denied host -> 200 then 403" "$(printf '%s\n' "$out" | grep '^HTTP/')" "HTTP/1.1 200 OK
HTTP/1.1 403 host is on the deny list"
out=$(run h.json "$(h "GET http://$Bt/p3 HTTP/1.1\\r\\nHost: $Bt\\r\\n\\r\\nGET http://$A/p4 HTTP/1.1\\r\\nHost: $A\\r\\n\\r\\n")")
is "pipelined: denied then allowed -> 403 then 200" "$(printf '%s\n' "$out" | grep '^HTTP/')" "HTTP/1.1 403 Forbidden
HTTP/1.1 200 OK"
is "pipelined: A served only the allowed ones" "$(sed -n 's/^req GET \([^ ]*\) .*/\1/p' "$UP_LOG" | tr '\n' ' ')" "/p1 /p2 /p4 "
is "pipelined: every request A got named A" "$(a_hosts)" "$A $A $A "
up_reset
b_untouched "pipelining"

done_testing
