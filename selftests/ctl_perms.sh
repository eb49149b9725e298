#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may read and change what.
#  - Default (unprivileged_read=0): /proc/net/flowmon is mode 0440, root's;
#    nobody cannot read it; root without CAP_NET_ADMIN (capsh) can list
#    nothing through netlink either (flowctl_errors.sh checks every
#    command's message).
#  - unprivileged_read=1: /proc/net/flowmon is 0444 and nobody reads the
#    same rows as root; `flowctl -j list` as nobody equals root's; nobody's
#    flush is still refused and changes nothing.
#  - CAP_NET_ADMIN counts in the user namespace owning the netns: nobody,
#    in a user + network namespace of its own (unshare -Urn), reads,
#    configures, resets and flushes its own table: one UDP flow over its
#    loopback is listed with 1 packet / 38 bytes, `config timeout_udp=77`
#    reads back 77, `reset` hands back that packet, `flush` deletes it;
#    none of it is seen in or changes the test's other namespaces.

. "$(dirname "$0")/lib.sh"

require_root_tools setpriv unshare
nobody_copies "$FLOWCTL" "$SELFTEST_DIR/traffic.py"
NOBODY_FLOWCTL=$NOBODY_BIN/flowctl
flowmon_load
setup_pair --no-ipv6
udp_server usink sink 6000
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 2 --size 10 >/dev/null ||
	die "udp-send"

# as_nobody_in NS CMD...: CMD as nobody inside NS, status in $RC, output in $OUT.
as_nobody_in()
{
	local ns=$1
	shift
	RC=0
	OUT=$(ip netns exec "$ns" "${NOBODY[@]}" "$@" 2>&1) || RC=$?
}

log "default: reading needs CAP_NET_ADMIN"
expect_eq "mode of /proc/net/flowmon" "440 root root" \
	"$(ip netns exec "$NS_C" stat -L -c '%a %U %G' /proc/net/flowmon)"
as_nobody_in "$NS_C" cat /proc/net/flowmon
expect_eq "nobody reading /proc/net/flowmon: status" 1 "$RC"
check "nobody reading /proc/net/flowmon: permission denied ($OUT)" \
	grep -q "Permission denied" <<<"$OUT"
if command -v capsh >/dev/null; then
	RC=0
	OUT=$(ip netns exec "$NS_C" capsh --drop=cap_net_admin -- -c \
		"$FLOWCTL list" 2>&1) || RC=$?
	expect_eq "root without CAP_NET_ADMIN: flowctl list" \
		"1 flowctl: permission denied: needs CAP_NET_ADMIN: run with sudo" "$RC $OUT"
fi

log "unprivileged_read=1"
flowmon_reload unprivileged_read=1
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 2 --size 10 >/dev/null ||
	die "udp-send"
expect_eq "mode of /proc/net/flowmon" "444 root root" \
	"$(ip netns exec "$NS_C" stat -L -c '%a %U %G' /proc/net/flowmon)"
# The rows without their age in seconds (column 18).
ip netns exec "$NS_C" cat /proc/net/flowmon | awk '{ $18 = ""; print }' >"$TMPD/root.proc"
as_nobody_in "$NS_C" cat /proc/net/flowmon
expect_eq "nobody reading /proc/net/flowmon: status" 0 "$RC"
expect_eq "nobody reads the rows root reads" "$(cat "$TMPD/root.proc")" \
	"$(awk '{ $18 = ""; print }' <<<"$OUT")"
snap "$NS_C" "$TMPD/root.json"
as_nobody_in "$NS_C" "$NOBODY_FLOWCTL" -j list
expect_eq "nobody's flowctl -j list: status" 0 "$RC"
expect_eq "nobody's flowctl -j list equals root's" "$(cat "$TMPD/root.json")" "$OUT"
expect_eq "flows listed" 1 "$(flowq count "$TMPD/root.json" "proto=udp,server_port=6000,packets_up=2,bytes_up=76")"
as_nobody_in "$NS_C" "$NOBODY_FLOWCTL" flush
expect_eq "nobody's flowctl flush" \
	"1 flowctl: permission denied: needs CAP_NET_ADMIN: run with sudo" "$RC $OUT"
as_nobody_in "$NS_C" "$NOBODY_FLOWCTL" config timeout_udp=5
expect_eq "nobody's flowctl config timeout_udp=5" \
	"1 flowctl: permission denied: needs CAP_NET_ADMIN: run with sudo" "$RC $OUT"
snap "$NS_C" "$TMPD/root2.json"
expect_eq "the refused flush changed nothing" "$(cat "$TMPD/root.json")" \
	"$(cat "$TMPD/root2.json")"
expect_eq "the refused config changed nothing" "timeout_udp 30" \
	"$(fc "$NS_C" config timeout_udp)"

log "a user namespace's root administers its own network namespace"
flowmon_rmmod
flowmon_insmod
# Debian's kernels keep unprivileged user namespaces behind a sysctl.
userns_sysctl=/proc/sys/kernel/unprivileged_userns_clone
userns_was=$(cat "$userns_sysctl" 2>/dev/null || true)
[ -n "$userns_was" ] && echo 1 >"$userns_sysctl"
RC=0
"${NOBODY[@]}" unshare -Urn bash -c '
	fc=$1 py=$2 traffic=$3
	ip link set lo up || exit 10
	$py $traffic udp-sink 6100 & sink=$!
	for i in $(seq 100); do
		[ -n "$(ss -Hlun "sport = :6100")" ] && break
		sleep 0.1
	done
	$py $traffic udp-send 127.0.0.1 6100 --count 1 --size 10 >/dev/null || exit 11
	echo "list: $($fc list -o plain | awk "NR > 1 { print \$2, \$6, \$10, \$11 }")"
	$fc config timeout_udp=77 >/dev/null || exit 12
	echo "config: $($fc config timeout_udp)"
	echo "reset: $($fc -j reset --dport 6100 | $py -c "import json,sys; print([(f[\"packets_up\"], f[\"bytes_up\"]) for f in json.load(sys.stdin)])")"
	echo "after reset: $($fc list -c --min-packets 1)"
	echo "flush: $($fc flush)"
	echo "after flush: $($fc list -c)"
	kill $sink
' - "$NOBODY_FLOWCTL" "$PY" "$NOBODY_BIN/traffic.py" >"$TMPD/userns.out" 2>&1 || RC=$?
[ -n "$userns_was" ] && echo "$userns_was" >"$userns_sysctl"
sed 's/^/#   /' "$TMPD/userns.out"
if [ $RC -ne 0 ] && grep -q "unshare: .*Operation not permitted" "$TMPD/userns.out"; then
	# tools/vm/init runs the suite outside any chroot for this.
	fail "nobody may not create a user namespace (in a chroot? kernel.unprivileged_userns_clone?)"
else
	expect_eq "the user namespace's script: status" 0 "$RC"
	expect_eq "its one flow, over loopback" "list: udp 6100 1 38" \
		"$(grep '^list:' "$TMPD/userns.out")"
	expect_eq "its config" "config: timeout_udp 77" "$(grep '^config:' "$TMPD/userns.out")"
	expect_eq "its reset" "reset: [(1, 38)]" "$(grep '^reset:' "$TMPD/userns.out")"
	expect_eq "after its reset" "after reset: 0" "$(grep '^after reset:' "$TMPD/userns.out")"
	expect_eq "its flush" "flush: flushed 1" "$(grep '^flush:' "$TMPD/userns.out")"
	expect_eq "after its flush" "after flush: 0" "$(grep '^after flush:' "$TMPD/userns.out")"
	expect_eq "the test's client netns: timeout_udp unchanged" "timeout_udp 30" \
		"$(fc "$NS_C" config timeout_udp)"
	expect_eq "the init netns: timeout_udp unchanged" "timeout_udp 30" \
		"$("$FLOWCTL" config timeout_udp)"
	expect_eq "the init netns: no flow to port 6100" 0 \
		"$("$FLOWCTL" list -c --dport 6100)"
fi
finish
