// SPDX-License-Identifier: GPL-2.0
/*
 * Events about records, through an atomic notifier chain: called in any
 * context (the packet path is softirq), listeners must not sleep.
 */
#include <linux/ktime.h>

#include "event.h"

static ATOMIC_NOTIFIER_HEAD(flowmon_event_chain);

int flowmon_event_register(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&flowmon_event_chain, nb);
}

/* Returns once no listener runs any more (a grace period). */
void flowmon_event_unregister(struct notifier_block *nb)
{
	atomic_notifier_chain_unregister(&flowmon_event_chain, nb);
}

static void flowmon_event(enum flowmon_event_type type,
			  struct flowmon_event *event)
{
	atomic_notifier_call_chain(&flowmon_event_chain, type, event);
}

void flowmon_event_new(struct net *net, struct flow *flow, u64 now)
{
	struct flowmon_event event = { .net = net, .flow = flow, .time = now };

	flowmon_event(FLOWMON_EVENT_NEW, &event);
}

void flowmon_event_state(struct net *net, struct flow *flow,
			 const struct flow_transition *tr, u64 now)
{
	struct flowmon_event event = {
		.net = net,
		.flow = flow,
		.time = now,
		.transition = tr,
	};

	flowmon_event(FLOWMON_EVENT_STATE, &event);
}

void flowmon_event_destroy(struct net *net, struct flow *flow,
			   enum flowmon_end_reason reason)
{
	struct flowmon_event event = {
		.net = net,
		.flow = flow,
		.time = ktime_get_real_ns(),
		.reason = reason,
	};

	flowmon_event(FLOWMON_EVENT_DESTROY, &event);
}

void flowmon_event_hint(struct net *net, struct flow *flow, u64 now)
{
	struct flowmon_event event = { .net = net, .flow = flow, .time = now };

	flowmon_event(FLOWMON_EVENT_HINT, &event);
}
