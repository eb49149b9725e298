# SPDX-License-Identifier: GPL-2.0
# Setup helpers of the flowmon benchmark (sourced by bench.sh, in the VM).
#
# Topology: three namespaces, only the router routes (and tracks) anything.
#
#   $NS_C  c0 ---veth--- r0 (10.1.0.1)  $NS_R  r1 (10.2.0.1) ---veth--- s0  $NS_S
#                                        d0, d1: dummy devices
#
# fmgen writes client frames on c0 and server frames on s0 (AF_PACKET): no
# IP stack or netfilter hook in $NS_C or $NS_S sees them. The router routes
# the servers (10.3.0.0/16) to d0 and the clients (10.64.0.0/10) to d1,
# dummy devices that count and free every packet: their tx counters are the
# packets that really went through the router.
#
# Three trackers, one at a time, on the same traffic:
#   none      flowmon not loaded, no ct rule anywhere: the baseline
#   flowmon   flowmon.ko loaded
#   conntrack nf_conntrack with accounting and timestamps, and an nftables
#             ct state rule in the router (so that it really tracks;
#             without a ct rule or NAT it would not). The router is the
#             only namespace whose netfilter hooks the traffic crosses:
#             $NS_C and $NS_S only write frames on their links.

NS_C=fmb_cli
NS_R=fmb_rtr
NS_S=fmb_srv
MAC_R0=02:00:00:00:be:10
MAC_R1=02:00:00:00:be:20

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
FLOWCTL=$REPO/tools/flowctl/flowctl
# BENCH_FLOWMON_KO: another build of the module to measure (an older
# commit's, for a before/after comparison), with this tree's tools.
FLOWMON_KO=${BENCH_FLOWMON_KO:-$REPO/flowmon.ko}
FMGEN=$BENCH_DIR/fmgen

# Timeouts far beyond a run: nothing expires while it is measured.
LONG=86400

log()
{
	echo "# [$(date +%T) +${SECONDS}s] $*" >&2
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

now_ns()
{
	date +%s%N
}

in_r()
{
	ip netns exec "$NS_R" "$@"
}

# topology_up: the three namespaces and their links, no tracker.
topology_up()
{
	local ns
	for ns in "$NS_C" "$NS_R" "$NS_S"; do
		ip netns add "$ns" || die "ip netns add $ns"
		# No IPv6 at all: no router solicitations or MLD in the tables.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	done
	ip link add c0 netns "$NS_C" type veth peer name r0 netns "$NS_R" \
		address $MAC_R0 || die "veth c0-r0"
	ip link add s0 netns "$NS_S" type veth peer name r1 netns "$NS_R" \
		address $MAC_R1 || die "veth s0-r1"
	# The frames carry made-up client addresses: no reverse-path filter.
	in_r sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.send_redirects=0 >/dev/null
	ip -n "$NS_R" -batch - <<-EOF || die "router setup"
		link set lo up
		link add d0 type dummy
		link add d1 type dummy
		addr add 10.1.0.1/24 dev r0
		addr add 10.2.0.1/24 dev r1
		link set r0 up
		link set r1 up
		link set d0 up
		link set d1 up
		route add 10.3.0.0/16 dev d0
		route add 10.64.0.0/10 dev d1
	EOF
	in_r sysctl -qw net.ipv4.conf.r0.rp_filter=0 \
		net.ipv4.conf.r1.rp_filter=0 >/dev/null
	ip -n "$NS_C" link set c0 up
	ip -n "$NS_S" link set s0 up
	# Real packets: no GRO or GSO merging anything on the way.
	ip netns exec "$NS_C" ethtool -K c0 gro off gso off tso off >/dev/null 2>&1
	ip netns exec "$NS_S" ethtool -K s0 gro off gso off tso off >/dev/null 2>&1
	in_r ethtool -K r0 gro off gso off tso off >/dev/null 2>&1
	in_r ethtool -K r1 gro off gso off tso off >/dev/null 2>&1
	local i=0
	until ip -n "$NS_R" link show r0 | grep -q 'state UP' &&
	      ip -n "$NS_R" link show r1 | grep -q 'state UP'; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "router links did not come up"
		sleep 0.1
	done
}

topology_down()
{
	local ns
	for ns in "$NS_C" "$NS_R" "$NS_S"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# delivered: packets the router forwarded (both dummies' tx counters).
delivered()
{
	in_r awk '{ s += $1 } END { print s }' /sys/class/net/d0/statistics/tx_packets \
		/sys/class/net/d1/statistics/tx_packets
}

# gen ARGS...: fmgen, client link c0 (in $NS_C, where it runs), server
# link s0 (its socket opened in $NS_S); prints fmgen's JSON line.
gen()
{
	ip netns exec "$NS_C" "$FMGEN" -i c0 -m $MAC_R0 \
		-S "$NS_S" -I s0 -M $MAC_R1 "$@"
}

# --- trackers ---------------------------------------------------------------

# tracker_on NAME [flowmon module parameters...]
tracker_on()
{
	local t=$1 ns
	shift
	case $t in
	none) ;;
	flowmon)
		insmod "$FLOWMON_KO" "$@" || die "insmod flowmon.ko $*"
		# Nothing expires during a measurement, in the router.
		in_r "$FLOWCTL" config timeout_udp=$LONG timeout_udp_stream=$LONG \
			timeout_syn_sent=$LONG timeout_syn_recv=$LONG \
			timeout_established=$LONG >/dev/null ||
			die "flowctl config"
		;;
	conntrack)
		for ns in "$NS_R"; do
			ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1 \
				net.netfilter.nf_conntrack_timestamp=1 \
				net.netfilter.nf_conntrack_udp_timeout=$LONG \
				net.netfilter.nf_conntrack_udp_timeout_stream=$LONG \
				net.netfilter.nf_conntrack_tcp_timeout_syn_sent=$LONG \
				net.netfilter.nf_conntrack_tcp_timeout_syn_recv=$LONG \
				net.netfilter.nf_conntrack_tcp_timeout_established=$LONG \
				>/dev/null || die "conntrack sysctls in $ns"
			# A ct expression makes conntrack register its hooks in
			# this namespace; accept everything, count the invalid.
			ip netns exec "$ns" nft -f - <<-EOF || die "nft in $ns"
				table ip fmbench {
					chain bench_forward {
						type filter hook forward priority 0; policy accept;
						ct state invalid counter
						ct state established,related,new counter
					}
					chain bench_input {
						type filter hook input priority 0; policy accept;
						ct state invalid counter
					}
				}
			EOF
		done
		;;
	*) die "unknown tracker $t" ;;
	esac
}

tracker_off()
{
	local t=$1 ns
	case $t in
	none) ;;
	flowmon) rmmod flowmon || die "rmmod flowmon" ;;
	conntrack)
		for ns in "$NS_R"; do
			ip netns exec "$ns" nft delete table ip fmbench 2>/dev/null
			ip netns exec "$ns" conntrack -F >/dev/null 2>&1
		done
		;;
	esac
	return 0
}

# entries TRACKER: records in the router's table.
entries()
{
	case $1 in
	flowmon) in_r "$FLOWCTL" stats -j | sed -n 's/.*"active": *\([0-9]*\).*/\1/p' ;;
	conntrack) in_r cat /proc/sys/net/netfilter/nf_conntrack_count ;;
	*) echo 0 ;;
	esac
}

# conntrack_setup: load nf_conntrack once, with a table as large as the
# largest run needs (it refuses new flows, dropping their packets, when
# full) and accounting and timestamps on by default in new namespaces.
conntrack_setup()
{
	local buckets=$1 max=$2
	modprobe nf_conntrack acct=1 tstamp=1 || die "modprobe nf_conntrack"
	modprobe nf_tables && modprobe nft_ct || die "modprobe nft_ct"
	sysctl -qw net.netfilter.nf_conntrack_buckets="$buckets" \
		net.netfilter.nf_conntrack_max="$max" >/dev/null ||
		die "nf_conntrack_buckets/max"
}

# meminfo: the kernel's memory counters as a JSON object (kB), after
# folding the per-CPU differences into them (else MemFree lags by up to a
# few MB).
meminfo()
{
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk 'BEGIN { printf "{" }
	     $1 ~ /^(MemTotal|MemFree|Buffers|Cached|Slab|SReclaimable|SUnreclaim|VmallocUsed|Percpu|PageTables|KernelStack):$/ {
		sub(":", "", $1); printf "%s\"%s\": %s", n++ ? ", " : "", $1, $2 }
	     END { printf "}" }' /proc/meminfo
}

# settle: wait until freed memory (RCU callbacks, netns cleanup) is back:
# Slab steady (within 256 kB) for half a second, for at most 10 s.
settle()
{
	local prev=-1000000 cur i
	for i in $(seq 1 20); do
		cur=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
		[ $((cur - prev)) -lt 256 ] && [ $((prev - cur)) -lt 256 ] && return 0
		prev=$cur
		sleep 0.5
	done
	log "settle: Slab still moving after 10 s"
	return 0
}
