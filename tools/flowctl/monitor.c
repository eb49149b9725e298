// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl monitor: print the events of the flowmon multicast group as they
 * happen, filtered here by the rules the kernel applies to dumps.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "event_socket.h"
#include "filter.h"
#include "flowctl.h"
#include "parse.h"

#define MONITOR_OPTSTRING ":jh" FILTER_SHORT_OPTIONS

enum { OPT_BUFFER = FILTER_OPT_END };

static const struct option monitor_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "help", no_argument, NULL, 'h' },
	FILTER_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

struct monitor {
	struct filter filter;
	uint64_t buffer;	/* SO_RCVBUF asked for; 0: the default */
	bool json;
	bool help;
	struct event_socket es;
};

static int monitor_option(struct monitor *m, const struct command *cmd,
			  int opt, const char *arg)
{
	switch (opt) {
	case 'j':
		m->json = true;
		return 0;
	case 'h':
		m->help = true;
		return 0;
	case OPT_BUFFER:
		return event_socket_buffer_option(cmd, arg, &m->buffer);
	}
	return filter_option(&m->filter, cmd, opt, arg);
}

static int parse_args(const struct command *cmd, int argc, char **argv,
		      struct monitor *m)
{
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, MONITOR_OPTSTRING, monitor_options,
				  NULL)) != -1) {
		ret = monitor_option(m, cmd, opt, optarg);
		if (ret == 1)
			return option_error(cmd, MONITOR_OPTSTRING, opt, argv);
		if (ret)
			return ret;
	}
	return no_arguments(cmd, argc, argv);
}

static int print_event(const struct event *ev, void *arg)
{
	struct monitor *m = arg;

	if (filter_match(&m->filter, &ev->flow, ev->time))
		event_print(stdout, ev, m->json);
	if (fflush(stdout)) {
		perror("flowctl: write error");
		return -1;
	}
	return 0;
}

static int report_lost(uint64_t lost, void *arg)
{
	(void)arg;
	if (lost)
		fprintf(stderr, "flowctl: %" PRIu64 " events lost (socket buffer overflow); continuing\n",
			lost);
	else
		fputs("flowctl: some events lost (socket buffer overflow or kernel out of memory); continuing\n",
		      stderr);
	return 0;
}

/* Returns the exit code: 0 after a signal or the module's unload. */
static int watch(struct monitor *m)
{
	const struct event_handler h = {
		.event = print_event,
		.lost = report_lost,
		.arg = m,
	};
	struct pollfd fds[2] = {
		{ .fd = event_socket_fd(&m->es), .events = POLLIN },
		{ .fd = m->es.signal_fd, .events = POLLIN },
	};

	while (!m->es.unloaded) {
		if (poll(fds, ARRAY_SIZE(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("flowctl: poll");
			return EXIT_FAILURE;
		}
		/*
		 * Events that happened before the signal are in the socket
		 * already: a script that stops the monitor after its traffic
		 * gets them all.
		 */
		if (fds[1].revents)
			return event_socket_drain(&m->es, &h) ? EXIT_FAILURE : EXIT_SUCCESS;
		if (fds[0].revents && event_socket_drain(&m->es, &h))
			return EXIT_FAILURE;
	}
	fputs("flowctl: the flowmon module was unloaded\n", stderr);
	return EXIT_SUCCESS;
}

static int cmd_monitor(const struct command *cmd, int argc, char **argv,
		       const struct options *opts)
{
	struct monitor m = { .json = opts->json };
	int ret;

	filter_init(&m.filter, opts);
	ret = parse_args(cmd, argc, argv, &m);
	if (ret)
		return ret;
	if (m.help)
		return print_command_help(cmd);
	if (event_socket_open(&m.es, m.buffer))
		return EXIT_FAILURE;
	ret = watch(&m);
	event_socket_close(&m.es);
	return ret;
}

const struct command monitor_command = {
	.name = "monitor",
	.run = cmd_monitor,
	.summary = "print flow events as they happen",
	.usage = "monitor [-j] [--buffer SIZE] [FILTERS]",
	.help =
		"Print one line per event as it happens, until interrupted:\n"
		"  [NEW] tcp 10.0.1.1:40000 -> 10.0.1.2:5000 SYN-SENT/SYN-RECEIVED\n"
		"  [STATE] tcp ... SYN-SENT/SYN-RECEIVED -> ESTABLISHED\n"
		"  [HINT] tcp ... ESTABLISHED l5=tls name=www.example.com\n"
		"  [DESTROY] tcp ... TIME-WAIT/CLOSED reason=timeout packets=6/5 bytes=412/356\n"
		"or with -j one JSON object per line. HINT: a payload changed what the\n"
		"flow is (l5, name, DNS response). The filters apply to the flow of\n"
		"each event (for STATE, its new state; for DESTROY, its final values),\n"
		"at the time of the event. Output is flushed after every event. When\n"
		"the socket buffer overflows, a note on stderr says how many events were\n"
		"lost, and monitoring goes on. SIGINT and SIGTERM end it with status 0,\n"
		"after the events already received are printed, and so does the\n"
		"module's unload. Needs CAP_NET_ADMIN unless the module was loaded\n"
		"with unprivileged_read=1.\n"
		"\n"
		"Options:\n"
		"  -j, --json           one JSON object per event and line\n"
		"      --buffer SIZE    socket receive buffer, e.g. 4M (K, M, G: powers\n"
		"                       of 1024), against bursts of events\n"
		"  -h, --help           show this help\n",
	.filters = true,
};
