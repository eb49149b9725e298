/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of the namespace's flow table (FLOWMON_CMD_GET_STATS), for
 * flowctl stats and for the metrics of the exporter.
 */
#ifndef FLOWCTL_STATS_H
#define FLOWCTL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/flowmon.h>

/* More than the kernel has reasons (about 80 in 6.12). */
#define STATS_DROP_REASONS_MAX 256

/* One counter of FLOWMON_A_STATS, and its names. */
struct stats_field {
	const char *key;	/* flowctl stats' name */
	int attr;		/* FLOWMON_STATS_A_* */
	bool optional;		/* absent: unknown (older module) */
	/* Prometheus: the metric, and its label where it shares one. */
	const char *metric;
	const char *label;	/* "reason=\"expired\"", or NULL */
	bool counter;		/* else a gauge */
	const char *help;
};

/* The entries of stats_fields[]. */
#define STATS_NR_FIELDS 16

extern const struct stats_field stats_fields[];

/* The packets of tracked flows dropped for one reason. */
struct stats_drop {
	char reason[FLOWMON_DROP_REASON_MAX + 1];
	uint64_t packets;
	uint64_t bytes;
};

struct stats {
	uint64_t values[STATS_NR_FIELDS];
	bool known[STATS_NR_FIELDS];
	/* TCP flows with either endpoint in each enum flowmon_tcp_state */
	uint64_t tcp_states[FLOWMON_TCP_STATE_MAX + 1];
	bool tcp_states_known;
	struct stats_drop drops[STATS_DROP_REASONS_MAX];
	size_t nr_drops;
	/* Handshakes by round trip: bucket i up to 2^i us (the last: any). */
	uint64_t handshakes[FLOWMON_HANDSHAKE_BUCKETS];
	uint64_t handshake_sum_us;
	bool handshakes_known;	/* the namespace saw one */
	bool received;
};

/* Ask the kernel. Returns 0, or -1 after reporting. */
int stats_get(struct stats *stats);

uint64_t stats_drops_total(const struct stats *stats);
uint64_t stats_handshakes_total(const struct stats *stats);
/* The upper bound of handshake bucket @i in microseconds; 0 for the last. */
uint64_t stats_handshake_bound_us(unsigned int i);

#endif /* FLOWCTL_STATS_H */
