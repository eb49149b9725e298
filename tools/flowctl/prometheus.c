// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics in the Prometheus text exposition format; see prometheus.h.
 */
#include <inttypes.h>
#include <string.h>

#include "prometheus.h"
#include "states.h"

#define US_PER_S 1000000.0

void prometheus_family(FILE *out, const char *name, bool counter,
		       const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		counter ? "counter" : "gauge");
}

void prometheus_sample(FILE *out, const char *name, const char *labels,
		       uint64_t value)
{
	if (labels)
		fprintf(out, "%s{%s} %" PRIu64 "\n", name, labels, value);
	else
		fprintf(out, "%s %" PRIu64 "\n", name, value);
}

/* The entries of stats_fields[], a family where the metric changes. */
static void write_fields(FILE *out, const struct stats *stats)
{
	const char *family = NULL;
	size_t i;

	for (i = 0; i < STATS_NR_FIELDS; i++) {
		const struct stats_field *f = &stats_fields[i];

		if (!stats->known[i])
			continue;
		if (!family || strcmp(family, f->metric))
			prometheus_family(out, f->metric, f->counter, f->help);
		family = f->metric;
		prometheus_sample(out, f->metric, f->label, stats->values[i]);
	}
}

static void write_tcp_states(FILE *out, const struct stats *stats)
{
	char label[64];
	unsigned int state;

	if (!stats->tcp_states_known)
		return;
	prometheus_family(out, "flowmon_tcp_flows", false,
			  "TCP flows with either endpoint in the state.");
	for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++) {
		snprintf(label, sizeof(label), "state=\"%s\"", states_name(state));
		prometheus_sample(out, "flowmon_tcp_flows", label,
				  stats->tcp_states[state]);
	}
}

static void write_drops(FILE *out, const struct stats *stats)
{
	char label[FLOWMON_DROP_REASON_MAX + 16];
	size_t i;

	prometheus_family(out, "flowmon_dropped_packets_total", true,
			  "Packets of tracked flows the kernel dropped, by its reason.");
	for (i = 0; i < stats->nr_drops; i++) {
		snprintf(label, sizeof(label), "reason=\"%s\"", stats->drops[i].reason);
		prometheus_sample(out, "flowmon_dropped_packets_total", label,
				  stats->drops[i].packets);
	}
	prometheus_family(out, "flowmon_dropped_bytes_total", true,
			  "Bytes of tracked flows the kernel dropped, by its reason.");
	for (i = 0; i < stats->nr_drops; i++) {
		snprintf(label, sizeof(label), "reason=\"%s\"", stats->drops[i].reason);
		prometheus_sample(out, "flowmon_dropped_bytes_total", label,
				  stats->drops[i].bytes);
	}
}

/* Bounded by powers of two microseconds, in seconds. */
static void write_handshakes(FILE *out, const struct stats *stats)
{
	const char *name = "flowmon_handshake_rtt_seconds";
	uint64_t below = 0;
	unsigned int i;

	if (!stats->handshakes_known)
		return;
	fprintf(out, "# HELP %s TCP handshakes seen whole: SYN to SYN-ACK plus SYN-ACK to ACK, as measured here.\n# TYPE %s histogram\n",
		name, name);
	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++) {
		below += stats->handshakes[i];
		if (stats_handshake_bound_us(i))
			fprintf(out, "%s_bucket{le=\"%.6f\"} %" PRIu64 "\n", name,
				stats_handshake_bound_us(i) / US_PER_S, below);
		else
			fprintf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
				below);
	}
	fprintf(out, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name,
		stats->handshake_sum_us / US_PER_S, name, below);
}

void prometheus_write_stats(FILE *out, const struct stats *stats)
{
	write_fields(out, stats);
	write_tcp_states(out, stats);
	write_drops(out, stats);
	write_handshakes(out, stats);
}
