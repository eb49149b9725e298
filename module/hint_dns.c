// SPDX-License-Identifier: GPL-2.0
/*
 * DNS, mDNS and LLMNR messages (RFC 1035 section 4, RFC 6762, RFC 4795):
 * the first question's name and type from a query; the response code, the
 * number of answers and the first A or AAAA record from a response. Over
 * TCP a message follows its two-byte length (RFC 1035 section 4.2.2).
 */
#include <linux/in.h>
#include <linux/ktime.h>
#include <linux/socket.h>

#include "hint_parse.h"

#define DNS_HEADER_LEN		12
#define DNS_FLAG_QR		0x8000
#define DNS_OPCODE(flags)	(((flags) >> 11) & 0xf)
#define DNS_RCODE(flags)	((flags) & 0xf)
#define DNS_TYPE_A		1
#define DNS_TYPE_AAAA		28
#define DNS_CLASS_IN		1
#define DNS_CLASS_ANY		255
/* mDNS's unicast-response and cache-flush bit (RFC 6762 sections 5.4, 10.2). */
#define DNS_CLASS_MDNS_BIT	0x8000
/* Records looked at for an address: the first ones say it. */
#define DNS_MAX_ANSWERS		16
#define DNS_MAX_QUESTIONS	4
/* Compression pointers followed in one name. */
#define DNS_MAX_JUMPS		16

struct dns_message {
	const u8 *msg;
	unsigned int len;
};

/*
 * The name at @off as dotted text into @out (room for FLOWMON_NAME_MAX
 * bytes), its length returned (0: the root), or -1. @next is set to just
 * past the name where it starts. A compression pointer must point below
 * every place the name has been read from, so that no name loops.
 */
static int dns_read_name(const struct dns_message *m, unsigned int off,
			 u8 *out, unsigned int *next)
{
	unsigned int len = 0, limit = off, jumps = 0;
	bool jumped = false;
	u8 c;

	for (;;) {
		if (off >= m->len)
			return -1;
		c = m->msg[off];
		if (!c)
			break;
		if ((c & 0xc0) == 0xc0) {
			unsigned int target;

			if (off + 1 >= m->len || ++jumps > DNS_MAX_JUMPS)
				return -1;
			target = (c & 0x3f) << 8 | m->msg[off + 1];
			if (target < DNS_HEADER_LEN || target >= limit)
				return -1;
			if (!jumped)
				*next = off + 2;
			jumped = true;
			limit = target;
			off = target;
			continue;
		}
		/* 0x40 and 0x80: label types nobody uses (RFC 6891). */
		if (c & 0xc0 || off + 1 + c > m->len ||
		    len + !!len + c > FLOWMON_NAME_MAX)
			return -1;
		if (len)
			out[len++] = '.';
		memcpy(out + len, m->msg + off + 1, c);
		len += c;
		off += 1 + c;
	}
	if (!jumped)
		*next = off + 1;
	return len;
}

static bool dns_class_ok(u16 class)
{
	class &= ~DNS_CLASS_MDNS_BIT;
	return class == DNS_CLASS_IN || class == DNS_CLASS_ANY;
}

/* A question at *@off: its name (the first one's kept), type and class. */
static bool dns_read_question(const struct dns_message *m, unsigned int *off,
			      struct hint_found *found, bool first)
{
	struct flow_hint *hint = &found->hint;
	int len;

	len = dns_read_name(m, *off, hint->name, off);
	if (len < 0 || *off + 4 > m->len ||
	    !dns_class_ok(get_unaligned_be16(m->msg + *off + 2)))
		return false;
	if (first) {
		hint->dns_qtype = get_unaligned_be16(m->msg + *off);
		/* A name that is not a host name is not shown, but DNS it is. */
		if (len)
			hint_set_name(found, hint->name, len);
	}
	*off += 4;
	return true;
}

/* The first A or AAAA record among the answers at @off. */
static bool dns_read_answers(const struct dns_message *m, unsigned int off,
			     u16 answers, struct hint_found *found)
{
	struct flow_hint *hint = &found->hint;
	u16 type, rdlen, i;
	u8 name[FLOWMON_NAME_MAX];
	int len;

	for (i = 0; i < min_t(u16, answers, DNS_MAX_ANSWERS); i++) {
		len = dns_read_name(m, off, name, &off);
		if (len < 0 || off + 10 > m->len)
			return false;
		/* An mDNS announcement asks nothing: its first record's name. */
		if (!i && !hint->name_len && len)
			hint_set_name(found, name, len);
		type = get_unaligned_be16(m->msg + off);
		rdlen = get_unaligned_be16(m->msg + off + 8);
		off += 10;
		if (off + rdlen > m->len)
			return false;
		if (type == DNS_TYPE_A && rdlen == 4) {
			memcpy(&hint->dns_addr.ip, m->msg + off, 4);
			hint->dns_addr_family = AF_INET;
		} else if (type == DNS_TYPE_AAAA && rdlen == 16) {
			memcpy(&hint->dns_addr.in6, m->msg + off, 16);
			hint->dns_addr_family = AF_INET6;
		}
		if (hint->dns_addr_family) {
			hint->dns |= FLOW_HINT_DNS_ADDR;
			found->part = true;
			return true;
		}
		off += rdlen;
	}
	return true;
}

/*
 * A header that a query or a response of the standard opcode would have:
 * queries ask one question (mDNS: a few, with known answers), responses
 * echo at most one (mDNS: none).
 */
static bool dns_header_ok(const u8 *h, bool mdns)
{
	u16 flags = get_unaligned_be16(h + 2), qd = get_unaligned_be16(h + 4);
	u16 an = get_unaligned_be16(h + 6);

	if (DNS_OPCODE(flags))
		return false;
	if (mdns)
		return qd <= DNS_MAX_QUESTIONS && (qd || (flags & DNS_FLAG_QR));
	if (flags & DNS_FLAG_QR)
		return qd <= 1;
	return qd == 1 && !an;
}

static u8 dns_l5(const struct hint_payload *p)
{
	if (hint_port_is(p, FLOW_L5_MDNS))
		return FLOW_L5_MDNS;
	if (hint_port_is(p, FLOW_L5_LLMNR))
		return FLOW_L5_LLMNR;
	return FLOW_L5_DNS;
}

enum hint_match hint_parse_dns(const struct hint_payload *p,
			       struct hint_found *found)
{
	struct flow_hint *hint = &found->hint;
	struct dns_message m = { p->data, p->len };
	unsigned int off = DNS_HEADER_LEN;
	u16 flags, qd, i;
	u8 l5 = dns_l5(p);

	if (p->proto == IPPROTO_TCP) {
		if (m.len < 2 || get_unaligned_be16(m.msg) < DNS_HEADER_LEN)
			return HINT_NO;
		m.len = min_t(unsigned int, m.len - 2, get_unaligned_be16(m.msg));
		m.msg += 2;
	}
	if (m.len < DNS_HEADER_LEN || !dns_header_ok(m.msg, l5 == FLOW_L5_MDNS))
		return HINT_NO;
	flags = get_unaligned_be16(m.msg + 2);
	qd = get_unaligned_be16(m.msg + 4);
	for (i = 0; i < qd; i++)
		if (!dns_read_question(&m, &off, found, !i))
			return HINT_NO;

	found->l5 = l5;
	found->part = true;
	hint->dns_id = get_unaligned_be16(m.msg);
	hint->dns_query_time = ktime_get_real_ns();
	if (!(flags & DNS_FLAG_QR)) {
		hint->dns = FLOW_HINT_DNS_QUERY;
		return HINT_YES;
	}
	hint->dns = FLOW_HINT_DNS_RESPONSE;
	hint->dns_rcode = DNS_RCODE(flags);
	hint->dns_answers = get_unaligned_be16(m.msg + 6);
	return dns_read_answers(&m, off, hint->dns_answers, found) ?
	       HINT_YES : HINT_BROKEN;
}
