/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels flowmon builds for (6.1 to 6.12), in
 * one place. FLOWMON_HAVE_* come from the feature probes in Kbuild.
 */
#ifndef _FLOWMON_COMPAT_H
#define _FLOWMON_COMPAT_H

#include <net/dropreason.h>
#include <net/genetlink.h>

/* get_unaligned_be16() and the like: <linux/unaligned.h> since 6.12. */
#ifdef FLOWMON_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Since 6.2, a dump's attributes are in a struct genl_info. */
static inline struct nlattr **flowmon_dump_attrs(struct netlink_callback *cb)
{
#ifdef FLOWMON_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* Since 6.11, the kfree_skb tracepoint also gives the receiving socket. */
#ifdef FLOWMON_HAVE_KFREE_SKB_RX_SK
#define FLOWMON_KFREE_SKB_ARGS struct sk_buff *skb, void *location, \
			       enum skb_drop_reason reason, struct sock *rx_sk
#define FLOWMON_KFREE_SKB_RX_SK rx_sk
#else
#define FLOWMON_KFREE_SKB_ARGS struct sk_buff *skb, void *location, \
			       enum skb_drop_reason reason
#define FLOWMON_KFREE_SKB_RX_SK NULL
#endif

/*
 * Under RCU: the kernel's name of a drop reason. Since 6.6 the names are
 * listed per subsystem (the high 16 bits of the reason), core's first.
 */
static inline const char *flowmon_kernel_drop_reason(u32 reason)
{
#ifdef FLOWMON_HAVE_DROP_REASONS_BY_SUBSYS
	u32 subsys = reason >> SKB_DROP_REASON_SUBSYS_SHIFT;
	u32 code = reason & ~SKB_DROP_REASON_SUBSYS_MASK;
	const struct drop_reason_list *list;

	if (subsys >= SKB_DROP_REASON_SUBSYS_NUM)
		return NULL;
	list = rcu_dereference(drop_reasons_by_subsys[subsys]);
	return list && code < list->n_reasons ? list->reasons[code] : NULL;
#else
	return reason < SKB_DROP_REASON_MAX ? drop_reasons[reason] : NULL;
#endif
}

#endif /* _FLOWMON_COMPAT_H */
