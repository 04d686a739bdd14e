# bash completion for sipscope(1)                           -*- shell-script -*-
# Installed as .../bash-completion/completions/sipscope; or: source this file.
#
# Commands, the options of each command, option values (--format per
# command, --time, --hep-version...), --filter terms (method=, state=... and
# their values), interfaces for -i, captures for -r.  It needs nothing from
# the bash-completion package.  The word being completed is taken from the
# command line itself (quotes and = understood), so `-f 'state=ri<TAB>` and
# `--format=j<TAB>` work whatever COMP_WORDBREAKS holds.

# The options of each command, beside those every command takes.
_sipscope_common="-r --read -h --help -V --version --bpf --correlate --tls-keylog --tls-key --spool-dir
 --alias --columns --sort --theme --config --no-config --stir-cert --stir-ca --stir-signer --attack"
# The call list's columns (src/export/calllist.c), for --columns and --sort.
_sipscope_columns="index start method from to callid src dst msgs state setup duration status ua problems media agent attest"
_sipscope_live="-i --interface -N --headless --quiet -w --write -C -G -Z -s --snaplen -B --buffer-size
 --no-promisc --batch-ms --duration --max-packets --max-calls --db --hep-send --hep-listen --hep-id
 --hep-key --hep-version -f --filter -F --format --rtp --ascii --metrics --metrics-file --findings --exec --exec-rate --exec-timeout --syslog
 --syslog-filter --syslog-facility"
_sipscope_opts_messages="-F --format"
_sipscope_opts_calls="-F --format -f --filter --rtp"
_sipscope_opts_stats="-F --format"
_sipscope_opts_flow="-c --call --match --all -f --filter -F --format -o --output --time --width
 --merge-hosts --no-sdp --ascii --rtp"
_sipscope_opts_show="--frame --secrets"
_sipscope_opts_export="-c --call --match --all -f --filter -F --format -o --output"
_sipscope_opts_db="-o --output --rtp"
_sipscope_opts_rtp="-F --format"
_sipscope_opts_audio="-c --call --match --all -f --filter -o --output --split --stream"
_sipscope_opts_check="-F --format -f --filter --rules"
_sipscope_commands="messages calls stats flow show export db rtp audio check"

# Filter keys (src/export/calllist.c term_keys) and the values of those
# that have a fixed set.
_sipscope_filter_keys="method= state= status= from= to= src= dst= callid= call-id= ua= problem= media= agent="
_sipscope_methods="INVITE ACK BYE CANCEL REGISTER OPTIONS INFO UPDATE PRACK SUBSCRIBE NOTIFY REFER MESSAGE PUBLISH"
_sipscope_states="pending setup ringing in_call completed cancelled busy rejected diverted failed"
_sipscope_statuses="180 183 200 202 301 302 400 401 403 404 407 408 480 481 486 487 488 500 503 603"
_sipscope_media="none any one-way loss nat codec gap after-bye unannounced"

# _sipscope_argv: the shell words of the line up to the cursor, unquoted,
# into _sipscope_w (the last one is the word being typed, maybe empty).
_sipscope_argv() {
	local line=${COMP_LINE:0:COMP_POINT} word="" q="" c i have=0
	_sipscope_w=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ -n $q ]]; then
			if [[ $c == "$q" ]]; then q=""
			elif [[ $q == '"' && $c == '\' && $((i + 1)) -lt ${#line} ]]; then ((i++)); word+=${line:i:1}
			else word+=$c; fi
		elif [[ $c == "'" || $c == '"' ]]; then q=$c; have=1
		elif [[ $c == '\' && $((i + 1)) -lt ${#line} ]]; then ((i++)); word+=${line:i:1}; have=1
		elif [[ $c == ' ' || $c == $'\t' ]]; then
			((have)) && _sipscope_w+=("$word")
			word="" have=0
		else word+=$c; have=1; fi
	done
	_sipscope_w+=("$word")
}

# _sipscope_reply TYPED CANDIDATE...: COMPREPLY from the candidates that
# start with TYPED (the whole argument typed so far), each cut to the part
# readline replaces (the current COMP_WORDS word, which may start after an
# `=` or `:`, or after an opening quote).
_sipscope_reply() {
	local typed=$1 cw=${COMP_WORDS[COMP_CWORD]} c cut
	shift
	cw=${cw#[\'\"]}
	[[ $cw == "=" || $cw == ":" ]] && cw=""
	cut=$((${#typed} - ${#cw}))
	((cut < 0)) && cut=0
	COMPREPLY=()
	for c in "$@"; do
		[[ $c == "$typed"* ]] && COMPREPLY+=("${c:cut}")
	done
}

# The values of the option OPT for COMMAND, as candidates in _sipscope_c
# (returns 1 when OPT takes no value we can list: files, numbers).
_sipscope_values() {
	local cmd=$1 opt=$2
	_sipscope_c=()
	case $opt in
	-F | --format)
		case $cmd in
		flow) _sipscope_c=(text html svg mermaid plantuml json) ;;
		export) _sipscope_c=(pcap pcapng) ;;
		stats) _sipscope_c=(table json) ;;
		*) _sipscope_c=(table json csv) ;;
		esac ;;
	--time) _sipscope_c=(abs delta rel) ;;
	--theme) _sipscope_c=(default light mono) ;;
	--sort)
		local col
		for col in $_sipscope_columns; do _sipscope_c+=("$col" "$col:desc"); done ;;
	--columns)
		# a comma-separated list: the next column after those typed
		local col typed=${_sipscope_w[${#_sipscope_w[@]} - 1]}
		typed=${typed#--columns=}
		for col in $_sipscope_columns; do _sipscope_c+=("${typed%"${typed##*,}"}$col"); done ;;
	--hep-version) _sipscope_c=(3 2) ;;
	--syslog-facility) _sipscope_c=(user daemon local0 local1 local2 local3 local4 local5 local6 local7) ;;
	--attack) _sipscope_c=(window= scanner-targets= enum-users= auth-failures= flood-window= register-flood=
		invite-flood= toll-burst= toll-prefix= home-country=) ;; # issue 25: attacks
	--hep-send | --hep-listen) _sipscope_c=(udp: tcp:) ;;
	-i | --interface)
		local d
		_sipscope_c=(any)
		if [[ -d /sys/class/net ]]; then
			for d in /sys/class/net/*; do [[ -e $d ]] && _sipscope_c+=("${d##*/}"); done
		elif type ip >/dev/null 2>&1; then
			_sipscope_c+=($(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'))
		fi ;;
	-Z) _sipscope_c=($(compgen -u)) ;;
	*) return 1 ;;
	esac
	return 0
}

# The candidates for the last term of a --filter value ARG.
_sipscope_filter() {
	local arg=$1 head term key
	term=${arg##*[ 	]}
	head=${arg:0:${#arg}-${#term}}
	_sipscope_c=()
	if [[ $term != *=* ]]; then
		local k
		for k in $_sipscope_filter_keys; do _sipscope_c+=("$head$k"); done
		return
	fi
	key=${term%%=*}
	local vals=() v
	case ${key,,} in
	method) vals=($_sipscope_methods) ;;
	state) vals=($_sipscope_states) ;;
	status) vals=($_sipscope_statuses) ;;
	media) vals=($_sipscope_media) ;;
	agent) vals=(-) ;;
	problem)
		vals=(error warning info)
		# the rule ids, from the binary being completed (they grow)
		local bin=${COMP_WORDS[0]}
		type "$bin" >/dev/null 2>&1 &&
			vals+=($("$bin" check --rules --format csv 2>/dev/null | tail -n +2 | cut -d, -f1))
		;;
	esac
	for v in "${vals[@]}"; do _sipscope_c+=("$head$key=$v"); done
}

_sipscope() {
	local _sipscope_w _sipscope_c n cur prev cmd="" i opts
	_sipscope_argv
	n=${#_sipscope_w[@]}
	cur=${_sipscope_w[n - 1]}
	prev=""
	((n >= 2)) && prev=${_sipscope_w[n - 2]}
	# the command: the first word after sipscope, when it is one
	for i in $_sipscope_commands; do
		((n > 2)) && [[ ${_sipscope_w[1]} == "$i" ]] && cmd=$i
	done
	COMPREPLY=()

	# --opt=value in one word
	if [[ $cur == --*=* ]]; then
		local o=${cur%%=*} v=${cur#*=}
		if [[ $o == --filter || $o == --syslog-filter ]]; then
			_sipscope_filter "$v"
			_sipscope_c=("${_sipscope_c[@]/#/$o=}")
		elif _sipscope_values "$cmd" "$o"; then
			_sipscope_c=("${_sipscope_c[@]/#/$o=}")
		else
			return 0
		fi
		_sipscope_reply "$cur" "${_sipscope_c[@]}"
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *[=:] ]] && compopt -o nospace 2>/dev/null
		return 0
	fi

	# --exec FILTER COMMAND: the command, a program name
	if ((n >= 3)) && [[ ${_sipscope_w[n - 3]} == --exec ]]; then
		COMPREPLY=($(compgen -c -- "$cur"))
		return 0
	fi
	case $prev in
	-f | --filter | --exec | --syslog-filter)
		_sipscope_filter "$cur"
		_sipscope_reply "$cur" "${_sipscope_c[@]}"
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return 0 ;;
	-r | --read)
		compopt -o filenames 2>/dev/null
		local f
		COMPREPLY=($(compgen -d -- "$cur"))
		while IFS= read -r f; do
			case ${f,,} in *.pcap | *.pcapng | *.cap | *.db | *.pcap.gz) COMPREPLY+=("$f") ;; esac
		done < <(compgen -f -- "$cur")
		[[ $cur == "" || $cur == "-" ]] && COMPREPLY+=(-)
		return 0 ;;
	-o | --output | -w | --write | --db | --tls-keylog | --tls-key | --config | --metrics-file | --stir-cert | --stir-ca)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--spool-dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	-c | --call | --match | --frame | --width | --correlate | --bpf | --stream | --alias | -C | -G | -s | \
		--snaplen | -B | --buffer-size | --batch-ms | --duration | --max-packets | --max-calls | \
		--exec-rate | --exec-timeout | \
		--hep-id | --hep-key | --metrics)
		return 0 ;; # a value only the user knows
	esac
	if _sipscope_values "$cmd" "$prev"; then
		_sipscope_reply "$cur" "${_sipscope_c[@]}"
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
		return 0
	fi

	if ((n == 2)) && [[ $cur != -* ]]; then
		_sipscope_reply "$cur" $_sipscope_commands
		return 0
	fi
	if [[ $cur == -* ]]; then
		if [[ -z $cmd ]]; then
			opts="$_sipscope_common $_sipscope_live"
		else
			local var=_sipscope_opts_$cmd
			opts="$_sipscope_common ${!var}"
		fi
		_sipscope_reply "$cur" $opts
	fi
	return 0
}
complete -F _sipscope sipscope
