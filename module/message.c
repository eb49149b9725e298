// SPDX-License-Identifier: GPL-2.0
/*
 * A flow as a netlink message: FLOWMON_A_FLOW and its nests, shared by
 * replies, dumps and events.
 */
#include <linux/in.h>
#include <net/netlink.h>

#include "message.h"
#include "drop.h"
#include "ext.h"
#include "hint.h"
#include "nat.h"
#include "tcp.h"

static int flowmon_put_addr(struct sk_buff *skb, int attr,
			    const struct flow_tuple *key,
			    const union nf_inet_addr *addr)
{
	if (key->family == AF_INET)
		return nla_put_in_addr(skb, attr, addr->ip);
	return nla_put_in6_addr(skb, attr, &addr->in6);
}

/* The TCP part of a record, copied under its lock to be consistent. */
struct flowmon_tcp_snapshot {
	struct flow_tcp_endpoint tcp[2];
	struct flow_tcp_anomalies anomalies[2];
	char history[FLOWMON_HISTORY_MAX + 1];
	u64 state_since;
	struct flow_rtt rtt;
};

static void flowmon_tcp_snapshot(struct flow *flow,
				 struct flowmon_tcp_snapshot *snap)
{
	struct flow_tcp *tcp = flow_tcp(flow);

	spin_lock_bh(&tcp->lock);
	memcpy(snap->tcp, tcp->ep, sizeof(snap->tcp));
	if (tcp->anomalies)
		memcpy(snap->anomalies, tcp->anomalies, sizeof(snap->anomalies));
	else
		memset(snap->anomalies, 0, sizeof(snap->anomalies));
	memcpy(snap->history, tcp->history.text, sizeof(snap->history));
	snap->state_since = tcp->state_since;
	snap->rtt = tcp->rtt;
	spin_unlock_bh(&tcp->lock);
}

static int flowmon_put_tcb(struct sk_buff *skb,
			   const struct flowmon_tcp_snapshot *snap,
			   enum flow_direction dir)
{
	const struct flow_tcp_endpoint *ep = &snap->tcp[dir];
	const struct flow_tcp_anomalies *anomalies = &snap->anomalies[dir];

	if (((ep->seen & FLOW_TCP_SEEN_SYN) &&
	     nla_put_u32(skb, FLOWMON_DIR_A_ISN, ep->isn)) ||
	    ((ep->seen & FLOW_TCP_SEEN_DATA) &&
	     (nla_put_u32(skb, FLOWMON_DIR_A_SND_NXT, ep->end) ||
	      nla_put_u32(skb, FLOWMON_DIR_A_WINDOW, ep->window))) ||
	    ((ep->seen & FLOW_TCP_SEEN_ACK) &&
	     nla_put_u32(skb, FLOWMON_DIR_A_MAX_ACK, ep->max_ack)) ||
	    ((ep->options & FLOW_TCP_OPT_WSCALE) &&
	     nla_put_u8(skb, FLOWMON_DIR_A_WSCALE, ep->wscale)) ||
	    ((ep->options & FLOW_TCP_OPT_MSS) &&
	     nla_put_u16(skb, FLOWMON_DIR_A_MSS, ep->mss)) ||
	    ((ep->options & FLOW_TCP_OPT_SACK_PERM) &&
	     nla_put_flag(skb, FLOWMON_DIR_A_SACK_PERM)) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_RETRANS_PACKETS,
			      anomalies->retrans_packets, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_RETRANS_BYTES,
			      anomalies->retrans_bytes, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_OUT_OF_WINDOW,
			      anomalies->out_of_window, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_ZERO_WINDOW,
			      anomalies->zero_window, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_UNEXPECTED,
			      anomalies->unexpected, FLOWMON_DIR_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int flowmon_put_dropped(struct sk_buff *skb,
			       const struct flow_drop_counts *drops,
			       enum flow_direction dir)
{
	if (nla_put_u64_64bit(skb, FLOWMON_DIR_A_DROPPED_PACKETS,
			      drops->packets[dir], FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_DROPPED_BYTES,
			      drops->bytes[dir], FLOWMON_DIR_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * One direction: counters, for TCP the facts about its sender, and the
 * packets dropped if any of the flow's were (@drops, else NULL).
 */
static int flowmon_put_direction(struct sk_buff *skb, int attr,
				 const struct flow_counts *count,
				 const struct flowmon_tcp_snapshot *snap,
				 const struct flow_drop_counts *drops,
				 enum flow_direction dir)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, FLOWMON_DIR_A_PACKETS, count->packets,
			      FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_BYTES, count->bytes,
			      FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_PAYLOAD, count->payload,
			      FLOWMON_DIR_A_PAD) ||
	    (snap && flowmon_put_tcb(skb, snap, dir)) ||
	    (drops && flowmon_put_dropped(skb, drops, dir))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_put_rtt(struct sk_buff *skb, int attr,
			   const struct flow_rtt_side *side)
{
	struct nlattr *nest;

	if (!side->samples)
		return 0;
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, FLOWMON_RTT_A_SAMPLES, side->samples) ||
	    nla_put_u32(skb, FLOWMON_RTT_A_MIN_US, side->min_us) ||
	    nla_put_u32(skb, FLOWMON_RTT_A_SRTT_US, flow_rtt_srtt_us(side)) ||
	    nla_put_u32(skb, FLOWMON_RTT_A_LATEST_US, side->latest_us) ||
	    nla_put_u32(skb, FLOWMON_RTT_A_MAX_US, side->max_us)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_put_tcp(struct sk_buff *skb,
			   const struct flowmon_tcp_snapshot *snap)
{
	const struct flow_rtt *rtt = &snap->rtt;

	if (nla_put_u8(skb, FLOWMON_FLOW_A_CLIENT_STATE,
		       snap->tcp[FLOW_DIR_UP].state) ||
	    nla_put_u8(skb, FLOWMON_FLOW_A_SERVER_STATE,
		       snap->tcp[FLOW_DIR_DOWN].state) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_STATE_SINCE,
			      snap->state_since, FLOWMON_FLOW_A_PAD) ||
	    nla_put_string(skb, FLOWMON_FLOW_A_HISTORY, snap->history) ||
	    (rtt->handshake_us[FLOW_DIR_UP] &&
	     nla_put_u32(skb, FLOWMON_FLOW_A_RTT_SYN_US,
			 rtt->handshake_us[FLOW_DIR_UP])) ||
	    (rtt->handshake_us[FLOW_DIR_DOWN] &&
	     nla_put_u32(skb, FLOWMON_FLOW_A_RTT_ACK_US,
			 rtt->handshake_us[FLOW_DIR_DOWN])) ||
	    flowmon_put_rtt(skb, FLOWMON_FLOW_A_RTT_SERVER,
			    &rtt->side[FLOW_DIR_UP]) ||
	    flowmon_put_rtt(skb, FLOWMON_FLOW_A_RTT_CLIENT,
			    &rtt->side[FLOW_DIR_DOWN]))
		return -EMSGSIZE;
	return 0;
}

static int flowmon_put_nat_endpoints(struct sk_buff *skb,
				     const struct flow_tuple *key,
				     const struct flow_nat *nat)
{
	if (nla_put_u32(skb, FLOWMON_NAT_A_FLAGS, nat->flags) ||
	    flowmon_put_addr(skb, FLOWMON_NAT_A_CLIENT_ADDR, key, &nat->client) ||
	    nla_put_u16(skb, FLOWMON_NAT_A_CLIENT_PORT, ntohs(nat->client_port)) ||
	    flowmon_put_addr(skb, FLOWMON_NAT_A_SERVER_ADDR, key, &nat->server) ||
	    nla_put_u16(skb, FLOWMON_NAT_A_SERVER_PORT, ntohs(nat->server_port)))
		return -EMSGSIZE;
	return 0;
}

/* FLOWMON_FLOW_A_NAT, if NAT translated @flow. */
static int flowmon_put_nat(struct sk_buff *skb, struct flow *flow)
{
	const struct flow_nat *nat;
	struct nlattr *nest;
	int ret = 0;

	rcu_read_lock();
	nat = flow_ext_find(flow, FLOW_EXT_NAT);
	if (!nat)
		goto out;
	ret = -EMSGSIZE;
	nest = nla_nest_start(skb, FLOWMON_FLOW_A_NAT);
	if (!nest)
		goto out;
	ret = flowmon_put_nat_endpoints(skb, &flow->key, nat);
	if (ret)
		nla_nest_cancel(skb, nest);
	else
		nla_nest_end(skb, nest);
out:
	rcu_read_unlock();
	return ret;
}

/* FLOWMON_FLOW_A_DNS: what the hint part knows of a DNS exchange. */
static int flowmon_put_dns(struct sk_buff *skb,
			   const struct flow_hint *hint)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_FLOW_A_DNS);
	bool response = hint->dns & FLOW_HINT_DNS_RESPONSE;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, FLOWMON_DNS_A_QTYPE, hint->dns_qtype) ||
	    (response &&
	     (nla_put_u8(skb, FLOWMON_DNS_A_RCODE, hint->dns_rcode) ||
	      nla_put_u16(skb, FLOWMON_DNS_A_ANSWERS, hint->dns_answers))) ||
	    ((hint->dns & FLOW_HINT_DNS_ADDR) &&
	     nla_put(skb, FLOWMON_DNS_A_ADDR,
		     hint->dns_addr_family == AF_INET ? 4 : 16,
		     &hint->dns_addr)) ||
	    (hint->dns_response_us &&
	     nla_put_u32(skb, FLOWMON_DNS_A_RESPONSE_US,
			 hint->dns_response_us))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* What the flow is: FLOWMON_FLOW_A_L5 and the attributes after it. */
static int flowmon_put_hint(struct sk_buff *skb, struct flow *flow)
{
	struct flow_hint_view view;
	const struct flow_hint *hint;
	int ret = -EMSGSIZE;

	rcu_read_lock();
	flow_hint_view(flow, &view);
	hint = view.hint;
	if ((view.l5 &&
	     (nla_put_string(skb, FLOWMON_FLOW_A_L5, flow_l5_name(view.l5)) ||
	      nla_put_u8(skb, FLOWMON_FLOW_A_L5_SOURCE, view.source))) ||
	    (view.secured &&
	     nla_put_u8(skb, FLOWMON_FLOW_A_SECURED, view.secured)) ||
	    (hint && hint->name_len &&
	     nla_put_string(skb, FLOWMON_FLOW_A_NAME, hint->name)) ||
	    (hint && hint->dns && flowmon_put_dns(skb, hint)))
		goto out;
	ret = 0;
out:
	rcu_read_unlock();
	return ret;
}

/* Under RCU: the last drop's reason, by the kernel's name for it. */
static int flowmon_put_drop_reason(struct sk_buff *skb,
				   const struct flow_drop_counts *drops)
{
	const char *name = flowmon_drop_reason_name(drops->reason);

	if (name && nla_put_string(skb, FLOWMON_FLOW_A_DROP_REASON, name))
		return -EMSGSIZE;
	return 0;
}

/*
 * FLOWMON_A_FLOW for @flow, with the counter values @counts (read, or
 * taken by a reset, by the caller).
 */
int flowmon_put_flow(struct sk_buff *skb, struct flow *flow,
		     const struct flow_counts *counts)
{
	const struct flow_tuple *key = &flow->key;
	bool tcp = key->proto == IPPROTO_TCP;
	const struct flow_drop_counts *dropped;
	struct flowmon_tcp_snapshot snap;
	struct flow_drop_counts drops;
	struct nlattr *nest;
	int ret = -EMSGSIZE;

	if (tcp)
		flowmon_tcp_snapshot(flow, &snap);
	nest = nla_nest_start(skb, FLOWMON_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	dropped = flow_drops_read(flow, &drops) ? &drops : NULL;
	if (nla_put_u64_64bit(skb, FLOWMON_FLOW_A_ID, flow->id,
			      FLOWMON_FLOW_A_PAD) ||
	    nla_put_u8(skb, FLOWMON_FLOW_A_FAMILY, key->family) ||
	    nla_put_u8(skb, FLOWMON_FLOW_A_PROTO, key->proto) ||
	    flowmon_put_addr(skb, FLOWMON_FLOW_A_CLIENT_ADDR, key, &key->src) ||
	    nla_put_u16(skb, FLOWMON_FLOW_A_CLIENT_PORT, ntohs(key->sport)) ||
	    flowmon_put_addr(skb, FLOWMON_FLOW_A_SERVER_ADDR, key, &key->dst) ||
	    nla_put_u16(skb, FLOWMON_FLOW_A_SERVER_PORT, ntohs(key->dport)) ||
	    (tcp && flowmon_put_tcp(skb, &snap)) ||
	    nla_put_u32(skb, FLOWMON_FLOW_A_FLAGS, flow_uapi_flags(flow)) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_FIRST_SEEN, flow->first_seen,
			      FLOWMON_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_LAST_SEEN,
			      READ_ONCE(flow->last_seen), FLOWMON_FLOW_A_PAD) ||
	    flowmon_put_direction(skb, FLOWMON_FLOW_A_UP, &counts[FLOW_DIR_UP],
				  tcp ? &snap : NULL, dropped, FLOW_DIR_UP) ||
	    flowmon_put_direction(skb, FLOWMON_FLOW_A_DOWN,
				  &counts[FLOW_DIR_DOWN], tcp ? &snap : NULL,
				  dropped, FLOW_DIR_DOWN) ||
	    flowmon_put_nat(skb, flow) ||
	    flowmon_put_hint(skb, flow) ||
	    (dropped && flowmon_put_drop_reason(skb, dropped))) {
		nla_nest_cancel(skb, nest);
		goto out;
	}
	nla_nest_end(skb, nest);
	ret = 0;
out:
	rcu_read_unlock();
	return ret;
}

