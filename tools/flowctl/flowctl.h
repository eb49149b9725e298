/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowctl: command table and the helpers shared by all subcommands.
 */
#ifndef FLOWCTL_H
#define FLOWCTL_H

#include <stdbool.h>
#include <stdint.h>

#define FLOWCTL_VERSION "0.1.0"

/* Exit codes: EXIT_SUCCESS (0), EXIT_FAILURE (1) from <stdlib.h>, and: */
#define EXIT_USAGE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Options given before the subcommand. */
struct options {
	bool json;
	uint8_t family;		/* -4: AF_INET, -6: AF_INET6, else 0 */
};

struct command {
	const char *name;
	const char *alias;
	int (*run)(const struct command *cmd, int argc, char **argv,
		   const struct options *opts);
	const char *summary;
	const char *usage;
	const char *help;
	bool filters;		/* takes the filter options (filter.h) */
};

/* One per file: list.c has list and reset. */
extern const struct command list_command;
extern const struct command reset_command;
extern const struct command get_command;
extern const struct command flush_command;
extern const struct command stats_command;
extern const struct command monitor_command;
extern const struct command export_command;
extern const struct command config_command;
extern const struct command version_command;

/* Print the help of @cmd on stdout; returns EXIT_SUCCESS. */
int print_command_help(const struct command *cmd);

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

/*
 * Parse the options of a command that has only -h/--help (and -j/--json
 * when @json is not NULL). Returns EXIT_SUCCESS or EXIT_USAGE.
 */
int parse_simple_options(const struct command *cmd, int argc, char **argv,
			 bool *json, bool *help);

/* The time now, in ns since the epoch, as the kernel's timestamps. */
uint64_t now_ns(void);

#endif /* FLOWCTL_H */
