#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TCP, UDP and ICMP echo checks over IPv6 (fd00::1 -> fd00::2): a 40-byte
# IP header everywhere (UDP 10 * 1048 bytes, echo 4 * 104 = 416 bytes, proto
# icmpv6, family ipv6). Neighbour discovery / MLD make other icmpv6 flows, so
# flows are picked by addresses, protocol and ports.

. "$(dirname "$0")/lib.sh"

require_root_tools ping
flowmon_load
setup_pair
tcp_case $C6 $S6 40 5201
udp_case $C6 $S6 40 5300 5301
icmp_case $C6 $S6 40 $(( $$ % 50000 + 1000 ))
finish
