# zsh_complete.zsh ROOT BINDIR OUT LINE... - completion/_sipscope exercised in an
# interactive zsh on a pseudo-terminal (zpty): each LINE typed, then Tab;
# every match the completion adds (compadd, wrapped) goes to OUT after a
# line "== LINE", and "== done" when that completion has finished.
# BINDIR holds the sipscope the completion runs (problem= asks it).
# Exit 77 when zsh has no zpty module.
zmodload zsh/zpty || exit 77
dir=$1 bindir=$2 out=$3; shift 3
: >$out
zpty z zsh -f -i
zpty -w z "PS1='READY> '"
zpty -w z "fpath=($dir/completion \$fpath); autoload -U compinit; compinit -u -D; PATH=$bindir:\$PATH"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; print -rl -- $__h >>'"$out"'; builtin compadd "$@"; }'
zpty -w z "zle -C __comp complete-word _main_complete; __tab() { zle __comp; print -r -- '== done' >>$out; }; zle -N __tab; bindkey '^I' __tab"
zpty -w z "zstyle ':completion:*' menu no; unsetopt AUTO_MENU LIST_AMBIGUOUS"
n=0
for line in "$@"; do
	zpty -w z "print -r -- ${(q)${:-== $line}} >>$out"
	zpty -w -n z "$line"$'\t'
	n=$((n + 1))
	for i in {1..1000}; do # up to 20 s: a sanitizer's binary under load
		while zpty -r -t z junk; do :; done
		(( $(grep -c '^== done$' $out) >= n )) && break
		sleep 0.02
	done
	zpty -w -n z $'\C-u\n'
done
zpty -w z "exit"
zpty -d z
