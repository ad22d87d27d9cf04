# Filesystem escape attempts, shared by sandbox-fs.sh (root) and
# sandbox-fs-user.sh (srtuser).  Source after libtest.sh and sandbox-lib.sh.
# Rules under attack: allowWrite (nothing else writable), denyWrite,
# denyRead, the mandatory protection (existing names read-only, absent ones
# placeholdered, ancestors pinned), srt's own files.

# --- controls: the sandbox works, so the refusals below are the rules ---
allowed "control: ordinary write in the project" "$S" 'echo x > new && rm new'
allowed "control: git-style lock file in .git" "$S" 'echo x > .git/index.lock && rm .git/index.lock'
allowed "control: reading a plain file" "$S" 'cat ro/f'

# --- symlinks ---
escape "symlink made inside to a read-only path, write through it" "$S" \
	"ln -s '$OUTSIDE/o.txt' _l && echo x >> _l"
escape "symlink made inside to a protected file, write through it" "$S" \
	"ln -s '$P/.bashrc' _l && echo x >> _l"
escape "symlink made inside to a denyWrite file, write through it" "$S" \
	"ln -s '$P/ro/f' _l && echo x >> _l"
escape "symlink made inside to .git/hooks, create a hook through it" "$S" \
	"ln -s '$P/.git/hooks' _h && echo x > _h/post-checkout"
escape "symlink on the host to a read-only path, write through it" "$S" \
	'echo x >> link-out'
escape "symlink on the host to a protected file, write through it" "$S" \
	'echo x >> link-bashrc'
escape "symlink made inside to a denyRead file, read through it" "$S" \
	"ln -s '$P/.env' _l && cat _l"
escape "symlink made inside to a denyRead dir, read through it" "$S" \
	"ln -s '$P/secret' _l && cat _l/s.txt"
escape "symlink in OUT to an absent protected name, create through it" "$S" \
	"ln -s '$P/.npmrc' '$OUT/_n' && echo x > '$OUT/_n'"

# --- renames, unlinks, replacement (raw renameat2: mv would copy) ---
escape "replace a protected file by rename over it" "$S" \
	'echo evil > _ev && $PROBE rename _ev .bashrc'
escape "swap a protected file with RENAME_EXCHANGE" "$S" \
	'echo evil > _ev && $PROBE exchange _ev .bashrc'
escape "rename a protected file away" "$S" '$PROBE rename .bashrc _x'
escape "unlink a protected file" "$S" '$PROBE unlink .bashrc'
escape "rm -f a protected file" "$S" 'rm -f .bashrc'
escape "rename .git away" "$S" '$PROBE rename .git _g'
escape "rename .git away, then create hooks in a new .git" "$S" \
	'$PROBE rename .git _g; mkdir -p .git/hooks && echo x > .git/hooks/pre-commit'
escape "rename .git/hooks away" "$S" '$PROBE rename .git/hooks _h'
escape "rename .git/config away" "$S" '$PROBE rename .git/config _c'
escape "replace .git/config by rename over it" "$S" \
	'printf "[core]\n\tfsmonitor = touch /tmp/pwned\n" > _c && $PROBE rename _c .git/config'
escape "swap .git/hooks with a dir of our own" "$S" \
	'mkdir _h && echo x > _h/pre-commit && $PROBE exchange _h .git/hooks'
escape "rename the parent of a nested repo, then write its hooks" "$S" \
	'$PROBE rename sub _sub2 && echo x > _sub2/repo/.git/hooks/pre-commit'
escape "rename a nested repo, then write its hooks" "$S" \
	'$PROBE rename sub/repo sub/_r2 && echo x > sub/_r2/.git/hooks/pre-commit'
escape "rm -rf a nested repo's hooks" "$S" 'rm -rf sub/repo/.git/hooks'
escape "rename a denyWrite dir away" "$S" '$PROBE rename ro _r2'
escape "rename a denyRead dir away" "$S" '$PROBE rename secret _s2'
escape "rename the denyRead file away and read it" "$S" '$PROBE rename .env _e && cat _e'
escape "rename the writable root itself" "$S" "\$PROBE rename '$P' '$P.2'"
escape "rename the project (parent writable), then create its .npmrc" "$SW" \
	"\$PROBE rename '$P' '$W/p2' && echo x > '$W/p2/.npmrc'"
escape "rename the project (parent writable), then write its hooks" "$SW" \
	"\$PROBE rename '$P' '$W/p2' && echo x > '$W/p2/.git/hooks/post-merge'"
escape "rename the project (parent writable), then replace .bashrc" "$SW" \
	"\$PROBE rename '$P' '$W/p2' && echo x > '$W/p2/.bashrc'"

# --- absent protected names (placeholders) ---
escape "create an absent protected file" "$S" 'echo x > .npmrc'
escape "rename the placeholder of an absent file away" "$S" '$PROBE rename .npmrc _n'
escape "unlink the placeholder of an absent file" "$S" '$PROBE unlink .npmrc'
escape "rename a file over an absent protected name" "$S" 'echo x > _n && $PROBE rename _n .npmrc'
escape "swap a file with an absent protected name" "$S" 'echo x > _n && $PROBE exchange _n .npmrc'
escape "create .claude/commands below the placeholder" "$S" 'mkdir -p .claude/commands'
escape "rmdir the .claude placeholder" "$S" '$PROBE rmdir .claude'
escape "rename the .claude placeholder away, then create commands" "$S" \
	'$PROBE rename .claude _c; mkdir -p .claude/commands && echo x > .claude/commands/x.md'
escape "create an absent denyWrite path" "$S" 'echo x > locked'
escape "create a nested repo's absent hook" "$S" 'echo x > sub/repo/.git/hooks/post-checkout'

# --- hard links ---
escape "hard link to a protected file, write through it" "$S" \
	'$PROBE link .bashrc _h && echo x >> _h'
escape "hard link to a denyWrite file, write through it" "$S" \
	'$PROBE link ro/f _h && echo x >> _h'
escape "hard link from a read-only dir into a writable one" "$S" \
	"\$PROBE link '$OUTSIDE/o.txt' _h && echo x >> _h"
escape "hard link to a denyRead file, read through it" "$S" '$PROBE link .env _h && cat _h'
escape "hard link to a hook, write through it" "$S" \
	'$PROBE link .git/hooks/pre-commit _h && echo x >> _h'

# --- truncation and metadata ---
escape "O_TRUNC on a protected file" "$S" ': > .bashrc'
escape "truncate(1) a protected file" "$S" 'truncate -s 0 .bashrc'
escape "truncate(1) a denyWrite file" "$S" 'truncate -s 0 ro/f'
escape "O_TRUNC on a read-only file" "$S" ": > '$OUTSIDE/o.txt'"
escape "chmod a protected file" "$S" 'chmod 777 .bashrc'
escape "chmod the hooks dir" "$S" 'chmod 777 .git/hooks'
escape "chmod a read-only file" "$S" "chmod 777 '$OUTSIDE/o.txt'"
escape "chown a protected file" "$S" '$PROBE chown .bashrc'
escape "setxattr on a protected file" "$S" '$PROBE setxattr .bashrc'
escape "setxattr on a denyWrite dir" "$S" '$PROBE setxattr ro'
escape "utime on a protected file" "$S" 'touch -d 2001-01-01 .bashrc'
escape "utime on a read-only file" "$S" "touch -d 2001-01-01 '$OUTSIDE/o.txt'"

# --- /proc magic links ---
escape "write via /proc/self/root to a protected file" "$S" \
	"echo x >> '/proc/self/root$P/.bashrc'"
escape "write via /proc/self/root to a read-only file" "$S" \
	"echo x >> '/proc/self/root$OUTSIDE/o.txt'"
escape "write via /proc/self/cwd to a protected file" "$S" 'echo x >> /proc/self/cwd/.bashrc'
escape "write via /proc/\$\$/cwd to a hook" "$S" 'echo x > /proc/$$/cwd/.git/hooks/pre-commit'
escape "write via /proc/<other in-sandbox pid>/root" "$S" \
	"(cd '$OUTSIDE' && exec sleep 30) & p=\$!; echo x >> /proc/\$p/root'$P/.bashrc'; r=\$?; kill \$p; exit \$r"
escape "write via /proc/<other in-sandbox pid>/cwd in a read-only dir" "$S" \
	"(cd '$OUTSIDE' && exec sleep 30) & p=\$!; sleep 0.2; echo x >> /proc/\$p/cwd/o.txt; r=\$?; kill \$p; exit \$r"
escape "reopen a read-only fd O_RDWR via /proc/self/fd (protected)" "$S" '$PROBE reopen-rw .bashrc'
escape "reopen a read-only fd O_RDWR via /proc/self/fd (outside)" "$S" "\$PROBE reopen-rw '$OUTSIDE/o.txt'"
escape "reopen a read-only fd O_RDWR via /proc/self/fd (denyWrite)" "$S" '$PROBE reopen-rw ro/f'

# --- reading denyRead paths ---
escape "read a denyRead file" "$S" 'cat .env'
escape "read a denyRead dir's file" "$S" 'cat secret/s.txt'
escape "read a denyRead dir's nested file" "$S" 'cat secret/deep/d.txt'
escape "read a denyRead file via /proc/self/root" "$S" "cat '/proc/self/root$P/.env'"
escape "read a denyRead dir via /proc/self/root" "$S" "cat '/proc/self/root$P/secret/s.txt'"
escape "read a denyRead file via .. paths" "$S" "cat '$P/sub/../.env'"
escape "read a denyRead dir via .. paths" "$S" "cat 'secret/../secret/./s.txt'"
escape "read a denyRead file via O_PATH + /proc/self/fd" "$S" '$PROBE opath-read .env'
escape "read a denyRead dir's file via O_PATH + /proc/self/fd" "$S" '$PROBE opath-read secret/s.txt'
escape "read a denyRead file via openat2" "$S" '$PROBE openat2-read .env'
escape "read a denyRead dir's file via /proc/self/cwd" "$S" 'cd secret && cat /proc/self/cwd/s.txt'
H=$("$PROBE" handle-of "$P/.env" 2>/dev/null | tail -1)
escape "read a denyRead file by file handle (open_by_handle_at)" "$S" "\$PROBE handle-read / '$H'"
escape "unmount the denyRead tmpfs, then read" "$S" "\$PROBE umount '$P/secret'; cat secret/s.txt"
escape "unmount the denyRead file mask, then read" "$S" "\$PROBE umount '$P/.env'; cat .env"

# --- mounts over the rules ---
escape "remount a read-only bind read-write (syscall)" "$S" "\$PROBE remount-rw '$P/ro'"
escape "remount a read-only bind read-write (mount -o)" "$S" "mount -o remount,bind,rw '$P/ro'"
escape "unmount a protected file's bind, then write" "$S" "\$PROBE umount '$P/.bashrc'; echo x >> .bashrc"
escape "unmount the hooks bind, then write" "$S" "\$PROBE umount '$P/.git/hooks'; echo x > .git/hooks/pre-commit"
escape "unmount the placeholder, then create" "$S" "\$PROBE umount '$P/.npmrc'; echo x > .npmrc"
escape "bind a writable dir over the hooks" "$S" "mkdir _h && \$PROBE bind-rw _h '$P/.git/hooks'"
escape "mount a tmpfs over the project" "$S" "\$PROBE mount-tmpfs '$P'"
escape "mknod the host's root block device" "$S" \
	"\$PROBE mknod-blk _blk $(stat -c '%D' / | python3 -c 'import sys,os; d=int(sys.stdin.read(),16); print(os.major(d), os.minor(d))')"

# --- git: .git/config protection must hold against git's own indirections ---
# .git/commondir makes git read config and hooks from another directory.
escape "create .git/commondir pointing at a config of our own" "$S" \
	'mkdir -p _evil && printf "[core]\n\tfsmonitor = touch pwned\n" > _evil/config && echo ../_evil > .git/commondir'

# --- srt's cleanup of the private TMPDIR must follow nothing planted in it ---
baseline
out=$(sb "$S" "ln -s '$OUTSIDE/o.txt' \$TMPDIR/l && ln -s '$OUTSIDE' \$TMPDIR/d && ln -s '$P/.git' \$TMPDIR/g &&
	mkdir -p \$TMPDIR/x/y && touch \$TMPDIR/x/y/z && chmod 000 \$TMPDIR/x/y \$TMPDIR/x && mkfifo \$TMPDIR/f &&
	echo planted" 2>&1)
is "planted links, FIFOs and mode-000 dirs in the private TMPDIR" "$out" planted
host_unchanged "cleanup of a TMPDIR full of traps"

# --- srt's own files ---
SP=$P/srt-settings.json
cp "$S" "$TESTDIR/sp.tmpl"
escape_settings_in_project() {
	name=$1; shift
	baseline
	cp "$TESTDIR/sp.tmpl" "$SP"
	BASE=$(snapshot)
	out=$(sb "$SP" "$*" 2>&1); rc=$?
	echo "# outcome: $name -> $(printf '%s\n' "$out" | tail -1) [status $rc]"
	if [ $rc -ne 0 ]; then _report 0 "$name: refused"; else _report 1 "$name: refused (succeeded)"; fi
	host_unchanged "$name"
}
escape_settings_in_project "write srt's own -s file" "echo '{}' > '$SP'"
escape_settings_in_project "replace srt's own -s file by rename" "echo '{}' > _n && \$PROBE rename _n '$SP'"
escape_settings_in_project "unlink srt's own -s file" "\$PROBE unlink '$SP'"

# ~/.srt-settings.json with the home directory writable.
HSJ=$TESTDIR/hs.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["~"],"denyWrite":[],"denyRead":[]}}\n' > "$HSJ"
echo '{}' > "$HOME/.srt-settings.json"
hs_before=$(stat -c '%i %s' "$HOME/.srt-settings.json")
fixture
out=$(sb "$HSJ" 'echo "{\"x\":1}" > ~/.srt-settings.json' 2>&1); rc=$?
echo "# outcome: write ~/.srt-settings.json -> $out [status $rc]"
check "write ~/.srt-settings.json with ~ writable: refused" "[ $rc -ne 0 ]"
out=$(sb "$HSJ" 'echo x > n && $PROBE rename n ~/.srt-settings.json; r=$?; rm -f n; exit $r' 2>&1); rc=$?
check "rename over ~/.srt-settings.json: refused" "[ $rc -ne 0 ]"
is "~/.srt-settings.json unchanged" "$(stat -c '%i %s' "$HOME/.srt-settings.json") $(cat "$HOME/.srt-settings.json")" "$hs_before {}"
rm -f "$HOME/.srt-settings.json"

# The placeholder registry (and the proxies' socket dirs in it) with its
# parent writable.
RJ=$TESTDIR/rj.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":[],"denyRead":[]}}\n' "$SRT_TEST_REGISTRY_DIR" > "$RJ"
fixture
reg=$SRT_TEST_REGISTRY_DIR/srt-$ME
reg_before=$(ls -A "$reg" 2>/dev/null)
out=$(sb "$RJ" "ls -A '$reg'; echo --; echo x > '$reg/lock'; echo '$P/.bashrc' > '$reg/run-1-x.rec'; ls -A '$reg'" 2>&1)
echo "# outcome: registry from inside -> $(echo $out)"
check "registry exists on the host (a record and the lock: the test can fail)" 'ls -A "$reg" | grep -q lock'
unlike "registry is hidden inside (no run records, no lock of the host's)" "$(printf '%s\n' "$out" | sed '/^--$/,$d')" 'run-|lock'
is "registry unchanged after writes into it (a private tmpfs)" "$(ls -A "$reg" 2>/dev/null)" "$reg_before"
is "registry: nothing left behind" "$(leftovers)" ""

# Receipts: the key is unreadable, the trail read-only (both in a writable
# root here).
KEY=$TESTDIR/key
"$SRT" keygen "$KEY" >/dev/null
fixture
mkdir -p "$OUT/rc"
cp "$KEY" "$OUT/rk"
cp "$KEY.pub" "$TESTDIR/rk.pub"
chmod 600 "$OUT/rk"
rcv() { (cd "$P" && "$SRT" -s "$S" --receipts "$OUT/rc" --receipt-key "$OUT/rk" -c "$1" 2>&1); }
rcv true >/dev/null
BASE=$(snapshot)
for a in "cat '$OUT/rk'" "\$PROBE opath-read '$OUT/rk'" "cat '/proc/self/root$OUT/rk'" \
	"echo x >> '$OUT/rc/receipts.jsonl'" ": > '$OUT/rc/receipts.jsonl'" "\$PROBE unlink '$OUT/rc/receipts.jsonl'" \
	"\$PROBE rename '$OUT/rc' '$OUT/rc2'" "echo x > '$OUT/n' && \$PROBE rename '$OUT/n' '$OUT/rc/receipts.jsonl'" \
	"\$PROBE unlink '$OUT/rk'" "\$PROBE rename '$OUT/rk' '$OUT/rk2'"; do
	out=$(rcv "$a"); rc=$?
	echo "# outcome: receipts: $a -> $(printf '%s\n' "$out" | tail -1) [status $rc]"
	check "receipts: $a: refused" "[ $rc -ne 0 ]"
	rm -f "$OUT/n"
done
is "receipts: key and trail dir unchanged (the trail only grew)" \
	"$(snapshot | grep -v 'rc/receipts.jsonl')" "$(printf '%s\n' "$BASE" | grep -v 'rc/receipts.jsonl')"
ok "receipts: trail still verifies" "$SRT" verify "$OUT/rc" --pubkey "$TESTDIR/rk.pub"

# --- git indirections through the common directory ---
# git takes config and hooks from the directory .git/commondir names, so an
# absent commondir is protected too (a placeholder reading "." = "here").
allowed "control: git works with the commondir placeholder" "$S" \
	'[ "$(cat .git/commondir)" = . ] && git -c safe.directory="*" rev-parse --git-dir >/dev/null'
escape "replace a nested repo's commondir" "$S" \
	'mkdir -p _evil && echo ../../../_evil > sub/repo/.git/commondir'

# --- an absent .git in a working directory inside another repository's
# work tree: an empty read-only placeholder (git walks past it) ---
sbsub() { (cd "$P/sub" && "$SRT" -s "$S" -c "$1"); }
baseline
out=$(sbsub 'mkdir -p .git/hooks && echo "[core]" > .git/config && echo created' 2>&1); rc=$?
echo "# outcome: create .git in a subdirectory of a repo -> $(printf '%s\n' "$out" | tail -1) [status $rc]"
unlike "create .git in a working directory inside a repo: refused" "$out" created
host_unchanged "create .git in a working directory inside a repo"
out=$(sbsub 'git -c safe.directory="*" rev-parse --show-toplevel' 2>&1)
is "control: git there still finds the enclosing repository" "$out" "$P"
baseline
out=$(sbsub 'git init -q . && echo initialised' 2>&1)
unlike "git init inside another repo's work tree is refused" "$out" initialised
host_unchanged "git init inside another repo's work tree"

# --- known limits (README "Known limits"), pinned as they are ---
# An absent .git in a writable working directory outside every repository
# can be created (git init must keep working); the host's next git command
# there reads its config.
fixture
rm -rf "$P/.git"
out=$(sb "$S" 'mkdir -p .git && echo "[core]" > .git/config && echo created' 2>&1)
is "known limit: an absent .git in a working directory outside any repository can be created" "$out" created
rm -rf "$P/.git"

# --- protected names that are symlinks (dotfiles managed elsewhere) ---
# The target is a read-only bind; the link itself is pinned by the helper
# (a mount point of itself), so it cannot be unlinked or replaced.
fixture_links() {
	fixture
	mkdir -p "$W/dot"
	echo zshrc > "$W/dot/zshrc"
	ln -s ../dot/zshrc "$P/.zshrc"
	ln -s ../dot/pypirc "$P/.pypirc" # dangling
	mkdir -p "$W/gitdir/hooks" "$W/gitdir/objects" "$W/gitdir/refs/heads"
	echo 'ref: refs/heads/main' > "$W/gitdir/HEAD"
	echo '[core]' > "$W/gitdir/config"
	rm -rf "$P/.git"
	ln -s ../gitdir "$P/.git"
	echo cfg > "$W/dot/cfg"
	ln -s ../dot/cfg "$P/cfg-link"
	# The same one level down (ripgrep lists no link: a walk finds them).
	mkdir -p "$W/gitdir2/hooks" "$W/gitdir2/objects" "$W/gitdir2/refs/heads" "$W/cl/commands" "$P/nest" "$P/cfg"
	echo 'ref: refs/heads/main' > "$W/gitdir2/HEAD"
	echo '[core]' > "$W/gitdir2/config"
	ln -s ../../gitdir2 "$P/nest/.git"
	echo zshrc2 > "$W/dot/zshrc2"
	ln -s ../../dot/zshrc2 "$P/nest/.zshrc"
	ln -s ../../cl "$P/nest/.claude"
	ln -s ../../dot/cfg "$P/cfg/link"
}
# The parent writable, and a denyWrite entry that is a symlink.
SWL=$TESTDIR/swl.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":["%s"],"denyRead":[]}}\n' \
	"$W" "$P/cfg-link\",\"$P/cfg/link" > "$SWL"
escape_links() { # NAME SETTINGS CMD: escape() on the linked fixture
	name=$1 s=$2; shift 2
	fixture_links
	BASE=$(snapshot)
	out=$(sb "$s" "$*" 2>&1); rc=$?
	echo "# outcome: $name -> $(printf '%s\n' "$out" | grep -v '^$' | tail -1) [status $rc]"
	if [ $rc -ne 0 ]; then _report 0 "$name: refused"; else
		_report 1 "$name: refused (the attempt succeeded)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	host_unchanged "$name"
}
escape_links "symlinked .zshrc: write through it" "$SW" 'echo x >> .zshrc'
escape_links "symlinked .zshrc: unlink the link" "$SW" '$PROBE unlink .zshrc'
escape_links "symlinked .zshrc: rename a file over the link" "$SW" 'echo x > _n && $PROBE rename _n .zshrc'
escape_links "symlinked .zshrc: rm, then create a file in its place" "$SW" 'rm -f .zshrc; echo evil > .zshrc'
escape_links "symlinked .zshrc: rename the link away" "$SW" '$PROBE rename .zshrc _z'
escape_links "dangling symlinked .pypirc: create the target through it" "$SW" 'echo x > .pypirc'
escape_links "dangling symlinked .pypirc: replace the link" "$SW" 'rm -f .pypirc; echo x > .pypirc'
escape_links "symlinked .git: create a hook" "$SW" 'echo x > .git/hooks/pre-commit'
escape_links "symlinked .git: write its config" "$SW" 'echo x >> .git/config'
escape_links "symlinked .git: create its commondir" "$SW" 'echo ../_evil > .git/commondir'
escape_links "symlinked .git: replace the link with a repo of our own" "$SW" \
	'rm -f .git; mkdir -p .git/hooks && echo x > .git/hooks/pre-commit'
escape_links "symlinked .git: rename the git directory it names" "$SW" "\$PROBE rename '$W/gitdir' '$W/_gd'"
escape_links "denyWrite entry that is a symlink: write through it" "$SWL" 'echo x >> cfg-link'
escape_links "denyWrite entry that is a symlink: replace the link" "$SWL" 'rm -f cfg-link; echo evil > cfg-link'
escape_links "denyWrite entry that is a symlink: rename a file over it" "$SWL" 'echo x > _n && $PROBE rename _n cfg-link'
# Nested: a repository whose .git is a link, a linked .zshrc and .claude
# one level down, a denyWrite link in a subdirectory.  Renaming the
# directory that holds a pinned link must fail too (it is pinned itself).
escape_links "nested linked .git: git config core.fsmonitor" "$SW" \
	'git config -f nest/.git/config core.fsmonitor "echo PWNED >/tmp/x; false"'
escape_links "nested linked .git: write its config" "$SW" 'echo x >> nest/.git/config'
escape_links "nested linked .git: create a hook" "$SW" 'echo x > nest/.git/hooks/pre-commit'
escape_links "nested linked .git: create its commondir" "$SW" 'echo ../_evil > nest/.git/commondir'
escape_links "nested linked .git: replace the link with a repo of our own" "$SW" \
	'rm -f nest/.git; mkdir -p nest/.git/hooks && echo x > nest/.git/hooks/pre-commit'
escape_links "nested linked .git: rename its directory, then make a repo in its place" "$SW" \
	'$PROBE rename nest _nx; mkdir -p nest/.git/hooks && echo x > nest/.git/hooks/pre-commit'
escape_links "nested linked .zshrc: write through it" "$SW" 'echo x >> nest/.zshrc'
escape_links "nested linked .zshrc: unlink the link" "$SW" '$PROBE unlink nest/.zshrc'
escape_links "nested linked .zshrc: rename a file over the link" "$SW" 'echo x > _n && $PROBE rename _n nest/.zshrc'
escape_links "nested linked .zshrc: rename its directory, then create a file in its place" "$SW" \
	'mv nest _nx && mkdir nest && echo evil > nest/.zshrc'
escape_links "nested linked .claude: create a command" "$SW" 'echo x > nest/.claude/commands/evil.md'
escape_links "nested linked .claude: replace the link" "$SW" \
	'rm -f nest/.claude; mkdir -p nest/.claude/commands && echo x > nest/.claude/commands/evil.md'
escape_links "denyWrite link in a subdirectory: write through it" "$SWL" 'echo x >> cfg/link'
escape_links "denyWrite link in a subdirectory: rename its directory, then create a file in its place" "$SWL" \
	'mv cfg _cfgx && mkdir cfg && echo evil > cfg/link'
escape_links "denyWrite link in a subdirectory: raw rename of its directory" "$SWL" '$PROBE rename cfg _cfgx'
escape_links "denyWrite link at the top: rename the project holding it" "$SWL" "\$PROBE rename '$P' '$W/_p2'"

# --- protections the kernel refuses to mount: srt refuses to run (a
# seccomp filter around srt makes move_mount, 429 on every architecture,
# fail; the helper mounts every write protection, pin and link pin) ---
nomm() { s=$1; shift; (cd "$P" && refusing move_mount "$SRT" -s "$s" -c "$*"); }
baseline
out=$(nomm "$S" 'echo RAN' 2>&1); rc=$?
echo "# outcome: protections that cannot be mounted -> $(printf '%s\n' "$out" | tail -1) [status $rc]"
unlike "protections that cannot be mounted: the command does not run" "$out" RAN
check "protections that cannot be mounted: nonzero exit status" "[ $rc -ne 0 ]"
like "protections that cannot be mounted: says why" "$out" "to protect it, refusing to run"
host_unchanged "protections that cannot be mounted"
out=$(cd "$P" && "$SRT" -s "$S" -c 'echo RAN' 2>&1)
is "control: without the filter the command runs" "$out" RAN
fixture_links
BASE=$(snapshot)
out=$(nomm "$SW" 'echo RAN' 2>&1); rc=$?
echo "# outcome: a link that cannot be pinned -> $(printf '%s\n' "$out" | tail -1) [status $rc]"
unlike "a link that cannot be pinned: the command does not run" "$out" RAN
check "a link that cannot be pinned: nonzero exit status" "[ $rc -ne 0 ]"
like "a link that cannot be pinned: says why" "$out" "refusing to run"
host_unchanged "a link that cannot be pinned"

# --- a kernel without mount_setattr (before Linux 5.12; a seccomp filter
# around srt makes it ENOSYS): the helper cannot make read-only copies of
# mounts, so bwrap makes every mount itself, after ripgrep - the same
# attempts are refused, the same controls work ---
old_kernel() { REFUSE_ERRNO=38 refusing mount_setattr "$@"; }
fixture
out=$(cd "$P" && old_kernel "$SRT" -d -s "$S" -c 'echo RAN' 2>&1)
like "no mount_setattr: the command runs" "$out" RAN
like "no mount_setattr: bwrap makes the whole plan" "$out" 'no mount_setattr \(Linux < 5\.12\): bwrap makes the whole filesystem plan'
out=$(cd "$P" && old_kernel "$SRT" --dry-run -s "$S" -c true 2>&1 | tr '\n' ' ')
unlike "no mount_setattr: --dry-run lists no helper mounts" "$out" "late-mounts"
ctl=$(cd "$P" && "$SRT" --dry-run -s "$S" -c true 2>&1 | tr '\n' ' ')
like "control: with mount_setattr --dry-run lists the helper's mounts" "$ctl" "late-mounts"
like "no mount_setattr: --dry-run has bwrap protect .bashrc" "$out" "--ro-bind $P/.bashrc $P/.bashrc"
SB_WRAP=old_kernel
allowed "no mount_setattr, control: ordinary write in the project" "$S" 'echo x > new && rm new'
allowed "no mount_setattr, control: git-style lock file in .git" "$S" 'echo x > .git/index.lock && rm .git/index.lock'
escape "no mount_setattr: write a protected file" "$S" 'echo x >> .bashrc'
escape "no mount_setattr: replace a protected file by rename over it" "$S" \
	'echo evil > _ev && $PROBE rename _ev .bashrc'
escape "no mount_setattr: create a hook" "$S" 'echo x > .git/hooks/post-checkout'
escape "no mount_setattr: create a nested repo's hook" "$S" 'echo x > sub/repo/.git/hooks/post-checkout'
escape "no mount_setattr: rename .git away, then create hooks" "$S" \
	'$PROBE rename .git _g; mkdir -p .git/hooks && echo x > .git/hooks/pre-commit'
escape "no mount_setattr: create an absent protected file" "$S" 'echo x > .npmrc'
escape "no mount_setattr: write a denyWrite file" "$S" 'echo x >> ro/f'
escape "no mount_setattr: read a denyRead file" "$S" 'cat .env'
escape_links "no mount_setattr: replace a linked protected name" "$SW" \
	'rm -f .zshrc; echo evil > .zshrc'
escape_links "no mount_setattr: write through a linked .git" "$SW" 'echo x > .git/hooks/pre-commit'
SB_WRAP=
