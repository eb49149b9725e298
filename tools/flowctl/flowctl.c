// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl: show the flows tracked by the flowmon kernel module.
 *
 * main() parses the global options and hands the rest of the command line
 * to one entry of the command table.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "netlink.h"

static int cmd_version(const struct command *cmd, int argc, char **argv,
		       const struct options *opts);
static int cmd_help(const struct command *cmd, int argc, char **argv,
		    const struct options *opts);

static const char list_help[] =
	"List the flows of the current network namespace, sorted by flow id\n"
	"(creation order).\n"
	"\n"
	"Options:\n"
	"  -o, --output FORMAT  table (the default on a terminal), plain (the\n"
	"                       default otherwise) or json\n"
	"  -j, --json           same as -o json\n"
	"  -e, --extended       below each TCP flow, its history, handshake RTT and\n"
	"                       per-direction TCP facts, as in 'ss -ti' (ignored\n"
	"                       with JSON, which always has them)\n"
	"      --state LIST     only TCP flows with either endpoint in one of the\n"
	"                       comma-separated states; may be repeated\n"
	"  -n, --numeric        accepted for compatibility: names are never resolved\n"
	"  -h, --help           show this help\n"
	"\n"
	"States (case-insensitive, as in ss(8)):\n"
	"  established (estab), syn-sent, syn-recv (syn-rcv, syn-received),\n"
	"  fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, closing,\n"
	"  closed (close), listening (listen)\n"
	"Groups:\n"
	"  all, connected (all but listening and closed), synchronized (connected\n"
	"  but syn-sent), bucket (syn-recv and time-wait), big (all but bucket)\n";

static const char stats_help[] =
	"Show the counters of the flow table of the current network namespace,\n"
	"one 'key value' pair per line, then the number of TCP flows with either\n"
	"endpoint in each state, as 'tcp_state_NAME N' lines.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print one JSON object\n"
	"  -h, --help  show this help\n";

static const char version_help[] =
	"Show the version of flowctl and, when the module is loaded, the version\n"
	"of its generic netlink family.\n";

static const char help_help[] =
	"Show the list of commands, or the help of COMMAND.\n";

static const struct command commands[] = {
	{ "list", "ls", cmd_list, "list tracked flows",
	  "list [-o table|plain|json] [-e] [--state LIST] [-n]", list_help },
	{ "stats", NULL, cmd_stats, "show flow table counters",
	  "stats [-j]", stats_help },
	{ "version", NULL, cmd_version, "show flowctl and module versions",
	  "version", version_help },
	{ "help", NULL, cmd_help, "show help for flowctl or a command",
	  "help [COMMAND]", help_help },
};

/* '+': stop at the command; ':': report missing arguments as ':'. */
#define GLOBAL_OPTSTRING "+:jhV"
#define HELP_OPTSTRING ":h"

static const struct option global_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const struct option help_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name) ||
		    (commands[i].alias && !strcmp(name, commands[i].alias)))
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	char name[32];
	size_t i;

	fputs("Usage: flowctl [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Show the flows tracked by the flowmon kernel module.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show flowctl and module versions\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		snprintf(name, sizeof(name), "%s%s%s", commands[i].name,
			 commands[i].alias ? ", " : "",
			 commands[i].alias ? commands[i].alias : "");
		fprintf(out, "  %-10s %s\n", name, commands[i].summary);
	}
	fputs("\nRun 'flowctl help COMMAND' or 'flowctl COMMAND --help' for the options of a command.\n",
	      out);
}

void print_command_help(const struct command *cmd)
{
	printf("Usage: flowctl %s\n", cmd->usage);
	if (cmd->alias)
		printf("Alias: %s\n", cmd->alias);
	printf("\n%s", cmd->help);
}

int usage_hint(const struct command *cmd)
{
	if (cmd)
		fprintf(stderr, "Try 'flowctl help %s' for more information.\n", cmd->name);
	else
		fputs("Try 'flowctl help' for more information.\n", stderr);
	return EXIT_USAGE;
}

int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("flowctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return usage_hint(cmd);
}

/* Whether @c is one of the short options of @optstring. */
static bool is_short_option(const char *optstring, int c)
{
	optstring += strspn(optstring, "+:");
	return c != ':' && strchr(optstring, c);
}

/*
 * getopt_long() leaves optind past a rejected long option and past an option
 * that lacks its argument; a rejected short option is in optopt. A known
 * option in optopt with '?' is a long option given an argument it does not
 * take.
 */
int option_error(const struct command *cmd, const char *optstring, int ret,
		 char **argv)
{
	const char *arg = argv[optind - 1];
	int len = (int)strcspn(arg, "=");

	if (ret == ':' && !strncmp(arg, "--", 2))
		return usage_error(cmd, "option '%.*s' needs an argument", len, arg);
	if (ret == ':')
		return usage_error(cmd, "option '-%c' needs an argument", optopt);
	if (!optopt)
		return usage_error(cmd, "unknown option '%.*s'", len, arg);
	if (optopt > UCHAR_MAX || is_short_option(optstring, optopt))
		return usage_error(cmd, "option '%.*s' takes no argument", len, arg);
	return usage_error(cmd, "unknown option '-%c'", optopt);
}

int no_arguments(const struct command *cmd, int argc, char **argv)
{
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return EXIT_SUCCESS;
}

/* Options of the commands that only have --help. */
static int parse_help_option(const struct command *cmd, int argc, char **argv,
			     bool *help)
{
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, HELP_OPTSTRING, help_options, NULL)) != -1) {
		if (opt != 'h')
			return option_error(cmd, HELP_OPTSTRING, opt, argv);
		*help = true;
	}
	return EXIT_SUCCESS;
}

static int print_versions(void)
{
	unsigned int version;
	int loaded;

	printf("flowctl %s\n", FLOWCTL_VERSION);
	loaded = flowmon_module_version(&version);
	if (loaded < 0)
		return EXIT_FAILURE;
	if (!loaded)
		puts("flowmon module not loaded");
	else if (version == FLOWMON_GENL_VERSION)
		printf("flowmon genl family version %u\n", version);
	else
		printf("flowmon genl family version %u (flowctl speaks version %d)\n",
		       version, FLOWMON_GENL_VERSION);
	return EXIT_SUCCESS;
}

static int cmd_version(const struct command *cmd, int argc, char **argv,
		       const struct options *opts)
{
	bool help = false;
	int ret;

	(void)opts;
	ret = parse_help_option(cmd, argc, argv, &help);
	if (!ret)
		ret = no_arguments(cmd, argc, argv);
	if (ret)
		return ret;
	if (help) {
		print_command_help(cmd);
		return EXIT_SUCCESS;
	}
	return print_versions();
}

static int cmd_help(const struct command *cmd, int argc, char **argv,
		    const struct options *opts)
{
	const struct command *topic;
	bool help = false;
	int ret;

	(void)opts;
	ret = parse_help_option(cmd, argc, argv, &help);
	if (ret)
		return ret;
	if (help) {
		print_command_help(cmd);
		return EXIT_SUCCESS;
	}
	if (optind == argc) {
		print_usage(stdout);
		return EXIT_SUCCESS;
	}
	if (optind + 1 < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	topic = find_command(argv[optind]);
	if (!topic)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	print_command_help(topic);
	return EXIT_SUCCESS;
}

/* Turn a failed write to stdout (a full disk, a closed pipe) into an error. */
static int flush_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "flowctl: write error: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct options opts = { .json = false };
	const struct command *cmd;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, GLOBAL_OPTSTRING, global_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'h':
			print_usage(stdout);
			return flush_stdout(EXIT_SUCCESS);
		case 'V':
			return flush_stdout(print_versions());
		default:
			return option_error(NULL, GLOBAL_OPTSTRING, opt, argv);
		}
	}
	if (optind == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	return flush_stdout(cmd->run(cmd, argc - optind, argv + optind, &opts));
}
