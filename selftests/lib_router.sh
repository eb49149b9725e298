# SPDX-License-Identifier: GPL-2.0
# Router topology helpers for the flowmon selftests: flowmon as an on-path
# observer. Source it instead of lib.sh (it sources lib.sh, and uses it
# read-only):
#
#	. "$(dirname "$0")/lib_router.sh"
#
#   $NS_L  veth_l 10.1.0.2/24 fd01::2/64 --- veth_rl 10.1.0.1 fd01::1  $NS_R
#   $NS_P  veth_p 10.2.0.2/24 fd02::2/64 --- veth_rp 10.2.0.1 fd02::1  $NS_R
#
# R forwards (IPv4 and IPv6, rp_filter off), L and P do not. Virtual
# endpoints that no stack owns: the client 10.4.0.5 / fd04::5 behind L and
# the server 10.3.0.5 / fd03::5 behind P (R routes 10.4.0.0/24 and fd04::/64
# via L, 10.3.0.0/24 and fd03::/64 via P; L and P route everything via R).
# Packets R hands to L or P for those addresses are dropped there, silently
# (no forwarding, not a local address). MACs are fixed and neighbour
# entries static: no ARP or neighbour discovery. craft.py sends the virtual
# endpoints' packets (craft_run); R's flow table is the one under test.
#
# Helper names start with rt_ (or router_, craft_): lib.sh is shared.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# -I -S: no site initialisation, which costs under emulation (stdlib only).
CRAFT="$PY -I -S $SELFTEST_DIR/craft.py"

NS_L=ns_left_$$
NS_R=ns_router_$$
NS_P=ns_right_$$
L4=10.1.0.2
RL4=10.1.0.1
P4=10.2.0.2
RP4=10.2.0.1
L6=fd01::2
RL6=fd01::1
P6=fd02::2
RP6=fd02::1
VC4=10.4.0.5
VS4=10.3.0.5
VC6=fd04::5
VS6=fd03::5
MAC_L=02:00:00:00:01:02
MAC_RL=02:00:00:00:01:01
MAC_P=02:00:00:00:02:02
MAC_RP=02:00:00:00:02:01
RT_V6=1
RT_PARAMS=

# router_setup [noipv6]: the three namespaces, links, addresses, routes and
# static neighbours. With noipv6, IPv6 is disabled in all three (no MLD or
# other IPv6 packets in R's table). Few commands: each costs under emulation.
router_setup()
{
	local v6=1 ns
	[ "${1:-}" = noipv6 ] && v6=
	RT_V6=$v6
	for ns in "$NS_L" "$NS_R" "$NS_P"; do
		netns_make "$ns"
		if [ -z "$v6" ]; then
			rt_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 \
				net.ipv6.conf.lo.disable_ipv6=1
		fi
	done
	ip link add veth_l netns "$NS_L" address $MAC_L type veth \
		peer name veth_rl netns "$NS_R" address $MAC_RL ||
		die "creating the L-R veth pair"
	ip link add veth_p netns "$NS_P" address $MAC_P type veth \
		peer name veth_rp netns "$NS_R" address $MAC_RP ||
		die "creating the P-R veth pair"

	# R forwards whatever it gets, whatever the source address; L and P
	# never forward.
	rt_sysctl "$NS_R" net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.veth_rl.rp_filter=0 \
		net.ipv4.conf.veth_rp.rp_filter=0 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 \
		${v6:+net.ipv6.conf.all.forwarding=1}
	for ns in "$NS_L" "$NS_P"; do
		rt_sysctl "$ns" net.ipv4.ip_forward=0 \
			${v6:+net.ipv6.conf.all.forwarding=0}
	done

	rt_ip "$NS_L" <<-EOF
		addr add $L4/24 dev veth_l
		${v6:+addr add $L6/64 dev veth_l nodad}
		link set veth_l up
		route add default via $RL4
		${v6:+route add ::/0 via $RL6}
		neigh replace $RL4 lladdr $MAC_RL dev veth_l nud permanent
		${v6:+neigh replace $RL6 lladdr $MAC_RL dev veth_l nud permanent}
	EOF
	rt_ip "$NS_P" <<-EOF
		addr add $P4/24 dev veth_p
		${v6:+addr add $P6/64 dev veth_p nodad}
		link set veth_p up
		route add default via $RP4
		${v6:+route add ::/0 via $RP6}
		neigh replace $RP4 lladdr $MAC_RP dev veth_p nud permanent
		${v6:+neigh replace $RP6 lladdr $MAC_RP dev veth_p nud permanent}
	EOF
	rt_ip "$NS_R" <<-EOF
		addr add $RL4/24 dev veth_rl
		addr add $RP4/24 dev veth_rp
		${v6:+addr add $RL6/64 dev veth_rl nodad}
		${v6:+addr add $RP6/64 dev veth_rp nodad}
		link set veth_rl up
		link set veth_rp up
		route add 10.4.0.0/24 via $L4
		route add 10.3.0.0/24 via $P4
		${v6:+route add fd04::/64 via $L6}
		${v6:+route add fd03::/64 via $P6}
		neigh replace $L4 lladdr $MAC_L dev veth_rl nud permanent
		neigh replace $P4 lladdr $MAC_P dev veth_rp nud permanent
		${v6:+neigh replace $L6 lladdr $MAC_L dev veth_rl nud permanent}
		${v6:+neigh replace $P6 lladdr $MAC_P dev veth_rp nud permanent}
	EOF
	wait_until 20 router_ready || die "the router's links did not come up"
}

# rt_sysctl NS KEY=VALUE...
rt_sysctl()
{
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@" >/dev/null || die "sysctl in $ns: $*"
}

# rt_ip NS: the `ip` commands on stdin (one per line, blank lines skipped)
# in NS, as one process.
rt_ip()
{
	local out
	grep -v '^[[:space:]]*$' >"$TMPD/ip.batch" || true
	out=$(ip -n "$1" -batch "$TMPD/ip.batch" 2>&1) ||
		die "ip -batch in $1: $out (commands: $(tr '\n' ';' <"$TMPD/ip.batch"))"
}

router_ready()
{
	local ns n want
	for ns in "$NS_L" "$NS_R" "$NS_P"; do
		want=1
		[ "$ns" = "$NS_R" ] && want=2
		n=$(ip -n "$ns" -o link show up type veth | grep -c 'state UP' || true)
		[ "$n" -eq $want ] || return 1
		if [ -n "$RT_V6" ] && [ -n "$(ip -n "$ns" -6 -o addr show tentative)" ]; then
			return 1
		fi
	done
}

# craft_run SCRIPT [craft.py run options]: send SCRIPT's packets; the output
# of its "snap NAME" / "stats NAME" lines (R's table) lands in
# $TMPD/NAME.json / $TMPD/NAME.stats.json, craft.py's summary in $CRAFT_OUT.
craft_run()
{
	local script=$1
	shift
	if ! CRAFT_OUT=$($CRAFT run --client-ns "$NS_L" --server-ns "$NS_P" \
		--client-dev veth_l --server-dev veth_p \
		--client-mac $MAC_L --server-mac $MAC_P \
		--client-gw-mac $MAC_RL --server-gw-mac $MAC_RP \
		--client $VC4 --server $VS4 --observer "$NS_R" \
		--flowctl "$FLOWCTL" --outdir "$TMPD" "$@" "$script" \
		2>"$TMPD/craft.err"); then
		die "craft.py run $(basename "$script"): $(cat "$TMPD/craft.err")"
	fi
}

# rt_gone PID: the background process has exited (gone, or a zombie); no
# external command per poll, unlike lib.sh's proc_gone.
rt_gone()
{
	local st rest
	[ -r "/proc/$1/stat" ] || return 0
	read -r _ _ st rest <"/proc/$1/stat" 2>/dev/null || return 0
	[ "$st" = Z ]
}

# Statistics --------------------------------------------------------------------

# rt_stats NS NAME: `flowctl stats -j` of NS into $TMPD/NAME.stats.json
rt_stats()
{
	unset "RT_STATS[$2.@]"
	fc "$1" stats -j >"$TMPD/$2.stats.json" 2>"$TMPD/$2.stats.err" ||
		die "flowctl stats -j in $1 failed: $(cat "$TMPD/$2.stats.err")"
}

# rt_stat NAME KEY: a counter of the saved `flowctl stats -j` NAME (from
# rt_stats or craft.py's "stats NAME"), in $FV: a top-level key or
# tcp_states.STATE. Dies when it is missing. Each file is read once, by
# one awk (an object of numbers and the tcp_states object of numbers).
declare -A RT_STATS
rt_stat()
{
	local f="$TMPD/$1.stats.json" k v
	if [ -z "${RT_STATS[$1.@]+x}" ]; then
		[ -r "$f" ] || die "no saved stats $f"
		while read -r k v; do
			RT_STATS[$1.$k]=$v
		done < <(awk '{ s = s $0 } END {
			gsub(/[ \t\r]/, "", s)
			while (match(s, /"[^"]*":(\{|-?[0-9]+)|\}/)) {
				t = substr(s, RSTART, RLENGTH)
				s = substr(s, RSTART + RLENGTH)
				if (t == "}") {
					pre = ""
					continue
				}
				i = index(t, "\":")
				k = substr(t, 2, i - 2)
				v = substr(t, i + 2)
				if (v == "{")
					pre = k "."
				else
					print pre k, v
			}
		}' "$f")
		RT_STATS[$1.@]=1
	fi
	FV=${RT_STATS[$1.$2]-}
	[ -n "$FV" ] || die "no $2 in $f: $(head -c 400 "$f")"
}

# rt_stat_deltas BEFORE AFTER KEY=EXPECTED...: each counter's increase from
# the saved stats BEFORE to AFTER must be exactly EXPECTED; a check each.
rt_stat_deltas()
{
	local before=$1 after=$2 exp key b
	shift 2
	for exp in "$@"; do
		key=${exp%%=*}
		rt_stat "$before" "$key"
		b=$FV
		rt_stat "$after" "$key"
		if [ $((FV - b)) -eq "${exp#*=}" ]; then
			ok "stats $key delta == ${exp#*=}"
		else
			fail "stats $key delta: expected ${exp#*=}, got $((FV - b)) ($b -> $FV)"
		fi
	done
}

# rt_flood_stats BEFORE AFTER MAX SYNS: a flood of SYNS new flows between
# rt_stats snapshots BEFORE and AFTER filled R's table of MAX: active ==
# MAX == created - destroyed, every SYN created a flow, each beyond the
# free slots evicting an embryonic one; nothing untracked, expired,
# evicted closed or reused.
rt_flood_stats()
{
	local before=$1 after=$2 max=$3 syns=$4 active0 active created
	rt_stat "$before" active
	active0=$FV
	rt_stat "$after" active
	active=$FV
	expect_eq "active after the flood" "$max" "$active"
	rt_stat "$after" created
	created=$FV
	rt_stat "$after" destroyed
	expect_eq "created - destroyed ($created - $FV)" "$active" $((created - FV))
	rt_stat_deltas "$before" "$after" created="$syns" \
		evicted_embryonic=$((syns - (max - active0))) untracked=0 \
		evicted_closed=0 expired=0 reused=0
}

# rt_snmp NS FILE: the IP counters of NS (/proc/net/snmp, netstat, snmp6) as
# "Group:Name value" lines (Ip:InHdrErrors, IpExt:InCsumErrors, Udp:NoPorts,
# Ip6:Ip6InHdrErrors, Udp6:Udp6NoPorts ...) into FILE.
rt_snmp()
{
	ip netns exec "$1" cat /proc/net/snmp /proc/net/netstat /proc/net/snmp6 \
		>"$2.raw" || die "reading /proc/net/snmp* in $1"
	awk 'NF == 2 && match($1, /^(Ip6|Icmp6|Udp6|UdpLite6)/) {
		print substr($1, 1, RLENGTH) ":" $1, $2
		next
	}
	{
		if ($1 in hdr) {
			g = substr($1, 1, length($1) - 1)
			for (i = 2; i <= NF; i++)
				print g ":" name[$1, i], $i
			delete hdr[$1]
		} else {
			hdr[$1] = 1
			for (i = 2; i <= NF; i++)
				name[$1, i] = $i
		}
	}' "$2.raw" >"$2"
}

# rt_snmp_delta BEFORE AFTER NAME: the increase of one rt_snmp counter, in $FV
rt_snmp_delta()
{
	local b a
	b=$(awk -v k="$3" '$1 == k { print $2 }' "$1")
	a=$(awk -v k="$3" '$1 == k { print $2 }' "$2")
	[ -n "$b" ] && [ -n "$a" ] || die "no counter $3 in $1 / $2"
	FV=$((a - b))
}

# Module parameters ---------------------------------------------------------------

# rt_reload PARAM=VALUE...: reload flowmon.ko with module parameters; it is
# loaded again without them when the test ends (rt_restore, also on abort).
rt_reload()
{
	local err
	[ -f "$FLOWMON_KO" ] || die "module not built: $FLOWMON_KO"
	if module_loaded; then
		err=$(rmmod flowmon 2>&1) || die "rmmod flowmon: $err"
	fi
	RT_PARAMS="$*"
	if ! err=$(insmod "$FLOWMON_KO" "$@" 2>&1); then
		dmesg | tail -n 20 | sed 's/^/#   dmesg: /'
		die "insmod flowmon.ko $*: $err"
	fi
	module_loaded || die "flowmon not in /sys/module after insmod $*"
	log "loaded flowmon.ko $*"
}

# rt_restore: `insmod flowmon.ko` without parameters, as the other tests
# expect to find it; non-zero on failure.
rt_restore()
{
	[ -n "$RT_PARAMS" ] || return 0
	RT_PARAMS=
	if module_loaded; then
		rmmod flowmon || return 1
	fi
	insmod "$FLOWMON_KO" || return 1
	log "loaded flowmon.ko again without parameters"
}

# When a test ends early, still restore the plain module; then lib.sh's
# cleanup, with the exit status.
router_exit()
{
	local rc=$?
	set +eE
	trap - ERR
	if [ -n "$RT_PARAMS" ] && ! rt_restore; then
		echo "# not ok - loading flowmon.ko again without parameters"
		rc=$ksft_fail
	fi
	(exit "$rc")
	cleanup
}
trap router_exit EXIT

# Checks --------------------------------------------------------------------------

# rt_tally OUTPUT RC DESC: print OUTPUT, count its ok / not ok lines.
rt_tally()
{
	[ -n "$1" ] && echo "$1"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$1" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$1" || true)))
	if [ "$2" -ne 0 ] && ! grep -q '^# not ok - ' <<<"$1"; then
		fail "$3: checker exited $2"
	fi
	return 0
}

# rt_pycheck DESC PYTHON ARGS...: queue a check in python (see rt_flush):
# the code PYTHON runs with sys.argv[1:] = ARGS and prints "# ok - ..." /
# "# not ok - ..." lines, each counted as a check. It can import flowq.
rt_pycheck()
{
	local desc=$1 n
	RT_PY=$((RT_PY + 1))
	n=$TMPD/check$RT_PY.py
	printf '%s\n' "$2" >"$n"
	shift 2
	rt_queue py "$desc" "$n" "$@"
}
RT_PY=0

# rt_flows_same DESC BEFORE AFTER FILTER N: the N flows matching FILTER in
# BEFORE are all in AFTER with the same ids, client_state and server_state,
# and AFTER has no other flows matching FILTER.
rt_flows_same()
{
	rt_pycheck "$1" '
import json
import flowq
b = flowq.select(json.load(open(sys.argv[1])), sys.argv[3])
a = flowq.select(json.load(open(sys.argv[2])), sys.argv[3])
n = int(sys.argv[4])
def key(f):
    return (f["id"], f["client"], f["client_port"], f["server"],
            f["server_port"], f.get("client_state"), f.get("server_state"))
kb = sorted(map(key, b))
ka = sorted(map(key, a))
print("# %s - %d flows match %s before%s" % ("ok" if len(b) == n else "not ok",
      len(b), sys.argv[3], "" if len(b) == n else ", expected %d" % n))
if ka == kb:
    print("# ok - the same %d flows after: ids and states unchanged" % len(ka))
else:
    print("# not ok - flows changed: gone %s, new %s"
          % (sorted(set(kb) - set(ka))[:5], sorted(set(ka) - set(kb))[:5]))
' "$2" "$3" "$4" "$5"
}

# Batched checks: one python process for many checks (a process costs most
# of a second under emulation). Queue them with rt_flow / rt_count /
# rt_pycheck and run them with rt_flush; rt_finish flushes, then finishes.
#
# rt_flow DESC FILE FILTER EXPECT...: the one flow matching FILTER (flowq.py
#   syntax) in the `flowctl -j list` output FILE satisfies every EXPECT, as
#   in lib.sh's check_flow: field=value, field!=value, field=v1|v2,
#   field=@absent, and also field=@present
# rt_count DESC FILE FILTER N: exactly N flows of FILE match FILTER
rt_flow()
{
	rt_queue flow "$@"
}

rt_count()
{
	rt_queue count "$@"
}

rt_queue()
{
	local IFS=$'\t'
	echo "$*" >>"$TMPD/checks.tsv"
}

rt_finish()
{
	rt_flush
	finish
}

rt_flush()
{
	local out rc=0
	[ -s "$TMPD/checks.tsv" ] || return 0
	out=$($PY -I -S - "$TMPD/checks.tsv" "$SELFTEST_DIR" <<'PYEOF'
import json
import sys

files = {}


def load(path):
    if path not in files:
        try:
            files[path] = json.load(open(path))
        except (OSError, ValueError) as e:
            files[path] = e
    return files[path]


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "null" if v is None else str(v)


def select(flows, spec):
    conds = ([c.split("=", 1) for c in spec.split(",")]
             if spec not in ("", "-") else [])
    return [f for f in flows
            if all(k in f and text(f[k]) == v for k, v in conds)]


def brief(f):
    keys = ("proto", "client", "client_port", "server", "server_port",
            "state", "history", "packets_up", "packets_down")
    return " ".join("%s=%s" % (k, text(f[k])) for k in keys if k in f)


sys.path.insert(0, sys.argv[2])
for line in open(sys.argv[1]):
    kind, desc, path, *exps = line.rstrip("\n").split("\t")
    print("# " + desc)
    sys.stdout.flush()
    if kind == "py":
        argv = sys.argv
        sys.argv = [path] + exps
        try:
            exec(compile(open(path).read(), path, "exec"),
                 {"__name__": "__check__", "sys": sys})
        except SystemExit as e:
            print("# not ok - %s: exited %s" % (desc, e.code))
        except Exception as e:
            print("# not ok - %s: %s: %s" % (desc, type(e).__name__, e))
        sys.argv = argv
        continue
    spec = exps.pop(0)
    flows = load(path)
    if isinstance(flows, Exception):
        print("# not ok - cannot read %s: %s" % (path, flows))
        continue
    sel = select(flows, spec)
    if kind == "count":
        good = str(len(sel)) == exps[0]
        print("# %s - flows matching %s == %s%s"
              % ("ok" if good else "not ok", spec, exps[0],
                 "" if good else " (got %d)" % len(sel)))
        continue
    if len(sel) != 1:
        print("# not ok - %d flows match %s, expected 1" % (len(sel), spec))
        for f in flows[:20]:
            print("#   have: " + brief(f))
        continue
    f = sel[0]
    bad = 0
    for exp in exps:
        neg = "!=" in exp
        k, v = exp.split("!=" if neg else "=", 1)
        got = text(f[k]) if k in f else "<absent>"
        if v == "@absent":
            good, what = k not in f, "%s is absent" % k
        elif v == "@present":
            good, what = k in f, "%s is present" % k
        else:
            alts = v.split("|")
            good = (got not in alts) if neg else (got in alts)
            what = "%s %s %s" % (k, "!=" if neg else "==",
                                 v if len(alts) == 1 else "one of " + v)
        if good:
            print("# ok - " + what)
        else:
            print("# not ok - %s (got %s)" % (what, got))
            bad += 1
    if bad:
        print("#   flow: " + json.dumps(f, sort_keys=True))
PYEOF
	) || rc=$?
	rm -f "$TMPD/checks.tsv"
	rt_tally "$out" "$rc" "batched flow checks"
}

# Real connections through R: CONNS of them, held by craft.py conns. The
# limits are far beyond what even 100 connections need under emulation.

# rt_conns_up NAME PORT: CONNS connections L -> P:PORT, held by craft.py conns.
rt_conns_up()
{
	bg "$1" "$NS_R" $CRAFT conns --client-ns "$NS_L" --server-ns "$NS_P" \
		--server $P4 --port "$2" --count $CONNS --first 100 --second 1000 \
		--go "$TMPD/$1.go" --release "$TMPD/$1.release"
	CONNS_PID=$BG_PID
	if ! wait_until 300 rt_conns_phase "$1" ready; then
		sed 's/^/#   /' "$TMPD/$1.err"
		die "$CONNS connections to $P4:$2 did not come up"
	fi
}

rt_conns_phase()
{
	grep -q "\"phase\": \"$2\"" "$TMPD/$1.out" || rt_gone "$CONNS_PID"
}

# rt_conns_echo NAME: 1000 more bytes echoed on each connection.
rt_conns_echo()
{
	touch "$TMPD/$1.go"
	wait_until 300 rt_conns_phase "$1" echoed || true
	if grep -q '"phase": "echoed"' "$TMPD/$1.out"; then
		expect_eq "connections that echoed 1000 bytes after the flood" \
			"{\"ok\": $CONNS, \"phase\": \"echoed\"}" \
			"$(grep '"phase": "echoed"' "$TMPD/$1.out")"
	else
		fail "the connections did not echo after the flood: $(cat "$TMPD/$1.err")"
	fi
}

# rt_conns_close NAME PORT: close them (client first), wait until R has seen
# every close completed, so that no late segment reaches R after a reload.
rt_conns_close()
{
	touch "$TMPD/$1.release"
	bg_wait "$CONNS_PID" 300 || fail "craft.py conns exited non-zero: $(cat "$TMPD/$1.err")"
	wait_until 300 rt_conns_closed "$2" ||
		fail "R did not see the $CONNS connections closed (TIME-WAIT/CLOSED)"
}

# rt_conns_closed PORT: all CONNS flows to P4:PORT in R are TIME-WAIT/CLOSED
# (a filtered dump, plain output and awk: cheap enough to poll).
rt_conns_closed()
{
	local n
	n=$(fc "$NS_R" list -o plain --dport "$1" | awk -v s=$P4 -v p="$1" \
		'$2 == "tcp" && $5 == s && $6 == p && $7 == "TIME-WAIT/CLOSED"' | wc -l)
	[ "$n" -eq $CONNS ]
}

# rt_payload_grew FILE FILTER BYTES: each matching flow carried exactly BYTES of
# payload each way, not counting its retransmitted bytes.
rt_payload_grew()
{
	rt_pycheck "connections' flows after the echo: payload $3 each way (+ retransmitted bytes)" '
import json
import flowq
fl = flowq.select(json.load(open(sys.argv[1])), sys.argv[2])
want = int(sys.argv[3])
bad = [f for f in fl
       if f["payload_up"] != want + f["retrans_bytes_up"]
       or f["payload_down"] != want + f["retrans_bytes_down"]
       or f["state"] != "ESTABLISHED"]
print("# %s - %d flows, %d ESTABLISHED with payload_up/down == %d + retransmitted"
      % ("ok" if fl and not bad else "not ok", len(fl), len(fl) - len(bad), want))
for f in bad[:3]:
    print("#   " + flowq.brief(f))
' "$1" "$2" "$3"
}
