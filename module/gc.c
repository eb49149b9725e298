// SPDX-License-Identifier: GPL-2.0
/*
 * The end of records: idle timeouts, garbage collection and eviction.
 *
 * Each namespace has a delayed work item that walks its table a slice of
 * buckets at a time, resuming where the previous slice stopped, and
 * removes records idle for longer than their state's timeout. A full pass
 * takes at most one GC interval, so a record is gone within one interval
 * of its timeout. The packet path never waits for the collector: it only
 * takes a bucket lock to link or unlink a record. A namespace without
 * records costs no wakeup: the collector goes idle after a pass that finds
 * the table empty, and the first new record wakes it (flowmon_gc_wake()).
 *
 * When the table is full, a new flow may take the place of an old one that
 * is not (yet, or any more) a connection: first unreplied or half-open
 * flows, then closed and TIME-WAIT ones, the oldest first among the next
 * FLOWMON_EVICT_FLOWS records from the new flow's bucket on (all of them
 * in a small table). An ESTABLISHED or replied flow is never
 * evicted; if nothing can go, the new flow is not tracked, and counted.
 * The packet itself always passes.
 */
#include <linux/module.h>

#include "gc.h"
#include "netlink.h"

/* Buckets walked per GC run; records weighed per eviction. */
#define FLOWMON_GC_BUCKETS	1024
#define FLOWMON_EVICT_FLOWS	64

unsigned int flowmon_gc_interval_ms __read_mostly = 1000;
module_param_named(gc_interval_ms, flowmon_gc_interval_ms, uint, 0444);
MODULE_PARM_DESC(gc_interval_ms,
		 "A full garbage collection pass at least this often (ms)");

/* Counts the end of a record; returns the reason as events name it. */
static enum flowmon_end_reason flowmon_count_end(struct flowmon_stats *stats,
						 enum flow_end_reason reason)
{
	atomic64_inc(&stats->destroyed);
	switch (reason) {
	case FLOW_END_TIMEOUT:
		atomic64_inc(&stats->expired);
		return FLOWMON_END_TIMEOUT;
	case FLOW_END_EVICTED_EMBRYONIC:
		atomic64_inc(&stats->evicted_embryonic);
		return FLOWMON_END_EVICTED;
	case FLOW_END_EVICTED_CLOSED:
		atomic64_inc(&stats->evicted_closed);
		return FLOWMON_END_EVICTED;
	case FLOW_END_REUSED:
		atomic64_inc(&stats->reused);
		return FLOWMON_END_REUSED;
	case FLOW_END_FLUSHED:
		atomic64_inc(&stats->flushed);
		break;
	}
	return FLOWMON_END_FLUSHED;
}

/*
 * Removes @flow from the table and frees it after a grace period. Returns
 * false if another CPU removed it first.
 */
bool flowmon_flow_destroy(struct flowmon_net *fn, struct flow *flow,
			  enum flow_end_reason reason)
{
	if (!flow_table_remove(&fn->table, flow))
		return false;
	spin_lock_bh(&flow->lock);
	set_bit(FLOW_DEAD_BIT, &flow->flags);
	spin_unlock_bh(&flow->lock);
	flowmon_notify_destroy(flowmon_net_of(fn), flow,
			       flowmon_count_end(&fn->stats, reason));
	flow_free_rcu(flow);
	return true;
}

/* The timeout of each TCP state: the one table of them. */
static const u8 flow_tcp_timeouts[FLOWMON_TCP_STATE_MAX + 1] = {
	[FLOWMON_TCP_CLOSED] = FLOWMON_TIMEOUT_CLOSE,
	[FLOWMON_TCP_LISTEN] = FLOWMON_TIMEOUT_SYN_RECV,
	[FLOWMON_TCP_SYN_SENT] = FLOWMON_TIMEOUT_SYN_SENT,
	[FLOWMON_TCP_SYN_RECEIVED] = FLOWMON_TIMEOUT_SYN_RECV,
	[FLOWMON_TCP_ESTABLISHED] = FLOWMON_TIMEOUT_ESTABLISHED,
	[FLOWMON_TCP_FIN_WAIT_1] = FLOWMON_TIMEOUT_FIN_WAIT,
	[FLOWMON_TCP_FIN_WAIT_2] = FLOWMON_TIMEOUT_FIN_WAIT,
	[FLOWMON_TCP_CLOSE_WAIT] = FLOWMON_TIMEOUT_CLOSE_WAIT,
	[FLOWMON_TCP_CLOSING] = FLOWMON_TIMEOUT_FIN_WAIT,
	[FLOWMON_TCP_LAST_ACK] = FLOWMON_TIMEOUT_LAST_ACK,
	[FLOWMON_TCP_TIME_WAIT] = FLOWMON_TIMEOUT_TIME_WAIT,
};

static u32 flow_timeout_of(const struct flowmon_timeouts *timeouts,
			   enum flowmon_timeout which)
{
	return READ_ONCE(timeouts->secs[which]);
}

static u32 flow_timeout(const struct flowmon_timeouts *timeouts,
			struct flow *flow)
{
	u8 client, server;

	switch (flow->key.proto) {
	case IPPROTO_TCP:
		/* The longer wait wins: TIME-WAIT/CLOSED lasts as TIME-WAIT. */
		flow_tcp_states(flow, &client, &server);
		return max(flow_timeout_of(timeouts, flow_tcp_timeouts[client]),
			   flow_timeout_of(timeouts, flow_tcp_timeouts[server]));
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return flow_timeout_of(timeouts,
				       test_bit(FLOW_REPLIED_BIT, &flow->flags) ?
				       FLOWMON_TIMEOUT_UDP_STREAM :
				       FLOWMON_TIMEOUT_UDP);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return flow_timeout_of(timeouts, FLOWMON_TIMEOUT_ICMP);
	}
	return flow_timeout_of(timeouts, FLOWMON_TIMEOUT_GENERIC);
}

static bool flow_expired(const struct flowmon_timeouts *timeouts,
			 struct flow *flow, u64 now)
{
	u64 last_seen = READ_ONCE(flow->last_seen);

	/* A clock set backwards delays expiry rather than forcing it. */
	return now > last_seen &&
	       now - last_seen > (u64)flow_timeout(timeouts, flow) * NSEC_PER_SEC;
}

static bool flowmon_gc_idle(struct flowmon_net *fn);

static void flowmon_gc_work(struct work_struct *work)
{
	struct flowmon_net *fn = container_of(to_delayed_work(work),
					      struct flowmon_net, gc_work);
	struct flow_cursor cursor = { .bucket = fn->gc_bucket };
	unsigned int stop = fn->gc_bucket + FLOWMON_GC_BUCKETS;
	u64 now = ktime_get_real_ns();
	unsigned long delay = 0;
	struct flow *flow;

	rcu_read_lock();
	while ((flow = flow_table_next(&fn->table, &cursor)) &&
	       cursor.bucket < stop) {
		if (flow_expired(&fn->timeouts, flow, now))
			flowmon_flow_destroy(fn, flow, FLOW_END_TIMEOUT);
	}
	rcu_read_unlock();

	if (flow) {
		fn->gc_bucket = cursor.bucket;
	} else {
		fn->gc_bucket = 0;
		if (flowmon_gc_idle(fn))
			return;
		delay = msecs_to_jiffies(flowmon_gc_interval_ms);
	}
	queue_delayed_work(system_power_efficient_wq, &fn->gc_work, delay);
}

/*
 * At the end of a pass: goes idle if the table is empty. The idle bit is
 * set before the count is read again, and a new record's count is taken
 * before flowmon_gc_wake() reads the bit (both fully ordered atomics), so
 * either this sees the record or the waker sees the bit: no record is left
 * without a collector. Exactly one of them clears the bit and queues.
 */
static bool flowmon_gc_idle(struct flowmon_net *fn)
{
	if (!flow_table_empty(&fn->table))
		return false;
	set_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags);
	/* The bit before the count; pairs with the waker's count, then bit. */
	smp_mb__after_atomic();
	return flow_table_empty(&fn->table) ||
	       !test_and_clear_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags);
}

/* After a record is added: wakes the collector if it is idle. */
void flowmon_gc_wake(struct flowmon_net *fn)
{
	if (test_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags) &&
	    test_and_clear_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags))
		queue_delayed_work(system_power_efficient_wq, &fn->gc_work,
				   msecs_to_jiffies(flowmon_gc_interval_ms));
}

/* A new namespace's collector starts idle: it has no records yet. */
void flowmon_gc_start(struct flowmon_net *fn)
{
	INIT_DELAYED_WORK(&fn->gc_work, flowmon_gc_work);
	set_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags);
}

void flowmon_gc_stop(struct flowmon_net *fn)
{
	cancel_delayed_work_sync(&fn->gc_work);
}

enum flow_evict_rank {
	FLOW_KEEP,
	FLOW_EVICT_CLOSED,
	FLOW_EVICT_EMBRYONIC,
};

static bool tcp_state_opening(u8 state)
{
	return state <= FLOWMON_TCP_SYN_RECEIVED;
}

static bool tcp_state_finished(u8 state)
{
	return state == FLOWMON_TCP_CLOSED || state == FLOWMON_TCP_TIME_WAIT;
}

static enum flow_evict_rank flow_evict_rank(struct flow *flow)
{
	u8 client, server;

	if (flow->key.proto != IPPROTO_TCP)
		return test_bit(FLOW_REPLIED_BIT, &flow->flags) ?
		       FLOW_KEEP : FLOW_EVICT_EMBRYONIC;

	flow_tcp_states(flow, &client, &server);
	if (tcp_state_finished(client) && tcp_state_finished(server))
		return FLOW_EVICT_CLOSED;
	if (tcp_state_opening(client) && tcp_state_opening(server))
		return FLOW_EVICT_EMBRYONIC;
	return FLOW_KEEP;
}

/* Under RCU: the record to evict for a new flow in @bucket, if any. */
static struct flow *flow_evict_candidate(struct flow_table *table,
					 unsigned int bucket,
					 enum flow_evict_rank *best_rank)
{
	struct flow_cursor cursor = { .bucket = bucket };
	struct flow *flow, *best = NULL;
	enum flow_evict_rank rank;
	bool wrapped = false;
	unsigned int weighed;

	*best_rank = FLOW_KEEP;
	for (weighed = 0; weighed < FLOWMON_EVICT_FLOWS; weighed++) {
		flow = flow_table_next(table, &cursor);
		if (!flow && !wrapped) {
			wrapped = true;
			cursor = (struct flow_cursor){};
			flow = flow_table_next(table, &cursor);
		}
		if (!flow || (wrapped && cursor.bucket >= bucket))
			break;
		rank = flow_evict_rank(flow);
		if (rank > *best_rank ||
		    (rank == *best_rank && best &&
		     flow->first_seen < best->first_seen)) {
			best = flow;
			*best_rank = rank;
		}
	}
	return *best_rank == FLOW_KEEP ? NULL : best;
}

/* Makes room for the flow of @tuple. Returns true if a record went. */
bool flowmon_evict(struct flowmon_net *fn, const struct flow_tuple *tuple)
{
	unsigned int bucket = flow_table_bucket(&fn->table, tuple);
	enum flow_evict_rank rank;
	bool evicted = false;
	struct flow *victim;

	rcu_read_lock();
	victim = flow_evict_candidate(&fn->table, bucket, &rank);
	if (victim)
		evicted = flowmon_flow_destroy(fn, victim,
					       rank == FLOW_EVICT_EMBRYONIC ?
					       FLOW_END_EVICTED_EMBRYONIC :
					       FLOW_END_EVICTED_CLOSED);
	rcu_read_unlock();
	return evicted;
}
