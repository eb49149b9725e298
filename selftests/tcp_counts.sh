#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP over IPv4, 100000 bytes up and 50000 down. Expects exactly one TCP flow
# in the client netns with payload_up 100000, payload_down 50000, packets
# equal to the client socket's tcpi_segs_out/tcpi_segs_in, bytes = payload +
# 20 per packet + 40 (SYN / SYN-ACK) + 32 per later segment, ESTABLISHED while
# open and idle; after the client then the server close: TIME-WAIT/CLOSED.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair
tcp_case $C4 $S4 20 5201
finish
