// SPDX-License-Identifier: GPL-2.0
/*
 * Each namespace's histogram of TCP handshake round trips: for every flow
 * whose handshake this box saw whole, the SYN's round trip to the server
 * plus the SYN-ACK's to the client (rtt.c), which is the round trip of the
 * whole path through here, counted as the flow becomes ESTABLISHED at both
 * ends. Bucket i counts the handshakes of 2^(i-1) to 2^i microseconds (the
 * first, up to 1 us; the last, any longer than the one before), as a
 * Prometheus histogram wants them bounded by powers of two.
 *
 * The events (event.h) feed it, so the packet path does not know it. The
 * counters are per CPU, allocated at the namespace's first handshake: an
 * idle namespace pays nothing, and new connections on every CPU do not
 * bounce a cache line.
 */
#include <linux/log2.h>
#include <linux/percpu.h>

#include "event.h"
#include "handshake.h"
#include "netns.h"
#include "tcp.h"

struct flowmon_handshakes {
	u64 buckets[FLOWMON_HANDSHAKE_BUCKETS];
	u64 sum_us;
};

static unsigned int flowmon_handshake_bucket(u32 us)
{
	unsigned int bucket = us <= 1 ? 0 : fls(us - 1);

	return min_t(unsigned int, bucket, FLOWMON_HANDSHAKE_BUCKETS - 1);
}

/* @fn's counters, allocated now if need be (NULL: no memory). */
static struct flowmon_handshakes __percpu *
flowmon_handshakes(struct flowmon_net *fn)
{
	struct flowmon_handshakes __percpu *hs = READ_ONCE(fn->handshakes);
	struct flowmon_handshakes __percpu *seen;

	if (hs)
		return hs;
	hs = alloc_percpu_gfp(struct flowmon_handshakes, GFP_ATOMIC);
	if (!hs)
		return NULL;
	seen = cmpxchg(&fn->handshakes, NULL, hs);
	if (seen) {
		free_percpu(hs);
		return seen;
	}
	return hs;
}

static bool flowmon_handshake_ends(const struct flow_transition *tr)
{
	return tr->new[FLOW_DIR_UP] == FLOWMON_TCP_ESTABLISHED &&
	       tr->new[FLOW_DIR_DOWN] == FLOWMON_TCP_ESTABLISHED &&
	       !(tr->old[FLOW_DIR_UP] == FLOWMON_TCP_ESTABLISHED &&
		 tr->old[FLOW_DIR_DOWN] == FLOWMON_TCP_ESTABLISHED);
}

static int flowmon_handshake_event(struct notifier_block *nb,
				   unsigned long type, void *data)
{
	const struct flowmon_event *event = data;
	struct flowmon_handshakes __percpu *hs;
	u32 us[2];

	if (type != FLOWMON_EVENT_STATE ||
	    !flowmon_handshake_ends(event->transition) ||
	    !flow_tcp_handshake(event->flow, us))
		return NOTIFY_DONE;
	hs = flowmon_handshakes(flowmon_pernet(event->net));
	if (hs) {
		this_cpu_inc(hs->buckets[flowmon_handshake_bucket(us[0] + us[1])]);
		this_cpu_add(hs->sum_us, us[0] + us[1]);
	}
	return NOTIFY_DONE;
}

static struct notifier_block flowmon_handshake_nb = {
	.notifier_call = flowmon_handshake_event,
};

int flowmon_handshake_init(void)
{
	return flowmon_event_register(&flowmon_handshake_nb);
}

void flowmon_handshake_exit(void)
{
	flowmon_event_unregister(&flowmon_handshake_nb);
}

bool flowmon_handshake_read(const struct flowmon_net *fn,
			    struct flowmon_handshake_totals *totals)
{
	struct flowmon_handshakes __percpu *hs = READ_ONCE(fn->handshakes);
	unsigned int i;
	int cpu;

	if (!hs)
		return false;
	memset(totals, 0, sizeof(*totals));
	for_each_possible_cpu(cpu) {
		const struct flowmon_handshakes *c = per_cpu_ptr(hs, cpu);

		for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++)
			totals->buckets[i] += READ_ONCE(c->buckets[i]);
		totals->sum_us += READ_ONCE(c->sum_us);
	}
	return true;
}

void flowmon_handshake_net_exit(struct flowmon_net *fn)
{
	free_percpu(fn->handshakes);
}
