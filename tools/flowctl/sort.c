// SPDX-License-Identifier: GPL-2.0
/*
 * The order of a list of flows (--sort, -r).
 */
#define _GNU_SOURCE	/* qsort_r() */
#include <stdlib.h>
#include <string.h>

#include "flowctl.h"
#include "sort.h"

struct order {
	enum sort_key key;
	bool reverse;
};

static const struct {
	const char *name;
	enum sort_key key;
} sort_keys[] = {
	{ "bytes", SORT_BYTES },
	{ "packets", SORT_PACKETS },
	{ "age", SORT_AGE },
	{ "rtt", SORT_RTT },
	{ "drops", SORT_DROPS },
};

int sort_parse_key(const char *name, enum sort_key *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_keys); i++) {
		if (!strcmp(name, sort_keys[i].name)) {
			*key = sort_keys[i].key;
			return 0;
		}
	}
	return -1;
}

static int compare_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static bool rtt_known(const struct flow *f)
{
	uint64_t us;

	return flow_path_rtt_us(f, &us);
}

static uint64_t rtt_us(const struct flow *f)
{
	uint64_t us;

	flow_path_rtt_us(f, &us);
	return us;
}

/* Negative when @a comes first in the default order of @key. */
static int compare_key(const struct flow *a, const struct flow *b,
		       enum sort_key key)
{
	switch (key) {
	case SORT_BYTES:
		return compare_u64(b->up.bytes + b->down.bytes,
				   a->up.bytes + a->down.bytes);
	case SORT_PACKETS:
		return compare_u64(b->up.packets + b->down.packets,
				   a->up.packets + a->down.packets);
	case SORT_AGE:
		return compare_u64(a->first_seen, b->first_seen);
	case SORT_RTT:
		return compare_u64(rtt_us(b), rtt_us(a));
	case SORT_DROPS:
		return compare_u64(b->up.dropped_packets + b->down.dropped_packets,
				   a->up.dropped_packets + a->down.dropped_packets);
	case SORT_ID:
		break;
	}
	return compare_u64(a->id, b->id);
}

/*
 * Ties go by id, so that the order is the same from one run to the next.
 * @pa and @pb point to the list's pointers.
 */
static int compare_flows(const void *pa, const void *pb, void *arg)
{
	const struct flow *a = *(const struct flow *const *)pa;
	const struct flow *b = *(const struct flow *const *)pb;
	const struct order *order = arg;
	int ret;

	if (order->key == SORT_RTT && rtt_known(a) != rtt_known(b))
		return rtt_known(a) ? -1 : 1;
	ret = compare_key(a, b, order->key);
	if (order->reverse)
		ret = -ret;
	return ret ? ret : compare_u64(a->id, b->id);
}

/*
 * Creation order without comparisons: the ids of a dump are unique and
 * nearly dense (each flow of the netns took the next), so each flow goes
 * straight to the slot of its id. Returns false when the ids are too
 * sparse for that, or on a repeated id, for qsort_r() to do it.
 */
static bool place_by_id(struct flow_list *list, bool reverse)
{
	uint64_t min = UINT64_MAX, max = 0, range;
	struct flow **slots;
	size_t i, n = 0;

	for (i = 0; i < list->len; i++) {
		min = list->flows[i]->id < min ? list->flows[i]->id : min;
		max = list->flows[i]->id > max ? list->flows[i]->id : max;
	}
	range = max - min + 1;
	if (range > 4 * (uint64_t)list->len)
		return false;
	slots = calloc(range, sizeof(*slots));
	if (!slots)
		return false;
	for (i = 0; i < list->len; i++) {
		struct flow **slot = &slots[list->flows[i]->id - min];

		if (*slot) {
			free(slots);
			return false;
		}
		*slot = list->flows[i];
	}
	for (i = 0; i < range; i++) {
		struct flow *f = slots[reverse ? range - 1 - i : i];

		if (f)
			list->flows[n++] = f;
	}
	free(slots);
	return true;
}

void sort_flows(struct flow_list *list, enum sort_key key, bool reverse)
{
	struct order order = { .key = key, .reverse = reverse };

	if (!list->len)
		return;
	if (key == SORT_ID && place_by_id(list, reverse))
		return;
	qsort_r(list->flows, list->len, sizeof(*list->flows), compare_flows,
		&order);
}
