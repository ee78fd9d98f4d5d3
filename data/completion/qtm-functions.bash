# bash completion for qtm and hive-control (also `qtm hive ...`).                -*- shell-script -*-
# Installed as $(datadir)/bash-completion/completions/qtm and .../hive-control; bash-completion
# loads it on the first <Tab> after either name.  Module names come from
# `qtm --json list --available` and installed names from `qtm --json list --installed`, both
# cached for a minute per root/config; job and runner ids from `hive-control --json jobs|runners`.
# The verbs and options come from the programs' command tables: the part after the functions is
# printed by src/qtm/gen-completion at build time (data/completion/qtm-functions.bash is this
# file's hand-written part).

_qtm_words() {
	# Prints the values of the JSON key $1 found on stdin (cJSON prints one key per line).
	sed -n 's/^[[:space:]]*"'"$1"'":[[:space:]]*"\{0,1\}\([^",]*\)"\{0,1\},\{0,1\}[[:space:]]*$/\1/p'
}

# _qtm_cached NAME CMD...: the output of CMD, remembered for 60 s under NAME plus CMD's words.
_qtm_cached() {
	local name=$1 key
	shift
	key="$name $*"
	if [[ ${_qtm_cache_key[$name]-} != "$key" || $((SECONDS - ${_qtm_cache_time[$name]:-0})) -ge 60 ]]; then
		_qtm_cache_val[$name]=$("$@" 2>/dev/null)
		_qtm_cache_key[$name]=$key
		_qtm_cache_time[$name]=$SECONDS
	fi
	printf '%s\n' "${_qtm_cache_val[$name]}"
}
declare -gA _qtm_cache_key _qtm_cache_val _qtm_cache_time 2>/dev/null || declare -A _qtm_cache_key _qtm_cache_val _qtm_cache_time

_qtm_available() { _qtm_cached available "$@" --json list --available | _qtm_words name; }
_qtm_installed() { _qtm_cached installed "$@" --json list --installed | _qtm_words name; }
_qtm_sources() { _qtm_cached sources "$@" --json source list | _qtm_words name; }

# _qtm_reply WORDS...: COMPREPLY from the words that start with the current word.
_qtm_reply() {
	local w
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _qtm_scan PROG OPTS-WITH-ARG: finds the command word after the global options; sets verb,
# vidx (its index in COMP_WORDS, or 0 when the cursor is still before it) and pre (the program
# and the global options that select the root, config, hive and token, to run queries with).
_qtm_scan() {
	local i w with_arg=" $2 "
	verb= vidx=0 pre=("$1")
	for ((i = ${3:-1}; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--root=* | --config=* | --hive=* | --token=*) pre+=("$w") ;;
		--*=* | -[a-zA-Z]*) ;;
		--*)
			if [[ $with_arg == *" $w "* ]]; then
				pre+=("$w" "${COMP_WORDS[i + 1]}")
				((i++))
			fi
			;;
		*)
			verb=$w vidx=$i
			return
			;;
		esac
	done
}

_qtm() {
	local cur prev verb vidx pre
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	_qtm_scan "${COMP_WORDS[0]}" "$_qtm_args"
	local qtm=("${pre[@]}")
	if [[ -z $verb ]]; then
		case $prev in
		--root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then _qtm_reply $_qtm_globals; else _qtm_reply $_qtm_verbs; fi
		return
	fi
	if [[ $verb == hive ]]; then
		_hive_control_at "$((vidx + 1))" "${qtm[@]}" hive
		return
	fi

	# The arguments after the verb, before the cursor (sub-verbs of mark, history, source, key).
	local args=("${COMP_WORDS[@]:vidx+1:COMP_CWORD-vidx-1}") nargs
	nargs=${#args[@]}
	case $prev in
	--param | --hive | --mirror | --threshold | --priority | --interval | --count) return ;;
	--key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		_qtm_reply ${_qtm_opts[$verb]}
		return
	fi
	case $verb in
	install) _qtm_reply $(_qtm_available "${qtm[@]}") ;;
	reinstall | remove | upgrade | full-upgrade | hold | unhold | verify | why | run) _qtm_reply $(_qtm_installed "${qtm[@]}") ;;
	info | show | depends | rdepends | policy | search) _qtm_reply $(_qtm_available "${qtm[@]}") ;;
	mark)
		if ((nargs == 0)); then _qtm_reply auto manual default; else _qtm_reply $(_qtm_installed "${qtm[@]}"); fi
		;;
	history)
		((nargs == 0)) && _qtm_reply list info undo rollback
		;;
	source)
		if ((nargs == 0)); then
			_qtm_reply add list remove
		elif [[ ${args[0]} == remove ]] && ((nargs == 1)); then
			_qtm_reply $(_qtm_sources "${qtm[@]}")
		fi
		;;
	key)
		if ((nargs == 0)); then
			_qtm_reply add list remove
		elif ((nargs == 1)); then
			_qtm_reply $(_qtm_sources "${qtm[@]}")
		elif [[ ${args[0]} == add ]] && ((nargs == 2)); then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	esac
}

# _hive_control_at START PROG...: completes hive-control's words from COMP_WORDS[START] on, with
# PROG... (hive-control, or qtm [globals] hive) to run its queries.
_hive_control_at() {
	local start=$1 cur prev verb vidx pre
	shift
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	_qtm_scan "$1" "$_hive_control_args" "$start"
	local hc=("$@" "${pre[@]:1}")
	if [[ -z $verb ]]; then
		case $prev in
		--root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--hive) _qtm_reply http://127.0.0.1:9000; return ;;
		--token) [[ $cur == @* ]] && COMPREPLY=($(compgen -P @ -f -- "${cur#@}")); return ;;
		esac
		if [[ $cur == -* ]]; then _qtm_reply $_hive_control_globals; else _qtm_reply $_hive_control_verbs; fi
		return
	fi
	local nargs=$((COMP_CWORD - vidx - 1))
	if [[ -n ${_qtm_values[$prev]-} ]]; then
		_qtm_reply ${_qtm_values[$prev]}
		return
	fi
	case $prev in
	--listen | --limit | --attempt | --interval | --count | --older-than | --param) return ;;
	esac
	if [[ $cur == -* ]]; then
		_qtm_reply ${_hive_control_opts[$verb]}
		return
	fi
	case $verb in
	cancel | requeue | logs)
		((nargs == 0)) && _qtm_reply $(timeout 3 "${hc[@]}" --json jobs 2>/dev/null | _qtm_words id)
		;;
	kill)
		((nargs == 0)) && _qtm_reply $(timeout 3 "${hc[@]}" --json runners 2>/dev/null | _qtm_words id)
		;;
	submit)
		if ((nargs == 0)); then
			# The module names come from qtm's index (the same root and config).
			local q=(qtm) i
			for ((i = 1; i < ${#hc[@]}; i++)); do
				case ${hc[i]} in
				--root | --config) q+=("${hc[i]}" "${hc[i + 1]}"); ((i++)) ;;
				--root=* | --config=*) q+=("${hc[i]}") ;;
				esac
			done
			[[ ${hc[0]##*/} == qtm ]] && q[0]=${hc[0]}
			_qtm_reply $(_qtm_available "${q[@]}")
		elif ((nargs == 1)); then
			_qtm_reply high medium low
		fi
		;;
	esac
}

_hive_control() {
	COMPREPLY=()
	_hive_control_at 1 "${COMP_WORDS[0]}"
}
