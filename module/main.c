// SPDX-License-Identifier: GPL-2.0
/*
 * flowmon: a TCB-like record per flow, kept by netfilter hooks in every
 * network namespace, read through generic netlink and /proc/net/flowmon.
 */
#include <linux/flowmon.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "drop.h"
#include "handshake.h"
#include "flow.h"
#include "netlink.h"
#include "netns.h"
#include "version.h"

static int __init flowmon_mod_init(void)
{
	int ret;

	ret = flow_cache_init();
	if (ret)
		goto err_cache;
	ret = flowmon_netns_init();
	if (ret)
		goto err_netns;
	/* Drops are looked up in every namespace's table: after them. */
	ret = flowmon_drops_init();
	if (ret)
		goto err_drops;
	ret = flowmon_handshake_init();
	if (ret)
		goto err_handshake;
	ret = flowmon_genetlink_init();
	if (ret)
		goto err_netlink;
	pr_info("flowmon " FLOWMON_VERSION " loaded\n");
	return 0;

err_netlink:
	flowmon_handshake_exit();
err_handshake:
	flowmon_drops_exit();
err_drops:
	flowmon_netns_exit();
err_netns:
	flow_cache_destroy();
err_cache:
	return ret;
}

static void __exit flowmon_mod_exit(void)
{
	flowmon_genetlink_uninit();
	flowmon_handshake_exit();
	flowmon_drops_exit();
	flowmon_netns_exit();
	flow_cache_destroy();
}

module_init(flowmon_mod_init);
module_exit(flowmon_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-flow TCP/UDP/ICMP observer for netfilter");
MODULE_AUTHOR("flowmon developers");
MODULE_VERSION(FLOWMON_VERSION);
MODULE_ALIAS_GENL_FAMILY(FLOWMON_GENL_NAME);
