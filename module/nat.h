/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What conntrack knows of a packet's connection: its original tuple, so
 * that both directions of a NATed connection find one record, and the
 * translation NAT applied to it.
 */
#ifndef _FLOWMON_NAT_H
#define _FLOWMON_NAT_H

#include <linux/skbuff.h>

#include "flow.h"

struct nf_conn;

/*
 * The addresses and ports of a record's endpoints as seen on the far side
 * of the NAT: @client as the server sees it, @server as really reached.
 * Never changed once published; a new translation replaces it whole.
 */
struct flow_nat {
	union nf_inet_addr client;
	union nf_inet_addr server;
	__be16 client_port;
	__be16 server_port;
	u8 flags;			/* FLOWMON_NAT_F_* */
};

const struct nf_conn *flow_nat_orient(const struct sk_buff *skb,
				      struct flow_packet *pkt);
void flow_nat_learn(struct flow *flow, const struct nf_conn *ct,
		    const struct flow_packet *pkt, enum flow_direction dir);

#endif /* _FLOWMON_NAT_H */
