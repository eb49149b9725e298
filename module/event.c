// SPDX-License-Identifier: GPL-2.0
/*
 * Events in the life of a flow. Every change of either endpoint's TCP
 * state comes through flowmon_event_state(), with the states before and
 * after and the time; it is logged with dynamic debug
 * (echo 'module flowmon +p' > /sys/kernel/debug/dynamic_debug/control).
 */
#include "event.h"
#include "tcp.h"

void flowmon_event_state(struct flowmon_net *fn, struct flow *flow,
			 const struct flow_transition *tr, u64 now)
{
	pr_debug("flow %llu: %s/%s -> %s/%s at %llu\n", flow->id,
		 flow_tcp_state_name(tr->old[FLOW_DIR_UP]),
		 flow_tcp_state_name(tr->old[FLOW_DIR_DOWN]),
		 flow_tcp_state_name(tr->new[FLOW_DIR_UP]),
		 flow_tcp_state_name(tr->new[FLOW_DIR_DOWN]), now);
}
