// SPDX-License-Identifier: GPL-2.0
/*
 * A per-namespace hash table of flows.
 *
 * Both directions of a flow hash to the same bucket: the hash covers the
 * endpoints in a canonical order (lower address and port first), and the
 * key of a record keeps the client first.
 *
 * Records never move between chains and are freed only after an RCU grace
 * period, so a reader walking a chain under rcu_read_lock() always ends on
 * the chain it started on; no nulls marker or restart is needed.
 */
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "table.h"

int flow_table_init(struct flow_table *table, unsigned int buckets,
		    unsigned int max_flows)
{
	unsigned int i;

	table->buckets = kvcalloc(buckets, sizeof(*table->buckets), GFP_KERNEL);
	if (!table->buckets)
		return -ENOMEM;
	table->bucket_mask = buckets - 1;
	table->max_flows = max_flows;
	atomic_set(&table->count, 0);
	atomic_set(&table->generation, 0);
	atomic64_set(&table->last_id, 0);
	get_random_bytes(&table->seed, sizeof(table->seed));
	for (i = 0; i < FLOW_TABLE_LOCKS; i++)
		spin_lock_init(&table->locks[i]);
	return 0;
}

/*
 * Makes the table's records count against @count as well, which may not
 * exceed @max: how containers share one budget.
 */
void flow_table_share_budget(struct flow_table *table, atomic_t *count,
			     unsigned int max)
{
	table->shared_count = count;
	table->shared_max = max;
}

/* Frees every record. Only once no reader can reach the table any more. */
void flow_table_destroy(struct flow_table *table)
{
	struct hlist_node *tmp;
	struct flow *flow;
	unsigned int i;

	for (i = 0; i <= table->bucket_mask; i++) {
		hlist_for_each_entry_safe(flow, tmp, &table->buckets[i], node) {
			hlist_del(&flow->node);
			flow_free(flow);
			flow_table_unreserve(table);
		}
	}
	kvfree(table->buckets);
}

static int flow_endpoint_cmp(const union nf_inet_addr *a, __be16 a_port,
			     const union nf_inet_addr *b, __be16 b_port)
{
	int cmp = memcmp(a, b, sizeof(*a));

	return cmp ? cmp : memcmp(&a_port, &b_port, sizeof(a_port));
}

unsigned int flow_table_bucket(const struct flow_table *table,
			       const struct flow_tuple *tuple)
{
	struct flow_tuple canonical;

	if (flow_endpoint_cmp(&tuple->src, tuple->sport,
			      &tuple->dst, tuple->dport) <= 0)
		canonical = *tuple;
	else
		flow_tuple_reverse(&canonical, tuple);
	/* Hash the fields only: padding need not be initialised. */
	return siphash(&canonical, offsetofend(struct flow_tuple, proto),
		       &table->seed) & table->bucket_mask;
}

static spinlock_t *flow_table_lock(struct flow_table *table,
				   unsigned int bucket)
{
	return &table->locks[bucket % FLOW_TABLE_LOCKS];
}

/* Under RCU. Returns the flow of @tuple and the packet's direction in it. */
struct flow *flow_table_lookup(struct flow_table *table,
			       const struct flow_tuple *tuple,
			       enum flow_direction *dir)
{
	unsigned int bucket = flow_table_bucket(table, tuple);
	struct flow *flow;

	hlist_for_each_entry_rcu(flow, &table->buckets[bucket], node) {
		if (flow_key_match(&flow->key, tuple, dir))
			return flow;
	}
	return NULL;
}

/*
 * Increments @count if it is below @limit. Not atomic_add_unless(count, 1,
 * limit): max_flows can be lowered below the count by `flowctl config`,
 * and the count would then never equal it again.
 */
static bool flow_table_count_inc_below(atomic_t *count, unsigned int limit)
{
	int old = atomic_read(count);

	do {
		if ((unsigned int)old >= limit)
			return false;
	} while (!atomic_try_cmpxchg(count, &old, old + 1));
	return true;
}

/*
 * Takes a slot for a new record; false when the namespace's table is full.
 * The slot is given back by flow_table_unreserve() if the record is not
 * inserted after all.
 */
bool flow_table_reserve(struct flow_table *table)
{
	if (!flow_table_count_inc_below(&table->count,
					READ_ONCE(table->max_flows)))
		return false;
	if (table->shared_count &&
	    !flow_table_count_inc_below(table->shared_count,
					table->shared_max)) {
		atomic_dec(&table->count);
		return false;
	}
	return true;
}

/*
 * True after max_flows was lowered below the number of records: evicting
 * one would not make room for another then.
 */
bool flow_table_over_limit(const struct flow_table *table)
{
	return (unsigned int)atomic_read(&table->count) >
	       READ_ONCE(table->max_flows);
}

void flow_table_unreserve(struct flow_table *table)
{
	atomic_dec(&table->count);
	if (table->shared_count)
		atomic_dec(table->shared_count);
}

/* Bytes of records and buckets, for the statistics. */
size_t flow_table_memory(const struct flow_table *table)
{
	return (size_t)atomic_read(&table->count) * flow_size() +
	       (table->bucket_mask + 1) * sizeof(*table->buckets);
}

/*
 * Inserts @flow, whose slot is reserved, unless another CPU inserted the
 * same flow first: then that record is returned and @inserted is false.
 * Ids are taken under the bucket lock, which keeps each chain in decreasing
 * id order (new records go to the head) as struct flow_cursor requires.
 */
struct flow *flow_table_insert(struct flow_table *table, struct flow *flow,
			       bool *inserted)
{
	unsigned int bucket = flow_table_bucket(table, &flow->key);
	spinlock_t *lock = flow_table_lock(table, bucket);
	enum flow_direction dir;
	struct flow *old;

	spin_lock_bh(lock);
	hlist_for_each_entry(old, &table->buckets[bucket], node) {
		if (flow_key_match(&old->key, &flow->key, &dir)) {
			spin_unlock_bh(lock);
			*inserted = false;
			return old;
		}
	}
	flow->id = atomic64_inc_return(&table->last_id);
	hlist_add_head_rcu(&flow->node, &table->buckets[bucket]);
	atomic_inc(&table->generation);
	spin_unlock_bh(lock);
	*inserted = true;
	return flow;
}

/*
 * Unlinks @flow and gives back its slot; false if another CPU did first.
 * Readers already on the chain may still see it until a grace period ends.
 */
bool flow_table_remove(struct flow_table *table, struct flow *flow)
{
	unsigned int bucket = flow_table_bucket(table, &flow->key);
	spinlock_t *lock = flow_table_lock(table, bucket);
	bool removed = false;

	spin_lock_bh(lock);
	if (!hlist_unhashed(&flow->node)) {
		hlist_del_init_rcu(&flow->node);
		atomic_inc(&table->generation);
		removed = true;
	}
	spin_unlock_bh(lock);
	if (removed)
		flow_table_unreserve(table);
	return removed;
}

/* Under RCU. The flow after @cursor, which moves past it; NULL at the end. */
struct flow *flow_table_next(struct flow_table *table,
			     struct flow_cursor *cursor)
{
	struct flow *flow;

	for (; cursor->bucket <= table->bucket_mask;
	     cursor->bucket++, cursor->below = 0) {
		hlist_for_each_entry_rcu(flow, &table->buckets[cursor->bucket],
					 node) {
			if (cursor->below && flow->id >= cursor->below)
				continue;
			cursor->below = flow->id;
			return flow;
		}
	}
	return NULL;
}
