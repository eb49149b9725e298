/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPFIX (RFC 7011) messages of bidirectional flow records (RFC 5103): the
 * two templates, one for IPv4 and one for IPv6 flows, and the records. Only
 * encoding lives here; export.c decides what to send, and when.
 */
#ifndef FLOWCTL_IPFIX_H
#define FLOWCTL_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define IPFIX_VERSION 10
#define IPFIX_HEADER_LEN 16
/* A message's length is a u16. */
#define IPFIX_MESSAGE_MAX 65535
/* Enough for the templates and one record with the longest strings. */
#define IPFIX_MESSAGE_MIN 1024

#define IPFIX_TEMPLATE_IPV4 256
#define IPFIX_TEMPLATE_IPV6 257

/* flowEndReason (IE 136). */
enum ipfix_end_reason {
	IPFIX_END_IDLE = 1,
	IPFIX_END_ACTIVE,
	IPFIX_END_OF_FLOW,
	IPFIX_END_FORCED,
	IPFIX_END_RESOURCES,
};

/* What a direction of a flow did since the flow's last report. */
struct ipfix_delta {
	uint64_t packets;
	uint64_t bytes;
	uint64_t payload;
	uint64_t dropped_packets;
	uint64_t dropped_bytes;
};

/* One data record: a flow, and its counts since its last report. */
struct ipfix_record {
	const struct flow *flow;
	struct ipfix_delta up;		/* client -> server: forward */
	struct ipfix_delta down;	/* server -> client: reverse */
	uint8_t end_reason;		/* enum ipfix_end_reason */
};

/* A message being filled: sets of templates and records, header last. */
struct ipfix_message {
	uint8_t buf[IPFIX_MESSAGE_MAX];
	size_t len;		/* IPFIX_HEADER_LEN when nothing was added */
	size_t max;		/* what one message may take: the path MTU's share */
	size_t set;		/* where the open set's header is; 0: none */
	uint16_t set_id;
	uint32_t records;	/* data records in the message */
};

/* An empty message of at most @max bytes (IPFIX_MESSAGE_MIN to _MAX). */
void ipfix_message_init(struct ipfix_message *m, size_t max);

/* Whether nothing was added since ipfix_message_init(). */
bool ipfix_message_empty(const struct ipfix_message *m);

/* Add the template set with both templates. Returns 0, or -1 if it does not fit. */
int ipfix_add_templates(struct ipfix_message *m);

/* Add @r to the data set of its family. Returns 0, or -1 if it does not fit. */
int ipfix_add_record(struct ipfix_message *m, const struct ipfix_record *r);

/*
 * Close the open set and write the message header: its length, @export_time
 * (seconds since the epoch), @sequence (the data records sent before it in
 * this transport session and domain) and @domain. Returns the length.
 */
size_t ipfix_finish(struct ipfix_message *m, uint32_t export_time,
		    uint32_t sequence, uint32_t domain);

/* Rewrite the sequence number of a finished message in @buf. */
void ipfix_set_sequence(uint8_t *buf, uint32_t sequence);

#endif /* FLOWCTL_IPFIX_H */
