// SPDX-License-Identifier: GPL-2.0
/*
 * Flow records: allocation, per-packet accounting and formatting.
 */
#include <linux/flowmon.h>
#include <linux/in.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "drop.h"
#include "ext.h"
#include "flow.h"
#include "hint.h"
#include "nat.h"
#include "tcp.h"

static struct kmem_cache *flow_cache __read_mostly;
static struct kmem_cache *flow_tcp_cache __read_mostly;

/*
 * Unlinked records wait here, chained through @free, for a grace period:
 * a list per CPU, emptied by one work item that waits for one grace
 * period per batch. That costs a record no rcu_head (flow.h).
 */
static DEFINE_PER_CPU(struct llist_head, flow_graveyard);

static void flow_graveyard_empty(struct work_struct *work)
{
	struct llist_node *first, *last;
	struct flow *flow, *next;
	LLIST_HEAD(batch);
	int cpu;

	for_each_possible_cpu(cpu) {
		first = llist_del_all(per_cpu_ptr(&flow_graveyard, cpu));
		if (!first)
			continue;
		for (last = first; last->next; last = last->next)
			;
		__llist_add_batch(first, last, &batch);
	}
	if (llist_empty(&batch))
		return;
	synchronize_rcu();
	llist_for_each_entry_safe(flow, next, batch.first, free)
		flow_free(flow);
}

static DECLARE_WORK(flow_graveyard_work, flow_graveyard_empty);

int flow_cache_init(void)
{
	flow_cache = KMEM_CACHE(flow, 0);
	if (!flow_cache)
		return -ENOMEM;
	flow_tcp_cache = KMEM_CACHE(flow_tcp, 0);
	if (!flow_tcp_cache) {
		kmem_cache_destroy(flow_cache);
		return -ENOMEM;
	}
	return 0;
}

/* Once no record can be unlinked any more. */
void flow_cache_destroy(void)
{
	flush_work(&flow_graveyard_work);
	kmem_cache_destroy(flow_tcp_cache);
	kmem_cache_destroy(flow_cache);
}

/*
 * Is the sender of @pkt, the first packet of its flow, the client? A SYN's
 * sender or a SYN-ACK's receiver is; so is an echo request's sender. Else,
 * where conntrack has an entry, the client is its original source: it may
 * have seen the start that flowmon missed. A TCP connection picked up
 * without one goes by its ports.
 */
static bool flow_client_is_sender(const struct flow_packet *pkt)
{
	bool tcp = pkt->tuple.proto == IPPROTO_TCP;

	if (tcp && !flow_tcp_is_mid_stream(pkt))
		return flow_tcp_client_is_sender(pkt);
	/* An echo reply carries the identifier as its "dport". */
	if (pkt->icmp_echo)
		return !pkt->tuple.dport;
	if (pkt->ct_dir != FLOW_CT_NONE)
		return pkt->ct_dir == FLOW_CT_ORIGINAL;
	return !tcp || flow_tcp_client_is_sender(pkt);
}

static struct kmem_cache *flow_cache_of(u8 proto)
{
	return proto == IPPROTO_TCP ? flow_tcp_cache : flow_cache;
}

/*
 * A new record for the flow @pkt belongs to. The caller inserts it into the
 * table, then accounts @pkt to it.
 */
struct flow *flow_alloc(const struct flow_packet *pkt, u64 now)
{
	u8 proto = pkt->tuple.proto;
	struct flow *flow;

	flow = kmem_cache_zalloc(flow_cache_of(proto), GFP_ATOMIC);
	if (!flow)
		return NULL;

	if (flow_client_is_sender(pkt))
		flow->key = pkt->tuple;
	else
		flow_tuple_reverse(&flow->key, &pkt->tuple);
	flow->first_seen = now;
	flow->last_seen = now;
	flow->echo = pkt->icmp_echo;
	if (proto == IPPROTO_TCP) {
		flow->picked_up = flow_tcp_is_mid_stream(pkt);
		flow_tcp_init(flow_tcp(flow), pkt, now);
	}
	return flow;
}

/* Bytes allocated for @flow, without its optional parts. */
size_t flow_size(const struct flow *flow)
{
	return kmem_cache_size(flow_cache_of(flow->key.proto));
}

/* Readers of @flow, and so of its optional parts, are gone. */
void flow_free(struct flow *flow)
{
	flow_drops_release(flow);
	kfree(rcu_access_pointer(flow->ext));
	if (flow->key.proto == IPPROTO_TCP)
		flow_tcp_release(flow_tcp(flow));
	kmem_cache_free(flow_cache_of(flow->key.proto), flow);
}

/*
 * Frees a record, unlinked from its chain, that lockless readers may still
 * be looking at.
 */
void flow_free_rcu(struct flow *flow)
{
	/* A list that was empty has no work queued for it yet. */
	if (llist_add(&flow->free, raw_cpu_ptr(&flow_graveyard)))
		queue_work(system_unbound_wq, &flow_graveyard_work);
}

/*
 * Does the packet @tuple belong to the flow keyed @key, and if so, in which
 * direction does it travel?
 */
bool flow_key_match(const struct flow_tuple *key,
		    const struct flow_tuple *tuple, enum flow_direction *dir)
{
	if (key->family != tuple->family || key->proto != tuple->proto)
		return false;
	if (flow_endpoint_equal(&key->src, key->sport, &tuple->src, tuple->sport) &&
	    flow_endpoint_equal(&key->dst, key->dport, &tuple->dst, tuple->dport)) {
		*dir = FLOW_DIR_UP;
		return true;
	}
	if (flow_endpoint_equal(&key->src, key->sport, &tuple->dst, tuple->dport) &&
	    flow_endpoint_equal(&key->dst, key->dport, &tuple->src, tuple->sport)) {
		*dir = FLOW_DIR_DOWN;
		return true;
	}
	return false;
}

/*
 * Called under RCU from the netfilter hooks, on any CPU. Counters need no
 * lock; TCP state takes the flow's own lock. Returns true, with @tr filled
 * in, when either endpoint's TCP state changed.
 */
bool flow_account(struct flow *flow, enum flow_direction dir,
		  const struct flow_packet *pkt, u64 now,
		  struct flow_transition *tr)
{
	struct flow_counters *count = &flow->count[dir];

	atomic64_add(pkt->segments, &count->packets);
	atomic64_add(pkt->bytes, &count->bytes);
	atomic64_add(pkt->payload, &count->payload);
	WRITE_ONCE(flow->last_seen, now);

	if (dir == FLOW_DIR_DOWN && !READ_ONCE(flow->replied))
		WRITE_ONCE(flow->replied, true);

	if (flow->key.proto != IPPROTO_TCP)
		return false;
	return flow_tcp_account(flow_tcp(flow), dir, pkt, now, tr);
}

/* Both directions' counters, into @counts[2]. */
void flow_read_counts(const struct flow *flow, struct flow_counts *counts)
{
	int dir;

	for (dir = FLOW_DIR_UP; dir <= FLOW_DIR_DOWN; dir++) {
		counts[dir].packets = atomic64_read(&flow->count[dir].packets);
		counts[dir].bytes = atomic64_read(&flow->count[dir].bytes);
		counts[dir].payload = atomic64_read(&flow->count[dir].payload);
	}
}

/*
 * Zeroes the counters and returns what they held: each counter is swapped
 * with zero atomically, so a packet counted concurrently lands either in
 * the values returned or in the fresh count, never in neither.
 */
void flow_take_counts(struct flow *flow, struct flow_counts *counts)
{
	int dir;

	for (dir = FLOW_DIR_UP; dir <= FLOW_DIR_DOWN; dir++) {
		counts[dir].packets = atomic64_xchg(&flow->count[dir].packets, 0);
		counts[dir].bytes = atomic64_xchg(&flow->count[dir].bytes, 0);
		counts[dir].payload = atomic64_xchg(&flow->count[dir].payload, 0);
	}
}

/* Undoes flow_take_counts(), keeping what was counted since. */
void flow_return_counts(struct flow *flow, const struct flow_counts *counts)
{
	int dir;

	for (dir = FLOW_DIR_UP; dir <= FLOW_DIR_DOWN; dir++) {
		atomic64_add(counts[dir].packets, &flow->count[dir].packets);
		atomic64_add(counts[dir].bytes, &flow->count[dir].bytes);
		atomic64_add(counts[dir].payload, &flow->count[dir].payload);
	}
}

u32 flow_uapi_flags(const struct flow *flow)
{
	u32 flags = 0;

	if (READ_ONCE(flow->replied))
		flags |= FLOWMON_FLOW_F_REPLIED;
	if (flow->picked_up)
		flags |= FLOWMON_FLOW_F_PICKED_UP;
	if (flow->echo)
		flags |= FLOWMON_FLOW_F_ECHO;
	return flags;
}

static const char *flow_proto_name(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	return NULL;
}

/* The state column of a non-TCP flow; flowctl uses the same words. */
static const char *flow_datagram_state(const struct flow *flow)
{
	bool replied = READ_ONCE(flow->replied);

	if (flow->echo)
		return replied ? "REPLY" : "REQUEST";
	if (flow->key.proto == IPPROTO_UDP)
		return replied ? "REPLIED" : "UNREPLIED";
	return "SEEN";
}

static void flow_seq_print_addr(struct seq_file *seq,
				const struct flow_tuple *key,
				const union nf_inet_addr *addr, __be16 port)
{
	if (key->family == AF_INET)
		seq_printf(seq, " %pI4 %u", &addr->ip, ntohs(port));
	else
		seq_printf(seq, " %pI6c %u", &addr->in6, ntohs(port));
}

static void flow_seq_print_state(struct seq_file *seq, struct flow *flow)
{
	u8 client, server;

	if (flow->key.proto != IPPROTO_TCP) {
		seq_printf(seq, " %s - -", flow_datagram_state(flow));
		return;
	}

	flow_tcp_states(flow, &client, &server);

	if (client == server)
		seq_printf(seq, " %s", flow_tcp_state_name(client));
	else
		seq_printf(seq, " %s/%s", flow_tcp_state_name(client),
			   flow_tcp_state_name(server));
	seq_printf(seq, " %s %s", flow_tcp_state_name(client),
		   flow_tcp_state_name(server));
}

static void flow_seq_print_counts(struct seq_file *seq,
				  const struct flow_counts *count)
{
	seq_printf(seq, " %llu %llu %llu", count->packets, count->bytes,
		   count->payload);
}

static const char *const flow_nat_names[] = {
	[FLOWMON_NAT_F_CLIENT] = "snat",
	[FLOWMON_NAT_F_SERVER] = "dnat",
	[FLOWMON_NAT_F_CLIENT | FLOWMON_NAT_F_SERVER] = "snat,dnat",
};

/* Under RCU: the NAT columns, "-" for each when there is no translation. */
static void flow_seq_print_nat(struct seq_file *seq, struct flow *flow)
{
	const struct flow_nat *nat = flow_ext_find(flow, FLOW_EXT_NAT);

	if (!nat || nat->flags >= ARRAY_SIZE(flow_nat_names)) {
		seq_puts(seq, " - - - - -");
		return;
	}
	seq_printf(seq, " %s", flow_nat_names[nat->flags]);
	flow_seq_print_addr(seq, &flow->key, &nat->client, nat->client_port);
	flow_seq_print_addr(seq, &flow->key, &nat->server, nat->server_port);
}

/* Under RCU: the application columns: l5, secured, name; "-" if unknown. */
static void flow_seq_print_hint(struct seq_file *seq, struct flow *flow)
{
	static const char *const secured[] = { "-", "no", "yes" };
	struct flow_hint_view view;

	flow_hint_view(flow, &view);
	seq_printf(seq, " %s %s %s", view.l5 ? flow_l5_name(view.l5) : "-",
		   secured[view.secured],
		   view.hint && view.hint->name_len ? view.hint->name : "-");
}

static void flow_seq_print_drops(struct seq_file *seq, struct flow *flow)
{
	struct flow_drop_counts drops;
	const char *reason;

	if (!flow_drops_read(flow, &drops)) {
		seq_puts(seq, " 0 0 -");
		return;
	}
	reason = flowmon_drop_reason_name(drops.reason);
	seq_printf(seq, " %llu %llu %s", drops.packets[FLOW_DIR_UP],
		   drops.packets[FLOW_DIR_DOWN], reason ?: "-");
}

static void flow_seq_print_srtt(struct seq_file *seq,
				const struct flow_rtt_side *side)
{
	if (side->samples)
		seq_printf(seq, " %u", flow_rtt_srtt_us(side));
	else
		seq_puts(seq, " -");
}

/* The smoothed round trips to the client and to the server, "-" if none. */
static void flow_seq_print_rtt(struct seq_file *seq, struct flow *flow)
{
	struct flow_rtt_side side[2] = {};

	if (flow->key.proto == IPPROTO_TCP)
		flow_tcp_rtt(flow, side);
	flow_seq_print_srtt(seq, &side[FLOW_DIR_DOWN]);
	flow_seq_print_srtt(seq, &side[FLOW_DIR_UP]);
}

/*
 * Under RCU: one line of /proc/net/flowmon; the columns are documented in
 * README.
 */
void flow_seq_print(struct seq_file *seq, struct flow *flow, u64 now)
{
	const struct flow_tuple *key = &flow->key;
	const char *proto = flow_proto_name(key->proto);
	struct flow_counts counts[2];

	seq_printf(seq, "%s", key->family == AF_INET ? "ipv4" : "ipv6");
	if (proto)
		seq_printf(seq, " %s", proto);
	else
		seq_printf(seq, " %u", key->proto);
	flow_seq_print_addr(seq, key, &key->src, key->sport);
	flow_seq_print_addr(seq, key, &key->dst, key->dport);
	flow_seq_print_state(seq, flow);
	flow_read_counts(flow, counts);
	flow_seq_print_counts(seq, &counts[FLOW_DIR_UP]);
	flow_seq_print_counts(seq, &counts[FLOW_DIR_DOWN]);
	seq_printf(seq, " %llu %llu %llu", flow->first_seen,
		   READ_ONCE(flow->last_seen),
		   div_u64(now - flow->first_seen, NSEC_PER_SEC));
	flow_seq_print_nat(seq, flow);
	flow_seq_print_hint(seq, flow);
	flow_seq_print_drops(seq, flow);
	flow_seq_print_rtt(seq, flow);
	seq_putc(seq, '\n');
}
