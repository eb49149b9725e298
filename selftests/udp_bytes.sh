#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# UDP over IPv4. 10 datagrams of 1000 bytes to a sink: packets_up 10,
# bytes_up 10 * 1028, payload_up 10000, nothing down, UNREPLIED. 3 datagrams
# of 200 bytes to an echo server: REPLIED, 3 packets and 3 * 228 bytes each way.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair
udp_case $C4 $S4 20 5300 5301
finish
