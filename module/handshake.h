/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Each namespace's histogram of TCP handshake round trips, for
 * FLOWMON_CMD_GET_STATS.
 */
#ifndef _FLOWMON_HANDSHAKE_H
#define _FLOWMON_HANDSHAKE_H

#include <linux/flowmon.h>
#include <linux/types.h>

struct flowmon_net;

/* A namespace's handshakes, summed over the CPUs. */
struct flowmon_handshake_totals {
	u64 buckets[FLOWMON_HANDSHAKE_BUCKETS];
	u64 sum_us;
};

int flowmon_handshake_init(void);
void flowmon_handshake_exit(void);

/* False, with nothing read, if the namespace saw no handshake whole. */
bool flowmon_handshake_read(const struct flowmon_net *fn,
			    struct flowmon_handshake_totals *totals);

/* From the namespace's exit, once no packet can reach its records. */
void flowmon_handshake_net_exit(struct flowmon_net *fn);

#endif /* _FLOWMON_HANDSHAKE_H */
