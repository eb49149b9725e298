/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What happens to records, told to whoever listens (netlink.c turns it
 * into multicast messages), so that the packet path, the collector and the
 * control plane need not know each other.
 */
#ifndef _FLOWMON_EVENT_H
#define _FLOWMON_EVENT_H

#include <linux/flowmon.h>
#include <linux/notifier.h>
#include <net/net_namespace.h>

#include "flow.h"

enum flowmon_event_type {
	FLOWMON_EVENT_NEW,	/* a record was created */
	FLOWMON_EVENT_STATE,	/* either endpoint's TCP state changed */
	FLOWMON_EVENT_DESTROY,	/* a record ended */
	FLOWMON_EVENT_HINT,	/* what it tells of its application changed */
};

/* The data of every event: the notifier chain's @data. */
struct flowmon_event {
	struct net *net;
	struct flow *flow;
	u64 time;					/* ns since the epoch */
	const struct flow_transition *transition;	/* STATE */
	enum flowmon_end_reason reason;			/* DESTROY */
};

int flowmon_event_register(struct notifier_block *nb);
void flowmon_event_unregister(struct notifier_block *nb);
void flowmon_event_new(struct net *net, struct flow *flow, u64 now);
void flowmon_event_state(struct net *net, struct flow *flow,
			 const struct flow_transition *tr, u64 now);
void flowmon_event_destroy(struct net *net, struct flow *flow,
			   enum flowmon_end_reason reason);
void flowmon_event_hint(struct net *net, struct flow *flow, u64 now);

#endif /* _FLOWMON_EVENT_H */
