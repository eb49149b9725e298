// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each network namespace gets its own flow table,
 * netfilter hooks and /proc/net/flowmon, created with the namespace and
 * torn down with it.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "hooks.h"
#include "netns.h"
#include "proc.h"

static unsigned int hashsize __read_mostly;
module_param(hashsize, uint, 0444);
MODULE_PARM_DESC(hashsize,
		 "Hash buckets per namespace, a power of two (default: from RAM)");

static unsigned int max_flows __read_mostly;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows,
		 "Flows tracked per namespace (default: 4 * hashsize)");

unsigned int flowmon_net_id __read_mostly;

static int __net_init flowmon_net_init(struct net *net)
{
	struct flowmon_net *fn = flowmon_pernet(net);
	int ret;

	ret = flow_table_init(&fn->table, hashsize, max_flows);
	if (ret)
		goto err;
	ret = flowmon_proc_init(net);
	if (ret)
		goto err_table;
	/* Hooks last: once they run, the table and stats must be ready. */
	ret = flowmon_hooks_register(net);
	if (ret)
		goto err_proc;
	return 0;

err_proc:
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
	flowmon_proc_exit(net);
	flow_table_destroy(&fn->table);
}

static struct pernet_operations flowmon_net_ops = {
	.init = flowmon_net_init,
	.exit = flowmon_net_exit,
	.id = &flowmon_net_id,
	.size = sizeof(struct flowmon_net),
};

/*
 * Like nf_conntrack, size the table from RAM: a bucket per 32 pages,
 * between 1024 and 65536 buckets, and four flows per bucket.
 */
static int flowmon_size_tables(void)
{
	if (!hashsize)
		hashsize = rounddown_pow_of_two(clamp_t(unsigned long,
							totalram_pages() / 32,
							1024, 65536));
	if (!is_power_of_2(hashsize) || hashsize > (1U << 24)) {
		pr_err("hashsize=%u: must be a power of two up to 2^24\n",
		       hashsize);
		return -EINVAL;
	}
	if (!max_flows)
		max_flows = 4 * hashsize;
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
}
