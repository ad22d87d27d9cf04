#!/bin/sh
# The man pages: srt(1) and srt-settings(5) render without a groff warning,
# srt(1) documents every option `srt --help` prints, srt-settings(5) every
# settings key the loader (src/config.c) accepts.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools groff man col

top=$(cd "$SRT_TEST_SRCDIR/.." && pwd)
page1=$top/man/srt.1
page5=$top/man/srt-settings.5

for p in "$page1" "$page5"; do
	n=$(basename "$p")
	warn=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
	is "$n: groff -man -ww reports no warning" "$warn" ""
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
	is "$n: man -l --warnings is silent on stderr" "$warn" ""
	text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$p" 2>/dev/null | col -b)
	for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		like "$n: rendered page has the $s section" "$text" "^$s\$"
	done
	# Unescaped leftovers of bad markup would show up in the rendered text.
	unlike "$n: no raw roff requests or font escapes in the output" "$text" '(^\.[A-Z]{1,2}( |$)|\\f[BIRP])'
done

# --- srt(1) --------------------------------------------------------------
text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$page1" 2>/dev/null | col -b)
for s in OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
	like "srt.1: has the $s section" "$text" "^$s\$"
done
options_section=$(printf '%s\n' "$text" | sed -n '/^OPTIONS$/,/^[A-Z]/p')

# Every option the binary's help lists, as a tag of the OPTIONS section.
help_opts=$("$SRT" --help | grep -Eo '(^|[ ,])--?[a-zA-Z][-a-zA-Z]*' | tr -d ' ,' | sort -u)
n_help=$(printf '%s\n' "$help_opts" | grep -c .)
check "srt --help lists at least 12 option spellings (got $n_help)" '[ "$n_help" -ge 12 ]'
undocumented_opts() { # page: the --help options without a tag in its OPTIONS
	sect=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$1" 2>/dev/null | col -b | sed -n '/^OPTIONS$/,/^[A-Z]/p')
	for o in $help_opts; do
		printf '%s\n' "$sect" | grep -Eq -- "^ +(-[-a-zA-Z]+, )*$o([ ,=]|\$)" || echo "$o"
	done
}
for o in $help_opts; do
	like "srt.1 OPTIONS documents $o" "$options_section" "^ +(-[-a-zA-Z]+, )*$o([ ,=]|\$)"
done
is "no option of srt --help is undocumented" "$(undocumented_opts "$page1")" ""
# The check itself must catch an option whose entry is gone.
sed '/^\.B \\-\\-dry\\-run$/d' "$page1" >"$TESTDIR/no-dry-run.1"
is "a page without the --dry-run entry is caught" "$(undocumented_opts "$TESTDIR/no-dry-run.1")" "--dry-run"
# Subcommands and their option.
for w in "srt keygen" "srt verify" "--pubkey"; do
	like "srt.1 documents $w" "$text" "$w"
done
for w in '\.mcp\.json' 'mcpServers' '--control-fd 3' '-s \.srt/settings\.json' 'srt-settings\(5\)'; do
	like "srt.1 EXAMPLES/SEE ALSO mention $w" "$text" "$w"
done

# --- srt-settings(5) ------------------------------------------------------
# The keys the loader accepts, from the validator itself: every
# f_*(c, obj, "key", ...), jget(obj, "key") and push_key(c, "key") call,
# and the arrays of known keys of the strict objects.
config_keys() {
	{
		grep -oE '\bf_[a-z_]+\(c, [a-z_]+, "[A-Za-z0-9]+"' "$top/src/config.c" | sed -E 's/.*"(.*)"/\1/'
		grep -oE 'jget\([a-z_]+, "[A-Za-z0-9]+"\)' "$top/src/config.c" | sed -E 's/.*"(.*)".*/\1/'
		grep -oE 'push_key\(c, "[A-Za-z0-9]+"\)' "$top/src/config.c" | sed -E 's/.*"(.*)".*/\1/'
		awk '/(known|keys)\[\] = \{/ { on = 1 } on { print } on && /(NULL \}|\};)/ { on = 0 }' \
			"$top/src/config.c" | grep -oE '"[A-Za-z0-9]+"' | tr -d '"'
	} | sort -u
}
keys=$(config_keys)
n_keys=$(printf '%s\n' "$keys" | grep -c .)
check "the key list derived from src/config.c is complete enough (got $n_keys)" '[ "$n_keys" -ge 80 ]'
for k in network filesystem allowedDomains deniedDomains denyRead allowRead allowWrite denyWrite \
	mandatoryDenySearchDepth enableWeakerNestedSandbox receipts safeDirectories http https noProxy; do
	like "derived key list holds $k" "$keys" "^$k\$"
done

# The terms a page sets in bold: \fB...\fR spans and the words of .B/.BR/.BI
# requests, split at dots so "network.allowedDomains" documents both.
bold_terms() { # page
	{
		grep -oE '\\fB[^\\]+\\f[RIP]' "$1" | sed -E 's/^\\fB//; s/\\f[RIP]$//'
		grep -E '^\.B[RI]? ' "$1" | sed -E 's/^\.B[RI]? //' | tr ' ' '\n'
	} | tr -d '",()' | sed 's/\\-/-/g' | tr '.' '\n' | grep -E '^[A-Za-z0-9]+$' | sort -u
}
missing_keys() { # page
	bold_terms "$1" >"$TESTDIR/terms"
	printf '%s\n' "$keys" | grep -vxFf "$TESTDIR/terms"
}
is "srt-settings.5 documents every settings key the loader accepts" "$(missing_keys "$page5")" ""
# The check itself must catch a key that is not documented.
grep -v 'safeDirectories' "$page5" >"$TESTDIR/no-safe.5"
is "a page without safeDirectories is caught" "$(missing_keys "$TESTDIR/no-safe.5")" "safeDirectories"

text5=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$page5" 2>/dev/null | col -b)
for s in "TOP LEVEL" NETWORK FILESYSTEM "PATH ENTRIES" "DOMAIN PATTERNS" CREDENTIALS EXAMPLES; do
	like "srt-settings.5: has the $s section" "$text5" "^$s\$"
done
# Defaults and Linux behaviour that must be stated.
like "srt-settings.5: mandatoryDenySearchDepth range and default" "$text5" 'integer 1 to 10, default 3'
like "srt-settings.5: macOS-only keys say they are ignored on Linux" "$text5" 'macOS only; ignored on Linux'
like "srt-settings.5: tlsTerminate says srt refuses to run" "$text5" 'refuses to run when this key is present'
# The example settings in the page are valid for the real loader.
printf '%s\n' "$text5" | sed -n '/^EXAMPLES$/,/^FILES$/p' | sed -n '/^ *{$/,/^ *}$/p' | sed '/^ *}$/q' >"$TESTDIR/ex.json"
like "the first example was extracted" "$(cat "$TESTDIR/ex.json")" 'allowedDomains'
ok "the page's first example passes srt --dry-run" "$SRT" -s "$TESTDIR/ex.json" --dry-run

done_testing
