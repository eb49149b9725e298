/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FLOWMON_TABLE_H
#define _FLOWMON_TABLE_H

#include <linux/siphash.h>

#include "flow.h"

#define FLOW_TABLE_LOCKS 256

/*
 * The flows of one network namespace. Readers walk the chains under RCU
 * only; writers take the lock of the chain's stripe. The bucket count is
 * fixed for the table's life, so a (bucket, id) cursor stays meaningful
 * between the parts of a dump or the chunks of a /proc read.
 */
struct flow_table {
	struct hlist_head *buckets;
	unsigned int bucket_mask;
	unsigned int max_flows;
	atomic_t count;
	atomic_t generation;		/* bumped by every insert and removal */
	atomic_t *shared_count;		/* a budget shared with other tables */
	unsigned int shared_max;
	atomic64_t last_id;
	siphash_key_t seed;
	spinlock_t locks[FLOW_TABLE_LOCKS];	/* bucket i: locks[i % LOCKS] */
};

/*
 * Where a walk stands: the next flow is the first in bucket @bucket whose
 * id is below @below (any id when @below is 0), else the first flow of a
 * later bucket. Chains hold flows in decreasing id order, so a walk that
 * resumes from a cursor returns every flow that stayed in the table
 * exactly once, even when the flow it stopped at has gone.
 */
struct flow_cursor {
	unsigned int bucket;
	u64 below;
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
struct flow *flow_table_lookup(struct flow_table *table,
			       const struct flow_tuple *tuple,
			       enum flow_direction *dir);
struct flow *flow_table_insert(struct flow_table *table, struct flow *flow,
			       bool *inserted);
bool flow_table_remove(struct flow_table *table, struct flow *flow);
unsigned int flow_table_bucket(const struct flow_table *table,
			       const struct flow_tuple *tuple);
size_t flow_table_memory(const struct flow_table *table);
bool flow_table_reserve(struct flow_table *table);
bool flow_table_over_limit(const struct flow_table *table);
void flow_table_unreserve(struct flow_table *table);
struct flow *flow_table_next(struct flow_table *table,
			     struct flow_cursor *cursor);

#endif /* _FLOWMON_TABLE_H */
