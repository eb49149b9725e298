#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP echo over IPv4: ping -c 4 -i 0.2 gives one icmp flow whose client_port
# is ping's identifier, server_port 0, 4 packets and 4 * 84 bytes (224 bytes
# of payload) each way, state REPLY.

. "$(dirname "$0")/lib.sh"

require_root_tools ping
flowmon_load
setup_pair
icmp_case $C4 $S4 20 $(( $$ % 50000 + 1000 ))
finish
