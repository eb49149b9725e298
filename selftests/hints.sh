#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Application hints, with real clients and servers from Debian, each flow
# checked in the client's namespace against what the client itself saw:
#  - DNS (dnsmasq, dig) over UDP and TCP: A and AAAA with the answer dig
#    printed, NXDOMAIN with no answer; l5 dns from the payload, not
#    secured, the query name, type, response code and answer count as dig
#    reports them, a response time above 0 and at most dig's query time;
#  - HTTP (python3 http.server, curl) on port 8081, which no table names:
#    http from the payload, the Host header's name lower-cased, its port
#    cut;
#  - TLS (openssl s_server, curl) on port 4433: tls from the payload,
#    secured, the SNI curl sent;
#  - SSH (sshd, ssh): ssh, secured, no name;
#  - port 443 without payload: tls from the port, secured unknown; port 443
#    with a payload that is not TLS: no l5 at all;
#  - --l5, --secured and --name, alone and with other filters, pick the
#    flows filterref.py picks, and as many as this test made; an unknown
#    protocol is an error that names it;
#  - flowctl monitor: each flow's NEW event carries what its first packet
#    told (a UDP query's name and type), a HINT event follows each payload
#    that told more (a DNS response, a TCP flow's first payload, a port's
#    guess disproved) and no other, and the last of them carries what the
#    list shows; the line format shows the same events;
#  - /proc/net/flowmon's l5, secured and name columns equal the JSON, and
#    no payload here counted as a malformed hint.

. "$(dirname "$0")/lib.sh"

require_root_tools dig dnsmasq curl openssl sshd ssh
flowmon_load
setup_pair --no-ipv6
static_neighbours
# No flow may end before the last dump: the emulator is slow.
long_timeouts "$NS_C"

A4=10.9.8.7
A6=fd00::77

log "monitors in $NS_C, subscribed once they see a flow to a sink, then flush"
udp_server sink sink 7999
bg monj "$NS_C" "$FLOWCTL" -j monitor
MONJ=$BG_PID
bg monl "$NS_C" "$FLOWCTL" monitor
MONL=$BG_PID
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7999 --count 1 --size 1 >/dev/null
subscribed()
{
	has_output monj && has_output monl
}
wait_until 60 subscribed || die "the monitors saw no event"
fc "$NS_C" flush >/dev/null || die "flush"

# dig_case NAME TYPE [+tcp]: one query; sets DIG_STATUS, DIG_ANSWERS,
# DIG_ADDR (the first A/AAAA answered) and DIG_MS from dig's output.
dig_case()
{
	local out
	out=$(ip netns exec "$NS_C" dig @$S4 +tries=1 +time=30 ${3:-} "$1" "$2") ||
		die "dig $* failed: $out"
	DIG_STATUS=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	DIG_ANSWERS=$(sed -n 's/.* ANSWER: \([0-9]*\),.*/\1/p' <<<"$out")
	DIG_ADDR=$(awk '$4 == "A" || $4 == "AAAA" { print $5; exit }' \
		<<<"$(sed -n '/ANSWER SECTION/,/^$/p' <<<"$out")")
	DIG_MS=$(sed -n 's/.*Query time: \([0-9]*\) msec.*/\1/p' <<<"$out")
	[ -n "$DIG_STATUS" ] && [ -n "$DIG_ANSWERS" ] && [ -n "$DIG_MS" ] ||
		die "cannot read dig's output: $out"
}

# check_dns DESC PROTO NAME TYPE: the flow of the last dig_case.
check_dns()
{
	local f="$TMPD/dns-$2-$3-$4.json" addr=@absent us
	snap "$NS_C" "$f"
	[ -n "$DIG_ADDR" ] && addr=$DIG_ADDR
	check_flow "$1: dig says $DIG_STATUS, $DIG_ANSWERS answers, ${DIG_ADDR:-no address}" \
		"$f" "proto=$2,server_port=53,name=$3,dns_qtype=$4" \
		l5=dns l5_source=payload secured=false dns_rcode="$DIG_STATUS" \
		dns_answers="$DIG_ANSWERS" dns_addr="$addr"
	us=$(flowq get "$f" "proto=$2,server_port=53,name=$3,dns_qtype=$4" \
		dns_response_us) || us=0
	check "$1: 0 < dns_response_us $us <= dig's $DIG_MS ms (+1 ms, dig rounds down)" \
		test "$us" -gt 0 -a "$us" -le $(( (DIG_MS + 1) * 1000 ))
}

log "DNS: dnsmasq on $S4:53, authoritative for .test"
bg dnsmasq "$NS_S" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--bind-interfaces --listen-address=$S4 --port=53 --local=/test/ \
	--host-record=www.example.test,$A4,$A6 --log-facility=-
wait_listen "$NS_S" udp 53
wait_listen "$NS_S" tcp 53

dig_case Www.Example.Test A
expect_eq "dig A: answer" "$A4" "$DIG_ADDR"
check_dns "DNS over UDP, A" udp www.example.test A
dig_case www.example.test AAAA
expect_eq "dig AAAA: answer" "$A6" "$DIG_ADDR"
check_dns "DNS over UDP, AAAA" udp www.example.test AAAA
dig_case nothing.example.test A
expect_eq "dig NXDOMAIN: status" NXDOMAIN "$DIG_STATUS"
check_dns "DNS over UDP, NXDOMAIN" udp nothing.example.test A
dig_case www.example.test A +tcp
check_dns "DNS over TCP, A" tcp www.example.test A

log "HTTP: python3 http.server on $S4:8081, Host: Www.Example.TEST:8081"
bg httpd "$NS_S" $PY -m http.server 8081 --bind $S4 --directory "$TMPD"
wait_listen "$NS_S" tcp 8081
ip netns exec "$NS_C" curl -sf -o /dev/null -H "Host: Www.Example.TEST:8081" \
	http://$S4:8081/ || die "curl over HTTP failed"
f=$TMPD/http.json
snap "$NS_C" "$f"
check_flow "HTTP on a port no table names" "$f" "proto=tcp,server_port=8081" \
	l5=http l5_source=payload secured=false name=www.example.test

log "TLS: openssl s_server on $S4:4433, curl with SNI tls.example.test"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=tls.example.test \
	-keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" -days 1 2>/dev/null ||
	die "cannot make a certificate"
bg tlsd "$NS_S" openssl s_server -accept 4433 -cert "$TMPD/cert.pem" \
	-key "$TMPD/key.pem" -www -quiet
wait_listen "$NS_S" tcp 4433
ip netns exec "$NS_C" curl -sfk -o /dev/null \
	--resolve tls.example.test:4433:$S4 https://tls.example.test:4433/ ||
	die "curl over TLS failed"
f=$TMPD/tls.json
snap "$NS_C" "$f"
check_flow "TLS on a port no table names" "$f" "proto=tcp,server_port=4433" \
	l5=tls l5_source=payload secured=true name=tls.example.test

log "SSH: sshd on $S4:2222, ssh without credentials"
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/hostkey" || die "ssh-keygen failed"
mkdir -p /run/sshd
bg sshd "$NS_S" /usr/sbin/sshd -D -e -f /dev/null -h "$TMPD/hostkey" \
	-o ListenAddress=$S4:2222 -o PidFile=none
wait_listen "$NS_S" tcp 2222
ip netns exec "$NS_C" ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=60 -p 2222 \
	nobody@$S4 true 2>/dev/null || true
f=$TMPD/ssh.json
snap "$NS_C" "$f"
check_flow "SSH on port 2222" "$f" "proto=tcp,server_port=2222" \
	l5=ssh l5_source=payload secured=true name=@absent

log "port 443: a connection without payload, then one with 100 bytes of 'x'"
tcp_server empty443 443 0 0
bg empty443c "$NS_C" $TRAFFIC tcp-client $S4 443 --send 0 --recv 0
bg_wait "$BG_PID" 60 || die "the empty connection to 443 failed"
f=$TMPD/empty443.json
snap "$NS_C" "$f"
check_flow "port 443, no payload: the port's guess, security unknown" "$f" \
	"proto=tcp,server_port=443,client_port=$(json_field empty443c local_port)" \
	l5=tls l5_source=port secured=@absent
tcp_server x443 443 100 0
bg x443c "$NS_C" $TRAFFIC tcp-client $S4 443 --send 100 --recv 0
bg_wait "$BG_PID" 60 || die "the connection to 443 failed"
f=$TMPD/x443.json
snap "$NS_C" "$f"
check_flow "port 443, a payload that is not TLS: no hint" "$f" \
	"proto=tcp,server_port=443,client_port=$(json_field x443c local_port)" \
	l5=@absent l5_source=@absent secured=@absent name=@absent

log "the monitors' events of each flow, against the list"
snap "$NS_C" "$TMPD/events-list.json"
bg_stop "$MONJ"
bg_stop "$MONL"
out=$($PY - "$TMPD" <<'PYEOF'
import json, sys
d = sys.argv[1]
flows = json.load(open(d + "/events-list.json"))
events = [json.loads(l) for l in open(d + "/monj.out")]
lines = [l.split() for l in open(d + "/monl.out")]
APP = ["l5", "l5_source", "secured", "name", "dns_qtype", "dns_rcode",
       "dns_answers", "dns_addr", "dns_response_us"]

def check(what, ok, detail=""):
    print("%s - %s%s" % ("ok" if ok else "not ok", what,
                         "" if ok else ": " + str(detail)))

def app(e):
    return {k: e.get(k) for k in APP}

def port(p, n):
    return lambda f: f["proto"] == p and f["server_port"] == n

# What each flow's payloads told after its first packet.
HINTS = [("DNS over UDP (3 flows): the response", port("udp", 53), 3, 1),
         ("DNS over TCP: the query, the response", port("tcp", 53), 1, 2),
         ("HTTP: the request", port("tcp", 8081), 1, 1),
         ("TLS: the ClientHello", port("tcp", 4433), 1, 1),
         ("SSH: the first banner", port("tcp", 2222), 1, 1),
         ("port 443: the guess disproved, or no payload", port("tcp", 443), 2, None)]
for what, match, n, hints in HINTS:
    mine = [f for f in flows if match(f)]
    check("%s: %d flows listed" % (what, n), len(mine) == n, len(mine))
    for f in mine:
        ev = [e for e in events if e["id"] == f["id"]]
        kinds = [e["event"] for e in ev if e["event"] in ("new", "hint")]
        want = hints if hints is not None else (1 if f["payload_up"] else 0)
        check("%s, flow %d: new, then %d hint events" % (what, f["id"], want),
              kinds == ["new"] + ["hint"] * want, kinds)
        told = [e for e in ev if e["event"] in ("new", "hint")]
        if told:
            check("%s, flow %d: the last event carries what the list shows"
                  % (what, f["id"]), app(told[-1]) == app(f),
                  "%s vs %s" % (app(told[-1]), app(f)))
check("every flow listed is one of those", len(flows) == sum(h[2] for h in HINTS),
      [(f["proto"], f["server_port"]) for f in flows])
for f in filter(port("udp", 53), flows):
    new = [e for e in events if e["id"] == f["id"] and e["event"] == "new"]
    check("DNS over UDP, flow %d: new carries the query's name and type, no response"
          % f["id"], new and (new[0].get("name"), new[0].get("dns_qtype"),
                               new[0].get("dns_rcode")) ==
          (f["name"], f["dns_qtype"], None), new)
tags = {"new": "[NEW]", "state": "[STATE]", "hint": "[HINT]", "destroy": "[DESTROY]"}
check("the line format shows the same events as -j, tag for tag",
      [l[0] for l in lines] == [tags[e["event"]] for e in events],
      "%d lines, %d events" % (len(lines), len(events)))
http = [l for l in lines if l[0] == "[HINT]" and ":8081" in l[4]]
check("the line of HTTP's hint ends in l5=http name=www.example.test",
      len(http) == 1 and http[0][-2:] == ["l5=http", "name=www.example.test"], http)
PYEOF
) || die "checking the events: python failed"
report_checks <<<"$out"

# filter_case N OPTION...: flowctl -j list with the options picks exactly
# the flows filterref.py picks from $TMPD/full.json, and N of them.
filter_case()
{
	local n=$1 out
	shift
	fc "$NS_C" -j list "$@" >"$TMPD/filtered.json" ||
		die "flowctl -j list $* failed"
	out=$($PY - "$SELFTEST_DIR" "$TMPD/full.json" "$TMPD/filtered.json" \
		"$n" "$@" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import filterref
full, got = (json.load(open(p)) for p in sys.argv[2:4])
n, opts = int(sys.argv[4]), sys.argv[5:]
conds = filterref.parse(opts)
want = sorted(f["id"] for f in full if all(c(f, 0) for c in conds))
got = sorted(f["id"] for f in got)
print("%s - list %s: %d flows, filterref.py's %d, %d expected"
      % ("ok" if got == want and len(got) == n else "not ok",
         " ".join(opts), len(got), len(want), n))
PYEOF
)
	case $out in
	ok*) ok "${out#ok - }" ;;
	*) fail "${out#not ok - }" ;;
	esac
}

log "filters on what flows are, against filterref.py"
snap "$NS_C" "$TMPD/full.json"
filter_case 4 --l5 dns
filter_case 1 --l5 dns -p tcp
filter_case 2 --l5 tls
filter_case 2 --secured yes
filter_case 5 --secured no
filter_case 4 --name www.example.test
filter_case 6 --name '*.EXAMPLE.test'
filter_case 1 --name 'tls.*'
filter_case 3 --name '*.example.test' --l5 dns -p udp --dport 53
snap "$NS_C" "$TMPD/full2.json"
check "the table did not change during the filtered dumps" \
	cmp -s "$TMPD/full.json" "$TMPD/full2.json"
if out=$(fc "$NS_C" list --l5 nosuch 2>&1); then
	fail "--l5 nosuch succeeded"
else
	check "--l5 nosuch: an error that says why ($out)" \
		grep -q "unknown application protocol" <<<"$out"
fi

log "/proc/net/flowmon against flowctl -j list, once the table is still"
for i in 1 2 3 4 5; do
	snap "$NS_C" "$TMPD/all.json"
	ip netns exec "$NS_C" cat /proc/net/flowmon >"$TMPD/proc.txt"
	snap "$NS_C" "$TMPD/all2.json"
	cmp -s "$TMPD/all.json" "$TMPD/all2.json" && break
done
check "/proc's l5, secured and name columns equal the JSON" \
	flowq proc-vs-json "$TMPD/proc.txt" "$TMPD/all.json"
stats_json "$NS_C" "$TMPD/stats.json"
json_vars_file "$TMPD/stats.json" hints_malformed hints_lost
expect_eq "hints_malformed" 0 "$J_hints_malformed"
expect_eq "hints_lost" 0 "$J_hints_lost"
finish
