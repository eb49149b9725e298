/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Optional parts of a record, as conntrack's extensions: what only some
 * flows have (the translation NAT applied, what their payload says, the
 * packets this box dropped) hangs off one pointer, so that a flow without
 * them pays 8 bytes for all.
 */
#ifndef _FLOWMON_EXT_H
#define _FLOWMON_EXT_H

#include <linux/rcupdate.h>
#include <linux/types.h>

#include "flow.h"

enum flow_ext_id {
	FLOW_EXT_NAT,		/* struct flow_nat (nat.h) */
	FLOW_EXT_HINT,		/* struct flow_hint (hint.h) */
	FLOW_EXT_DROPS,		/* a pointer to the flow's drops (drop.c) */
	FLOW_EXT_NUM,
};

/*
 * A block of parts, never changed once published: readers take it under
 * RCU without a lock. @offset is a part's place from the block's start
 * (0: the record has no such part), @size its length.
 */
struct flow_ext {
	struct rcu_head rcu;
	u16 len;
	u16 offset[FLOW_EXT_NUM];
	u16 size[FLOW_EXT_NUM];
	u8 data[] __aligned(8);
};

/* The largest part. */
#define FLOW_EXT_PART_MAX 320

/*
 * Writes the new value of a part into @part (room for @max bytes), from
 * @old, its current value (NULL, with @old_size 0, if there is none), and
 * @arg. Returns the bytes used, or 0 to leave the part as it is.
 */
typedef size_t (*flow_ext_build_t)(void *part, size_t max, const void *old,
				   size_t old_size, const void *arg);

/* Under RCU: @flow's part @id, or NULL. */
static inline const void *flow_ext_find(const struct flow *flow,
					enum flow_ext_id id)
{
	const struct flow_ext *ext = rcu_dereference(flow->ext);

	if (!ext || !ext->offset[id])
		return NULL;
	return (const u8 *)ext + ext->offset[id];
}

int flow_ext_update(struct flow *flow, enum flow_ext_id id,
		    flow_ext_build_t build, const void *arg);

#endif /* _FLOWMON_EXT_H */
