// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl config: the table limit and timeouts of the current namespace.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "json.h"
#include "netlink.h"
#include "parse.h"

#define MS_PER_SEC 1000

/* Named as the module parameters that give their defaults. */
static const struct {
	const char *name;
	int attr;
	bool duration;		/* seconds, given with units or not */
} config_keys[] = {
	{ "max_flows", FLOWMON_CONFIG_A_MAX_FLOWS, false },
	{ "timeout_syn_sent", FLOWMON_CONFIG_A_TIMEOUT_SYN_SENT, true },
	{ "timeout_syn_recv", FLOWMON_CONFIG_A_TIMEOUT_SYN_RECV, true },
	{ "timeout_established", FLOWMON_CONFIG_A_TIMEOUT_ESTABLISHED, true },
	{ "timeout_fin_wait", FLOWMON_CONFIG_A_TIMEOUT_FIN_WAIT, true },
	{ "timeout_close_wait", FLOWMON_CONFIG_A_TIMEOUT_CLOSE_WAIT, true },
	{ "timeout_last_ack", FLOWMON_CONFIG_A_TIMEOUT_LAST_ACK, true },
	{ "timeout_time_wait", FLOWMON_CONFIG_A_TIMEOUT_TIME_WAIT, true },
	{ "timeout_close", FLOWMON_CONFIG_A_TIMEOUT_CLOSE, true },
	{ "timeout_udp", FLOWMON_CONFIG_A_TIMEOUT_UDP, true },
	{ "timeout_udp_stream", FLOWMON_CONFIG_A_TIMEOUT_UDP_STREAM, true },
	{ "timeout_icmp", FLOWMON_CONFIG_A_TIMEOUT_ICMP, true },
	{ "timeout_generic", FLOWMON_CONFIG_A_TIMEOUT_GENERIC, true },
};

#define NR_KEYS ARRAY_SIZE(config_keys)

static const struct nla_policy config_policy[FLOWMON_CONFIG_A_MAX + 1] = {
	[FLOWMON_CONFIG_A_MAX_FLOWS ... FLOWMON_CONFIG_A_MAX] = { .type = NLA_U32 },
};

struct config {
	uint32_t values[NR_KEYS];
	bool selected[NR_KEYS];	/* get: the keys to print; set: the keys to set */
	bool any_selected;
	bool received;
	/* set: the arguments, and where each value sits in the request */
	const char *args[NR_KEYS];
	uint32_t offsets[NR_KEYS];
};

/* Index of the key in "KEY" or "KEY=VALUE", -1 if unknown. */
static int find_key(const char *arg)
{
	size_t len = strcspn(arg, "=");
	size_t i;

	for (i = 0; i < NR_KEYS; i++)
		if (strlen(config_keys[i].name) == len &&
		    !strncmp(arg, config_keys[i].name, len))
			return (int)i;
	return -1;
}

static int unknown_key(const struct command *cmd, const char *arg)
{
	size_t i;

	fprintf(stderr, "flowctl: unknown configuration key '%.*s'; valid keys:",
		(int)strcspn(arg, "="), arg);
	for (i = 0; i < NR_KEYS; i++)
		fprintf(stderr, " %s", config_keys[i].name);
	fputc('\n', stderr);
	return usage_hint(cmd);
}

/* max_flows is a count; timeouts are seconds, with units or not. */
static const char *parse_value(size_t key, const char *s, uint32_t *value)
{
	const char *why;
	uint64_t v;

	if (!config_keys[key].duration) {
		why = parse_u64(s, &v);
	} else {
		why = parse_duration_ms(s, &v);
		if (!why && v % MS_PER_SEC)
			why = "timeouts are whole seconds";
		v /= MS_PER_SEC;
	}
	if (!why && v > UINT32_MAX)
		why = "too big";
	*value = v;
	return why;
}

/* "KEY=VALUE" */
static int parse_setting(const struct command *cmd, struct config *config,
			 const char *arg)
{
	int key = find_key(arg);
	const char *why;

	if (key < 0)
		return unknown_key(cmd, arg);
	if (!strchr(arg, '='))
		return usage_error(cmd, "'%s': give all keys as KEY=VALUE to set them, or none to show them",
				   arg);
	if (config->selected[key])
		return usage_error(cmd, "%s given twice", config_keys[key].name);
	why = parse_value(key, strchr(arg, '=') + 1, &config->values[key]);
	if (why)
		return usage_error(cmd, "bad value in '%s': %s", arg, why);
	config->selected[key] = true;
	config->args[key] = arg;
	return 0;
}

/* "KEY" */
static int parse_selection(const struct command *cmd, struct config *config,
			   const char *arg)
{
	int key = find_key(arg);

	if (key < 0)
		return unknown_key(cmd, arg);
	config->selected[key] = true;
	return 0;
}

static int parse_arguments(const struct command *cmd, struct config *config,
			   int argc, char **argv, bool *set)
{
	int i, ret;

	*set = optind < argc && strchr(argv[optind], '=');
	for (i = optind; i < argc; i++) {
		if (*set)
			ret = parse_setting(cmd, config, argv[i]);
		else if (strchr(argv[i], '='))
			ret = usage_error(cmd, "'%s': show keys or set them, not both",
					  argv[i]);
		else
			ret = parse_selection(cmd, config, argv[i]);
		if (ret)
			return ret;
		config->any_selected = true;
	}
	return 0;
}

static int parse_config(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[FLOWMON_CONFIG_A_MAX + 1];
	struct config *config = arg;
	size_t i;

	if (!attrs[FLOWMON_A_CONFIG] ||
	    nla_parse_nested(tb, FLOWMON_CONFIG_A_MAX, attrs[FLOWMON_A_CONFIG],
			     config_policy) < 0)
		return -EBADMSG;
	for (i = 0; i < NR_KEYS; i++) {
		if (!tb[config_keys[i].attr])
			return -EBADMSG;
		config->values[i] = nla_get_u32(tb[config_keys[i].attr]);
	}
	config->received = true;
	return 0;
}

static void print_config(const struct config *config, bool json)
{
	struct json j;
	struct writer w;
	size_t i;

	if (json) {
		writer_init(&w, stdout);
		json_object_begin(&j, &w);
	}
	for (i = 0; i < NR_KEYS; i++) {
		if (config->any_selected && !config->selected[i])
			continue;
		if (json)
			json_u64(&j, config_keys[i].name, config->values[i]);
		else
			printf("%s %" PRIu32 "\n", config_keys[i].name,
			       config->values[i]);
	}
	if (json) {
		json_object_end(&j);
		write_char(&w, '\n');
		writer_flush(&w);
	}
}

static int show_config(struct config *config, bool json)
{
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_GET_CONFIG,
		.what = "get config",
		.reply = parse_config,
		.arg = config,
	};

	if (flowmon_call(&req))
		return EXIT_FAILURE;
	if (!config->received) {
		fputs("flowctl: get config: no reply from the kernel\n", stderr);
		return EXIT_FAILURE;
	}
	print_config(config, json);
	return EXIT_SUCCESS;
}

/* Notes where each value goes, to name the one the kernel may reject. */
static int put_settings(struct nl_msg *msg, void *arg)
{
	struct config *config = arg;
	struct nlattr *nest = nla_nest_start(msg, FLOWMON_A_CONFIG);
	size_t i;

	if (!nest)
		return -NLE_NOMEM;
	for (i = 0; i < NR_KEYS; i++) {
		if (!config->selected[i])
			continue;
		config->offsets[i] = (uint32_t)((char *)nlmsg_tail(nlmsg_hdr(msg)) -
						(char *)nlmsg_hdr(msg));
		if (nla_put_u32(msg, config_keys[i].attr, config->values[i]))
			return -NLE_NOMEM;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* "flowctl: config: timeout_udp=0: integer out of range (valid: 1 to ...)" */
static bool report_setting(const struct flowmon_error *err, void *arg)
{
	const struct config *config = arg;
	char what[128];
	size_t i;

	for (i = 0; i < NR_KEYS; i++) {
		if (!config->selected[i] || !err->offset ||
		    err->offset != config->offsets[i])
			continue;
		snprintf(what, sizeof(what), "config: %s", config->args[i]);
		flowmon_report(what, err);
		return true;
	}
	return false;
}

static int set_config(struct config *config)
{
	struct flowmon_request req = {
		.cmd = FLOWMON_CMD_SET_CONFIG,
		.what = "set config",
		.put = put_settings,
		.error = report_setting,
		.arg = config,
	};

	return flowmon_call(&req) ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int cmd_config(const struct command *cmd, int argc, char **argv,
		      const struct options *opts)
{
	struct config config = { .received = false };
	bool json = opts->json, help = false, set;
	int ret;

	ret = parse_simple_options(cmd, argc, argv, &json, &help);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	ret = parse_arguments(cmd, &config, argc, argv, &set);
	if (ret)
		return ret;
	return set ? set_config(&config) : show_config(&config, json);
}

const struct command config_command = {
	.name = "config",
	.run = cmd_config,
	.summary = "show or set the table limit and timeouts",
	.usage = "config [-j] [KEY...]\n"
		 "   or: flowctl config KEY=VALUE...",
	.help =
		"Without arguments, show the configuration of the flow table of the\n"
		"current network namespace as 'KEY VALUE' lines (with -j, one JSON\n"
		"object); with KEYs, only those. With KEY=VALUE arguments, set them,\n"
		"for this namespace only (needs CAP_NET_ADMIN); the kernel refuses\n"
		"values out of range and says which.\n"
		"\n"
		"Keys (named as the module parameters that set their defaults):\n"
		"  max_flows            flows tracked at most, 1 to 16777216\n"
		"  timeout_syn_sent     TCP: SYN unanswered\n"
		"  timeout_syn_recv     TCP: SYN-ACK unanswered (and LISTEN)\n"
		"  timeout_established  TCP: ESTABLISHED, idle\n"
		"  timeout_fin_wait     TCP: FIN-WAIT-1, FIN-WAIT-2, CLOSING\n"
		"  timeout_close_wait   TCP: CLOSE-WAIT\n"
		"  timeout_last_ack     TCP: LAST-ACK\n"
		"  timeout_time_wait    TCP: TIME-WAIT\n"
		"  timeout_close        TCP: CLOSED\n"
		"  timeout_udp          UDP: unreplied\n"
		"  timeout_udp_stream   UDP: replied\n"
		"  timeout_icmp         ICMP and ICMPv6\n"
		"  timeout_generic      other protocols\n"
		"Timeouts are idle times in whole seconds, 1 to 315360000 (10 years),\n"
		"given as a bare number of seconds or with a unit: 90s, 2m, 12h, 5d.\n"
		"\n"
		"Options:\n"
		"  -j, --json  print one JSON object\n"
		"  -h, --help  show this help\n",
};
