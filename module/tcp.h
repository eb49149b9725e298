/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP part of a record: each endpoint's state and sequence facts, the
 * handshake's and the passive round trips and the Zeek-style history.
 */
#ifndef _FLOWMON_TCP_H
#define _FLOWMON_TCP_H

#include "flow.h"
#include "rtt.h"

#define FLOW_TCP_SEEN_SYN	BIT(0)
#define FLOW_TCP_SEEN_ACK	BIT(1)
#define FLOW_TCP_SEEN_FIN	BIT(2)
#define FLOW_TCP_SEEN_DATA	BIT(3)

/* Facts about the endpoint that sends in one direction. */
struct flow_tcp_endpoint {
	u32 isn;		/* initial sequence number (SYN) */
	u32 end;		/* highest seq + len sent: SND.NXT as observed */
	u32 max_ack;		/* highest acknowledgment sent */
	u32 fin_end;		/* sequence number just after our FIN */
	u32 window;		/* last advertised window, scaled */
	u16 mss;
	u8 state;		/* enum flowmon_tcp_state */
	u8 seen;		/* FLOW_TCP_SEEN_* */
	u8 options;		/* FLOW_TCP_OPT_* of its SYN */
	u8 wscale;
};

/*
 * Zeek-style history: a letter per event kind, repeats bounded. s, h, f
 * and r repeat only for a new sequence number, t and w at the 1st, 10th,
 * 100th... retransmitted or zero-window segment (the endpoint's counts).
 */
struct flow_history {
	u32 syn_seq[2];
	u32 fin_seq[2];
	u32 rst_seq[2];
	u8 letters[2];		/* FLOW_HISTORY_* written once, per direction */
	u8 len;
	char text[FLOWMON_HISTORY_MAX + 1];
};

/*
 * What went wrong in one direction. Segment counts are 32 bits, as in
 * struct tcp_info (tcpi_total_retrans), bytes 64.
 */
struct flow_tcp_anomalies {
	u64 retrans_bytes;	/* payload of retransmitted segments */
	u32 retrans_packets;
	u32 out_of_window;
	u32 zero_window;
	u32 unexpected;		/* segments that do not fit the state */
};

/*
 * A TCP flow's record: the common part, then the TCP one, in an order
 * that leaves no hole (360 bytes).
 */
struct flow_tcp {
	struct flow flow;
	spinlock_t lock;		/* protects all below */
	struct flow_rtt rtt;
	u64 state_since;		/* ns since the epoch */
	/*
	 * Most connections have nothing to count here: the counts of both
	 * directions are allocated at the first, and their 48 bytes are not
	 * in every record. NULL until then (or if that allocation failed:
	 * the counts are lost, not the record).
	 */
	struct flow_tcp_anomalies *anomalies;
	struct flow_tcp_endpoint ep[2];	/* [UP] = client, [DOWN] = server */
	struct flow_history history;
	bool frozen;			/* its end announced: no more changes */
};

static inline struct flow_tcp *flow_tcp(struct flow *flow)
{
	return container_of(flow, struct flow_tcp, flow);
}

bool flow_tcp_client_is_sender(const struct flow_packet *pkt);
bool flow_tcp_is_mid_stream(const struct flow_packet *pkt);
void flow_tcp_init(struct flow_tcp *tcp, const struct flow_packet *pkt,
		   u64 now);
bool flow_tcp_account(struct flow_tcp *tcp, enum flow_direction dir,
		      const struct flow_packet *pkt, u64 now,
		      struct flow_transition *tr);
void flow_tcp_freeze(struct flow_tcp *tcp);
void flow_tcp_release(struct flow_tcp *tcp);
void flow_tcp_states(struct flow *flow, u8 *client, u8 *server);
void flow_tcp_rtt(struct flow *flow, struct flow_rtt_side side[2]);
bool flow_tcp_handshake(struct flow *flow, u32 us[2]);
bool flow_tcp_syn_reopens(struct flow *flow, const struct flow_packet *pkt);
const char *flow_tcp_state_name(u8 state);

#endif /* _FLOWMON_TCP_H */
