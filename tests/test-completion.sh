#!/bin/sh
# bash completion (share/bash-completion/srt): it loads in a plain bash,
# `srt --<TAB>` offers every long option `srt --help` lists, and the options
# that take a file complete file names.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bash

comp=$(cd "$SRT_TEST_SRCDIR/.." && pwd)/share/bash-completion/srt

# complete WORD...: the replies for the last word, one per line, run the way
# bash runs a completion function (COMP_WORDS/COMP_CWORD, `complete -p`).
complete_words() {
	(cd "$TESTDIR/work" && bash --norc --noprofile -c '
		. "$0" || exit 9
		spec=$(complete -p srt) || exit 8
		fn=${spec#*-F }; fn=${fn%% *}
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$fn" srt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 7
		printf "%s\n" "${COMPREPLY[@]}"' "$comp" "$@")
}

mkdir -p "$TESTDIR/work/conf.d"
touch "$TESTDIR/work/settings.json" "$TESTDIR/work/settings-ci.json" "$TESTDIR/work/other.txt" \
	"$TESTDIR/work/my rules.json"

ok "the completion file loads in a plain bash" bash --norc --noprofile -c '. "$0" && complete -p srt' "$comp"
ok "bash -n: no syntax error" bash -n "$comp"

got=$(complete_words srt --)
help_long=$("$SRT" --help | grep -Eo -- '--[a-z][-a-z]*' | sort -u)
n=$(printf '%s\n' "$help_long" | grep -c .)
check "srt --help lists at least 9 long options (got $n)" '[ "$n" -ge 9 ]'
for o in $help_long; do
	like "srt --<TAB> offers $o" "$got" "^$o\$"
done
is "srt --<TAB> offers nothing --help does not list" "$(printf '%s\n' "$got" | sort -u)" "$help_long"
is "srt --dr<TAB> completes to --dry-run" "$(complete_words srt --dr)" "--dry-run"
is "srt -<TAB> also offers the short options" \
	"$(complete_words srt - | grep -Ec '^-[dsVhc]$')" "5"

got=$(complete_words srt -s sett)
is "srt -s sett<TAB> completes the settings files" "$(printf '%s\n' "$got" | sort)" \
	"$(printf 'settings-ci.json\nsettings.json')"
got=$(complete_words srt -s "")
like "srt -s <TAB> lists the files of the directory" "$got" '^other\.txt$'
like "srt -s <TAB> lists directories too" "$got" '^conf\.d$'
is "srt --settings=sett<TAB> completes files ('=' splits words)" \
	"$(complete_words srt --settings = sett | sort)" "$(printf 'settings-ci.json\nsettings.json')"
is "srt -s my<TAB> keeps a name with a space as one reply" "$(complete_words srt -s my)" "my rules.json"
is "srt --violations o<TAB> completes files" "$(complete_words srt --violations o)" "other.txt"
is "srt --receipts c<TAB> completes directories only" "$(complete_words srt --receipts c)" "conf.d"
is "srt --control-fd <TAB> offers nothing" "$(complete_words srt --control-fd '')" ""
is "srt verify d --pubkey o<TAB> completes files" "$(complete_words srt verify d --pubkey o)" "other.txt"
like "srt ke<TAB> offers the keygen subcommand" "$(complete_words srt ke)" '^keygen$'
# Options end at the first command word: after it, srt's options are not offered.
unlike "srt ls --<TAB> does not offer srt's options" "$(complete_words srt ls --)" '^--dry-run$'
unlike "srt -s settings.json ls --<TAB> neither" "$(complete_words srt -s settings.json ls --)" '^--dry-run$'
like "srt -s settings.json --<TAB> still offers options" "$(complete_words srt -s settings.json --)" '^--dry-run$'

done_testing
