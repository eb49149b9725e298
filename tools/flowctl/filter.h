/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP state filter (--state), with the vocabulary of ss(8).
 */
#ifndef FLOWCTL_FILTER_H
#define FLOWCTL_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

/* Bit for one enum flowmon_tcp_state in a state mask. */
#define FILTER_STATE_BIT(state) (1U << (state))

/*
 * Parse a comma-separated list of state and group names into a mask of
 * FILTER_STATE_BIT()s. Returns 0, or -1 after printing the first unknown
 * name and the valid ones on stderr.
 */
int filter_parse_states(const char *list, uint32_t *mask);

/* The ss(8) name of an enum flowmon_tcp_state, e.g. "syn-recv"; "?" if unknown. */
const char *filter_state_name(unsigned int state);

/* A flow matches when it is TCP and either endpoint's state is in @mask. */
bool filter_match_states(const struct flow *f, uint32_t mask);

#endif /* FLOWCTL_FILTER_H */
