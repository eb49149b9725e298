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

/* "SYN-RECEIVED/SYN-RECEIVED" plus NUL, rounded up. */
#define FLOW_STATE_LEN 32
/* "255" plus NUL. */
#define FLOW_PROTO_LEN 4

struct flow_dir {
	uint64_t packets;
	uint64_t bytes;		/* whole IP datagrams */
	uint64_t payload;	/* L4 payload */
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
	struct flow_dir up;	/* client -> server */
	struct flow_dir down;	/* server -> client */
};

struct flow_list {
	struct flow *flows;
	size_t len;
	size_t cap;
};

/* Fill @f from a FLOWMON_A_FLOW attribute. Returns 0 or -EBADMSG. */
int flow_parse(struct flow *f, struct nlattr *attr);

bool flow_is_tcp(const struct flow *f);
/* Whether the protocol has ports worth showing next to the addresses. */
bool flow_has_ports(const struct flow *f);

const char *flow_family_name(const struct flow *f);
/* "tcp", "udp", "icmp", "icmpv6", or the protocol number in @buf. */
const char *flow_proto_name(const struct flow *f, char buf[FLOW_PROTO_LEN]);
/* RFC 793 name of an enum flowmon_tcp_state, e.g. "SYN-SENT"; "?" if unknown. */
const char *flow_tcp_state_name(unsigned int state);
/* Summary state: see the STATE column in flowctl(8). */
const char *flow_state(const struct flow *f, char buf[FLOW_STATE_LEN]);
/* inet_ntop() of the client or server address. */
void flow_client_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN]);
void flow_server_addr(const struct flow *f, char buf[INET6_ADDRSTRLEN]);

/* Append a copy of @f. Returns 0 or -ENOMEM. */
int flow_list_append(struct flow_list *list, const struct flow *f);
/* Sort by flow id, that is, in creation order. */
void flow_list_sort(struct flow_list *list);
void flow_list_clear(struct flow_list *list);
void flow_list_free(struct flow_list *list);

#endif /* FLOWCTL_FLOW_H */
