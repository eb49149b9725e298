// SPDX-License-Identifier: GPL-2.0
/*
 * A per-namespace hash table of flows that grows with them.
 *
 * Both directions of a flow hash alike: the hash covers the endpoints in a
 * canonical order (lower address and port first), and the key of a record
 * keeps the client first.
 *
 * Records are freed only after an RCU grace period, and move only from a
 * smaller bucket array to a larger one, so a reader walking a chain under
 * rcu_read_lock() always comes to its end; a lookup that a move misleads
 * misses, and the insert that follows finds the record under the lock.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "table.h"

static struct flow_buckets *flow_buckets_alloc(unsigned int bits)
{
	struct flow_buckets *b;

	b = kvzalloc(struct_size(b, heads, 1UL << bits), GFP_KERNEL);
	if (b)
		b->bits = bits;
	return b;
}

static unsigned int flow_buckets_index(const struct flow_buckets *b, u32 hash)
{
	return hash >> (32 - b->bits);
}

static struct hlist_head *flow_buckets_head(struct flow_buckets *b, u32 hash)
{
	return &b->heads[flow_buckets_index(b, hash)];
}

/* The stripe of @hash: its first FLOW_TABLE_LOCK_BITS. */
static unsigned int flow_stripe(u32 hash)
{
	return hash >> (32 - FLOW_TABLE_LOCK_BITS);
}

static void flow_table_resize_work(struct work_struct *work);

int flow_table_init(struct flow_table *table, unsigned int buckets,
		    unsigned int max_flows)
{
	struct flow_buckets *b;
	unsigned int i;

	b = flow_buckets_alloc(max_t(unsigned int, ilog2(buckets),
				     FLOW_TABLE_MIN_BITS));
	if (!b)
		return -ENOMEM;
	RCU_INIT_POINTER(table->buckets, b);
	RCU_INIT_POINTER(table->future, NULL);
	bitmap_zero(table->moved, FLOW_TABLE_LOCKS);
	init_rwsem(&table->resize_lock);
	INIT_WORK(&table->resize_work, flow_table_resize_work);
	table->max_flows = max_flows;
	atomic_set(&table->count, 0);
	atomic_long_set(&table->bytes, 0);
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
	struct flow_buckets *b;
	struct hlist_node *tmp;
	struct flow *flow;
	unsigned int i;

	cancel_work_sync(&table->resize_work);
	b = rcu_dereference_protected(table->buckets, true);
	for (i = 0; i < (1U << b->bits); i++) {
		hlist_for_each_entry_safe(flow, tmp, &b->heads[i], node) {
			hlist_del(&flow->node);
			atomic_long_sub(flow_size(flow), &table->bytes);
			flow_free(flow);
			flow_table_unreserve(table);
		}
	}
	kvfree(b);
}

static int flow_endpoint_cmp(const union nf_inet_addr *a, __be16 a_port,
			     const union nf_inet_addr *b, __be16 b_port)
{
	int cmp = memcmp(a, b, sizeof(*a));

	return cmp ? cmp : memcmp(&a_port, &b_port, sizeof(a_port));
}

/* The hash of both directions of @tuple's flow. */
u32 flow_table_hash(const struct flow_table *table,
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
		       &table->seed);
}

static spinlock_t *flow_table_lock(struct flow_table *table, u32 hash)
{
	return &table->locks[flow_stripe(hash)];
}

static struct flow *flow_chain_lookup(struct hlist_head *head,
				      const struct flow_tuple *tuple, u32 hash,
				      enum flow_direction *dir)
{
	struct flow *flow;

	hlist_for_each_entry_rcu(flow, head, node) {
		if (flow->hash > hash)
			break;
		if (flow->hash == hash && flow_key_match(&flow->key, tuple, dir))
			return flow;
	}
	return NULL;
}

/*
 * Under RCU. Returns the flow of @tuple, whose flow_table_hash() is @hash,
 * and the packet's direction in it. While the table grows it may miss.
 */
struct flow *flow_table_lookup(struct flow_table *table,
			       const struct flow_tuple *tuple, u32 hash,
			       enum flow_direction *dir)
{
	struct flow_buckets *b = rcu_dereference(table->buckets);
	struct flow *flow;

	flow = flow_chain_lookup(flow_buckets_head(b, hash), tuple, hash, dir);
	if (!flow) {
		b = rcu_dereference(table->future);
		if (b)
			flow = flow_chain_lookup(flow_buckets_head(b, hash), tuple,
						 hash, dir);
	}
	return flow;
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

unsigned int flow_table_buckets(const struct flow_table *table)
{
	unsigned int bits;

	rcu_read_lock();
	bits = rcu_dereference(table->buckets)->bits;
	rcu_read_unlock();
	return 1U << bits;
}

/* Bytes of records and buckets, for the statistics. */
size_t flow_table_memory(const struct flow_table *table)
{
	return atomic_long_read(&table->bytes) +
	       flow_table_buckets(table) * sizeof(struct hlist_head);
}

/* The bucket array that @hash's writers use, under its stripe's lock. */
static struct flow_buckets *flow_table_writable(struct flow_table *table,
						u32 hash)
{
	lockdep_assert_held(flow_table_lock(table, hash));
	if (test_bit(flow_stripe(hash), table->moved))
		return rcu_dereference(table->future);
	return rcu_dereference(table->buckets);
}

/* Bits the table should have for @count records: a bucket per record. */
static unsigned int flow_table_wanted_bits(const struct flow_table *table,
					   unsigned int count)
{
	unsigned int bits = order_base_2(min(count, READ_ONCE(table->max_flows)));

	return clamp(bits, FLOW_TABLE_MIN_BITS, FLOW_TABLE_MAX_BITS);
}

/* After an insert into @b: grows the table once records outnumber buckets. */
static void flow_table_check_size(struct flow_table *table,
				  const struct flow_buckets *b)
{
	unsigned int count = atomic_read(&table->count);

	if (count > (1U << b->bits) &&
	    flow_table_wanted_bits(table, count) > b->bits)
		queue_work(system_unbound_wq, &table->resize_work);
}

/*
 * Inserts @flow, whose slot is reserved and whose hash is set, unless
 * another CPU inserted the same flow first: then that record is returned
 * and @inserted is false. Ids are taken under the stripe lock and new
 * records go after those of equal hash, which keeps each chain in
 * increasing (hash, id) order as struct flow_cursor requires.
 */
struct flow *flow_table_insert(struct flow_table *table, struct flow *flow,
			       bool *inserted)
{
	spinlock_t *lock = flow_table_lock(table, flow->hash);
	struct flow *old, *prev = NULL;
	enum flow_direction dir;
	struct flow_buckets *b;
	struct hlist_head *head;

	spin_lock_bh(lock);
	b = flow_table_writable(table, flow->hash);
	head = flow_buckets_head(b, flow->hash);
	hlist_for_each_entry(old, head, node) {
		if (old->hash > flow->hash)
			break;
		if (old->hash == flow->hash &&
		    flow_key_match(&old->key, &flow->key, &dir)) {
			spin_unlock_bh(lock);
			*inserted = false;
			return old;
		}
		prev = old;
	}
	flow->id = atomic64_inc_return(&table->last_id);
	if (prev)
		hlist_add_behind_rcu(&flow->node, &prev->node);
	else
		hlist_add_head_rcu(&flow->node, head);
	atomic_inc(&table->generation);
	spin_unlock_bh(lock);
	atomic_long_add(flow_size(flow), &table->bytes);
	*inserted = true;
	flow_table_check_size(table, b);
	return flow;
}

/*
 * Unlinks @flow and gives back its slot; false if another CPU did first.
 * Readers already on the chain may still see it until a grace period ends.
 */
bool flow_table_remove(struct flow_table *table, struct flow *flow)
{
	spinlock_t *lock = flow_table_lock(table, flow->hash);
	bool removed = false;

	spin_lock_bh(lock);
	if (!flow->unlinked) {
		hlist_del_rcu(&flow->node);
		flow->unlinked = true;
		atomic_inc(&table->generation);
		removed = true;
	}
	spin_unlock_bh(lock);
	if (removed) {
		atomic_long_sub(flow_size(flow), &table->bytes);
		flow_table_unreserve(table);
	}
	return removed;
}

/*
 * Moves the chains of one stripe from @old to @new, keeping their order:
 * bucket i of @old splits into consecutive buckets of @new, and a sorted
 * chain fills them in order.
 */
static void flow_table_move_stripe(struct flow_table *table,
				   struct flow_buckets *old,
				   struct flow_buckets *new,
				   unsigned int stripe)
{
	unsigned int per_stripe = 1U << (old->bits - FLOW_TABLE_LOCK_BITS);
	unsigned int i, j, last_j = 0;
	struct flow *flow, *tail;
	struct hlist_node *tmp;

	lockdep_assert_held(&table->locks[stripe]);
	for (i = stripe * per_stripe; i < (stripe + 1) * per_stripe; i++) {
		tail = NULL;
		hlist_for_each_entry_safe(flow, tmp, &old->heads[i], node) {
			j = flow_buckets_index(new, flow->hash);
			hlist_del_rcu(&flow->node);
			if (tail && j == last_j)
				hlist_add_behind_rcu(&flow->node, &tail->node);
			else
				hlist_add_head_rcu(&flow->node, &new->heads[j]);
			tail = flow;
			last_j = j;
		}
	}
}

/*
 * Grows the table from @old to @new. Writers of a stripe switch to @new as
 * soon as their stripe has moved; then @new becomes the table's array, and
 * the stripes are released from @future one by one.
 */
static void flow_table_grow(struct flow_table *table, struct flow_buckets *old,
			    struct flow_buckets *new)
{
	unsigned int stripe;

	lockdep_assert_held_write(&table->resize_lock);
	rcu_assign_pointer(table->future, new);
	for (stripe = 0; stripe < FLOW_TABLE_LOCKS; stripe++) {
		spin_lock_bh(&table->locks[stripe]);
		flow_table_move_stripe(table, old, new, stripe);
		set_bit(stripe, table->moved);
		spin_unlock_bh(&table->locks[stripe]);
		cond_resched();
	}
	rcu_assign_pointer(table->buckets, new);
	for (stripe = 0; stripe < FLOW_TABLE_LOCKS; stripe++) {
		spin_lock_bh(&table->locks[stripe]);
		clear_bit(stripe, table->moved);
		spin_unlock_bh(&table->locks[stripe]);
	}
	RCU_INIT_POINTER(table->future, NULL);
}

static void flow_table_resize_work(struct work_struct *work)
{
	struct flow_table *table = container_of(work, struct flow_table,
						resize_work);
	struct flow_buckets *old, *new = NULL;
	unsigned int bits;

	down_write(&table->resize_lock);
	old = rcu_dereference_protected(table->buckets,
					lockdep_is_held(&table->resize_lock));
	bits = flow_table_wanted_bits(table, atomic_read(&table->count));
	if (bits > old->bits)
		new = flow_buckets_alloc(bits);
	if (new)
		flow_table_grow(table, old, new);
	up_write(&table->resize_lock);
	if (!new)
		return;
	/* Lookups may still be on the old array's heads. */
	synchronize_rcu();
	kvfree(old);
}

/*
 * A walk of the whole table (a dump, a GC pass, /proc) holds off a resize,
 * which would move flows out of its sight. Walks may sleep between a stop
 * and the next start, not within.
 */
void flow_table_walk_start(struct flow_table *table)
	__acquires(RCU)
{
	down_read(&table->resize_lock);
	rcu_read_lock();
}

void flow_table_walk_stop(struct flow_table *table)
	__releases(RCU)
{
	rcu_read_unlock();
	up_read(&table->resize_lock);
}

static bool flow_after_cursor(const struct flow *flow,
			      const struct flow_cursor *cursor)
{
	return flow->hash > cursor->hash ||
	       (flow->hash == cursor->hash && flow->id > cursor->id);
}

/*
 * Under RCU, between flow_table_walk_start() and _stop() or, on the
 * packet path, without them (and then perhaps missing flows that a resize
 * moves). The flow after @cursor, which moves past it; NULL at the end.
 */
struct flow *flow_table_next(struct flow_table *table,
			     struct flow_cursor *cursor)
{
	struct flow_buckets *b = rcu_dereference(table->buckets);
	unsigned int i = flow_buckets_index(b, cursor->hash);
	struct flow *flow;

	for (; i < (1U << b->bits); i++) {
		hlist_for_each_entry_rcu(flow, &b->heads[i], node) {
			if (flow_after_cursor(flow, cursor)) {
				cursor->hash = flow->hash;
				cursor->id = flow->id;
				return flow;
			}
		}
	}
	return NULL;
}
