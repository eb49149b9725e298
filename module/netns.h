/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETNS_H
#define _FLOWMON_NETNS_H

#include <linux/workqueue.h>
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
	atomic64_t expired;
	atomic64_t evicted_embryonic;
	atomic64_t evicted_closed;
	atomic64_t reused;
	atomic64_t flushed;
};

/* Idle timeouts, in seconds. */
struct flowmon_timeouts {
	u32 tcp[FLOWMON_TCP_STATE_MAX + 1];
	u32 udp;		/* unreplied */
	u32 udp_replied;
	u32 icmp;
	u32 generic;
};

struct flowmon_net {
	possible_net_t net;
	struct flow_table table;
	struct flowmon_stats stats;
	struct flowmon_timeouts timeouts;
	struct delayed_work gc_work;
	unsigned long gc_flags;		/* FLOWMON_GC_*_BIT */
	unsigned int gc_bucket;		/* where the next GC run starts */
};

/* The collector has stopped: the table was empty (gc.c). */
#define FLOWMON_GC_IDLE_BIT	0

extern unsigned int flowmon_net_id;

static inline struct flowmon_net *flowmon_pernet(const struct net *net)
{
	return net_generic(net, flowmon_net_id);
}

static inline struct net *flowmon_net_of(const struct flowmon_net *fn)
{
	return read_pnet(&fn->net);
}

int flowmon_netns_init(void);
void flowmon_netns_exit(void);

#endif /* _FLOWMON_NETNS_H */
