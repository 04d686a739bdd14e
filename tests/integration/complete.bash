# complete.bash - completion/sipscope.bash exercised as bash runs it: the
# line split into COMP_WORDS as readline splits it (= and : are words of
# their own), _sipscope called, COMPREPLY checked.
# Usage: bash complete.bash ROOT SIPSCOPE DIR   (DIR: a scratch directory)
# Prints "ok NAME" or "FAIL NAME: what was offered", one line per check.
ROOT=$1 BIN=$2 DIR=$3
source "$ROOT/completion/sipscope.bash" || { echo "FAIL bash: completion/sipscope.bash does not load"; exit 0; }
[[ $(complete -p sipscope) == "complete -F _sipscope sipscope" ]] &&
	echo "ok bash: complete -p sipscope names _sipscope" ||
	echo "FAIL bash: complete -p sipscope: $(complete -p sipscope 2>&1)"
# the binary under test answers for sipscope (problem= asks it for the rules)
sipscope() { "$BIN" "$@"; }

# comp LINE: COMPREPLY for LINE with the cursor at its end, sorted, one line
# (an unclosed ' makes the rest of the line one word, as readline does)
comp() {
	local w pre out=() line=$1 quoted=""
	COMP_LINE=$1 COMP_POINT=${#1}
	w=${line//[^\']/}
	if ((${#w} % 2)); then
		quoted=\'${line##*\'}
		line=${line%\'*}
	fi
	read -ra COMP_WORDS <<<"$line"
	for w in "${COMP_WORDS[@]}"; do
		while [[ $w == *[=:]* ]]; do
			pre=${w%%[=:]*}
			[[ -n $pre ]] && out+=("$pre")
			out+=("${w:${#pre}:1}")
			w=${w:${#pre}+1}
		done
		[[ -n $w ]] && out+=("$w")
	done
	if [[ -n $quoted ]]; then out+=("$quoted")
	elif [[ $1 == *" " || $1 == *[=:] ]]; then out+=(""); fi
	COMP_WORDS=("${out[@]}")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_sipscope sipscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# check NAME LINE WANT: the completion of LINE is exactly WANT (sorted)
check() {
	local got
	got=$(comp "$2")
	[[ $got == "$3" ]] && echo "ok bash: $1" || echo "FAIL bash: $1: '$2' offered '$got', wanted '$3'"
}

check "a command" "sipscope fl" "flow"
check "the commands, as --help lists them" "sipscope " \
	"$("$BIN" --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z]+ ' | tr -d ' ' | sort | tr '\n' ' ' | sed 's/ $//')"
check "an option of the command" "sipscope flow --merge" "--merge-hosts"
check "no option of another command" "sipscope calls --merge" ""
check "--format values of flow" "sipscope flow --format " "html json mermaid plantuml svg text"
check "--format values of calls" "sipscope calls -F " "csv json table"
check "--format values of export, --format=p" "sipscope export --format=p" "pcap pcapng"
check "--time modes" "sipscope flow --time " "abs delta rel"
check "a filter key" "sipscope calls -f st" "state= status="
check "a filter key after --filter= (readline replaces what follows =)" "sipscope calls --filter=me" "media= method="
check "filter values: state=" "sipscope calls -f state=" \
	"busy cancelled completed diverted failed in_call pending rejected ringing setup"
check "filter values: method=IN" "sipscope calls -f method=IN" "INFO INVITE"
check "filter values: media=one" "sipscope calls -f media=one" "one-way"
check "filter values: problem= takes the binary's rule ids" "sipscope calls -f problem=missing-h" "missing-header"
check "the last term of a quoted filter" "sipscope calls -f 'state=ringing me" \
	"state=ringing media= state=ringing method="
check "interfaces for -i: any and lo at least" "sipscope -i l" "lo"
mkdir -p "$DIR/caps/sub" && : >"$DIR/caps/a.pcap" && : >"$DIR/caps/b.pcapng" && : >"$DIR/caps/c.txt"
check "-r: captures and directories, not other files" "sipscope calls -r $DIR/caps/" \
	"$DIR/caps/a.pcap $DIR/caps/b.pcapng $DIR/caps/sub"
check "--hep-send URL schemes" "sipscope -N --hep-send " "tcp: udp:"

# Completion cannot fall behind the options: every long option of --help
# is in the script, and each command's help options are offered for it.
missing=""
for o in $("$BIN" --help | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+'); do
	grep -qe "$o\\b" "$ROOT/completion/sipscope.bash" || missing+=" $o"
done
[[ -z $missing ]] && echo "ok bash: every long option of sipscope --help is in the completion" ||
	echo "FAIL bash: long options of sipscope --help missing from completion/sipscope.bash:$missing"
missing=""
for c in $("$BIN" --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z]+ ' | tr -d ' '); do
	offered=" $(comp "sipscope $c --") "
	for o in $("$BIN" "$c" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		[[ $offered == *" $o "* ]] || missing+=" $c:$o"
	done
done
[[ -z $missing ]] && echo "ok bash: each command's --help options are offered after the command" ||
	echo "FAIL bash: options of a command's --help not offered:$missing"
