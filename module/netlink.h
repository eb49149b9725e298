/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETLINK_H
#define _FLOWMON_NETLINK_H

#include <linux/flowmon.h>
#include <net/net_namespace.h>

#include "flow.h"

int flowmon_genetlink_init(void);
void flowmon_genetlink_uninit(void);
bool flowmon_unprivileged_read(void);
void flowmon_notify_new(struct net *net, struct flow *flow, u64 now);
void flowmon_notify_state(struct net *net, struct flow *flow,
			  const struct flow_transition *tr, u64 now);
void flowmon_notify_destroy(struct net *net, struct flow *flow,
			    enum flowmon_end_reason reason);

#endif /* _FLOWMON_NETLINK_H */
