/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP state names and groups of ss(8), for --state.
 */
#ifndef FLOWCTL_STATES_H
#define FLOWCTL_STATES_H

#include <stdint.h>
#include <stdio.h>

/* Bit for one enum flowmon_tcp_state in a state mask. */
#define STATE_BIT(state) (1U << (state))

/*
 * Parse a comma-separated list of state and group names into a mask of
 * STATE_BIT()s, added to @mask. Returns NULL, or the first unknown name
 * (maybe empty), which is @len bytes long.
 */
const char *states_parse(const char *list, uint32_t *mask, int *len);

/* "established (estab), syn-sent, ..." and a newline. */
void states_print_names(FILE *out);

/* The ss(8) name of an enum flowmon_tcp_state, e.g. "syn-recv"; "?" if unknown. */
const char *states_name(unsigned int state);

#endif /* FLOWCTL_STATES_H */
