/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packets of tracked flows that this box dropped, with the kernel's reason
 * (drop.c).
 */
#ifndef _FLOWMON_DROP_H
#define _FLOWMON_DROP_H

#include <linux/flowmon.h>
#include <net/dropreason.h>

#include "flow.h"
#include "netns.h"

/*
 * The per-namespace totals have a slot for each core reason of this
 * kernel, and one for the reasons of other subsystems (mac80211,
 * openvswitch...), which are counted together.
 */
#define FLOWMON_DROP_SLOTS	(SKB_DROP_REASON_MAX + 1)

/* A flow's drops, as read. */
struct flow_drop_counts {
	u64 packets[2];		/* indexed by enum flow_direction */
	u64 bytes[2];
	u32 reason;		/* the last drop's: enum skb_drop_reason */
};

/* A namespace's drops of one reason (slot). */
struct flowmon_drop_total {
	atomic64_t packets;
	atomic64_t bytes;
};

int flowmon_drops_init(void);
void flowmon_drops_exit(void);
void flowmon_drops_net_exit(struct flowmon_net *fn);
bool flow_drops_read(const struct flow *flow, struct flow_drop_counts *counts);
void flow_drops_release(struct flow *flow);
const char *flowmon_drop_reason_name(u32 reason);
const char *flowmon_drop_slot_name(unsigned int slot);
bool flowmon_drop_slot_read(const struct flowmon_net *fn, unsigned int slot,
			    u64 *packets, u64 *bytes);

#endif /* _FLOWMON_DROP_H */
