// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl list: dump the flow table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/flowmon.h>

#include "filter.h"
#include "flow.h"
#include "flowctl.h"
#include "netlink.h"
#include "output.h"

/* A dump interrupted by table changes is retried once. */
#define DUMP_ATTEMPTS 2

#define LIST_OPTSTRING ":o:jenh"

enum { OPT_STATE = 256 };

static const struct option list_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "extended", no_argument, NULL, 'e' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "numeric", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct list_args {
	enum output_format format;
	uint32_t states;	/* FILTER_STATE_BIT()s; 0 keeps every flow */
	bool extended;
	bool help;
};

struct dump {
	struct flow_list list;
	uint32_t states;
};

static enum output_format default_format(const struct options *opts)
{
	if (opts->json)
		return OUTPUT_JSON;
	return isatty(STDOUT_FILENO) ? OUTPUT_TABLE : OUTPUT_PLAIN;
}

static int parse_args(const struct command *cmd, int argc, char **argv,
		      const struct options *opts, struct list_args *args)
{
	int opt;

	args->format = default_format(opts);
	optind = 0;
	while ((opt = getopt_long(argc, argv, LIST_OPTSTRING, list_options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (output_parse_format(optarg, &args->format))
				return usage_error(cmd, "unknown output format '%s': use table, plain or json",
						   optarg);
			break;
		case 'j':
			args->format = OUTPUT_JSON;
			break;
		case 'e':
			args->extended = true;
			break;
		case OPT_STATE:
			if (filter_parse_states(optarg, &args->states))
				return usage_hint(cmd);
			break;
		case 'n':	/* flowctl never resolves names */
			break;
		case 'h':
			args->help = true;
			break;
		default:
			return option_error(cmd, LIST_OPTSTRING, opt, argv);
		}
	}
	/* -e is for people, whatever the format; JSON always has every fact. */
	if (args->extended && args->format != OUTPUT_JSON)
		args->format = OUTPUT_EXTENDED;
	return no_arguments(cmd, argc, argv);
}

static int collect_flow(struct nlattr **attrs, void *arg)
{
	struct dump *dump = arg;
	struct flow f;
	int err;

	if (!attrs[FLOWMON_A_FLOW])
		return -EBADMSG;
	err = flow_parse(&f, attrs[FLOWMON_A_FLOW]);
	if (err)
		return err;
	if (dump->states && !filter_match_states(&f, dump->states))
		return 0;
	return flow_list_append(&dump->list, &f);
}

/* Returns 0 or -1 after reporting an error. */
static int dump_flows(struct dump *dump)
{
	struct flowmon_sock fs;
	int attempt, ret = 0;

	if (flowmon_open(&fs))
		return -1;
	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		flow_list_clear(&dump->list);
		ret = flowmon_request(&fs, FLOWMON_CMD_GET_FLOW, NLM_F_DUMP,
				      "dump flows", collect_flow, dump);
		if (ret != FLOWMON_DUMP_INTR)
			break;
	}
	flowmon_close(&fs);
	if (ret == FLOWMON_DUMP_INTR) {
		fputs("flowctl: dump interrupted, retry\n", stderr);
		return -1;
	}
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int cmd_list(const struct command *cmd, int argc, char **argv,
	     const struct options *opts)
{
	struct list_args args = { 0 };
	struct dump dump = { 0 };
	int ret;

	ret = parse_args(cmd, argc, argv, opts, &args);
	if (ret)
		return ret;
	if (args.help) {
		print_command_help(cmd);
		return EXIT_SUCCESS;
	}
	dump.states = args.states;
	if (dump_flows(&dump)) {
		flow_list_free(&dump.list);
		return EXIT_FAILURE;
	}
	flow_list_sort(&dump.list);
	output_flows(stdout, args.format, &dump.list, now_ns());
	flow_list_free(&dump.list);
	return EXIT_SUCCESS;
}
