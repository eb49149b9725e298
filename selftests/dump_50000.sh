#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A dump of 50000 flows while other flows churn lists every stable flow
# exactly once.
#
# One UDP socket in the client netns (source port 40000) sends one datagram
# of 16 bytes to each server port 10000..59999 of 10.0.1.200: 50000 stable
# flows of 1 packet / 44 bytes / 16 payload bytes up. 10.0.1.200 and
# 10.0.1.201 are permanent neighbours with a MAC address nobody owns: the
# frames reach veth_s as PACKET_OTHERHOST and die before PRE_ROUTING, so
# nothing answers (no ARP, no ICMP). In the client netns timeout_udp is
# 3600 s, so no stable flow can expire, and timeout_generic is 1 s.
#
# A quiet `flowctl list -o plain` (created and destroyed unchanged around
# it) is the baseline: exactly 50000 rows, each server port once, each with
# the exact counters above and first_seen == last_seen within the sending.
#
# Churn: a raw socket of IP protocol 253 (keyed by addresses only) sends to
# 10.8.0.0 .. 10.8.63.255 (routed via 10.0.1.201) round and round, at most
# 8000 datagrams a second, so each churn flow is created, expires after
# 1 s idle, is removed by the GC (every 200 ms), and is created again when
# its address comes round. Meanwhile 4 dumps with `flowctl list -o plain`
# and 2 reads of /proc/net/flowmon must each:
#   - (flowctl) exit 0, with nothing on stderr but flowctl's note that
#     the kernel flagged NLM_F_DUMP_INTR; their number is reported;
#   - hold 50000 stable rows, each exactly the baseline row of its port
#     (bar the age column); as no key may be listed twice, a stable flow
#     listed twice, or missing, or changed fails the test;
#   - list no key (family, proto, addresses, ports) twice, churn flows
#     included, and nothing but stable and churn rows.
# The churn must overlap the dumps: flows created and destroyed during the
# dump phase, and at least one dump flagged NLM_F_DUMP_INTR. Once the churn
# stopped and its flows expired, a last quiet dump is the baseline again
# (50000 rows == stats active), and since the baseline the table created
# exactly as many flows as expired, and flushed, evicted, reused and left
# untracked none.
#
# The dumps are kept and checked once the churn stopped, in one awk run:
# every process start is slow under emulation.
#
# The checks do catch a wrong resume: with flow_table_next() resuming by
# position in the chain instead of below the last id, every dump during
# the churn listed stable flows twice or missed some (14 checks failed).

. "$(dirname "$0")/lib.sh"

N=50000
SPORT=40000
FIRST=10000
LAST=$((FIRST + N - 1))
SIZE=16
STABLE_DST=10.0.1.200
CHURN_GW=10.0.1.201
CHURN_NET=10.8.0.0/18
CHURN_N=16384
CHURN_PROTO=253
CHURN_RATE=8000
DUMPS=4
PROC_READS=2
HEADER="family proto client client_port server server_port state client_state server_state packets_up bytes_up payload_up packets_down bytes_down payload_down first_seen last_seen age nat nat_client nat_client_port nat_server nat_server_port l5 secured name drops_up drops_down drop_reason rtt_client_us rtt_server_us"
INTR_NOTE="flowctl: the table changed during the dump; flows that stayed are listed once"

declare -A ST

# stats_to NAME: `flowctl stats` of the client netns into ST[NAME.KEY].
stats_to()
{
	local k v
	fc "$NS_C" stats >"$TMPD/$1.stats" || die "flowctl stats in $NS_C failed"
	while read -r k v; do
		ST[$1.$k]=$v
	done <"$TMPD/$1.stats"
	for k in active created destroyed expired flushed evicted_embryonic \
		evicted_closed reused untracked; do
		[ -n "${ST[$1.$k]:-}" ] || die "flowctl stats: no $k"
	done
}

# dump NAME: `flowctl list -o plain` of the client netns into $TMPD/NAME,
# its stderr into NAME.err, its exit status into NAME.rc; ms taken in $FV.
dump()
{
	local rc=0 t0=${EPOCHREALTIME/./}
	fc "$NS_C" list -o plain >"$TMPD/$1" 2>"$TMPD/$1.err" || rc=$?
	FV=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	echo $rc >"$TMPD/$1.rc"
}

require_root_tools awk
flowmon_reload max_flows=100000 max_flows_containers=200000 gc_interval_ms=200
setup_pair --no-ipv6

fc "$NS_C" config timeout_udp=3600 timeout_generic=1 >/dev/null ||
	die "flowctl config timeout_udp=3600 timeout_generic=1 failed"
expect_eq "client netns: flowctl config timeout_udp timeout_generic" \
	"timeout_udp 3600 timeout_generic 1" \
	"$(fc "$NS_C" config timeout_udp timeout_generic | tr '\n' ' ' | sed 's/ $//')"
stats_to start
check "max_flows (${ST[start.max_flows]}) leaves room for $N + $CHURN_N flows" \
	[ "${ST[start.max_flows]}" -ge $((N + CHURN_N + 100)) ]

for a in $STABLE_DST $CHURN_GW; do
	ip -n "$NS_C" neigh add $a lladdr 02:00:00:00:00:01 dev veth_c \
		nud permanent || die "ip neigh add $a"
done
ip -n "$NS_C" route add $CHURN_NET via $CHURN_GW || die "ip route add $CHURN_NET"

# --- 50000 stable flows, and the baseline ----------------------------------

send0=$(now_ns)
ip netns exec "$NS_C" $TRAFFIC udp-ports $STABLE_DST $FIRST --count $N \
	--size $SIZE --source-port $SPORT >"$TMPD/stable.out" ||
	die "udp-ports to $STABLE_DST failed"
send1=$(now_ns)
log "sent $N datagrams to ports $FIRST..$LAST in $(( (send1 - send0) / 1000000 )) ms"

for i in $(seq 1 10); do
	stats_to base1
	dump base
	stats_to base
	[ "${ST[base1.created]}" = "${ST[base.created]}" ] &&
		[ "${ST[base1.destroyed]}" = "${ST[base.destroyed]}" ] && break
	log "the table changed during the baseline dump, again"
done
log "baseline dump in $FV ms (at ${SECONDS} s)"
expect_eq "baseline: stats active" $N "${ST[base.active]}"

# --- churn, and dumps meanwhile --------------------------------------------

bg churn "$NS_C" $TRAFFIC raw-addrs "${CHURN_NET%/*}" --count $CHURN_N \
	--proto $CHURN_PROTO --rate $CHURN_RATE --duration 600
CHURN=$BG_PID

churn_started()
{
	stats_to churn0
	[ "${ST[churn0.expired]}" -gt "${ST[base.expired]}" ]
}
wait_until 60 churn_started || die "no churn flow expired within 60 s"
log "churn flows expire (at ${SECONDS} s)"

for d in $(seq 1 $DUMPS); do
	stats_to "dump$d.before"
	dump "dump$d"
	stats_to "dump$d"
	log "dump $d in $FV ms; meanwhile" \
		"$(( ST[dump$d.created] - ST[dump$d.before.created] )) flows created," \
		"$(( ST[dump$d.destroyed] - ST[dump$d.before.destroyed] )) destroyed"
	[ "$d" -le $PROC_READS ] || continue
	t0=${EPOCHREALTIME/./}
	ip netns exec "$NS_C" cat /proc/net/flowmon >"$TMPD/proc$d" ||
		die "cannot read /proc/net/flowmon"
	log "/proc/net/flowmon read $d in $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
done

check "the churn sender ran until the dumps were done" kill -0 $CHURN
bg_stop $CHURN
created=$(( ST[dump$DUMPS.created] - ST[dump1.before.created] ))
destroyed=$(( ST[dump$DUMPS.destroyed] - ST[dump1.before.destroyed] ))
check "churn during the dumps: flows created ($created)" [ "$created" -gt 0 ]
check "churn during the dumps: flows destroyed ($destroyed)" [ "$destroyed" -gt 0 ]

# --- quiet again -----------------------------------------------------------

churn_gone()
{
	stats_to end1
	[ "${ST[end1.active]}" -eq $N ]
}
sleep 2
wait_until 60 churn_gone ||
	fail "churn flows left 60 s after the churn stopped: $((ST[end1.active] - N))"
dump end
stats_to end
check "final dump: the table did not change around it" \
	[ "${ST[end1.created]}.${ST[end1.destroyed]}" = "${ST[end.created]}.${ST[end.destroyed]}" ]
log "final dump in $FV ms (at ${SECONDS} s)"

# --- the dumps -------------------------------------------------------------

files=(base)
for d in $(seq 1 $DUMPS); do
	files+=("dump$d")
	if [ "$d" -le $PROC_READS ]; then
		files+=("proc$d")
	fi
done
files+=(end)

# One line per file: F NAME HEADER ROWS DUPS STABLE SAME CHURN OTHER EXACT.
# SAME: stable rows equal (but for age) to the baseline row of their port;
# EXACT (baseline only): stable rows with the exact expected values.
(cd "$TMPD" && awk -v hdr="$HEADER" -v c4=$C4 -v sport=$SPORT \
	-v sdst=$STABLE_DST -v lo=$FIRST -v hi=$LAST -v size=$SIZE \
	-v bytes=$((SIZE + 28)) -v t0="$send0" -v t1="$send1" \
	-v cproto=$CHURN_PROTO -v cnet="${CHURN_NET%.*.*/*}." '
	function done_file() {
		if (name != "")
			print "F", name, header, rows, dups, stable, same, churn,
				other, exact
	}
	FNR == 1 {
		done_file()
		name = FILENAME
		header = ($0 == hdr)
		rows = dups = stable = same = churn = other = exact = 0
		split("", seen)
		next
	}
	{
		rows++
		k = $1 " " $2 " " $3 " " $4 " " $5 " " $6
		if (++seen[k] == 2 && ++dups <= 5)
			print "#   " name ": listed twice: " k
		if ($5 == sdst && $4 == sport && $3 == c4 && $2 == "udp" &&
		    $1 == "ipv4") {
			stable++
			# The row without its age, column 18.
			v = $1
			for (i = 2; i <= NF; i++)
				if (i != 18)
					v = v " " $i
			if (name == "base") {
				base[$6] = v
				if ($6 >= lo && $6 <= hi && $7 == "UNREPLIED" &&
				    $8 == "-" && $9 == "-" && $10 == 1 &&
				    $11 == bytes && $12 == size && $13 == 0 &&
				    $14 == 0 && $15 == 0 && $16 "" == $17 "" &&
				    $16 >= t0 && $16 <= t1)
					exact++
				else if (++bad <= 5)
					print "#   baseline: unexpected values: " $0
			}
			if (($6 in base) && base[$6] == v)
				same++
			else if (++diff[name] <= 5)
				print "#   " name ": not the baseline row: " $0
		} else if ($2 == cproto && $3 == c4 && $4 == 0 && $6 == 0 &&
			   index($5, cnet) == 1) {
			churn++
		} else if (++other <= 5) {
			print "#   " name ": unexpected: " $0
		}
	}
	END { done_file() }' "${files[@]}") >"$TMPD/scan.out" ||
	die "awk failed on the dumps"
grep '^#' "$TMPD/scan.out" || true
log "checked ${#files[@]} dumps and reads (at ${SECONDS} s)"

declare -A R
while read -r tag name header rows dups stable same churn other exact; do
	[ "$tag" = F ] || continue
	R[$name]="$header $rows $dups $stable $same $churn $other $exact"
done <"$TMPD/scan.out"

intr=0
for f in "${files[@]}"; do
	[ -n "${R[$f]:-}" ] || { fail "$f: not scanned"; continue; }
	read -r header rows dups stable same churn other exact <<<"${R[$f]}"
	case $f in
	base) what="baseline" ;;
	end) what="final dump" ;;
	dump*) what="dump ${f#dump} (churn)" ;;
	proc*) what="/proc/net/flowmon read ${f#proc} (churn)" ;;
	esac
	note=
	if [ "$f" != "${f#proc}" ]; then
		expect_eq "$what: header line" 1 "$header"
	else
		expect_eq "$what: flowctl list exit status" 0 "$(cat "$TMPD/$f.rc")"
		err=$(cat "$TMPD/$f.err")
		case $err in
		"") note=", not interrupted" ;;
		"$INTR_NOTE")
			note=", NLM_F_DUMP_INTR"
			[ "$f" != "${f#dump}" ] && intr=$((intr + 1))
			;;
		esac
		if [ "$f" = base ] || [ "$f" = end ] ||
			[ "$err" != "$INTR_NOTE" ]; then
			expect_eq "$what: flowctl list stderr" "" "$err"
		fi
		expect_eq "$what: header line of the plain format" 1 "$header"
	fi
	log "$what: $rows rows, $stable stable, $churn churn$note"
	if [ "$f" = base ]; then
		expect_eq "$what: stable rows with a server port in $FIRST..$LAST, UNREPLIED, 1 packet, $((SIZE + 28)) bytes, $SIZE payload bytes up, nothing down, first_seen == last_seen within the sending" \
			$N "$exact"
	fi
	expect_eq "$what: keys listed twice" 0 "$dups"
	expect_eq "$what: stable rows" $N "$stable"
	expect_eq "$what: stable rows equal to the baseline row of their port" $N "$same"
	expect_eq "$what: rows neither stable nor churn" 0 "$other"
	case $f in
	base | end) expect_eq "$what: rows" $N "$rows" ;;
	esac
done
log "$intr of $DUMPS dumps during the churn flagged NLM_F_DUMP_INTR"
check "at least one dump flagged NLM_F_DUMP_INTR ($intr of $DUMPS)" [ "$intr" -ge 1 ]

log "since the baseline: $(( ST[end.created] - ST[base.created] )) flows created," \
	"$(( ST[end.expired] - ST[base.expired] )) expired"
expect_eq "stats destroyed since the baseline == created" \
	$(( ST[end.created] - ST[base.created] )) \
	$(( ST[end.destroyed] - ST[base.destroyed] ))
expect_eq "stats expired since the baseline == created" \
	$(( ST[end.created] - ST[base.created] )) \
	$(( ST[end.expired] - ST[base.expired] ))
for k in flushed evicted_embryonic evicted_closed reused untracked; do
	expect_eq "stats $k since the baseline" 0 $(( ST[end.$k] - ST[base.$k] ))
done
finish
