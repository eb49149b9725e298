// SPDX-License-Identifier: GPL-2.0
/*
 * IPFIX messages of bidirectional flow records; see ipfix.h.
 *
 * One table, ipfix_fields[], says what a record holds: the templates are
 * written from it, and each record is written by its put functions, so the
 * two cannot disagree. The client is the source and the flow's forward
 * direction is client -> server, as RFC 5103 has the initiator; the
 * server's counts are the reverse IEs (PEN 29305).
 */
#include <string.h>
#include <sys/socket.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "ipfix.h"

/* RFC 5103's enterprise number for reverse Information Elements. */
#define IPFIX_PEN_REVERSE 29305
#define IPFIX_ENTERPRISE_BIT 0x8000
/* A field's length in a template: variable, with a length prefix. */
#define IPFIX_VARIABLE 0xffff
#define IPFIX_SET_TEMPLATE 2
#define IPFIX_SET_HEADER_LEN 4

/* Information Elements (IANA's registry) and their numbers. */
enum {
	IE_OCTET_DELTA_COUNT = 1,
	IE_PACKET_DELTA_COUNT = 2,
	IE_PROTOCOL_IDENTIFIER = 4,
	IE_TCP_CONTROL_BITS = 6,
	IE_SOURCE_TRANSPORT_PORT = 7,
	IE_SOURCE_IPV4_ADDRESS = 8,
	IE_DESTINATION_TRANSPORT_PORT = 11,
	IE_DESTINATION_IPV4_ADDRESS = 12,
	IE_SOURCE_IPV6_ADDRESS = 27,
	IE_DESTINATION_IPV6_ADDRESS = 28,
	IE_APPLICATION_NAME = 96,
	IE_DROPPED_OCTET_DELTA_COUNT = 132,
	IE_DROPPED_PACKET_DELTA_COUNT = 133,
	IE_FLOW_END_REASON = 136,
	IE_FLOW_ID = 148,
	IE_FLOW_START_MILLISECONDS = 152,
	IE_FLOW_END_MILLISECONDS = 153,
	IE_INITIATOR_OCTETS = 231,
	IE_RESPONDER_OCTETS = 232,
	IE_BIFLOW_DIRECTION = 239,
	IE_HTTP_REQUEST_HOST = 460,
};

/* biflowDirection (IE 239). */
enum {
	BIFLOW_ARBITRARY = 0,
	BIFLOW_INITIATOR = 1,
};

/* TCP header flags, as tcpControlBits (RFC 7125) numbers them. */
enum {
	TCP_BIT_FIN = 0x01,
	TCP_BIT_SYN = 0x02,
	TCP_BIT_RST = 0x04,
	TCP_BIT_ACK = 0x10,
};

struct ipfix_field;

typedef void (*ipfix_put_fn)(struct ipfix_message *m,
			     const struct ipfix_record *r,
			     const struct ipfix_field *field);

/* A text field's value; NULL or "" for none. */
typedef const char *(*ipfix_string_fn)(const struct flow *f);

struct ipfix_field {
	uint16_t id;
	uint16_t length;	/* IPFIX_VARIABLE: a string, from .string */
	uint8_t family;		/* AF_INET or AF_INET6 only; 0: both */
	bool reverse;		/* the server's direction: a reverse IE */
	ipfix_put_fn put;
	ipfix_string_fn string;
};

static void put_u8(struct ipfix_message *m, uint8_t v)
{
	m->buf[m->len++] = v;
}

static void put_u16(struct ipfix_message *m, uint16_t v)
{
	put_u8(m, v >> 8);
	put_u8(m, v & 0xff);
}

static void put_u32(struct ipfix_message *m, uint32_t v)
{
	put_u16(m, v >> 16);
	put_u16(m, v & 0xffff);
}

static void put_u64(struct ipfix_message *m, uint64_t v)
{
	put_u32(m, v >> 32);
	put_u32(m, v & 0xffffffff);
}

static void put_bytes(struct ipfix_message *m, const void *p, size_t len)
{
	memcpy(m->buf + m->len, p, len);
	m->len += len;
}

/* RFC 7011 7: one length byte up to 254, else 255 and a u16. */
static void put_string(struct ipfix_message *m, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len < 255) {
		put_u8(m, len);
	} else {
		put_u8(m, 255);
		put_u16(m, len);
	}
	put_bytes(m, s, len);
}

static size_t string_size(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	return len + (len < 255 ? 1 : 3);
}

static const struct ipfix_delta *field_delta(const struct ipfix_record *r,
					     const struct ipfix_field *field)
{
	return field->reverse ? &r->down : &r->up;
}

static void put_flow_id(struct ipfix_message *m, const struct ipfix_record *r,
			const struct ipfix_field *field)
{
	(void)field;
	put_u64(m, r->flow->id);
}

static void put_start(struct ipfix_message *m, const struct ipfix_record *r,
		      const struct ipfix_field *field)
{
	(void)field;
	put_u64(m, r->flow->first_seen / 1000000);
}

static void put_end(struct ipfix_message *m, const struct ipfix_record *r,
		    const struct ipfix_field *field)
{
	(void)field;
	put_u64(m, r->flow->last_seen / 1000000);
}

static void put_client_addr(struct ipfix_message *m, const struct ipfix_record *r,
			    const struct ipfix_field *field)
{
	put_bytes(m, r->flow->client_addr, field->length);
}

static void put_server_addr(struct ipfix_message *m, const struct ipfix_record *r,
			    const struct ipfix_field *field)
{
	put_bytes(m, r->flow->server_addr, field->length);
}

/* ICMP echo flows keep their identifier as the client port: not a port. */
static void put_client_port(struct ipfix_message *m, const struct ipfix_record *r,
			    const struct ipfix_field *field)
{
	(void)field;
	put_u16(m, flow_has_ports(r->flow) ? r->flow->client_port : 0);
}

static void put_server_port(struct ipfix_message *m, const struct ipfix_record *r,
			    const struct ipfix_field *field)
{
	(void)field;
	put_u16(m, flow_has_ports(r->flow) ? r->flow->server_port : 0);
}

static void put_protocol(struct ipfix_message *m, const struct ipfix_record *r,
			 const struct ipfix_field *field)
{
	(void)field;
	put_u8(m, r->flow->proto);
}

/*
 * The flags one side sent, from the flow's history (its letters: upper
 * case the client's, lower case the server's). The history records SYN,
 * SYN-ACK, ACK, FIN and RST, not PSH, URG, ECE or CWR.
 */
static uint16_t tcp_bits(const struct flow *f, bool server)
{
	const char *c;
	uint16_t bits = 0;

	for (c = f->history; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') != server)
			continue;
		switch (*c | 0x20) {
		case 's':
		case 'q':
			bits |= TCP_BIT_SYN;
			break;
		case 'h':
			bits |= TCP_BIT_SYN | TCP_BIT_ACK;
			break;
		case 'a':
		case 'd':
			bits |= TCP_BIT_ACK;
			break;
		case 'f':
			bits |= TCP_BIT_FIN;
			break;
		case 'r':
			bits |= TCP_BIT_RST;
			break;
		}
	}
	return bits;
}

static void put_tcp_bits(struct ipfix_message *m, const struct ipfix_record *r,
			 const struct ipfix_field *field)
{
	put_u16(m, flow_is_tcp(r->flow) ? tcp_bits(r->flow, field->reverse) : 0);
}

static void put_octets(struct ipfix_message *m, const struct ipfix_record *r,
		       const struct ipfix_field *field)
{
	put_u64(m, field_delta(r, field)->bytes);
}

static void put_packets(struct ipfix_message *m, const struct ipfix_record *r,
			const struct ipfix_field *field)
{
	put_u64(m, field_delta(r, field)->packets);
}

static void put_dropped_octets(struct ipfix_message *m,
			       const struct ipfix_record *r,
			       const struct ipfix_field *field)
{
	put_u64(m, field_delta(r, field)->dropped_bytes);
}

static void put_dropped_packets(struct ipfix_message *m,
				const struct ipfix_record *r,
				const struct ipfix_field *field)
{
	put_u64(m, field_delta(r, field)->dropped_packets);
}

/* initiatorOctets and responderOctets count layer 4 payload. */
static void put_initiator_octets(struct ipfix_message *m,
				 const struct ipfix_record *r,
				 const struct ipfix_field *field)
{
	(void)field;
	put_u64(m, r->up.payload);
}

static void put_responder_octets(struct ipfix_message *m,
				 const struct ipfix_record *r,
				 const struct ipfix_field *field)
{
	(void)field;
	put_u64(m, r->down.payload);
}

static void put_end_reason(struct ipfix_message *m, const struct ipfix_record *r,
			   const struct ipfix_field *field)
{
	(void)field;
	put_u8(m, r->end_reason);
}

/* A flow picked up in mid-stream has a guessed client. */
static void put_direction(struct ipfix_message *m, const struct ipfix_record *r,
			  const struct ipfix_field *field)
{
	(void)field;
	put_u8(m, r->flow->flags & FLOWMON_FLOW_F_PICKED_UP ?
		  BIFLOW_ARBITRARY : BIFLOW_INITIATOR);
}

static const char *application_name(const struct flow *f)
{
	return f->app.l5;
}

static const char *http_host(const struct flow *f)
{
	return !strcmp(f->app.l5, "http") ? f->app.name : NULL;
}

#define BOTH 0
#define FORWARD false
#define REVERSE true
#define FIXED(ie, len, fam, dir, fn) \
	{ .id = (ie), .length = (len), .family = (fam), .reverse = (dir), .put = (fn) }
#define TEXT(ie, fn) { .id = (ie), .length = IPFIX_VARIABLE, .string = (fn) }

static const struct ipfix_field ipfix_fields[] = {
	FIXED(IE_FLOW_ID, 8, BOTH, FORWARD, put_flow_id),
	FIXED(IE_FLOW_START_MILLISECONDS, 8, BOTH, FORWARD, put_start),
	FIXED(IE_FLOW_END_MILLISECONDS, 8, BOTH, FORWARD, put_end),
	FIXED(IE_SOURCE_IPV4_ADDRESS, 4, AF_INET, FORWARD, put_client_addr),
	FIXED(IE_DESTINATION_IPV4_ADDRESS, 4, AF_INET, FORWARD, put_server_addr),
	FIXED(IE_SOURCE_IPV6_ADDRESS, 16, AF_INET6, FORWARD, put_client_addr),
	FIXED(IE_DESTINATION_IPV6_ADDRESS, 16, AF_INET6, FORWARD, put_server_addr),
	FIXED(IE_SOURCE_TRANSPORT_PORT, 2, BOTH, FORWARD, put_client_port),
	FIXED(IE_DESTINATION_TRANSPORT_PORT, 2, BOTH, FORWARD, put_server_port),
	FIXED(IE_PROTOCOL_IDENTIFIER, 1, BOTH, FORWARD, put_protocol),
	FIXED(IE_TCP_CONTROL_BITS, 2, BOTH, FORWARD, put_tcp_bits),
	FIXED(IE_TCP_CONTROL_BITS, 2, BOTH, REVERSE, put_tcp_bits),
	FIXED(IE_OCTET_DELTA_COUNT, 8, BOTH, FORWARD, put_octets),
	FIXED(IE_PACKET_DELTA_COUNT, 8, BOTH, FORWARD, put_packets),
	FIXED(IE_OCTET_DELTA_COUNT, 8, BOTH, REVERSE, put_octets),
	FIXED(IE_PACKET_DELTA_COUNT, 8, BOTH, REVERSE, put_packets),
	FIXED(IE_INITIATOR_OCTETS, 8, BOTH, FORWARD, put_initiator_octets),
	FIXED(IE_RESPONDER_OCTETS, 8, BOTH, FORWARD, put_responder_octets),
	FIXED(IE_DROPPED_OCTET_DELTA_COUNT, 8, BOTH, FORWARD, put_dropped_octets),
	FIXED(IE_DROPPED_PACKET_DELTA_COUNT, 8, BOTH, FORWARD, put_dropped_packets),
	FIXED(IE_DROPPED_OCTET_DELTA_COUNT, 8, BOTH, REVERSE, put_dropped_octets),
	FIXED(IE_DROPPED_PACKET_DELTA_COUNT, 8, BOTH, REVERSE, put_dropped_packets),
	FIXED(IE_FLOW_END_REASON, 1, BOTH, FORWARD, put_end_reason),
	FIXED(IE_BIFLOW_DIRECTION, 1, BOTH, FORWARD, put_direction),
	TEXT(IE_APPLICATION_NAME, application_name),
	TEXT(IE_HTTP_REQUEST_HOST, http_host),
};

static bool field_in(const struct ipfix_field *field, uint8_t family)
{
	return !field->family || field->family == family;
}

static uint16_t template_id(uint8_t family)
{
	return family == AF_INET6 ? IPFIX_TEMPLATE_IPV6 : IPFIX_TEMPLATE_IPV4;
}

void ipfix_message_init(struct ipfix_message *m, size_t max)
{
	m->max = max < IPFIX_MESSAGE_MIN ? IPFIX_MESSAGE_MIN :
		 max > IPFIX_MESSAGE_MAX ? IPFIX_MESSAGE_MAX : max;
	m->len = IPFIX_HEADER_LEN;
	m->set = 0;
	m->set_id = 0;
	m->records = 0;
}

bool ipfix_message_empty(const struct ipfix_message *m)
{
	return m->len == IPFIX_HEADER_LEN;
}

static void write_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void write_u32(uint8_t *p, uint32_t v)
{
	write_u16(p, v >> 16);
	write_u16(p + 2, v & 0xffff);
}

static void close_set(struct ipfix_message *m)
{
	if (m->set)
		write_u16(m->buf + m->set + 2, m->len - m->set);
	m->set = 0;
	m->set_id = 0;
}

/* Make sure a set @id is open, with room for @need bytes after its header. */
static int open_set(struct ipfix_message *m, uint16_t id, size_t need)
{
	if (m->set && m->set_id == id)
		return m->len + need <= m->max ? 0 : -1;
	if (m->len + IPFIX_SET_HEADER_LEN + need > m->max)
		return -1;
	close_set(m);
	m->set = m->len;
	m->set_id = id;
	put_u16(m, id);
	put_u16(m, 0);
	return 0;
}

static size_t template_size(uint8_t family)
{
	size_t i, size = 4;

	for (i = 0; i < ARRAY_SIZE(ipfix_fields); i++)
		if (field_in(&ipfix_fields[i], family))
			size += ipfix_fields[i].reverse ? 8 : 4;
	return size;
}

static void put_template(struct ipfix_message *m, uint8_t family)
{
	uint16_t count = 0;
	size_t i, count_at;

	put_u16(m, template_id(family));
	count_at = m->len;
	put_u16(m, 0);
	for (i = 0; i < ARRAY_SIZE(ipfix_fields); i++) {
		const struct ipfix_field *field = &ipfix_fields[i];

		if (!field_in(field, family))
			continue;
		put_u16(m, field->id | (field->reverse ? IPFIX_ENTERPRISE_BIT : 0));
		put_u16(m, field->length);
		if (field->reverse)
			put_u32(m, IPFIX_PEN_REVERSE);
		count++;
	}
	write_u16(m->buf + count_at, count);
}

int ipfix_add_templates(struct ipfix_message *m)
{
	if (open_set(m, IPFIX_SET_TEMPLATE,
		     template_size(AF_INET) + template_size(AF_INET6)))
		return -1;
	put_template(m, AF_INET);
	put_template(m, AF_INET6);
	return 0;
}

static size_t record_size(const struct ipfix_record *r)
{
	size_t i, size = 0;

	for (i = 0; i < ARRAY_SIZE(ipfix_fields); i++) {
		const struct ipfix_field *field = &ipfix_fields[i];

		if (!field_in(field, r->flow->family))
			continue;
		if (field->length == IPFIX_VARIABLE)
			size += string_size(field->string(r->flow));
		else
			size += field->length;
	}
	return size;
}

int ipfix_add_record(struct ipfix_message *m, const struct ipfix_record *r)
{
	size_t i;

	if (open_set(m, template_id(r->flow->family), record_size(r)))
		return -1;
	for (i = 0; i < ARRAY_SIZE(ipfix_fields); i++) {
		const struct ipfix_field *field = &ipfix_fields[i];

		if (!field_in(field, r->flow->family))
			continue;
		if (field->length == IPFIX_VARIABLE)
			put_string(m, field->string(r->flow));
		else
			field->put(m, r, field);
	}
	m->records++;
	return 0;
}

size_t ipfix_finish(struct ipfix_message *m, uint32_t export_time,
		    uint32_t sequence, uint32_t domain)
{
	close_set(m);
	write_u16(m->buf, IPFIX_VERSION);
	write_u16(m->buf + 2, m->len);
	write_u32(m->buf + 4, export_time);
	write_u32(m->buf + 8, sequence);
	write_u32(m->buf + 12, domain);
	return m->len;
}

void ipfix_set_sequence(uint8_t *buf, uint32_t sequence)
{
	write_u32(buf + 8, sequence);
}
