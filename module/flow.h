/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One record per flow: the key, the counters of each direction and the
 * TCB-like facts an on-path observer can learn about each endpoint.
 */
#ifndef _FLOWMON_FLOW_H
#define _FLOWMON_FLOW_H

#include <linux/atomic.h>
#include <linux/flowmon.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/types.h>

enum flow_direction {
	FLOW_DIR_UP,	/* client -> server */
	FLOW_DIR_DOWN,	/* server -> client */
};

struct flow_ext;

/*
 * The addresses and ports of a packet, as it travels. Padding is zeroed so
 * that tuples can be hashed and compared as memory.
 */
struct flow_tuple {
	union nf_inet_addr src;
	union nf_inet_addr dst;
	__be16 sport;
	__be16 dport;
	u8 family;
	u8 proto;
};

#define FLOW_TCP_OPT_MSS	BIT(0)
#define FLOW_TCP_OPT_WSCALE	BIT(1)
#define FLOW_TCP_OPT_SACK_PERM	BIT(2)
#define FLOW_TCP_OPT_TIMESTAMP	BIT(3)

/* The packet's direction in its conntrack entry, if it carries one. */
enum flow_ct_dir {
	FLOW_CT_NONE,
	FLOW_CT_ORIGINAL,
	FLOW_CT_REPLY,
};

/* What the parser learned from one packet (or one GSO super-packet). */
struct flow_packet {
	struct flow_tuple tuple;	/* with conntrack: as if untranslated */
	u8 ct_dir;			/* enum flow_ct_dir */
	u32 segments;		/* packets on the wire: gso_segs, at least 1 */
	u64 bytes;		/* IP datagram bytes, summed over segments */
	u64 payload;		/* L4 payload bytes */
	unsigned int payload_offset;	/* of the payload in the skb */
	bool icmp_echo;		/* ICMP(v6) echo request or reply */
	/* TCP only */
	u8 tcp_flags;		/* TCPHDR_* */
	u8 tcp_options;		/* FLOW_TCP_OPT_* */
	u8 wscale;
	u16 mss;
	u32 tsval;		/* with FLOW_TCP_OPT_TIMESTAMP */
	u32 tsecr;
	u16 window;		/* as sent, unscaled */
	u32 seq;
	u32 ack_seq;
	u32 seg_len;		/* payload + 1 for SYN + 1 for FIN */
};

struct flow_counters {
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t payload;
};

/* Counter values, as read from or taken out of struct flow_counters. */
struct flow_counts {
	u64 packets;
	u64 bytes;
	u64 payload;
};

/*
 * The record every flow has, 144 bytes: what the packet path reads first
 * (chain, key, hash) fills the first cache line. TCP flows are allocated
 * as a struct flow_tcp that begins with it (tcp.h).
 *
 * No rcu_head: a record is unlinked with hlist_del_rcu(), which leaves
 * node.next for the readers still on it but no reader uses node.pprev, so
 * @free takes pprev's place until a grace period has passed (flow.c).
 *
 * The flags are bytes, each set once to true and never cleared, so that
 * setting one needs no atomic read-modify-write and no lock; the bits are
 * set before the record is published.
 */
struct flow {
	union {
		struct hlist_node node;	/* in the table, under its stripe lock */
		struct {
			struct hlist_node *node_next;
			struct llist_node free;	/* unlinked, awaiting a grace period */
		};
	};
	struct flow_tuple key;		/* src = client, dst = server */
	u32 hash;			/* flow_table_hash() of the key */
	u8 replied;			/* seen from the server */
	u8 picked_up : 1;		/* TCP, first seen mid-stream */
	u8 echo : 1;			/* ICMP(v6) echo */
	u8 l5;				/* enum flow_l5 (hint.h), cmpxchg */
	u8 unlinked;			/* under the stripe lock */
	u64 id;				/* per-netns, increasing in each chain */
	u64 first_seen;			/* ns since the epoch, coarse */
	u64 last_seen;			/* READ_ONCE/WRITE_ONCE */
	struct flow_ext __rcu *ext;	/* optional parts (ext.h), or NULL */
	struct flow_counters count[2];	/* indexed by enum flow_direction */
};

/* Both endpoints' states, before and after a segment. */
struct flow_transition {
	u8 old[2];
	u8 new[2];
};

/* The same address and port? */
static inline bool flow_endpoint_equal(const union nf_inet_addr *a,
				       __be16 a_port,
				       const union nf_inet_addr *b,
				       __be16 b_port)
{
	return a_port == b_port && nf_inet_addr_cmp(a, b);
}

static inline void flow_tuple_reverse(struct flow_tuple *dst,
				      const struct flow_tuple *src)
{
	*dst = *src;
	dst->src = src->dst;
	dst->dst = src->src;
	dst->sport = src->dport;
	dst->dport = src->sport;
}

int flow_cache_init(void);
void flow_cache_destroy(void);
struct flow *flow_alloc(const struct flow_packet *pkt, u64 now);
void flow_free(struct flow *flow);
size_t flow_size(const struct flow *flow);
void flow_free_rcu(struct flow *flow);
bool flow_key_match(const struct flow_tuple *key,
		    const struct flow_tuple *tuple, enum flow_direction *dir);
bool flow_account(struct flow *flow, enum flow_direction dir,
		  const struct flow_packet *pkt, u64 now,
		  struct flow_transition *tr);
void flow_read_counts(const struct flow *flow, struct flow_counts *counts);
void flow_take_counts(struct flow *flow, struct flow_counts *counts);
void flow_return_counts(struct flow *flow, const struct flow_counts *counts);
u32 flow_uapi_flags(const struct flow *flow);
void flow_seq_print(struct seq_file *seq, struct flow *flow, u64 now);

#endif /* _FLOWMON_FLOW_H */
