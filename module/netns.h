/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_NETNS_H
#define _FLOWMON_NETNS_H

#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "table.h"

struct flowmon_drop_total;
struct flowmon_handshakes;

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
	atomic64_t hints_malformed;
	atomic64_t hints_lost;
};

/*
 * What an idle timeout applies to, in the order of the attributes that set
 * them (FLOWMON_CONFIG_A_TIMEOUT_*) and of the module parameters.
 */
enum flowmon_timeout {
	FLOWMON_TIMEOUT_SYN_SENT,
	FLOWMON_TIMEOUT_SYN_RECV,	/* SYN-RECEIVED, LISTEN */
	FLOWMON_TIMEOUT_ESTABLISHED,
	FLOWMON_TIMEOUT_FIN_WAIT,	/* FIN-WAIT-1, FIN-WAIT-2, CLOSING */
	FLOWMON_TIMEOUT_CLOSE_WAIT,
	FLOWMON_TIMEOUT_LAST_ACK,
	FLOWMON_TIMEOUT_TIME_WAIT,
	FLOWMON_TIMEOUT_CLOSE,
	FLOWMON_TIMEOUT_UDP,		/* unreplied */
	FLOWMON_TIMEOUT_UDP_STREAM,	/* replied */
	FLOWMON_TIMEOUT_ICMP,
	FLOWMON_TIMEOUT_GENERIC,
	FLOWMON_TIMEOUT_NR
};

/* Idle timeouts, in seconds; READ_ONCE/WRITE_ONCE. */
struct flowmon_timeouts {
	u32 secs[FLOWMON_TIMEOUT_NR];
};

struct flowmon_net {
	possible_net_t net;
	struct flow_table table;
	struct flowmon_stats stats;
	/* [FLOWMON_DROP_SLOTS], from the first drop on (drop.c) */
	struct flowmon_drop_total __rcu *drops;
	/* From the first whole handshake on (handshake.c) */
	struct flowmon_handshakes __percpu *handshakes;
	struct flowmon_timeouts timeouts;
	struct delayed_work gc_work;
	unsigned long gc_flags;		/* FLOWMON_GC_*_BIT */
	struct flow_cursor gc_cursor;	/* where the next GC run starts */
	u64 gc_pass_start;		/* ns since the epoch */
	u64 gc_deadline;		/* the earliest expiry the pass saw */
};

/* The collector has stopped: the table was empty (gc.c). */
#define FLOWMON_GC_IDLE_BIT	0
/* Timeouts changed: the next GC run starts a new pass. */
#define FLOWMON_GC_REPLAN_BIT	1

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
