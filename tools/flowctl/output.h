/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing flows: an aligned table (optionally with the TCP facts of each
 * flow), a stable plain format, or JSON.
 */
#ifndef FLOWCTL_OUTPUT_H
#define FLOWCTL_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "flow.h"

enum output_format {
	OUTPUT_TABLE,	/* for people: aligned columns, human units */
	OUTPUT_PLAIN,	/* for scripts: the columns of /proc/net/flowmon */
	OUTPUT_JSON,	/* one JSON array of objects */
	OUTPUT_EXTENDED,	/* the table, with the TCP facts under each row */
};

/* Parse "table", "plain" or "json". Returns 0 or -1. */
int output_parse_format(const char *name, enum output_format *format);

/* Print @list; ages are relative to @now_ns (ns since the epoch). */
void output_flows(FILE *out, enum output_format format,
		  const struct flow_list *list, uint64_t now_ns);

#endif /* FLOWCTL_OUTPUT_H */
