// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl get: one flow, by its protocol, addresses and ports.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <linux/flowmon.h>

#include "flow.h"
#include "flowctl.h"
#include "netlink.h"
#include "output.h"
#include "parse.h"

#define GET_OPTSTRING ":" OUTPUT_SHORT_OPTIONS "46np:s:d:h"

enum { OPT_SPORT = 256, OPT_DPORT };

static const struct option get_options[] = {
	OUTPUT_LONG_OPTIONS,
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "proto", required_argument, NULL, 'p' },
	{ "src", required_argument, NULL, 's' },
	{ "dst", required_argument, NULL, 'd' },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* What names a flow: the kernel takes the endpoints in either order. */
struct flow_key {
	uint8_t proto;
	struct prefix client;
	struct prefix server;
	uint16_t client_port;
	uint16_t server_port;
};

struct get_args {
	struct output_choice output;
	struct flow_key key;
	uint8_t family;		/* -4, -6 */
	bool key_options;	/* the key came as options */
	unsigned int given;	/* which key_options[] came */
	bool help;
};

struct lookup {
	const struct flow_key *key;
	struct flow_list list;
};

static int bad_value(const struct command *cmd, const char *what,
		     const char *arg, const char *why)
{
	return usage_error(cmd, "bad %s '%s': %s", what, arg, why);
}

static int parse_address(const struct command *cmd, const char *what,
			 const char *arg, struct prefix *addr)
{
	const char *why = parse_prefix(arg, addr);

	if (!why && addr->len != (addr->family == AF_INET ? 32 : 128))
		why = "expected an address, not a prefix";
	return why ? bad_value(cmd, what, arg, why) : 0;
}

static int parse_port(const struct command *cmd, const char *what,
		      const char *arg, uint16_t *port)
{
	struct port_range range;
	const char *why = parse_port_range(arg, &range);

	if (!why && range.first != range.last)
		why = "expected one port, not a range";
	if (why)
		return bad_value(cmd, what, arg, why);
	*port = range.first;
	return 0;
}

static int set_family(struct get_args *args, const struct command *cmd,
		      uint8_t family)
{
	if (args->family && args->family != family)
		return usage_error(cmd, "-4 and -6 exclude each other");
	args->family = family;
	return 0;
}

/* The key options, each allowed once: bit i of get_args.given is [i]. */
static const struct {
	int opt;
	const char *name;
} key_options[] = {
	{ 'p', "--proto" }, { 's', "--src" }, { 'd', "--dst" },
	{ OPT_SPORT, "--sport" }, { OPT_DPORT, "--dport" },
};

static size_t key_option_index(int opt)
{
	size_t i = 0;

	while (key_options[i].opt != opt)
		i++;
	return i;
}

/* The key as options: -p, -s, -d, --sport, --dport; each once. */
static int key_option(struct get_args *args, const struct command *cmd,
		      int opt, const char *arg)
{
	size_t i = key_option_index(opt);
	const char *why;

	args->key_options = true;
	if (args->given & (1U << i))
		return usage_error(cmd, "%s given twice", key_options[i].name);
	args->given |= 1U << i;
	switch (opt) {
	case 'p':
		why = parse_proto(arg, &args->key.proto);
		return why ? bad_value(cmd, "--proto", arg, why) : 0;
	case 's':
		return parse_address(cmd, "--src", arg, &args->key.client);
	case 'd':
		return parse_address(cmd, "--dst", arg, &args->key.server);
	case OPT_SPORT:
		return parse_port(cmd, "--sport", arg, &args->key.client_port);
	default:
		return parse_port(cmd, "--dport", arg, &args->key.server_port);
	}
}

static int get_option(struct get_args *args, const struct command *cmd,
		      int opt, char **argv)
{
	switch (opt) {
	case '4':
		return set_family(args, cmd, AF_INET);
	case '6':
		return set_family(args, cmd, AF_INET6);
	case 'n':	/* flowctl never resolves names */
		return 0;
	case 'h':
		args->help = true;
		return 0;
	case 'p':
	case 's':
	case 'd':
	case OPT_SPORT:
	case OPT_DPORT:
		return key_option(args, cmd, opt, optarg);
	}
	return option_error(cmd, GET_OPTSTRING, opt, argv);
}

/* PROTO CLIENT[:PORT] SERVER[:PORT] */
static int parse_key_arguments(struct get_args *args, const struct command *cmd,
			       char **argv)
{
	struct flow_key *key = &args->key;
	const char *why;

	why = parse_proto(argv[0], &key->proto);
	if (why)
		return bad_value(cmd, "protocol", argv[0], why);
	why = parse_endpoint(argv[1], &key->client, &key->client_port);
	if (why)
		return bad_value(cmd, "client", argv[1], why);
	why = parse_endpoint(argv[2], &key->server, &key->server_port);
	if (why)
		return bad_value(cmd, "server", argv[2], why);
	return 0;
}

static int check_key(const struct get_args *args, const struct command *cmd)
{
	const struct flow_key *key = &args->key;

	if (!key->proto || !key->client.family || !key->server.family)
		return usage_error(cmd, "a flow needs a protocol, a client and a server");
	if (key->client.family != key->server.family)
		return usage_error(cmd, "the client and the server are not of the same family");
	if (args->family && args->family != key->client.family)
		return usage_error(cmd, "the addresses are not of the family -4 or -6 asks for");
	return 0;
}

static int parse_args(const struct command *cmd, int argc, char **argv,
		      const struct options *opts, struct get_args *args)
{
	int opt, ret;

	output_choice_init(&args->output, opts);
	args->family = opts->family;
	optind = 0;
	while ((opt = getopt_long(argc, argv, GET_OPTSTRING, get_options, NULL)) != -1) {
		ret = output_option(&args->output, cmd, opt, optarg);
		if (ret == 1)
			ret = get_option(args, cmd, opt, argv);
		if (ret)
			return ret;
	}
	if (args->help)
		return 0;
	if (optind < argc && args->key_options)
		return usage_error(cmd, "give the flow either as arguments or with options, not both");
	if (!args->key_options && argc - optind != 3)
		return usage_error(cmd, "expected PROTO CLIENT[:PORT] SERVER[:PORT]");
	if (!args->key_options) {
		ret = parse_key_arguments(args, cmd, argv + optind);
		if (ret)
			return ret;
	}
	return check_key(args, cmd);
}

static int put_addr(struct nl_msg *msg, int attr, const struct prefix *addr)
{
	return nla_put(msg, attr, addr->family == AF_INET ? 4 : 16, addr->addr);
}

static int put_key(struct nl_msg *msg, void *arg)
{
	const struct lookup *lookup = arg;
	const struct flow_key *key = lookup->key;
	struct nlattr *nest = nla_nest_start(msg, FLOWMON_A_FLOW);

	if (!nest ||
	    nla_put_u8(msg, FLOWMON_FLOW_A_FAMILY, key->client.family) ||
	    nla_put_u8(msg, FLOWMON_FLOW_A_PROTO, key->proto) ||
	    put_addr(msg, FLOWMON_FLOW_A_CLIENT_ADDR, &key->client) ||
	    nla_put_u16(msg, FLOWMON_FLOW_A_CLIENT_PORT, key->client_port) ||
	    put_addr(msg, FLOWMON_FLOW_A_SERVER_ADDR, &key->server) ||
	    nla_put_u16(msg, FLOWMON_FLOW_A_SERVER_PORT, key->server_port))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int collect_flow(struct nlattr **attrs, void *arg)
{
	struct lookup *lookup = arg;

	if (!attrs[FLOWMON_A_FLOW] || lookup->list.len)
		return -EBADMSG;
	return flow_list_parse(&lookup->list, attrs[FLOWMON_A_FLOW]);
}

static bool report_missing(const struct flowmon_error *err, void *arg)
{
	(void)arg;
	if (err->code != ENOENT)
		return false;
	fputs("flowctl: no such flow\n", stderr);
	return true;
}

static int cmd_get(const struct command *cmd, int argc, char **argv,
		   const struct options *opts)
{
	struct get_args args = { .key_options = false };
	struct lookup lookup = { .key = &args.key };
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_GET_FLOW,
		.what = "get flow",
		.put = put_key,
		.reply = collect_flow,
		.error = report_missing,
		.arg = &lookup,
	};
	int ret;

	ret = parse_args(cmd, argc, argv, opts, &args);
	if (ret)
		return ret;
	if (args.help)
		return print_command_help(cmd);
	ret = flowmon_call(&req) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (!ret && !lookup.list.len) {
		fputs("flowctl: get flow: no reply from the kernel\n", stderr);
		ret = EXIT_FAILURE;
	}
	if (!ret)
		output_flows(stdout, output_format(&args.output), &lookup.list, now_ns());
	flow_list_free(&lookup.list);
	return ret;
}

const struct command get_command = {
	.name = "get",
	.run = cmd_get,
	.summary = "show one flow",
	.usage = "get [-o table|plain|json] [-e] PROTO CLIENT[:PORT] SERVER[:PORT]\n"
		 "   or: flowctl get [-o table|plain|json] [-e] -p PROTO -s ADDR [--sport PORT]\n"
		 "                   -d ADDR [--dport PORT]",
	.help =
		"Show the flow of protocol PROTO between CLIENT and SERVER, in the\n"
		"formats of 'flowctl list'. The endpoints may be given in either order.\n"
		"An IPv6 endpoint with a port is written [ADDR]:PORT. A missing port is\n"
		"0: protocols without ports have port 0; an ICMP echo flow has its\n"
		"identifier as the client's port. Exits 1 with \"no such flow\" when\n"
		"the flow is not tracked.\n"
		"\n"
		"Options:\n"
		"  -o, --output FORMAT  table (the default on a terminal), plain (the\n"
		"                       default otherwise) or json\n"
		"  -j, --json           same as -o json\n"
		"  -e, --extended       the TCP facts of the flow below its row\n"
		"  -p, --proto PROTO    tcp, udp, icmp, icmpv6 or a protocol number\n"
		"  -s, --src ADDR       the client's address\n"
		"  -d, --dst ADDR       the server's address\n"
		"      --sport PORT     the client's port (ICMP echo: the identifier)\n"
		"      --dport PORT     the server's port\n"
		"  -4, -6               check that the addresses are of this family\n"
		"  -n, --numeric        accepted for compatibility: names are never resolved\n"
		"  -h, --help           show this help\n",
};
