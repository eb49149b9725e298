// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl list and flowctl reset: dump the flows that match a filter, and
 * for reset zero their counters, then print them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/netlink.h>
#include <linux/flowmon.h>

#include "filter.h"
#include "flow.h"
#include "flowctl.h"
#include "netlink.h"
#include "output.h"
#include "sort.h"

#define LIST_OPTSTRING ":" OUTPUT_SHORT_OPTIONS "crh" FILTER_SHORT_OPTIONS

enum { OPT_SORT = FILTER_OPT_END };

static const struct option list_options[] = {
	OUTPUT_LONG_OPTIONS,
	{ "count", no_argument, NULL, 'c' },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "reverse", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	FILTER_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

struct list_args {
	struct output_choice output;
	struct filter filter;
	enum sort_key sort;
	bool reverse;
	bool count;
	bool help;
};

/* What differs between list and reset. */
struct dump_kind {
	uint8_t cmd;
	const char *what;
	const char *interrupted;	/* the note when NLM_F_DUMP_INTR came */
};

static const struct dump_kind list_kind = {
	.cmd = FLOWMON_CMD_GET_FLOW,
	.what = "list flows",
	.interrupted = "flowctl: the table changed during the dump; flows that stayed are listed once\n",
};

static const struct dump_kind reset_kind = {
	.cmd = FLOWMON_CMD_RESET_FLOW,
	.what = "reset flows",
	.interrupted = "flowctl: the table changed during the reset; flows that stayed were reset once\n",
};

struct dump {
	const struct filter *filter;
	struct flow_list list;
};

static int list_option(struct list_args *args, const struct command *cmd,
		       int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		args->count = true;
		return 0;
	case 'r':
		args->reverse = true;
		return 0;
	case 'h':
		args->help = true;
		return 0;
	case OPT_SORT:
		if (sort_parse_key(arg, &args->sort))
			return usage_error(cmd, "unknown sort key '%s': use bytes, packets, age, rtt or drops",
					   arg);
		return 0;
	}
	return 1;
}

static int parse_args(const struct command *cmd, int argc, char **argv,
		      const struct options *opts, struct list_args *args)
{
	int opt, ret;

	output_choice_init(&args->output, opts);
	filter_init(&args->filter, opts);
	optind = 0;
	while ((opt = getopt_long(argc, argv, LIST_OPTSTRING, list_options, NULL)) != -1) {
		ret = output_option(&args->output, cmd, opt, optarg);
		if (ret == 1)
			ret = list_option(args, cmd, opt, optarg);
		if (ret == 1)
			ret = filter_option(&args->filter, cmd, opt, optarg);
		if (ret == 1)
			return option_error(cmd, LIST_OPTSTRING, opt, argv);
		if (ret)
			return ret;
	}
	return no_arguments(cmd, argc, argv);
}

static int put_filter(struct nl_msg *msg, void *arg)
{
	struct dump *dump = arg;

	return filter_put(msg, dump->filter);
}

static int collect_flow(struct nlattr **attrs, void *arg)
{
	struct dump *dump = arg;

	if (!attrs[FLOWMON_A_FLOW])
		return -EBADMSG;
	return flow_list_parse(&dump->list, attrs[FLOWMON_A_FLOW]);
}

/* Returns 0 or -1 after reporting an error. */
static int dump_flows(const struct dump_kind *kind, struct dump *dump)
{
	struct flowmon_request req = {
		.cmd = kind->cmd,
		.flags = NLM_F_DUMP,
		.what = kind->what,
		.put = put_filter,
		.reply = collect_flow,
		.arg = dump,
	};
	int ret = flowmon_call(&req);

	if (ret == FLOWMON_DUMP_INTR)
		fputs(kind->interrupted, stderr);
	return ret < 0 ? -1 : 0;
}

static void print_flows(const struct list_args *args, struct flow_list *list)
{
	if (args->count) {
		printf("%zu\n", list->len);
		return;
	}
	sort_flows(list, args->sort, args->reverse);
	output_flows(stdout, output_format(&args->output), list, now_ns());
}

static int run_dump(const struct dump_kind *kind, const struct command *cmd,
		    int argc, char **argv, const struct options *opts)
{
	struct list_args args = { .sort = SORT_ID };
	struct dump dump = { .filter = &args.filter };
	int ret;

	ret = parse_args(cmd, argc, argv, opts, &args);
	if (ret)
		return ret;
	if (args.help)
		return print_command_help(cmd);
	ret = dump_flows(kind, &dump) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (!ret)
		print_flows(&args, &dump.list);
	flow_list_free(&dump.list);
	return ret;
}

static int cmd_list(const struct command *cmd, int argc, char **argv,
		    const struct options *opts)
{
	return run_dump(&list_kind, cmd, argc, argv, opts);
}

static int cmd_reset(const struct command *cmd, int argc, char **argv,
		     const struct options *opts)
{
	return run_dump(&reset_kind, cmd, argc, argv, opts);
}

#define OUTPUT_HELP							\
	"  -o, --output FORMAT  table (the default on a terminal), plain (the\n" \
	"                       default otherwise) or json\n"		\
	"  -j, --json           same as -o json\n"			\
	"  -e, --extended       below each TCP flow, its history, round trips and\n" \
	"                       per-direction TCP facts, as in 'ss -ti' (ignored\n" \
	"                       with JSON, which always has them)\n"	\
	"  -c, --count          print only the number of flows\n"	\
	"      --sort KEY       bytes, packets, rtt or drops (biggest first), or age\n" \
	"                       (oldest first); the default is creation order\n" \
	"  -r, --reverse        reverse the order\n"			\
	"  -h, --help           show this help\n"

const struct command list_command = {
	.name = "list",
	.alias = "ls",
	.run = cmd_list,
	.summary = "list tracked flows",
	.usage = "list [-o table|plain|json] [-e] [-c] [--sort KEY] [-r] [FILTERS]",
	.help =
		"List the flows of the current network namespace that match the\n"
		"filters (all of them without filters). If the table changes during the\n"
		"dump, the flows that stayed are all listed, once, and a note says so.\n"
		"\n"
		"Options:\n"
		OUTPUT_HELP,
	.filters = true,
};

const struct command reset_command = {
	.name = "reset",
	.run = cmd_reset,
	.summary = "zero the counters of flows, printing them",
	.usage = "reset [-o table|plain|json] [-e] [-c] [--sort KEY] [-r] [FILTERS]",
	.help =
		"Zero the packet, byte and payload counters of the flows that match\n"
		"the filters (all flows without filters), and print each with the\n"
		"values it had at the instant it was zeroed: nothing is counted twice\n"
		"or lost. Needs CAP_NET_ADMIN.\n"
		"\n"
		"Options:\n"
		OUTPUT_HELP,
	.filters = true,
};
