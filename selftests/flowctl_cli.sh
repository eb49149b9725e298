#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# flowctl's command line: `--help` exits 0, an unknown command exits 2,
# `list --state nonsense` exits 2; with one established TCP connection and one
# UDP flow, `flowctl -j list --state estab` (and `--state established`)
# lists exactly the TCP flow.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair

# exit_status EXPECTED DESC CMD...
exit_status()
{
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >"$TMPD/cli.out" 2>"$TMPD/cli.err" || rc=$?
	if [ $rc -eq "$want" ]; then
		ok "$desc exits $want"
	else
		fail "$desc: expected exit $want, got $rc"
		sed 's/^/#   stderr: /' "$TMPD/cli.err" | head -n 5
	fi
}

exit_status 0 "flowctl --help" "$FLOWCTL" --help
check "flowctl --help prints something" [ -s "$TMPD/cli.out" ]
exit_status 2 "flowctl bogus" "$FLOWCTL" bogus
check "flowctl bogus says something on stderr" [ -s "$TMPD/cli.err" ]
exit_status 2 "flowctl list --state nonsense" fc "$NS_C" list --state nonsense
check "flowctl list --state nonsense says something on stderr" [ -s "$TMPD/cli.err" ]

tcp_hold $S4 5201
udp_server usink sink 5300
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 5300 --count 3 --size 100 >/dev/null
lport=$(json_field hcli5201 local_port)

snap "$NS_C" "$TMPD/all.json"
expect_eq "flows in the full list (tcp + udp)" 2 \
	"$(flowq count "$TMPD/all.json" family=ipv4)"

for st in estab established; do
	rc=0
	fc "$NS_C" -j list --state $st >"$TMPD/$st.json" 2>"$TMPD/$st.err" || rc=$?
	expect_eq "flowctl -j list --state $st exit status" 0 $rc
	expect_eq "flows listed with --state $st" 1 "$(flowq count "$TMPD/$st.json" -)"
	check_flow "--state $st lists the established TCP flow" "$TMPD/$st.json" \
		"proto=tcp,client=$C4,server=$S4,server_port=5201" \
		client_port="$lport" state=ESTABLISHED
done

tcp_release 5201
finish
