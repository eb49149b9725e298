#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink interface itself, with requests flowctl never sends
# (genl.py builds them byte by byte):
#  - every malformed request of genl.py's CASES gets its precise errno and
#    extack message (or missing-attribute report): a key without ports, a
#    /33 IPv4 prefix, a reversed port range, state bit 11, an attribute of
#    the wrong size, timeout_udp=0, max_flows above its limit, an unknown
#    command...; a SET_CONFIG with one good and one bad value changes
#    nothing;
#  - with a TCP and a UDP flow in the table, a GET_FLOW dump with a filter
#    (proto TCP) flags every flow message NLM_F_DUMP_FILTERED and returns
#    only the TCP flow; the unfiltered dump flags none.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair --no-ipv6

tcp_hold $S4 5201
udp_server usink sink 6000
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 1 --size 10 >/dev/null ||
	die "udp-send"

# run_genl DESC ARGS...: genl.py's "# ok" / "# not ok" lines count as checks.
run_genl()
{
	local out rc=0
	out=$(ip netns exec "$NS_C" $PY "$SELFTEST_DIR/genl.py" "$@" 2>&1) || rc=$?
	echo "$out"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$out" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$out" || true)))
	if [ $rc -ne 0 ] && ! grep -q '^# not ok - ' <<<"$out"; then
		fail "genl.py $*: exited $rc"
	fi
	return 0
}

log "malformed requests"
run_genl malformed
log "dump flags"
run_genl dump-flags
tcp_release 5201
finish
