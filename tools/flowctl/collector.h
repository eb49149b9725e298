/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection to an IPFIX collector, over UDP or TCP: what RFC 7011
 * asks of each transport, below the messages themselves.
 *
 * Over UDP, the templates go out again on a timer and after a number of
 * messages (RFC 7011 8.4), as their own message; a message the collector
 * does not take is lost, and counted. Over TCP, the templates go first on
 * every connection, and a collector that is down is tried again with an
 * exponential backoff while messages wait in a bounded queue; when the
 * queue is full, the oldest message goes, and its records are counted.
 * Each message's sequence number is set as it is sent: the data records
 * sent before it on this connection (TCP) or by this exporter (UDP).
 */
#ifndef FLOWCTL_COLLECTOR_H
#define FLOWCTL_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct collector_message {
	uint8_t *buf;
	size_t len;
	uint32_t records;
};

struct collector_stats {
	uint64_t messages;		/* sent */
	uint64_t bytes;
	uint64_t records;
	uint64_t template_messages;
	uint64_t send_errors;
	uint64_t connects;		/* TCP connections made */
	uint64_t records_dropped;	/* never sent: UDP errors, full queue, exit */
};

struct collector_options {
	bool tcp;
	size_t mtu;			/* 0: the route's */
	size_t queue_max;		/* TCP: messages waiting, at most */
	uint64_t template_refresh_ns;	/* UDP: templates again after this */
	uint32_t template_messages;	/* UDP: or after this many messages */
};

struct collector {
	const char *name;		/* as given: HOST:PORT */
	bool tcp;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd;				/* -1: not connected (TCP) */
	size_t message_max;		/* what a message may take: the path's */
	/* The templates message, without its header's sequence. */
	struct collector_message templates;
	uint64_t template_refresh_ns;
	uint32_t template_messages;
	uint64_t templates_sent_ns;
	uint32_t messages_since_templates;
	uint32_t sequence;
	/* TCP: messages waiting for the collector, oldest at queue[head]. */
	struct collector_message *queue;
	size_t queue_max;
	size_t queue_head;
	size_t queue_len;
	uint64_t retry_ns;		/* when to connect again; 0: now */
	uint64_t backoff_ns;
	struct collector_stats stats;
};

/*
 * Resolve @spec (HOST, HOST:PORT, [IPV6]:PORT; the port defaults to 4739)
 * and open a socket to it. Returns 0, or -1 after reporting why. A TCP
 * collector that is down is not an error: it is tried again.
 */
int collector_open(struct collector *c, const char *spec,
		   const struct collector_options *opts);

/* Give the templates message, header written: sent per the rules above. */
int collector_set_templates(struct collector *c, const uint8_t *buf,
			    size_t len);

/*
 * Send a finished message of @records data records at @now_ns, or queue a
 * copy (TCP, collector down). Its sequence number is rewritten in @buf.
 */
void collector_send(struct collector *c, uint8_t *buf, size_t len,
		    uint32_t records, uint64_t now_ns);

/*
 * UDP: the templates when due. TCP: notice a connection the collector
 * closed; connect again when due, and send what waited.
 */
void collector_tick(struct collector *c, uint64_t now_ns);

/* Send what waits, once more; what cannot go is counted as dropped. */
void collector_close(struct collector *c, uint64_t now_ns);

#endif /* FLOWCTL_COLLECTOR_H */
