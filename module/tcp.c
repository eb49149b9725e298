// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP state of each endpoint, as an on-path observer infers it.
 *
 * Each segment moves its sender as sending it would and its receiver as
 * receiving it would (RFC 793, section 3.2, assuming delivery), with one
 * exception: a SYN-ACK does not make its receiver ESTABLISHED until that
 * receiver is seen acknowledging it. A SYN flood or a SYN-ACK sent to a
 * spoofed address therefore never shows an ESTABLISHED endpoint.
 */
#include <linux/flowmon.h>
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

/*
 * A flow whose first segment is not a SYN was already running when flowmon
 * first saw it (module loaded mid-connection, or a lost SYN).
 */
bool flow_tcp_is_mid_stream(const struct flow_packet *pkt)
{
	return (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_RST)) != TCPHDR_SYN;
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
	if ((pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) ==
	    (TCPHDR_SYN | TCPHDR_ACK))
		return false;
	return ntohs(pkt->tuple.sport) >= ntohs(pkt->tuple.dport);
}

void flow_tcp_init(struct flow *flow, const struct flow_packet *pkt)
{
	struct flow_tcp_endpoint *client = &flow->tcp[FLOW_DIR_UP];
	struct flow_tcp_endpoint *server = &flow->tcp[FLOW_DIR_DOWN];

	if (flow_tcp_is_mid_stream(pkt)) {
		client->state = FLOWMON_TCP_ESTABLISHED;
		server->state = FLOWMON_TCP_ESTABLISHED;
	} else if (pkt->tcp_flags & TCPHDR_ACK) {
		/* First seen: a SYN-ACK. Its ack tells the client's ISN. */
		client->state = FLOWMON_TCP_SYN_SENT;
		client->isn = pkt->ack_seq - 1;
		client->seen = FLOW_TCP_SEEN_SYN;
		server->state = FLOWMON_TCP_LISTEN;
	} else {
		client->state = FLOWMON_TCP_CLOSED;
		server->state = FLOWMON_TCP_LISTEN;
	}
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

static void tcp_note_sequence(struct flow_tcp_endpoint *snd,
			      const struct flow_packet *pkt)
{
	u32 end = pkt->seq + pkt->seg_len;

	if (pkt->tcp_flags & TCPHDR_SYN) {
		snd->isn = pkt->seq;
		snd->seen |= FLOW_TCP_SEEN_SYN;
		snd->end = end;
	} else if (!(snd->seen & FLOW_TCP_SEEN_DATA) || after(end, snd->end)) {
		snd->end = end;
	}
	snd->seen |= FLOW_TCP_SEEN_DATA;

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
		snd->state = FLOWMON_TCP_LAST_ACK;
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

/* Called with flow->lock held, for each segment in either direction. */
void flow_tcp_segment(struct flow *flow, enum flow_direction dir,
		      const struct flow_packet *pkt)
{
	struct flow_tcp_endpoint *snd = &flow->tcp[dir];
	struct flow_tcp_endpoint *rcv = &flow->tcp[!dir];
	u8 flags = pkt->tcp_flags;

	if (flags & TCPHDR_RST) {
		snd->state = FLOWMON_TCP_CLOSED;
		rcv->state = FLOWMON_TCP_CLOSED;
		return;
	}

	tcp_note_sequence(snd, pkt);
	if (flags & TCPHDR_SYN)
		tcp_on_syn(snd, rcv, flags & TCPHDR_ACK);
	/* ACK first: a FIN-ACK may acknowledge the receiver's own FIN. */
	if (flags & TCPHDR_ACK)
		tcp_on_ack(snd, rcv, pkt->ack_seq);
	if (flags & TCPHDR_FIN)
		tcp_on_fin(snd, rcv, pkt);
}
