#!/bin/sh
# The Debian package, end to end (run by scripts/test-all.sh, not by
# `make check`: it builds the whole tree once more):
#   1. `dpkg-buildpackage -us -uc -b` in a clean export of HEAD (git archive)
#   2. the .deb depends on bubblewrap, socat and ripgrep (dpkg-deb -I) and
#      holds the installed layout (dpkg-deb -c); dpkg accepts it (--no-act)
#   3. it is unpacked into an empty tree, and in a private mount namespace
#      that tree is laid over /usr (a read-only overlay: the host's /usr is
#      never changed), so srt runs from /usr/bin/srt with its helper in
#      /usr/libexec/srt: `srt --version` and sandboxed commands.
# TAP output; exits nonzero on any failure; removes everything it made.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/srt-deb.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
n=0
failed=0
report() { # status name
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
like() { # name text regex
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then report 0 "$1"; else
		report 1 "$1"
		printf '%s\n' "$2" | sed 's/^/#   got: /'
		echo "#   want match: $3"
	fi
}
unlike() { # name text regex
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		report 1 "$1"
		printf '%s\n' "$2" | sed 's/^/#   got: /'
	else report 0 "$1"; fi
}

for t in git dpkg-buildpackage dpkg-deb fakeroot unshare; do
	command -v "$t" >/dev/null 2>&1 || { echo "Bail out! $t is not installed (scripts/setup-debian.sh --deps)"; exit 1; }
done

git -C "$top" rev-parse --verify -q HEAD >/dev/null ||
	{ echo "Bail out! $top is not a git checkout (the package is built from HEAD)"; exit 1; }

# 1. build from a clean export of HEAD
version=$(sed -n '1s/^srt (\([^)]*\)).*/\1/p' "$top/debian/changelog")
src=$work/srt-$version
mkdir -p "$src"
git -C "$top" archive --format=tar HEAD | tar -x -C "$src"
if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	report 0 "dpkg-buildpackage -us -uc -b builds from a clean export of HEAD"
else
	report 1 "dpkg-buildpackage -us -uc -b builds from a clean export of HEAD"
	tail -40 "$work/build.log" | sed 's/^/#   /'
	echo "1..$n"
	exit 1
fi
deb=$(ls "$work"/srt_"$version"_*.deb 2>/dev/null | head -1)
like "the build made srt_${version}_ARCH.deb" "$deb" "/srt_${version}_[a-z0-9]+\.deb\$"
[ -f "$deb" ] || { echo "1..$n"; exit 1; }

# 2. metadata and contents
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
for d in bubblewrap socat ripgrep libseccomp2 libjson-c5 libsodium23; do
	like "Depends names $d" "$depends" "(^|, )$d( |,|\$)"
done
like "dpkg-deb -I shows the package" "$(dpkg-deb -I "$deb")" '^ Package: srt$'
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/srt ./usr/libexec/srt/apply-seccomp ./usr/share/srt/example-settings.json \
	./usr/share/srt/seccomp-x86_64.bpf ./usr/share/srt/seccomp-aarch64.bpf \
	./usr/share/man/man1/srt.1.gz ./usr/share/man/man5/srt-settings.5.gz \
	./usr/share/bash-completion/completions/srt ./usr/share/doc/srt/copyright; do
	like "the package holds $f" "$contents" "^$(printf '%s' "$f" | sed 's/\./\\./g')\$"
done
unlike "nothing under /usr/local" "$contents" '^\./usr/local'
if [ "$(id -u)" = 0 ]; then
	if out=$(dpkg --no-act -i "$deb" 2>&1); then report 0 "dpkg --no-act -i accepts the package (dependencies met)"; else
		report 1 "dpkg --no-act -i accepts the package (dependencies met)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
fi

# 3. unpack into an empty tree, run from the installed paths
root=$work/root
mkdir -p "$root"
dpkg-deb -x "$deb" "$root"
[ -x "$root/usr/bin/srt" ] && [ -x "$root/usr/libexec/srt/apply-seccomp" ]
report $? "dpkg-deb -x unpacks srt and its helper"
man_out=$(MANWIDTH=80 man -l "$root/usr/share/man/man5/srt-settings.5.gz" 2>&1)
like "the packaged srt-settings(5) renders" "$man_out" 'settings file of the srt sandbox runtime'

mkdir -p "$work/home" "$work/proj"
echo secret >"$work/home/canary"
printf '%s\n' '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":["~/.ssh"],"allowWrite":["."],"denyWrite":[]}}' \
	>"$work/proj/settings.json"
# As root, the same installed srt also runs for an unprivileged user.
as_user=:
if [ "$(id -u)" = 0 ] && id srtuser >/dev/null 2>&1; then
	mkdir -p "$work/userhome"
	chown srtuser: "$work/userhome"
	as_user="runuser -u srtuser -- env HOME=$work/userhome"
fi
if [ "$(id -u)" = 0 ]; then ns="unshare -m --propagation private"; else ns="unshare -r -m --propagation private"; fi
# shellcheck disable=SC2016
inside=$(cd "$work/proj" && HOME="$work/home" $ns sh -c '
	mount -t overlay srt-deb-test -o "lowerdir=$1/usr:/usr" /usr || exit 90
	[ -e /usr/bin/srt ] || exit 91
	echo "which=$(command -v srt)"
	srt --version
	srt -s settings.json --dry-run -c true | grep -x /usr/libexec/srt/apply-seccomp
	srt -s settings.json -c "echo in-sandbox; echo pwned > \$HOME/canary || echo home-write-refused; cat /etc/hostname >/dev/null && echo read-ok; echo made > ./out; cat ./out"
	echo "rc=$?"
	srt -s settings.json -c "exit 7"
	echo "rc7=$?"
	[ "$2" = : ] || (cd "$HOME" && $2 srt -c "echo user-\$(id -u); touch \$HOME/x 2>/dev/null || echo user-home-ro")' \
	sh "$root" "$as_user" 2>&1)
printf '%s\n' "$inside" | sed 's/^/# inside: /'
like "installed srt is /usr/bin/srt" "$inside" '^which=/usr/bin/srt$'
like "installed srt --version" "$inside" "^$(printf '%s' "$version" | sed 's/\./\\./g')\$"
like "installed srt runs the installed helper /usr/libexec/srt/apply-seccomp" "$inside" '^/usr/libexec/srt/apply-seccomp$'
like "a sandboxed command runs from the installed paths" "$inside" '^in-sandbox$'
like "the sandbox refuses a write to HOME" "$inside" '^home-write-refused$'
like "the sandbox reads /etc" "$inside" '^read-ok$'
like "the allowed write to the project works" "$inside" '^made$'
like "srt exits 0 with the command" "$inside" '^rc=0$'
like "srt passes the command's exit status on" "$inside" '^rc7=7$'
if [ "$as_user" != : ]; then
	like "the installed srt runs for an unprivileged user" "$inside" "^user-$(id -u srtuser)\$"
	like "... with its (host-writable) HOME read-only" "$inside" '^user-home-ro$'
	[ ! -e "$work/userhome/x" ]
	report $? "... and nothing written to it on the host"
fi
if [ "$(cat "$work/home/canary")" = secret ]; then report 0 "HOME/canary unchanged on the host"; else report 1 "HOME/canary unchanged on the host"; fi
if [ -e /usr/bin/srt ] && ! dpkg -S /usr/bin/srt >/dev/null 2>&1; then
	report 1 "the host's /usr has no stray srt (the overlay stayed in its namespace)"
else
	report 0 "the host's /usr is untouched (the overlay stayed in its namespace)"
fi

echo "1..$n"
[ "$failed" = 0 ]
