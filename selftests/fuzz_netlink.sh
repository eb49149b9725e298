#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generic netlink fuzzing of the flowmon family (nlfuzz.py), with
# unprivileged_read=1 so that an unprivileged user reaches the parsers of
# the read-only commands too:
#  - 64 dumps of a 3000-flow table started at once, half of them after
#    their first part is read, all abandoned: the table is still listed
#    whole and exactly, twice over;
#  - 10,000 random and mutated messages from root (100,000 in `make
#    stress`: every command number,
#    random attribute trees up to 12 deep, mutated valid requests, damaged
#    headers, dump flags anywhere), then 2,000 from nobody (20,000): each answered
#    by exactly one well-formed error, ack or dump, with an errno the uapi
#    header documents, or not at all when its netlink header is one the
#    kernel must ignore;
#  - nobody's messages changed nothing: the configuration and the table
#    are as root left them;
#  - afterwards the module works as before: three datagrams of 100 bytes make one flow of exactly 3 packets and
#    384 bytes;
#  - no kernel warning, and no leak on the debug kernel (the VM run checks
#    kmemleak).

. "$(dirname "$0")/lib.sh"

require_root_tools setpriv
flowmon_reload unprivileged_read=1
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
nobody_copies "$SELFTEST_DIR/nlfuzz.py" "$SELFTEST_DIR/genl.py"

log "3000 UDP flows, then 64 dumps started and abandoned"
udp_server sink sink 7000
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 7000 --count 3000 \
	--base-port 20000 --size 10 >/dev/null || die "udp-flows"
snap "$NS_C" "$TMPD/before.json"
flow_count "$NS_C" server_port=7000
expect_eq "flows to port 7000" 3000 "$FV"
ip netns exec "$NS_C" $PY "$SELFTEST_DIR/nlfuzz.py" abandon --sockets 64 \
	>"$TMPD/abandon.out" || die "nlfuzz.py abandon failed"
snap "$NS_C" "$TMPD/after.json"
check "the table after the abandoned dumps equals the one before" \
	cmp -s "$TMPD/before.json" "$TMPD/after.json"
ip netns exec "$NS_C" $PY "$SELFTEST_DIR/nlfuzz.py" abandon --sockets 64 \
	>/dev/null || die "nlfuzz.py abandon failed"
snap "$NS_C" "$TMPD/after2.json"
check "and after 64 more" cmp -s "$TMPD/before.json" "$TMPD/after2.json"
fc "$NS_C" flush --dport 7000 >/dev/null || die "flush"

# fuzz WHO SEED COUNT CMD...: nlfuzz.py fuzz run as CMD in $NS_C.
fuzz()
{
	local who=$1 seed=$2 count=$3 out
	shift 3
	log "$count messages from $who, seed $seed"
	if out=$(ip netns exec "$NS_C" "$@" fuzz --count "$count" --seed "$seed" 2>&1); then
		ok "$who: every message answered as it must be: $out"
	else
		fail "$who: $out"
	fi
}

fuzz root 1 "$(scaled 10000 100000)" $PY "$SELFTEST_DIR/nlfuzz.py"
# Root's messages set any configuration: back to one that keeps the table.
fc "$NS_C" config max_flows=65536 >/dev/null || die "config max_flows"
long_timeouts "$NS_C"
fc "$NS_C" -j config >"$TMPD/config-root.json" || die "flowctl config"
snap "$NS_C" "$TMPD/table-root.json"
fuzz nobody 2 "$(scaled 2000 20000)" "${NOBODY[@]}" $PY "$NOBODY_BIN/nlfuzz.py"
fc "$NS_C" -j config >"$TMPD/config-nobody.json" || die "flowctl config"
snap "$NS_C" "$TMPD/table-nobody.json"
check "nobody's messages did not change the configuration" \
	cmp -s "$TMPD/config-root.json" "$TMPD/config-nobody.json"
check "nor the table" cmp -s "$TMPD/table-root.json" "$TMPD/table-nobody.json"

log "the module after the fuzzing: one known flow"
fc "$NS_C" flush >/dev/null || die "flush"
udp_server sink2 sink 7500
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7500 --count 3 --size 100 \
	>/dev/null || die "udp-send"
f=$TMPD/known.json
snap "$NS_C" "$f"
check_flow "3 datagrams of 100 bytes" "$f" "proto=udp,server_port=7500" \
	packets_up=3 bytes_up=384 packets_down=0
finish
