/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowctl: command table and the helpers shared by all subcommands.
 */
#ifndef FLOWCTL_H
#define FLOWCTL_H

#include <stdbool.h>

#define FLOWCTL_VERSION "0.1.0"

/* Exit codes: EXIT_SUCCESS (0), EXIT_FAILURE (1) from <stdlib.h>, and: */
#define EXIT_USAGE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Options given before the subcommand. */
struct options {
	bool json;
};

struct command {
	const char *name;
	const char *alias;
	int (*run)(const struct command *cmd, int argc, char **argv,
		   const struct options *opts);
	const char *summary;
	const char *usage;
	const char *help;
};

int cmd_list(const struct command *cmd, int argc, char **argv,
	     const struct options *opts);
int cmd_stats(const struct command *cmd, int argc, char **argv,
	      const struct options *opts);

void print_command_help(const struct command *cmd);

/*
 * Print a hint to the help of @cmd (of flowctl when @cmd is NULL) on stderr;
 * returns EXIT_USAGE.
 */
int usage_hint(const struct command *cmd);

/* Print "flowctl: <message>" and usage_hint(@cmd); returns EXIT_USAGE. */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report the option getopt_long(@optstring) just rejected ('?' or ':'). */
int option_error(const struct command *cmd, const char *optstring, int ret,
		 char **argv);

/* Reject arguments left after the options; EXIT_SUCCESS when there are none. */
int no_arguments(const struct command *cmd, int argc, char **argv);

#endif /* FLOWCTL_H */
