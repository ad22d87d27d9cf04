#!/bin/sh
# Escape attempts that ignore the proxy variables: direct TCP to the
# upstream on 127.0.0.1 and ::1, to the host's own non-loopback address,
# and UDP (a DNS query to the host's resolver, a datagram to a listener
# of ours).  The sandbox has its own network namespace: every one must
# fail, and nothing may arrive on the host side.
. "$SRT_TEST_SRCDIR/escape/net-lib.sh"

HOSTIP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
[ -n "$HOSTIP" ] || { echo "Bail out! no non-loopback IPv4 address on this host"; exit 1; }
$PEER upstream "$UP_LOG" "$HOSTIP" > "$D/hport" & PIDS="$PIDS $!"
wait_file "$D/hport" || { echo "Bail out! listener on $HOSTIP did not start"; exit 1; }
HP=$(cat "$D/hport")
UDP_LOG=$D/udp.log
: > "$UDP_LOG"
chmod 666 "$UDP_LOG"
$PEER udp "$UDP_LOG" 127.0.0.1 > "$D/uport" & PIDS="$PIDS $!"
wait_file "$D/uport" || { echo "Bail out! UDP listener did not start"; exit 1; }
UP=$(cat "$D/uport")
$PEER udp "$UDP_LOG" "$HOSTIP" > "$D/uhport" & PIDS="$PIDS $!"
wait_file "$D/uhport" || { echo "Bail out! UDP listener on $HOSTIP did not start"; exit 1; }
UHP=$(cat "$D/uhport")

# Positive controls from the host.
is "host: listener on $HOSTIP answers" "$($PEER connect "$HOSTIP" "$HP")" connected
is "host: UDP listener takes a datagram" "$($PEER sendudp 127.0.0.1 "$UP")" sent
wait_file "$UDP_LOG"
like "host: UDP datagram logged" "$(cat "$UDP_LOG")" '^udp '
: > "$UDP_LOG"
up_reset

# Everything allowed through the proxy: the attempts must still not get
# around it.
settings all.json "[\"127.0.0.1\",\"[::1]\",\"ok.test\",\"$HOSTIP\"]" '[]'
out=$(run all.json "$PEER connect 127.0.0.1 $P")
is "direct TCP to 127.0.0.1:$P refused" "$out" "error ECONNREFUSED"
out=$(run all.json "$PEER connect ::1 $P")
like "direct TCP to [::1]:$P refused" "$out" '^error (ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH)$'
out=$(run all.json "$PEER connect $HOSTIP $HP")
like "direct TCP to the host address $HOSTIP unreachable" "$out" '^error (ENETUNREACH|EHOSTUNREACH)$'
out=$(run all.json "exec 3<>/dev/tcp/127.0.0.1/$P && echo connected || echo refused")
like "bash /dev/tcp to 127.0.0.1:$P refused" "$out" 'refused$'
out=$(run all.json "curl -s --max-time 5 --noproxy '*' http://127.0.0.1:$P/direct; echo rc=\$?")
like "curl --noproxy '*' to 127.0.0.1 fails to connect" "$out" 'rc=7$'
out=$(run all.json "curl -s --max-time 5 --noproxy '*' http://[::1]:$P/direct6; echo rc=\$?")
like "curl --noproxy '*' to [::1] fails to connect" "$out" 'rc=7$'
out=$(run all.json "curl -s --max-time 5 --noproxy '*' http://$HOSTIP:$HP/directhost; echo rc=\$?")
like "curl --noproxy '*' to $HOSTIP fails to connect" "$out" 'rc=7$'
up_untouched "direct TCP"

out=$(run all.json "$PEER sendudp 127.0.0.1 $UP")
like "UDP to 127.0.0.1:$UP goes nowhere (sandbox loopback)" "$out" '^(sent|error ECONNREFUSED)$'
out=$(run all.json "$PEER sendudp $HOSTIP $UHP")
like "UDP to the host address unreachable" "$out" '^error (ENETUNREACH|EHOSTUNREACH)$'
# The "host resolver" is a UDP listener of ours (only addresses of this
# machine are ever a target): on loopback and on the host address.
out=$(run all.json "$PEER dns 127.0.0.1 $UP example.com")
like "UDP DNS query to a resolver on the host's 127.0.0.1 gets no answer" "$out" '^(timeout|error ECONNREFUSED)$'
out=$(run all.json "$PEER dns $HOSTIP $UHP example.com")
like "UDP DNS query to a resolver on the host address unreachable" "$out" '^error (ENETUNREACH|EHOSTUNREACH)$'
out=$(run all.json "getent hosts example.com; echo rc=\$?")
like "no DNS resolution inside the sandbox (getent hosts example.com)" "$out" '^rc=2$'
sleep 0.2
is "no datagram reached the host side" "$(cat "$UDP_LOG")" ""

# Positive control in the same setup: the proxy path works.
out=$(run all.json "curl -s http://ok.test:$P/via-proxy")
like "control: through the proxy the upstream answers" "$out" "upstream /via-proxy"
like "control: the upstream logged it" "$(cat "$UP_LOG")" 'req GET /via-proxy host=ok.test'
up_reset

done_testing
