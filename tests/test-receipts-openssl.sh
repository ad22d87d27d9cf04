# The README's "verify one receipt with openssl alone" recipe,
# run exactly as written, on receipts the module wrote; and the module used
# by an unprivileged user.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools openssl sed awk
TOOL=$SRT_TEST_BUILDDIR/receipts-tool
DOC=$SRT_TEST_SRCDIR/../README

# The first ```sh block after the recipe's heading.
snippet=$(awk '/^Verify one receipt with openssl alone$/ {h=1}
	h && /^```sh$/ {c=1; next}
	c && /^```$/ {exit}
	c {print}' "$DOC")
like "recipe found in the README" "$snippet" 'openssl pkeyutl -verify'

mkdir -p "$HOME/.srt" "$TESTDIR/work"
ok "keygen" "$TOOL" keygen "$HOME/.srt/receipts.key"
ok "write receipts" "$TOOL" write "$HOME/.srt/receipts" "$HOME/.srt/receipts.key" 4 "echo 'quote\" back\\slash'"

run_recipe() { # N -> output of the recipe for line N
	(cd "$TESTDIR/work" && printf '%s\n' "$snippet" | sed "1s/N=3/N=$1/" | sh 2>&1)
}
for n in 2 3 5 7; do
	out=$(run_recipe "$n")
	like "openssl verifies receipt $n" "$out" '^Signature Verified Successfully$'
	h1=$(printf '%s\n' "$out" | sed -n 2p)
	h2=$(printf '%s\n' "$out" | sed -n 3p)
	check "receipt $n: prev is the SHA-256 of receipt $((n - 1))'s signed bytes" \
		'[ -n "$h1" ] && [ "${#h1}" = 64 ] && [ "$h1" = "$h2" ]'
done

# The recipe can fail: alter one field of line 3 and it must say so.
f=$HOME/.srt/receipts/receipts.jsonl
sed -i '3s/"port":[0-9]*/"port":1/' "$f"
out=$(run_recipe 3)
like "openssl refuses an altered receipt" "$out" 'Signature Verification Failure'
unlike "and does not claim success" "$out" 'Verified Successfully'
fails "the module's verify agrees" "$TOOL" verify "$HOME/.srt/receipts" "$HOME/.srt/receipts.key.pub"

# As an unprivileged user (when we are root): keys, writes, verify.
if [ "$(id -u)" = 0 ]; then
	user=${SRT_TEST_USER:-srtuser}
	id "$user" >/dev/null 2>&1 || useradd -m "$user" || { echo "Bail out! cannot create $user"; exit 1; }
	if ! runuser -u "$user" -- test -x "$TOOL"; then
		echo "Bail out! $TOOL is not usable by $user: build in a world-readable directory (e.g. /tmp, mode 755)"
		exit 1
	fi
	U=$TESTDIR/user
	mkdir -p "$U" && chown "$user" "$U"
	ok "keygen as $user" runuser -u "$user" -- "$TOOL" keygen "$U/k"
	check "secret key owned by $user, mode 600" "[ \"\$(stat -c '%U %a' '$U/k')\" = '$user 600' ]"
	ok "write as $user" runuser -u "$user" -- "$TOOL" write "$U/r" "$U/k" 3
	ok "write again through the writer thread as $user" runuser -u "$user" -- "$TOOL" write "$U/r" "$U/k" 3 x loop
	out=$(runuser -u "$user" -- "$TOOL" verify "$U/r" "$U/k.pub" 2>&1)
	like "verify as $user" "$out" '^12 receipts verified'
	fails "$user cannot use root's key" runuser -u "$user" -- "$TOOL" write "$U/r2" "$HOME/.srt/receipts.key" 1
fi
done_testing
