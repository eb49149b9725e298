// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl: show and manage the flows tracked by the flowmon kernel module.
 *
 * main() parses the global options and hands the rest of the command line
 * to one entry of the command table; each command lives in its own file.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "flowctl.h"

static int cmd_help(const struct command *cmd, int argc, char **argv,
		    const struct options *opts);

static const struct command help_command = {
	.name = "help",
	.run = cmd_help,
	.summary = "show help for flowctl or a command",
	.usage = "help [COMMAND]",
	.help = "Show the list of commands, or the help of COMMAND.\n",
};

static const struct command *const commands[] = {
	&list_command,
	&get_command,
	&reset_command,
	&flush_command,
	&stats_command,
	&monitor_command,
	&export_command,
	&config_command,
	&version_command,
	&help_command,
};

/* '+': stop at the command; ':': report missing arguments as ':'. */
#define GLOBAL_OPTSTRING "+:jn46hV"

static const struct option global_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* --json first: parse_simple_options() skips it for commands without JSON. */
static const struct option simple_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i]->name) ||
		    (commands[i]->alias && !strcmp(name, commands[i]->alias)))
			return commands[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	char name[32];
	size_t i;

	fputs("Usage: flowctl [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Show and manage the flows tracked by the flowmon kernel module.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     print JSON\n"
	      "  -4, --ipv4     only IPv4 flows (commands that take filters)\n"
	      "  -6, --ipv6     only IPv6 flows (commands that take filters)\n"
	      "  -n, --numeric  accepted for compatibility: names are never resolved\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show flowctl and module versions\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		snprintf(name, sizeof(name), "%s%s%s", commands[i]->name,
			 commands[i]->alias ? ", " : "",
			 commands[i]->alias ? commands[i]->alias : "");
		fprintf(out, "  %-10s %s\n", name, commands[i]->summary);
	}
	fputs("\nRun 'flowctl help COMMAND' or 'flowctl COMMAND --help' for the options of a command.\n",
	      out);
}

int print_command_help(const struct command *cmd)
{
	printf("Usage: flowctl %s\n", cmd->usage);
	if (cmd->alias)
		printf("Alias: %s\n", cmd->alias);
	printf("\n%s", cmd->help);
	if (cmd->filters)
		fputs(filter_help, stdout);
	return EXIT_SUCCESS;
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

int parse_simple_options(const struct command *cmd, int argc, char **argv,
			 bool *json, bool *help)
{
	/* With json NULL, --json is unknown: the last entry ends the array. */
	const struct option *options = json ? simple_options : simple_options + 1;
	const char *optstring = json ? ":jh" : ":h";
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, optstring, options, NULL)) != -1) {
		if (opt == 'h')
			*help = true;
		else if (opt == 'j')
			*json = true;
		else
			return option_error(cmd, optstring, opt, argv);
	}
	return EXIT_SUCCESS;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmd_help(const struct command *cmd, int argc, char **argv,
		    const struct options *opts)
{
	const struct command *topic;
	bool help = false;
	int ret;

	(void)opts;
	ret = parse_simple_options(cmd, argc, argv, NULL, &help);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	if (optind == argc) {
		print_usage(stdout);
		return EXIT_SUCCESS;
	}
	if (optind + 1 < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	topic = find_command(argv[optind]);
	if (!topic)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	return print_command_help(topic);
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

static int set_family(struct options *opts, uint8_t family)
{
	if (opts->family && opts->family != family)
		return usage_error(NULL, "-4 and -6 exclude each other");
	opts->family = family;
	return EXIT_SUCCESS;
}

/* Returns -1 when the command should run, else the exit code. */
static int parse_global_options(int argc, char **argv, struct options *opts)
{
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, GLOBAL_OPTSTRING, global_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts->json = true;
			break;
		case 'n':	/* flowctl never resolves names */
			break;
		case '4':
		case '6':
			ret = set_family(opts, opt == '4' ? AF_INET : AF_INET6);
			if (ret)
				return ret;
			break;
		case 'h':
			print_usage(stdout);
			return flush_stdout(EXIT_SUCCESS);
		case 'V':
			return flush_stdout(version_command.run(&version_command, 1,
								argv, opts));
		default:
			return option_error(NULL, GLOBAL_OPTSTRING, opt, argv);
		}
	}
	return -1;
}

/*
 * A dump of a large table writes hundreds of megabytes: into files and
 * pipes in large writes, and without stdio's locking (one thread).
 */
static void setup_stdout(void)
{
	static char buffer[1 << 16];

	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
}

int main(int argc, char **argv)
{
	struct options opts = { .json = false };
	const struct command *cmd;
	int ret;

	setup_stdout();
	ret = parse_global_options(argc, argv, &opts);
	if (ret >= 0)
		return ret;
	if (optind == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	return flush_stdout(cmd->run(cmd, argc - optind, argv + optind, &opts));
}
