# End-to-end cases of the filesystem sandbox, shared by test-fs.sh (as
# root) and test-fs-user.sh (as an unprivileged user).  Source after
# libtest.sh.  Uses real bwrap and ripgrep.
require_tools bwrap rg

# Until srt itself runs commands, drive bwrap through the fs-run test
# driver; once srt does, use it (same settings, same command line).
FS_RUN=${FS_RUN:-$SRT_TEST_BUILDDIR/fs-run}
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":[],"denyWrite":[],"denyRead":[]}}\n' > "$TESTDIR/probe.json"
if [ -z "${FS_USE_FS_RUN:-}" ] && "$SRT" -s "$TESTDIR/probe.json" -c true >/dev/null 2>&1; then
	echo "# running through $SRT"
	sb() { s=$1; shift; "$SRT" -s "$s" -c "$*"; }
	# Backgrounded runs get killed on purpose: keep them off the TAP pipe.
	sb_bg() { s=$1; shift; "$SRT" -s "$s" -c "$*" >/dev/null 2>&1 & }
	sb_timeout() { s=$1; shift; timeout -k 5 10 "$SRT" -s "$s" -c "$*"; }
else
	echo "# running through $FS_RUN"
	sb() { s=$1; shift; "$FS_RUN" "$s" -- /bin/sh -c "$*"; }
	sb_bg() { s=$1; shift; "$FS_RUN" "$s" -- /bin/sh -c "$*" >/dev/null 2>&1 & }
	sb_timeout() { s=$1; shift; timeout -k 5 10 "$FS_RUN" "$s" -- /bin/sh -c "$*"; }
fi

NAMES=".gitconfig .gitmodules .bashrc .bash_profile .zshrc .zprofile .profile .ripgreprc .mcp.json
.npmrc .yarnrc .yarnrc.yml .pypirc .zshenv .zlogin .mcp-settings.json"
DIRNAMES=".vscode .idea .claude/commands .claude/agents"

P=$TESTDIR/p
OUT=$TESTDIR/out
OUTSIDE=$TESTDIR/outside
mkdir -p "$P/.git/hooks" "$P/sub/deeper" "$P/secret/keep" "$P/a/b/c" "$OUT" "$OUTSIDE"
echo 'ref: refs/heads/main' > "$P/.git/HEAD"
mkdir -p "$P/a/.git"
echo 'ref: refs/heads/main' > "$P/a/.git/HEAD"
echo '[core]' > "$P/a/.git/config"
echo '[core]' > "$P/.git/config"
echo s > "$P/secret/s.txt"
echo k > "$P/secret/keep/k.txt"
echo e > "$P/.env"
echo b > "$P/.bashrc"
echo b > "$P/a/.bashrc"
echo z > "$P/a/b/.zshrc"
echo b > "$P/a/b/c/.bashrc"
cd "$P" || exit 1

fsjson() { # allowWrite denyWrite denyRead allowRead [extra top-level]
	printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":[%s],"denyWrite":[%s],"denyRead":[%s],"allowRead":[%s]}%s}\n' \
		"$1" "$2" "$3" "$4" "${5:+,$5}"
}
S=$TESTDIR/s.json
fsjson "\"$P\",\"$OUT\"" "\"$P/sub/deeper\",\"$P/locked\"" "\"$P/secret\",\"$P/.env\"" "\"$P/secret/keep\"" > "$S"
snapshot() { (cd "$1" && find . -mindepth 1 | sort); }
BEFORE=$(snapshot "$P")

# --- writes ---
ok "write inside allowWrite" sb "$S" 'echo hi > new.txt && echo hi > "'"$OUT"'/o.txt"'
check "written file is on the host" "[ -f '$P/new.txt' ] && [ -f '$OUT/o.txt' ]"
rm -f "$P/new.txt" "$OUT/o.txt"
fails "write outside allowWrite" sb "$S" 'echo hi > "'"$OUTSIDE"'/x"'
check "nothing written outside" "[ ! -e '$OUTSIDE/x' ]"
fails "denyWrite dir blocks writes" sb "$S" 'touch sub/deeper/x'
fails "denyWrite absent path cannot be created" sb "$S" 'echo x > locked'
fails "denyWrite absent path cannot be made a dir" sb "$S" 'mkdir locked'
ok "denyWrite dir stays readable" sb "$S" 'ls sub/deeper'

# --- reads ---
fails "denyRead dir hidden" sb "$S" 'cat secret/s.txt'
ok "allowRead carve-out readable" sb "$S" 'grep -q k secret/keep/k.txt'
fails "denyRead file unreadable" sb "$S" 'cat .env'
ok "other files readable" sb "$S" 'cat .git/HEAD'

# --- mandatory denies ---
fails "existing .bashrc at the root is read-only" sb "$S" 'echo x >> .bashrc'
fails "nested .bashrc at depth 2 is read-only" sb "$S" 'echo x >> a/.bashrc'
fails "nested .zshrc at depth 3 is read-only" sb "$S" 'echo x >> a/b/.zshrc'
ok "a .bashrc deeper than mandatoryDenySearchDepth is writable" sb "$S" 'echo x >> a/b/c/.bashrc'
for n in $NAMES; do
	fails "absent $n cannot be created at the root" sb "$S" "echo x > $n"
done
for n in $DIRNAMES; do
	fails "absent $n/ cannot be created at the root" sb "$S" "mkdir -p $n/x"
done
fails ".git/hooks is read-only" sb "$S" 'echo x > .git/hooks/pre-commit'
fails ".git/config is read-only" sb "$S" 'echo x >> .git/config'
fails ".git cannot be renamed away (pinned)" sb "$S" 'mv .git .git2'
fails "nested repo (depth 2) hooks cannot be created" sb "$S" 'mkdir -p a/.git/hooks; echo x > a/.git/hooks/post-checkout'
fails "nested repo (depth 2) config read-only" sb "$S" 'echo x >> a/.git/config'
G=$TESTDIR/g.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":[],"denyRead":[],"allowGitConfig":true}}\n' "$P" > "$G"
ok "allowGitConfig: .git/config writable" sb "$G" 'echo "# ok" >> .git/config'
fails "allowGitConfig: hooks still read-only" sb "$G" 'echo x > .git/hooks/pre-commit'

# --- ripgrep's findings land on top of bwrap's mounts: a nested .vscode
# that allowWrite names is still read-only, and a command whose working
# directory lies below the helper's mounts goes through them ---
AWD=$TESTDIR/aw
mkdir -p "$AWD/in/.vscode" "$AWD/in/r/.git"
echo a > "$AWD/in/.vscode/s.json"
echo 'ref: refs/heads/main' > "$AWD/in/r/.git/HEAD"
AW=$TESTDIR/aw.json
fsjson "\"$AWD\",\"$AWD/in/.vscode\"" "" "" "" > "$AW"
cd "$AWD"
fails "allowWrite naming a nested .vscode (ripgrep's finding): read-only" sb "$AW" 'echo x > in/.vscode/s.json'
AW1=$TESTDIR/aw1.json
fsjson "\"$AWD/in/.vscode\"" "" "" "" > "$AW1"
fails "allowWrite naming only a .vscode: still read-only (deny beats allow)" sb "$AW1" "echo x > '$AWD/in/.vscode/s.json'"
cd "$AWD/in/r"
fails "cwd below the helper's pins: nested repo hooks cannot be created" sb "$AW" 'mkdir -p .git/hooks; echo x > .git/hooks/pre-commit'
fails "cwd below the helper's pins: nested repo config cannot be created" sb "$AW" 'echo x > .git/config'
cd "$P"
check "nested .vscode and repo unchanged, no placeholders left" \
	"[ \"\$(cat '$AWD/in/.vscode/s.json')\" = a ] && [ \"\$(ls -A '$AWD/in/r/.git')\" = HEAD ]"

# --- allowWrite ~ with the command started in a project folder ---
mkdir -p "$HOME/proj"
echo b > "$HOME/.bashrc"
HS=$TESTDIR/home.json
fsjson '"~"' "" "" "" > "$HS"
cd "$HOME/proj"; ok "allowWrite ~: project writable" sb "$HS" 'echo x > x.txt'; cd "$P"
cd "$HOME/proj"; fails "allowWrite ~: ~/.bashrc protected" sb "$HS" 'echo x >> ~/.bashrc'; cd "$P"
cd "$HOME/proj"; fails "allowWrite ~: ~/.npmrc cannot be created" sb "$HS" 'echo x > ~/.npmrc'; cd "$P"
cd "$HOME/proj"; fails "allowWrite ~: ./.npmrc cannot be created" sb "$HS" 'echo x > .npmrc'; cd "$P"
check "allowWrite ~: ~/.bashrc unchanged" "[ \"\$(cat '$HOME/.bashrc')\" = b ]"
check "allowWrite ~: no placeholders left in ~" "[ ! -e '$HOME/.npmrc' ] && [ ! -e '$HOME/.vscode' ] && [ ! -e '$HOME/proj/.npmrc' ]"

# --- globs (allowWrite/denyWrite globs are honoured, unlike the original) ---
mkdir -p "$P/m1/out" "$P/m2/out" "$P/keys"
echo k > "$P/keys/a.key"
GL=$TESTDIR/glob.json
fsjson "\"$P/*/out\"" "\"$P/**/*.key\"" "\"$P/**/*.pem\"" "" > "$GL"
echo pem > "$P/m1/x.pem"
ok "allowWrite glob: matches writable" sb "$GL" 'touch m1/out/f m2/out/f'
fails "allowWrite glob: non-matching dir not writable" sb "$GL" 'touch m1/f'
fsjson "\"$P\"" "\"$P/**/*.key\"" "\"$P/**/*.pem\"" "" > "$GL"
fails "denyWrite glob: match read-only" sb "$GL" 'echo x >> keys/a.key'
fails "denyRead glob: match unreadable" sb "$GL" 'cat m1/x.pem'
ok "denyRead glob: others readable" sb "$GL" 'cat keys/a.key'
rm -rf "$P/m1" "$P/m2" "$P/keys"

# --- TMPDIR ---
out=$(sb "$S" 'd=$(mktemp -d) && echo "$TMPDIR" && touch "$d/f" && echo made')
like "private TMPDIR exists and is writable" "$out" 'made'
td=$(printf '%s\n' "$out" | head -1)
check "private TMPDIR removed after exit" "[ -n '$td' ] && [ ! -e '$td' ]"

# --- leftovers ---
is "no leftovers after normal exits" "$(snapshot "$P")" "$BEFORE"

wait_for() { i=0; while [ $i -lt 100 ]; do eval "$1" && return 0; sleep 0.05; i=$((i+1)); done; return 1; }
sb_bg "$S" 'sleep 30'
pid=$!
wait_for "[ -e '$P/.npmrc' ]"
check "placeholders exist while running" "[ -e '$P/.npmrc' ]"
kill -TERM $pid
wait $pid
is "no leftovers after SIGTERM" "$(snapshot "$P")" "$BEFORE"

sb_bg "$S" 'sleep 30'
pid=$!
wait_for "[ -e '$P/.npmrc' ]"
kill -INT $pid
wait $pid
is "no leftovers after SIGINT" "$(snapshot "$P")" "$BEFORE"

sb_bg "$S" 'sleep 30'
pid=$!
wait_for "[ -e '$P/.npmrc' ]"
kill -KILL $pid
wait $pid 2>/dev/null
wait_for "! pgrep -f 'sleep 30' -u $(id -u) >/dev/null" || true
check "after SIGKILL placeholders are still there" "[ -e '$P/.npmrc' ]"
ok "next run after SIGKILL" sb "$S" 'true'
is "no leftovers after SIGKILL + next run" "$(snapshot "$P")" "$BEFORE"

# --- two concurrent runs in one cwd ---
sb_bg "$S" 'sleep 1'
pa=$!
wait_for "[ -e '$P/.npmrc' ]"
sb_bg "$S" 'sleep 2.5; echo x > .npmrc && echo BREACH; echo x >> .bashrc && echo BREACH2; exit 0' > "$TESTDIR/b.out" 2>&1
pb=$!
wait $pa
check "first run's exit kept the shared placeholder" "[ -e '$P/.npmrc' ]"
wait $pb
unlike "second run's deny held after the first run exited" "$(cat "$TESTDIR/b.out")" 'BREACH'
is "no leftovers after concurrent runs" "$(snapshot "$P")" "$BEFORE"

# --- many concurrent runs starting and ending at different times ---
pids=""
for i in 1 2 3 4 5 6 7 8; do
	sb_bg "$S" "sleep 0.$i; echo x > .npmrc && echo BREACH" > "$TESTDIR/c$i.out" 2>&1
	pids="$pids $!"
done
for p in $pids; do wait $p; done
unlike "concurrent runs: every deny held" "$(cat "$TESTDIR"/c*.out)" 'BREACH'
is "no leftovers after 8 overlapping runs" "$(snapshot "$P")" "$BEFORE"

# --- a file srt did not create is never removed ---
sb_bg "$S" 'sleep 1'
pid=$!
wait_for "[ -e '$P/.pypirc' ]"
# The user replaces a placeholder on the host while the sandbox runs.
rm -f "$P/.pypirc" && echo mine > "$P/.pypirc"
wait $pid
check "user's file survives cleanup" "[ \"\$(cat '$P/.pypirc')\" = mine ]"
rm -f "$P/.pypirc"

# --- git worktree (.git file) ---
W=$TESTDIR/wt
mkdir -p "$W" "$P/.git/worktrees/wt"
echo "gitdir: $P/.git/worktrees/wt" > "$W/.git"
echo ../.. > "$P/.git/worktrees/wt/commondir"
WS=$TESTDIR/wt.json
fsjson "\"$W\",\"$P\"" "" "" "" > "$WS"
cd "$W"; ok "worktree: files writable" sb "$WS" 'echo x > f'; cd "$P"
cd "$W"; fails "worktree: .git file read-only" sb "$WS" 'echo x >> .git'; cd "$P"
cd "$W"; fails "worktree: common hooks protected" sb "$WS" "echo x > '$P/.git/hooks/pre-commit'"; cd "$P"
cd "$W"; fails "worktree: worktree gitdir config protected" sb "$WS" "echo x > '$P/.git/worktrees/wt/config'"; cd "$P"
cd "$W"; fails "worktree: commondir read-only" sb "$WS" "echo /tmp > '$P/.git/worktrees/wt/commondir'"; cd "$P"

# A FIFO planted as commondir: srt must not block opening it (timeout 10
# turns a hang into a failure: srt blocks SIGTERM while planning, hence
# -k, exit 124 or 137), and the git protection stays.
rm -f "$P/.git/worktrees/wt/commondir"
mkfifo "$P/.git/worktrees/wt/commondir"
cd "$W"
out=$(sb_timeout "$WS" 'echo RAN' 2>&1); rc=$?
cd "$P"
check "FIFO commondir: srt does not hang (status $rc)" "[ $rc -ne 124 ] && [ $rc -ne 137 ]"
is "FIFO commondir: command runs" "$out" RAN
cd "$W"
out=$(sb_timeout "$WS" "(echo x > '$P/.git/hooks/pre-commit') 2>/dev/null || echo DENIED" 2>&1)
is "FIFO commondir: common hooks still protected" "$out" DENIED
out=$(sb_timeout "$WS" "rm -f '$P/.git/worktrees/wt/commondir' 2>/dev/null || echo DENIED" 2>&1)
is "FIFO commondir: cannot be replaced" "$out" DENIED
cd "$P"
check "FIFO commondir: still a FIFO" "[ -p '$P/.git/worktrees/wt/commondir' ]"
rm -rf "$P/.git/worktrees"

# A planted git pointer chain too long to resolve (gitdir 3000 chars,
# a link to a 4000-char target, commondir through it): srt refuses,
# naming the path, instead of overflowing a buffer.
LG=$TESTDIR/lg
mkdir -p "$LG"
g=$LG
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	g=$g/$(printf 'g%.0s' $(seq 200))
done
mkdir -p "$g"
ln -s "$(for i in $(seq 20); do printf 'l%.0s' $(seq 199); printf /; done)x" "$g/L"
{ printf 'L/'; for i in $(seq 20); do printf 'c%.0s' $(seq 199); printf /; done; echo; } > "$g/commondir"
echo "gitdir: $g" > "$LG/.git"
LS=$TESTDIR/lg.json
fsjson "\"$LG\"" "" "" "" > "$LS"
cd "$LG"
out=$(sb_timeout "$LS" 'echo RAN' 2>&1); rc=$?
cd "$P"
check "long git pointer chain: refused (status $rc)" "[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]"
unlike "long git pointer chain: command does not run" "$out" '^RAN'
like "long git pointer chain: error says why" "$out" 'cannot resolve .*/hooks.*too long'
unlike "long git pointer chain: no memory corruption" "$out" 'corrupt|double free|AddressSanitizer|Aborted'
rm -rf "$LG"

# A denyWrite entry far longer than PATH_MAX below a missing directory.
long=/nonexistent-srt$(for i in $(seq 2400); do printf /aaaa; done)
fsjson "\"$P\"" "\"$long\"" "" "" > "$TESTDIR/long.json"
out=$(sb_timeout "$TESTDIR/long.json" 'echo RAN' 2>&1); rc=$?
check "12 KB denyWrite: refused (status $rc)" "[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]"
like "12 KB denyWrite: error says why" "$out" 'denyWrite path .*too long'
unlike "12 KB denyWrite: no memory corruption" "$out" 'corrupt|double free|AddressSanitizer|Aborted'

# --- ripgrep missing ---
RG=$TESTDIR/rg.json
fsjson "\"$P\"" "" "" "" '"ripgrep":{"command":"/nonexistent/rg"}' > "$RG"
out=$(sb "$RG" 'echo RAN' 2>&1)
unlike "ripgrep missing: command does not run" "$out" '^RAN'
like "ripgrep missing: error names ripgrep.command" "$out" 'ripgrep\.command'
fsjson "" "" "" "" '"ripgrep":{"command":"/nonexistent/rg"}' > "$RG"
ok "ripgrep missing but nothing writable: runs" sb "$RG" 'true'

# --- filesystem.disabled ---
D=$TESTDIR/d.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":[],"denyWrite":[],"denyRead":[],"disabled":true}}\n' > "$D"
ok "filesystem.disabled: writes anywhere" sb "$D" "touch '$OUTSIDE/d'"

is "no leftovers at the end" "$(snapshot "$P")" "$BEFORE"
cd /
