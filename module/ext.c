// SPDX-License-Identifier: GPL-2.0
/*
 * Optional parts of a record (ext.h).
 *
 * A part changes rarely (NAT learnt once, a hint from a flow's first
 * payloads), from the packet path of any CPU and without a lock: the
 * writer builds a new block with its part replaced, publishes it with
 * cmpxchg() and frees the old one after a grace period. If another CPU
 * published first, it builds again on top of that block, so that two
 * parts learnt at once (a DNS query and its answer) are both kept.
 */
#include <linux/slab.h>

#include "ext.h"

/*
 * Attempts a block can take: each failed cmpxchg() means another CPU
 * changed the record's parts in the meantime, and only a flow's first
 * packets do. Past that, the update is given up (-EBUSY).
 */
#define FLOW_EXT_ATTEMPTS 4

/* Copies the parts of @old but @id into @new, leaving room for @id. */
static size_t flow_ext_copy_others(struct flow_ext *new,
				   const struct flow_ext *old,
				   enum flow_ext_id id)
{
	size_t len = 0;
	int i;

	for (i = 0; i < FLOW_EXT_NUM; i++) {
		if (i == id || !old || !old->offset[i])
			continue;
		new->offset[i] = offsetof(struct flow_ext, data) + len;
		new->size[i] = old->size[i];
		memcpy(new->data + len, (const u8 *)old + old->offset[i],
		       old->size[i]);
		len += ALIGN(old->size[i], 8);
	}
	return len;
}

/*
 * A block of @old's parts with @id as @build makes it: NULL if the part
 * stays as it is, else the block or an ERR_PTR().
 */
static struct flow_ext *flow_ext_build(const struct flow_ext *old,
				       enum flow_ext_id id,
				       flow_ext_build_t build, const void *arg)
{
	u8 part[FLOW_EXT_PART_MAX] __aligned(8);
	size_t others = old ? old->len : 0;
	const void *old_part = NULL;
	size_t old_size = 0, size;
	struct flow_ext *new;

	if (old && old->offset[id]) {
		old_part = (const u8 *)old + old->offset[id];
		old_size = old->size[id];
	}
	size = build(part, sizeof(part), old_part, old_size, arg);
	if (!size)
		return NULL;
	new = kzalloc(struct_size(new, data, others + ALIGN(size, 8)),
		      GFP_ATOMIC);
	if (!new)
		return ERR_PTR(-ENOMEM);
	others = flow_ext_copy_others(new, old, id);
	memcpy(new->data + others, part, size);
	new->offset[id] = offsetof(struct flow_ext, data) + others;
	new->size[id] = size;
	new->len = others + ALIGN(size, 8);
	return new;
}

/*
 * Under RCU, from the hooks: sets part @id of @flow to what @build makes
 * of it. Returns 1 if the part changed, 0 if @build left it as it was, or
 * -ENOMEM or -EBUSY, the part unchanged, if it could not.
 */
int flow_ext_update(struct flow *flow, enum flow_ext_id id,
		    flow_ext_build_t build, const void *arg)
{
	struct flow_ext *old, *new, *seen;
	int attempt;

	old = rcu_dereference(flow->ext);
	for (attempt = 0; attempt < FLOW_EXT_ATTEMPTS; attempt++) {
		new = flow_ext_build(old, id, build, arg);
		if (IS_ERR_OR_NULL(new))
			return PTR_ERR_OR_ZERO(new);
		seen = unrcu_pointer(cmpxchg(&flow->ext, RCU_INITIALIZER(old),
					     RCU_INITIALIZER(new)));
		if (seen == old) {
			if (old)
				kfree_rcu(old, rcu);
			return 1;
		}
		kfree(new);
		old = seen;
	}
	return -EBUSY;
}
