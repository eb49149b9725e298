// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl stats: the counters of the flow table.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/flowmon.h>

#include "flow.h"
#include "flowctl.h"
#include "json.h"
#include "netlink.h"
#include "prometheus.h"
#include "states.h"
#include "stats.h"

#define ENDED "flowmon_flows_ended_total"
#define ENDED_HELP "Flows ended, by why."

/*
 * Printed in this order, under these keys; an absent optional one is
 * unknown. The entries of one metric stand together.
 */
const struct stats_field stats_fields[] = {
	{ "active", FLOWMON_STATS_A_ACTIVE, false, "flowmon_flows", NULL, false,
	  "Flows in the table." },
	{ "created", FLOWMON_STATS_A_CREATED, false, "flowmon_flows_created_total",
	  NULL, true, "Flows created." },
	{ "destroyed", FLOWMON_STATS_A_DESTROYED, false,
	  "flowmon_flows_destroyed_total", NULL, true, "Flows destroyed." },
	{ "parse_errors", FLOWMON_STATS_A_PARSE_ERRORS, false,
	  "flowmon_parse_errors_total", NULL, true,
	  "Packets with truncated or malformed headers." },
	{ "fragments", FLOWMON_STATS_A_FRAGMENTS, false,
	  "flowmon_fragments_total", NULL, true,
	  "Non-first fragments, not attributed to a flow." },
	{ "untracked", FLOWMON_STATS_A_UNTRACKED, false,
	  "flowmon_flows_untracked_total", NULL, true,
	  "New flows not tracked: table full or out of memory." },
	{ "max_flows", FLOWMON_STATS_A_MAX_FLOWS, false, "flowmon_flows_max",
	  NULL, false, "The table's limit." },
	{ "expired", FLOWMON_STATS_A_EXPIRED, true, ENDED,
	  "reason=\"expired\"", true, ENDED_HELP },
	{ "evicted_embryonic", FLOWMON_STATS_A_EVICTED_EMBRYONIC, true, ENDED,
	  "reason=\"evicted_embryonic\"", true, ENDED_HELP },
	{ "evicted_closed", FLOWMON_STATS_A_EVICTED_CLOSED, true, ENDED,
	  "reason=\"evicted_closed\"", true, ENDED_HELP },
	{ "reused", FLOWMON_STATS_A_REUSED, true, ENDED, "reason=\"reused\"",
	  true, ENDED_HELP },
	{ "flushed", FLOWMON_STATS_A_FLUSHED, true, ENDED, "reason=\"flushed\"",
	  true, ENDED_HELP },
	{ "memory", FLOWMON_STATS_A_MEMORY, true, "flowmon_memory_bytes", NULL,
	  false, "Memory of the records and the hash table." },
	{ "buckets", FLOWMON_STATS_A_BUCKETS, true, "flowmon_hash_buckets", NULL,
	  false, "Buckets of the hash table." },
	{ "hints_malformed", FLOWMON_STATS_A_HINTS_MALFORMED, true,
	  "flowmon_hints_malformed_total", NULL, true,
	  "Payloads that began as a protocol but did not parse as it." },
	{ "hints_lost", FLOWMON_STATS_A_HINTS_LOST, true,
	  "flowmon_hints_lost_total", NULL, true,
	  "Application hints not kept for want of memory." },
};

_Static_assert(ARRAY_SIZE(stats_fields) == STATS_NR_FIELDS,
	       "STATS_NR_FIELDS is the size of stats_fields[]");

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
	[FLOWMON_STATS_A_HANDSHAKE_RTT] = { .type = NLA_NESTED },
	[FLOWMON_STATS_A_HANDSHAKE_SUM_US] = { .type = NLA_U64 },
};

static const struct nla_policy reason_policy[FLOWMON_REASON_A_MAX + 1] = {
	[FLOWMON_REASON_A_NAME] = { .type = NLA_STRING,
				    .maxlen = FLOWMON_DROP_REASON_MAX + 1 },
	[FLOWMON_REASON_A_PACKETS] = { .type = NLA_U64 },
	[FLOWMON_REASON_A_BYTES] = { .type = NLA_U64 },
};

/* In FLOWMON_STATS_A_HANDSHAKE_RTT, the attribute type is the bucket + 1. */
#define HANDSHAKE_ATTR(bucket) ((bucket) + 1)
#define HANDSHAKE_ATTR_MAX HANDSHAKE_ATTR(FLOWMON_HANDSHAKE_BUCKETS - 1)

static const struct nla_policy tcp_states_policy[TCP_STATES_ATTR_MAX + 1] = {
	[TCP_STATE_ATTR(0) ... TCP_STATES_ATTR_MAX] = { .type = NLA_U64 },
};

static const struct nla_policy handshake_policy[HANDSHAKE_ATTR_MAX + 1] = {
	[HANDSHAKE_ATTR(0) ... HANDSHAKE_ATTR_MAX] = { .type = NLA_U64 },
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

/* Optional as a whole, but when it is there it has every bucket. */
static int parse_handshakes(struct stats *stats, struct nlattr *attr,
			    struct nlattr *sum)
{
	struct nlattr *tb[HANDSHAKE_ATTR_MAX + 1];
	unsigned int i;

	if (!attr)
		return 0;
	if (!sum ||
	    nla_parse_nested(tb, HANDSHAKE_ATTR_MAX, attr, handshake_policy) < 0)
		return -EBADMSG;
	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++) {
		if (!tb[HANDSHAKE_ATTR(i)])
			return -EBADMSG;
		stats->handshakes[i] = nla_get_u64(tb[HANDSHAKE_ATTR(i)]);
	}
	stats->handshake_sum_us = nla_get_u64(sum);
	stats->handshakes_known = true;
	return 0;
}

/* An entry per reason that dropped a packet, in the kernel's order. */
static int parse_drops(struct stats *stats, struct nlattr *attr)
{
	struct nlattr *tb[FLOWMON_REASON_A_MAX + 1], *entry;
	struct stats_drop *d;
	int rem;

	if (!attr)
		return 0;
	nla_for_each_nested(entry, attr, rem) {
		if (nla_type(entry) != FLOWMON_DROPS_A_REASON)
			continue;
		if (stats->nr_drops == STATS_DROP_REASONS_MAX ||
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
	for (i = 0; i < STATS_NR_FIELDS; i++) {
		struct nlattr *attr = tb[stats_fields[i].attr];

		if (!attr && !stats_fields[i].optional)
			return -EBADMSG;
		stats->known[i] = attr != NULL;
		stats->values[i] = attr ? nla_get_u64(attr) : 0;
	}
	if (parse_tcp_states(stats, tb[FLOWMON_STATS_A_TCP_STATES]) ||
	    parse_drops(stats, tb[FLOWMON_STATS_A_DROPS]) ||
	    parse_handshakes(stats, tb[FLOWMON_STATS_A_HANDSHAKE_RTT],
			     tb[FLOWMON_STATS_A_HANDSHAKE_SUM_US]))
		return -EBADMSG;
	stats->received = true;
	return 0;
}

int stats_get(struct stats *stats)
{
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_GET_STATS,
		.what = "get stats",
		.reply = parse_stats,
		.arg = stats,
	};

	memset(stats, 0, sizeof(*stats));
	if (flowmon_call(&req))
		return -1;
	if (!stats->received) {
		fputs("flowctl: get stats: no reply from the kernel\n", stderr);
		return -1;
	}
	return 0;
}

uint64_t stats_handshakes_total(const struct stats *stats)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++)
		total += stats->handshakes[i];
	return total;
}

uint64_t stats_handshake_bound_us(unsigned int i)
{
	return i + 1 < FLOWMON_HANDSHAKE_BUCKETS ? 1ULL << i : 0;
}

uint64_t stats_drops_total(const struct stats *stats)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < stats->nr_drops; i++)
		total += stats->drops[i].packets;
	return total;
}

/*
 * "handshakes 5", "handshake_rtt_sum_us 101234", then for each bucket the
 * handshakes up to its bound: "handshake_rtt_le_32768us 5", ...,
 * "handshake_rtt_le_inf 5".
 */
static void print_plain_handshakes(const struct stats *stats)
{
	uint64_t below = 0;
	unsigned int i;

	if (!stats->handshakes_known)
		return;
	printf("handshakes %" PRIu64 "\n", stats_handshakes_total(stats));
	printf("handshake_rtt_sum_us %" PRIu64 "\n", stats->handshake_sum_us);
	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++) {
		below += stats->handshakes[i];
		if (stats_handshake_bound_us(i))
			printf("handshake_rtt_le_%" PRIu64 "us %" PRIu64 "\n",
			       stats_handshake_bound_us(i), below);
		else
			printf("handshake_rtt_le_inf %" PRIu64 "\n", below);
	}
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

	for (i = 0; i < STATS_NR_FIELDS; i++)
		if (stats->known[i])
			printf("%s %" PRIu64 "\n", stats_fields[i].key, stats->values[i]);
	if (stats->tcp_states_known)
		for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++)
			printf("tcp_state_%s %" PRIu64 "\n", states_name(state),
			       stats->tcp_states[state]);
	printf("drops %" PRIu64 "\n", stats_drops_total(stats));
	for (i = 0; i < stats->nr_drops; i++) {
		const struct stats_drop *d = &stats->drops[i];

		printf("drops_%s %" PRIu64 "\n", d->reason, d->packets);
		printf("drop_bytes_%s %" PRIu64 "\n", d->reason, d->bytes);
	}
	print_plain_handshakes(stats);
}

/* "drop_reasons": {"NO_SOCKET": {"packets": 2, "bytes": 56}, ...} */
static void print_json_drops(struct json *j, const struct stats *stats)
{
	struct json drops, reason;
	size_t i;

	json_u64(j, "drops", stats_drops_total(stats));
	json_object_begin_key(j, "drop_reasons", &drops);
	for (i = 0; i < stats->nr_drops; i++) {
		json_object_begin_key(&drops, stats->drops[i].reason, &reason);
		json_u64(&reason, "packets", stats->drops[i].packets);
		json_u64(&reason, "bytes", stats->drops[i].bytes);
		json_object_end(&reason);
	}
	json_object_end(&drops);
}

/*
 * "handshake_rtt_us": {"count": 5, "sum": 101234, "le": {"1": 0, ...,
 * "32768": 5, ..., "+Inf": 5}}: the handshakes up to each bound.
 */
static void print_json_handshakes(struct json *j, const struct stats *stats)
{
	struct json hist, le;
	uint64_t below = 0;
	char bound[24];
	unsigned int i;

	if (!stats->handshakes_known)
		return;
	json_object_begin_key(j, "handshake_rtt_us", &hist);
	json_u64(&hist, "count", stats_handshakes_total(stats));
	json_u64(&hist, "sum", stats->handshake_sum_us);
	json_object_begin_key(&hist, "le", &le);
	for (i = 0; i < FLOWMON_HANDSHAKE_BUCKETS; i++) {
		below += stats->handshakes[i];
		if (stats_handshake_bound_us(i))
			snprintf(bound, sizeof(bound), "%" PRIu64,
				 stats_handshake_bound_us(i));
		else
			snprintf(bound, sizeof(bound), "+Inf");
		json_u64(&le, bound, below);
	}
	json_object_end(&le);
	json_object_end(&hist);
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
	for (i = 0; i < STATS_NR_FIELDS; i++)
		if (stats->known[i])
			json_u64(&j, stats_fields[i].key, stats->values[i]);
	if (stats->tcp_states_known) {
		json_object_begin_key(&j, "tcp_states", &states);
		for (state = 0; state <= FLOWMON_TCP_STATE_MAX; state++)
			json_u64(&states, flow_tcp_state_name(state),
				 stats->tcp_states[state]);
		json_object_end(&states);
	}
	print_json_drops(&j, stats);
	print_json_handshakes(&j, stats);
	json_object_end(&j);
	write_char(&w, '\n');
	writer_flush(&w);
}

#define STATS_OPTSTRING ":jh"

enum { OPT_PROMETHEUS = 256 };

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

enum stats_format { FORMAT_PLAIN, FORMAT_JSON, FORMAT_PROMETHEUS };

static int parse_args(const struct command *cmd, int argc, char **argv,
		      enum stats_format *format, bool *help)
{
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, STATS_OPTSTRING, stats_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			*format = FORMAT_JSON;
			break;
		case OPT_PROMETHEUS:
			*format = FORMAT_PROMETHEUS;
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

static int cmd_stats(const struct command *cmd, int argc, char **argv,
		     const struct options *opts)
{
	enum stats_format format = opts->json ? FORMAT_JSON : FORMAT_PLAIN;
	struct stats stats;
	bool help = false;
	int ret;

	ret = parse_args(cmd, argc, argv, &format, &help);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	if (stats_get(&stats))
		return EXIT_FAILURE;
	if (format == FORMAT_JSON)
		print_json(&stats);
	else if (format == FORMAT_PROMETHEUS)
		prometheus_write_stats(stdout, &stats);
	else
		print_plain(&stats);
	return EXIT_SUCCESS;
}

const struct command stats_command = {
	.name = "stats",
	.run = cmd_stats,
	.summary = "show flow table counters",
	.usage = "stats [-j|--prometheus]",
	.help =
		"Show the counters of the flow table of the current network namespace,\n"
		"one 'key value' pair per line, then the number of TCP flows with either\n"
		"endpoint in each state, as 'tcp_state_NAME N' lines, then the packets of\n"
		"tracked flows that this box dropped: 'drops N' in all, and\n"
		"'drops_REASON N' and 'drop_bytes_REASON N' for each reason the kernel\n"
		"gave (its enum skb_drop_reason, e.g. NO_SOCKET, NETFILTER_DROP),\n"
		"then, once a TCP handshake was seen whole, 'handshakes N',\n"
		"'handshake_rtt_sum_us N' and 'handshake_rtt_le_BOUNDus N': the\n"
		"handshakes whose round trip through here (SYN to SYN-ACK plus SYN-ACK\n"
		"to ACK) took at most BOUND microseconds, a power of two, and\n"
		"'handshake_rtt_le_inf N'.\n"
		"\n"
		"Options:\n"
		"  -j, --json      print one JSON object\n"
		"      --prometheus  the Prometheus text format, e.g. for\n"
		"                  node_exporter's textfile collector\n"
		"  -h, --help      show this help\n",
};
