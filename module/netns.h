/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETNS_H
#define _FLOWMON_NETNS_H

#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "table.h"

/* Events counted per namespace, reported by FLOWMON_CMD_GET_STATS. */
struct flowmon_stats {
	atomic64_t created;
	atomic64_t destroyed;
	atomic64_t parse_errors;
	atomic64_t fragments;
	atomic64_t untracked;
};

struct flowmon_net {
	struct flow_table table;
	struct flowmon_stats stats;
};

extern unsigned int flowmon_net_id;

static inline struct flowmon_net *flowmon_pernet(const struct net *net)
{
	return net_generic(net, flowmon_net_id);
}

int flowmon_netns_init(void);
void flowmon_netns_exit(void);

#endif /* _FLOWMON_NETNS_H */
