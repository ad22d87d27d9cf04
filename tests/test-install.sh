#!/bin/sh
# `make install DESTDIR=...` from this build: the layout (bin/srt,
# libexec/srt/apply-seccomp, share/srt, man pages, bash completion), all
# under the configured prefix; the installed srt looks for its installed
# helper (not the build tree's) and, in a private mount namespace where the
# staged tree sits at the prefix, runs a sandboxed command from the
# installed paths.  `make uninstall` removes every file again.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools make man unshare

top=$(cd "$SRT_TEST_BUILDDIR/.." && pwd)
stage=$TESTDIR/stage
MAKE=${MAKE:-make}
# A fresh make, not a child of the `make -j check` running this test: the
# inherited flags bring back "Entering directory" lines (and a jobserver).
unset MAKEFLAGS MFLAGS MAKELEVEL

# A variable of the build's Makefile, as make expands it.
mkvar() {
	printf 'print-%%:\n\t@echo $($*)\n' |
		"$MAKE" -s --no-print-directory -C "$top" -f Makefile -f - "print-$1"
}
prefix=$(mkvar prefix)
bindir=$(mkvar bindir)
pkglibexecdir=$(mkvar pkglibexecdir)
pkgdatadir=$(mkvar pkgdatadir)
mandir=$(mkvar mandir)
datadir=$(mkvar datadir)
echo "# prefix=$prefix bindir=$bindir pkglibexecdir=$pkglibexecdir pkgdatadir=$pkgdatadir"
like "the build has an absolute prefix" "$prefix" '^/'
is "pkglibexecdir is <libexecdir>/srt" "$pkglibexecdir" "$(mkvar libexecdir)/srt"

ok "make install DESTDIR=... succeeds" "$MAKE" -s --no-print-directory -C "$top" install DESTDIR="$stage"

check "bin/srt installed, executable" '[ -x "$stage$bindir/srt" ] && [ -f "$stage$bindir/srt" ]'
check "libexec/srt/apply-seccomp installed, executable" '[ -x "$stage$pkglibexecdir/apply-seccomp" ]'
check "share/srt/example-settings.json installed" '[ -s "$stage$pkgdatadir/example-settings.json" ]'
n_bpf=$(find "$stage$pkgdatadir" -name '*.bpf' -type f | wc -l)
is "share/srt holds the 8 seccomp filters" "$n_bpf" 8
check "the x86_64 filter is not empty" '[ -s "$stage$pkgdatadir/seccomp-x86_64.bpf" ]'
check "srt.1 installed in man1" '[ -s "$stage$mandir/man1/srt.1" ]'
check "srt-settings.5 installed in man5" '[ -s "$stage$mandir/man5/srt-settings.5" ]'
check "bash completion installed as completions/srt" '[ -s "$stage$datadir/bash-completion/completions/srt" ]'
outside=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\.||' | grep -v "^$prefix/")
is "nothing installed outside the prefix" "$outside" ""
stray=$(cd "$stage" && find . -type f -name '*.stamp' -o -type f -name '*.o')
is "no build leftovers installed" "$stray" ""

like "installed srt.1 renders" "$(MANWIDTH=80 man -l "$stage$mandir/man1/srt.1" 2>&1)" 'run a command in a filesystem and network sandbox'
like "installed srt-settings.5 renders" "$(MANWIDTH=80 man -l "$stage$mandir/man5/srt-settings.5" 2>&1)" 'settings file of the srt sandbox runtime'
ok "installed completion loads" bash --norc --noprofile -c '. "$0" && complete -p srt' \
	"$stage$datadir/bash-completion/completions/srt"

is "installed srt --version matches the build" "$("$stage$bindir/srt" --version)" "$("$SRT" --version)"

# Outside its build tree srt uses the compiled-in helper path: the dry run
# names it (or, when nothing is installed there, the error does).
mkdir -p "$TESTDIR/work"
cd "$TESTDIR/work" || exit 1
plan=$("$stage$bindir/srt" -s "$stage$pkgdatadir/example-settings.json" --dry-run -c true 2>&1)
like "the staged srt looks for $pkglibexecdir/apply-seccomp" "$plan" "$pkglibexecdir/apply-seccomp"
unlike "the staged srt does not use the build tree's helper" "$plan" "$top/vendor/seccomp-src/apply-seccomp"
# Test hooks (SRT_TEST_*) work in the build tree only: an installed srt keeps
# its registry where every srt of the user finds it.
like "the build-tree srt takes SRT_TEST_REGISTRY_DIR (tests)" \
	"$("$SRT" -s "$stage$pkgdatadir/example-settings.json" --dry-run -c true 2>&1)" "$SRT_TEST_REGISTRY_DIR/srt-"
unlike "the installed srt ignores SRT_TEST_REGISTRY_DIR" "$plan" "$SRT_TEST_REGISTRY_DIR"

# The staged files at their real paths, for one namespace's lifetime: bind
# the staged prefix over the prefix (the host's own files stay untouched).
# As an unprivileged user the mount namespace needs a user namespace too.
check "the prefix $prefix exists to mount over" '[ -d "$prefix" ]'
if [ "$(id -u)" = 0 ]; then ns="unshare -m --propagation private"; else ns="unshare -r -m --propagation private"; fi
echo "secret" >"$HOME/canary"
# The installed srt keeps its registry in /run/user/UID/srt (or /tmp/srt-UID):
# a private /run/user here, so the run neither meets the host's registry of
# the namespace's uid 0 (not ours without real root) nor leaves one behind.
inside=$($ns sh -c '
	mount --bind "$1$2" "$2" || exit 90
	mount -t tmpfs -o mode=0755 tmpfs /run || exit 93
	mkdir -p -m 0700 /run/user/$(id -u) || exit 94
	cd "$3" || exit 91
	"$4/srt" --version || exit 92
	"$4/srt" -s "$5/example-settings.json" --dry-run -c true | grep -c "^$6/apply-seccomp\$"
	"$4/srt" -s "$5/example-settings.json" -c "echo sandboxed-ok; echo x > \"\$HOME/canary\" || echo write-refused; echo y > ./here; cat ./here"
	echo "rc=$?"' sh "$stage" "$prefix" "$TESTDIR/work" "$bindir" "$pkgdatadir" "$pkglibexecdir" 2>&1)
printf '%s\n' "$inside" | sed 's/^/# inside: /'
like "from the installed paths: srt --version" "$inside" "^$("$SRT" --version)\$"
like "from the installed paths: the plan runs the installed helper" "$inside" '^1$'
like "from the installed paths: a sandboxed command runs" "$inside" '^sandboxed-ok$'
like "from the installed paths: a write outside allowWrite is refused" "$inside" '^write-refused$'
like "from the installed paths: the allowed write works" "$inside" '^y$'
like "from the installed paths: exit status 0" "$inside" '^rc=0$'
is "the canary in HOME is unchanged" "$(cat "$HOME/canary")" "secret"

ok "make uninstall DESTDIR=... succeeds" "$MAKE" -s --no-print-directory -C "$top" uninstall DESTDIR="$stage"
left=$(cd "$stage" && find . -type f)
is "make uninstall removes every installed file" "$left" ""

done_testing
