/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_FILTER_H
#define _FLOWMON_FILTER_H

#include <net/netlink.h>

#include "flow.h"

struct flow_prefix {
	union nf_inet_addr addr;
	u8 family;		/* 0: no condition */
	u8 len;
};

struct flow_port_range {
	u16 first;
	u16 last;
	bool set;
};

/* The conditions of a FLOWMON_A_FILTER; unset ones match every flow. */
struct flow_filter {
	u32 states;
	u8 proto;
	u8 family;
	struct flow_prefix client_prefix;
	struct flow_prefix server_prefix;
	struct flow_prefix any_prefix;
	struct flow_port_range client_ports;
	struct flow_port_range server_ports;
	struct flow_port_range any_ports;
	u64 min_bytes;
	u64 min_packets;
	u64 idle_ns;
	u64 age_ns;
	bool nat;			/* translated flows only */
	struct flow_prefix nat_prefix;
	struct flow_port_range nat_ports;
	u8 l5;				/* enum flow_l5; 0: any */
	u8 secured;			/* enum flowmon_secured; 0: any */
	char name[FLOWMON_NAME_MAX + 1];	/* a glob, lower case; "": any */
	bool dropped;			/* flows with a drop only */
	u32 min_rtt_us;			/* srtt to client + to server, at least */
};

extern const struct nla_policy flow_filter_policy[FLOWMON_FILTER_A_MAX + 1];

int flow_filter_parse(struct flow_filter *filter, const struct nlattr *attr,
		      struct netlink_ext_ack *extack);
bool flow_filter_match(const struct flow_filter *filter, struct flow *flow,
		       u64 now);

#endif /* _FLOWMON_FILTER_H */
