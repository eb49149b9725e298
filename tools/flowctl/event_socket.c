// SPDX-License-Identifier: GPL-2.0
/*
 * A socket subscribed to the flowmon events; see event_socket.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <linux/flowmon.h>

#include "event_socket.h"
#include "parse.h"

/* Bigger than any one event message (NLMSG_GOODSIZE). */
#define RECV_BUF_SIZE (64 * 1024)
#define PROC_NETLINK "/proc/net/netlink"
/* The genl controller, whose "notify" group tells of families leaving. */
#define CTRL_NAME "nlctrl"
#define CTRL_NOTIFY_GROUP "notify"

/*
 * SO_RCVBUF is capped by net.core.rmem_max; SO_RCVBUFFORCE is not, but
 * needs CAP_NET_ADMIN. The kernel doubles what it is given, for overhead,
 * and caps it at INT_MAX / 2 first: 1G gets one byte less, no note for that.
 */
static void set_buffer(struct event_socket *es, uint64_t buffer)
{
	int fd = nl_socket_get_fd(es->fs.sk);
	int size = buffer > INT_MAX / 2 ? INT_MAX / 2 : (int)buffer;
	int got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		(void)nl_socket_set_buffer_size(es->fs.sk, size, 0);
	if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got / 2 < size)
		fprintf(stderr, "flowctl: the socket buffer is %d bytes, not %" PRIu64 ": net.core.rmem_max caps it without CAP_NET_ADMIN\n",
			got / 2, buffer);
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

/* How many events the overflow just reported lost; 0 if unknown. */
static uint64_t count_lost(struct event_socket *es)
{
	uint64_t drops, lost;

	if (socket_drops(event_socket_fd(es), &drops) || drops <= es->drops)
		return 0;
	lost = drops - es->drops;
	es->drops = drops;
	return lost;
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

int event_socket_buffer_option(const struct command *cmd, const char *arg,
			       uint64_t *buffer)
{
	const char *why = parse_size(arg, buffer);

	if (!why && (!*buffer || *buffer > EVENT_SOCKET_MAX_BUFFER))
		why = "expected 1 byte to 1G";
	return why ? usage_error(cmd, "bad --buffer '%s': %s", arg, why) : 0;
}

int event_socket_open(struct event_socket *es, uint64_t buffer)
{
	memset(es, 0, sizeof(*es));
	es->signal_fd = -1;
	if (flowmon_open(&es->fs))
		return -1;
	if (flowmon_subscribe(&es->fs, FLOWMON_GENL_NAME, FLOWMON_MCGRP_EVENTS) ||
	    flowmon_subscribe(&es->fs, CTRL_NAME, CTRL_NOTIFY_GROUP))
		goto err_close;
	nl_socket_disable_seq_check(es->fs.sk);
	if (buffer)
		set_buffer(es, buffer);
	if (socket_drops(event_socket_fd(es), &es->drops))
		es->drops = 0;
	es->signal_fd = open_signal_fd();
	if (es->signal_fd < 0)
		goto err_close;
	return 0;

err_close:
	flowmon_close(&es->fs);
	return -1;
}

void event_socket_close(struct event_socket *es)
{
	if (es->signal_fd >= 0)
		close(es->signal_fd);
	flowmon_close(&es->fs);
}

int event_socket_fd(const struct event_socket *es)
{
	return nl_socket_get_fd(es->fs.sk);
}

/* nlctrl says the flowmon family was unregistered: the module is gone. */
static bool family_removed(const struct event_socket *es, struct nlmsghdr *nlh)
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
	       nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == es->fs.family;
}

static int handle_event(struct nlmsghdr *nlh, const struct event_handler *h)
{
	struct event ev;
	int ret;

	if (event_parse(&ev, nlh)) {
		fputs("flowctl: malformed event from the kernel; skipped\n", stderr);
		return 0;
	}
	ret = h->event(&ev, h->arg);
	flow_release(&ev.flow);
	return ret;
}

static int handle_messages(struct event_socket *es, void *buf, int len,
			   const struct event_handler *h)
{
	struct nlmsghdr *nlh;

	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == es->fs.family) {
			if (handle_event(nlh, h))
				return -1;
		} else if (nlh->nlmsg_type == GENL_ID_CTRL && family_removed(es, nlh)) {
			es->unloaded = true;
		}
	}
	return 0;
}

int event_socket_drain(struct event_socket *es, const struct event_handler *h)
{
	static char buf[RECV_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = event_socket_fd(es);
	ssize_t n;

	while (!es->unloaded) {
		n = recv(fd, buf, RECV_BUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			if (h->lost(count_lost(es), h->arg))
				return -1;
			continue;
		}
		if (n < 0) {
			perror("flowctl: receive events");
			return -1;
		}
		if (handle_messages(es, buf, (int)n, h))
			return -1;
	}
	return 0;
}
