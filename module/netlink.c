// SPDX-License-Identifier: GPL-2.0
/*
 * The "flowmon" generic netlink family; include/uapi/linux/flowmon.h
 * documents each command and its attribute tree.
 */
#include <linux/flowmon.h>
#include <linux/in.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"
#include "netns.h"
#include "tcp.h"

static struct genl_family flowmon_family;

/* The dump's position, kept between parts in the callback's args. */
static struct flow_cursor *flowmon_dump_cursor(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct flow_cursor) > sizeof(cb->args));
	return (struct flow_cursor *)cb->args;
}

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
	char history[FLOWMON_HISTORY_MAX + 1];
	u64 state_since;
	u32 rtt_syn_us;
	u32 rtt_ack_us;
};

static void flowmon_tcp_snapshot(struct flow *flow,
				 struct flowmon_tcp_snapshot *snap)
{
	spin_lock_bh(&flow->lock);
	memcpy(snap->tcp, flow->tcp, sizeof(snap->tcp));
	memcpy(snap->history, flow->history.text, sizeof(snap->history));
	snap->state_since = flow->state_since;
	snap->rtt_syn_us = flow->rtt_syn_us;
	snap->rtt_ack_us = flow->rtt_ack_us;
	spin_unlock_bh(&flow->lock);
}

static int flowmon_put_tcb(struct sk_buff *skb,
			   const struct flow_tcp_endpoint *ep)
{
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
			      ep->retrans_packets, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_RETRANS_BYTES,
			      ep->retrans_bytes, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_OUT_OF_WINDOW,
			      ep->out_of_window, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_ZERO_WINDOW,
			      ep->zero_window, FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_UNEXPECTED,
			      ep->unexpected, FLOWMON_DIR_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* One direction: counters, and for TCP the facts about its sender. */
static int flowmon_put_direction(struct sk_buff *skb, int attr,
				 const struct flow_counters *count,
				 const struct flow_tcp_endpoint *ep)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, FLOWMON_DIR_A_PACKETS,
			      atomic64_read(&count->packets), FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_BYTES,
			      atomic64_read(&count->bytes), FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_PAYLOAD,
			      atomic64_read(&count->payload), FLOWMON_DIR_A_PAD) ||
	    (ep && flowmon_put_tcb(skb, ep))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_put_tcp(struct sk_buff *skb,
			   const struct flowmon_tcp_snapshot *snap)
{
	if (nla_put_u8(skb, FLOWMON_FLOW_A_CLIENT_STATE,
		       snap->tcp[FLOW_DIR_UP].state) ||
	    nla_put_u8(skb, FLOWMON_FLOW_A_SERVER_STATE,
		       snap->tcp[FLOW_DIR_DOWN].state) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_STATE_SINCE,
			      snap->state_since, FLOWMON_FLOW_A_PAD) ||
	    nla_put_string(skb, FLOWMON_FLOW_A_HISTORY, snap->history) ||
	    (snap->rtt_syn_us &&
	     nla_put_u32(skb, FLOWMON_FLOW_A_RTT_SYN_US, snap->rtt_syn_us)) ||
	    (snap->rtt_ack_us &&
	     nla_put_u32(skb, FLOWMON_FLOW_A_RTT_ACK_US, snap->rtt_ack_us)))
		return -EMSGSIZE;
	return 0;
}

static int flowmon_put_flow(struct sk_buff *skb, struct flow *flow)
{
	const struct flow_tuple *key = &flow->key;
	bool tcp = key->proto == IPPROTO_TCP;
	struct flowmon_tcp_snapshot snap;
	struct nlattr *nest;

	if (tcp)
		flowmon_tcp_snapshot(flow, &snap);
	nest = nla_nest_start(skb, FLOWMON_A_FLOW);

	if (!nest)
		return -EMSGSIZE;
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
	    flowmon_put_direction(skb, FLOWMON_FLOW_A_UP,
				  &flow->count[FLOW_DIR_UP],
				  tcp ? &snap.tcp[FLOW_DIR_UP] : NULL) ||
	    flowmon_put_direction(skb, FLOWMON_FLOW_A_DOWN,
				  &flow->count[FLOW_DIR_DOWN],
				  tcp ? &snap.tcp[FLOW_DIR_DOWN] : NULL)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_dump_flow(struct sk_buff *skb, struct netlink_callback *cb,
			     struct flow *flow)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &flowmon_family, NLM_F_MULTI, FLOWMON_CMD_GET_FLOW);
	if (!hdr)
		return -EMSGSIZE;
	if (flowmon_put_flow(skb, flow)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Fills @skb with as many flows as fit, then returns; netlink calls again
 * for the next part until a call adds nothing. The cursor moves past a
 * flow only once that flow's message is in @skb.
 */
static int flowmon_get_flow_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct flow_table *table = &flowmon_pernet(sock_net(skb->sk))->table;
	struct flow_cursor *cursor = flowmon_dump_cursor(cb);
	struct flow_cursor next = *cursor;
	struct flow *flow;

	rcu_read_lock();
	while ((flow = flow_table_next(table, &next))) {
		if (flowmon_dump_flow(skb, cb, flow))
			break;
		*cursor = next;
	}
	rcu_read_unlock();
	return skb->len;
}

/* TCP flows with either endpoint in each state, as --state matches. */
static void flowmon_count_tcp_states(struct flow_table *table, u64 *counts)
{
	struct flow_cursor cursor = {};
	struct flow *flow;
	u8 client, server;

	rcu_read_lock();
	while ((flow = flow_table_next(table, &cursor))) {
		if (flow->key.proto != IPPROTO_TCP)
			continue;
		flow_tcp_states(flow, &client, &server);
		counts[client]++;
		if (server != client)
			counts[server]++;
	}
	rcu_read_unlock();
}

static int flowmon_put_tcp_states(struct sk_buff *skb, struct flow_table *table)
{
	u64 counts[FLOWMON_TCP_STATE_MAX + 1] = {};
	struct nlattr *nest;
	int state;

	flowmon_count_tcp_states(table, counts);
	nest = nla_nest_start(skb, FLOWMON_STATS_A_TCP_STATES);
	if (!nest)
		return -EMSGSIZE;
	for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++) {
		if (nla_put_u64_64bit(skb, state + 1, counts[state],
				      FLOWMON_STATS_A_PAD))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_put_stats(struct sk_buff *skb, struct flowmon_net *fn)
{
	const struct flowmon_stats *stats = &fn->stats;
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_A_STATS);

	if (!nest ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_ACTIVE,
			      atomic_read(&fn->table.count), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_CREATED,
			      atomic64_read(&stats->created), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_DESTROYED,
			      atomic64_read(&stats->destroyed), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_PARSE_ERRORS,
			      atomic64_read(&stats->parse_errors),
			      FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_FRAGMENTS,
			      atomic64_read(&stats->fragments), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_UNTRACKED,
			      atomic64_read(&stats->untracked), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_MAX_FLOWS,
			      fn->table.max_flows, FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_EXPIRED,
			      atomic64_read(&stats->expired), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_EVICTED_EMBRYONIC,
			      atomic64_read(&stats->evicted_embryonic),
			      FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_EVICTED_CLOSED,
			      atomic64_read(&stats->evicted_closed),
			      FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_REUSED,
			      atomic64_read(&stats->reused), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_MEMORY,
			      flow_table_memory(&fn->table), FLOWMON_STATS_A_PAD) ||
	    flowmon_put_tcp_states(skb, &fn->table))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct flowmon_net *fn = flowmon_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &flowmon_family, 0,
				FLOWMON_CMD_GET_STATS);
	if (!hdr || flowmon_put_stats(msg, fn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Reading needs CAP_NET_ADMIN in the namespace's user namespace, as for
 * conntrack: flows reveal who talks to whom.
 */
static const struct genl_small_ops flowmon_genl_ops[] = {
	{
		.cmd = FLOWMON_CMD_GET_FLOW,
		.dumpit = flowmon_get_flow_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = FLOWMON_CMD_GET_STATS,
		.doit = flowmon_get_stats_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family flowmon_family __ro_after_init = {
	.name = FLOWMON_GENL_NAME,
	.version = FLOWMON_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = flowmon_genl_ops,
	.n_small_ops = ARRAY_SIZE(flowmon_genl_ops),
	.module = THIS_MODULE,
};

int __init flowmon_genetlink_init(void)
{
	return genl_register_family(&flowmon_family);
}

void flowmon_genetlink_uninit(void)
{
	genl_unregister_family(&flowmon_family);
}
