// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a record in its namespace's table: created for the first
 * packet of a flow (taking the place of an old record when the table is
 * full), destroyed, counted and announced when it ends, whoever ends it.
 *
 * When the table is full, a new flow may take the place of an old one that
 * is not (yet, or any more) a connection: first unreplied or half-open
 * flows, then closed and TIME-WAIT ones, the oldest (lowest id: ids follow
 * creation, first_seen only the tick) first among the next
 * FLOWMON_EVICT_FLOWS records from the new flow's place in the table on
 * (all of them in a small table). An ESTABLISHED or replied flow is never
 * evicted; if nothing can go, the new flow is not tracked, and counted.
 * The packet itself always passes.
 */
#include "event.h"
#include "record.h"
#include "tcp.h"

/* Records weighed per eviction. */
#define FLOWMON_EVICT_FLOWS	64
/*
 * Evictions tried for one new flow: another CPU may take the slot one
 * freed, or evict the same record first.
 */
#define FLOWMON_EVICT_TRIES	4

/* Counts the end of a record; returns the reason as events name it. */
static enum flowmon_end_reason flowmon_count_end(struct flowmon_stats *stats,
						 enum flow_end_reason reason)
{
	atomic64_inc(&stats->destroyed);
	switch (reason) {
	case FLOW_END_TIMEOUT:
		atomic64_inc(&stats->expired);
		return FLOWMON_END_TIMEOUT;
	case FLOW_END_EVICTED_EMBRYONIC:
		atomic64_inc(&stats->evicted_embryonic);
		return FLOWMON_END_EVICTED;
	case FLOW_END_EVICTED_CLOSED:
		atomic64_inc(&stats->evicted_closed);
		return FLOWMON_END_EVICTED;
	case FLOW_END_REUSED:
		atomic64_inc(&stats->reused);
		return FLOWMON_END_REUSED;
	case FLOW_END_FLUSHED:
		atomic64_inc(&stats->flushed);
		break;
	}
	return FLOWMON_END_FLUSHED;
}

/*
 * Removes @flow from the table and frees it after a grace period. Returns
 * false if another CPU removed it first.
 */
bool flowmon_flow_destroy(struct flowmon_net *fn, struct flow *flow,
			  enum flow_end_reason reason)
{
	if (!flow_table_remove(&fn->table, flow))
		return false;
	if (flow->key.proto == IPPROTO_TCP)
		flow_tcp_freeze(flow_tcp(flow));
	flowmon_event_destroy(flowmon_net_of(fn), flow,
			      flowmon_count_end(&fn->stats, reason));
	flow_free_rcu(flow);
	return true;
}

enum flow_evict_rank {
	FLOW_KEEP,
	FLOW_EVICT_CLOSED,
	FLOW_EVICT_EMBRYONIC,
};

static bool tcp_state_opening(u8 state)
{
	return state <= FLOWMON_TCP_SYN_RECEIVED;
}

static bool tcp_state_finished(u8 state)
{
	return state == FLOWMON_TCP_CLOSED || state == FLOWMON_TCP_TIME_WAIT;
}

static enum flow_evict_rank flow_evict_rank(struct flow *flow)
{
	u8 client, server;

	if (flow->key.proto != IPPROTO_TCP)
		return READ_ONCE(flow->replied) ?
		       FLOW_KEEP : FLOW_EVICT_EMBRYONIC;

	flow_tcp_states(flow, &client, &server);
	if (tcp_state_finished(client) && tcp_state_finished(server))
		return FLOW_EVICT_CLOSED;
	if (tcp_state_opening(client) && tcp_state_opening(server))
		return FLOW_EVICT_EMBRYONIC;
	return FLOW_KEEP;
}

/* Under RCU: the record to evict for a new flow of @hash, if any. */
static struct flow *flow_evict_candidate(struct flow_table *table, u32 hash,
					 enum flow_evict_rank *best_rank)
{
	struct flow_cursor cursor = { .hash = hash };
	struct flow *flow, *best = NULL;
	enum flow_evict_rank rank;
	bool wrapped = false;
	unsigned int weighed;

	*best_rank = FLOW_KEEP;
	for (weighed = 0; weighed < FLOWMON_EVICT_FLOWS; weighed++) {
		flow = flow_table_next(table, &cursor);
		if (!flow && !wrapped) {
			wrapped = true;
			cursor = (struct flow_cursor){};
			flow = flow_table_next(table, &cursor);
		}
		if (!flow || (wrapped && flow->hash >= hash))
			break;
		rank = flow_evict_rank(flow);
		if (rank > *best_rank ||
		    (rank == *best_rank && best &&
		     flow->id < best->id)) {
			best = flow;
			*best_rank = rank;
		}
	}
	return *best_rank == FLOW_KEEP ? NULL : best;
}

/*
 * Evicts a record near @hash. False if none may go; true if one went,
 * whether this call or another CPU destroyed it.
 */
static bool flowmon_evict(struct flowmon_net *fn, u32 hash)
{
	enum flow_evict_rank rank;
	struct flow *victim;

	rcu_read_lock();
	victim = flow_evict_candidate(&fn->table, hash, &rank);
	if (victim)
		flowmon_flow_destroy(fn, victim,
				     rank == FLOW_EVICT_EMBRYONIC ?
				     FLOW_END_EVICTED_EMBRYONIC :
				     FLOW_END_EVICTED_CLOSED);
	rcu_read_unlock();
	return victim;
}

/* A slot in the table for a flow of @hash, evicting for it if need be. */
static bool flowmon_reserve(struct flowmon_net *fn, u32 hash)
{
	unsigned int tries;

	for (tries = 0; tries < FLOWMON_EVICT_TRIES; tries++) {
		if (flow_table_reserve(&fn->table))
			return true;
		if (flow_table_over_limit(&fn->table) || !flowmon_evict(fn, hash))
			return false;
	}
	return false;
}

/*
 * The record for a packet that has none; @created says whether this call
 * made it, or another CPU did first.
 */
struct flow *flowmon_flow_create(struct flowmon_net *fn,
				 const struct flow_packet *pkt, u32 hash,
				 u64 now, bool *created)
{
	struct flow *flow, *found;

	if (!flowmon_reserve(fn, hash))
		goto untracked;
	flow = flow_alloc(pkt, now);
	if (!flow)
		goto unreserve;
	flow->hash = hash;
	found = flow_table_insert(&fn->table, flow, created);
	if (!*created) {
		flow_free(flow);
		flow_table_unreserve(&fn->table);
		return found;
	}
	atomic64_inc(&fn->stats.created);
	return flow;

unreserve:
	flow_table_unreserve(&fn->table);
untracked:
	atomic64_inc(&fn->stats.untracked);
	return NULL;
}
