// SPDX-License-Identifier: GPL-2.0
/*
 * Packets of tracked flows that this box drops, and the kernel's reason.
 *
 * The kfree_skb tracepoint fires for every packet the kernel frees as
 * dropped, with its enum skb_drop_reason; a packet that was used goes
 * through consume_skb(), which has a tracepoint of its own. So nothing runs
 * for the packets that are not dropped, and a tracepoint that nothing hits
 * is a patched-out branch. A dropped packet is parsed as the hooks parse
 * it and its record looked up, never created: the drop of a flow flowmon
 * does not track is not counted. The hooks come right after conntrack's,
 * so a drop is nearly always of a packet flowmon counted first; one that a
 * rule before conntrack (the raw table) dropped is counted as a drop too.
 *
 * Most flows never lose a packet: a flow's counts are a part of its record
 * (ext.h), added at its first drop. Parts are copied when another part
 * changes, never changed in place, so the part only points to the counts,
 * which every later drop adds to and flow_free() frees.
 *
 * Each namespace keeps totals per reason, allocated at its first drop.
 */
#include <linux/if_ether.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/udp.h>
#include <trace/events/skb.h>

#include "compat.h"
#include "drop.h"
#include "ext.h"
#include "nat.h"
#include "parse.h"

struct flow_drops {
	atomic64_t packets[2];
	atomic64_t bytes[2];
	u32 reason;		/* READ_ONCE/WRITE_ONCE */
};

static size_t flow_drops_build(void *part, size_t max, const void *old,
			       size_t old_size, const void *arg)
{
	if (old)
		return 0;
	memcpy(part, arg, sizeof(struct flow_drops *));
	return sizeof(struct flow_drops *);
}

/* Under RCU: @flow's counts, added now if it had none (NULL: no memory). */
static struct flow_drops *flow_drops_get(struct flow *flow)
{
	struct flow_drops *const *part;
	struct flow_drops *mine;

	part = flow_ext_find(flow, FLOW_EXT_DROPS);
	if (part)
		return *part;
	mine = kzalloc(sizeof(*mine), GFP_ATOMIC);
	if (!mine)
		return NULL;
	if (flow_ext_update(flow, FLOW_EXT_DROPS, flow_drops_build,
			    &mine) <= 0) {
		/* Another CPU added the part first (or no memory). */
		kfree(mine);
		part = flow_ext_find(flow, FLOW_EXT_DROPS);
		return part ? *part : NULL;
	}
	return mine;
}

/* Under RCU: @flow's drops; false if it never had one. */
bool flow_drops_read(const struct flow *flow, struct flow_drop_counts *counts)
{
	struct flow_drops *const *part = flow_ext_find(flow, FLOW_EXT_DROPS);
	const struct flow_drops *drops;
	int dir;

	if (!part)
		return false;
	drops = *part;
	for (dir = FLOW_DIR_UP; dir <= FLOW_DIR_DOWN; dir++) {
		counts->packets[dir] = atomic64_read(&drops->packets[dir]);
		counts->bytes[dir] = atomic64_read(&drops->bytes[dir]);
	}
	counts->reason = READ_ONCE(drops->reason);
	return true;
}

/* From flow_free(): nobody can see @flow any more. */
void flow_drops_release(struct flow *flow)
{
	const struct flow_ext *ext = rcu_access_pointer(flow->ext);

	if (ext && ext->offset[FLOW_EXT_DROPS])
		kfree(*(struct flow_drops **)((u8 *)ext +
					      ext->offset[FLOW_EXT_DROPS]));
}

static unsigned int flowmon_drop_slot(u32 reason)
{
	return reason < SKB_DROP_REASON_MAX ? reason : SKB_DROP_REASON_MAX;
}

/* Under RCU: @fn's totals, allocated now if need be (NULL: no memory). */
static struct flowmon_drop_total *flowmon_drop_totals(struct flowmon_net *fn)
{
	struct flowmon_drop_total *totals = rcu_dereference(fn->drops), *seen;

	if (totals)
		return totals;
	totals = kcalloc(FLOWMON_DROP_SLOTS, sizeof(*totals), GFP_ATOMIC);
	if (!totals)
		return NULL;
	seen = unrcu_pointer(cmpxchg(&fn->drops, NULL,
				     RCU_INITIALIZER(totals)));
	if (seen) {
		kfree(totals);
		return seen;
	}
	return totals;
}

static void flowmon_drop_count(struct flowmon_net *fn, struct flow *flow,
			       enum flow_direction dir,
			       const struct flow_packet *pkt, u32 reason)
{
	struct flowmon_drop_total *totals = flowmon_drop_totals(fn);
	struct flow_drops *drops = flow_drops_get(flow);

	if (drops) {
		atomic64_add(pkt->segments, &drops->packets[dir]);
		atomic64_add(pkt->bytes, &drops->bytes[dir]);
		WRITE_ONCE(drops->reason, reason);
	}
	if (totals) {
		totals += flowmon_drop_slot(reason);
		atomic64_add(pkt->segments, &totals->packets);
		atomic64_add(pkt->bytes, &totals->bytes);
	}
}

/*
 * While a datagram waits in a UDP socket's queue, UDP keeps its own facts
 * in skb->dev (struct udp_dev_scratch: the truesize first, its top bit a
 * flag of net/ipv4/udp.c's) and holds no socket reference in skb->sk. Such
 * a datagram dropped later (the socket closed with it unread, a checksum
 * found bad at recvmsg(), a full receive buffer after the charge) names
 * no device and no socket. It is told by that copy of its truesize; a
 * device pointer whose low 32 bits happen to match costs a missed count.
 */
#define FLOWMON_UDP_SCRATCH_FLAG BIT(31)

static bool flowmon_udp_queued(struct sk_buff *skb,
			       const struct flow_packet *pkt)
{
	return pkt->tuple.proto == IPPROTO_UDP &&
	       (udp_skb_scratch(skb)->_tsize_state &
		~FLOWMON_UDP_SCRATCH_FLAG) == skb->truesize;
}

/*
 * The namespace a dropped packet was in: its socket's (since 6.11 the
 * tracepoint names the receiving socket even where skb->sk is not set),
 * else its device's. A packet queued to a socket may outlive the device it
 * came in on, never its socket.
 */
static struct net *flowmon_drop_net(struct sk_buff *skb, struct sock *rx_sk,
				    const struct flow_packet *pkt)
{
	if (skb->sk)
		return sock_net(skb->sk);
	if (rx_sk)
		return sock_net(rx_sk);
	if (!skb->dev || flowmon_udp_queued(skb, pkt))
		return NULL;
	return dev_net(skb->dev);
}

static enum flow_parse_result flowmon_drop_parse(const struct sk_buff *skb,
						 struct flow_packet *pkt)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return flow_parse_ipv4(skb, pkt);
	case htons(ETH_P_IPV6):
		return flow_parse_ipv6(skb, pkt);
	}
	return FLOW_PARSE_ERROR;
}

static void flowmon_drop_probe(void *data, FLOWMON_KFREE_SKB_ARGS)
{
	struct flow_packet pkt = {};
	enum flow_direction dir;
	struct flowmon_net *fn;
	struct flow *flow;
	struct net *net;

	if (flowmon_drop_parse(skb, &pkt) != FLOW_PARSE_OK)
		return;
	net = flowmon_drop_net(skb, FLOWMON_KFREE_SKB_RX_SK, &pkt);
	if (!net)
		return;
	rcu_read_lock();
	/*
	 * A namespace on its way out has no references left before its
	 * exit methods run (after a grace period): none of its records
	 * may be looked up any more.
	 */
	if (!check_net(net))
		goto out;
	fn = flowmon_pernet(net);
	flow_nat_orient(skb, &pkt);
	flow = flow_table_lookup(&fn->table, &pkt.tuple,
				 flow_table_hash(&fn->table, &pkt.tuple), &dir);
	if (flow)
		flowmon_drop_count(fn, flow, dir, &pkt, reason);
out:
	rcu_read_unlock();
}

/*
 * Under RCU: the kernel's name of @reason ("NO_SOCKET"), or NULL; a name
 * longer than the uapi's bound is not given (none is).
 */
const char *flowmon_drop_reason_name(u32 reason)
{
	const char *name = flowmon_kernel_drop_reason(reason);

	if (name && strnlen(name, FLOWMON_DROP_REASON_MAX + 1) >
		    FLOWMON_DROP_REASON_MAX)
		return NULL;
	return name;
}

/* Under RCU: what a namespace total counts. */
const char *flowmon_drop_slot_name(unsigned int slot)
{
	if (slot == SKB_DROP_REASON_MAX)
		return "OTHER_SUBSYSTEM";
	return flowmon_drop_reason_name(slot);
}

/* Under RCU: false if the namespace never dropped a tracked packet. */
bool flowmon_drop_slot_read(const struct flowmon_net *fn, unsigned int slot,
			    u64 *packets, u64 *bytes)
{
	const struct flowmon_drop_total *totals = rcu_dereference(fn->drops);

	if (!totals)
		return false;
	*packets = atomic64_read(&totals[slot].packets);
	*bytes = atomic64_read(&totals[slot].bytes);
	return true;
}

/* From the namespace's exit: no probe looks at it any more. */
void flowmon_drops_net_exit(struct flowmon_net *fn)
{
	kfree(rcu_access_pointer(fn->drops));
}

int flowmon_drops_init(void)
{
	return register_trace_kfree_skb(flowmon_drop_probe, NULL);
}

/* Returns once no probe runs any more. */
void flowmon_drops_exit(void)
{
	unregister_trace_kfree_skb(flowmon_drop_probe, NULL);
	tracepoint_synchronize_unregister();
}
