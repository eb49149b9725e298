/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_RECORD_H
#define _FLOWMON_RECORD_H

#include "netns.h"

/* Why a record ended. */
enum flow_end_reason {
	FLOW_END_TIMEOUT,
	FLOW_END_EVICTED_EMBRYONIC,
	FLOW_END_EVICTED_CLOSED,
	FLOW_END_REUSED,
	FLOW_END_FLUSHED,
};

struct flow *flowmon_flow_create(struct flowmon_net *fn,
				 const struct flow_packet *pkt, u32 hash,
				 u64 now, bool *created);
bool flowmon_flow_destroy(struct flowmon_net *fn, struct flow *flow,
			  enum flow_end_reason reason);

#endif /* _FLOWMON_RECORD_H */
