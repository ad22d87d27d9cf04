#!/bin/sh
# Escape attempts through the SOCKS5 proxy: loopback by every address type
# and spelling, denied names in other spellings, BIND and UDP ASSOCIATE
# (reply 7), unknown address types (reply 8), with and without
# username/password.  Only ok.test:$P (and 127.0.0.1:$P as an address, so
# the control can pass the guard) is allowed; other.test is denied.
. "$SRT_TEST_SRCDIR/escape/net-lib.sh"

settings s.json "[\"ok.test:$P\",\"127.0.0.1:$P\"]" '["other.test"]'
settings n.json '["ok.test"]' '[]'
s() { _t=$1 _a=$2; shift 2; echo "$PEER socks $_t '$_a' $*;"; }

# Loopback by every address type, when only the name ok.test is allowed.
out=$(run n.json "$(s 1 127.0.0.1 "$P") $(s 1 127.0.0.2 "$P") $(s 3 localhost "$P") $(s 3 127.0.0.1 "$P") \
$(s 3 2130706433 "$P") $(s 3 0x7f.1 "$P") $(s 3 '[::ffff:127.0.0.1]' "$P") $(s 3 ::ffff:127.0.0.1 "$P") \
$(s 3 ::1 "$P") $(s 3 '[::1]' "$P") $(s 4 ::1 "$P") $(s 4 ::ffff:127.0.0.1 "$P") $(s 4 ::ffff:7f00:2 "$P") \
$(s 3 LOCALHOST. "$P") $(s 3 localhost.localdomain "$P")")
is "loopback by ATYP 1/3/4 in 15 spellings: reply 2 each" "$out" "$(printf 'reply 2\n%.0s' $(seq 15) | sed '$!b')"
up_untouched "SOCKS loopback"

# The same with username/password authentication.
out=$(run n.json "$(s 1 127.0.0.1 "$P" 1 userpass) $(s 3 localhost "$P" 1 userpass) $(s 4 ::1 "$P" 1 userpass)")
is "loopback after username/password auth: reply 2 each" "$out" "reply 2
reply 2
reply 2"
up_untouched "SOCKS loopback (userpass)"

# Denied names in other spellings; the allowed name on another port.
out=$(run s.json "$(s 3 other.test "$P") $(s 3 OTHER.TEST "$P") $(s 3 other.test. "$P") $(s 3 ok.test 1) \
$(s 3 'ok.test%00' "$P") $(s 3 'ok.test:80' "$P") $(s 3 'ok.test/x' "$P") $(s 3 '' "$P")")
is "denied name (3 spellings), allowed name on another port, malformed names: reply 2 each" "$out" "reply 2
reply 2
reply 2
reply 2
reply 2
reply 2
reply 2
reply 2"
up_untouched "SOCKS denied names"

# A name with an embedded NUL: the part before it is an allowed name.
out=$(run s.json "python3 -c '
import socket, struct
s = socket.create_connection((\"127.0.0.1\", 1080), timeout=5)
s.sendall(b\"\\x05\\x01\\x00\"); s.recv(2)
n = b\"ok.test\\x00.evil\"
s.sendall(bytes([5, 1, 0, 3, len(n)]) + n + struct.pack(\"!H\", $P))
r = s.recv(10)
print(\"reply\", r[1] if len(r) > 1 else \"closed\")
'")
is "name with an embedded NUL (ok.test<NUL>.evil): reply 2" "$out" "reply 2"
up_untouched "SOCKS NUL name"

# BIND and UDP ASSOCIATE: command not supported, even for the allowed target.
out=$(run s.json "$(s 3 ok.test "$P" 2) $(s 1 127.0.0.1 "$P" 2) $(s 1 0.0.0.0 0 3) $(s 3 ok.test "$P" 3) $(s 3 ok.test "$P" 3 userpass) $(s 3 ok.test "$P" 9)")
is "BIND (x2), UDP ASSOCIATE (x3), unknown command: reply 7 each" "$out" "reply 7
reply 7
reply 7
reply 7
reply 7
reply 7"
out=$(run s.json "python3 -c '
import socket, struct
s = socket.create_connection((\"127.0.0.1\", 1080), timeout=5)
s.sendall(b\"\\x05\\x01\\x00\"); s.recv(2)
s.sendall(bytes([5, 1, 0, 5, 127, 0, 0, 1]) + struct.pack(\"!H\", $P))
r = s.recv(10)
print(\"reply\", r[1] if len(r) > 1 else \"closed\")
'")
is "unknown address type 5: reply 8" "$out" "reply 8"
out=$(run s.json "python3 -c '
import socket, struct
s = socket.create_connection((\"127.0.0.1\", 1080), timeout=5)
s.sendall(b\"\\x04\\x01\" + struct.pack(\"!H\", $P) + bytes([127, 0, 0, 1]) + b\"u\\x00\")
print(\"got\", s.recv(10))
'")
is "SOCKS4 request: closed without an answer" "$out" "got b''"
up_untouched "SOCKS commands"

# A denied request with the payload right behind it (no waiting for the
# reply): the payload goes nowhere.
out=$(run s.json "python3 -c '
import socket, struct
s = socket.create_connection((\"127.0.0.1\", 1080), timeout=5)
n = b\"other.test\"
s.sendall(b\"\\x05\\x01\\x00\" + bytes([5, 1, 0, 3, len(n)]) + n + struct.pack(\"!H\", $P) + b\"GET / HTTP/1.1\\r\\nHost: other.test\\r\\n\\r\\n\")
d = s.recv(100)
print(\"reply\", d[3] if len(d) > 3 else \"closed\")
'")
is "denied request with its payload behind it: reply 2" "$out" "reply 2"
up_untouched "SOCKS eager payload"

# Control: the allowed name passes.
out=$(run s.json "curl -s --socks5-hostname localhost:1080 http://ok.test:$P/socks-ok")
like "control: SOCKS to the allowed name reaches the upstream" "$out" 'upstream /socks-ok'
up_reset

done_testing
