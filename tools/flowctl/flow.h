/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One flow as reported by FLOWMON_CMD_GET_FLOW, and the names derived from it.
 */
#ifndef FLOWCTL_FLOW_H
#define FLOWCTL_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netlink/attr.h>
#include <linux/flowmon.h>

/* "SYN-RECEIVED/SYN-RECEIVED" plus NUL, rounded up. */
#define FLOW_STATE_LEN 32
/* "255" plus NUL. */
#define FLOW_PROTO_LEN 4

/* Optional TCP facts the kernel sent (struct flow_dir.has); others are unknown. */
#define FLOW_DIR_HAS_ISN	(1U << 0)
#define FLOW_DIR_HAS_SND_NXT	(1U << 1)
#define FLOW_DIR_HAS_MAX_ACK	(1U << 2)
#define FLOW_DIR_HAS_WINDOW	(1U << 3)
#define FLOW_DIR_HAS_WSCALE	(1U << 4)
#define FLOW_DIR_HAS_MSS	(1U << 5)

/* Optional facts of a flow (struct flow.has). */
#define FLOW_HAS_STATE_SINCE	(1U << 0)
#define FLOW_HAS_HISTORY	(1U << 1)
#define FLOW_HAS_RTT_SYN	(1U << 2)
#define FLOW_HAS_RTT_ACK	(1U << 3)
#define FLOW_HAS_DROPS		(1U << 4)	/* this box dropped some of it */

struct flow_dir {
	uint64_t packets;
	uint64_t bytes;		/* whole IP datagrams */
	uint64_t payload;	/* L4 payload */
	/* TCP only: facts about the sender of this direction. */
	uint32_t has;		/* FLOW_DIR_HAS_* */
	uint32_t isn;
	uint32_t snd_nxt;
	uint32_t max_ack;
	uint32_t window;	/* scaled */
	uint16_t mss;
	uint8_t wscale;
	bool sack_perm;
	uint64_t retrans_packets;
	uint64_t retrans_bytes;
	uint64_t out_of_window;
	uint64_t zero_window;
	uint64_t unexpected;
	/* FLOW_HAS_DROPS: packets of this direction the kernel dropped. */
	uint64_t dropped_packets;
	uint64_t dropped_bytes;
};

/* What NAT made of a flow's endpoints (FLOWMON_FLOW_A_NAT). */
struct flow_nat {
	uint32_t flags;		/* FLOWMON_NAT_F_*; 0: not translated */
	uint16_t client_port;	/* the client as the server sees it */
	uint16_t server_port;	/* the server as really reached */
	uint8_t client_addr[16];
	uint8_t server_addr[16];
};

#define FLOW_L5_LEN (FLOWMON_L5_NAME_MAX + 1)

/* What the flow is (FLOWMON_FLOW_A_L5 and after); l5[0] is 0 if unknown. */
struct flow_app {
	char l5[FLOW_L5_LEN];
	uint8_t l5_source;	/* enum flowmon_l5_source */
	uint8_t secured;	/* enum flowmon_secured; 0: unknown */
	bool dns;		/* FLOWMON_FLOW_A_DNS came */
	bool dns_response;	/* its RCODE and ANSWERS */
	uint16_t dns_qtype;
	uint16_t dns_answers;
	uint8_t dns_rcode;
	uint8_t dns_addr_len;	/* 0, 4 or 16 */
	uint8_t dns_addr[16];
	uint32_t dns_response_us;	/* 0: unknown */
	char *name;		/* malloc()ed; NULL: none */
};

/* Round trips from the observer to one side and back, microseconds. */
struct flow_rtt {
	uint32_t samples;	/* 0: none taken, the rest unknown */
	uint32_t min_us;
	uint32_t srtt_us;	/* smoothed (RFC 6298) */
	uint32_t latest_us;
	uint32_t max_us;
};

struct flow {
	uint64_t id;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_* */
	uint8_t client_state;	/* enum flowmon_tcp_state, TCP only */
	uint8_t server_state;
	uint16_t client_port;	/* ICMP echo: the identifier */
	uint16_t server_port;
	uint32_t flags;		/* FLOWMON_FLOW_F_* */
	uint8_t client_addr[16];
	uint8_t server_addr[16];
	uint64_t first_seen;	/* ns since the epoch */
	uint64_t last_seen;
	uint32_t has;		/* FLOW_HAS_* */
	/* TCP only: */
	uint64_t state_since;	/* ns since the epoch */
	uint32_t rtt_syn_us;	/* SYN -> SYN-ACK */
	uint32_t rtt_ack_us;	/* SYN-ACK -> ACK */
	struct flow_rtt rtt_client;	/* all along the flow */
	struct flow_rtt rtt_server;
	char history[FLOWMON_HISTORY_MAX + 1];
	struct flow_dir up;	/* client -> server */
	struct flow_dir down;	/* server -> client */
	struct flow_nat nat;
	struct flow_app app;
	/* FLOW_HAS_DROPS: the last drop's reason; "" if not known. */
	char drop_reason[FLOWMON_DROP_REASON_MAX + 1];
};

struct flow_block;

/*
 * Flows in the order they are to be shown: sort_flows() reorders the
 * pointers, not the records (over 500 bytes), which stay where they were
 * appended, in blocks (a dump of a million flows is never copied).
 */
struct flow_list {
	struct flow **flows;
	size_t len;
	size_t cap;
	struct flow_block *blocks;	/* the newest first */
};

/*
 * Fill @f from a FLOWMON_A_FLOW attribute. Returns 0 or -EBADMSG (or
 * -ENOMEM); flow_release() frees what it allocated either way.
 */
int flow_parse(struct flow *f, struct nlattr *attr);
void flow_release(struct flow *f);

bool flow_is_tcp(const struct flow *f);
/*
 * The round trip through the observer: smoothed RTT to the client plus to
 * the server. Returns false, with *us 0, before any sample.
 */
bool flow_path_rtt_us(const struct flow *f, uint64_t *us);
/* Whether the protocol has ports worth showing next to the addresses. */
bool flow_has_ports(const struct flow *f);

const char *flow_family_name(const struct flow *f);
/* "tcp", "udp", "icmp", "icmpv6", or the protocol number in @buf. */
const char *flow_proto_name(const struct flow *f, char buf[FLOW_PROTO_LEN]);
/* RFC 793 name of an enum flowmon_tcp_state, e.g. "SYN-SENT"; "?" if unknown. */
const char *flow_tcp_state_name(unsigned int state);
/* "CLIENT/SERVER", or the common state when they are the same. */
const char *flow_tcp_states_name(uint8_t client, uint8_t server,
				 char buf[FLOW_STATE_LEN]);
/* Summary state: see the STATE column in flowctl(8). */
const char *flow_state(const struct flow *f, char buf[FLOW_STATE_LEN]);
/* The client or server address as text, as inet_ntop() writes it. */
void flow_client_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN]);
void flow_server_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN]);
/* The same for an address of the flow's family, e.g. of its NAT part. */
void flow_addr(const struct flow *f, const uint8_t *addr,
	       char buf[INET6_ADDRSTRLEN]);
/* "snat", "dnat", "snat,dnat", or NULL when NAT did not translate @f. */
const char *flow_nat_name(const struct flow *f);

/*
 * Parses a FLOWMON_A_FLOW attribute straight into a new record at the end
 * of @list (a million records are not parsed and then copied). Returns 0,
 * -EBADMSG or -ENOMEM; on error @list is as it was.
 */
int flow_list_parse(struct flow_list *list, struct nlattr *attr);
void flow_list_free(struct flow_list *list);

#endif /* FLOWCTL_FLOW_H */
