// SPDX-License-Identifier: GPL-2.0
/*
 * Idle timeouts and the garbage collector that ends records after them.
 *
 * Each namespace has a delayed work item that walks its table a slice of
 * records at a time, resuming where the previous slice stopped, and
 * removes records idle for longer than their state's timeout. The packet
 * path never waits for the collector: it only takes a stripe lock to link
 * or unlink a record.
 *
 * The next pass starts when the first record can expire, and no sooner
 * than one GC interval after this one: a record is gone within an interval
 * (and the time a pass takes) of its timeout, and a million records with
 * long timeouts are not walked every second. That time is the earliest
 * deadline the pass saw, or the pass's start plus the shortest timeout,
 * if sooner: a record created or changed since can expire no earlier.
 * Changing a timeout starts a pass (flowmon_gc_replan()).
 *
 * A namespace without records costs no wakeup: the collector goes idle
 * after a pass that finds the table empty, and the first new record wakes
 * it (flowmon_gc_wake()).
 */
#include <linux/module.h>

#include "gc.h"
#include "record.h"
#include "tcp.h"

/* Records weighed per GC run. */
#define FLOWMON_GC_FLOWS	1024
/* The longest wait between two passes. */
#define FLOWMON_GC_MAX_WAIT_MS	(60 * MSEC_PER_SEC)

unsigned int flowmon_gc_interval_ms __read_mostly = 1000;
module_param_named(gc_interval_ms, flowmon_gc_interval_ms, uint, 0444);
MODULE_PARM_DESC(gc_interval_ms,
		 "Garbage collection passes at most this often (ms)");

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
				       READ_ONCE(flow->replied) ?
				       FLOWMON_TIMEOUT_UDP_STREAM :
				       FLOWMON_TIMEOUT_UDP);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return flow_timeout_of(timeouts, FLOWMON_TIMEOUT_ICMP);
	}
	return flow_timeout_of(timeouts, FLOWMON_TIMEOUT_GENERIC);
}

/*
 * Has @flow been idle for longer than its timeout? If not, lowers
 * @deadline to the time it will have been.
 */
static bool flow_expired(const struct flowmon_timeouts *timeouts,
			 struct flow *flow, u64 now, u64 *deadline)
{
	u64 last_seen = READ_ONCE(flow->last_seen);
	u64 timeout = (u64)flow_timeout(timeouts, flow) * NSEC_PER_SEC;

	/* A clock set backwards delays expiry rather than forcing it. */
	if (now > last_seen && now - last_seen > timeout)
		return true;
	*deadline = min(*deadline, last_seen + timeout);
	return false;
}

static u64 flow_shortest_timeout(const struct flowmon_timeouts *timeouts)
{
	u32 secs = U32_MAX;
	int i;

	for (i = 0; i < FLOWMON_TIMEOUT_NR; i++)
		secs = min(secs, flow_timeout_of(timeouts, i));
	return (u64)secs * NSEC_PER_SEC;
}

/*
 * At the end of a pass: the delay until the next one, at most a minute as
 * conntrack's (which also bounds what a clock set forwards delays), unless
 * gc_interval_ms says more.
 */
static unsigned long flowmon_gc_next_pass(struct flowmon_net *fn, u64 now)
{
	u64 next = min(fn->gc_deadline,
		       fn->gc_pass_start + flow_shortest_timeout(&fn->timeouts));
	u64 wait_ms = next > now ? div_u64(next - now, NSEC_PER_MSEC) : 0;

	wait_ms = min_t(u64, wait_ms, FLOWMON_GC_MAX_WAIT_MS);
	wait_ms = max_t(u64, wait_ms, flowmon_gc_interval_ms);
	return msecs_to_jiffies(wait_ms);
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

static void flowmon_gc_work(struct work_struct *work)
{
	struct flowmon_net *fn = container_of(to_delayed_work(work),
					      struct flowmon_net, gc_work);
	u64 now = ktime_get_real_ns();
	unsigned long delay = 0;
	struct flow *flow = NULL;
	unsigned int weighed;

	/* Timeouts changed: what this pass saw was weighed by the old ones. */
	if (test_and_clear_bit(FLOWMON_GC_REPLAN_BIT, &fn->gc_flags))
		fn->gc_cursor = (struct flow_cursor){};
	if (!fn->gc_cursor.hash && !fn->gc_cursor.id) {
		fn->gc_pass_start = now;
		fn->gc_deadline = U64_MAX;
	}
	flow_table_walk_start(&fn->table);
	for (weighed = 0; weighed < FLOWMON_GC_FLOWS; weighed++) {
		flow = flow_table_next(&fn->table, &fn->gc_cursor);
		if (!flow)
			break;
		if (flow_expired(&fn->timeouts, flow, now, &fn->gc_deadline))
			flowmon_flow_destroy(fn, flow, FLOW_END_TIMEOUT);
	}
	flow_table_walk_stop(&fn->table);

	if (!flow) {
		fn->gc_cursor = (struct flow_cursor){};
		if (flowmon_gc_idle(fn))
			return;
		delay = flowmon_gc_next_pass(fn, now);
	}
	queue_delayed_work(system_power_efficient_wq, &fn->gc_work, delay);
}

/* After a record is added: wakes the collector if it is idle. */
void flowmon_gc_wake(struct flowmon_net *fn)
{
	if (test_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags) &&
	    test_and_clear_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags))
		queue_delayed_work(system_power_efficient_wq, &fn->gc_work,
				   msecs_to_jiffies(flowmon_gc_interval_ms));
}

/*
 * After a timeout changed: a pass now, from the start, rather than when
 * the old timeouts said. An idle collector stays idle: it has no records.
 */
void flowmon_gc_replan(struct flowmon_net *fn)
{
	set_bit(FLOWMON_GC_REPLAN_BIT, &fn->gc_flags);
	if (!test_bit(FLOWMON_GC_IDLE_BIT, &fn->gc_flags))
		mod_delayed_work(system_power_efficient_wq, &fn->gc_work, 0);
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
