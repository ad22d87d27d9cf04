#!/bin/sh
# Escape attempts through names: an allowed name that resolves to a
# loopback, metadata, unspecified, IPv4-mapped loopback or this host's own
# address (mapped through SRT_TEST_HOSTS_FILE) must be refused by the
# resolved-address guard, through HTTP absolute-form, CONNECT and SOCKS5,
# with the reason, and the upstream must never see a connection.
. "$SRT_TEST_SRCDIR/escape/net-lib.sh"

HOSTIP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
[ -n "$HOSTIP" ] || { echo "Bail out! no non-loopback IPv4 address on this host"; exit 1; }
$PEER upstream "$UP_LOG" "$HOSTIP" > "$D/hport" & PIDS="$PIDS $!"
wait_file "$D/hport" || { echo "Bail out! listener on $HOSTIP did not start"; exit 1; }
HP=$(cat "$D/hport")
echo "$HOSTIP own.test" >> "$D/hosts"

names="loop.test metadata.test loop6.test zero.test mapped.test own.test"
settings names.json '["loop.test","metadata.test","loop6.test","zero.test","mapped.test","own.test","ok.test"]' '[]'

class() {
	case $1 in
	loop.test | loop6.test | mapped.test) echo "a loopback address" ;;
	metadata.test) echo "a cloud metadata address" ;;
	zero.test) echo "an unspecified address" ;;
	own.test) echo "this host's own address" ;;
	esac
}
for n in $names; do
	port=$P
	[ "$n" = own.test ] && port=$HP
	c=$(class "$n")
	out=$(run names.json "curl -s -i http://$n:$port/name-$n; echo; $PEER http 3128 'CONNECT $n:$port HTTP/1.1\\r\\nHost: $n:$port\\r\\n\\r\\n'; $PEER socks 3 $n $port")
	like "$n (HTTP): 403" "$out" '^HTTP/1.1 403 Forbidden'
	like "$n (HTTP): X-Proxy-Error: blocked-by-sandbox-runtime" "$out" 'X-Proxy-Error: blocked-by-sandbox-runtime'
	like "$n (HTTP): body names the class" "$out" "Connection to $n blocked: resolved to $c"
	like "$n (CONNECT): 403 with the reason" "$out" "^HTTP/1.1 403 resolved to $c"
	like "$n (SOCKS5 domain name): reply 2 (not allowed)" "$out" '^reply 2$'
	up_untouched "$n"
done

# The same names when the address itself is allow-listed pass (the guard
# lets an address through that the settings allow as a literal): shows
# the refusals above come from the guard, not from a broken setup.
settings lit.json '["loop.test","127.0.0.1"]' '[]'
out=$(run lit.json "curl -s http://loop.test:$P/control")
like "control: loop.test allowed when 127.0.0.1 is allow-listed" "$out" 'upstream /control'
up_reset

# An allowed name that maps to a refused address AND a usable one: only
# ever the usable one is dialled (here both are refused: nothing at all).
printf '127.0.0.1 multi.test\n169.254.169.254 multi.test\n' >> "$D/hosts"
settings multi.json '["multi.test"]' '[]'
out=$(run multi.json "curl -s -i http://multi.test:$P/multi; $PEER socks 3 multi.test $P")
like "multi.test (loopback + metadata): 403" "$out" '^HTTP/1.1 403'
like "multi.test: SOCKS reply 2" "$out" '^reply 2$'
up_untouched "multi.test"

done_testing
