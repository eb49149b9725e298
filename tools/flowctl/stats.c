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

#include "flow.h"
#include "flowctl.h"
#include "json.h"
#include "netlink.h"
#include "states.h"

/* Printed in this order, under these keys; an absent optional one is unknown. */
static const struct {
	const char *key;
	int attr;
	bool optional;
} stat_fields[] = {
	{ "active", FLOWMON_STATS_A_ACTIVE, false },
	{ "created", FLOWMON_STATS_A_CREATED, false },
	{ "destroyed", FLOWMON_STATS_A_DESTROYED, false },
	{ "parse_errors", FLOWMON_STATS_A_PARSE_ERRORS, false },
	{ "fragments", FLOWMON_STATS_A_FRAGMENTS, false },
	{ "untracked", FLOWMON_STATS_A_UNTRACKED, false },
	{ "max_flows", FLOWMON_STATS_A_MAX_FLOWS, false },
	{ "expired", FLOWMON_STATS_A_EXPIRED, true },
	{ "evicted_embryonic", FLOWMON_STATS_A_EVICTED_EMBRYONIC, true },
	{ "evicted_closed", FLOWMON_STATS_A_EVICTED_CLOSED, true },
	{ "reused", FLOWMON_STATS_A_REUSED, true },
	{ "flushed", FLOWMON_STATS_A_FLUSHED, true },
	{ "memory", FLOWMON_STATS_A_MEMORY, true },
	{ "buckets", FLOWMON_STATS_A_BUCKETS, true },
	{ "hints_malformed", FLOWMON_STATS_A_HINTS_MALFORMED, true },
	{ "hints_lost", FLOWMON_STATS_A_HINTS_LOST, true },
};

/* In FLOWMON_STATS_A_TCP_STATES, the attribute type is the state + 1. */
#define TCP_STATE_ATTR(state) ((state) + 1)
#define TCP_STATES_ATTR_MAX TCP_STATE_ATTR(FLOWMON_TCP_STATE_MAX)

static const struct nla_policy stats_policy[FLOWMON_STATS_A_MAX + 1] = {
	[FLOWMON_STATS_A_ACTIVE] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_CREATED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_DESTROYED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_PARSE_ERRORS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_FRAGMENTS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_UNTRACKED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_MAX_FLOWS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_EXPIRED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_EVICTED_EMBRYONIC] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_EVICTED_CLOSED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_REUSED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_MEMORY] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_TCP_STATES] = { .type = NLA_NESTED },
	[FLOWMON_STATS_A_FLUSHED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_BUCKETS] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_HINTS_MALFORMED] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_HINTS_LOST] = { .type = NLA_U64 },
	[FLOWMON_STATS_A_DROPS] = { .type = NLA_NESTED },
};

static const struct nla_policy reason_policy[FLOWMON_REASON_A_MAX + 1] = {
	[FLOWMON_REASON_A_NAME] = { .type = NLA_STRING,
				    .maxlen = FLOWMON_DROP_REASON_MAX + 1 },
	[FLOWMON_REASON_A_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_REASON_A_BYTES] = { .type = NLA_U64 },
};

/* More than the kernel has reasons (about 80 in 6.12). */
#define DROP_REASONS_MAX 256

/* The packets of tracked flows dropped for one reason. */
struct drop_total {
	char reason[FLOWMON_DROP_REASON_MAX + 1];
	uint64_t packets;
	uint64_t bytes;
};

static const struct nla_policy tcp_states_policy[TCP_STATES_ATTR_MAX + 1] = {
	[TCP_STATE_ATTR(0) ... TCP_STATES_ATTR_MAX] = { .type = NLA_U64 },
};

struct stats {
	uint64_t values[ARRAY_SIZE(stat_fields)];
	bool known[ARRAY_SIZE(stat_fields)];
	/* TCP flows with either endpoint in each enum flowmon_tcp_state */
	uint64_t tcp_states[FLOWMON_TCP_STATE_MAX + 1];
	bool tcp_states_known;
	struct drop_total drops[DROP_REASONS_MAX];
	size_t nr_drops;
	bool received;
};

/* Optional as a whole, but when it is there it has every state. */
static int parse_tcp_states(struct stats *stats, struct nlattr *attr)
{
	struct nlattr *tb[TCP_STATES_ATTR_MAX + 1];
	unsigned int state;

	if (!attr)
		return 0;
	if (nla_parse_nested(tb, TCP_STATES_ATTR_MAX, attr, tcp_states_policy) < 0)
		return -EBADMSG;
	for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++) {
		if (!tb[TCP_STATE_ATTR(state)])
			return -EBADMSG;
		stats->tcp_states[state] = nla_get_u64(tb[TCP_STATE_ATTR(state)]);
	}
	stats->tcp_states_known = true;
	return 0;
}

/* An entry per reason that dropped a packet, in the kernel's order. */
static int parse_drops(struct stats *stats, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_REASON_A_MAX + 1], *entry;
	struct drop_total *d;
	int rem;

	if (!attr)
		return 0;
	nla_for_each_nested(entry, attr, rem) {
		if (nla_type(entry) != FLOWMON_DROPS_A_REASON)
			continue;
		if (stats->nr_drops == DROP_REASONS_MAX ||
		    nla_parse_nested(tb, FLOWMON_REASON_A_MAX, entry,
				     reason_policy) < 0 ||
		    !tb[FLOWMON_REASON_A_NAME] || !tb[FLOWMON_REASON_A_PACKETS] ||
		    !tb[FLOWMON_REASON_A_BYTES])
			return -EBADMSG;
		d = &stats->drops[stats->nr_drops++];
		nla_strlcpy(d->reason, tb[FLOWMON_REASON_A_NAME],
			    sizeof(d->reason));
		d->packets = nla_get_u64(tb[FLOWMON_REASON_A_PACKETS]);
		d->bytes = nla_get_u64(tb[FLOWMON_REASON_A_BYTES]);
	}
	return 0;
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
		struct nlattr *attr = tb[stat_fields[i].attr];

		if (!attr && !stat_fields[i].optional)
			return -EBADMSG;
		stats->known[i] = attr != NULL;
		stats->values[i] = attr ? nla_get_u64(attr) : 0;
	}
	if (parse_tcp_states(stats, tb[FLOWMON_STATS_A_TCP_STATES]) ||
	    parse_drops(stats, tb[FLOWMON_STATS_A_DROPS]))
		return -EBADMSG;
	stats->received = true;
	return 0;
}

/* Returns 0 or -1 after reporting an error. */
static int get_stats(struct stats *stats)
{
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_GET_STATS,
		.what = "get stats",
		.reply = parse_stats,
		.arg = stats,
	};

	if (flowmon_call(&req))
		return -1;
	if (!stats->received) {
		fputs("flowctl: get stats: no reply from the kernel\n", stderr);
		return -1;
	}
	return 0;
}

static uint64_t drops_total(const struct stats *stats)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < stats->nr_drops; i++)
		total += stats->drops[i].packets;
	return total;
}

/*
 * "tcp_state_established 3", with the state names of ss(8), then
 * "drops_NO_SOCKET 2" and "drop_bytes_NO_SOCKET 56", with the
 * kernel's names of its drop reasons.
 */
static void print_plain(const struct stats *stats)
{
	unsigned int state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		if (stats->known[i])
			printf("%s %" PRIu64 "\n", stat_fields[i].key, stats->values[i]);
	if (stats->tcp_states_known)
		for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++)
			printf("tcp_state_%s %" PRIu64 "\n", states_name(state),
			       stats->tcp_states[state]);
	printf("drops %" PRIu64 "\n", drops_total(stats));
	for (i = 0; i < stats->nr_drops; i++) {
		const struct drop_total *d = &stats->drops[i];

		printf("drops_%s %" PRIu64 "\n", d->reason, d->packets);
		printf("drop_bytes_%s %" PRIu64 "\n", d->reason, d->bytes);
	}
}

/* "drop_reasons": {"NO_SOCKET": {"packets": 2, "bytes": 56}, ...} */
static void print_json_drops(struct json *j, const struct stats *stats)
{
	struct json drops, reason;
	size_t i;

	json_u64(j, "drops", drops_total(stats));
	json_object_begin_key(j, "drop_reasons", &drops);
	for (i = 0; i < stats->nr_drops; i++) {
		json_object_begin_key(&drops, stats->drops[i].reason, &reason);
		json_u64(&reason, "packets", stats->drops[i].packets);
		json_u64(&reason, "bytes", stats->drops[i].bytes);
		json_object_end(&reason);
	}
	json_object_end(&drops);
}

/* "tcp_states": {"ESTABLISHED": 3, ...}, with the state names of RFC 793. */
static void print_json(const struct stats *stats)
{
	struct json j, states;
	struct writer w;
	unsigned int state;
	size_t i;

	writer_init(&w, stdout);
	json_object_begin(&j, &w);
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		if (stats->known[i])
			json_u64(&j, stat_fields[i].key, stats->values[i]);
	if (stats->tcp_states_known) {
		json_object_begin_key(&j, "tcp_states", &states);
		for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++)
			json_u64(&states, flow_tcp_state_name(state),
				 stats->tcp_states[state]);
		json_object_end(&states);
	}
	print_json_drops(&j, stats);
	json_object_end(&j);
	write_char(&w, '\n');
	writer_flush(&w);
}

static int cmd_stats(const struct command *cmd, int argc, char **argv,
		     const struct options *opts)
{
	struct stats stats = { .received = false };
	bool json = opts->json, help = false;
	int ret;

	ret = parse_simple_options(cmd, argc, argv, &json, &help);
	if (!ret)
		ret = no_arguments(cmd, argc, argv);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	if (get_stats(&stats))
		return EXIT_FAILURE;
	if (json)
		print_json(&stats);
	else
		print_plain(&stats);
	return EXIT_SUCCESS;
}

const struct command stats_command = {
	.name = "stats",
	.run = cmd_stats,
	.summary = "show flow table counters",
	.usage = "stats [-j]",
	.help =
		"Show the counters of the flow table of the current network namespace,\n"
		"one 'key value' pair per line, then the number of TCP flows with either\n"
		"endpoint in each state, as 'tcp_state_NAME N' lines, then the packets of\n"
		"tracked flows that this box dropped: 'drops N' in all, and\n"
		"'drops_REASON N' and 'drop_bytes_REASON N' for each reason the kernel\n"
		"gave (its enum skb_drop_reason, e.g. NO_SOCKET, NETFILTER_DROP).\n"
		"\n"
		"Options:\n"
		"  -j, --json  print one JSON object\n"
		"  -h, --help  show this help\n",
};
