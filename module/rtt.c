// SPDX-License-Identifier: GPL-2.0
/*
 * Passive round trip times, as pping and ePPing measure them, without
 * their table of timestamps in flight: each direction of a flow keeps one
 * sample outstanding, in its record.
 *
 * A segment that takes sequence space (data, SYN or FIN) starts a sample
 * in its direction if none is outstanding: it notes the segment's TSval
 * (if it is the first segment with that TSval: the receiver may echo any),
 * or, where timestamps are off, the sequence number just after it, and
 * when it passed here. The first segment of the other direction that
 * echoes that TSval, or acknowledges that sequence number, ends it: the
 * time between is the round trip from here to that segment's receiver and
 * back, whichever side of this box the receiver is. Pure ACKs start
 * nothing: their echo waits for the peer's next data, and would count the
 * application's think time as path.
 *
 * Karn's rule: the ACK of a retransmitted sequence number may answer
 * either transmission, so a retransmission ends the outstanding sample
 * without a figure. A TSval tells which transmission its echo answers: a
 * retransmission with a TSval of its own starts the sample anew from it.
 * An echo newer than the sample's TSval means the segment never got there
 * (the receiver echoes the last in-order segment's): no figure either.
 *
 * The samples of the SYN and of the SYN-ACK are kept apart too: the
 * handshake's round trips to the server and to the client.
 *
 * A sample costs one clock read at each end; a segment that neither
 * starts nor ends one costs a test or two.
 */
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <net/tcp.h>

#include "rtt.h"

/* The clock, read at most once per segment. */
struct rtt_clock {
	u32 us;
	bool read;
};

static u32 rtt_now_us(struct rtt_clock *clock)
{
	if (!clock->read) {
		clock->us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
		clock->read = true;
	}
	return clock->us;
}

/*
 * RFC 6298 (2.2), (2.3): SRTT <- 7/8 SRTT + 1/8 R', kept times 8. Returns
 * the sample as kept.
 */
static u32 rtt_add_sample(struct flow_rtt_side *side, u32 us)
{
	us = clamp_t(u32, us, 1, U32_MAX >> 3);
	if (!side->samples) {
		side->min_us = us;
		side->max_us = us;
		side->srtt_us = us << 3;
	} else {
		side->min_us = min(side->min_us, us);
		side->max_us = max(side->max_us, us);
		side->srtt_us = side->srtt_us - (side->srtt_us >> 3) + us;
	}
	side->latest_us = us;
	if (side->samples != U32_MAX)
		side->samples++;
	return us;
}

static void rtt_start(struct flow_rtt *rtt, enum flow_direction dir,
		      const struct flow_packet *pkt, u32 mark, bool by_timestamp,
		      struct rtt_clock *clock)
{
	rtt->probe[dir].mark = mark;
	rtt->probe[dir].sent_us = rtt_now_us(clock);
	rtt->pending |= BIT(dir);
	if (pkt->tcp_flags & TCPHDR_SYN)
		rtt->syn |= BIT(dir);
	else
		rtt->syn &= ~BIT(dir);
	if (by_timestamp)
		rtt->by_timestamp |= BIT(dir);
	else
		rtt->by_timestamp &= ~BIT(dir);
}

/* A segment of direction @dir answers the sample of the other direction. */
static void rtt_answer(struct flow_rtt *rtt, enum flow_direction dir,
		       const struct flow_packet *pkt, struct rtt_clock *clock)
{
	enum flow_direction sampled = !dir;
	const struct flow_rtt_probe *probe = &rtt->probe[sampled];
	u32 answer, us;

	if (!(rtt->pending & BIT(sampled)) || !(pkt->tcp_flags & TCPHDR_ACK))
		return;
	if (rtt->by_timestamp & BIT(sampled)) {
		if (!(pkt->tcp_options & FLOW_TCP_OPT_TIMESTAMP))
			return;
		answer = pkt->tsecr;
	} else {
		answer = pkt->ack_seq;
	}
	if (before(answer, probe->mark))
		return;
	/* An ACK covers what it passes; an echo names one TSval. */
	if (answer == probe->mark || !(rtt->by_timestamp & BIT(sampled))) {
		us = rtt_add_sample(&rtt->side[sampled],
				    rtt_now_us(clock) - probe->sent_us);
		if ((rtt->syn & BIT(sampled)) && !rtt->handshake_us[sampled])
			rtt->handshake_us[sampled] = us;
	}
	rtt->pending &= ~BIT(sampled);
}

/*
 * Segments sent within one tick of the sender's clock share a TSval, and
 * any of them (a pure ACK too) may be the one the receiver echoes: only
 * the first with a new TSval can start a sample.
 */
static bool rtt_first_tsval(struct flow_rtt *rtt, enum flow_direction dir,
			    const struct flow_packet *pkt)
{
	if ((rtt->ts_seen & BIT(dir)) &&
	    !after(pkt->tsval, rtt->last_tsval[dir]))
		return false;
	rtt->last_tsval[dir] = pkt->tsval;
	rtt->ts_seen |= BIT(dir);
	return true;
}

/* A segment of direction @dir may start that direction's sample. */
static void rtt_send(struct flow_rtt *rtt, enum flow_direction dir,
		     const struct flow_packet *pkt, bool retrans,
		     struct rtt_clock *clock)
{
	bool pending = rtt->pending & BIT(dir);
	bool first;

	if (!(pkt->tcp_options & FLOW_TCP_OPT_TIMESTAMP)) {
		if (!pkt->seg_len)
			return;
		if (retrans)
			rtt->pending &= ~BIT(dir);
		else if (!pending)
			rtt_start(rtt, dir, pkt, pkt->seq + pkt->seg_len,
				  false, clock);
		return;
	}
	first = rtt_first_tsval(rtt, dir, pkt);
	if (!pkt->seg_len)
		return;
	if (first && (retrans || !pending))
		rtt_start(rtt, dir, pkt, pkt->tsval, true, clock);
	else if (retrans)
		rtt->pending &= ~BIT(dir);
}

/*
 * Called with the flow's lock held, for each segment of direction @dir
 * that fits its state; @retrans: it starts below what its sender already
 * sent.
 */
void flow_rtt_segment(struct flow_rtt *rtt, enum flow_direction dir,
		      const struct flow_packet *pkt, bool retrans)
{
	struct rtt_clock clock = {};

	rtt_answer(rtt, dir, pkt, &clock);
	rtt_send(rtt, dir, pkt, retrans, &clock);
}
