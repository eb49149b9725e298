// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl monitor: print the events of the flowmon multicast group as they
 * happen, filtered here by the rules the kernel applies to dumps.
 *
 * The socket is read with recv() rather than libnl's receive loop, which
 * retries on EINTR and reports ENOBUFS as "out of memory": events lost to a
 * full socket buffer must be told apart, counted and survived, and SIGINT
 * and SIGTERM must end the loop. Signals arrive through a signalfd, polled
 * with the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <linux/flowmon.h>

#include "event.h"
#include "filter.h"
#include "flowctl.h"
#include "netlink.h"
#include "parse.h"

#define MONITOR_OPTSTRING ":jh" FILTER_SHORT_OPTIONS
/* The biggest --buffer: 1G. */
#define MAX_BUFFER (1ULL << 30)
/* Bigger than any one event message (NLMSG_GOODSIZE). */
#define RECV_BUF_SIZE (64 * 1024)
#define PROC_NETLINK "/proc/net/netlink"
/* The genl controller, whose "notify" group tells of families leaving. */
#define CTRL_NAME "nlctrl"
#define CTRL_NOTIFY_GROUP "notify"

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
	struct flowmon_sock fs;
	int signal_fd;
	uint64_t drops;		/* the socket's drop count when last looked at */
	bool unloaded;		/* the flowmon family went away */
};

static int monitor_option(struct monitor *m, const struct command *cmd,
			  int opt, const char *arg)
{
	const char *why;

	switch (opt) {
	case 'j':
		m->json = true;
		return 0;
	case 'h':
		m->help = true;
		return 0;
	case OPT_BUFFER:
		why = parse_size(arg, &m->buffer);
		if (!why && (!m->buffer || m->buffer > MAX_BUFFER))
			why = "expected 1 byte to 1G";
		return why ? usage_error(cmd, "bad --buffer '%s': %s", arg, why) : 0;
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

/*
 * SO_RCVBUF is capped by net.core.rmem_max; SO_RCVBUFFORCE is not, but
 * needs CAP_NET_ADMIN. The kernel doubles what it is given, for overhead,
 * and caps it at INT_MAX / 2 first: 1G gets one byte less, no note for that.
 */
static void set_buffer(struct monitor *m)
{
	int fd = nl_socket_get_fd(m->fs.sk);
	int size = m->buffer > INT_MAX / 2 ? INT_MAX / 2 : (int)m->buffer;
	int got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		(void)nl_socket_set_buffer_size(m->fs.sk, size, 0);
	if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got / 2 < size)
		fprintf(stderr, "flowctl: the socket buffer is %d bytes, not %" PRIu64 ": net.core.rmem_max caps it without CAP_NET_ADMIN\n",
			got / 2, m->buffer);
}

/* The socket's drop count (sk_drops), from /proc/net/netlink; -1 if unknown. */
static int socket_drops(int fd, uint64_t *drops)
{
	unsigned long inode;
	unsigned int value;
	struct stat st;
	char line[256];
	FILE *f;
	int ret = -1;

	if (fstat(fd, &st))
		return -1;
	f = fopen(PROC_NETLINK, "r");
	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*d %*u %*x %*d %*d %*d %*d %u %lu",
			   &value, &inode) == 2 && inode == st.st_ino) {
			*drops = value;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static void report_lost(struct monitor *m)
{
	int fd = nl_socket_get_fd(m->fs.sk);
	uint64_t drops;

	if (socket_drops(fd, &drops) || drops <= m->drops) {
		fputs("flowctl: some events lost (socket buffer overflow or kernel out of memory); continuing\n",
		      stderr);
		return;
	}
	fprintf(stderr, "flowctl: %" PRIu64 " events lost (socket buffer overflow); continuing\n",
		drops - m->drops);
	m->drops = drops;
}

/* Block SIGINT and SIGTERM, and have them arrive on a file descriptor. */
static int open_signal_fd(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (fd < 0)
		perror("flowctl: signalfd");
	return fd;
}

/* Subscribe to the events, and to nlctrl's notices of the family leaving. */
static int open_events(struct monitor *m)
{
	int fd;

	if (flowmon_open(&m->fs))
		return -1;
	if (flowmon_subscribe(&m->fs, FLOWMON_GENL_NAME, FLOWMON_MCGRP_EVENTS) ||
	    flowmon_subscribe(&m->fs, CTRL_NAME, CTRL_NOTIFY_GROUP)) {
		flowmon_close(&m->fs);
		return -1;
	}
	nl_socket_disable_seq_check(m->fs.sk);
	if (m->buffer)
		set_buffer(m);
	fd = nl_socket_get_fd(m->fs.sk);
	if (socket_drops(fd, &m->drops))
		m->drops = 0;
	return 0;
}

/* nlctrl says the flowmon family was unregistered: the module is gone. */
static bool family_removed(const struct monitor *m, struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *ghdr;

	if (!genlmsg_valid_hdr(nlh, 0))
		return false;
	ghdr = nlmsg_data(nlh);
	return ghdr->cmd == CTRL_CMD_DELFAMILY &&
	       genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) >= 0 &&
	       tb[CTRL_ATTR_FAMILY_ID] &&
	       nla_len(tb[CTRL_ATTR_FAMILY_ID]) >= (int)sizeof(uint16_t) &&
	       nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == m->fs.family;
}

/* Returns 0, or -1 when writing failed. */
static int handle_event(struct monitor *m, struct nlmsghdr *nlh)
{
	struct event ev;

	if (event_parse(&ev, nlh)) {
		fputs("flowctl: malformed event from the kernel; skipped\n", stderr);
		return 0;
	}
	if (filter_match(&m->filter, &ev.flow, ev.time))
		event_print(stdout, &ev, m->json);
	flow_release(&ev.flow);
	if (fflush(stdout)) {
		perror("flowctl: write error");
		return -1;
	}
	return 0;
}

static int handle_messages(struct monitor *m, void *buf, int len)
{
	struct nlmsghdr *nlh;

	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == m->fs.family) {
			if (handle_event(m, nlh))
				return -1;
		} else if (nlh->nlmsg_type == GENL_ID_CTRL && family_removed(m, nlh)) {
			m->unloaded = true;
		}
	}
	return 0;
}

/* Read what the socket holds. Returns 0, or -1 on a fatal error. */
static int drain_socket(struct monitor *m, void *buf)
{
	int fd = nl_socket_get_fd(m->fs.sk);
	ssize_t n;

	while (!m->unloaded) {
		n = recv(fd, buf, RECV_BUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			report_lost(m);
			continue;
		}
		if (n < 0) {
			perror("flowctl: receive events");
			return -1;
		}
		if (handle_messages(m, buf, (int)n))
			return -1;
	}
	return 0;
}

/* Returns the exit code: 0 after a signal or the module's unload. */
static int watch(struct monitor *m)
{
	struct pollfd fds[2] = {
		{ .fd = nl_socket_get_fd(m->fs.sk), .events = POLLIN },
		{ .fd = m->signal_fd, .events = POLLIN },
	};
	static char buf[RECV_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	while (!m->unloaded) {
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
			return drain_socket(m, buf) ? EXIT_FAILURE : EXIT_SUCCESS;
		if (fds[0].revents && drain_socket(m, buf))
			return EXIT_FAILURE;
	}
	fputs("flowctl: the flowmon module was unloaded\n", stderr);
	return EXIT_SUCCESS;
}

static int cmd_monitor(const struct command *cmd, int argc, char **argv,
		       const struct options *opts)
{
	struct monitor m = { .json = opts->json, .signal_fd = -1 };
	int ret;

	filter_init(&m.filter, opts);
	ret = parse_args(cmd, argc, argv, &m);
	if (ret)
		return ret;
	if (m.help)
		return print_command_help(cmd);
	if (open_events(&m))
		return EXIT_FAILURE;
	m.signal_fd = open_signal_fd();
	ret = m.signal_fd < 0 ? EXIT_FAILURE : watch(&m);
	if (m.signal_fd >= 0)
		close(m.signal_fd);
	flowmon_close(&m.fs);
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
