# SPDX-License-Identifier: GPL-2.0
# bash completion for flowctl(8); source it, or install it as
# /usr/share/bash-completion/completions/flowctl.

_flowctl_commands="list ls get reset flush stats monitor export config version help"
_flowctl_states="established estab syn-sent syn-recv syn-rcv syn-received
	fin-wait-1 fin-wait-2 time-wait close-wait last-ack closing closed close
	listening listen all connected synchronized bucket big"
_flowctl_protos="tcp udp icmp icmpv6"
_flowctl_config_keys="max_flows timeout_syn_sent timeout_syn_recv
	timeout_established timeout_fin_wait timeout_close_wait timeout_last_ack
	timeout_time_wait timeout_close timeout_udp timeout_udp_stream timeout_icmp
	timeout_generic"
_flowctl_filter_opts="-4 --ipv4 -6 --ipv6 -n --numeric --state -p --proto
	-s --src -d --dst --addr --sport --dport --port --min-bytes --min-packets
	--idle --age --nat --nat-addr --nat-port --l5 --secured --name --dropped
	--min-rtt"
_flowctl_output_opts="-o --output -j --json -e --extended"

# The options of command $1.
_flowctl_options()
{
	case $1 in
	list|ls|reset)
		echo "$_flowctl_output_opts -c --count --sort -r --reverse -h --help $_flowctl_filter_opts" ;;
	get)
		echo "$_flowctl_output_opts -p --proto -s --src -d --dst --sport --dport -4 --ipv4 -6 --ipv6 -n --numeric -h --help" ;;
	flush)
		echo "-j --json -h --help $_flowctl_filter_opts" ;;
	monitor)
		echo "-j --json --buffer -h --help $_flowctl_filter_opts" ;;
	export)
		echo "--udp --tcp --active-timeout --template-refresh --template-messages --mtu --queue --domain --buffer --metrics -h --help" ;;
	stats)
		echo "-j --json --prometheus -h --help" ;;
	config|version)
		echo "-j --json -h --help" ;;
	help)
		echo "-h --help" ;;
	esac
}

# Complete the value of option $1 from $cur; returns 1 if $1 takes none.
_flowctl_option_value()
{
	case $1 in
	--state)
		local prefix=
		[[ $cur == *,* ]] && prefix=${cur%,*},
		COMPREPLY=($(compgen -P "$prefix" -W "$_flowctl_states" -- "${cur##*,}")) ;;
	-p|--proto)
		COMPREPLY=($(compgen -W "$_flowctl_protos" -- "$cur")) ;;
	-o|--output)
		COMPREPLY=($(compgen -W "table plain json" -- "$cur")) ;;
	--sort)
		COMPREPLY=($(compgen -W "bytes packets age rtt drops" -- "$cur")) ;;
	--idle|--age|--active-timeout|--template-refresh)
		COMPREPLY=($(compgen -W "500ms 30s 5m 1h 1d" -- "$cur")) ;;
	--min-rtt)
		COMPREPLY=($(compgen -W "10ms 50ms 100ms 500ms 1s" -- "$cur")) ;;
	--min-bytes|--buffer)
		COMPREPLY=($(compgen -W "64K 1M 16M 1G" -- "$cur")) ;;
	--l5)
		COMPREPLY=($(compgen -W "dns dhcp tls http ssh quic ntp smtp imap pop3
			ftp bittorrent wireguard esp ah mdns llmnr" -- "$cur")) ;;
	--secured)
		COMPREPLY=($(compgen -W "yes no" -- "$cur")) ;;
	-s|--src|-d|--dst|--addr|--sport|--dport|--port|--min-packets|\
	--nat-addr|--nat-port|--name)
		COMPREPLY=() ;;
	*)
		return 1 ;;
	esac
	return 0
}

# Arguments that are not options: the protocol of get, the keys of config,
# the topic of help.
_flowctl_argument()
{
	local cmd=$1 nargs=$2

	case $cmd in
	get)
		[[ $nargs -eq 0 ]] &&
			COMPREPLY=($(compgen -W "$_flowctl_protos" -- "$cur")) ;;
	config)
		COMPREPLY=($(compgen -W "$_flowctl_config_keys" -S = -- "$cur"))
		compopt -o nospace 2>/dev/null ;;
	help)
		[[ $nargs -eq 0 ]] &&
			COMPREPLY=($(compgen -W "$_flowctl_commands" -- "$cur")) ;;
	esac
}

_flowctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i cmd= nargs=0 word

	# "--state=est": bash splits at "=", so look one word further back.
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	# config's "KEY=VALUE": the value is free.
	[[ ${COMP_WORDS[COMP_CWORD - 1]} == = || ${COMP_WORDS[COMP_CWORD]} == = ]] &&
		[[ $prev == timeout_* || $prev == max_flows ]] && return 0

	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			[[ $word != -* ]] && cmd=$word
		elif [[ $word != -* && $word != = ]] &&
		     ! _flowctl_takes_value "${COMP_WORDS[i - 1]}"; then
			((nargs++))
		fi
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j --json -4 --ipv4 -6 --ipv6 -n --numeric -h --help -V --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_flowctl_commands" -- "$cur"))
		fi
		return 0
	fi
	_flowctl_option_value "$prev" && return 0
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_flowctl_options "$cmd")" -- "$cur"))
		return 0
	fi
	_flowctl_argument "$cmd" "$nargs"
}

# Whether option $1 takes a value (the next word).
_flowctl_takes_value()
{
	case $1 in
	--state|-p|--proto|-o|--output|--sort|--idle|--age|--min-bytes|--buffer|\
	-s|--src|-d|--dst|--addr|--sport|--dport|--port|--min-packets|\
	--nat-addr|--nat-port|--l5|--secured|--name)
		return 0 ;;
	esac
	return 1
}

complete -F _flowctl flowctl
