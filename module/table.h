/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_TABLE_H
#define _FLOWMON_TABLE_H

#include <linux/bitmap.h>
#include <linux/rwsem.h>
#include <linux/siphash.h>
#include <linux/workqueue.h>

#include "flow.h"

/*
 * Writers lock a stripe: the flows whose hash begins with the stripe's
 * FLOW_TABLE_LOCK_BITS. A table has at least as many buckets as stripes,
 * so every chain is under one lock whatever the table's size.
 */
#define FLOW_TABLE_LOCK_BITS	8
#define FLOW_TABLE_LOCKS	BIT(FLOW_TABLE_LOCK_BITS)
#define FLOW_TABLE_MIN_BITS	FLOW_TABLE_LOCK_BITS
#define FLOW_TABLE_MAX_BITS	24

/* Bucket i holds the flows whose hash begins with the @bits bits of i. */
struct flow_buckets {
	unsigned int bits;
	struct hlist_head heads[];
};

/*
 * The flows of one network namespace, in a table that grows with them.
 * Readers walk the chains under RCU only; writers take the lock of the
 * chain's stripe. Each chain is sorted by (hash, id), so that walking the
 * buckets in order visits the flows in an order that does not depend on
 * the number of buckets (struct flow_cursor).
 *
 * To grow, a work item moves the chains of one stripe at a time into a
 * larger array, @future, under that stripe's lock; a writer takes @future
 * for a stripe that has @moved. The packet path's lookups may miss a flow
 * that is being moved, which costs only an insert that finds it under the
 * lock; full walks exclude a resize with @resize_lock.
 */
struct flow_table {
	struct flow_buckets __rcu *buckets;
	struct flow_buckets __rcu *future;	/* while growing */
	DECLARE_BITMAP(moved, FLOW_TABLE_LOCKS);	/* stripes in @future */
	struct rw_semaphore resize_lock;	/* walks read, a resize writes */
	struct work_struct resize_work;
	unsigned int max_flows;
	atomic_t count;
	atomic_long_t bytes;		/* of the records in it */
	atomic_t generation;		/* bumped by every insert and removal */
	atomic_t *shared_count;		/* a budget shared with other tables */
	unsigned int shared_max;
	atomic64_t last_id;
	siphash_key_t seed;
	spinlock_t locks[FLOW_TABLE_LOCKS];	/* by the hash's first bits */
};

/*
 * Where a walk stands: after the flow of @hash and @id (before the first
 * flow when both are 0: ids start at 1). Flows are visited in increasing
 * (hash, id) order. Bucket i of a table of 2^n buckets holds the hashes
 * whose first n bits are i, and a larger table splits each bucket into
 * consecutive ones, so this order is the same at every size: a walk that
 * resumes from a cursor returns every flow that stayed in the table
 * exactly once, even when the flow it stopped at has gone or the table has
 * grown meanwhile.
 */
struct flow_cursor {
	u32 hash;
	u64 id;
};

static inline bool flow_table_empty(const struct flow_table *table)
{
	return !atomic_read(&table->count);
}

int flow_table_init(struct flow_table *table, unsigned int buckets,
		    unsigned int max_flows);
void flow_table_share_budget(struct flow_table *table, atomic_t *count,
			     unsigned int max);
void flow_table_destroy(struct flow_table *table);
u32 flow_table_hash(const struct flow_table *table,
		    const struct flow_tuple *tuple);
struct flow *flow_table_lookup(struct flow_table *table,
			       const struct flow_tuple *tuple, u32 hash,
			       enum flow_direction *dir);
struct flow *flow_table_insert(struct flow_table *table, struct flow *flow,
			       bool *inserted);
bool flow_table_remove(struct flow_table *table, struct flow *flow);
unsigned int flow_table_buckets(const struct flow_table *table);
size_t flow_table_memory(const struct flow_table *table);
bool flow_table_reserve(struct flow_table *table);
bool flow_table_over_limit(const struct flow_table *table);
void flow_table_unreserve(struct flow_table *table);
void flow_table_walk_start(struct flow_table *table) __acquires(RCU);
void flow_table_walk_stop(struct flow_table *table) __releases(RCU);
struct flow *flow_table_next(struct flow_table *table,
			     struct flow_cursor *cursor);

#endif /* _FLOWMON_TABLE_H */
