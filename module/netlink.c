// SPDX-License-Identifier: GPL-2.0
/*
 * The "flowmon" generic netlink family; include/uapi/linux/flowmon.h
 * documents each command and its attribute tree.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "drop.h"
#include "event.h"
#include "filter.h"
#include "gc.h"
#include "handshake.h"
#include "message.h"
#include "netlink.h"
#include "record.h"
#include "tcp.h"

static bool unprivileged_read __read_mostly;
module_param(unprivileged_read, bool, 0444);
MODULE_PARM_DESC(unprivileged_read,
		 "Let users without CAP_NET_ADMIN list flows, read statistics and configuration, watch events and read /proc/net/flowmon");

static struct genl_family flowmon_family;

/* Flows handled per RCU read section by a flush, between reschedules. */
#define FLOWMON_FLUSH_BATCH	256

static const struct nla_policy flowmon_key_policy[FLOWMON_FLOW_A_MAX + 1] = {
	[FLOWMON_FLOW_A_FAMILY] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_PROTO] = { .type = NLA_U8 },
	[FLOWMON_FLOW_A_CLIENT_ADDR] = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[FLOWMON_FLOW_A_CLIENT_PORT] = { .type = NLA_U16 },
	[FLOWMON_FLOW_A_SERVER_ADDR] = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[FLOWMON_FLOW_A_SERVER_PORT] = { .type = NLA_U16 },
};

/* Not const: 6.1's policy takes a non-const pointer. */
static struct netlink_range_validation flowmon_max_flows_range = {
	.min = 1,
	.max = FLOWMON_MAX_FLOWS_LIMIT,
};

static struct netlink_range_validation flowmon_timeout_range = {
	.min = 1,
	.max = FLOWMON_TIMEOUT_LIMIT,
};

#define FLOWMON_TIMEOUT_POLICY NLA_POLICY_FULL_RANGE(NLA_U32, &flowmon_timeout_range)

static const struct nla_policy flowmon_config_policy[FLOWMON_CONFIG_A_MAX + 1] = {
	[FLOWMON_CONFIG_A_MAX_FLOWS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &flowmon_max_flows_range),
	[FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_SYN_RECV] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_ESTABLISHED] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_FIN_WAIT] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_CLOSE_WAIT] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_LAST_ACK] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_TIME_WAIT] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_CLOSE] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_UDP] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_UDP_STREAM] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_ICMP] = FLOWMON_TIMEOUT_POLICY,
	[FLOWMON_CONFIG_A_TIMEOUT_GENERIC] = FLOWMON_TIMEOUT_POLICY,
};

/* The filter's own policy lives in filter.c, which parses it. */
static const struct nla_policy flowmon_policy[FLOWMON_A_MAX + 1] = {
	[FLOWMON_A_FLOW] = NLA_POLICY_NESTED(flowmon_key_policy),
	[FLOWMON_A_FILTER] = NLA_POLICY_NESTED(flow_filter_policy),
	[FLOWMON_A_CONFIG] = NLA_POLICY_NESTED(flowmon_config_policy),
};

/* A dump's position and filter, kept between its parts in cb->args. */
struct flowmon_dump {
	struct flow_cursor cursor;
	struct flow_filter *filter;	/* NULL: every flow */
	bool filter_pending;		/* parse it in the first part */
};

static struct flowmon_dump *flowmon_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct flowmon_dump) > sizeof(cb->args));
	return (struct flowmon_dump *)cb->args;
}

static struct flowmon_net *flowmon_sock_pernet(struct sk_buff *skb)
{
	return flowmon_pernet(sock_net(skb->sk));
}

static int flowmon_dump_parse_filter(struct netlink_callback *cb)
{
	const struct nlattr *attr = flowmon_dump_attrs(cb)[FLOWMON_A_FILTER];
	struct flowmon_dump *dump = flowmon_dump_state(cb);
	struct flow_filter *filter;
	int ret;

	dump->filter_pending = false;
	if (!attr)
		return 0;
	filter = kmalloc(sizeof(*filter), GFP_KERNEL);
	if (!filter)
		return -ENOMEM;
	ret = flow_filter_parse(filter, attr, cb->extack);
	if (ret) {
		kfree(filter);
		return ret;
	}
	dump->filter = filter;
	return 0;
}

/*
 * A bad filter is refused where its extack message reaches the requester:
 * here when netlink passes ->start() an extack (since 6.2), else (6.1) in
 * the dump's first part, whose error ends the dump in an NLMSG_DONE that
 * carries the message.
 */
static int flowmon_dump_start(struct netlink_callback *cb)
{
	if (!cb->extack) {
		flowmon_dump_state(cb)->filter_pending = true;
		return 0;
	}
	return flowmon_dump_parse_filter(cb);
}

static int flowmon_dump_done(struct netlink_callback *cb)
{
	kfree(flowmon_dump_state(cb)->filter);
	return 0;
}

/*
 * One flow's message in a dump. A reset takes the counters (zeroing them)
 * and, when the message does not fit, gives them back: the flow is then
 * reset in the next part, and nothing counted meanwhile is lost.
 */
static int flowmon_dump_flow(struct sk_buff *skb, struct netlink_callback *cb,
			     struct flow *flow, u8 cmd)
{
	u16 flags = NLM_F_MULTI;
	struct flow_counts counts[2];
	void *hdr;

	if (flowmon_dump_state(cb)->filter)
		flags |= NLM_F_DUMP_FILTERED;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &flowmon_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	if (cmd == FLOWMON_CMD_RESET_FLOW)
		flow_take_counts(flow, counts);
	else
		flow_read_counts(flow, counts);
	if (flowmon_put_flow(skb, flow, counts)) {
		if (cmd == FLOWMON_CMD_RESET_FLOW)
			flow_return_counts(flow, counts);
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Fills @skb with as many matching flows as fit, then returns; netlink
 * calls again for the next part until a call adds nothing. The cursor
 * moves past a flow once it is skipped or its message is in @skb. Parts
 * that follow a change of the table are flagged NLM_F_DUMP_INTR.
 */
static int flowmon_dump_flows(struct sk_buff *skb, struct netlink_callback *cb,
			      u8 cmd)
{
	struct flowmon_dump *dump = flowmon_dump_state(cb);
	struct flow_table *table = &flowmon_sock_pernet(skb)->table;
	struct flow_cursor next = dump->cursor;
	u64 now = ktime_get_real_ns();
	struct flow *flow;
	int ret;

	if (dump->filter_pending) {
		ret = flowmon_dump_parse_filter(cb);
		if (ret)
			return ret;
	}
	cb->seq = atomic_read(&table->generation);
	flow_table_walk_start(table);
	while ((flow = flow_table_next(table, &next))) {
		if ((!dump->filter || flow_filter_match(dump->filter, flow, now)) &&
		    flowmon_dump_flow(skb, cb, flow, cmd))
			break;
		dump->cursor = next;
	}
	flow_table_walk_stop(table);
	return skb->len;
}

static int flowmon_get_flow_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	return flowmon_dump_flows(skb, cb, FLOWMON_CMD_GET_FLOW);
}

static int flowmon_reset_flow_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	return flowmon_dump_flows(skb, cb, FLOWMON_CMD_RESET_FLOW);
}

static int flowmon_parse_addr(union nf_inet_addr *addr, u8 family,
			      const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	size_t len = family == AF_INET ? sizeof(struct in_addr) :
					 sizeof(struct in6_addr);

	if (nla_len(attr) != len) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address length does not match the family");
		return -EINVAL;
	}
	nla_memcpy(addr, attr, len);
	return 0;
}

/* The tuple of GET_FLOW's FLOWMON_A_FLOW: the client as the source. */
static int flowmon_parse_key(struct flow_tuple *tuple,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	static const int required[] = {
		FLOWMON_FLOW_A_FAMILY, FLOWMON_FLOW_A_PROTO,
		FLOWMON_FLOW_A_CLIENT_ADDR, FLOWMON_FLOW_A_CLIENT_PORT,
		FLOWMON_FLOW_A_SERVER_ADDR, FLOWMON_FLOW_A_SERVER_PORT,
	};
	struct nlattr *tb[FLOWMON_FLOW_A_MAX + 1];
	int i, ret;

	ret = nla_parse_nested(tb, FLOWMON_FLOW_A_MAX, attr,
			       flowmon_key_policy, extack);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "flow key needs family, protocol, both addresses and both ports");
			return -EINVAL;
		}
	}

	memset(tuple, 0, sizeof(*tuple));
	tuple->family = nla_get_u8(tb[FLOWMON_FLOW_A_FAMILY]);
	if (tuple->family != AF_INET && tuple->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FLOWMON_FLOW_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	tuple->proto = nla_get_u8(tb[FLOWMON_FLOW_A_PROTO]);
	tuple->sport = htons(nla_get_u16(tb[FLOWMON_FLOW_A_CLIENT_PORT]));
	tuple->dport = htons(nla_get_u16(tb[FLOWMON_FLOW_A_SERVER_PORT]));
	ret = flowmon_parse_addr(&tuple->src, tuple->family,
				 tb[FLOWMON_FLOW_A_CLIENT_ADDR], extack);
	if (ret)
		return ret;
	return flowmon_parse_addr(&tuple->dst, tuple->family,
				  tb[FLOWMON_FLOW_A_SERVER_ADDR], extack);
}

static int flowmon_get_flow_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct flowmon_net *fn = flowmon_pernet(genl_info_net(info));
	struct flow_counts counts[2];
	struct flow_tuple tuple;
	enum flow_direction dir;
	struct sk_buff *msg;
	struct flow *flow;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, FLOWMON_A_FLOW))
		return -EINVAL;
	ret = flowmon_parse_key(&tuple, info->attrs[FLOWMON_A_FLOW],
				info->extack);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &flowmon_family, 0,
				FLOWMON_CMD_GET_FLOW);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err;
	}

	/* Not during a resize, which could hide the flow from a lookup. */
	flow_table_walk_start(&fn->table);
	flow = flow_table_lookup(&fn->table, &tuple,
				 flow_table_hash(&fn->table, &tuple), &dir);
	if (flow) {
		flow_read_counts(flow, counts);
		ret = flowmon_put_flow(msg, flow, counts);
	}
	flow_table_walk_stop(&fn->table);
	if (!flow) {
		NL_SET_ERR_MSG(info->extack, "no such flow");
		ret = -ENOENT;
	}
	if (ret)
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return ret;
}

/*
 * Deletes the matching flows, a batch per RCU read section so that a big
 * table does not hold up grace periods or other tasks.
 */
static u64 flowmon_flush(struct flowmon_net *fn,
			 const struct flow_filter *filter)
{
	struct flow_cursor cursor = {};
	u64 now = ktime_get_real_ns();
	unsigned int batch;
	struct flow *flow;
	u64 flushed = 0;

	do {
		flow_table_walk_start(&fn->table);
		for (batch = 0; batch < FLOWMON_FLUSH_BATCH; batch++) {
			flow = flow_table_next(&fn->table, &cursor);
			if (!flow)
				break;
			if (flow_filter_match(filter, flow, now) &&
			    flowmon_flow_destroy(fn, flow, FLOW_END_FLUSHED))
				flushed++;
		}
		flow_table_walk_stop(&fn->table);
		cond_resched();
	} while (flow);
	return flushed;
}

static int flowmon_flush_flow_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct flowmon_net *fn = flowmon_pernet(genl_info_net(info));
	struct flow_filter filter;
	struct sk_buff *msg;
	u64 flushed;
	void *hdr;
	int ret;

	ret = flow_filter_parse(&filter, info->attrs[FLOWMON_A_FILTER],
				info->extack);
	if (ret)
		return ret;
	flushed = flowmon_flush(fn, &filter);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &flowmon_family, 0,
				FLOWMON_CMD_FLUSH_FLOW);
	if (!hdr || nla_put_u64_64bit(msg, FLOWMON_A_FLUSHED, flushed,
				      FLOWMON_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* TCP flows with either endpoint in each state, as --state matches. */
static void flowmon_count_tcp_states(struct flow_table *table, u64 *counts)
{
	struct flow_cursor cursor = {};
	struct flow *flow;
	u8 client, server;

	flow_table_walk_start(table);
	while ((flow = flow_table_next(table, &cursor))) {
		if (flow->key.proto != IPPROTO_TCP)
			continue;
		flow_tcp_states(flow, &client, &server);
		counts[client]++;
		if (server != client)
			counts[server]++;
	}
	flow_table_walk_stop(table);
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

static int flowmon_put_drop_slot(struct sk_buff *skb, unsigned int slot,
				 u64 packets, u64 bytes)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_DROPS_A_REASON);
	const char *name = flowmon_drop_slot_name(slot);

	if (!nest ||
	    nla_put_string(skb, FLOWMON_REASON_A_NAME, name ?: "UNKNOWN") ||
	    nla_put_u64_64bit(skb, FLOWMON_REASON_A_PACKETS, packets,
			      FLOWMON_REASON_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_REASON_A_BYTES, bytes,
			      FLOWMON_REASON_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* FLOWMON_STATS_A_DROPS: an entry per reason the namespace has seen. */
static int flowmon_put_drops(struct sk_buff *skb, struct flowmon_net *fn)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_STATS_A_DROPS);
	unsigned int slot;
	u64 packets, bytes;
	int ret = 0;

	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	for (slot = 0; slot < FLOWMON_DROP_SLOTS && !ret; slot++) {
		if (flowmon_drop_slot_read(fn, slot, &packets, &bytes) &&
		    packets)
			ret = flowmon_put_drop_slot(skb, slot, packets, bytes);
	}
	rcu_read_unlock();
	if (ret)
		return ret;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * FLOWMON_STATS_A_HANDSHAKE_RTT and _SUM_US, once the namespace saw a
 * handshake whole.
 */
static int flowmon_put_handshakes(struct sk_buff *skb, struct flowmon_net *fn)
{
	struct flowmon_handshake_totals totals;
	struct nlattr *nest;
	unsigned int i;

	if (!flowmon_handshake_read(fn, &totals))
		return 0;
	nest = nla_nest_start(skb, FLOWMON_STATS_A_HANDSHAKE_RTT);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++) {
		if (nla_put_u64_64bit(skb, i + 1, totals.buckets[i],
				      FLOWMON_STATS_A_PAD))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return nla_put_u64_64bit(skb, FLOWMON_STATS_A_HANDSHAKE_SUM_US,
				 totals.sum_us, FLOWMON_STATS_A_PAD);
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
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_FLUSHED,
			      atomic64_read(&stats->flushed), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_MEMORY,
			      flow_table_memory(&fn->table), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_BUCKETS,
			      flow_table_buckets(&fn->table), FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_HINTS_MALFORMED,
			      atomic64_read(&stats->hints_malformed),
			      FLOWMON_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWMON_STATS_A_HINTS_LOST,
			      atomic64_read(&stats->hints_lost),
			      FLOWMON_STATS_A_PAD) ||
	    flowmon_put_tcp_states(skb, &fn->table) ||
	    flowmon_put_drops(skb, fn) ||
	    flowmon_put_handshakes(skb, fn))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Replies to @info with one @cmd message, filled in by @fill. */
static int flowmon_reply(struct genl_info *info, u8 cmd, size_t size,
			 int (*fill)(struct sk_buff *skb, struct flowmon_net *fn))
{
	struct flowmon_net *fn = flowmon_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &flowmon_family, 0, cmd);
	if (!hdr || fill(msg, fn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Room for the counters, and for every drop reason at once. */
static size_t flowmon_stats_size(void)
{
	return NLMSG_DEFAULT_SIZE +
	       FLOWMON_DROP_SLOTS * (nla_total_size(0) +
				     nla_total_size(FLOWMON_DROP_REASON_MAX + 1) +
				     2 * nla_total_size_64bit(sizeof(u64))) +
	       nla_total_size(0) +
	       (FLOWMON_HANDSHAKE_BUCKETS + 1) * nla_total_size_64bit(sizeof(u64));
}

static int flowmon_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	return flowmon_reply(info, FLOWMON_CMD_GET_STATS, flowmon_stats_size(),
			     flowmon_put_stats);
}

/* The timeout that FLOWMON_CONFIG_A_TIMEOUT_* @attr sets. */
static u32 *flowmon_config_timeout(struct flowmon_timeouts *t, int attr)
{
	BUILD_BUG_ON(FLOWMON_CONFIG_A_MAX - FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT + 1 !=
		     FLOWMON_TIMEOUT_NR);
	BUILD_BUG_ON(FLOWMON_CONFIG_A_TIMEOUT_GENERIC - FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT !=
		     FLOWMON_TIMEOUT_GENERIC);
	return &t->secs[attr - FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT];
}

static int flowmon_put_config(struct sk_buff *skb, struct flowmon_net *fn)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_A_CONFIG);
	int attr;

	if (!nest || nla_put_u32(skb, FLOWMON_CONFIG_A_MAX_FLOWS,
				 READ_ONCE(fn->table.max_flows)))
		return -EMSGSIZE;
	for (attr = FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT;
	     attr <= FLOWMON_CONFIG_A_MAX; attr++) {
		if (nla_put_u32(skb, attr,
				READ_ONCE(*flowmon_config_timeout(&fn->timeouts,
								  attr))))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int flowmon_get_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	return flowmon_reply(info, FLOWMON_CMD_GET_CONFIG, NLMSG_DEFAULT_SIZE,
			     flowmon_put_config);
}

/* The policy has range-checked every value already. */
static int flowmon_set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct flowmon_net *fn = flowmon_pernet(genl_info_net(info));
	struct flowmon_timeouts *t = &fn->timeouts;
	struct nlattr *tb[FLOWMON_CONFIG_A_MAX + 1];
	int attr, ret;

	if (GENL_REQ_ATTR_CHECK(info, FLOWMON_A_CONFIG))
		return -EINVAL;
	ret = nla_parse_nested(tb, FLOWMON_CONFIG_A_MAX,
			       info->attrs[FLOWMON_A_CONFIG],
			       flowmon_config_policy, info->extack);
	if (ret)
		return ret;

	if (tb[FLOWMON_CONFIG_A_MAX_FLOWS])
		WRITE_ONCE(fn->table.max_flows,
			   nla_get_u32(tb[FLOWMON_CONFIG_A_MAX_FLOWS]));
	for (attr = FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT;
	     attr <= FLOWMON_CONFIG_A_MAX; attr++) {
		if (tb[attr])
			WRITE_ONCE(*flowmon_config_timeout(t, attr),
				   nla_get_u32(tb[attr]));
	}
	flowmon_gc_replan(fn);
	return 0;
}

/* Set at load from unprivileged_read, before the family is registered. */
static struct genl_ops flowmon_genl_ops[] __ro_after_init = {
	{
		.cmd = FLOWMON_CMD_GET_FLOW,
		.doit = flowmon_get_flow_doit,
		.start = flowmon_dump_start,
		.dumpit = flowmon_get_flow_dump,
		.done = flowmon_dump_done,
	},
	{
		.cmd = FLOWMON_CMD_GET_STATS,
		.doit = flowmon_get_stats_doit,
	},
	{
		.cmd = FLOWMON_CMD_RESET_FLOW,
		.start = flowmon_dump_start,
		.dumpit = flowmon_reset_flow_dump,
		.done = flowmon_dump_done,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = FLOWMON_CMD_FLUSH_FLOW,
		.doit = flowmon_flush_flow_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = FLOWMON_CMD_GET_CONFIG,
		.doit = flowmon_get_config_doit,
	},
	{
		.cmd = FLOWMON_CMD_SET_CONFIG,
		.doit = flowmon_set_config_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_multicast_group flowmon_mcgrps[] __ro_after_init = {
	{ .name = FLOWMON_MCGRP_EVENTS },
};

/*
 * Not parallel: every request runs under the genetlink mutex, so that
 * unregistering the family waits for the last one before the namespaces'
 * tables go away.
 */
static struct genl_family flowmon_family __ro_after_init = {
	.name = FLOWMON_GENL_NAME,
	.version = FLOWMON_GENL_VERSION,
	.maxattr = FLOWMON_A_MAX,
	.policy = flowmon_policy,
	.netnsok = true,
	.ops = flowmon_genl_ops,
	.n_ops = ARRAY_SIZE(flowmon_genl_ops),
	.mcgrps = flowmon_mcgrps,
	.n_mcgrps = ARRAY_SIZE(flowmon_mcgrps),
	.module = THIS_MODULE,
};

static int flowmon_put_event(struct sk_buff *skb, u8 cmd,
			     const struct flowmon_event *event)
{
	const struct flow_transition *tr = event->transition;
	struct nlattr *nest = nla_nest_start(skb, FLOWMON_A_EVENT);

	if (!nest ||
	    nla_put_u64_64bit(skb, FLOWMON_EVENT_A_TIME, event->time,
			      FLOWMON_EVENT_A_PAD) ||
	    (cmd == FLOWMON_CMD_EVENT_STATE &&
	     (nla_put_u8(skb, FLOWMON_EVENT_A_OLD_CLIENT_STATE,
			 tr->old[FLOW_DIR_UP]) ||
	      nla_put_u8(skb, FLOWMON_EVENT_A_OLD_SERVER_STATE,
			 tr->old[FLOW_DIR_DOWN]))) ||
	    (cmd == FLOWMON_CMD_EVENT_DESTROY &&
	     nla_put_u8(skb, FLOWMON_EVENT_A_REASON, event->reason)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Builds and multicasts one event, in any context. A listener that cannot
 * take it sees ENOBUFS on its socket; so does every listener when the
 * message cannot be built (out of memory), as ctnetlink does: the loss is
 * reported, never silent.
 */
static void flowmon_notify(struct net *net, u8 cmd, struct flow *flow,
			   const struct flowmon_event *event)
{
	struct flow_counts counts[2];
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &flowmon_family, 0, cmd);
	flow_read_counts(flow, counts);
	if (!hdr || flowmon_put_flow(skb, flow, counts) ||
	    flowmon_put_event(skb, cmd, event)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&flowmon_family, net, skb, 0, 0, GFP_ATOMIC);
	return;
lost:
	genl_set_err(&flowmon_family, net, 0, 0, -ENOBUFS);
}

static const u8 flowmon_event_cmds[] = {
	[FLOWMON_EVENT_NEW] = FLOWMON_CMD_EVENT_NEW,
	[FLOWMON_EVENT_STATE] = FLOWMON_CMD_EVENT_STATE,
	[FLOWMON_EVENT_DESTROY] = FLOWMON_CMD_EVENT_DESTROY,
	[FLOWMON_EVENT_HINT] = FLOWMON_CMD_EVENT_HINT,
};

/* Every event becomes a message, if the namespace has listeners. */
static int flowmon_event_notify(struct notifier_block *nb, unsigned long type,
				void *data)
{
	const struct flowmon_event *event = data;

	if (type < ARRAY_SIZE(flowmon_event_cmds) &&
	    genl_has_listeners(&flowmon_family, event->net, 0))
		flowmon_notify(event->net, flowmon_event_cmds[type], event->flow,
			       event);
	return NOTIFY_DONE;
}

static struct notifier_block flowmon_event_nb = {
	.notifier_call = flowmon_event_notify,
};

/* The last word to listeners at unload: every flow ends. */
static void flowmon_notify_unload(struct net *net)
{
	struct flowmon_event event = {
		.net = net,
		.time = ktime_get_real_ns(),
		.reason = FLOWMON_END_UNLOAD,
	};
	struct flowmon_net *fn = flowmon_pernet(net);
	struct flow_cursor cursor = {};
	struct flow *flow;

	if (!genl_has_listeners(&flowmon_family, net, 0))
		return;
	flow_table_walk_start(&fn->table);
	while ((flow = flow_table_next(&fn->table, &cursor)))
		flowmon_notify(net, FLOWMON_CMD_EVENT_DESTROY, flow, &event);
	flow_table_walk_stop(&fn->table);
}

int __init flowmon_genetlink_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(flowmon_genl_ops); i++) {
		if (!unprivileged_read)
			flowmon_genl_ops[i].flags |= GENL_UNS_ADMIN_PERM;
	}
	if (!unprivileged_read)
		flowmon_mcgrps[0].flags = GENL_MCAST_CAP_NET_ADMIN;
	ret = genl_register_family(&flowmon_family);
	if (ret)
		return ret;
	ret = flowmon_event_register(&flowmon_event_nb);
	if (ret)
		genl_unregister_family(&flowmon_family);
	return ret;
}

void flowmon_genetlink_uninit(void)
{
	struct net *net;

	/* No new events; waits for those being built in the packet path. */
	flowmon_event_unregister(&flowmon_event_nb);
	down_read(&net_rwsem);
	for_each_net(net)
		flowmon_notify_unload(net);
	up_read(&net_rwsem);
	genl_unregister_family(&flowmon_family);
}

bool flowmon_unprivileged_read(void)
{
	return unprivileged_read;
}
