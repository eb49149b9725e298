/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A socket subscribed to the flowmon events, for the commands that follow
 * them (monitor, export), with SIGINT and SIGTERM arriving on a descriptor
 * of their own.
 *
 * The socket is read with recv() rather than libnl's receive loop, which
 * retries on EINTR and reports ENOBUFS as "out of memory": events lost to a
 * full socket buffer must be told apart, counted and survived, and the two
 * signals must end the caller's loop.
 */
#ifndef FLOWCTL_EVENT_SOCKET_H
#define FLOWCTL_EVENT_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "flowctl.h"
#include "netlink.h"

/* The biggest receive buffer one can ask for: 1G. */
#define EVENT_SOCKET_MAX_BUFFER (1ULL << 30)

struct event_socket {
	struct flowmon_sock fs;
	int signal_fd;		/* SIGINT and SIGTERM */
	uint64_t drops;		/* the socket's drop count when last looked at */
	bool unloaded;		/* the flowmon family went away */
};

/* What to do with what the socket brings. */
struct event_handler {
	/* Called for each well-formed event; returns 0, or -1 to stop. */
	int (*event)(const struct event *ev, void *arg);
	/*
	 * Called when the socket overflowed: @lost events are gone (0 when
	 * the kernel did not say how many). Returns 0, or -1 to stop.
	 */
	int (*lost)(uint64_t lost, void *arg);
	void *arg;
};

/*
 * Parse --buffer SIZE for @cmd into @buffer: 1 byte to 1G. Returns 0, or
 * EXIT_USAGE after reporting.
 */
int event_socket_buffer_option(const struct command *cmd, const char *arg,
			       uint64_t *buffer);

/*
 * Subscribe to the events and to the notice of the family's removal, with
 * a receive buffer of @buffer bytes (0: the default), and block SIGINT and
 * SIGTERM into es->signal_fd. Returns 0, or -1 after reporting.
 */
int event_socket_open(struct event_socket *es, uint64_t buffer);
void event_socket_close(struct event_socket *es);

/* The descriptor to poll for events; es->signal_fd is the other. */
int event_socket_fd(const struct event_socket *es);

/*
 * Hand what the socket holds to @h, until it is empty or the family was
 * removed (es->unloaded). Returns 0, or -1 on a fatal error (reported) or
 * when a handler said to stop.
 */
int event_socket_drain(struct event_socket *es, const struct event_handler *h);

#endif /* FLOWCTL_EVENT_SOCKET_H */
