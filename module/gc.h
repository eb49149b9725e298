/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_GC_H
#define _FLOWMON_GC_H

#include "netns.h"

/* Why a record ended. */
enum flow_end_reason {
	FLOW_END_TIMEOUT,
	FLOW_END_EVICTED_EMBRYONIC,
	FLOW_END_EVICTED_CLOSED,
	FLOW_END_REUSED,
	FLOW_END_FLUSHED,
};

extern unsigned int flowmon_gc_interval_ms;

bool flowmon_flow_destroy(struct flowmon_net *fn, struct flow *flow,
			  enum flow_end_reason reason);
bool flowmon_evict(struct flowmon_net *fn, const struct flow_tuple *tuple);
void flowmon_gc_start(struct flowmon_net *fn);
void flowmon_gc_wake(struct flowmon_net *fn);
void flowmon_gc_stop(struct flowmon_net *fn);

#endif /* _FLOWMON_GC_H */
