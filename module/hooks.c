// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: parse each packet and account it to its flow.
 *
 * Hook points are those of nf_conntrack: PRE_ROUTING sees every packet that
 * arrives (for local delivery or forwarding), LOCAL_OUT every packet the
 * namespace sends. Together they see each packet once per namespace. A
 * packet looped back through "lo" would pass both, so PRE_ROUTING skips
 * packets that arrive on a loopback device; LOCAL_OUT counted them already.
 *
 * The priority is just after conntrack's, so flowmon sees what conntrack
 * sees: after defragmentation when nf_defrag is active in the namespace,
 * after the raw table, before mangle or NAT change anything. A reply to a
 * NATed connection still carries the translated addresses here; nat.c
 * keys it by the connection's original tuple.
 *
 * Fragments: when nothing reassembles them, the first fragment (which
 * carries the L4 header) is accounted to its flow with its own length;
 * later fragments have no ports and are only counted in the "fragments"
 * statistic.
 *
 * When the table is full, a new flow may evict an old one (see record.c) or
 * go untracked; the packet passes either way.
 *
 * A GSO super-packet counts as the segments it stands for: packets and
 * bytes are what the wire carries, as the endpoints' own TCP counters see.
 *
 * flowmon is a monitor: every hook returns NF_ACCEPT, whatever happens.
 */
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/tcp.h>

#include "event.h"
#include "gc.h"
#include "hint.h"
#include "hooks.h"
#include "nat.h"
#include "parse.h"
#include "record.h"
#include "tcp.h"

/*
 * What the first payload of each direction says of its flow (hint.c).
 * Returns true if that changed what the record tells.
 */
static bool flowmon_inspect(struct flowmon_net *fn, struct flow *flow,
			    enum flow_direction dir, const struct sk_buff *skb,
			    const struct flow_packet *pkt)
{
	bool changed;

	switch (flow_hint_inspect(flow, dir, skb, pkt, &changed)) {
	case FLOW_HINT_DONE:
		break;
	case FLOW_HINT_MALFORMED:
		atomic64_inc(&fn->stats.hints_malformed);
		break;
	case FLOW_HINT_LOST:
		atomic64_inc(&fn->stats.hints_lost);
		break;
	}
	return changed;
}

/*
 * Accounts @pkt to its flow. @ct is the packet's conntrack entry if it
 * carries one (and @pkt is then keyed by the connection's original tuple).
 */
static void flowmon_track(struct net *net, const struct sk_buff *skb,
			  const struct flow_packet *pkt,
			  const struct nf_conn *ct)
{
	struct flowmon_net *fn = flowmon_pernet(net);
	/*
	 * Timestamps of the tick, as conntrack's jiffies: reading the clock
	 * source for every packet costs more than all the rest where it is
	 * slow (HPET). Only round trips need better: rtt.c reads it once
	 * per sample.
	 */
	u64 now = ktime_get_coarse_real_ns();
	struct flow_transition tr;
	enum flow_direction dir;
	bool created = false, inspect;
	struct flow *flow;
	u32 hash;

	hash = flow_table_hash(&fn->table, &pkt->tuple);
	flow = flow_table_lookup(&fn->table, &pkt->tuple, hash, &dir);
	/* A SYN on a finished connection's quad starts a new record. */
	if (flow && pkt->tuple.proto == IPPROTO_TCP &&
	    flow_tcp_syn_reopens(flow, pkt)) {
		flowmon_flow_destroy(fn, flow, FLOW_END_REUSED);
		flow = NULL;
	}
	if (!flow) {
		flow = flowmon_flow_create(fn, pkt, hash, now, &created);
		if (!flow || !flow_key_match(&flow->key, &pkt->tuple, &dir))
			return;
		if (created)
			flowmon_gc_wake(fn);
	}
	if (ct)
		flow_nat_learn(flow, ct, pkt, dir);
	inspect = flow_hint_wanted(flow, dir, pkt);
	/* A new record is announced with its first packet counted. */
	if (flow_account(flow, dir, pkt, now, &tr) && !created)
		flowmon_event_state(net, flow, &tr, now);
	/* A new record's first payload is told in its NEW event. */
	if (inspect && flowmon_inspect(fn, flow, dir, skb, pkt) && !created)
		flowmon_event_hint(net, flow, now);
	if (created)
		flowmon_event_new(net, flow, now);
}

static bool flowmon_skip(const struct nf_hook_state *state)
{
	return state->hook == NF_INET_PRE_ROUTING &&
	       (state->in->flags & IFF_LOOPBACK);
}

static void flowmon_count_parse(struct net *net, enum flow_parse_result result)
{
	struct flowmon_stats *stats = &flowmon_pernet(net)->stats;

	if (result == FLOW_PARSE_FRAGMENT)
		atomic64_inc(&stats->fragments);
	else
		atomic64_inc(&stats->parse_errors);
}

/* Accounts a parsed packet, or counts why it could not be. */
static unsigned int flowmon_hook_account(struct sk_buff *skb,
					 const struct nf_hook_state *state,
					 struct flow_packet *pkt,
					 enum flow_parse_result result)
{
	const struct nf_conn *ct;

	if (result != FLOW_PARSE_OK) {
		flowmon_count_parse(state->net, result);
		return NF_ACCEPT;
	}
	ct = flow_nat_orient(skb, pkt);
	flowmon_track(state->net, skb, pkt, ct);
	return NF_ACCEPT;
}

static unsigned int flowmon_ipv4_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct flow_packet pkt = {};

	if (flowmon_skip(state))
		return NF_ACCEPT;
	return flowmon_hook_account(skb, state, &pkt, flow_parse_ipv4(skb, &pkt));
}

static unsigned int flowmon_ipv6_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct flow_packet pkt = {};

	if (flowmon_skip(state))
		return NF_ACCEPT;
	return flowmon_hook_account(skb, state, &pkt, flow_parse_ipv6(skb, &pkt));
}

static const struct nf_hook_ops flowmon_nf_ops[] = {
	{
		.hook = flowmon_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK + 1,
	},
	{
		.hook = flowmon_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_CONNTRACK + 1,
	},
};

int flowmon_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, flowmon_nf_ops,
				     ARRAY_SIZE(flowmon_nf_ops));
}

void flowmon_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, flowmon_nf_ops, ARRAY_SIZE(flowmon_nf_ops));
}
