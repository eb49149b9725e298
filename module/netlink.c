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

static int flowmon_put_counters(struct sk_buff *skb, int attr,
				const struct flow_counters *count)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, FLOWMON_DIR_A_PACKETS,
			      atomic64_read(&count->packets), FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_BYTES,
			      atomic64_read(&count->bytes), FLOWMON_DIR_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_DIR_A_PAYLOAD,
			      atomic64_read(&count->payload), FLOWMON_DIR_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_put_tcp_states(struct sk_buff *skb, struct flow *flow)
{
	u8 client, server;

	if (flow->key.proto != IPPROTO_TCP)
		return 0;
	flow_tcp_states(flow, &client, &server);
	if (nla_put_u8(skb, FLOWMON_FLOW_A_CLIENT_STATE, client) ||
	    nla_put_u8(skb, FLOWMON_FLOW_A_SERVER_STATE, server))
		return -EMSGSIZE;
	return 0;
}

static int flowmon_put_flow(struct sk_buff *skb, struct flow *flow)
{
	const struct flow_tuple *key = &flow->key;
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_A_FLOW);

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
	    flowmon_put_tcp_states(skb, flow) ||
	    nla_put_u32(skb, FLOWMON_FLOW_A_FLAGS, flow_uapi_flags(flow)) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_FIRST_SEEN, flow->first_seen,
			      FLOWMON_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_FLOW_A_LAST_SEEN,
			      READ_ONCE(flow->last_seen), FLOWMON_FLOW_A_PAD) ||
	    flowmon_put_counters(skb, FLOWMON_FLOW_A_UP,
				 &flow->count[FLOW_DIR_UP]) ||
	    flowmon_put_counters(skb, FLOWMON_FLOW_A_DOWN,
				 &flow->count[FLOW_DIR_DOWN])) {
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
			      fn->table.max_flows, FLOWMON_STATS_A_PAD))
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
