#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and truncated packets through the router netns R (see
# lib_router.sh), put on L's link as raw frames (craft.py --tx packet) from
# the virtual client 10.4.0.66 / fd04::66 to 10.3.0.5 / fd03::5.
#
# Some never reach R's netfilter hooks: the kernel's own receive path
# drops them first, and counts them in R's SNMP counters:
#   IPv4 header length 16                  ip_rcv: Ip InHdrErrors
#   IPv4 header checksum wrong             ip_rcv: Ip InHdrErrors, InCsumErrors
#   IPv4 total length beyond the frame     ip_rcv: IpExt InTruncatedPkts
#   IPv6 hop-by-hop header truncated       ipv6_rcv: Ip6InHdrErrors
#   IPv6 payload length beyond the frame   ipv6_rcv: Ip6InTruncatedPkts
# The others have a valid IP header: they pass PRE_ROUTING, where flowmon
# counts each as a parse error, and R forwards them (craft.py sees them
# arrive at P):
#   IPv4: TCP data offset 4; TCP data offset 15 with a 20-byte header; a
#   total length that cuts the TCP header at 12 bytes (the frame has all
#   20); a frame that ends after 12 bytes of TCP header; UDP and ICMP
#   headers of 4 bytes
#   IPv6: TCP data offset 4; a payload length that cuts the TCP header at
#   12 bytes; a destination options header cut to 4 of its 8 bytes; a
#   routing header cut to 1 byte; a complete destination options header
#   followed by a fragment header cut to 4 bytes; a UDP header of 4 bytes
# R's stats: parse_errors +12, exactly the packets that reached the hooks
# (those forwarded), no flow for any of them (no flow of 10.4.0.66 or
# fd04::66, and every flow created meanwhile is in the table), no
# fragments or untracked. Then well-formed UDP and TCP over IPv4 and IPv6
# are counted exactly, and a well-formed IPv6 packet with No Next Header
# (59) is a flow of protocol 59, not a parse error. No kernel warning.

. "$(dirname "$0")/lib_router.sh"

require_root_tools dmesg
flowmon_load
router_setup
klog0=$(dmesg | wc -l)

# "drop": dropped before PRE_ROUTING; "hook": reaches flowmon's hooks.
cat >"$TMPD/malformed.craft" <<'EOF'
snap before
stats before
flow client=10.4.0.66 server=10.3.0.5 cport=41000 sport=80
C S seq=1 ihl=4 nowait                 # drop: IPv4 header length 16
C S seq=1 ipcsum=bad nowait            # drop: IPv4 header checksum
C S seq=1 iplen=200 nowait             # drop: total length 200 > frame
C S seq=1 doff=4 nowait                # hook: TCP data offset 4
C S seq=1 doff=15 nowait               # hook: TCP header 60 > 20 bytes left
C S seq=1 iplen=32 nowait              # hook: total length cuts the TCP header
C S seq=1 cut=12 nowait                # hook: frame ends in the TCP header
C udp len=8 cut=4 nowait               # hook: UDP header 4 bytes
C icmp len=8 cut=4 nowait              # hook: ICMP header 4 bytes
flow client=fd04::66 server=fd03::5
C S seq=1 ext=0 cut=4 nowait           # drop: hop-by-hop header truncated
C S seq=1 iplen=200 nowait             # drop: payload length 200 > frame
C S seq=1 doff=4 nowait                # hook: TCP data offset 4
C S seq=1 iplen=12 nowait              # hook: payload length cuts the TCP header
C S seq=1 ext=60 cut=4 nowait          # hook: destination options cut to 4 bytes
C S seq=1 ext=43 cut=1 nowait          # hook: routing header cut to 1 byte
C S seq=1 ext=60,44 cut=12 nowait      # hook: fragment header cut to 4 bytes
C udp len=8 cut=4 nowait               # hook: UDP header 4 bytes
# Well-formed: counted exactly. Waited for: once they are out of R, so is
# everything sent before them.
flow client=10.4.0.77 server=10.3.0.5 cport=5555 sport=53
C udp len=100
C udp len=100
C udp len=100
flow cport=41001 sport=80
C S seq=1000 mss=1460 ws=7 sackok
flow client=fd04::77 server=fd03::5 cport=5555 sport=53
C udp len=100
C udp len=100
C udp len=100
flow cport=41001 sport=80
C S seq=1000 mss=1460 ws=7 sackok
snap after
stats after
# IPv6, No Next Header: well-formed (RFC 8200 4.7)
C raw proto=59
snap nonext
stats nonext
EOF

rt_snmp "$NS_R" "$TMPD/snmp0"
log "sending the packets from L through R"
craft_run "$TMPD/malformed.craft" --tx packet
rt_snmp "$NS_R" "$TMPD/snmp1"
log "craft.py: $CRAFT_OUT"

hook=$(grep -n 'nowait.*# hook' "$TMPD/malformed.craft" | cut -d: -f1 | paste -sd, -)
drop=$(grep -n 'nowait.*# drop' "$TMPD/malformed.craft" | cut -d: -f1 | paste -sd, -)
nhook=$(grep -c 'nowait.*# hook' "$TMPD/malformed.craft")
expect_eq "script lines of the packets R forwarded" "[${hook//,/, }]" \
	"$(sed -n 's/.*"nowait_forwarded": \(\[[^]]*\]\).*/\1/p' <<<"$CRAFT_OUT")"
expect_eq "script lines of the packets R dropped" "[${drop//,/, }]" \
	"$(sed -n 's/.*"nowait_dropped": \(\[[^]]*\]\).*/\1/p' <<<"$CRAFT_OUT")"

log "R's own counters: why the others never reached netfilter"
for c in Ip:InHdrErrors=2 IpExt:InCsumErrors=1 IpExt:InTruncatedPkts=1 \
	Ip6:Ip6InHdrErrors=1 Ip6:Ip6InTruncatedPkts=1; do
	rt_snmp_delta "$TMPD/snmp0" "$TMPD/snmp1" "${c%=*}"
	expect_eq "R ${c%=*} delta" "${c#*=}" "$FV"
done

log "R's flowmon stats: a parse error for each packet that reached the hooks"
rt_stat_deltas before after parse_errors=$nhook fragments=0 untracked=0

S=$TMPD
for a in 10.4.0.66 fd04::66; do
	rt_count "no flow from $a" "$S/after.json" "client=$a" 0
	rt_count "no flow to $a" "$S/after.json" "server=$a" 0
done
rt_pycheck "every flow created meanwhile is in the table" '
import json
import flowq
b = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
sb = json.load(open(sys.argv[3]))
sa = json.load(open(sys.argv[4]))
new = [f for f in a if f["id"] not in set(g["id"] for g in b)]
gone = set(g["id"] for g in b) - set(f["id"] for f in a)
created = sa["created"] - sb["created"]
destroyed = sa["destroyed"] - sb["destroyed"]
print("# %s - created delta %d == %d new flows in the table"
      % ("ok" if created == len(new) else "not ok", created, len(new)))
print("# %s - destroyed delta %d == %d flows gone from the table"
      % ("ok" if destroyed == len(gone) else "not ok", destroyed, len(gone)))
for f in new:
    print("#   new: " + flowq.brief(f))
' "$S/before.json" "$S/after.json" "$S/before.stats.json" "$S/after.stats.json"

W4="family=ipv4,client=10.4.0.77,server=10.3.0.5"
W6="family=ipv6,client=fd04::77,server=fd03::5"
rt_flow "well-formed UDP over IPv4: 3 x (20 + 8 + 100) bytes" "$S/after.json" \
	"$W4,proto=udp,client_port=5555,server_port=53" state=UNREPLIED \
	packets_up=3 bytes_up=384 payload_up=300 packets_down=0
rt_flow "well-formed TCP SYN over IPv4: 20 + 32 bytes" "$S/after.json" \
	"$W4,proto=tcp,client_port=41001,server_port=80" state=SYN-SENT/SYN-RECEIVED \
	history=S packets_up=1 bytes_up=52 payload_up=0 mss_up=1460 unexpected_up=0
rt_flow "well-formed UDP over IPv6: 3 x (40 + 8 + 100) bytes" "$S/after.json" \
	"$W6,proto=udp,client_port=5555,server_port=53" state=UNREPLIED \
	packets_up=3 bytes_up=444 payload_up=300 packets_down=0
rt_flow "well-formed TCP SYN over IPv6: 40 + 32 bytes" "$S/after.json" \
	"$W6,proto=tcp,client_port=41001,server_port=80" state=SYN-SENT/SYN-RECEIVED \
	history=S packets_up=1 bytes_up=72 payload_up=0 mss_up=1460

log "IPv6 with No Next Header (59) and no payload: a well-formed packet"
rt_stat_deltas after nonext parse_errors=0
rt_flow "a flow of protocol 59: 40 bytes, no payload" "$S/nonext.json" \
	"$W6,proto=59" packets_up=1 bytes_up=40 payload_up=0 state=SEEN

klog=$(dmesg | tail -n +$((klog0 + 1)) | grep -E 'WARNING|BUG|Oops|Call Trace|flowmon' || true)
check "no kernel warning${klog:+: $klog}" [ -z "$klog" ]
rt_finish
