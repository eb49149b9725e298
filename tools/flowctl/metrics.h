/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A /metrics endpoint for Prometheus to scrape, served from the caller's
 * poll loop: one request per connection, answered at once.
 */
#ifndef FLOWCTL_METRICS_H
#define FLOWCTL_METRICS_H

#include <stdio.h>

struct metrics_server {
	int fd;		/* the listening socket; -1: none */
	const char *name;
};

/* Writes the metrics; returns 0, or -1 when they cannot be had. */
typedef int (*metrics_write_fn)(FILE *out, void *arg);

/*
 * Listen on @spec: PORT, ADDR:PORT or [IPV6]:PORT (no address: all).
 * Returns 0, or -1 after reporting why.
 */
int metrics_open(struct metrics_server *m, const char *spec);
void metrics_close(struct metrics_server *m);

/* Accept one connection and answer it: GET /metrics, else 404. */
void metrics_answer(struct metrics_server *m, metrics_write_fn write, void *arg);

#endif /* FLOWCTL_METRICS_H */
