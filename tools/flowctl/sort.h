/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The order of a list of flows (--sort, -r).
 */
#ifndef FLOWCTL_SORT_H
#define FLOWCTL_SORT_H

#include <stdbool.h>

#include "flow.h"

enum sort_key {
	SORT_ID,	/* creation order: the default */
	SORT_BYTES,	/* up + down, biggest first */
	SORT_PACKETS,	/* up + down, most first */
	SORT_AGE,	/* oldest first */
	SORT_RTT,	/* path round trip (srtt), slowest first; unknown last */
	SORT_DROPS,	/* packets this box dropped, up + down, most first */
};

/* "bytes", "packets", "age" or "rtt". Returns 0 or -1. */
int sort_parse_key(const char *name, enum sort_key *key);

/* Sort @list by @key; @reverse turns the order round (unknown RTTs stay last). */
void sort_flows(struct flow_list *list, enum sort_key key, bool reverse);

#endif /* FLOWCTL_SORT_H */
