/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One record per flow: the key, the counters of each direction and the
 * TCB-like facts an on-path observer can learn about each endpoint.
 */
#ifndef _FLOWMON_FLOW_H
#define _FLOWMON_FLOW_H

#include <linux/atomic.h>
#include <linux/netfilter.h>
#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/types.h>

enum flow_direction {
	FLOW_DIR_UP,	/* client -> server */
	FLOW_DIR_DOWN,	/* server -> client */
};

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

/* What the parser learned from one packet (or one GSO super-packet). */
struct flow_packet {
	struct flow_tuple tuple;
	u32 segments;		/* packets on the wire: gso_segs, at least 1 */
	u64 bytes;		/* IP datagram bytes, summed over segments */
	u64 payload;		/* L4 payload bytes */
	bool icmp_echo;		/* ICMP(v6) echo request or reply */
	/* TCP only */
	u8 tcp_flags;		/* TCPHDR_* */
	u32 seq;
	u32 ack_seq;
	u32 seg_len;		/* payload + 1 for SYN + 1 for FIN */
};

/* Sequence facts about the endpoint that sends in one direction. */
struct flow_tcp_endpoint {
	u8 state;		/* enum flowmon_tcp_state */
	u8 seen;		/* FLOW_TCP_SEEN_* */
	u32 isn;		/* initial sequence number (SYN) */
	u32 end;		/* highest seq + len sent: SND.NXT as observed */
	u32 max_ack;		/* highest acknowledgment sent */
	u32 fin_end;		/* sequence number just after our FIN */
};

#define FLOW_TCP_SEEN_SYN	BIT(0)
#define FLOW_TCP_SEEN_ACK	BIT(1)
#define FLOW_TCP_SEEN_FIN	BIT(2)
#define FLOW_TCP_SEEN_DATA	BIT(3)

struct flow_counters {
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t payload;
};

/* Bits of struct flow's flags, in the same order as FLOWMON_FLOW_F_*. */
enum flow_flag_bit {
	FLOW_REPLIED_BIT,
	FLOW_PICKED_UP_BIT,
	FLOW_ECHO_BIT,
};

struct flow {
	struct hlist_node node;		/* in the table, under its bucket lock */
	struct flow_tuple key;		/* src = client, dst = server */
	u64 id;				/* per-netns, increasing in each chain */
	u64 first_seen;			/* ns since the epoch */
	u64 last_seen;			/* READ_ONCE/WRITE_ONCE */
	unsigned long flags;		/* enum flow_flag_bit */
	struct flow_counters count[2];	/* indexed by enum flow_direction */
	spinlock_t lock;		/* protects tcp[] */
	struct flow_tcp_endpoint tcp[2];/* [UP] = client, [DOWN] = server */
};

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
bool flow_key_match(const struct flow_tuple *key,
		    const struct flow_tuple *tuple, enum flow_direction *dir);
void flow_account(struct flow *flow, enum flow_direction dir,
		  const struct flow_packet *pkt, u64 now);
u32 flow_uapi_flags(const struct flow *flow);
void flow_tcp_states(struct flow *flow, u8 *client, u8 *server);
void flow_seq_print(struct seq_file *seq, struct flow *flow, u64 now);

#endif /* _FLOWMON_FLOW_H */
