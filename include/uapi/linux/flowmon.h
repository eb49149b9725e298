/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * flowmon: a per-flow, TCB-like observer built on netfilter.
 *
 * Generic netlink family "flowmon", version FLOWMON_GENL_VERSION. The family
 * is netns-aware: every request acts on the flow table of the network
 * namespace of the requesting socket, and nothing else.
 *
 * Conventions
 * -----------
 * All integers are in host byte order, except addresses, which are raw
 * network-order bytes (4 for AF_INET, 16 for AF_INET6). Every u64 is emitted
 * with nla_put_u64_64bit() and FLOWMON_*_A_PAD as its pad type. Times are
 * nanoseconds since the epoch (CLOCK_REALTIME, as ktime_get_real_ns()).
 *
 * A flow has one record for both directions. The "client" is the endpoint
 * that sent the first packet flowmon saw (for TCP, the SYN sender; for a
 * connection picked up mid-stream, conntrack's original source where
 * conntrack tracks it, else the endpoint with the higher port).
 * "up" is client -> server, "down" is server -> client.
 *
 * Where conntrack tracks a connection, its record is keyed by conntrack's
 * original tuple: the addresses and ports the client sent to, before any
 * NAT. Replies, which reach flowmon still translated, count in the same
 * record. What NAT made of each endpoint is in FLOWMON_FLOW_A_NAT.
 *
 * Requests carry attributes in a strict policy: unknown attributes and
 * wrong types are rejected with -EINVAL, out-of-range values with -ERANGE,
 * each with an extack message naming the offending attribute.
 *
 * Permissions: RESET_FLOW, FLUSH_FLOW and SET_CONFIG need CAP_NET_ADMIN in
 * the user namespace owning the network namespace. So do the read commands
 * and the events group, unless the module was loaded with
 * unprivileged_read=1.
 *
 * Filters
 * -------
 * GET_FLOW and RESET_FLOW dumps and FLUSH_FLOW take a filter (events are
 * not filtered: listeners apply the same rules themselves); a flow matches
 * when it satisfies every condition given:
 *
 *    FLOWMON_A_FILTER: NLA_NESTED
 *        FLOWMON_FILTER_A_STATES: NLA_U32, bitmask of 1 << FLOWMON_TCP_*;
 *                                 TCP flows with either endpoint in one
 *                                 of these states (other protocols never)
 *        FLOWMON_FILTER_A_PROTO: NLA_U8, IPPROTO_*
 *        FLOWMON_FILTER_A_FAMILY: NLA_U8, AF_INET or AF_INET6
 *        FLOWMON_FILTER_A_CLIENT_PREFIX: NLA_NESTED, client address in
 *            FLOWMON_PREFIX_A_ADDR: NLA_BINARY, 4 or 16 bytes
 *            FLOWMON_PREFIX_A_LEN: NLA_U8, at most 32 or 128 (default:
 *                                  the whole address)
 *        FLOWMON_FILTER_A_SERVER_PREFIX: NLA_NESTED, as CLIENT_PREFIX
 *        FLOWMON_FILTER_A_ANY_PREFIX: NLA_NESTED, client or server address
 *        FLOWMON_FILTER_A_CLIENT_PORTS: NLA_NESTED, client port in
 *            FLOWMON_RANGE_A_FIRST: NLA_U16
 *            FLOWMON_RANGE_A_LAST: NLA_U16, not below FIRST (default: FIRST)
 *        FLOWMON_FILTER_A_SERVER_PORTS: NLA_NESTED, as CLIENT_PORTS
 *        FLOWMON_FILTER_A_ANY_PORTS: NLA_NESTED, client or server port
 *        FLOWMON_FILTER_A_MIN_BYTES: NLA_U64, bytes up + down at least
 *        FLOWMON_FILTER_A_MIN_PACKETS: NLA_U64, packets up + down at least
 *        FLOWMON_FILTER_A_IDLE_MS: NLA_U64, no packet for longer than this
 *        FLOWMON_FILTER_A_AGE_MS: NLA_U64, first seen less than this ago
 *        FLOWMON_FILTER_A_NAT: NLA_FLAG, flows that NAT translated
 *        FLOWMON_FILTER_A_NAT_PREFIX: NLA_NESTED, as CLIENT_PREFIX:
 *                                     translated flows whose NAT client
 *                                     or NAT server address is inside
 *        FLOWMON_FILTER_A_NAT_PORTS: NLA_NESTED, as CLIENT_PORTS:
 *                                    translated flows whose NAT client or
 *                                    NAT server port is in the range
 *        FLOWMON_FILTER_A_L5: NLA_NUL_STRING, flows whose FLOWMON_FLOW_A_L5
 *                             is this name (unknown names: EINVAL)
 *        FLOWMON_FILTER_A_SECURED: NLA_U8, enum flowmon_secured: flows
 *                                  known to be so
 *        FLOWMON_FILTER_A_NAME: NLA_NUL_STRING, flows whose name matches
 *                               this glob pattern ('*', '?', [...]),
 *                               case-insensitively: "www.example.com",
 *                               "*.example.com"
 *        FLOWMON_FILTER_A_DROPPED: NLA_FLAG, flows of which this box
 *                                  dropped at least one packet
 *        FLOWMON_FILTER_A_MIN_RTT_US: NLA_U32, TCP flows whose round trip
 *                                     through here (the smoothed RTT to
 *                                     the client plus the one to the
 *                                     server) is at least this; flows
 *                                     without a sample never match
 *
 * FLOWMON_CMD_GET_FLOW
 * --------------------
 * With NLM_F_REQUEST | NLM_F_DUMP: takes an optional FLOWMON_A_FILTER.
 * Without NLM_F_DUMP: takes FLOWMON_A_FLOW with FAMILY, PROTO, CLIENT_ADDR,
 * CLIENT_PORT, SERVER_ADDR and SERVER_PORT (either orientation) and
 * replies with that flow, or fails with -ENOENT. Replies carry one flow
 * per message (NLM_F_DUMP_FILTERED set when the dump was filtered):
 *
 *    FLOWMON_A_FLOW: NLA_NESTED
 *        FLOWMON_FLOW_A_ID: NLA_U64, unique within the namespace, never reused
 *        FLOWMON_FLOW_A_FAMILY: NLA_U8, AF_INET or AF_INET6
 *        FLOWMON_FLOW_A_PROTO: NLA_U8, IPPROTO_*
 *        FLOWMON_FLOW_A_CLIENT_ADDR: NLA_BINARY, 4 or 16 bytes
 *        FLOWMON_FLOW_A_CLIENT_PORT: NLA_U16; ICMP echo: the identifier
 *        FLOWMON_FLOW_A_SERVER_ADDR: NLA_BINARY, 4 or 16 bytes
 *        FLOWMON_FLOW_A_SERVER_PORT: NLA_U16; 0 when the protocol has none
 *        FLOWMON_FLOW_A_CLIENT_STATE: NLA_U8, enum flowmon_tcp_state (TCP)
 *        FLOWMON_FLOW_A_SERVER_STATE: NLA_U8, enum flowmon_tcp_state (TCP)
 *        FLOWMON_FLOW_A_FLAGS: NLA_U32, FLOWMON_FLOW_F_*
 *        FLOWMON_FLOW_A_FIRST_SEEN: NLA_U64, ns since the epoch
 *        FLOWMON_FLOW_A_LAST_SEEN: NLA_U64, ns since the epoch
 *        FLOWMON_FLOW_A_STATE_SINCE: NLA_U64, ns since the epoch: when the
 *                                    current state (of either endpoint) began
 *        FLOWMON_FLOW_A_HISTORY: NLA_NUL_STRING, Zeek-style history (TCP):
 *                                upper case = client, lower case = server;
 *                                s SYN, h SYN-ACK, a pure ACK, d data,
 *                                f FIN, r RST, t retransmission, w zero
 *                                window, q SYN with FIN or RST
 *        Round trips as seen from here (TCP, microseconds; see flowmon(4)):
 *        FLOWMON_FLOW_A_RTT_SYN_US: NLA_U32, SYN -> SYN-ACK: the handshake's
 *                                   round trip to the server
 *        FLOWMON_FLOW_A_RTT_ACK_US: NLA_U32, SYN-ACK -> ACK: to the client
 *        FLOWMON_FLOW_A_RTT_SERVER: NLA_NESTED, from here to the server and
 *                                   back, all along the flow: a segment's
 *                                   TSval to its first echo, or (timestamps
 *                                   off) its sequence to the first ACK of
 *                                   it; once a sample was taken
 *            FLOWMON_RTT_A_SAMPLES: NLA_U32
 *            FLOWMON_RTT_A_MIN_US: NLA_U32
 *            FLOWMON_RTT_A_SRTT_US: NLA_U32, smoothed as RFC 6298's SRTT
 *            FLOWMON_RTT_A_LATEST_US: NLA_U32
 *            FLOWMON_RTT_A_MAX_US: NLA_U32
 *        FLOWMON_FLOW_A_RTT_CLIENT: NLA_NESTED, from here to the client and
 *                                   back, as FLOWMON_FLOW_A_RTT_SERVER
 *        FLOWMON_FLOW_A_UP: NLA_NESTED, client -> server
 *            FLOWMON_DIR_A_PACKETS: NLA_U64
 *            FLOWMON_DIR_A_BYTES: NLA_U64, whole IP datagrams
 *            FLOWMON_DIR_A_PAYLOAD: NLA_U64, L4 payload bytes
 *            TCP only, facts about the sender of this direction:
 *            FLOWMON_DIR_A_ISN: NLA_U32, initial sequence number (SYN seen)
 *            FLOWMON_DIR_A_SND_NXT: NLA_U32, highest sequence + length sent
 *            FLOWMON_DIR_A_MAX_ACK: NLA_U32, highest acknowledgment sent
 *            FLOWMON_DIR_A_WINDOW: NLA_U32, last advertised window, scaled
 *            FLOWMON_DIR_A_WSCALE: NLA_U8, window scale from the SYN
 *            FLOWMON_DIR_A_MSS: NLA_U16, MSS option from the SYN
 *            FLOWMON_DIR_A_SACK_PERM: NLA_FLAG, SACK permitted in the SYN
 *            FLOWMON_DIR_A_RETRANS_PACKETS: NLA_U64, segments starting below
 *                                           the highest sequence already seen
 *            FLOWMON_DIR_A_RETRANS_BYTES: NLA_U64, their payload bytes
 *            FLOWMON_DIR_A_OUT_OF_WINDOW: NLA_U64, segments beyond the
 *                                         receiver's advertised window
 *            FLOWMON_DIR_A_ZERO_WINDOW: NLA_U64, segments advertising a zero
 *                                       window
 *            FLOWMON_DIR_A_UNEXPECTED: NLA_U64, segments that do not fit
 *                                      the sender's state (state unchanged)
 *            Only once this box dropped a packet of the flow (any
 *            direction): packets of this direction that the kernel freed
 *            as dropped (the kfree_skb tracepoint), mostly after flowmon
 *            counted them:
 *            FLOWMON_DIR_A_DROPPED_PACKETS: NLA_U64
 *            FLOWMON_DIR_A_DROPPED_BYTES: NLA_U64, whole IP datagrams
 *        FLOWMON_FLOW_A_DOWN: NLA_NESTED, server -> client, as FLOWMON_FLOW_A_UP
 *        FLOWMON_FLOW_A_NAT: NLA_NESTED, only when NAT translated the flow
 *                            (known from its second packet on): each
 *                            endpoint on the far side of the translation
 *            FLOWMON_NAT_A_FLAGS: NLA_U32, FLOWMON_NAT_F_*: which sides
 *            FLOWMON_NAT_A_CLIENT_ADDR: NLA_BINARY, the client as the
 *                                       server sees it (SNAT, masquerade)
 *            FLOWMON_NAT_A_CLIENT_PORT: NLA_U16; ICMP echo: the identifier
 *            FLOWMON_NAT_A_SERVER_ADDR: NLA_BINARY, the server as really
 *                                       reached (DNAT, port forward)
 *            FLOWMON_NAT_A_SERVER_PORT: NLA_U16
 *        What the flow is, from its first payloads or else its ports (see
 *        flowmon(4)); each is absent while unknown:
 *        FLOWMON_FLOW_A_L5: NLA_NUL_STRING, the application protocol: "dns",
 *                           "mdns", "llmnr", "dhcp", "ntp", "tls", "quic",
 *                           "http", "ssh", "smtp", "imap", "pop3", "ftp",
 *                           "bittorrent", "wireguard", "esp" or "ah"
 *        FLOWMON_FLOW_A_L5_SOURCE: NLA_U8, enum flowmon_l5_source: what said so
 *        FLOWMON_FLOW_A_SECURED: NLA_U8, enum flowmon_secured
 *        FLOWMON_FLOW_A_NAME: NLA_NUL_STRING, the name the client asked for:
 *                             DNS query name, TLS server name (SNI), HTTP
 *                             Host (without port), DHCP host name; lower
 *                             case letters, digits, '-', '_' and '.', at
 *                             most FLOWMON_NAME_MAX
 *        FLOWMON_FLOW_A_DNS: NLA_NESTED, DNS, mDNS and LLMNR flows
 *            FLOWMON_DNS_A_QTYPE: NLA_U16, type of the first question
 *            FLOWMON_DNS_A_RCODE: NLA_U8, response code (a response seen)
 *            FLOWMON_DNS_A_ANSWERS: NLA_U16, answer records (a response seen)
 *            FLOWMON_DNS_A_ADDR: NLA_BINARY, 4 or 16 bytes: the first A or
 *                                AAAA record answered
 *            FLOWMON_DNS_A_RESPONSE_US: NLA_U32, query to response, as seen
 *                                       here, microseconds
 *        FLOWMON_FLOW_A_DROP_REASON: NLA_NUL_STRING, why the kernel dropped
 *                                    the flow's last dropped packet: its
 *                                    enum skb_drop_reason without the
 *                                    SKB_DROP_REASON_ prefix
 *                                    ("NETFILTER_DROP", "NO_SOCKET"); the
 *                                    names are the running kernel's
 *
 * A dump may take many recvmsg() calls. It resumes from the hash bucket and
 * flow id where the previous part stopped, never from a held pointer, so a
 * flow that exists for the whole dump is returned exactly once; flows created
 * or destroyed during the dump may or may not appear. A part that follows
 * such a change carries NLM_F_DUMP_INTR: the dump is complete for the flows
 * that stayed, but it is not a snapshot.
 *
 * FLOWMON_CMD_RESET_FLOW
 * ----------------------
 * Must be called with NLM_F_REQUEST | NLM_F_DUMP. Takes an optional
 * FLOWMON_A_FILTER. Zeroes the packet, byte and payload counters of every
 * matching flow and replies as GET_FLOW, each message holding the values
 * the flow had at the instant it was zeroed: no packet is counted twice or
 * lost between the read and the zeroing.
 *
 * FLOWMON_CMD_FLUSH_FLOW
 * ----------------------
 * Must be called with NLM_F_REQUEST. Takes an optional FLOWMON_A_FILTER
 * (none: every flow). Deletes the matching flows and replies with:
 *
 *    FLOWMON_A_FLUSHED: NLA_U64, how many
 * *
 * FLOWMON_CMD_GET_STATS
 * ---------------------
 * Must be called with NLM_F_REQUEST. Takes no attributes. Replies with:
 *
 *    FLOWMON_A_STATS: NLA_NESTED
 *        FLOWMON_STATS_A_ACTIVE: NLA_U64, flows in the table now
 *        FLOWMON_STATS_A_CREATED: NLA_U64, flows ever created
 *        FLOWMON_STATS_A_DESTROYED: NLA_U64, flows ever destroyed
 *        FLOWMON_STATS_A_PARSE_ERRORS: NLA_U64, truncated/malformed headers
 *        FLOWMON_STATS_A_FRAGMENTS: NLA_U64, non-first fragments, not attributed
 *        FLOWMON_STATS_A_UNTRACKED: NLA_U64, new flows not tracked (table full
 *                                   or out of memory)
 *        FLOWMON_STATS_A_MAX_FLOWS: NLA_U64, table limit of this namespace
 *        FLOWMON_STATS_A_EXPIRED: NLA_U64, flows removed after their timeout
 *        FLOWMON_STATS_A_EVICTED_EMBRYONIC: NLA_U64, unreplied or half-open
 *                                           flows evicted for a new flow
 *        FLOWMON_STATS_A_EVICTED_CLOSED: NLA_U64, closed or TIME-WAIT flows
 *                                        evicted for a new flow
 *        FLOWMON_STATS_A_REUSED: NLA_U64, TCP flows ended by a new SYN on
 *                                their quad (port reuse)
 *        FLOWMON_STATS_A_MEMORY: NLA_U64, bytes used by records and buckets
 *        FLOWMON_STATS_A_TCP_STATES: NLA_NESTED, TCP flows with either
 *                                    endpoint in each state
 *            FLOWMON_TCP_<STATE> + 1: NLA_U64 (attribute type = state + 1)
 *        FLOWMON_STATS_A_FLUSHED: NLA_U64, flows deleted by FLUSH_FLOW
 *        FLOWMON_STATS_A_BUCKETS: NLA_U64, hash buckets now (the table
 *                                 grows with its flows)
 *        FLOWMON_STATS_A_HINTS_MALFORMED: NLA_U64, payloads that began as a
 *                                         protocol but did not parse as it:
 *                                         no hint kept from them
 *        FLOWMON_STATS_A_HINTS_LOST: NLA_U64, hints not kept for want of
 *                                    memory
 *        FLOWMON_STATS_A_DROPS: NLA_NESTED, packets of tracked flows that
 *                               the kernel dropped, by reason: an entry
 *                               per reason seen
 *            FLOWMON_DROPS_A_REASON: NLA_NESTED, repeated
 *                FLOWMON_REASON_A_NAME: NLA_NUL_STRING, as
 *                                       FLOWMON_FLOW_A_DROP_REASON;
 *                                       "OTHER_SUBSYSTEM" for the reasons
 *                                       of subsystems (mac80211...)
 *                FLOWMON_REASON_A_PACKETS: NLA_U64
 *                FLOWMON_REASON_A_BYTES: NLA_U64
 *        FLOWMON_STATS_A_HANDSHAKE_RTT: NLA_NESTED, TCP handshakes seen
 *                                       whole: SYN -> SYN-ACK plus SYN-ACK
 *                                       -> ACK as measured here, counted
 *                                       when both ends are ESTABLISHED;
 *                                       once there was one
 *            bucket + 1: NLA_U64 (attribute type = bucket + 1), for
 *                        buckets 0 to FLOWMON_HANDSHAKE_BUCKETS - 1:
 *                        handshakes longer than 2^(bucket - 1) us and up
 *                        to 2^bucket us; the last, any longer
 *        FLOWMON_STATS_A_HANDSHAKE_SUM_US: NLA_U64, their round trips
 *                                          added up, microseconds
 *
 * FLOWMON_CMD_GET_CONFIG, FLOWMON_CMD_SET_CONFIG
 * ----------------------------------------------
 * Must be called with NLM_F_REQUEST. GET_CONFIG takes no attributes and
 * replies with every value; SET_CONFIG takes any subset and changes them
 * for this namespace only, all or none (-ERANGE with an extack message if a
 * value is out of range):
 *
 *    FLOWMON_A_CONFIG: NLA_NESTED
 *        FLOWMON_CONFIG_A_MAX_FLOWS: NLA_U32, 1 to FLOWMON_MAX_FLOWS_LIMIT
 *        FLOWMON_CONFIG_A_TIMEOUT_*: NLA_U32, idle timeouts in seconds,
 *                                    1 to FLOWMON_TIMEOUT_LIMIT
 *
 * Events
 * ------
 * Multicast group FLOWMON_MCGRP_EVENTS. Messages are only built when the
 * group has listeners in the namespace. Each carries FLOWMON_A_FLOW (as in
 * GET_FLOW: for DESTROY, the final values) and:
 *
 *    FLOWMON_A_EVENT: NLA_NESTED
 *        FLOWMON_EVENT_A_TIME: NLA_U64, ns since the epoch
 *        FLOWMON_EVENT_A_OLD_CLIENT_STATE: NLA_U8 (EVENT_STATE only)
 *        FLOWMON_EVENT_A_OLD_SERVER_STATE: NLA_U8 (EVENT_STATE only)
 *        FLOWMON_EVENT_A_REASON: NLA_U8, enum flowmon_end_reason
 *                                (EVENT_DESTROY only)
 *
 * with command FLOWMON_CMD_EVENT_NEW when a record is created (with what
 * its first packet's payload told), FLOWMON_CMD_EVENT_STATE when either
 * endpoint's TCP state changes (the new states are the flow's),
 * FLOWMON_CMD_EVENT_HINT when a later payload changes what the record tells
 * of its application (FLOWMON_FLOW_A_L5, _L5_SOURCE, _SECURED, _NAME or
 * _DNS: a name learnt, a DNS response, a port's guess disproved) and
 * FLOWMON_CMD_EVENT_DESTROY when a record ends. A listener whose socket
 * buffer overflows gets ENOBUFS from recv(): events were lost, and the
 * socket goes on receiving.
 *
 * Errors
 * ------
 * -EOPNOTSUPP for a command without the flags listed above, -EINVAL or
 * -ERANGE for a malformed request (with an extack message), -EPERM without
 * the needed capability, -ENOENT for GET_FLOW of an unknown flow.
 * -EMSGSIZE never reaches userspace for dumps (they are split instead).
 * A dump's filter that passes the policy but makes no sense (a /33 IPv4
 * prefix, a port range ending below its start) is refused in the NLMSG_ERROR
 * answering the request; on kernels before 6.2, which give a dump's start
 * no extack, in the dump's NLMSG_DONE instead, with the same errno and
 * extack message.
 */

#ifndef _UAPI_LINUX_FLOWMON_H
#define _UAPI_LINUX_FLOWMON_H

#define FLOWMON_GENL_NAME "flowmon"
#define FLOWMON_GENL_VERSION 1

#define FLOWMON_MCGRP_EVENTS "events"

/* Limits of FLOWMON_CMD_SET_CONFIG values. */
#define FLOWMON_MAX_FLOWS_LIMIT (1U << 24)
#define FLOWMON_TIMEOUT_LIMIT (10U * 365 * 24 * 3600)

enum flowmon_cmd {
	FLOWMON_CMD_GET_FLOW,
	FLOWMON_CMD_GET_STATS,
	FLOWMON_CMD_RESET_FLOW,
	FLOWMON_CMD_FLUSH_FLOW,
	FLOWMON_CMD_GET_CONFIG,
	FLOWMON_CMD_SET_CONFIG,
	FLOWMON_CMD_EVENT_NEW,
	FLOWMON_CMD_EVENT_STATE,
	FLOWMON_CMD_EVENT_DESTROY,
	FLOWMON_CMD_EVENT_HINT,
	__FLOWMON_CMD_MAX
};

#define FLOWMON_CMD_MAX (__FLOWMON_CMD_MAX - 1)

/* RFC 793 connection states, in the RFC's order. */
enum flowmon_tcp_state {
	FLOWMON_TCP_CLOSED,
	FLOWMON_TCP_LISTEN,
	FLOWMON_TCP_SYN_SENT,
	FLOWMON_TCP_SYN_RECEIVED,
	FLOWMON_TCP_ESTABLISHED,
	FLOWMON_TCP_FIN_WAIT_1,
	FLOWMON_TCP_FIN_WAIT_2,
	FLOWMON_TCP_CLOSE_WAIT,
	FLOWMON_TCP_CLOSING,
	FLOWMON_TCP_LAST_ACK,
	FLOWMON_TCP_TIME_WAIT,
	__FLOWMON_TCP_STATE_MAX
};

#define FLOWMON_TCP_STATE_MAX (__FLOWMON_TCP_STATE_MAX - 1)

/*
 * Buckets of FLOWMON_STATS_A_HANDSHAKE_RTT: up to 1 us, 2 us, 4 us ... 2^24
 * us (16.8 s), and beyond.
 */
#define FLOWMON_HANDSHAKE_BUCKETS 26

/* Longest FLOWMON_FLOW_A_HISTORY, without its terminating NUL. */
#define FLOWMON_HISTORY_MAX 31

/* Longest FLOWMON_FLOW_A_L5 (and FLOWMON_FILTER_A_L5), without its NUL. */
#define FLOWMON_L5_NAME_MAX 15

/* Longest FLOWMON_FLOW_A_NAME, without its terminating NUL (a DNS name's). */
#define FLOWMON_NAME_MAX 253

/*
 * Longest FLOWMON_FLOW_A_DROP_REASON (and FLOWMON_REASON_A_NAME), without
 * its NUL; the kernel's longest is 40 characters.
 */
#define FLOWMON_DROP_REASON_MAX 63

/* What told a flow's application protocol (FLOWMON_FLOW_A_L5_SOURCE). */
enum flowmon_l5_source {
	/* A signature in the flow's first payload of either direction. */
	FLOWMON_L5_SOURCE_PAYLOAD = 1,
	/* A well-known port only: no payload seen yet, or not inspected. */
	FLOWMON_L5_SOURCE_PORT,
	/* The IP protocol itself (ESP, AH). */
	FLOWMON_L5_SOURCE_PROTOCOL,
};

/* Whether a flow's payload is protected (FLOWMON_FLOW_A_SECURED). */
enum flowmon_secured {
	/* Cleartext: HTTP, DNS, DHCP... */
	FLOWMON_SECURED_NO = 1,
	/* Encrypted or authenticated: TLS, SSH, QUIC, WireGuard, IPsec. */
	FLOWMON_SECURED_YES,
};

enum flowmon_flow_flag {
	/* The server has sent at least one packet. */
	FLOWMON_FLOW_F_REPLIED = 1U << 0,
	/* A TCP connection first seen after its handshake. */
	FLOWMON_FLOW_F_PICKED_UP = 1U << 1,
	/* An ICMP or ICMPv6 echo exchange, keyed by its identifier. */
	FLOWMON_FLOW_F_ECHO = 1U << 2,
	__FLOWMON_FLOW_F_ALL = FLOWMON_FLOW_F_REPLIED |
			       FLOWMON_FLOW_F_PICKED_UP |
			       FLOWMON_FLOW_F_ECHO
};

/* Which endpoints NAT translated (FLOWMON_NAT_A_FLAGS). */
enum flowmon_nat_flag {
	/* The client's address or port: SNAT, masquerade. */
	FLOWMON_NAT_F_CLIENT = 1U << 0,
	/* The server's address or port: DNAT, a port forward. */
	FLOWMON_NAT_F_SERVER = 1U << 1,
};

/* Why a record ended (FLOWMON_EVENT_A_REASON). */
enum flowmon_end_reason {
	FLOWMON_END_TIMEOUT,
	FLOWMON_END_EVICTED,
	FLOWMON_END_FLUSHED,
	FLOWMON_END_UNLOAD,
	FLOWMON_END_REUSED,
	__FLOWMON_END_MAX
};

#define FLOWMON_END_MAX (__FLOWMON_END_MAX - 1)

enum flowmon_attr {
	FLOWMON_A_UNSPEC,
	FLOWMON_A_PAD,
	FLOWMON_A_FLOW,
	FLOWMON_A_STATS,
	FLOWMON_A_FILTER,
	FLOWMON_A_FLUSHED,
	FLOWMON_A_CONFIG,
	FLOWMON_A_EVENT,
	__FLOWMON_A_MAX
};

#define FLOWMON_A_MAX (__FLOWMON_A_MAX - 1)

enum flowmon_flow_attr {
	FLOWMON_FLOW_A_UNSPEC,
	FLOWMON_FLOW_A_PAD,
	FLOWMON_FLOW_A_ID,
	FLOWMON_FLOW_A_FAMILY,
	FLOWMON_FLOW_A_PROTO,
	FLOWMON_FLOW_A_CLIENT_ADDR,
	FLOWMON_FLOW_A_CLIENT_PORT,
	FLOWMON_FLOW_A_SERVER_ADDR,
	FLOWMON_FLOW_A_SERVER_PORT,
	FLOWMON_FLOW_A_CLIENT_STATE,
	FLOWMON_FLOW_A_SERVER_STATE,
	FLOWMON_FLOW_A_FLAGS,
	FLOWMON_FLOW_A_FIRST_SEEN,
	FLOWMON_FLOW_A_LAST_SEEN,
	FLOWMON_FLOW_A_UP,
	FLOWMON_FLOW_A_DOWN,
	FLOWMON_FLOW_A_STATE_SINCE,
	FLOWMON_FLOW_A_HISTORY,
	FLOWMON_FLOW_A_RTT_SYN_US,
	FLOWMON_FLOW_A_RTT_ACK_US,
	FLOWMON_FLOW_A_NAT,
	FLOWMON_FLOW_A_L5,
	FLOWMON_FLOW_A_L5_SOURCE,
	FLOWMON_FLOW_A_SECURED,
	FLOWMON_FLOW_A_NAME,
	FLOWMON_FLOW_A_DNS,
	FLOWMON_FLOW_A_DROP_REASON,
	FLOWMON_FLOW_A_RTT_SERVER,
	FLOWMON_FLOW_A_RTT_CLIENT,
	__FLOWMON_FLOW_A_MAX
};

#define FLOWMON_FLOW_A_MAX (__FLOWMON_FLOW_A_MAX - 1)

enum flowmon_dir_attr {
	FLOWMON_DIR_A_UNSPEC,
	FLOWMON_DIR_A_PAD,
	FLOWMON_DIR_A_PACKETS,
	FLOWMON_DIR_A_BYTES,
	FLOWMON_DIR_A_PAYLOAD,
	FLOWMON_DIR_A_ISN,
	FLOWMON_DIR_A_SND_NXT,
	FLOWMON_DIR_A_MAX_ACK,
	FLOWMON_DIR_A_WINDOW,
	FLOWMON_DIR_A_WSCALE,
	FLOWMON_DIR_A_MSS,
	FLOWMON_DIR_A_SACK_PERM,
	FLOWMON_DIR_A_RETRANS_PACKETS,
	FLOWMON_DIR_A_RETRANS_BYTES,
	FLOWMON_DIR_A_OUT_OF_WINDOW,
	FLOWMON_DIR_A_ZERO_WINDOW,
	FLOWMON_DIR_A_UNEXPECTED,
	FLOWMON_DIR_A_DROPPED_PACKETS,
	FLOWMON_DIR_A_DROPPED_BYTES,
	__FLOWMON_DIR_A_MAX
};

#define FLOWMON_DIR_A_MAX (__FLOWMON_DIR_A_MAX - 1)

enum flowmon_rtt_attr {
	FLOWMON_RTT_A_UNSPEC,
	FLOWMON_RTT_A_SAMPLES,
	FLOWMON_RTT_A_MIN_US,
	FLOWMON_RTT_A_SRTT_US,
	FLOWMON_RTT_A_LATEST_US,
	FLOWMON_RTT_A_MAX_US,
	__FLOWMON_RTT_A_MAX
};

#define FLOWMON_RTT_A_MAX (__FLOWMON_RTT_A_MAX - 1)

enum flowmon_nat_attr {
	FLOWMON_NAT_A_UNSPEC,
	FLOWMON_NAT_A_FLAGS,
	FLOWMON_NAT_A_CLIENT_ADDR,
	FLOWMON_NAT_A_CLIENT_PORT,
	FLOWMON_NAT_A_SERVER_ADDR,
	FLOWMON_NAT_A_SERVER_PORT,
	__FLOWMON_NAT_A_MAX
};

#define FLOWMON_NAT_A_MAX (__FLOWMON_NAT_A_MAX - 1)

enum flowmon_dns_attr {
	FLOWMON_DNS_A_UNSPEC,
	FLOWMON_DNS_A_QTYPE,
	FLOWMON_DNS_A_RCODE,
	FLOWMON_DNS_A_ANSWERS,
	FLOWMON_DNS_A_ADDR,
	FLOWMON_DNS_A_RESPONSE_US,
	__FLOWMON_DNS_A_MAX
};

#define FLOWMON_DNS_A_MAX (__FLOWMON_DNS_A_MAX - 1)

enum flowmon_stats_attr {
	FLOWMON_STATS_A_UNSPEC,
	FLOWMON_STATS_A_PAD,
	FLOWMON_STATS_A_ACTIVE,
	FLOWMON_STATS_A_CREATED,
	FLOWMON_STATS_A_DESTROYED,
	FLOWMON_STATS_A_PARSE_ERRORS,
	FLOWMON_STATS_A_FRAGMENTS,
	FLOWMON_STATS_A_UNTRACKED,
	FLOWMON_STATS_A_MAX_FLOWS,
	FLOWMON_STATS_A_EXPIRED,
	FLOWMON_STATS_A_EVICTED_EMBRYONIC,
	FLOWMON_STATS_A_EVICTED_CLOSED,
	FLOWMON_STATS_A_REUSED,
	FLOWMON_STATS_A_MEMORY,
	FLOWMON_STATS_A_TCP_STATES,
	FLOWMON_STATS_A_FLUSHED,
	FLOWMON_STATS_A_BUCKETS,
	FLOWMON_STATS_A_HINTS_MALFORMED,
	FLOWMON_STATS_A_HINTS_LOST,
	FLOWMON_STATS_A_DROPS,
	FLOWMON_STATS_A_HANDSHAKE_RTT,
	FLOWMON_STATS_A_HANDSHAKE_SUM_US,
	__FLOWMON_STATS_A_MAX
};

#define FLOWMON_STATS_A_MAX (__FLOWMON_STATS_A_MAX - 1)

enum flowmon_drops_attr {
	FLOWMON_DROPS_A_UNSPEC,
	FLOWMON_DROPS_A_REASON,
	__FLOWMON_DROPS_A_MAX
};

#define FLOWMON_DROPS_A_MAX (__FLOWMON_DROPS_A_MAX - 1)

enum flowmon_reason_attr {
	FLOWMON_REASON_A_UNSPEC,
	FLOWMON_REASON_A_PAD,
	FLOWMON_REASON_A_NAME,
	FLOWMON_REASON_A_PACKETS,
	FLOWMON_REASON_A_BYTES,
	__FLOWMON_REASON_A_MAX
};

#define FLOWMON_REASON_A_MAX (__FLOWMON_REASON_A_MAX - 1)

enum flowmon_filter_attr {
	FLOWMON_FILTER_A_UNSPEC,
	FLOWMON_FILTER_A_PAD,
	FLOWMON_FILTER_A_STATES,
	FLOWMON_FILTER_A_PROTO,
	FLOWMON_FILTER_A_FAMILY,
	FLOWMON_FILTER_A_CLIENT_PREFIX,
	FLOWMON_FILTER_A_SERVER_PREFIX,
	FLOWMON_FILTER_A_ANY_PREFIX,
	FLOWMON_FILTER_A_CLIENT_PORTS,
	FLOWMON_FILTER_A_SERVER_PORTS,
	FLOWMON_FILTER_A_ANY_PORTS,
	FLOWMON_FILTER_A_MIN_BYTES,
	FLOWMON_FILTER_A_MIN_PACKETS,
	FLOWMON_FILTER_A_IDLE_MS,
	FLOWMON_FILTER_A_AGE_MS,
	FLOWMON_FILTER_A_NAT,
	FLOWMON_FILTER_A_NAT_PREFIX,
	FLOWMON_FILTER_A_NAT_PORTS,
	FLOWMON_FILTER_A_L5,
	FLOWMON_FILTER_A_SECURED,
	FLOWMON_FILTER_A_NAME,
	FLOWMON_FILTER_A_DROPPED,
	FLOWMON_FILTER_A_MIN_RTT_US,
	__FLOWMON_FILTER_A_MAX
};

#define FLOWMON_FILTER_A_MAX (__FLOWMON_FILTER_A_MAX - 1)

enum flowmon_prefix_attr {
	FLOWMON_PREFIX_A_UNSPEC,
	FLOWMON_PREFIX_A_ADDR,
	FLOWMON_PREFIX_A_LEN,
	__FLOWMON_PREFIX_A_MAX
};

#define FLOWMON_PREFIX_A_MAX (__FLOWMON_PREFIX_A_MAX - 1)

enum flowmon_range_attr {
	FLOWMON_RANGE_A_UNSPEC,
	FLOWMON_RANGE_A_FIRST,
	FLOWMON_RANGE_A_LAST,
	__FLOWMON_RANGE_A_MAX
};

#define FLOWMON_RANGE_A_MAX (__FLOWMON_RANGE_A_MAX - 1)

enum flowmon_config_attr {
	FLOWMON_CONFIG_A_UNSPEC,
	FLOWMON_CONFIG_A_MAX_FLOWS,
	FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT,
	FLOWMON_CONFIG_A_TIMEOUT_SYN_RECV,
	FLOWMON_CONFIG_A_TIMEOUT_ESTABLISHED,
	FLOWMON_CONFIG_A_TIMEOUT_FIN_WAIT,
	FLOWMON_CONFIG_A_TIMEOUT_CLOSE_WAIT,
	FLOWMON_CONFIG_A_TIMEOUT_LAST_ACK,
	FLOWMON_CONFIG_A_TIMEOUT_TIME_WAIT,
	FLOWMON_CONFIG_A_TIMEOUT_CLOSE,
	FLOWMON_CONFIG_A_TIMEOUT_UDP,
	FLOWMON_CONFIG_A_TIMEOUT_UDP_STREAM,
	FLOWMON_CONFIG_A_TIMEOUT_ICMP,
	FLOWMON_CONFIG_A_TIMEOUT_GENERIC,
	__FLOWMON_CONFIG_A_MAX
};

#define FLOWMON_CONFIG_A_MAX (__FLOWMON_CONFIG_A_MAX - 1)

enum flowmon_event_attr {
	FLOWMON_EVENT_A_UNSPEC,
	FLOWMON_EVENT_A_PAD,
	FLOWMON_EVENT_A_TIME,
	FLOWMON_EVENT_A_OLD_CLIENT_STATE,
	FLOWMON_EVENT_A_OLD_SERVER_STATE,
	FLOWMON_EVENT_A_REASON,
	__FLOWMON_EVENT_A_MAX
};

#define FLOWMON_EVENT_A_MAX (__FLOWMON_EVENT_A_MAX - 1)

#endif /* _UAPI_LINUX_FLOWMON_H */
