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
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/types.h>

enum flow_direction {
	FLOW_DIR_UP,	/* client -> server */
	FLOW_DIR_DOWN,	/* server -> client */
};

struct flow_nat;

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
	bool icmp_echo;		/* ICMP(v6) echo request or reply */
	/* TCP only */
	u8 tcp_flags;		/* TCPHDR_* */
	u8 tcp_options;		/* FLOW_TCP_OPT_*, parsed on SYNs only */
	u8 wscale;
	u16 mss;
	u16 window;		/* as sent, unscaled */
	u32 seq;
	u32 ack_seq;
	u32 seg_len;		/* payload + 1 for SYN + 1 for FIN */
};

/* Facts about the endpoint that sends in one direction. */
struct flow_tcp_endpoint {
	u8 state;		/* enum flowmon_tcp_state */
	u8 seen;		/* FLOW_TCP_SEEN_* */
	u8 options;		/* FLOW_TCP_OPT_* of its SYN */
	u8 wscale;
	u16 mss;
	u32 isn;		/* initial sequence number (SYN) */
	u32 end;		/* highest seq + len sent: SND.NXT as observed */
	u32 max_ack;		/* highest acknowledgment sent */
	u32 fin_end;		/* sequence number just after our FIN */
	u32 window;		/* last advertised window, scaled */
	u64 retrans_packets;
	u64 retrans_bytes;
	u64 out_of_window;
	u64 zero_window;
	u64 unexpected;		/* segments that do not fit the state */
};

#define FLOW_TCP_SEEN_SYN	BIT(0)
#define FLOW_TCP_SEEN_ACK	BIT(1)
#define FLOW_TCP_SEEN_FIN	BIT(2)
#define FLOW_TCP_SEEN_DATA	BIT(3)

/* What the history of one direction has recorded so far. */
struct flow_history_dir {
	u8 letters;		/* FLOW_HISTORY_* letters written once */
	u32 syn_seq;		/* sequence of the last s/h, f and r written: */
	u32 fin_seq;		/* those letters repeat only for a new	      */
	u32 rst_seq;		/* sequence number			      */
	u32 retrans;		/* t and w repeat at 1, 10, 100... events */
	u32 zero_window;
};

/* Zeek-style history: a letter per event kind, repeats bounded. */
struct flow_history {
	struct flow_history_dir dir[2];
	u8 len;
	char text[FLOWMON_HISTORY_MAX + 1];
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

/* Bits of struct flow's flags, in the same order as FLOWMON_FLOW_F_*. */
enum flow_flag_bit {
	FLOW_REPLIED_BIT,
	FLOW_PICKED_UP_BIT,
	FLOW_ECHO_BIT,
	FLOW_DEAD_BIT,		/* unlinked: no more state changes */
};

struct flow {
	struct hlist_node node;		/* in the table, under its stripe lock */
	struct flow_tuple key;		/* src = client, dst = server */
	u32 hash;			/* flow_table_hash() of the key */
	u64 id;				/* per-netns, increasing in each chain */
	u64 first_seen;			/* ns since the epoch, coarse */
	u64 last_seen;			/* READ_ONCE/WRITE_ONCE */
	unsigned long flags;		/* enum flow_flag_bit */
	struct flow_nat __rcu *nat;	/* NULL unless NAT translated it */
	struct flow_counters count[2];	/* indexed by enum flow_direction */
	spinlock_t lock;		/* protects all below */
	u64 state_since;		/* ns since the epoch */
	u64 syn_time;			/* last client SYN before the SYN-ACK */
	u64 synack_time;		/* last SYN-ACK before the client's ACK */
	u32 rtt_syn_us;			/* SYN -> SYN-ACK */
	u32 rtt_ack_us;			/* SYN-ACK -> ACK */
	struct flow_tcp_endpoint tcp[2];/* [UP] = client, [DOWN] = server */
	struct flow_history history;
	struct rcu_head rcu;
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
size_t flow_size(void);
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
void flow_tcp_states(struct flow *flow, u8 *client, u8 *server);
void flow_seq_print(struct seq_file *seq, struct flow *flow, u64 now);

#endif /* _FLOWMON_FLOW_H */
