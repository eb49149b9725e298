// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each network namespace gets its own flow table,
 * timeouts, garbage collector, netfilter hooks and /proc/net/flowmon,
 * created with the namespace and torn down with it.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "drop.h"
#include "gc.h"
#include "handshake.h"
#include "hooks.h"
#include "netns.h"
#include "proc.h"

static unsigned int hashsize __read_mostly = FLOW_TABLE_LOCKS;
module_param(hashsize, uint, 0444);
MODULE_PARM_DESC(hashsize,
		 "Hash buckets a namespace starts with, a power of two from 256; tables grow with their flows (default 256)");

static unsigned int max_flows __read_mostly;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows,
		 "Flows tracked per namespace (default: from RAM)");

static unsigned int max_flows_containers __read_mostly;
module_param(max_flows_containers, uint, 0444);
MODULE_PARM_DESC(max_flows_containers,
		 "Flows tracked in all other namespaces than the initial one, together (default: max_flows)");

/* Idle timeouts in seconds; conntrack's defaults, but shorter for UDP. */
#define FLOWMON_TIMEOUT(name, value, what)				\
	static unsigned int timeout_##name __read_mostly = value;	\
	module_param(timeout_##name, uint, 0444);			\
	MODULE_PARM_DESC(timeout_##name, what " (s, default " #value ")")

FLOWMON_TIMEOUT(syn_sent, 60, "TCP: SYN unanswered");
FLOWMON_TIMEOUT(syn_recv, 60, "TCP: SYN-ACK unanswered");
FLOWMON_TIMEOUT(established, 432000, "TCP: ESTABLISHED, idle");
FLOWMON_TIMEOUT(fin_wait, 120, "TCP: FIN-WAIT-1/2, CLOSING");
FLOWMON_TIMEOUT(close_wait, 60, "TCP: CLOSE-WAIT");
FLOWMON_TIMEOUT(last_ack, 30, "TCP: LAST-ACK");
FLOWMON_TIMEOUT(time_wait, 120, "TCP: TIME-WAIT");
FLOWMON_TIMEOUT(close, 10, "TCP: CLOSED");
FLOWMON_TIMEOUT(udp, 30, "UDP: unreplied");
FLOWMON_TIMEOUT(udp_stream, 180, "UDP: replied");
FLOWMON_TIMEOUT(icmp, 30, "ICMP and ICMPv6");
FLOWMON_TIMEOUT(generic, 600, "other protocols");

unsigned int flowmon_net_id __read_mostly;
static atomic_t flowmon_container_flows = ATOMIC_INIT(0);

static void flowmon_timeouts_init(struct flowmon_timeouts *t)
{
	static const unsigned int *const defaults[FLOWMON_TIMEOUT_NR] = {
		[FLOWMON_TIMEOUT_SYN_SENT] = &timeout_syn_sent,
		[FLOWMON_TIMEOUT_SYN_RECV] = &timeout_syn_recv,
		[FLOWMON_TIMEOUT_ESTABLISHED] = &timeout_established,
		[FLOWMON_TIMEOUT_FIN_WAIT] = &timeout_fin_wait,
		[FLOWMON_TIMEOUT_CLOSE_WAIT] = &timeout_close_wait,
		[FLOWMON_TIMEOUT_LAST_ACK] = &timeout_last_ack,
		[FLOWMON_TIMEOUT_TIME_WAIT] = &timeout_time_wait,
		[FLOWMON_TIMEOUT_CLOSE] = &timeout_close,
		[FLOWMON_TIMEOUT_UDP] = &timeout_udp,
		[FLOWMON_TIMEOUT_UDP_STREAM] = &timeout_udp_stream,
		[FLOWMON_TIMEOUT_ICMP] = &timeout_icmp,
		[FLOWMON_TIMEOUT_GENERIC] = &timeout_generic,
	};
	int i;

	for (i = 0; i < FLOWMON_TIMEOUT_NR; i++)
		t->secs[i] = *defaults[i];
}

static int __net_init flowmon_net_init(struct net *net)
{
	struct flowmon_net *fn = flowmon_pernet(net);
	int ret;

	write_pnet(&fn->net, net);
	ret = flow_table_init(&fn->table, hashsize, max_flows);
	if (ret)
		goto err;
	/* Containers share one budget, so that they cannot exhaust memory. */
	if (!net_eq(net, &init_net))
		flow_table_share_budget(&fn->table, &flowmon_container_flows,
					max_flows_containers);
	flowmon_timeouts_init(&fn->timeouts);
	ret = flowmon_proc_init(net);
	if (ret)
		goto err_table;
	flowmon_gc_start(fn);
	/* Hooks last: once they run, the table and stats must be ready. */
	ret = flowmon_hooks_register(net);
	if (ret)
		goto err_gc;
	return 0;

err_gc:
	flowmon_gc_stop(fn);
	flowmon_proc_exit(net);
err_table:
	flow_table_destroy(&fn->table);
err:
	return ret;
}

static void __net_exit flowmon_net_exit(struct net *net)
{
	struct flowmon_net *fn = flowmon_pernet(net);

	/* Unregistering waits for hooks in flight (synchronize_net()). */
	flowmon_hooks_unregister(net);
	flowmon_gc_stop(fn);
	flowmon_proc_exit(net);
	flow_table_destroy(&fn->table);
	flowmon_drops_net_exit(fn);
	flowmon_handshake_net_exit(fn);
}

static struct pernet_operations flowmon_net_ops = {
	.init = flowmon_net_init,
	.exit = flowmon_net_exit,
	.id = &flowmon_net_id,
	.size = sizeof(struct flowmon_net),
};

/*
 * The default limit, from RAM: four flows per 32 pages (rounded down to a
 * power of two), between 4096 and 262144 flows.
 */
static unsigned int flowmon_default_max_flows(void)
{
	return 4 * rounddown_pow_of_two(clamp_t(unsigned long,
						totalram_pages() / 32,
						1024, 65536));
}

static int flowmon_size_tables(void)
{
	if (!is_power_of_2(hashsize) || hashsize < FLOW_TABLE_LOCKS ||
	    hashsize > (1U << FLOW_TABLE_MAX_BITS)) {
		pr_err("hashsize=%u: must be a power of two from 2^%u to 2^%u\n",
		       hashsize, FLOW_TABLE_MIN_BITS, FLOW_TABLE_MAX_BITS);
		return -EINVAL;
	}
	if (!max_flows)
		max_flows = flowmon_default_max_flows();
	if (!max_flows_containers)
		max_flows_containers = max_flows;
	return 0;
}

int flowmon_netns_init(void)
{
	int ret = flowmon_size_tables();

	if (ret)
		return ret;
	return register_pernet_subsys(&flowmon_net_ops);
}

void flowmon_netns_exit(void)
{
	unregister_pernet_subsys(&flowmon_net_ops);
	/* Records removed by GC or eviction are freed after a grace period. */
	rcu_barrier();
}
