#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP connections picked up mid-stream. With flowmon unloaded, a client
# connects to port 5000 and another to port 5001; on each both sides
# exchange 1000 bytes. Then flowmon is loaded and:
#  5000: the client speaks first: 2000 bytes up, then (0.5 s later) 3000
#        down: history DadA (client data, server's pure ACK, server data,
#        client's ACK)
#  5001: the server speaks first: 2000 bytes down, then (0.5 s later) 3000
#        up: history dADa
# In both namespaces, for both: one flow, picked_up true, client = the
# endpoint with the higher port (the client's ephemeral port, > 5001),
# whoever sent the first packet flowmon saw; ESTABLISHED both ways; no isn,
# mss, wscale or handshake RTT, sack_perm false; snd_nxt and max_ack as the
# client socket has them (TCP_REPAIR); and, the traffic being legitimate,
# no out-of-window or unexpected segment either way.
# A slow machine may resend what was not lost (tail loss probe, RTO). So
# each endpoint prints its TCP_INFO before the load, after the exchange and
# at the end, and per direction retrans == the sender's tcpi_total_retrans
# since the load, retrans_bytes == its tcpi_bytes_retrans since, payload ==
# the bytes sent after the load plus those; the history is the one above
# with T (client) and t (server) retransmission letters added: none for a
# side that resent nothing, else 1 (1 to 1 + log10(segments resent):
# flowmon writes one at the 1st, 10th, 100th... resent packet), none
# before that side's first D or d.
# Then the clients close first (shutdown; each server shuts down once it
# read the FIN), and in the client netns: TIME-WAIT/CLOSED, history DadAFf
# and dADaFf: the history seen open, then Ff with a new T only after the
# F, a t only after the f (by then only FINs can be resent), counters as
# above up to the end, state_since == last_seen. Two things follow from a
# resent FIN: if the server resent its FIN, the client's TIME-WAIT
# acknowledges it again, after the server's socket is gone, which answers
# with a RST: CLOSED/CLOSED, the history ends in r, and state_since ==
# last_seen only if there was one such RST (one FIN resent); if the client
# resent its FIN, the server may acknowledge it again after the client
# acknowledged the server's FIN, which flowmon counts as unexpected down
# (at most once per FIN resent). The client netns' timeouts are an hour,
# so that a CLOSED record does not expire before it is looked at.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_rmmod
SHOW_FLOWS_ON_FAIL=1
setup_pair

D=$TMPD

# tcpi_vars TAG NAME...: TR[NAME.TAG] and BR[NAME.TAG], the tcpi_total_retrans
# and tcpi_bytes_retrans of each endpoint NAME's info:TAG line (one python
# run); its tcpi_bytes_sent must be the bytes it sent plus tcpi_bytes_retrans.
declare -A TR BR
tcpi_vars()
{
	local tag=$1 out
	shift
	out=$($PY -c '
import json, sys
d, tag = sys.argv[1], sys.argv[2]
for name in sys.argv[3:]:
    for line in open("%s/%s.out" % (d, name)):
        o = json.loads(line)
        if o.get("tag") == tag:
            break
    else:
        sys.exit("%s.out: no line tagged %s" % (name, tag))
    if o["bytes_sent"] != o["sent"] + o["bytes_retrans"]:
        sys.exit("%s %s: tcpi_bytes_sent %d != %d sent + tcpi_bytes_retrans %d"
                 " (wrong struct tcp_info layout?)" % (name, tag,
                 o["bytes_sent"], o["sent"], o["bytes_retrans"]))
    print("TR[%s.%s]=%d BR[%s.%s]=%d" % (name, tag, o["total_retrans"],
                                         name, tag, o["bytes_retrans"]))
' "$D" "$tag" "$@") || die "tcpi_vars $tag $*"
	eval "$out"
}

# history_check DESC HISTORY BASE CLIENT_SEGS SERVER_SEGS [OPEN]: HISTORY
# without its T and t letters must be BASE; T letters: none if the client
# resent no segment since the load (CLIENT_SEGS, from its TCP_INFO), else 1
# to 1 + log10(CLIENT_SEGS); t the same for the server. With OPEN, HISTORY
# must start with it. In the rest (all of HISTORY without OPEN) no T may come
# before the first D or F, no t before the first d or f: a retransmission
# follows what it resends. If BASE ends with a RST (r), so must HISTORY.
history_check()
{
	local desc=$1 h=$2 base=$3 cseg=$4 sseg=$5 open=${6-}
	local new=$2 bad=() l segs side n lead first counts=
	if [ -n "$open" ]; then
		new=${h#"$open"}
		[ "$new" != "$h" ] || bad+=("does not start with $open, as seen open")
	fi
	[ "${h//[tT]/}" = "$base" ] || bad+=("${h//[tT]/} without its t and T, not $base")
	for l in T t; do
		case $l in
		T) segs=$cseg side=client first="D or F" lead=${new%%[DF]*} ;;
		t) segs=$sseg side=server first="d or f" lead=${new%%[df]*} ;;
		esac
		n=${h//[!$l]/}
		n=${#n}
		counts+="${counts:+, }$n $l ($segs segments resent by the $side)"
		if [ "$segs" -eq 0 ]; then
			[ "$n" -eq 0 ] || bad+=("$n $l, but the $side resent nothing")
		elif [ "$n" -lt 1 ] || [ "$n" -gt "${#segs}" ]; then
			bad+=("$n $l, want 1 to ${#segs} for $segs segments the $side resent")
		fi
		[ -z "${lead//[!$l]/}" ] || bad+=("a $l before the first $first of ${new}")
	done
	case $base in
	*r) [ "${h: -1}" = r ] || bad+=("the RST (r) is not last") ;;
	esac
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$desc: $h is $base with $counts${open:+, after $open as seen open}"
	else
		fail "$desc: $h: $(IFS=';'; echo "${bad[*]}")"
	fi
}

# retrans_between PORT FROM TO: CR/CB, SR/SB: the segments and bytes the
# client and the server of PORT resent between their info:FROM and info:TO.
retrans_between()
{
	CR=$((TR[c$1.$3] - TR[c$1.$2]))
	CB=$((BR[c$1.$3] - BR[c$1.$2]))
	SR=$((TR[s$1.$3] - TR[s$1.$2]))
	SB=$((BR[s$1.$3] - BR[s$1.$2]))
}

# log_retrans FROM TO: what was resent between info:FROM and info:TO
log_retrans()
{
	local p
	for p in 5000 5001; do
		retrans_between $p "$1" "$2"
		log "$p, info:$1 to info:$2: the client resent $CR segments ($CB bytes), the server $SR ($SB bytes)"
	done
}

log "flowmon unloaded: connect to ports 5000 and 5001, 1000 bytes each way"
tcp_listen_start s5000 5000 recv:1000 send:1000 acked info:pre \
	touch:"$D/s5000-pre" recv:2000 sleep:0.5 send:3000 acked info:open \
	touch:"$D/s5000-post" eof shutdown acked info:end close
srv1=$BG_PID
tcp_listen_start s5001 5001 recv:1000 send:1000 acked info:pre \
	touch:"$D/s5001-pre" wait:"$D/go" send:2000 acked recv:3000 sleep:0.5 \
	info:open touch:"$D/s5001-post" eof shutdown acked info:end close
srv2=$BG_PID
wait_listen "$NS_S" tcp 5000
wait_listen "$NS_S" tcp 5001
tcp_connect c5000 $S4 5000 send:1000 recv:1000 acked sleep:0.5 info:pre \
	touch:"$D/c5000-pre" wait:"$D/go" send:2000 recv:3000 acked sleep:0.5 \
	seqs:post info:open touch:"$D/c5000-post" wait:"$D/release" \
	shutdown eof info:end close
cli1=$BG_PID
tcp_connect c5001 $S4 5001 send:1000 recv:1000 acked sleep:0.5 info:pre \
	touch:"$D/c5001-pre" recv:2000 sleep:0.5 send:3000 acked sleep:0.3 \
	seqs:post info:open touch:"$D/c5001-post" wait:"$D/release" \
	shutdown eof info:end close
cli2=$BG_PID
for p in 5000 5001; do
	wait_file 60 "$D/s$p-pre" s$p c$p
	wait_file 60 "$D/c$p-pre" s$p c$p
done

log "load flowmon; 5000: 2000 bytes up, 3000 down; 5001: 2000 down, 3000 up"
flowmon_insmod
long_timeouts "$NS_C"
touch "$D/go"
declare -A LPORT WSEQ RNXT UP DOWN HOPEN
UP=([5000]=2000 [5001]=3000)
DOWN=([5000]=3000 [5001]=2000)
for p in 5000 5001; do
	wait_file 60 "$D/c$p-post" s$p c$p
	wait_file 60 "$D/s$p-post" s$p c$p
	json_vars c$p post local_port write_seq rcv_nxt
	LPORT[$p]=$J_local_port
	WSEQ[$p]=$J_write_seq
	RNXT[$p]=$J_rcv_nxt
	[ "$J_local_port" -gt 5001 ] ||
		die "the client's ephemeral port $J_local_port is not above 5001"
	log "$p: client port $J_local_port; client socket: write_seq $J_write_seq rcv_nxt $J_rcv_nxt"
done
tcpi_vars pre c5000 s5000 c5001 s5001
tcpi_vars open c5000 s5000 c5001 s5001

log_retrans pre open

# picked_checks PORT: the expectations of PORT's flow while open
picked_checks()
{
	local p=$1
	retrans_between "$p" pre open
	PICKED=(client="$C4" client_port="${LPORT[$p]}" server="$S4" \
		picked_up=true state=ESTABLISHED client_state=ESTABLISHED \
		server_state=ESTABLISHED \
		payload_up="$((UP[$p] + CB))" payload_down="$((DOWN[$p] + SB))" \
		retrans_up="$CR" retrans_down="$SR" \
		retrans_bytes_up="$CB" retrans_bytes_down="$SB" \
		isn_up=@absent isn_down=@absent mss_up=@absent mss_down=@absent \
		wscale_up=@absent wscale_down=@absent rtt_us=@absent \
		rtt_syn_us=@absent rtt_ack_us=@absent \
		sack_perm_up=false sack_perm_down=false \
		snd_nxt_up="${WSEQ[$p]}" max_ack_down="${WSEQ[$p]}" \
		snd_nxt_down="${RNXT[$p]}" max_ack_up="${RNXT[$p]}" \
		unexpected_up=0 unexpected_down=0 \
		out_of_window_up=0 out_of_window_down=0)
}

F="family=ipv4,proto=tcp"
for ns in "$NS_C" "$NS_S"; do
	f="$D/open-${ns%_*}.json"
	snap "$ns" "$f"
	expect_eq "TCP flows in $ns" 2 "$(flowq count "$f" proto=tcp)"
	picked_checks 5000
	args=(-- "$ns: 5000, the client spoke first: picked up, the higher port is the client, ESTABLISHED, counters" \
		"$F,server_port=5000" "${PICKED[@]}")
	picked_checks 5001
	args+=(-- "$ns: 5001, the server spoke first: picked up, the higher port is the client, ESTABLISHED, counters" \
		"$F,server_port=5001" "${PICKED[@]}")
	check_flows "$f" "${args[@]}"
	for p in 5000 5001; do
		if [ $p = 5000 ]; then h=DadA; else h=dADa; fi
		retrans_between "$p" pre open
		got=$(flowq get "$f" "$F,server_port=$p" history) || got="<no single flow>"
		if [ "$ns" = "$NS_C" ]; then
			HOPEN[$p]=$got
		fi
		history_check "$ns: $p, history $h" "$got" "$h" "$CR" "$SR"
	done
done

log "the clients close first"
touch "$D/release"
wait_done 60 c5000 "$cli1"
wait_done 60 c5001 "$cli2"
wait_done 60 s5000 "$srv1"
wait_done 60 s5001 "$srv2"
tcpi_vars end c5000 s5000 c5001 s5001
log_retrans open end
declare -A HCLOSE
args=()
for p in 5000 5001; do
	if [ $p = 5000 ]; then h=DadAFf; else h=dADaFf; fi
	# What the FINs resent (info:open to info:end) imply, see the top.
	retrans_between "$p" open end
	unexp_down=$(seq -s '|' 0 "$CR")
	if [ "$SR" -eq 0 ]; then
		st=TIME-WAIT/CLOSED cst=TIME-WAIT since=(state_since=@=last_seen)
	else
		st=CLOSED cst=CLOSED h=${h}r since=()
		[ "$SR" -gt 1 ] || since=(state_since=@=last_seen)
		log "$p: the server resent its FIN: a RST from it must end the record"
	fi
	HCLOSE[$p]=$h
	settle_state "$NS_C" $p "$st"
	retrans_between "$p" pre end
	args+=(-- "client netns, $p after the close: $st, counters${since:+, state_since == last_seen}" \
		"$F,server_port=$p" client_port="${LPORT[$p]}" picked_up=true \
		"${since[@]}" state="$st" \
		client_state="$cst" server_state=CLOSED \
		payload_up="$((UP[$p] + CB))" payload_down="$((DOWN[$p] + SB))" \
		retrans_up="$CR" retrans_down="$SR" \
		retrans_bytes_up="$CB" retrans_bytes_down="$SB" \
		snd_nxt_up="$(u32 "${WSEQ[$p]} + 1")" \
		max_ack_down="$(u32 "${WSEQ[$p]} + 1")" \
		snd_nxt_down="$(u32 "${RNXT[$p]} + 1")" \
		max_ack_up="$(u32 "${RNXT[$p]} + 1")" \
		unexpected_up=0 unexpected_down="$unexp_down")
done
f="$D/closed.json"
snap "$NS_C" "$f"
check_flows "$f" "${args[@]}"
for p in 5000 5001; do
	retrans_between "$p" pre end
	got=$(flowq get "$f" "$F,server_port=$p" history) || got="<no single flow>"
	history_check "client netns, $p after the close, history ${HCLOSE[$p]}" \
		"$got" "${HCLOSE[$p]}" "$CR" "$SR" "${HOPEN[$p]}"
done
finish
