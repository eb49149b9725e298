/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics in the Prometheus text exposition format (0.0.4): for flowctl
 * stats --prometheus (node_exporter's textfile collector) and the
 * exporter's /metrics. Base units, _total counters, no per-flow labels.
 */
#ifndef FLOWCTL_PROMETHEUS_H
#define FLOWCTL_PROMETHEUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The "# HELP" and "# TYPE" lines of a metric. */
void prometheus_family(FILE *out, const char *name, bool counter,
		       const char *help);

/* One sample: "NAME{LABELS} VALUE"; @labels may be NULL. */
void prometheus_sample(FILE *out, const char *name, const char *labels,
		       uint64_t value);

/* Every metric of the namespace's flow table. */
void prometheus_write_stats(FILE *out, const struct stats *stats);

#endif /* FLOWCTL_PROMETHEUS_H */
