/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing flows: an aligned table (optionally with the TCP facts of each
 * flow), a stable plain format, or JSON.
 */
#ifndef FLOWCTL_OUTPUT_H
#define FLOWCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"
#include "flowctl.h"
#include "json.h"

/* "[" + an IPv6 address + "]:65535", rounded up. */
#define OUTPUT_ENDPOINT_LEN 64

enum output_format {
	OUTPUT_TABLE,	/* for people: aligned columns, human units */
	OUTPUT_PLAIN,	/* for scripts: the columns of /proc/net/flowmon */
	OUTPUT_JSON,	/* one JSON array of objects */
	OUTPUT_EXTENDED,	/* the table, with the TCP facts under each row */
};

/* -o, -j and -e, shared by the commands that print flows. */
#define OUTPUT_SHORT_OPTIONS "o:je"
#define OUTPUT_LONG_OPTIONS					\
	{ "output", required_argument, NULL, 'o' },		\
	{ "json", no_argument, NULL, 'j' },			\
	{ "extended", no_argument, NULL, 'e' }

struct output_choice {
	enum output_format format;
	bool extended;
};

/* The default: JSON with the global -j, else table on a terminal, else plain. */
void output_choice_init(struct output_choice *choice, const struct options *opts);

/*
 * Apply option @opt (as getopt_long() returned it) with argument @arg.
 * Returns 0, 1 when @opt is not an output option, or EXIT_USAGE after
 * reporting a bad value.
 */
int output_option(struct output_choice *choice, const struct command *cmd,
		  int opt, const char *arg);

/* The format to print in: -e makes table and plain extended. */
enum output_format output_format(const struct output_choice *choice);

/* Print @list; ages are relative to @now_ns (ns since the epoch). */
void output_flows(FILE *out, enum output_format format,
		  const struct flow_list *list, uint64_t now_ns);

/* The fields of the JSON object of @f (see "json" in flowctl(8)). */
void output_json_flow_fields(struct json *j, const struct flow *f);

/* The client or server of @f as the table shows it: addr:port, [addr]:port. */
void output_endpoint(char buf[OUTPUT_ENDPOINT_LEN], const struct flow *f,
		     bool server);
/*
 * The same for the far side of the NAT: the client as the server sees it
 * (@server false), the server as really reached (@server true).
 */
void output_nat_endpoint(char buf[OUTPUT_ENDPOINT_LEN], const struct flow *f,
			 bool server);

#endif /* FLOWCTL_OUTPUT_H */
