/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Passive round trip times of a TCP flow, all along its life, on each side
 * of this box (rtt.c).
 */
#ifndef _FLOWMON_RTT_H
#define _FLOWMON_RTT_H

#include <linux/types.h>

#include "flow.h"

/*
 * The figures of one side of the path, in microseconds. @srtt_us is the
 * smoothed RTT of RFC 6298 times 8, as tcp_sock keeps it, so that the
 * average needs no division.
 */
struct flow_rtt_side {
	u32 samples;
	u32 min_us;
	u32 srtt_us;
	u32 latest_us;
	u32 max_us;
};

/*
 * The one sample each direction may have outstanding: the TCP timestamp
 * value its sender put on a segment, or the sequence number just after
 * the segment, waiting for the first echo or ACK in the other direction.
 */
struct flow_rtt_probe {
	u32 mark;
	u32 sent_us;		/* when it passed here, truncated microseconds */
};

/*
 * Indexed by the direction of the segments sampled: the ACKs to
 * [FLOW_DIR_UP]'s segments come from the server, so side[FLOW_DIR_UP] is
 * the round trip from here to the server and back, side[FLOW_DIR_DOWN]
 * the one to the client.
 */
struct flow_rtt {
	struct flow_rtt_probe probe[2];
	struct flow_rtt_side side[2];
	u32 handshake_us[2];	/* the samples of the SYN and the SYN-ACK */
	u32 last_tsval[2];	/* the newest TSval each direction sent */
	u8 pending;		/* BIT(dir): probe[dir] awaits its answer */
	u8 by_timestamp;	/* BIT(dir): probe[dir].mark is a TSval */
	u8 syn;			/* BIT(dir): probe[dir] is a SYN's */
	u8 ts_seen;		/* BIT(dir): last_tsval[dir] is set */
};

void flow_rtt_segment(struct flow_rtt *rtt, enum flow_direction dir,
		      const struct flow_packet *pkt, bool retrans);

static inline u32 flow_rtt_srtt_us(const struct flow_rtt_side *side)
{
	return side->srtt_us >> 3;
}

#endif /* _FLOWMON_RTT_H */
