// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl stats: the counters of the flow table.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "json.h"
#include "netlink.h"

#define STATS_OPTSTRING ":jh"

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Printed in this order, under these keys. */
static const struct {
	const char *key;
	int attr;
} stat_fields[] = {
	{ "active", FLOWMON_STATS_A_ACTIVE },
	{ "created", FLOWMON_STATS_A_CREATED },
	{ "destroyed", FLOWMON_STATS_A_DESTROYED },
	{ "parse_errors", FLOWMON_STATS_A_PARSE_ERRORS },
	{ "fragments", FLOWMON_STATS_A_FRAGMENTS },
	{ "untracked", FLOWMON_STATS_A_UNTRACKED },
	{ "max_flows", FLOWMON_STATS_A_MAX_FLOWS },
};

static const struct nla_policy stats_policy[FLOWMON_STATS_A_MAX + 1] = {
	[FLOWMON_STATS_A_ACTIVE] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_CREATED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_DESTROYED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_PARSE_ERRORS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_FRAGMENTS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_UNTRACKED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_MAX_FLOWS] = { .type = NLA_U64 },
};

struct stats {
	uint64_t values[ARRAY_SIZE(stat_fields)];
	bool received;
};

static int parse_args(const struct command *cmd, int argc, char **argv,
		      bool *json, bool *help)
{
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, STATS_OPTSTRING, stats_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			*json = true;
			break;
		case 'h':
			*help = true;
			break;
		default:
			return option_error(cmd, STATS_OPTSTRING, opt, argv);
		}
	}
	return no_arguments(cmd, argc, argv);
}

static int parse_stats(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[FLOWMON_STATS_A_MAX + 1];
	struct stats *stats = arg;
	size_t i;

	if (!attrs[FLOWMON_A_STATS] ||
	    nla_parse_nested(tb, FLOWMON_STATS_A_MAX, attrs[FLOWMON_A_STATS],
			     stats_policy) < 0)
		return -EBADMSG;
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		if (!tb[stat_fields[i].attr])
			return -EBADMSG;
		stats->values[i] = nla_get_u64(tb[stat_fields[i].attr]);
	}
	stats->received = true;
	return 0;
}

/* Returns 0 or -1 after reporting an error. */
static int get_stats(struct stats *stats)
{
	struct flowmon_sock fs;
	int ret;

	if (flowmon_open(&fs))
		return -1;
	ret = flowmon_request(&fs, FLOWMON_CMD_GET_STATS, 0, "get stats",
			      parse_stats, stats);
	flowmon_close(&fs);
	if (!ret && !stats->received) {
		fputs("flowctl: get stats: no reply from the kernel\n", stderr);
		return -1;
	}
	return ret;
}

static void print_stats(const struct stats *stats, bool json)
{
	struct json j;
	size_t i;

	if (!json) {
		for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
			printf("%s %" PRIu64 "\n", stat_fields[i].key, stats->values[i]);
		return;
	}
	json_object_begin(&j, stdout);
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		json_u64(&j, stat_fields[i].key, stats->values[i]);
	json_object_end(&j);
	putchar('\n');
}

int cmd_stats(const struct command *cmd, int argc, char **argv,
	      const struct options *opts)
{
	struct stats stats = { .received = false };
	bool json = opts->json, help = false;
	int ret;

	ret = parse_args(cmd, argc, argv, &json, &help);
	if (ret)
		return ret;
	if (help) {
		print_command_help(cmd);
		return EXIT_SUCCESS;
	}
	if (get_stats(&stats))
		return EXIT_FAILURE;
	print_stats(&stats, json);
	return EXIT_SUCCESS;
}
