// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl flush: delete the flows that match a filter, or every flow.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/flowmon.h>

#include "filter.h"
#include "flowctl.h"
#include "json.h"
#include "netlink.h"

#define FLUSH_OPTSTRING ":jh" FILTER_SHORT_OPTIONS

static const struct option flush_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	FILTER_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

struct flush {
	struct filter filter;
	uint64_t flushed;
	bool replied;
};

static int parse_args(const struct command *cmd, int argc, char **argv,
		      struct flush *flush, bool *json, bool *help)
{
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, FLUSH_OPTSTRING, flush_options,
				  NULL)) != -1) {
		if (opt == 'j') {
			*json = true;
			continue;
		}
		if (opt == 'h') {
			*help = true;
			continue;
		}
		ret = filter_option(&flush->filter, cmd, opt, optarg);
		if (ret == 1)
			return option_error(cmd, FLUSH_OPTSTRING, opt, argv);
		if (ret)
			return ret;
	}
	return no_arguments(cmd, argc, argv);
}

static int put_filter(struct nl_msg *msg, void *arg)
{
	struct flush *flush = arg;

	return filter_put(msg, &flush->filter);
}

static int parse_flushed(struct nlattr **attrs, void *arg)
{
	struct flush *flush = arg;

	if (!attrs[FLOWMON_A_FLUSHED])
		return -EBADMSG;
	flush->flushed = nla_get_u64(attrs[FLOWMON_A_FLUSHED]);
	flush->replied = true;
	return 0;
}

static void print_flushed(uint64_t flushed, bool json)
{
	struct json j;
	struct writer w;

	if (!json) {
		printf("flushed %" PRIu64 "\n", flushed);
		return;
	}
	writer_init(&w, stdout);
	json_object_begin(&j, &w);
	json_u64(&j, "flushed", flushed);
	json_object_end(&j);
	write_char(&w, '\n');
	writer_flush(&w);
}

static int cmd_flush(const struct command *cmd, int argc, char **argv,
		     const struct options *opts)
{
	struct flush flush = { .replied = false };
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_FLUSH_FLOW,
		.what = "flush flows",
		.put = put_filter,
		.reply = parse_flushed,
		.arg = &flush,
	};
	bool json = opts->json, help = false;
	int ret;

	filter_init(&flush.filter, opts);
	ret = parse_args(cmd, argc, argv, &flush, &json, &help);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	if (flowmon_call(&req))
		return EXIT_FAILURE;
	if (!flush.replied) {
		fputs("flowctl: flush flows: no reply from the kernel\n", stderr);
		return EXIT_FAILURE;
	}
	print_flushed(flush.flushed, json);
	return EXIT_SUCCESS;
}

const struct command flush_command = {
	.name = "flush",
	.run = cmd_flush,
	.summary = "delete flows",
	.usage = "flush [-j] [FILTERS]",
	.help =
		"Delete the flows that match the filters and print how many went, as\n"
		"'flushed N' (with -j: {\"flushed\":N}). Listeners of 'flowctl monitor'\n"
		"see a DESTROY event with reason=flushed for each.\n"
		"\n"
		"WITHOUT FILTERS, EVERY FLOW OF THE NAMESPACE IS DELETED, as with\n"
		"'conntrack -F'. Needs CAP_NET_ADMIN.\n"
		"\n"
		"Options:\n"
		"  -j, --json  print one JSON object\n"
		"  -h, --help  show this help\n",
	.filters = true,
};
