// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP view of a flow: each endpoint's state and sequence facts, as an
 * on-path observer infers them.
 *
 * Each segment moves its sender as sending it would and its receiver as
 * receiving it would (RFC 793, section 3.2, assuming delivery), with one
 * exception: a SYN-ACK does not make its receiver ESTABLISHED until that
 * receiver is seen acknowledging it. A SYN flood or a SYN-ACK sent to a
 * spoofed address therefore never shows an ESTABLISHED endpoint.
 *
 * Sequence numbers wrap: every comparison uses before() and after().
 */
#include <net/tcp.h>

#include "tcp.h"

static const char *const tcp_state_names[] = {
	[FLOWMON_TCP_CLOSED] = "CLOSED",
	[FLOWMON_TCP_LISTEN] = "LISTEN",
	[FLOWMON_TCP_SYN_SENT] = "SYN-SENT",
	[FLOWMON_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[FLOWMON_TCP_ESTABLISHED] = "ESTABLISHED",
	[FLOWMON_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[FLOWMON_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[FLOWMON_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[FLOWMON_TCP_CLOSING] = "CLOSING",
	[FLOWMON_TCP_LAST_ACK] = "LAST-ACK",
	[FLOWMON_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *flow_tcp_state_name(u8 state)
{
	if (state > FLOWMON_TCP_STATE_MAX)
		return "?";
	return tcp_state_names[state];
}

static bool tcp_is_syn(const struct flow_packet *pkt)
{
	return (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) ==
	       TCPHDR_SYN;
}

static bool tcp_is_syn_ack(const struct flow_packet *pkt)
{
	return (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) ==
	       (TCPHDR_SYN | TCPHDR_ACK);
}

/*
 * A flow whose first segment is neither a SYN nor a SYN-ACK was already
 * running when flowmon first saw it (module loaded mid-connection).
 */
bool flow_tcp_is_mid_stream(const struct flow_packet *pkt)
{
	return !tcp_is_syn(pkt) && !tcp_is_syn_ack(pkt);
}

/*
 * Who is the client? The SYN sender; the receiver of a SYN-ACK; otherwise,
 * for a connection picked up mid-stream, the endpoint with the higher port,
 * since clients normally use ephemeral ports above the server's.
 */
bool flow_tcp_client_is_sender(const struct flow_packet *pkt)
{
	if (tcp_is_syn(pkt))
		return true;
	if (tcp_is_syn_ack(pkt))
		return false;
	return ntohs(pkt->tuple.sport) >= ntohs(pkt->tuple.dport);
}

void flow_tcp_init(struct flow_tcp *tcp, const struct flow_packet *pkt,
		   u64 now)
{
	struct flow_tcp_endpoint *client = &tcp->ep[FLOW_DIR_UP];
	struct flow_tcp_endpoint *server = &tcp->ep[FLOW_DIR_DOWN];

	spin_lock_init(&tcp->lock);
	tcp->state_since = now;
	if (flow_tcp_is_mid_stream(pkt)) {
		client->state = FLOWMON_TCP_ESTABLISHED;
		server->state = FLOWMON_TCP_ESTABLISHED;
	} else if (tcp_is_syn_ack(pkt)) {
		/* The client's SYN was missed; the SYN-ACK's ack tells its ISN. */
		client->state = FLOWMON_TCP_SYN_SENT;
		client->isn = pkt->ack_seq - 1;
		client->seen = FLOW_TCP_SEEN_SYN;
		server->state = FLOWMON_TCP_LISTEN;
	} else {
		client->state = FLOWMON_TCP_CLOSED;
		server->state = FLOWMON_TCP_LISTEN;
	}
}

static bool tcp_endpoint_closed(const struct flow_tcp_endpoint *ep)
{
	return ep->state == FLOWMON_TCP_CLOSED ||
	       ep->state == FLOWMON_TCP_TIME_WAIT;
}

/*
 * Does this SYN open a new connection on the quad of a finished one (port
 * reuse)? Then the old record ends and a new one starts.
 */
bool flow_tcp_syn_reopens(struct flow *flow, const struct flow_packet *pkt)
{
	struct flow_tcp *tcp = flow_tcp(flow);
	bool reopens;

	if (!tcp_is_syn(pkt))
		return false;
	spin_lock_bh(&tcp->lock);
	reopens = tcp_endpoint_closed(&tcp->ep[FLOW_DIR_UP]) &&
		  tcp_endpoint_closed(&tcp->ep[FLOW_DIR_DOWN]);
	spin_unlock_bh(&tcp->lock);
	return reopens;
}

/* Both endpoints' states, read together so that they are consistent. */
void flow_tcp_states(struct flow *flow, u8 *client, u8 *server)
{
	struct flow_tcp *tcp = flow_tcp(flow);

	spin_lock_bh(&tcp->lock);
	*client = tcp->ep[FLOW_DIR_UP].state;
	*server = tcp->ep[FLOW_DIR_DOWN].state;
	spin_unlock_bh(&tcp->lock);
}

/* The round trips to the server ([FLOW_DIR_UP]) and to the client. */
void flow_tcp_rtt(struct flow *flow, struct flow_rtt_side side[2])
{
	struct flow_tcp *tcp = flow_tcp(flow);

	spin_lock_bh(&tcp->lock);
	memcpy(side, tcp->rtt.side, sizeof(tcp->rtt.side));
	spin_unlock_bh(&tcp->lock);
}

/*
 * The handshake's round trips: the SYN's to the server ([FLOW_DIR_UP]) and
 * the SYN-ACK's to the client. False unless both were measured.
 */
bool flow_tcp_handshake(struct flow *flow, u32 us[2])
{
	struct flow_tcp *tcp = flow_tcp(flow);

	spin_lock_bh(&tcp->lock);
	memcpy(us, tcp->rtt.handshake_us, sizeof(tcp->rtt.handshake_us));
	spin_unlock_bh(&tcp->lock);
	return us[FLOW_DIR_UP] && us[FLOW_DIR_DOWN];
}

/* Has @acker acknowledged the SYN of @owner? */
static bool tcp_syn_acked(const struct flow_tcp_endpoint *owner,
			  const struct flow_tcp_endpoint *acker)
{
	return (owner->seen & FLOW_TCP_SEEN_SYN) &&
	       (acker->seen & FLOW_TCP_SEEN_ACK) &&
	       after(acker->max_ack, owner->isn);
}

static bool tcp_acks_fin(const struct flow_tcp_endpoint *peer, u32 ack)
{
	return (peer->seen & FLOW_TCP_SEEN_FIN) && !before(ack, peer->fin_end);
}

/* Data (or SYN, FIN) that starts below the highest sequence already sent. */
static bool tcp_is_retransmission(const struct flow_tcp_endpoint *snd,
				  const struct flow_packet *pkt)
{
	return pkt->seg_len && (snd->seen & FLOW_TCP_SEEN_DATA) &&
	       before(pkt->seq, snd->end);
}

/*
 * Data beyond what the receiver last said it would accept. Only known
 * when both SYNs were seen: without them the window scale is not, and a
 * picked-up connection's windows would look far too small.
 */
static bool tcp_is_out_of_window(const struct flow_tcp_endpoint *snd,
				 const struct flow_tcp_endpoint *rcv,
				 const struct flow_packet *pkt)
{
	return pkt->seg_len && (snd->seen & FLOW_TCP_SEEN_SYN) &&
	       (rcv->seen & FLOW_TCP_SEEN_SYN) &&
	       (rcv->seen & FLOW_TCP_SEEN_ACK) &&
	       after(pkt->seq + pkt->seg_len, rcv->max_ack + rcv->window);
}

/*
 * A segment that no endpoint in the sender's state would send: anything
 * but a SYN or RST from an endpoint that has not opened, a plain SYN on a
 * synchronized connection, or data after the sender's own FIN.
 */
static bool tcp_is_unexpected(const struct flow_tcp_endpoint *snd,
			      const struct flow_packet *pkt)
{
	u8 flags = pkt->tcp_flags;

	if (flags & TCPHDR_RST)
		return false;
	if (snd->state == FLOWMON_TCP_CLOSED ||
	    snd->state == FLOWMON_TCP_LISTEN)
		return !(flags & TCPHDR_SYN);
	if (tcp_is_syn(pkt))
		return snd->state != FLOWMON_TCP_SYN_SENT &&
		       snd->state != FLOWMON_TCP_SYN_RECEIVED;
	return (snd->seen & FLOW_TCP_SEEN_FIN) &&
	       after(pkt->seq + pkt->seg_len, snd->fin_end);
}

static void tcp_note_syn_options(struct flow_tcp_endpoint *snd,
				 const struct flow_packet *pkt)
{
	snd->options = pkt->tcp_options;
	snd->mss = pkt->mss;
	snd->wscale = pkt->wscale;
}

/* Windows are scaled only once both SYNs offered scaling (RFC 7323). */
static u32 tcp_scaled_window(const struct flow_tcp_endpoint *snd,
			     const struct flow_tcp_endpoint *rcv,
			     const struct flow_packet *pkt)
{
	if ((pkt->tcp_flags & TCPHDR_SYN) ||
	    !(snd->options & rcv->options & FLOW_TCP_OPT_WSCALE))
		return pkt->window;
	return (u32)pkt->window << snd->wscale;
}

static void tcp_note_sequence(struct flow_tcp_endpoint *snd,
			      const struct flow_tcp_endpoint *rcv,
			      const struct flow_packet *pkt)
{
	u32 end = pkt->seq + pkt->seg_len;

	if (pkt->tcp_flags & TCPHDR_SYN) {
		snd->isn = pkt->seq;
		snd->seen |= FLOW_TCP_SEEN_SYN;
		snd->end = end;
		tcp_note_syn_options(snd, pkt);
	} else if (!(snd->seen & FLOW_TCP_SEEN_DATA) || after(end, snd->end)) {
		snd->end = end;
	}
	snd->seen |= FLOW_TCP_SEEN_DATA;
	snd->window = tcp_scaled_window(snd, rcv, pkt);

	if (pkt->tcp_flags & TCPHDR_ACK) {
		if (!(snd->seen & FLOW_TCP_SEEN_ACK) ||
		    after(pkt->ack_seq, snd->max_ack))
			snd->max_ack = pkt->ack_seq;
		snd->seen |= FLOW_TCP_SEEN_ACK;
	}
}

static void tcp_on_syn(struct flow_tcp_endpoint *snd,
		       struct flow_tcp_endpoint *rcv, bool with_ack)
{
	if (with_ack) {
		/* SYN-ACK: from LISTEN, or SYN-SENT in a simultaneous open. */
		if (snd->state == FLOWMON_TCP_LISTEN ||
		    snd->state == FLOWMON_TCP_SYN_SENT)
			snd->state = FLOWMON_TCP_SYN_RECEIVED;
		return;
	}
	if (snd->state == FLOWMON_TCP_CLOSED)
		snd->state = FLOWMON_TCP_SYN_SENT;
	if (rcv->state == FLOWMON_TCP_LISTEN ||
	    rcv->state == FLOWMON_TCP_SYN_SENT)
		rcv->state = FLOWMON_TCP_SYN_RECEIVED;
}

static void tcp_synchronize(struct flow_tcp_endpoint *ep)
{
	if (ep->state == FLOWMON_TCP_SYN_SENT ||
	    ep->state == FLOWMON_TCP_SYN_RECEIVED)
		ep->state = FLOWMON_TCP_ESTABLISHED;
}

/*
 * The sender acknowledges the receiver's SYN or FIN. An endpoint becomes
 * ESTABLISHED once each SYN has been seen acknowledged by the other side:
 * for the client that is its own ACK of the SYN-ACK, never the SYN-ACK
 * alone. The same rule covers a simultaneous open, where both SYN-ACKs
 * complete the handshake.
 */
static void tcp_on_ack(struct flow_tcp_endpoint *snd,
		       struct flow_tcp_endpoint *rcv, u32 ack)
{
	if (tcp_syn_acked(snd, rcv) && tcp_syn_acked(rcv, snd)) {
		tcp_synchronize(snd);
		tcp_synchronize(rcv);
	}

	if (!tcp_acks_fin(rcv, ack))
		return;
	switch (rcv->state) {
	case FLOWMON_TCP_FIN_WAIT_1:
		rcv->state = FLOWMON_TCP_FIN_WAIT_2;
		break;
	case FLOWMON_TCP_CLOSING:
		rcv->state = FLOWMON_TCP_TIME_WAIT;
		break;
	case FLOWMON_TCP_LAST_ACK:
		rcv->state = FLOWMON_TCP_CLOSED;
		break;
	}
}

static void tcp_on_fin(struct flow_tcp_endpoint *snd,
		       struct flow_tcp_endpoint *rcv,
		       const struct flow_packet *pkt)
{
	u32 fin_end = pkt->seq + pkt->seg_len;

	/* A retransmitted FIN changes nothing. */
	if ((snd->seen & FLOW_TCP_SEEN_FIN) && snd->fin_end == fin_end)
		return;
	snd->seen |= FLOW_TCP_SEEN_FIN;
	snd->fin_end = fin_end;

	switch (snd->state) {
	case FLOWMON_TCP_SYN_RECEIVED:
	case FLOWMON_TCP_ESTABLISHED:
		snd->state = FLOWMON_TCP_FIN_WAIT_1;
		break;
	case FLOWMON_TCP_CLOSE_WAIT:
		/*
		 * A FIN that does not acknowledge the peer's FIN was sent
		 * before that FIN arrived: a simultaneous close, in which
		 * both ends go through CLOSING (RFC 793, figure 14).
		 */
		if ((pkt->tcp_flags & TCPHDR_ACK) &&
		    tcp_acks_fin(rcv, pkt->ack_seq))
			snd->state = FLOWMON_TCP_LAST_ACK;
		else
			snd->state = FLOWMON_TCP_CLOSING;
		break;
	}

	switch (rcv->state) {
	case FLOWMON_TCP_SYN_RECEIVED:
	case FLOWMON_TCP_ESTABLISHED:
		rcv->state = FLOWMON_TCP_CLOSE_WAIT;
		break;
	case FLOWMON_TCP_FIN_WAIT_1:	/* simultaneous close */
		rcv->state = FLOWMON_TCP_CLOSING;
		break;
	case FLOWMON_TCP_FIN_WAIT_2:
		rcv->state = FLOWMON_TCP_TIME_WAIT;
		break;
	}
}

#define FLOW_HISTORY_ACK	BIT(0)
#define FLOW_HISTORY_DATA	BIT(1)
#define FLOW_HISTORY_ODD	BIT(2)
#define FLOW_HISTORY_SYN	BIT(3)
#define FLOW_HISTORY_FIN	BIT(4)
#define FLOW_HISTORY_RST	BIT(5)

static void history_add(struct flow_history *h, enum flow_direction dir,
			char letter)
{
	if (h->len >= FLOWMON_HISTORY_MAX)
		return;
	h->text[h->len++] = dir == FLOW_DIR_UP ? letter - 'a' + 'A' : letter;
}

/* a, d and q: once per direction. */
static void history_once(struct flow_history *h, enum flow_direction dir,
			 u8 bit, char letter)
{
	if (h->letters[dir] & bit)
		return;
	h->letters[dir] |= bit;
	history_add(h, dir, letter);
}

/* s, h, f and r: again only when the sequence number changes. */
static void history_seq(struct flow_history *h, enum flow_direction dir,
			u8 bit, u32 *last_seq, u32 seq, char letter)
{
	if ((h->letters[dir] & bit) && *last_seq == seq)
		return;
	h->letters[dir] |= bit;
	*last_seq = seq;
	history_add(h, dir, letter);
}

/* t and w: when a count of events reaches 1, 10, 100... */
static void history_log(struct flow_history *h, enum flow_direction dir,
			u32 before, u32 after, char letter)
{
	u64 power;

	if (after == before)
		return;
	for (power = 1; power <= after; power *= 10) {
		if (power > before) {
			history_add(h, dir, letter);
			return;
		}
	}
}

/*
 * After tcp_note_counters(): @before is what the sender's counts were
 * before it, @after what they are now.
 */
static void tcp_note_history(struct flow_tcp *tcp, enum flow_direction dir,
			     const struct flow_packet *pkt, bool retrans,
			     const struct flow_tcp_anomalies *before,
			     const struct flow_tcp_anomalies *after)
{
	struct flow_history *h = &tcp->history;
	u8 flags = pkt->tcp_flags;

	if ((flags & TCPHDR_SYN) && (flags & (TCPHDR_FIN | TCPHDR_RST)))
		history_once(h, dir, FLOW_HISTORY_ODD, 'q');
	else if (flags & TCPHDR_SYN)
		history_seq(h, dir, FLOW_HISTORY_SYN, &h->syn_seq[dir], pkt->seq,
			    flags & TCPHDR_ACK ? 'h' : 's');
	if (retrans)
		history_log(h, dir, before->retrans_packets,
			    after->retrans_packets, 't');
	else if (pkt->payload)
		history_once(h, dir, FLOW_HISTORY_DATA, 'd');
	else if ((flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST | TCPHDR_ACK)) ==
		 TCPHDR_ACK)
		history_once(h, dir, FLOW_HISTORY_ACK, 'a');
	/* The FIN's own sequence: a resent piece may start elsewhere. */
	if ((flags & TCPHDR_FIN) && !(flags & TCPHDR_SYN))
		history_seq(h, dir, FLOW_HISTORY_FIN, &h->fin_seq[dir],
			    pkt->seq + pkt->payload, 'f');
	if ((flags & TCPHDR_RST) && !(flags & TCPHDR_SYN))
		history_seq(h, dir, FLOW_HISTORY_RST, &h->rst_seq[dir], pkt->seq,
			    'r');
	history_log(h, dir, before->zero_window, after->zero_window, 'w');
}

/* The sender's anomaly counts, allocated now if they were not. */
static struct flow_tcp_anomalies *tcp_anomalies(struct flow_tcp *tcp,
						enum flow_direction dir)
{
	lockdep_assert_held(&tcp->lock);
	if (!tcp->anomalies)
		tcp->anomalies = kcalloc(2, sizeof(*tcp->anomalies), GFP_ATOMIC);
	return tcp->anomalies ? &tcp->anomalies[dir] : NULL;
}

/* What @pkt adds to its sender's anomaly counts: all zero for most. */
static void tcp_count_anomalies(struct flow_tcp *tcp, enum flow_direction dir,
				const struct flow_packet *pkt, bool retrans,
				struct flow_tcp_anomalies *add)
{
	memset(add, 0, sizeof(*add));
	if (retrans) {
		add->retrans_packets = pkt->segments;
		add->retrans_bytes = pkt->payload;
	}
	if (tcp_is_out_of_window(&tcp->ep[dir], &tcp->ep[!dir], pkt))
		add->out_of_window = 1;
	if (!pkt->window && !(pkt->tcp_flags & TCPHDR_RST))
		add->zero_window = 1;
}

/*
 * Adds @add to the sender's counts; @before and @after are what they were
 * and are, for the history.
 */
static void tcp_note_anomalies(struct flow_tcp *tcp, enum flow_direction dir,
			       const struct flow_tcp_anomalies *add,
			       struct flow_tcp_anomalies *before,
			       struct flow_tcp_anomalies *after)
{
	struct flow_tcp_anomalies *count;

	memset(before, 0, sizeof(*before));
	if (tcp->anomalies)
		*before = tcp->anomalies[dir];
	*after = *before;
	if (!add->retrans_packets && !add->out_of_window && !add->zero_window)
		return;
	count = tcp_anomalies(tcp, dir);
	if (!count)
		return;
	count->retrans_packets += add->retrans_packets;
	count->retrans_bytes += add->retrans_bytes;
	count->out_of_window += add->out_of_window;
	count->zero_window += add->zero_window;
	*after = *count;
}

/* Called with tcp->lock held, for each segment in either direction. */
static void tcp_segment(struct flow_tcp *tcp, enum flow_direction dir,
			const struct flow_packet *pkt)
{
	struct flow_tcp_endpoint *snd = &tcp->ep[dir];
	struct flow_tcp_endpoint *rcv = &tcp->ep[!dir];
	bool retrans = tcp_is_retransmission(snd, pkt);
	struct flow_tcp_anomalies add, before, after, *count;
	u8 flags = pkt->tcp_flags;

	lockdep_assert_held(&tcp->lock);
	tcp_count_anomalies(tcp, dir, pkt, retrans, &add);
	tcp_note_anomalies(tcp, dir, &add, &before, &after);
	tcp_note_history(tcp, dir, pkt, retrans, &before, &after);

	if (flags & TCPHDR_RST) {
		snd->state = FLOWMON_TCP_CLOSED;
		rcv->state = FLOWMON_TCP_CLOSED;
		return;
	}
	/*
	 * A retransmission repeats what was fine when first sent: a FIN sent
	 * again because our last ACK was lost after we saw it is not news.
	 */
	if (!retrans && tcp_is_unexpected(snd, pkt)) {
		count = tcp_anomalies(tcp, dir);
		if (count)
			count->unexpected++;
		return;
	}

	tcp_note_sequence(snd, rcv, pkt);
	flow_rtt_segment(&tcp->rtt, dir, pkt, retrans);
	if (flags & TCPHDR_SYN)
		tcp_on_syn(snd, rcv, flags & TCPHDR_ACK);
	/* ACK first: a FIN-ACK may acknowledge the receiver's own FIN. */
	if (flags & TCPHDR_ACK)
		tcp_on_ack(snd, rcv, pkt->ack_seq);
	if (flags & TCPHDR_FIN)
		tcp_on_fin(snd, rcv, pkt);
}

/*
 * Accounts a segment to the TCP part of its record. Returns true, with @tr
 * filled in, when either endpoint's state changed.
 */
bool flow_tcp_account(struct flow_tcp *tcp, enum flow_direction dir,
		      const struct flow_packet *pkt, u64 now,
		      struct flow_transition *tr)
{
	struct flow_tcp_endpoint *ep = tcp->ep;
	bool changed = false;

	spin_lock_bh(&tcp->lock);
	/* A record on its way out keeps the state it ended in. */
	if (tcp->frozen)
		goto out;
	tr->old[FLOW_DIR_UP] = ep[FLOW_DIR_UP].state;
	tr->old[FLOW_DIR_DOWN] = ep[FLOW_DIR_DOWN].state;
	tcp_segment(tcp, dir, pkt);
	tr->new[FLOW_DIR_UP] = ep[FLOW_DIR_UP].state;
	tr->new[FLOW_DIR_DOWN] = ep[FLOW_DIR_DOWN].state;
	changed = memcmp(tr->old, tr->new, sizeof(tr->old));
	if (changed)
		tcp->state_since = now;
out:
	spin_unlock_bh(&tcp->lock);
	return changed;
}

/*
 * The record has been unlinked and its end is about to be announced: no
 * segment changes it after this returns.
 */
void flow_tcp_freeze(struct flow_tcp *tcp)
{
	spin_lock_bh(&tcp->lock);
	tcp->frozen = true;
	spin_unlock_bh(&tcp->lock);
}

/* Frees what the record points to: nobody looks at it any more. */
void flow_tcp_release(struct flow_tcp *tcp)
{
	kfree(tcp->anomalies);
}
